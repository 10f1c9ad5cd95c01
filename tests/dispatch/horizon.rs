//! Rule "two-day horizon": today and tomorrow are planned together so the
//! 48 h repair limit is visible; only today's routes are published, and the
//! tickets planned for tomorrow stay open and are planned again tomorrow.

use crate::day;
use std::time::Duration;

use crate::fixtures::*;
use chrono::{NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{HubProblem, PlanOptions, day_origin, plan, solve_hub};
use ruyi::domain::ReasonCode;
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, GeoPoint, Region, Severity, ShiftPattern,
    Skill, StationId, Ticket, TicketId, TicketStatus,
};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::optimize;
use ruyi::storage::TicketFilter;
use ruyi::travel::GreatCircle;

fn options() -> PlanOptions {
    PlanOptions {
        seed: 2,
        time_limit: Duration::from_millis(300),
        ..PlanOptions::default()
    }
}

fn hangzhou_engineer(id: &str, shift: ShiftPattern) -> Engineer {
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base: EngineerBase::Station(StationId::parse("S010").unwrap()),
        region: Region::East,
        home: GeoPoint::new(30.274, 120.155).unwrap(),
        skills: vec![Skill::Server],
        certification: Certification::Senior,
        shift,
    })
    .unwrap()
}

/// A two-hour server repair in Hangzhou, `km_north` from the station,
/// reported `hours_ago` before Monday's midnight.
fn repair(id: &str, km_north: f64, hours_ago: i64) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: GeoPoint::new(30.274 + km_north / 111.32, 120.155).unwrap(),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::MAJOR,
        skill: Skill::Server,
        reported_at: day_origin(monday()) - chrono::Duration::hours(hours_ago),
        service_minutes: 120,
        sla: crate::fixtures::round_the_clock(),
    })
    .unwrap()
}

#[test]
fn what_today_cannot_take_is_planned_tomorrow_and_only_today_is_published() {
    let engineers = vec![hangzhou_engineer("E1", ShiftPattern::office_hours())];
    // Twelve two-hour repairs: about three days of work for one engineer.
    // Half were reported on Saturday morning, half on Monday at 01:00.
    let tickets: Vec<Ticket> = (0..12)
        .map(|i| {
            repair(
                &format!("T{i:02}"),
                1.0 + i as f64,
                if i % 2 == 0 { 40 } else { -1 },
            )
        })
        .collect();
    let travel = GreatCircle::default();
    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers),
        &travel,
        &options(),
    )
    .unwrap();

    let today: Vec<&str> = roster.routes[0]
        .visits
        .iter()
        .map(|v| v.ticket_id.as_str())
        .collect();
    let tomorrow: Vec<&str> = roster
        .unassigned
        .iter()
        .filter(|u| u.reason == ReasonCode::PlannedTomorrow)
        .map(|u| u.ticket_id.as_str())
        .collect();
    assert!(!today.is_empty() && !tomorrow.is_empty(), "{roster:?}");
    assert_eq!(roster.summary.assigned as usize, today.len());
    assert_eq!(roster.summary.tomorrow_planned as usize, tomorrow.len());
    assert!(today.iter().all(|t| !tomorrow.contains(t)));
    // Every ticket is once today, tomorrow, or left out with a reason.
    assert_eq!(today.len() + roster.unassigned.len(), tickets.len());
    // The published routes are Monday's: inside Monday's shift.
    let shift = ShiftPattern::office_hours().window_on(monday()).unwrap();
    assert!(
        roster
            .routes
            .iter()
            .all(|r| shift.contains(r.leave_at) && shift.contains(r.return_at))
    );
    // Saturday's tickets fell due on Monday at 08:00: the ones planned for
    // tomorrow are counted as due, and every one of them needs a loaner
    // whichever day it is served; Monday night's are due on Wednesday.
    let saturdays = |id: &&str| id[1..].parse::<usize>().unwrap() % 2 == 0;
    assert_eq!(
        roster.summary.tomorrow_repair_due as usize,
        tomorrow.iter().filter(|id| saturdays(id)).count()
    );
    let mut loaners: Vec<&str> = roster
        .loaners
        .iter()
        .map(|l| l.ticket_id.as_str())
        .collect();
    loaners.sort_unstable();
    let expected: Vec<String> = (0..12).step_by(2).map(|i| format!("T{i:02}")).collect();
    assert_eq!(loaners, expected);

    // The whole two-day plan passes the independent checker, and its
    // second day lies in Tuesday's shift.
    let built = HubProblem::build(
        &day(Region::East, monday(), &tickets, &engineers),
        2,
        &travel,
    )
    .unwrap();
    assert_eq!(built.days, vec![0, 1]);
    let (solution, _) = solve_hub(&built, &options()).unwrap();
    let objective = optimize::check(&built.problem, &solution).unwrap();
    assert_eq!(objective.total(), roster.summary.objective);
    let tuesday = ShiftPattern::office_hours()
        .window_on(monday() + chrono::Days::new(1))
        .unwrap();
    for route in solution
        .routes
        .iter()
        .filter(|r| built.days[r.vehicle] == 1)
    {
        assert!(tuesday.contains(built.at(route.departure)));
        assert!(tuesday.contains(built.at(route.end)));
    }
}

#[test]
fn a_one_day_horizon_plans_today_alone() {
    let engineers = vec![hangzhou_engineer("E1", ShiftPattern::office_hours())];
    let tickets: Vec<Ticket> = (0..8)
        .map(|i| repair(&format!("T{i}"), 1.0 + i as f64, 4))
        .collect();
    let roster = plan(
        &day(Region::East, monday(), &tickets, &engineers),
        &GreatCircle::default(),
        &PlanOptions {
            horizon_days: 1,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(roster.summary.tomorrow_planned, 0);
    assert!(
        roster
            .unassigned
            .iter()
            .all(|u| u.reason != ReasonCode::PlannedTomorrow)
    );
    assert_eq!(
        roster.summary.assigned as usize + roster.unassigned.len(),
        8
    );
}

#[test]
fn on_friday_tomorrow_is_for_on_call_engineers_only() {
    let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let engineers = vec![
        hangzhou_engineer("E1", ShiftPattern::office_hours()),
        hangzhou_engineer("E2", ShiftPattern::OnCall { max_hours: 10 }),
    ];
    let built = HubProblem::build(
        &day(Region::East, friday, &[], &engineers),
        2,
        &GreatCircle::default(),
    )
    .unwrap();
    let saturday: Vec<&str> = built
        .engineers
        .iter()
        .zip(&built.days)
        .filter(|(_, day)| **day == 1)
        .map(|(e, _)| e.id().as_str())
        .collect();
    assert_eq!(saturday, vec!["E2"]);
    assert_eq!(built.days.iter().filter(|d| **d == 0).count(), 2);
}

/// Through storage: Monday's roster marks only Monday's visits planned;
/// the ticket planned for Tuesday stays open and Tuesday's plan takes it.
#[tokio::test]
async fn tickets_planned_for_tomorrow_stay_open_and_carry_over() {
    let database = fresh_database(TestBackend::Sqlite).await.unwrap();
    let store = database.store().await;
    load_small_network(&store).await;
    // Ningbo to Hangzhou and back fills E001's day with one visit.
    let tickets: Vec<Ticket> = ["T1", "T2", "T3"]
        .iter()
        .map(|id| ticket(id, Region::East))
        .collect();
    store.insert_tickets(&tickets).await.unwrap();
    let status_of = |id: &str| {
        let store = store.clone();
        let id = TicketId::parse(id).unwrap();
        async move { store.ticket(&id).await.unwrap().unwrap().status() }
    };

    let monday_roster = ruyi::service::plan_and_store(
        &store,
        Region::East,
        monday(),
        ruyi::dispatch::morning_of(monday()),
        &options(),
        &GreatCircle::default(),
    )
    .await
    .unwrap();
    assert_eq!(monday_roster.summary.assigned, 1);
    assert_eq!(monday_roster.summary.tomorrow_planned, 1);
    let visited = monday_roster.routes[0].visits[0].ticket_id.clone();
    let planned_tomorrow = monday_roster
        .unassigned
        .iter()
        .find(|u| u.reason == ReasonCode::PlannedTomorrow)
        .unwrap()
        .ticket_id
        .clone();
    assert_eq!(status_of(visited.as_str()).await, TicketStatus::Planned);
    assert_eq!(
        status_of(planned_tomorrow.as_str()).await,
        TicketStatus::Open
    );
    let open = store
        .tickets(TicketFilter {
            status: Some(TicketStatus::Open),
            region: Some(Region::East),
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 2);

    let tuesday = monday() + chrono::Days::new(1);
    let tuesday_roster = ruyi::service::plan_and_store(
        &store,
        Region::East,
        tuesday,
        ruyi::dispatch::morning_of(tuesday),
        &options(),
        &GreatCircle::default(),
    )
    .await
    .unwrap();
    assert_eq!(tuesday_roster.summary.tickets, 2, "only the open tickets");
    assert_eq!(tuesday_roster.summary.assigned, 1);
    let tuesday_visit = &tuesday_roster.routes[0].visits[0];
    assert_ne!(tuesday_visit.ticket_id, visited);
    assert!(tuesday_visit.arrival > Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap());
    assert_eq!(
        status_of(tuesday_visit.ticket_id.as_str()).await,
        TicketStatus::Planned
    );
}
