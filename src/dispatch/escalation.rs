//! Escalation: who has been told about a fault, from the time it has stayed
//! unresolved. The matrix is the service plan's (see the domain brief):
//! the more severe the fault, the sooner and the higher it climbs.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::{Severity, Ticket, TicketStatus};

/// The people a fault is escalated to, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemEngineer,
    TechnicalDeptManager,
    SystemsDeptGeneralManager,
    MarketingDirector,
    GeneralManager,
}

impl Role {
    pub fn title(self) -> &'static str {
        match self {
            Role::SystemEngineer => "system engineer",
            Role::TechnicalDeptManager => "technical dept. manager",
            Role::SystemsDeptGeneralManager => "systems dept. general manager",
            Role::MarketingDirector => "marketing director",
            Role::GeneralManager => "general manager",
        }
    }
}

/// One row of the matrix for one severity: after `after_minutes` without
/// resolution, `role` is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    pub after_minutes: i64,
    pub role: Role,
}

const fn step(after_minutes: i64, role: Role) -> Step {
    Step {
        after_minutes,
        role,
    }
}

/// The escalation ladder of a severity, in time order. Level 4 reaches the
/// system engineer after 8 h; level 1 climbs to the general manager by 8 h.
pub fn ladder(severity: Severity) -> &'static [Step] {
    use Role::*;
    const LEVEL_1: [Step; 5] = [
        step(30, SystemEngineer),
        step(60, TechnicalDeptManager),
        step(120, SystemsDeptGeneralManager),
        step(240, MarketingDirector),
        step(480, GeneralManager),
    ];
    const LEVEL_2: [Step; 5] = [
        step(60, SystemEngineer),
        step(120, TechnicalDeptManager),
        step(240, SystemsDeptGeneralManager),
        step(480, MarketingDirector),
        step(1440, GeneralManager),
    ];
    const LEVEL_3: [Step; 2] = [step(240, SystemEngineer), step(480, TechnicalDeptManager)];
    const LEVEL_4: [Step; 1] = [step(480, SystemEngineer)];
    match severity.level() {
        1 => &LEVEL_1,
        2 => &LEVEL_2,
        3 => &LEVEL_3,
        _ => &LEVEL_4,
    }
}

/// A notification that is due: who, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub role: Role,
    pub title: &'static str,
    pub after_minutes: i64,
    pub due_at: DateTime<Utc>,
}

/// Where a ticket stands on its ladder at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub severity: Severity,
    /// Minutes since the report (0 if `at` is before it).
    pub elapsed_minutes: i64,
    /// Resolved and cancelled tickets stop climbing.
    pub active: bool,
    /// Everyone notified so far, in order.
    pub notified: Vec<Notice>,
    /// The next notification if the fault stays open.
    pub next: Option<Notice>,
}

/// The escalation of `ticket` as seen at `at`.
pub fn escalation(ticket: &Ticket, at: DateTime<Utc>) -> Escalation {
    escalation_with_lifecycle(ticket, at, None, None)
}

/// [`escalation`] for a ticket whose lifecycle is known: the ladder stops
/// climbing once an engineer is on site (`on_site_at`; no one further is
/// notified and nobody is next) and ends when the ticket is fixed
/// (`fixed_at`; no longer active). Times after `at` are not yet known.
pub fn escalation_with_lifecycle(
    ticket: &Ticket,
    at: DateTime<Utc>,
    on_site_at: Option<DateTime<Utc>>,
    fixed_at: Option<DateTime<Utc>>,
) -> Escalation {
    let reported = ticket.reported_at();
    let elapsed_minutes = (at - reported).num_minutes().max(0);
    let halted_at = [on_site_at, fixed_at]
        .into_iter()
        .flatten()
        .filter(|&halt| halt <= at)
        .min();
    let climbed_minutes = halted_at.map_or(elapsed_minutes, |halt| {
        (halt - reported).num_minutes().clamp(0, elapsed_minutes)
    });
    let active = matches!(ticket.status(), TicketStatus::Open | TicketStatus::Planned)
        && fixed_at.is_none_or(|fixed| fixed > at);
    let notice = |s: &Step| Notice {
        role: s.role,
        title: s.role.title(),
        after_minutes: s.after_minutes,
        due_at: reported + Duration::minutes(s.after_minutes),
    };
    let steps = ladder(ticket.severity());
    let notified = steps
        .iter()
        .filter(|s| s.after_minutes <= climbed_minutes)
        .map(notice)
        .collect();
    let next = (active && halted_at.is_none())
        .then(|| {
            steps
                .iter()
                .find(|s| s.after_minutes > elapsed_minutes)
                .map(notice)
        })
        .flatten();
    Escalation {
        severity: ticket.severity(),
        elapsed_minutes,
        active,
        notified,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GeoPoint, Region, Skill, SlaPolicy, TicketId};
    use chrono::TimeZone;

    fn ticket(level: u8) -> Ticket {
        Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse("T1").unwrap(),
            customer: "Customer".to_string(),
            site: GeoPoint::new(30.27, 120.15).unwrap(),
            city_adcode: 330100,
            region: Region::East,
            severity: Severity::new(level).unwrap(),
            skill: Skill::Server,
            reported_at: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
            service_minutes: 60,
            sla: SlaPolicy::default(),
        })
        .unwrap()
    }

    fn roles(e: &Escalation) -> Vec<Role> {
        e.notified.iter().map(|n| n.role).collect()
    }

    #[test]
    fn a_level_1_fault_reaches_the_systems_general_manager_after_two_hours() {
        let t = ticket(1);
        let at = t.reported_at() + Duration::minutes(150);
        let e = escalation(&t, at);
        assert_eq!(
            roles(&e),
            vec![
                Role::SystemEngineer,
                Role::TechnicalDeptManager,
                Role::SystemsDeptGeneralManager
            ]
        );
        let next = e.next.unwrap();
        assert_eq!(next.role, Role::MarketingDirector);
        assert_eq!(next.due_at, t.reported_at() + Duration::hours(4));
    }

    #[test]
    fn a_level_4_request_notifies_nobody_before_eight_hours() {
        let t = ticket(4);
        assert!(
            escalation(&t, t.reported_at() + Duration::minutes(479))
                .notified
                .is_empty()
        );
        assert_eq!(
            roles(&escalation(&t, t.reported_at() + Duration::hours(8))),
            vec![Role::SystemEngineer]
        );
        assert!(
            escalation(&t, t.reported_at() + Duration::hours(30))
                .next
                .is_none()
        );
    }

    #[test]
    fn a_level_2_fault_reaches_the_general_manager_after_a_day() {
        let t = ticket(2);
        let e = escalation(&t, t.reported_at() + Duration::hours(23));
        assert_eq!(e.notified.len(), 4);
        assert_eq!(e.next.as_ref().unwrap().role, Role::GeneralManager);
        assert_eq!(
            escalation(&t, t.reported_at() + Duration::hours(24))
                .notified
                .len(),
            5
        );
    }

    #[test]
    fn a_resolved_ticket_stops_climbing_and_time_before_the_report_counts_as_zero() {
        let t = ticket(3).with_status(TicketStatus::Resolved);
        let e = escalation(&t, t.reported_at() + Duration::hours(5));
        assert!(!e.active);
        assert_eq!(roles(&e), vec![Role::SystemEngineer]);
        assert!(e.next.is_none());
        let early = escalation(&ticket(1), t.reported_at() - Duration::hours(1));
        assert_eq!(early.elapsed_minutes, 0);
        assert!(early.notified.is_empty());
    }

    #[test]
    fn the_ladder_stops_climbing_on_site_and_ends_when_fixed() {
        let t = ticket(1);
        let on_site = t.reported_at() + Duration::minutes(70);
        let fixed = t.reported_at() + Duration::minutes(200);
        let e = escalation_with_lifecycle(
            &t,
            t.reported_at() + Duration::hours(9),
            Some(on_site),
            None,
        );
        assert_eq!(
            roles(&e),
            vec![Role::SystemEngineer, Role::TechnicalDeptManager]
        );
        assert!(e.active);
        assert!(e.next.is_none());
        let e = escalation_with_lifecycle(
            &t,
            t.reported_at() + Duration::hours(9),
            Some(on_site),
            Some(fixed),
        );
        assert!(!e.active);
        assert_eq!(e.notified.len(), 2);
        // Before the engineer arrives the ladder climbs as before.
        let before = t.reported_at() + Duration::minutes(65);
        assert_eq!(
            escalation_with_lifecycle(&t, before, Some(on_site), None),
            escalation(&t, before)
        );
    }

    #[test]
    fn every_ladder_climbs_in_time_and_rank() {
        for level in 1..=4 {
            let steps = ladder(Severity::new(level).unwrap());
            assert!(
                steps
                    .windows(2)
                    .all(|w| w[0].after_minutes < w[1].after_minutes && w[0].role < w[1].role)
            );
        }
    }
}
