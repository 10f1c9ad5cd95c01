//! Where each engineer's published day stands at the plan's "now": the
//! visits begun by then — and the one an engineer is driving to — stay as
//! published; the rest of the day is planned again from the site of the
//! last of them, from when the engineer is free there (or from home, when
//! the day has not begun).
//!
//! The model, shared by a re-plan of a published day and by an emergency
//! insertion:
//!
//! - **Begun visits** (start ≤ now) are history and stay as they are. So
//!   does the visit an engineer is driving to (they left the previous stop,
//!   or home, at or before now): without the car's position it cannot be
//!   turned mid-road, so the engineer finishes that visit first.
//! - **Lunch.** A lunch that has begun is history. An office-hours engineer
//!   who has not had it takes it between 12:00 and 13:30 as planned; one who
//!   is free only after 13:30 without a planned lunch had no visit over
//!   lunch (a day that runs past noon always plans one) and has eaten.
//! - **Working time** is each begun visit's drive, wait and service:
//!   time spent idle since the last of them, or between two of them
//!   (waiting for the work a later plan brought), is not work.
//! - An engineer whose visits are all done stays at the last site: a route
//!   is one tour from home to home, so going home and out again is not a
//!   route.
//!
//! An engineer who has reported events today is taken at their word
//! instead ([`Restart::reported`]): the visits finished or under way (the
//! one driven to included) and those before them on the route stay, the
//! rest is planned again from the reported position, when they are free
//! there (a visit under way counts its service time, an unavailable window
//! its end); an engineer whose shift has ended takes no more work.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::domain::{
    Activity, EngineerId, EngineerRoute, EngineerState, GeoPoint, Roster, Ticket, TicketId, Visit,
    VisitKind,
};
use crate::optimize::Job;

/// Where and when an engineer's remaining day begins.
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    /// Leading visits of the stored route that stay as they are.
    pub committed: usize,
    pub lunch_taken: bool,
    /// `None`: at home.
    pub location: Option<GeoPoint>,
    /// Free from (before the shift start and "now" are applied).
    pub free_at: Option<DateTime<Utc>>,
    /// The engineer ended their shift: no more work today.
    pub off_duty: bool,
}

impl Restart {
    /// Where an engineer on `route` is at `at` (see the module docs).
    pub fn at(route: &EngineerRoute, at: DateTime<Utc>) -> Restart {
        let visits = &route.visits;
        let mut committed = visits.iter().take_while(|v| v.start <= at).count();
        let lunch_taken = route.lunch.is_some_and(|(start, _)| start <= at);
        let lunch_next = route.lunch.is_some_and(|(start, _)| {
            start > at && visits.get(committed).is_none_or(|v| start <= v.start)
        });
        let last_departure = |committed: usize| {
            let visit = committed.checked_sub(1).map(|last| visits[last].departure);
            let lunch = route.lunch.filter(|_| lunch_taken).map(|(_, end)| end);
            visit.max(lunch)
        };
        let left_previous = last_departure(committed).unwrap_or(route.leave_at);
        if committed < visits.len() && !lunch_next && left_previous <= at {
            committed += 1;
        }
        Restart {
            committed,
            lunch_taken,
            location: committed.checked_sub(1).map(|last| visits[last].location),
            free_at: last_departure(committed),
            off_duty: false,
        }
    }

    /// Where an engineer on `route` (empty when none was published) is at
    /// `at` by their own events of the day (see the module docs); the plan's
    /// word ([`Restart::at`]) when they reported nothing today.
    pub fn reported(route: &EngineerRoute, state: &EngineerState, at: DateTime<Utc>) -> Restart {
        let planned = Restart::at(route, at);
        if state.last_event_at.is_none() {
            return planned;
        }
        let reported: HashSet<_> = state
            .finished
            .iter()
            .map(|visit| &visit.ticket_id)
            .chain(&state.ticket_under_way)
            .collect();
        let committed = route
            .visits
            .iter()
            .rposition(|visit| reported.contains(&visit.ticket_id))
            .map_or(0, |last| last + 1);
        let driving = driving_to(route, state);
        Restart {
            committed,
            lunch_taken: planned.lunch_taken,
            location: (driving.map(|(visit, _)| visit.location))
                .or(state.position)
                .or_else(|| {
                    committed
                        .checked_sub(1)
                        .map(|last| route.visits[last].location)
                }),
            free_at: driving.map(|(_, free_at)| free_at).or(state.free_from),
            off_duty: matches!(state.activity, Activity::OffShift),
        }
    }

    pub fn has_begun(&self) -> bool {
        self.committed > 0 || self.lunch_taken
    }
}

/// The visit an engineer reported driving to, when it is on `route`, and
/// when they will be free after it: the plan's drive counted from when
/// they set off, its wait for the visit's start and its service, pushed
/// past any unavailable window. An en-route event carries no position, so
/// the engineer's last position is where they set off from; taken as
/// where and when they are free, a re-plan gave the next urgent ticket to
/// an engineer still hours from done (a key customer's 2 h fault,
/// announced for 13:59 behind a 155-minute repair, was seen late only
/// when they arrived and went to the next morning).
fn driving_to<'a>(
    route: &'a EngineerRoute,
    state: &EngineerState,
) -> Option<(&'a Visit, DateTime<Utc>)> {
    let Activity::EnRoute { ticket_id, since } = &state.activity else {
        return None;
    };
    let at = route
        .visits
        .iter()
        .position(|v| &v.ticket_id == ticket_id)?;
    let visit = &route.visits[at];
    let previous = at.checked_sub(1).map(|p| route.visits[p].departure);
    let lunch_before = (route.lunch)
        .filter(|(start, _)| previous.is_none_or(|p| *start >= p) && *start <= visit.arrival)
        .map(|(_, end)| end);
    let set_off = previous
        .unwrap_or(route.leave_at)
        .max(lunch_before.unwrap_or(route.leave_at));
    let drive = (visit.arrival - set_off).max(chrono::Duration::zero());
    let start = (*since + drive).max(visit.start);
    Some((
        visit,
        state.after_unavailable(start + (visit.departure - visit.start)),
    ))
}

/// Gives each job whose ticket has a fault visit on `roster` the length
/// that visit was planned with (`jobs[i]` is `tickets[i]`'s). Re-timing a
/// stored day without its parts (an emergency insertion, a move by hand)
/// must keep what each visit is: a diagnosis whose part an earlier
/// revision ordered is on the roster as a 45-minute visit but carries no
/// part record of its own, and timing it as the full repair made the
/// engineer's day overrun its working time, so the stored day was refused
/// as one that "cannot be kept".
pub(crate) fn keep_stored_lengths(roster: &Roster, tickets: &[Ticket], jobs: &mut [Job]) {
    let planned: HashMap<&TicketId, i64> = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| v.kind == VisitKind::Fault)
        .map(|v| (&v.ticket_id, (v.departure - v.start).num_seconds()))
        .collect();
    for (job, ticket) in jobs.iter_mut().zip(tickets) {
        if let Some(&length) = planned.get(ticket.id())
            && length > 0
        {
            job.service = length;
        }
    }
}

/// No published route yet: an empty one from home at `at`, to continue
/// from an engineer's reports.
pub(crate) fn unpublished(engineer: &crate::domain::Engineer, at: DateTime<Utc>) -> EngineerRoute {
    EngineerRoute {
        engineer_id: engineer.id().clone(),
        base: engineer.home(),
        leave_at: at,
        return_at: at,
        km: 0.0,
        visits: Vec::new(),
        lunch: None,
    }
}

/// An engineer's published route and where it stands at "now".
#[derive(Debug, Clone, PartialEq)]
pub struct Continuation {
    pub stored: EngineerRoute,
    pub restart: Restart,
}

impl Continuation {
    pub fn of(route: &EngineerRoute, now: DateTime<Utc>) -> Self {
        Self {
            stored: route.clone(),
            restart: Restart::at(route, now),
        }
    }

    /// The same, by the engineer's events of the day.
    pub fn reported(route: &EngineerRoute, state: &EngineerState, now: DateTime<Utc>) -> Self {
        Self {
            stored: route.clone(),
            restart: Restart::reported(route, state, now),
        }
    }

    pub fn engineer_id(&self) -> &EngineerId {
        &self.stored.engineer_id
    }

    /// The visits that stay as published.
    pub fn committed(&self) -> &[Visit] {
        &self.stored.visits[..self.restart.committed]
    }

    /// The visits planned again.
    pub fn remaining(&self) -> &[Visit] {
        &self.stored.visits[self.restart.committed..]
    }

    /// The kilometres already driven to the committed visits.
    pub fn begun_km(&self) -> f64 {
        self.committed().iter().map(|v| v.km_from_previous).sum()
    }

    /// The lunch, if it has begun.
    pub fn lunch_taken(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.stored.lunch.filter(|_| self.restart.lunch_taken)
    }

    /// The whole day: the committed part as published, then `rest` (the
    /// re-planned route from where the engineer is, or `None` when nothing
    /// is left, in which case the engineer drives home from the last site,
    /// arriving `home_at` after `home_km`). `None` when the day has not
    /// begun and nothing is planned.
    pub fn join(
        &self,
        rest: Option<EngineerRoute>,
        home: impl FnOnce() -> (DateTime<Utc>, f64),
    ) -> Option<EngineerRoute> {
        let begun = self.restart.has_begun();
        let mut visits = self.committed().to_vec();
        let lunch = self.lunch_taken();
        match rest {
            Some(rest) => {
                let offset = visits.len() as u32;
                visits.extend(rest.visits.into_iter().map(|mut visit| {
                    visit.sequence += offset;
                    visit
                }));
                Some(EngineerRoute {
                    leave_at: if begun {
                        self.stored.leave_at
                    } else {
                        rest.leave_at
                    },
                    km: self.begun_km() + rest.km,
                    visits,
                    lunch: lunch.or(rest.lunch),
                    ..rest
                })
            }
            None if begun => {
                let (return_at, km) = home();
                Some(EngineerRoute {
                    engineer_id: self.stored.engineer_id.clone(),
                    base: self.stored.base,
                    leave_at: self.stored.leave_at,
                    return_at,
                    km: self.begun_km() + km,
                    visits,
                    lunch,
                })
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    use crate::domain::{EngineerEvent, EngineerId, EventKind, TicketId, Visit, VisitKind};

    fn point(km_north: f64) -> GeoPoint {
        GeoPoint::new(30.274 + km_north / 111.32, 120.155).unwrap()
    }

    /// 2026-11-30 at `hour:minute` UTC.
    fn time(hour: u32, minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
    }

    fn visit(id: &str, km_north: f64, arrival: DateTime<Utc>, minutes: i64) -> Visit {
        Visit {
            sequence: 1,
            kind: VisitKind::Fault,
            ticket_id: TicketId::parse(id).unwrap(),
            location: point(km_north),
            arrival,
            start: arrival,
            departure: arrival + Duration::minutes(minutes),
            on_site_by: arrival,
            repaired_by: arrival,
            late_minutes: 0,
            km_from_previous: 1.0,
            late_reason: None,
        }
    }

    /// Leave at 01:00, A 01:30–02:30, B 03:00–04:00, lunch 04:00–04:45,
    /// C 05:00–06:00, home 06:30.
    fn route() -> EngineerRoute {
        EngineerRoute {
            engineer_id: EngineerId::parse("E1").unwrap(),
            base: point(0.0),
            leave_at: time(1, 0),
            return_at: time(6, 30),
            km: 10.0,
            visits: vec![
                visit("A", 1.0, time(1, 30), 60),
                visit("B", 2.0, time(3, 0), 60),
                visit("C", 3.0, time(5, 0), 60),
            ],
            lunch: Some((time(4, 0), time(4, 45))),
        }
    }

    #[test]
    fn before_leaving_home_nothing_is_begun() {
        let restart = Restart::at(&route(), time(0, 30));
        assert_eq!(restart.committed, 0);
        assert!(!restart.lunch_taken && !restart.has_begun());
        assert_eq!(restart.location, None);
        assert_eq!(restart.free_at, None);
    }

    #[test]
    fn on_the_road_to_the_first_visit_the_engineer_goes_there_first() {
        let restart = Restart::at(&route(), time(1, 10));
        assert_eq!(restart.committed, 1);
        assert_eq!(restart.location, Some(point(1.0)));
        assert_eq!(restart.free_at, Some(time(2, 30)));
    }

    #[test]
    fn during_a_visit_the_engineer_is_free_when_it_ends() {
        let restart = Restart::at(&route(), time(3, 20));
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 0)));
        assert_eq!(restart.location, Some(point(2.0)));
    }

    #[test]
    fn waiting_for_lunch_after_a_visit_is_not_driving_to_the_next() {
        let mut route = route();
        route.lunch = Some((time(4, 10), time(4, 55)));
        let restart = Restart::at(&route, time(4, 5));
        assert_eq!(restart.committed, 2);
        assert!(!restart.lunch_taken);
        assert_eq!(restart.free_at, Some(time(4, 0)));
    }

    #[test]
    fn after_lunch_the_next_visit_is_on_its_way() {
        let restart = Restart::at(&route(), time(4, 50));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 3);
        assert_eq!(restart.free_at, Some(time(6, 0)));
    }

    #[test]
    fn during_lunch_the_engineer_is_free_when_it_ends() {
        let restart = Restart::at(&route(), time(4, 20));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 45)));
    }

    fn state(events: &[(u32, u32, EventKind)]) -> EngineerState {
        let events: Vec<EngineerEvent> = events
            .iter()
            .enumerate()
            .map(|(i, (hour, minute, kind))| EngineerEvent {
                event_id: crate::domain::EventId::parse(format!("e{i}")).unwrap(),
                engineer_id: EngineerId::parse("E1").unwrap(),
                at: time(*hour, *minute),
                kind: kind.clone(),
            })
            .collect();
        EngineerState::from_events(&events)
    }

    fn arrived(id: &str, km_north: f64) -> EventKind {
        EventKind::Arrived {
            ticket_id: TicketId::parse(id).unwrap(),
            site: Some(point(km_north)),
            service_minutes: Some(60),
        }
    }

    #[test]
    fn an_engineer_late_at_the_first_visit_is_taken_at_their_word() {
        // The plan has A done and B begun by 03:20; the engineer reported
        // arriving at A only at 02:50.
        let reported = state(&[
            (
                0,
                55,
                EventKind::ShiftStarted {
                    position: point(0.0),
                },
            ),
            (2, 50, arrived("A", 1.0)),
        ]);
        let restart = Restart::reported(&route(), &reported, time(3, 20));
        assert_eq!(restart.committed, 1, "A stays, B and C are planned again");
        assert_eq!(restart.location, Some(point(1.0)));
        assert_eq!(
            restart.free_at,
            Some(time(3, 50)),
            "an hour on site from 02:50"
        );
        assert!(!restart.off_duty);
    }

    #[test]
    fn an_engineer_driving_to_a_visit_is_free_when_it_ends() {
        // The plan has B from 03:00 after a half-hour drive from A; the
        // engineer finished A late and set off for B only at 03:10.
        let reported = state(&[
            (
                0,
                55,
                EventKind::ShiftStarted {
                    position: point(0.0),
                },
            ),
            (1, 30, arrived("A", 1.0)),
            (
                3,
                5,
                EventKind::Finished {
                    ticket_id: TicketId::parse("A").unwrap(),
                    finish: crate::domain::Finish {
                        outcome: crate::domain::Outcome::Fixed,
                        parts_used: Vec::new(),
                        notes: None,
                        signed_off_by: None,
                    },
                },
            ),
            (
                3,
                10,
                EventKind::EnRoute {
                    ticket_id: TicketId::parse("B").unwrap(),
                },
            ),
        ]);
        let restart = Restart::reported(&route(), &reported, time(3, 15));
        assert_eq!(restart.committed, 2, "B is driven to and stays");
        assert_eq!(restart.location, Some(point(2.0)), "at B, not at A");
        assert_eq!(
            restart.free_at,
            Some(time(4, 40)),
            "at B at 03:40, an hour there"
        );
    }

    #[test]
    fn an_engineer_who_ended_the_shift_takes_no_more_work() {
        let reported = state(&[
            (
                0,
                55,
                EventKind::ShiftStarted {
                    position: point(0.0),
                },
            ),
            (1, 0, EventKind::ShiftEnded),
        ]);
        let restart = Restart::reported(&route(), &reported, time(1, 30));
        assert_eq!(restart.committed, 0);
        assert!(restart.off_duty);
    }

    #[test]
    fn without_reports_the_plan_s_word_stands() {
        let restart = Restart::reported(&route(), &state(&[]), time(3, 20));
        assert_eq!(restart, Restart::at(&route(), time(3, 20)));
    }
}
