//! Rule "who may serve a ticket": station engineers serve sites within
//! reach of their station, an area without a station borrows from the
//! nearest ones, hub engineers are everyone's fallback, skills and the
//! senior certification for level-1 faults must match — and the plan and
//! the independent checker respect all of it.

use crate::day;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{HubProblem, PlanOptions, candidate_stations, plan};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, GeoPoint, Region, Severity, ShiftPattern,
    Skill, SlaPolicy, StationId, Ticket, TicketId,
};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::optimize;
use ruyi::travel::GreatCircle;

fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::new(lat, lon).unwrap()
}

// Hangzhou, Ningbo (~150 km east) and Wenzhou (~300 km south).
const HANGZHOU: (f64, f64) = (30.274, 120.155);
const NINGBO: (f64, f64) = (29.868, 121.544);
const WENZHOU: (f64, f64) = (27.994, 120.699);
// Shaoxing, between Hangzhou and Ningbo, with no station of its own.
const SHAOXING: (f64, f64) = (30.030, 120.580);

fn engineer(id: &str, station: Option<&str>, at: (f64, f64), level: Certification) -> Engineer {
    engineer_with(id, station, at, level, Skill::Server)
}

fn engineer_with(
    id: &str,
    station: Option<&str>,
    at: (f64, f64),
    level: Certification,
    skill: Skill,
) -> Engineer {
    let base = match station {
        Some(s) => EngineerBase::Station(StationId::parse(s).unwrap()),
        None => EngineerBase::Hub(Region::East),
    };
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base,
        region: Region::East,
        home: point(at.0, at.1),
        skills: vec![skill],
        certification: level,
        shift: ShiftPattern::OnCall { max_hours: 12 },
    })
    .unwrap()
}

fn ticket(id: &str, at: (f64, f64), severity: u8) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: point(at.0 + 0.01, at.1 + 0.01),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::new(severity).unwrap(),
        skill: Skill::Server,
        reported_at: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
        service_minutes: 60,
        sla: SlaPolicy::default(),
    })
    .unwrap()
}

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn options() -> PlanOptions {
    PlanOptions {
        seed: 1,
        time_limit: Duration::from_millis(300),
        ..PlanOptions::default()
    }
}

#[test]
fn a_station_serves_its_reach_and_a_city_without_one_borrows_from_the_nearest() {
    let stations = [
        point(HANGZHOU.0, HANGZHOU.1),
        point(NINGBO.0, NINGBO.1),
        point(WENZHOU.0, WENZHOU.1),
    ];
    // In Hangzhou: only the Hangzhou station is within reach.
    assert_eq!(candidate_stations(point(30.28, 120.16), &stations), vec![0]);
    // Shaoxing is within reach of both Hangzhou and Ningbo.
    assert_eq!(
        candidate_stations(point(SHAOXING.0, SHAOXING.1), &stations),
        vec![0, 1]
    );
    // A county 200 km from every station borrows from the two nearest.
    let remote = point(28.45, 118.90);
    let borrowed = candidate_stations(remote, &stations);
    assert_eq!(borrowed.len(), 2);
    assert!(!borrowed.contains(&1), "Ningbo is the farthest");
}

#[test]
fn a_station_without_the_skill_does_not_reach_a_site_and_a_qualified_one_is_borrowed() {
    let engineers_today = vec![
        // Hangzhou's station has only a printer engineer: for the Hangzhou
        // server fault the qualified Wenzhou engineer is borrowed, and the
        // hub engineer, nearer, still takes it.
        engineer("E1", Some("S3"), WENZHOU, Certification::Senior),
        engineer("H1", None, HANGZHOU, Certification::Senior),
        engineer_with(
            "E2",
            Some("S1"),
            HANGZHOU,
            Certification::Senior,
            Skill::Printer,
        ),
    ];
    let tickets = vec![ticket("T1", HANGZHOU, 2), ticket("T2", WENZHOU, 2)];
    let travel = GreatCircle::default();
    let hub_problem = HubProblem::build(
        &day(Region::East, monday(), &tickets, &engineers_today),
        1,
        &travel,
    )
    .unwrap();
    let problem = &hub_problem.problem;
    let (wenzhou, hub, printer) = (
        &problem.vehicles()[0],
        &problem.vehicles()[1],
        &problem.vehicles()[2],
    );
    assert!(
        wenzhou.can_serve(&problem.jobs()[0]),
        "Hangzhou's own station cannot do it: Wenzhou's is borrowed"
    );
    assert!(wenzhou.can_serve(&problem.jobs()[1]));
    assert!(!printer.can_serve(&problem.jobs()[0]));
    assert!(hub.can_serve(&problem.jobs()[0]) && hub.can_serve(&problem.jobs()[1]));

    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers_today),
        &travel,
        &options(),
    )
    .unwrap();
    assert!(roster.unassigned.is_empty(), "{:?}", roster.unassigned);
    for route in &roster.routes {
        for visit in &route.visits {
            if visit.ticket_id.as_str() == "T1" {
                assert_eq!(route.engineer_id.as_str(), "H1");
            }
        }
    }
}

#[test]
fn without_a_hub_engineer_a_qualified_station_out_of_reach_is_borrowed() {
    // Before, the fault waited unassigned with a suggestion to borrow E1;
    // the simulation found such tickets never visited at all.
    let engineers = vec![
        engineer("E1", Some("S3"), WENZHOU, Certification::Senior),
        engineer_with(
            "E2",
            Some("S1"),
            HANGZHOU,
            Certification::Senior,
            Skill::Printer,
        ),
    ];
    let tickets = vec![ticket("T1", HANGZHOU, 2)];
    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    assert!(roster.unassigned.is_empty(), "{:?}", roster.unassigned);
    assert_eq!(roster.routes.len(), 1);
    assert_eq!(roster.routes[0].engineer_id.as_str(), "E1");
}

#[test]
fn a_level_1_fault_goes_to_a_senior_engineer_and_the_checker_rejects_otherwise() {
    let engineers = vec![
        engineer("E1", Some("S1"), HANGZHOU, Certification::Intermediate),
        engineer("E2", Some("S1"), HANGZHOU, Certification::Senior),
    ];
    let tickets = vec![ticket("T1", HANGZHOU, 1)];
    let travel = GreatCircle::default();
    let hub_problem = HubProblem::build(
        &day(Region::East, monday(), &tickets, &engineers),
        1,
        &travel,
    )
    .unwrap();
    let problem = &hub_problem.problem;
    let solution = optimize::solve(
        problem,
        &optimize::SolveParams {
            seed: 1,
            time_limit: Duration::from_millis(200),
        },
    );
    optimize::check(problem, &solution).unwrap();
    assert_eq!(solution.routes.len(), 1);
    assert_eq!(solution.routes[0].vehicle, 1, "the senior engineer");
    // The same visit on the intermediate engineer fails the checker.
    let mut wrong = solution.clone();
    wrong.routes[0].vehicle = 0;
    assert!(optimize::check(problem, &wrong).is_err());
}
