//! Live dispatch scenarios on a small hand-made hub: a severity-1 fault at
//! 22:00 goes out tonight and a severity-4 one waits for the morning (a
//! severity-3 one goes out on a 7x24 contract, and so does a key
//! customer's request, whose 2 h cannot wait); in a live series, a fault
//! the next crew reaches in time waits rather than a long drive, unless
//! the next day cannot hold it; an
//! engineer finishing late loses the visit they would now be late for; the
//! visit an engineer is driving to never moves; a pinned visit stays; an
//! on-call engineer out at night and idle all morning has the afternoon;
//! one whose day's hours are nearly spent is called in on overtime for a
//! 2 h promise, and that day can still take an emergency insertion.

use crate::day;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{InsertionRequest, MOST_OVERTIME, Pins, PlanOptions, insert_emergency, plan};
use ruyi::domain::event::{EngineerEvent, EngineerState, EventKind, Finish, Outcome};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, EngineerProfile, EventId, GeoPoint,
    ReasonCode, Region, Roster, Severity, ShiftPattern, Skill, SlaPolicy, Ticket, TicketId,
    TicketReport,
};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// China time on Monday 30 November 2026.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap() - chrono::Duration::hours(8)
}

fn north_of_hangzhou(km: f64) -> GeoPoint {
    GeoPoint::new(30.274 + km / 111.32, 120.155).unwrap()
}

fn engineer(id: &str, km: f64, shift: ShiftPattern) -> Engineer {
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base: EngineerBase::Hub(Region::East),
        region: Region::East,
        home: north_of_hangzhou(km),
        skills: vec![Skill::Server],
        certification: Certification::Senior,
        shift,
    })
    .unwrap()
}

fn fault(
    id: &str,
    km: f64,
    severity: Severity,
    reported: DateTime<Utc>,
    minutes: u32,
    sla: SlaPolicy,
) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: north_of_hangzhou(km),
        city_adcode: 330100,
        region: Region::East,
        severity,
        skill: Skill::Server,
        reported_at: reported,
        service_minutes: minutes,
        sla,
    })
    .unwrap()
}

/// Without the balance term, which would split the work between the two
/// engineers of one hub whatever the kilometres.
fn options() -> PlanOptions {
    PlanOptions {
        seed: 5,
        time_limit: Duration::from_millis(300),
        balance: false,
        ..PlanOptions::default()
    }
}

fn on_call() -> ShiftPattern {
    ShiftPattern::OnCall { max_hours: 12 }
}

/// The engineer and the visits of each route, in order.
fn routes(roster: &Roster) -> Vec<(String, Vec<String>)> {
    roster
        .routes
        .iter()
        .map(|route| {
            (
                route.engineer_id.to_string(),
                route
                    .visits
                    .iter()
                    .map(|v| v.ticket_id.to_string())
                    .collect(),
            )
        })
        .collect()
}

fn event(n: u32, engineer: &str, at: DateTime<Utc>, kind: EventKind) -> EngineerEvent {
    EngineerEvent {
        event_id: EventId::parse(format!("ev-{n}")).unwrap(),
        engineer_id: EngineerId::parse(engineer).unwrap(),
        at,
        kind,
    }
}

/// An on-call engineer and an office-hours one, at the same base.
fn night_crew() -> Vec<Engineer> {
    vec![
        engineer("E1", 0.0, on_call()),
        engineer("E2", 0.0, ShiftPattern::office_hours()),
    ]
}

#[test]
fn a_severity_one_fault_at_22_goes_out_tonight_and_a_severity_four_waits_for_the_morning() {
    let engineers = night_crew();
    let urgent = fault(
        "T1",
        6.0,
        Severity::CRITICAL,
        at(22, 0),
        60,
        SlaPolicy::key_customer(),
    );
    let routine = fault(
        "T4",
        7.0,
        Severity::REQUEST,
        at(22, 0),
        60,
        SlaPolicy::round_the_clock(),
    );
    let tickets = vec![urgent, routine];
    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers).with_now(at(22, 5)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    let tonight: Vec<_> = roster.routes.iter().flat_map(|r| &r.visits).collect();
    let urgent_visit = tonight
        .iter()
        .find(|v| v.ticket_id.as_str() == "T1")
        .unwrap_or_else(|| panic!("T1 not served tonight: {:?}", routes(&roster)));
    assert!(urgent_visit.start >= at(22, 5) && urgent_visit.start < at(23, 0));
    assert!(urgent_visit.late_minutes == 0, "on site within its 2 h");
    assert!(
        tonight.iter().all(|v| v.ticket_id.as_str() != "T4"),
        "a severity-4 fault got a night call-out: {:?}",
        routes(&roster)
    );
    let waiting = roster
        .unassigned
        .iter()
        .find(|u| u.ticket_id.as_str() == "T4")
        .expect("T4 is listed");
    assert_eq!(waiting.reason, ReasonCode::PlannedTomorrow, "{waiting:?}");
}

#[test]
fn a_key_customers_request_at_22_goes_out_tonight_as_its_2_hours_cannot_wait_for_the_morning() {
    let engineers = night_crew();
    let key = fault(
        "T1",
        6.0,
        Severity::REQUEST,
        at(22, 0),
        60,
        SlaPolicy::key_customer(),
    );
    let roster = plan(
        &day(Region::East, monday(), &[key], &engineers).with_now(at(22, 5)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    let visit = (roster.routes.iter())
        .flat_map(|r| &r.visits)
        .find(|v| v.ticket_id.as_str() == "T1")
        .unwrap_or_else(|| panic!("T1 waited for the morning: {:?}", routes(&roster)));
    assert!(visit.start >= at(22, 5) && visit.start < at(23, 0));
    assert_eq!(visit.late_minutes, 0, "on site within its 2 h");
}

#[test]
fn a_severity_three_fault_goes_out_tonight_on_a_7x24_contract_and_waits_on_a_5x8_one() {
    let engineers = night_crew();
    let round_the_clock = fault(
        "T1",
        6.0,
        Severity::MINOR,
        at(22, 0),
        60,
        SlaPolicy::key_customer(),
    );
    let office = fault(
        "T2",
        7.0,
        Severity::MINOR,
        at(22, 0),
        60,
        SlaPolicy::default(),
    );
    let roster = plan(
        &day(
            Region::East,
            monday(),
            &[round_the_clock, office],
            &engineers,
        )
        .with_now(at(22, 5)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    let tonight: Vec<_> = roster.routes.iter().flat_map(|r| &r.visits).collect();
    let visit = tonight
        .iter()
        .find(|v| v.ticket_id.as_str() == "T1")
        .unwrap_or_else(|| panic!("T1 not served tonight: {:?}", routes(&roster)));
    assert_eq!(visit.late_minutes, 0, "on site within its 2 h");
    assert!(
        tonight.iter().all(|v| v.ticket_id.as_str() != "T2"),
        "a 5x8 severity-3 fault got a night call-out: {:?}",
        routes(&roster)
    );
}

/// China time on Sunday 29 November 2026, when only on-call engineers work.
fn sunday_at(hour: u32, minute: u32) -> DateTime<Utc> {
    at(hour, minute) - chrono::Duration::days(1)
}

fn sunday() -> NaiveDate {
    monday() - chrono::Duration::days(1)
}

/// E1 on call 100 km north, E2 in the office beside the sites from Monday.
/// At noon on Sunday only E1 works; a 5x8 fault due on site on Tuesday
/// waits for E2's Monday rather than E1's 260 km round trip today, while a
/// key customer's, due at 13:50, gets E1 today.
#[test]
fn a_fault_the_next_crew_reaches_in_time_waits_rather_than_a_long_drive_today() {
    let engineers = vec![
        engineer("E1", 100.0, on_call()),
        engineer("E2", 0.0, ShiftPattern::office_hours()),
    ];
    let plan_one = |ticket: Ticket| {
        plan(
            &day(Region::East, sunday(), &[ticket], &engineers).with_now(sunday_at(12, 0)),
            &GreatCircle::default(),
            &PlanOptions {
                live: true,
                ..options()
            },
        )
        .unwrap()
    };
    let office_fault = || {
        fault(
            "T1",
            1.0,
            Severity::MAJOR,
            sunday_at(11, 50),
            60,
            SlaPolicy::default(),
        )
    };
    let roster = plan_one(office_fault());
    assert!(
        roster.routes.iter().all(|r| r.visits.is_empty()),
        "a long drive today for a fault due on Tuesday: {:?}",
        routes(&roster)
    );
    let waiting = roster.unassigned.first().expect("T1 is listed");
    assert_eq!(waiting.reason, ReasonCode::PlannedTomorrow, "{waiting:?}");
    // A plan made once serves it today: tomorrow's tickets would find it
    // in their way.
    let once = plan(
        &day(Region::East, sunday(), &[office_fault()], &engineers).with_now(sunday_at(12, 0)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    assert_eq!(
        routes(&once),
        vec![("E1".to_string(), vec!["T1".to_string()])]
    );
    let roster = plan_one(fault(
        "T2",
        1.0,
        Severity::MAJOR,
        sunday_at(11, 50),
        60,
        SlaPolicy::key_customer(),
    ));
    assert_eq!(
        routes(&roster),
        vec![("E1".to_string(), vec!["T2".to_string()])],
        "the key customer's fault due at 13:50 waited"
    );
}

/// Four 4-hour jobs reported on Sunday, due on site Tuesday 11:00: each
/// alone could wait for Monday's crew, but Monday holds only three (E2
/// two, E1 from 100 km one within its 12 hours). The one the later day
/// would serve late or not at all is planned today instead.
#[test]
fn a_ticket_left_to_wait_that_the_next_day_cannot_hold_is_served_today() {
    let engineers = vec![
        engineer("E1", 100.0, on_call()),
        engineer("E2", 0.0, ShiftPattern::office_hours()),
    ];
    let tickets: Vec<Ticket> = (1..=4)
        .map(|n| {
            fault(
                &format!("T{n}"),
                1.0 + f64::from(n) * 0.2,
                Severity::MINOR,
                sunday_at(10, 0),
                240,
                SlaPolicy::default(),
            )
        })
        .collect();
    let roster = plan(
        &day(Region::East, sunday(), &tickets, &engineers).with_now(sunday_at(12, 0)),
        &GreatCircle::default(),
        &PlanOptions {
            live: true,
            ..options()
        },
    )
    .unwrap();
    let today: Vec<_> = roster.routes.iter().flat_map(|r| &r.visits).collect();
    assert!(
        !today.is_empty(),
        "everything waited for a Monday that cannot hold it: {:?} {:?}",
        routes(&roster),
        roster.unassigned
    );
    for waiting in &roster.unassigned {
        assert_eq!(waiting.reason, ReasonCode::PlannedTomorrow, "{waiting:?}");
    }
    assert_eq!(today.len() + roster.unassigned.len(), 4);
}

/// E1 and E2 on call; T1, T3 and T2 north of Hangzhou, each due on site by
/// noon. Planned at 08:30, E1 takes all three (E2's base is a little
/// further from T2 than E1's day takes it out of its way).
fn a_morning() -> (Vec<Engineer>, Vec<Ticket>, Roster) {
    let engineers = vec![
        engineer("E1", 0.0, on_call()),
        engineer("E2", 12.0, on_call()),
    ];
    let sla = SlaPolicy::round_the_clock();
    let tickets = vec![
        fault("T1", 5.0, Severity::MAJOR, at(0, 0), 60, sla),
        fault("T3", 7.0, Severity::MAJOR, at(0, 0), 120, sla),
        fault("T2", 9.0, Severity::MAJOR, at(0, 0), 120, sla),
    ];
    let mut first = plan(
        &day(Region::East, monday(), &tickets, &engineers).with_now(at(8, 30)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    first.id = Some(1);
    (engineers, tickets, first)
}

/// Monday re-planned at `now` from `published`, as the engineers' events
/// have it, warm-started as live dispatch does.
fn replan(
    tickets: &[Ticket],
    engineers: &[Engineer],
    now: DateTime<Utc>,
    published: &Roster,
    events: Vec<EngineerEvent>,
) -> Roster {
    plan(
        &day(Region::East, monday(), tickets, engineers)
            .with_now(now)
            .with_published(published.clone())
            .unwrap()
            .with_states(EngineerState::of_each(events)),
        &GreatCircle::default(),
        &PlanOptions {
            warm_start: true,
            ..options()
        },
    )
    .unwrap()
}

/// The events of `busy` driving to its first visit at 08:30 and finishing
/// it `late` minutes after its planned departure; and that finish time.
fn first_visit_finished_late(
    first: &Roster,
    busy: &str,
    late: i64,
) -> (Vec<EngineerEvent>, DateTime<Utc>) {
    let head = &first.routes[0].visits[0];
    let finished = head.departure + chrono::Duration::minutes(late);
    (
        visit_events(1, busy, at(8, 30), head, Some(finished)),
        finished,
    )
}

#[test]
fn an_engineer_finishing_40_minutes_late_loses_the_visit_they_would_now_be_late_for() {
    let (engineers, tickets, first) = a_morning();
    // One engineer takes the whole morning, on time; the other waits.
    assert_eq!(first.routes.len(), 1, "{:?}", routes(&first));
    let busy = first.routes[0].engineer_id.to_string();
    let other = if busy == "E1" { "E2" } else { "E1" };
    assert_eq!(first.routes[0].visits.len(), 3, "{:?}", routes(&first));
    assert!(first.routes[0].visits.iter().all(|v| v.late_minutes == 0));
    let head = first.routes[0].visits[0].clone();
    let (events, finished) = first_visit_finished_late(&first, &busy, 40);
    let open: Vec<Ticket> = tickets
        .iter()
        .filter(|t| t.id() != &head.ticket_id)
        .cloned()
        .collect();
    let again = replan(&open, &engineers, finished, &first, events);
    let after = routes(&again);
    let of = |engineer: &str| {
        after
            .iter()
            .find(|(e, _)| e == engineer)
            .map(|(_, visits)| visits.clone())
            .unwrap_or_default()
    };
    // Late by 40 minutes, the busy engineer can make only one of the two
    // visits left by noon; the other engineer takes the second.
    let remaining = |engineer: &str| {
        of(engineer)
            .into_iter()
            .filter(|t| t != head.ticket_id.as_str())
            .count()
    };
    assert_eq!(remaining(&busy), 1, "{after:?}");
    assert_eq!(remaining(other), 1, "{after:?}");
    for visit in again.routes.iter().flat_map(|r| &r.visits) {
        if visit.ticket_id != head.ticket_id {
            assert!(visit.arrival >= finished, "{visit:?} before the re-plan");
            assert_eq!(visit.late_minutes, 0, "{} late: {after:?}", visit.ticket_id);
        }
    }
}

#[test]
fn the_visit_an_engineer_is_driving_to_never_moves() {
    let (engineers, mut tickets, first) = a_morning();
    let busy = first.routes[0].engineer_id.to_string();
    let head = first.routes[0].visits[0].clone();
    // The engineer sets off for their first visit at 08:30; at 08:35 a
    // critical fault comes in right next to their base, which they would
    // otherwise take first.
    let events = vec![event(
        1,
        &busy,
        at(8, 30),
        EventKind::EnRoute {
            ticket_id: head.ticket_id.clone(),
        },
    )];
    let base_km = if busy == "E1" { 0.0 } else { 12.0 };
    tickets.push(fault(
        "T9",
        base_km + 0.5,
        Severity::CRITICAL,
        at(8, 34),
        30,
        SlaPolicy::key_customer(),
    ));
    let again = replan(&tickets, &engineers, at(8, 35), &first, events);
    let route = again
        .routes
        .iter()
        .find(|r| r.engineer_id.as_str() == busy)
        .expect("the engineer keeps a route");
    assert_eq!(
        route.visits[0].ticket_id,
        head.ticket_id,
        "{:?}",
        routes(&again)
    );
    assert_eq!(route.visits[0].arrival, head.arrival);
    assert!(
        again
            .routes
            .iter()
            .flat_map(|r| &r.visits)
            .any(|v| v.ticket_id.as_str() == "T9"),
        "the new fault is placed: {:?}",
        routes(&again)
    );
}

/// The late-finish morning again, with the coordinator's pin on the visit
/// the re-plan hands to the other engineer: the pin puts it back with the
/// busy engineer (late, which is the coordinator's call), after the visit
/// they finished, and nothing starts before the re-plan.
#[test]
fn a_pinned_visit_stays_with_its_engineer_through_a_live_re_plan() {
    let (engineers, tickets, first) = a_morning();
    let busy = first.routes[0].engineer_id.clone();
    let head = first.routes[0].visits[0].clone();
    let (events, finished) = first_visit_finished_late(&first, busy.as_str(), 40);
    let open: Vec<Ticket> = tickets
        .iter()
        .filter(|t| t.id() != &head.ticket_id)
        .cloned()
        .collect();
    let again = replan(&open, &engineers, finished, &first, events.clone());
    let moved = again
        .routes
        .iter()
        .filter(|r| r.engineer_id != busy)
        .flat_map(|r| &r.visits)
        .next()
        .expect("the re-plan moves a visit to the other engineer")
        .ticket_id
        .clone();
    let pins = Pins {
        tickets: open.clone(),
        engineers: engineers.clone(),
        key_customers: Vec::new(),
        pinned: vec![(moved.clone(), busy.clone())],
        states: EngineerState::of_each(events),
    };
    let (kept, broken) = pins.keep(again, &GreatCircle::default());
    assert!(broken.is_empty(), "{broken:?}");
    let route = kept
        .routes
        .iter()
        .find(|r| r.engineer_id == busy)
        .expect("the busy engineer keeps a route");
    let visits: Vec<&str> = route.visits.iter().map(|v| v.ticket_id.as_str()).collect();
    assert_eq!(visits[0], head.ticket_id.as_str(), "{:?}", routes(&kept));
    assert_eq!(
        route.visits[0].departure, head.departure,
        "the finished visit as stored"
    );
    assert!(visits.contains(&moved.as_str()), "{:?}", routes(&kept));
    let holders = kept
        .routes
        .iter()
        .filter(|r| r.visits.iter().any(|v| v.ticket_id == moved))
        .count();
    assert_eq!(holders, 1, "one route per ticket: {:?}", routes(&kept));
    for visit in kept.routes.iter().flat_map(|r| &r.visits) {
        if visit.ticket_id != head.ticket_id {
            assert!(visit.start >= finished, "{visit:?} before the re-plan");
        }
    }
}

/// `engineer`'s events of driving to `visit` from `left`, arriving as
/// planned, and fixing it at `finished` (if given); numbered from `n`.
fn visit_events(
    n: u32,
    engineer: &str,
    left: DateTime<Utc>,
    visit: &ruyi::domain::Visit,
    finished: Option<DateTime<Utc>>,
) -> Vec<EngineerEvent> {
    let ticket_id = visit.ticket_id.clone();
    let mut events = vec![
        event(
            n,
            engineer,
            left,
            EventKind::EnRoute {
                ticket_id: ticket_id.clone(),
            },
        ),
        event(
            n + 1,
            engineer,
            visit.arrival,
            EventKind::Arrived {
                ticket_id: ticket_id.clone(),
                site: Some(visit.location),
                service_minutes: Some(((visit.departure - visit.start).num_minutes()) as u32),
            },
        ),
    ];
    if let Some(finished) = finished {
        events.push(event(
            n + 2,
            engineer,
            finished,
            EventKind::Finished {
                ticket_id,
                finish: Finish {
                    outcome: Outcome::Fixed,
                    parts_used: Vec::new(),
                    notes: None,
                    signed_off_by: None,
                },
            },
        ));
    }
    events
}

/// The one visit to `ticket` on `roster`.
fn visit_to<'a>(roster: &'a Roster, ticket: &str) -> &'a ruyi::domain::Visit {
    roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.ticket_id.as_str() == ticket)
        .unwrap_or_else(|| panic!("{ticket} is on no route: {:?}", routes(roster)))
}

#[test]
fn an_on_call_engineer_idle_all_morning_after_a_night_call_still_has_the_afternoon() {
    // One on-call engineer, 10 hours a day. A fault at 00:30 takes them
    // out at night; they are home by 02:30 and idle until 10:00, when a
    // second fault comes in; at 11:00, on site at the second, a third.
    // They have worked about three and a half hours: the third is theirs
    // this afternoon (counted from leaving home at night, their "day"
    // was over at 11:00, and the fault waited for tomorrow, late).
    let engineers = vec![engineer("E1", 0.0, ShiftPattern::OnCall { max_hours: 10 })];
    let sla = SlaPolicy::round_the_clock();
    let night = fault("T1", 5.0, Severity::CRITICAL, at(0, 30), 60, sla);
    let morning = fault("T2", 6.0, Severity::MAJOR, at(10, 0), 120, sla);
    let noon = fault("T3", 7.0, Severity::MAJOR, at(11, 0), 120, sla);
    let mut first = plan(
        &day(
            Region::East,
            monday(),
            std::slice::from_ref(&night),
            &engineers,
        )
        .with_now(at(0, 35)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    first.id = Some(1);
    let t1 = visit_to(&first, "T1").clone();
    assert!(t1.departure < at(2, 30), "{t1:?}");
    let mut events = visit_events(1, "E1", first.routes[0].leave_at, &t1, Some(t1.departure));
    let mut second = replan(
        std::slice::from_ref(&morning),
        &engineers,
        at(10, 0),
        &first,
        events.clone(),
    );
    second.id = Some(2);
    let t2 = visit_to(&second, "T2").clone();
    assert!(t2.start < at(10, 30), "{t2:?}");
    events.extend(visit_events(4, "E1", at(10, 0), &t2, None));
    let third = replan(&[morning, noon], &engineers, at(11, 0), &second, events);
    let t3 = visit_to(&third, "T3");
    assert_eq!(t3.late_minutes, 0, "{:?}", routes(&third));
    assert!(
        t3.start >= t2.departure && t3.departure < at(15, 0),
        "T3 this afternoon: {t3:?}"
    );
}

#[test]
fn an_on_call_engineer_near_the_end_of_the_day_s_hours_is_called_in_for_a_2_hour_promise() {
    // One on-call engineer, 10 hours a day, out at 06:00 on an 8-hour
    // repair and a 90-minute one: a day of almost ten hours. At 14:00,
    // while E1 is on site, a key customer between the two calls, due on
    // site by 16:00. Within the day's limit some promise left today waits
    // for tomorrow's fresh hours, late; the desk calls E1 in on overtime.
    let engineers = vec![engineer("E1", 0.0, ShiftPattern::OnCall { max_hours: 10 })];
    let sla = SlaPolicy::round_the_clock();
    let long = fault("T1", 5.0, Severity::MAJOR, at(6, 0), 480, sla);
    let after = fault("T3", 7.0, Severity::MAJOR, at(6, 0), 90, sla);
    let key = fault(
        "T2",
        6.0,
        Severity::REQUEST,
        at(14, 0),
        60,
        SlaPolicy::key_customer(),
    );
    let morning = [long.clone(), after.clone()];
    let mut first = plan(
        &day(Region::East, monday(), &morning, &engineers).with_now(at(6, 0)),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    first.id = Some(1);
    // E1's events up to 14:00, the day going as planned.
    let mut events = Vec::new();
    let mut left = first.routes[0].leave_at;
    for visit in first.routes[0]
        .visits
        .iter()
        .filter(|v| v.arrival <= at(14, 0))
    {
        let finished = Some(visit.departure).filter(|&d| d <= at(14, 0));
        events.extend(visit_events(
            3 * events.len() as u32,
            "E1",
            left,
            visit,
            finished,
        ));
        left = visit.departure;
    }
    let busy_until = left;
    assert!(busy_until > at(14, 0), "E1 is on site at 14:00: {first:?}");
    let all = [long, after, key];
    let again = replan(&all, &engineers, at(14, 0), &first, events);
    for ticket in ["T1", "T2", "T3"] {
        let visit = visit_to(&again, ticket);
        assert_eq!(visit.late_minutes, 0, "{visit:?}");
    }
    assert!(visit_to(&again, "T2").start >= busy_until);
    // The route runs past the day's ten hours, by no more than the most
    // overtime a plan asks for.
    let route = &again.routes[0];
    let worked = route.return_at - route.leave_at;
    assert!(worked > chrono::Duration::hours(10), "{route:?}");
    assert!(
        worked <= chrono::Duration::hours(10) + chrono::Duration::seconds(MOST_OVERTIME),
        "{route:?}"
    );
    // A system-down a minute later is placed into that day: its overtime
    // is kept, not taken for a day that cannot be continued.
    let down = fault("T4", 20.0, Severity::CRITICAL, at(14, 1), 60, sla);
    let inserted = insert_emergency(
        &InsertionRequest {
            roster: &again,
            tickets: &all,
            emergency: &down,
            engineers: &engineers,
            at: at(14, 1),
            max_changes: 3,
            pinned: &[],
        },
        &GreatCircle::default(),
    );
    assert!(inserted.is_ok(), "{:?}", inserted.err());
}
