//! Plans keep time: no visit before its ticket was reported, before the
//! plan's "now" or outside its engineer's shift; an on-call engineer's
//! night is for faults only; a 5x8 contract's clock stops over the weekend.

use crate::day;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use ruyi::dispatch::{HubDay, PlanOptions, day_origin, plan};
use ruyi::domain::{
    Certification, DueVisit, Engineer, EngineerBase, EngineerId, GeoPoint, KeyCustomer, Region,
    Roster, ServiceHours, Severity, ShiftPattern, Skill, SlaPolicy, Ticket, TicketId, VisitKind,
};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::network::{Network, generate_tickets};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// China time on the given day of November/December 2026.
fn local(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    let (month, day) = if day > 30 { (12, day - 30) } else { (11, day) };
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
        - chrono::Duration::hours(8)
}

fn hangzhou(km_north: f64) -> GeoPoint {
    GeoPoint::new(30.274 + km_north / 111.32, 120.155).unwrap()
}

/// The same ticket, reported at another time.
fn reported(ticket: &Ticket, at: DateTime<Utc>) -> Ticket {
    Ticket::new(TicketReport {
        id: ticket.id().clone(),
        customer: ticket.customer().into(),
        site: ticket.site(),
        city_adcode: ticket.city_adcode(),
        region: ticket.region(),
        severity: ticket.severity(),
        skill: ticket.skill(),
        reported_at: at,
        service_minutes: ticket.service_minutes(),
        sla: ticket.sla(),
    })
    .unwrap()
}

fn engineer(id: &str, shift: ShiftPattern) -> Engineer {
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base: EngineerBase::Hub(Region::East),
        region: Region::East,
        home: hangzhou(0.0),
        skills: vec![
            Skill::Systems,
            Skill::Server,
            Skill::Network,
            Skill::Storage,
        ],
        certification: Certification::Senior,
        shift,
    })
    .unwrap()
}

fn fault(id: &str, km_north: f64, at: DateTime<Utc>, sla: SlaPolicy) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: hangzhou(km_north),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::MAJOR,
        skill: Skill::Server,
        reported_at: at,
        service_minutes: 60,
        sla,
    })
    .unwrap()
}

fn options(seed: u64) -> PlanOptions {
    PlanOptions {
        seed,
        time_limit: Duration::from_millis(300),
        ..PlanOptions::default()
    }
}

/// Every visit of `roster` against the clock: after the plan's "now",
/// after its ticket's report, inside its engineer's shift; every route
/// leaves at or after "now"; no ticket on two routes.
fn assert_keeps_time(roster: &Roster, tickets: &[Ticket], engineers: &[Engineer]) {
    let reported: HashMap<_, _> = tickets
        .iter()
        .map(|t| (t.id().clone(), t.reported_at()))
        .collect();
    let shifts: HashMap<_, _> = engineers
        .iter()
        .map(|e| (e.id().clone(), e.shift()))
        .collect();
    let mut seen = HashMap::new();
    for route in &roster.routes {
        assert!(
            route.leave_at >= roster.now,
            "{} leaves at {} before the plan's now {}",
            route.engineer_id,
            route.leave_at,
            roster.now
        );
        let shift = shifts[&route.engineer_id]
            .window_on(roster.date)
            .expect("a route only for an engineer working that day");
        for visit in &route.visits {
            assert!(
                visit.arrival >= roster.now,
                "{} before now",
                visit.ticket_id
            );
            assert!(
                shift.contains(visit.arrival),
                "{} outside the shift",
                visit.ticket_id
            );
            assert!(
                shift.contains(visit.departure),
                "{} outside the shift",
                visit.ticket_id
            );
            if visit.kind == VisitKind::Fault {
                let report = reported[&visit.ticket_id];
                assert!(
                    visit.start >= report,
                    "{} starts {} before its report {}",
                    visit.ticket_id,
                    visit.start,
                    report
                );
                let routes = seen.entry(visit.ticket_id.clone()).or_insert(0);
                *routes += 1;
                assert_eq!(*routes, 1, "{} on two routes", visit.ticket_id);
            }
        }
    }
}

#[test]
fn a_ticket_reported_at_nine_is_not_visited_before_nine() {
    let engineers = vec![engineer("E1", ShiftPattern::OnCall { max_hours: 12 })];
    // Planned from midnight: the engineer is free all night, the site is
    // ten minutes away, and still the visit waits for the report.
    let ticket = fault("T1", 5.0, local(30, 9, 0), SlaPolicy::key_customer());
    let roster = plan(
        &day(
            Region::East,
            monday(),
            std::slice::from_ref(&ticket),
            &engineers,
        ),
        &GreatCircle::default(),
        &options(1),
    )
    .unwrap();
    let visit = &roster.routes[0].visits[0];
    assert!(visit.start >= local(30, 9, 0), "visit at {}", visit.start);
    assert!(
        visit.arrival >= local(30, 9, 0),
        "arrival at {}",
        visit.arrival
    );
    assert_keeps_time(&roster, &[ticket], &engineers);
}

#[test]
fn a_plan_made_at_ten_starts_everyone_at_ten() {
    let engineers = vec![
        engineer("E1", ShiftPattern::office_hours()),
        engineer("E2", ShiftPattern::OnCall { max_hours: 12 }),
    ];
    let tickets: Vec<Ticket> = (0..4)
        .map(|i| {
            fault(
                &format!("T{i}"),
                3.0 * i as f64,
                local(29, 22, 0),
                SlaPolicy::key_customer(),
            )
        })
        .collect();
    let ten = local(30, 10, 0);
    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers).with_now(ten),
        &GreatCircle::default(),
        &options(2),
    )
    .unwrap();
    assert_eq!(roster.now, ten);
    assert_eq!(roster.summary.assigned, 4);
    assert_keeps_time(&roster, &tickets, &engineers);
}

/// Monday planned from midnight: a key customer's fault reported Sunday
/// 23:00 and its system analysis, a month overdue.
fn night_fault_and_an_analysis_due(engineers: &[Engineer]) -> (Ticket, Roster) {
    let ticket = fault("T1", 5.0, local(29, 23, 0), SlaPolicy::key_customer());
    let due = DueVisit {
        customer: KeyCustomer {
            visit_id: TicketId::parse("PM-K1").unwrap(),
            name: "Key account K1".to_string(),
            site: hangzhou(8.0),
            region: Region::East,
            last_analysis: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        },
        overdue_days: 30,
    };
    let roster = plan(
        &day(
            Region::East,
            monday(),
            std::slice::from_ref(&ticket),
            engineers,
        )
        .with_preventive(vec![due]),
        &GreatCircle::default(),
        &options(3),
    )
    .unwrap();
    (ticket, roster)
}

#[test]
fn an_on_call_engineer_s_night_is_for_faults_only() {
    // One on-call engineer, one night fault, one key customer overdue for
    // its analysis: the analysis may only fall in the customer's hours.
    let engineers = vec![engineer("E1", ShiftPattern::OnCall { max_hours: 12 })];
    let (ticket, roster) = night_fault_and_an_analysis_due(&engineers);
    assert_keeps_time(&roster, &[ticket], &engineers);
    let fault_visit = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.kind == VisitKind::Fault)
        .expect("the night fault is served");
    assert!(fault_visit.start < local(30, 8, 0), "served at night");
    for visit in roster.routes.iter().flat_map(|r| &r.visits) {
        if visit.kind == VisitKind::Preventive {
            panic!(
                "an on-call engineer was sent for an analysis at {}",
                visit.start
            );
        }
    }
}

#[test]
fn an_analysis_falls_in_the_customer_s_hours() {
    let engineers = vec![engineer("E1", ShiftPattern::office_hours())];
    let (_, roster) = night_fault_and_an_analysis_due(&engineers);
    let analysis = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.kind == VisitKind::Preventive)
        .expect("the analysis fits the office day");
    assert!(analysis.start >= local(30, 8, 0) && analysis.departure <= local(30, 17, 0));
}

/// A day re-planned while an analysis is under way keeps it as published,
/// and counts it among the analyses done, not as one still due.
#[test]
fn a_re_plan_during_an_analysis_keeps_it() {
    let engineers = vec![engineer("E1", ShiftPattern::office_hours())];
    let (ticket, first) = night_fault_and_an_analysis_due(&engineers);
    let analysis = first
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.kind == VisitKind::Preventive)
        .expect("the analysis fits the office day")
        .clone();
    let during = analysis.start + chrono::Duration::minutes(10);
    let mut published = first.clone();
    published.id = Some(1);
    let due = DueVisit {
        customer: KeyCustomer {
            visit_id: analysis.ticket_id.clone(),
            name: "Key account K1".to_string(),
            site: analysis.location,
            region: Region::East,
            last_analysis: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        },
        overdue_days: 30,
    };
    let again = plan(
        &day(
            Region::East,
            monday(),
            std::slice::from_ref(&ticket),
            &engineers,
        )
        .with_preventive(vec![due])
        .with_now(during)
        .with_published(published)
        .unwrap(),
        &GreatCircle::default(),
        &options(3),
    )
    .unwrap();
    let kept: Vec<_> = again
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| v.kind == VisitKind::Preventive)
        .collect();
    assert_eq!(kept.len(), 1, "{:?}", again.routes);
    assert_eq!(kept[0].start, analysis.start);
    assert_eq!(again.summary.preventive_placed, 1);
    assert_eq!(again.summary.preventive_due, 0);
    assert_eq!(again.replaces, Some(1));
}

#[test]
fn a_five_by_eight_friday_report_is_due_after_the_weekend() {
    let friday = local(27, 16, 30);
    let deadlines = fault("T1", 0.0, friday, SlaPolicy::default()).deadlines();
    assert_eq!(deadlines.hours, ServiceHours::FiveByEight);
    // Response (2 service hours): half an hour on Friday, the rest Monday.
    assert_eq!(deadlines.respond_by, local(30, 9, 30));
    // On site (12 service hours): half an hour on Friday, nine on Monday,
    // two and a half on Tuesday; nothing over the weekend.
    assert_eq!(deadlines.on_site_by, local(31, 10, 30));
    // A 7x24 contract's clock runs through the weekend.
    let round_the_clock = fault("T2", 0.0, friday, crate::fixtures::round_the_clock()).deadlines();
    assert_eq!(round_the_clock.hours, ServiceHours::SevenByTwentyFour);
    assert_eq!(
        round_the_clock.on_site_by,
        friday + chrono::Duration::hours(12)
    );
}

#[test]
fn a_plan_made_after_the_day_is_over_is_refused() {
    let engineers = vec![engineer("E1", ShiftPattern::office_hours())];
    let result = plan(
        &HubDay::new(Region::East, monday(), Vec::new(), engineers)
            .unwrap()
            .with_now(day_origin(monday()) + chrono::Duration::days(3)),
        &GreatCircle::default(),
        &options(1),
    );
    assert!(result.is_err(), "{result:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Random hub-days planned at a random hour, with some tickets
    /// reported later than the plan: no visit before its report, the
    /// plan's "now" or its engineer's shift, and no ticket twice.
    #[test]
    fn no_visit_before_its_report_the_plan_or_the_shift(
        seed in 0u64..1_000_000,
        hub_index in 0usize..7,
        count in 1usize..14,
        now_minutes in 0i64..(20 * 60),
        late_reports in proptest::collection::vec(0i64..(22 * 60), 0..5),
    ) {
        let network = Network::shipped().unwrap();
        let hub = Region::ALL[hub_index];
        let mut tickets: Vec<Ticket> = generate_tickets(&network, monday(), count * 8, seed)
            .into_iter()
            .filter(|t| t.region() == hub)
            .take(count)
            .collect();
        for (ticket, minutes) in tickets.iter_mut().zip(&late_reports) {
            *ticket = reported(ticket, day_origin(monday()) + chrono::Duration::minutes(*minutes));
        }
        let engineers = network.engineers_of(hub);
        let now = day_origin(monday()) + chrono::Duration::minutes(now_minutes);
        let roster = plan(
            &day(hub, monday(), &tickets, &engineers).with_now(now),
            &GreatCircle::default(),
            &options(seed),
        );
        prop_assert!(roster.is_ok(), "{:?}", roster.err());
        assert_keeps_time(&roster.unwrap(), &tickets, &engineers);
    }
}
