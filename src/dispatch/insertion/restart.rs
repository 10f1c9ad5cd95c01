//! Where an engineer is at the re-planning time: what of their stored
//! route has begun and stays, and from where and when the rest of the day
//! can be re-planned (see the module docs of [`super`]).

use chrono::{DateTime, Utc};

use crate::domain::{EngineerRoute, GeoPoint};

/// Where and when an engineer's remaining day begins.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Restart {
    /// Leading visits of the stored route that stay as they are.
    pub(super) committed: usize,
    pub(super) lunch_taken: bool,
    /// `None`: at home.
    pub(super) location: Option<GeoPoint>,
    /// Free from (before the shift start and `at` are applied).
    pub(super) free_at: Option<DateTime<Utc>>,
}

impl Restart {
    pub(super) fn has_begun(&self) -> bool {
        self.committed > 0 || self.lunch_taken
    }
}

/// Where an engineer on `route` is at `at` (see the module docs).
pub(super) fn restart(route: &EngineerRoute, at: DateTime<Utc>) -> Restart {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    use crate::domain::{EngineerId, TicketId, Visit, VisitKind};

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
        let restart = restart(&route(), time(0, 30));
        assert_eq!(restart.committed, 0);
        assert!(!restart.lunch_taken && !restart.has_begun());
        assert_eq!(restart.location, None);
        assert_eq!(restart.free_at, None);
    }

    #[test]
    fn on_the_road_to_the_first_visit_the_engineer_goes_there_first() {
        let restart = restart(&route(), time(1, 10));
        assert_eq!(restart.committed, 1);
        assert_eq!(restart.location, Some(point(1.0)));
        assert_eq!(restart.free_at, Some(time(2, 30)));
    }

    #[test]
    fn during_a_visit_the_engineer_is_free_when_it_ends() {
        let restart = restart(&route(), time(3, 20));
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 0)));
        assert_eq!(restart.location, Some(point(2.0)));
    }

    #[test]
    fn waiting_for_lunch_after_a_visit_is_not_driving_to_the_next() {
        let mut route = route();
        route.lunch = Some((time(4, 10), time(4, 55)));
        let restart = restart(&route, time(4, 5));
        assert_eq!(restart.committed, 2);
        assert!(!restart.lunch_taken);
        assert_eq!(restart.free_at, Some(time(4, 0)));
    }

    #[test]
    fn after_lunch_the_next_visit_is_on_its_way() {
        let restart = restart(&route(), time(4, 50));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 3);
        assert_eq!(restart.free_at, Some(time(6, 0)));
    }

    #[test]
    fn during_lunch_the_engineer_is_free_when_it_ends() {
        let restart = restart(&route(), time(4, 20));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 45)));
    }
}
