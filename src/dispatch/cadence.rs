//! When live dispatch re-plans a hub: what happened there decides how
//! soon. A severity-1/2 fault or a round-the-clock contract cannot wait
//! long for its placement; a routine 5x8 ticket, whose clock counts in
//! service hours, can join the next routine re-plan; a ticket due on site
//! within a few hours (a key customer's two) is planned within the minute.
//! Re-plans fall on fixed boundaries (every minute, every half hour, every
//! two hours) so what happens between two boundaries is planned together,
//! once. The spacing was
//! chosen on the simulation: a quarter hour and an hour re-planned half
//! again as often for 0.5 points more of the 12 h promise.

use chrono::{DateTime, Duration, Utc};

use crate::domain::event::{EventKind, Outcome};
use crate::domain::{ServiceHours, Ticket};

/// How soon a change must reach the hub's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Within the minute: a ticket due on site within
    /// [`IMMEDIATE_WINDOW_HOURS`] of its report (a key customer's two
    /// hours), for which waiting for the next prompt boundary would spend a
    /// good part of the time there is to drive.
    Immediate,
    /// By the next prompt boundary: an urgent ticket, a visit that ended
    /// far from plan, an engineer who cannot work.
    Prompt,
    /// By the next routine boundary.
    Routine,
}

/// A ticket due on site within this many hours of its report is planned
/// within the minute. On the simulated week the key customers' two-hour
/// tickets were 13 % of the attainable ones and three quarters of what
/// live dispatch missed against hindsight: half an hour's wait for the
/// boundary is a quarter of their time.
pub const IMMEDIATE_WINDOW_HOURS: i64 = 4;

impl Urgency {
    /// A new ticket: immediate when its on-site deadline is near, prompt
    /// for severity 1 and 2 and for round-the-clock contracts, routine
    /// otherwise.
    pub fn of_ticket(ticket: &Ticket) -> Self {
        let deadlines = ticket.deadlines();
        if deadlines.on_site_by - ticket.reported_at() <= Duration::hours(IMMEDIATE_WINDOW_HOURS) {
            Urgency::Immediate
        } else if ticket.severity().level() <= 2
            || ticket.deadlines().hours == ServiceHours::SevenByTwentyFour
        {
            Urgency::Prompt
        } else {
            Urgency::Routine
        }
    }
}

/// A visit that ends further than this from its planned end changes
/// what the plan assumed about the rest of the engineer's day.
pub const DEVIATION_MINUTES: i64 = 15;

impl Urgency {
    /// What an engineer's event asks of the plan: a visit that needs
    /// another (or ended `DEVIATION_MINUTES` away from `planned_end`, the
    /// published departure) or an engineer who cannot work changes the
    /// rest of the day; anything else went as planned.
    pub fn of_event(
        kind: &EventKind,
        at: DateTime<Utc>,
        planned_end: Option<DateTime<Utc>>,
    ) -> Option<Self> {
        match kind {
            EventKind::Unavailable { .. } => Some(Urgency::Prompt),
            EventKind::Finished { finish, .. } if finish.outcome != Outcome::Fixed => {
                Some(Urgency::Prompt)
            }
            EventKind::Finished { .. } => planned_end
                .is_none_or(|end| (at - end).num_minutes().abs() > DEVIATION_MINUTES)
                .then_some(Urgency::Prompt),
            _ => None,
        }
    }
}

/// The two boundaries' spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub prompt: Duration,
    pub routine: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            prompt: Duration::minutes(30),
            routine: Duration::minutes(120),
        }
    }
}

impl Cadence {
    /// When a change of `urgency` at `now` is planned: the next boundary
    /// of its spacing (now itself when it falls on one).
    pub fn replan_at(&self, now: DateTime<Utc>, urgency: Urgency) -> DateTime<Utc> {
        let spacing = match urgency {
            Urgency::Immediate => Duration::minutes(1),
            Urgency::Prompt => self.prompt,
            Urgency::Routine => self.routine,
        }
        .num_seconds()
        .max(1);
        let seconds = now.timestamp();
        let boundary = seconds + (spacing - seconds.rem_euclid(spacing)) % spacing;
        DateTime::from_timestamp(boundary, 0)
            .unwrap_or(now)
            .max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_visit_that_ends_as_planned_asks_nothing_of_the_plan() {
        use crate::domain::TicketId;
        use crate::domain::event::Finish;
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap();
        let finished = |outcome| EventKind::Finished {
            ticket_id: TicketId::parse("T1").unwrap(),
            finish: Finish {
                outcome,
                parts_used: Vec::new(),
                notes: None,
                signed_off_by: None,
            },
        };
        let planned = Some(at - Duration::minutes(10));
        assert_eq!(
            Urgency::of_event(&finished(Outcome::Fixed), at, planned),
            None
        );
        assert_eq!(
            Urgency::of_event(
                &finished(Outcome::Fixed),
                at + Duration::minutes(40),
                planned
            ),
            Some(Urgency::Prompt),
            "40 minutes late"
        );
        assert_eq!(
            Urgency::of_event(&finished(Outcome::NeedsReturn { minutes: 30 }), at, planned),
            Some(Urgency::Prompt)
        );
        assert_eq!(
            Urgency::of_event(&finished(Outcome::Fixed), at, None),
            Some(Urgency::Prompt),
            "a visit the plan does not know"
        );
    }

    #[test]
    fn a_change_waits_for_the_next_boundary_of_its_urgency() {
        let cadence = Cadence::default();
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 11, 30, h, m, s).unwrap();
        assert_eq!(
            cadence.replan_at(at(14, 7, 30), Urgency::Prompt),
            at(14, 30, 0)
        );
        assert_eq!(
            cadence.replan_at(at(14, 7, 30), Urgency::Routine),
            at(16, 0, 0)
        );
        assert_eq!(
            cadence.replan_at(at(14, 30, 0), Urgency::Prompt),
            at(14, 30, 0)
        );
        assert_eq!(
            cadence.replan_at(at(23, 59, 1), Urgency::Routine),
            at(0, 0, 0) + Duration::days(1)
        );
        assert_eq!(
            cadence.replan_at(at(14, 7, 30), Urgency::Immediate),
            at(14, 8, 0),
            "within the minute"
        );
    }

    #[test]
    fn a_ticket_due_on_site_within_hours_is_planned_at_once() {
        use crate::domain::{GeoPoint, Region, Severity, Skill, SlaPolicy, TicketId, TicketReport};
        let ticket = |severity, sla| {
            Ticket::new(TicketReport {
                id: TicketId::parse("T1").unwrap(),
                customer: "Acme".to_string(),
                site: GeoPoint::new(30.27, 120.15).unwrap(),
                city_adcode: 330100,
                region: Region::East,
                severity,
                skill: Skill::Server,
                reported_at: Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap(),
                service_minutes: 60,
                sla,
            })
            .unwrap()
        };
        // A key customer's two hours on site.
        assert_eq!(
            Urgency::of_ticket(&ticket(Severity::MINOR, SlaPolicy::key_customer())),
            Urgency::Immediate
        );
        assert_eq!(
            Urgency::of_ticket(&ticket(Severity::CRITICAL, SlaPolicy::default())),
            Urgency::Prompt
        );
        assert_eq!(
            Urgency::of_ticket(&ticket(Severity::MINOR, SlaPolicy::default())),
            Urgency::Routine
        );
    }
}
