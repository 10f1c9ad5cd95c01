//! Planning generated days on the shipped network: the roster respects
//! shifts and order, accounts for every ticket, and every plan passes the
//! independent checker when the problem is rebuilt.

use crate::day;
use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use proptest::prelude::*;
use ruyi::dispatch::{DispatchError, HubDay, HubProblem, PlanOptions, plan, solve_hub};
use ruyi::domain::{Region, Roster, Ticket};
use ruyi::network::{Network, generate_tickets};
use ruyi::optimize::{self, SolveParams};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// A national day thinned to one hub's tickets, at most `limit` of them.
fn hub_tickets(
    network: &Network,
    hub: Region,
    date: NaiveDate,
    seed: u64,
    limit: usize,
) -> Vec<Ticket> {
    generate_tickets(network, date, limit * 8, seed)
        .into_iter()
        .filter(|t| t.region() == hub)
        .take(limit)
        .collect()
}

fn options() -> PlanOptions {
    PlanOptions {
        seed: 3,
        time_limit: Duration::from_millis(500),
        ..PlanOptions::default()
    }
}

fn plan_for_east_on_monday(network: &Network, tickets: &[Ticket]) -> Result<Roster, DispatchError> {
    let day = HubDay::new(
        Region::East,
        monday(),
        tickets.to_vec(),
        network.engineers_of(Region::East),
    )?;
    plan(&day, &GreatCircle::default(), &options())
}

fn assert_roster_is_sound(network: &Network, tickets: &[Ticket], roster: &Roster) {
    let engineers: HashMap<_, _> = network.engineers.iter().map(|e| (e.id(), e)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for route in &roster.routes {
        let engineer = engineers[&route.engineer_id];
        assert_eq!(engineer.region(), roster.hub);
        let shift = engineer
            .shift()
            .window_on(roster.date)
            .expect("only engineers working that day get a route");
        assert!(shift.contains(route.leave_at), "{}", route.engineer_id);
        assert!(shift.contains(route.return_at), "{}", route.engineer_id);
        assert!(route.leave_at <= route.return_at);
        let mut clock = route.leave_at;
        for (index, visit) in route.visits.iter().enumerate() {
            assert_eq!(visit.sequence as usize, index + 1);
            assert!(shift.contains(visit.arrival), "{}", visit.ticket_id);
            assert!(shift.contains(visit.departure), "{}", visit.ticket_id);
            assert!(clock <= visit.arrival, "visits out of time order");
            assert!(visit.arrival <= visit.start && visit.start < visit.departure);
            assert!(visit.late_minutes >= 0);
            assert_eq!(
                visit.late_minutes == 0,
                visit.arrival <= visit.on_site_by,
                "{}",
                visit.ticket_id
            );
            clock = visit.departure;
            *seen.entry(visit.ticket_id.to_string()).or_default() += 1;
        }
        assert!(clock <= route.return_at);
        if let Some((start, end)) = route.lunch {
            assert_eq!((end - start).num_minutes(), 45);
            assert!(shift.contains(start) && shift.contains(end));
        }
    }
    for left_out in &roster.unassigned {
        assert!(!left_out.detail.is_empty());
        *seen.entry(left_out.ticket_id.to_string()).or_default() += 1;
    }
    assert_eq!(seen.len(), tickets.len(), "every ticket is accounted for");
    for ticket in tickets {
        assert_eq!(seen.get(ticket.id().as_str()), Some(&1), "{}", ticket.id());
    }
    let summary = &roster.summary;
    assert_eq!(summary.tickets as usize, tickets.len());
    assert_eq!(
        summary.assigned as usize + roster.unassigned.len(),
        tickets.len()
    );
    assert_eq!(summary.engineers_used as usize, roster.routes.len());
    assert!(summary.on_time <= summary.assigned);
    let km: f64 = roster.routes.iter().map(|r| r.km).sum();
    assert!((summary.km - km).abs() < 1e-6);
}

#[test]
fn plans_a_small_day_for_the_east_hub() {
    let network = Network::shipped().unwrap();
    let tickets = hub_tickets(&network, Region::East, monday(), 42, 25);
    assert_eq!(tickets.len(), 25);
    let roster = plan_for_east_on_monday(&network, &tickets).unwrap();
    assert_eq!(roster.hub, Region::East);
    assert_eq!(roster.id, None);
    assert!(roster.summary.assigned > 0, "{:?}", roster.summary);
    assert!(roster.summary.engineers_available > 0);
    assert_roster_is_sound(&network, &tickets, &roster);
}

#[test]
fn a_weekend_day_uses_only_on_call_engineers() {
    let network = Network::shipped().unwrap();
    let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let tickets = hub_tickets(&network, Region::South, saturday, 9, 15);
    let engineers = network.engineers_of(Region::South);
    let roster = plan(
        &day(Region::South, saturday, &tickets, &engineers),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    let on_call = engineers
        .iter()
        .filter(|e| e.shift().window_on(saturday).is_some())
        .count();
    assert!(on_call < engineers.len());
    assert_eq!(roster.summary.engineers_available as usize, on_call);
    assert!(roster.routes.iter().all(|r| r.lunch.is_none()));
    assert_roster_is_sound(&network, &tickets, &roster);
}

#[test]
fn the_rebuilt_problem_gives_the_same_plan_and_passes_the_checker() {
    let network = Network::shipped().unwrap();
    let tickets = hub_tickets(&network, Region::Northwest, monday(), 5, 12);
    let engineers = network.engineers_of(Region::Northwest);
    let travel = GreatCircle::default();
    let roster = plan(
        &day(Region::Northwest, monday(), &tickets, &engineers),
        &travel,
        &options(),
    )
    .unwrap();
    let built = HubProblem::build(
        &day(Region::Northwest, monday(), &tickets, &engineers),
        options().horizon_days,
        &travel,
    )
    .unwrap();
    let (solution, _) = solve_hub(&built, &options()).unwrap();
    let objective = optimize::check(&built.problem, &solution).unwrap();
    assert_eq!(objective.total(), roster.summary.objective);
    assert_eq!(
        solution.unassigned.len(),
        roster.unassigned.len(),
        "{:?}",
        roster.unassigned
    );
}

#[test]
fn a_ticket_of_another_region_is_an_error() {
    let network = Network::shipped().unwrap();
    let tickets = hub_tickets(&network, Region::North, monday(), 1, 3);
    let err = plan_for_east_on_monday(&network, &tickets).unwrap_err();
    assert!(err.to_string().contains("not to the east hub"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn every_plan_passes_the_independent_checker(
        seed in 0u64..1_000_000,
        hub_index in 0usize..7,
        count in 1usize..15,
        day_offset in 0u64..7,
    ) {
        let network = Network::shipped().unwrap();
        let hub = Region::ALL[hub_index];
        let date = monday() + chrono::Days::new(day_offset);
        let tickets = hub_tickets(&network, hub, date, seed, count);
        let engineers = network.engineers_of(hub);
        let travel = GreatCircle::default();
        let roster = plan(&day(hub, date, &tickets, &engineers), &travel, &PlanOptions {
            seed,
            time_limit: Duration::from_millis(300),
            ..PlanOptions::default()
        });
        prop_assert!(roster.is_ok(), "{:?}", roster.err());
        let roster = roster.unwrap();
        assert_roster_is_sound(&network, &tickets, &roster);
        let built = HubProblem::build(&day(hub, date, &tickets, &engineers), 1, &travel).unwrap();
        let solution = optimize::solve(&built.problem, &SolveParams {
            seed,
            time_limit: Duration::from_millis(300),
        });
        prop_assert!(optimize::check(&built.problem, &solution).is_ok());
    }
}
