//! Rule 11, preventive visits: key customers' two-monthly analyses fill the
//! slack of a planned day, most overdue first, and never make a fault
//! visit later or move it.

use crate::day;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use ruyi::dispatch::{HubProblem, PlanOptions, fill_slack, plan};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, GeoPoint, Region, Severity, ShiftPattern,
    Skill, SlaPolicy, Ticket, TicketId, VisitKind,
};
use ruyi::domain::{DueVisit, KeyCustomer, due_on, key_customers};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::network::{Network, generate_tickets};
use ruyi::optimize::{self, SolveParams, StopKind};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn hangzhou(km_north: f64) -> GeoPoint {
    GeoPoint::new(30.274 + km_north / 111.32, 120.155).unwrap()
}

/// A key customer `km_north` of Hangzhou, due `overdue_days` ago.
fn due(name: &str, km_north: f64, overdue_days: i64) -> DueVisit {
    DueVisit {
        customer: KeyCustomer {
            visit_id: TicketId::parse(format!("PM-{name}")).unwrap(),
            name: format!("Key account {name}"),
            site: hangzhou(km_north),
            region: Region::East,
            last_analysis: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()
                - chrono::Days::new(overdue_days as u64),
        },
        overdue_days,
    }
}

/// One systems engineer whose day holds one four-hour repair: the slack
/// left fits one two-hour analysis, not two.
fn one_slot_day(due: &[DueVisit]) -> ruyi::domain::Roster {
    let engineer = Engineer::new(EngineerProfile {
        id: EngineerId::parse("E1").unwrap(),
        name: "Engineer E1".to_string(),
        base: EngineerBase::Hub(Region::East),
        region: Region::East,
        home: hangzhou(0.0),
        skills: vec![Skill::Systems],
        certification: Certification::Senior,
        shift: ShiftPattern::office_hours(),
    })
    .unwrap();
    let repair = Ticket::new(TicketReport {
        id: TicketId::parse("T1").unwrap(),
        customer: "Hangzhou Tax Bureau".to_string(),
        site: hangzhou(5.0),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::MAJOR,
        skill: Skill::Systems,
        reported_at: Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).unwrap(),
        service_minutes: 240,
        sla: SlaPolicy::default(),
    })
    .unwrap();
    plan(
        &day(Region::East, monday(), &[repair], &[engineer]).with_preventive(due.to_vec()),
        &GreatCircle::default(),
        &PlanOptions {
            seed: 1,
            time_limit: Duration::from_millis(100),
            ..PlanOptions::default()
        },
    )
    .unwrap()
}

fn preventive_visits(roster: &ruyi::domain::Roster) -> Vec<String> {
    roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| v.kind == VisitKind::Preventive)
        .map(|v| v.ticket_id.to_string())
        .collect()
}

#[test]
fn the_most_overdue_analysis_takes_the_only_slot() {
    let mut list = vec![due("A", 3.0, 5), due("B", -3.0, 20)];
    list.sort_by_key(|d| -d.overdue_days);
    let roster = one_slot_day(&list);
    assert_eq!(preventive_visits(&roster), vec!["PM-B"]);
    assert_eq!(roster.summary.preventive_placed, 1);
    assert_eq!(roster.summary.preventive_due, 1);
    assert_eq!(roster.summary.assigned, 1, "the repair is still served");
    assert!(
        roster.unassigned.is_empty(),
        "a due analysis is not a ticket"
    );

    let mut list = vec![due("A", 3.0, 30), due("B", -3.0, 20)];
    list.sort_by_key(|d| -d.overdue_days);
    assert_eq!(preventive_visits(&one_slot_day(&list)), vec!["PM-A"]);
}

#[test]
fn the_preventive_visit_is_marked_and_has_no_deadline_to_miss() {
    let roster = one_slot_day(&[due("B", -3.0, 20)]);
    let visit = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.kind == VisitKind::Preventive)
        .unwrap();
    assert_eq!(visit.late_minutes, 0);
    assert_eq!((visit.departure - visit.start).num_minutes(), 120);
    assert_eq!(roster.summary.on_time, 1, "on time counts faults only");
}

#[test]
fn shipped_key_customers_are_due_by_how_long_ago_they_were_seen() {
    let network = Network::shipped().unwrap();
    let customers = key_customers(&network.stations);
    assert_eq!(customers.len(), network.stations.len());
    let due = due_on(&customers, Region::East, monday(), &HashMap::new());
    assert!(!due.is_empty());
    assert!(due.len() < network.stations_of(Region::East).len());
    assert!(
        due.windows(2)
            .all(|w| w[0].overdue_days >= w[1].overdue_days)
    );
    assert!(due.iter().all(|d| d.customer.region == Region::East));
}

/// The lateness and engineer of every fault, by job.
fn faults_of(solution: &optimize::Solution, faults: usize) -> HashMap<usize, (usize, i64)> {
    solution
        .routes
        .iter()
        .flat_map(|r| r.stops.iter().map(move |s| (r.vehicle, s)))
        .filter_map(|(vehicle, stop)| match stop.kind {
            StopKind::Job(job) if job < faults => Some((job, (vehicle, stop.lateness))),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// On generated east days: every fault keeps its engineer and gets no
    /// later, the order of faults on each route is kept, and the day with
    /// the analyses passes the independent checker.
    #[test]
    fn preventive_visits_never_make_a_fault_later(seed in 1u64..1000) {
        let network = Network::shipped().unwrap();
        let tickets: Vec<Ticket> = generate_tickets(&network, monday(), 400, seed)
            .into_iter()
            .filter(|t| t.region() == Region::East)
            .take(30)
            .collect();
        let engineers = network.engineers_of(Region::East);
        let travel = GreatCircle::default();
        let due = due_on(&key_customers(&network.stations), Region::East, monday(), &HashMap::new());
        let built = HubProblem::build(
            &day(Region::East, monday(), &tickets, &engineers).with_preventive(due.clone()),
            1,
            &travel,
        )
        .unwrap();
        let fault_plan = optimize::solve(
            &built.problem,
            &SolveParams { seed, time_limit: Duration::from_millis(200) },
        );
        optimize::check(&built.problem, &fault_plan).unwrap();
        let filled = fill_slack(&built, &fault_plan).unwrap();
        let checked = optimize::check(&filled.hub_problem.problem, &filled.solution);
        prop_assert!(checked.is_ok(), "{:?}", checked.err());

        let before = faults_of(&fault_plan, tickets.len());
        let after = faults_of(&filled.solution, tickets.len());
        prop_assert_eq!(before.len(), after.len());
        for (job, (vehicle, lateness)) in &before {
            let (now_vehicle, now_lateness) = after[job];
            prop_assert_eq!(now_vehicle, *vehicle);
            prop_assert!(now_lateness <= *lateness, "job {} later: {} > {}", job, now_lateness, lateness);
        }
        for route in &fault_plan.routes {
            let order: Vec<usize> = route.jobs().collect();
            let now: Vec<usize> = filled
                .solution
                .routes
                .iter()
                .find(|r| r.vehicle == route.vehicle)
                .map(|r| r.jobs().filter(|j| *j < tickets.len()).collect())
                .unwrap_or_default();
            prop_assert_eq!(order, now);
        }
        let placed = filled
            .solution
            .routes
            .iter()
            .flat_map(|r| r.jobs())
            .filter(|j| *j >= tickets.len())
            .count() as u32;
        prop_assert_eq!(placed, filled.report.placed);
        prop_assert_eq!(filled.report.placed + filled.report.still_due, due.len() as u32);
    }
}
