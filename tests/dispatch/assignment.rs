//! Rule "assignment with the LP solver": a MIP assigns tickets to engineers
//! and days within the candidate sets and the engineers' hours, proves a
//! bound no higher than its objective, and its assignment seeds routes that
//! the core improves and the independent checker accepts.

use crate::day;
use std::time::Duration;

use chrono::NaiveDate;
use ruyi::dispatch::{
    self as assignment, AssignmentOptions, HubProblem, MAX_CANDIDATES, PlanOptions,
    available_seconds, initial_routes, plan, solve_hub,
};
use ruyi::domain::{Region, Ticket};
use ruyi::network::{Network, generate_tickets};
use ruyi::optimize::{self, SolveParams};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// A busy day for one hub of the shipped network.
fn hub_day(network: &Network, hub: Region, count: usize) -> Vec<Ticket> {
    generate_tickets(network, monday(), count * 8, 11)
        .into_iter()
        .filter(|t| t.region() == hub)
        .take(count)
        .collect()
}

/// A hub's busy day and the two-day problem built from it.
fn two_days(hub: Region, count: usize) -> (Vec<Ticket>, HubProblem) {
    let network = Network::shipped().unwrap();
    let tickets = hub_day(&network, hub, count);
    let engineers = network.engineers_of(hub);
    let built = HubProblem::build(
        &day(hub, monday(), &tickets, &engineers),
        2,
        &GreatCircle::default(),
    );
    (tickets, built.unwrap())
}

fn options() -> AssignmentOptions {
    AssignmentOptions {
        time_limit: 20.0,
        balance_cost_per_second: 2.0,
    }
}

#[test]
fn the_mip_respects_candidate_sets_and_hours_and_bounds_its_objective() {
    let (tickets, hub_problem) = two_days(Region::Southwest, 160);
    let problem = &hub_problem.problem;
    let groups = hub_problem.balance_groups();
    let assignment = assignment::assign(problem, &groups, &hub_problem.days, &options()).unwrap();
    let report = &assignment.report;
    assert!(
        report.bound <= report.objective + 1e-6,
        "bound {} above objective {}",
        report.bound,
        report.objective
    );
    assert!(report.gap_percent >= 0.0 && report.variables > 0);

    let matrix = problem.matrix();
    let mut busy = vec![0i64; problem.vehicles().len()];
    let mut served = 0;
    for (job, vehicle) in assignment.vehicle_of.iter().enumerate() {
        let Some(v) = *vehicle else { continue };
        served += 1;
        let (ticket, vehicle) = (&problem.jobs()[job], &problem.vehicles()[v]);
        // Skills, senior for severity 1, and the station teams.
        assert!(vehicle.can_serve(ticket), "ticket {job} on vehicle {v}");
        // Among the ticket's nearest qualified vehicles.
        let nearer = problem
            .vehicles()
            .iter()
            .filter(|other| {
                other.can_serve(ticket)
                    && matrix.duration(other.start, ticket.location)
                        < matrix.duration(vehicle.start, ticket.location)
            })
            .count();
        assert!(nearer < MAX_CANDIDATES, "ticket {job}: {nearer} nearer");
        busy[v] += ticket.service;
    }
    assert!(served > tickets.len() / 2, "served only {served}");
    // Hours: service alone is part of every estimate, so it must fit.
    for (v, vehicle) in problem.vehicles().iter().enumerate() {
        assert!(
            busy[v] as f64 <= available_seconds(vehicle),
            "vehicle {v}: {} s of service in {} s",
            busy[v],
            available_seconds(vehicle)
        );
    }
    // Both days are used: tomorrow takes what today cannot.
    let days_used: std::collections::BTreeSet<u32> = assignment
        .vehicle_of
        .iter()
        .flatten()
        .map(|&v| hub_problem.days[v])
        .collect();
    assert!(days_used.contains(&0), "{days_used:?}");

    // The assignment's routes are feasible, and the core only improves them.
    let start = initial_routes(problem, &assignment);
    let seeded = optimize::build_solution(problem, &start);
    let seeded_cost = optimize::check(problem, &seeded).unwrap().total();
    for (v, route) in start.iter().enumerate() {
        for job in route {
            assert_eq!(assignment.vehicle_of[*job], Some(v));
        }
    }
    let improved = optimize::solve_from(
        problem,
        &start,
        &SolveParams {
            seed: 1,
            time_limit: Duration::from_millis(300),
        },
    );
    let improved_cost = optimize::check(problem, &improved).unwrap().total();
    assert!(improved_cost <= seeded_cost);
}

#[test]
fn a_full_engineer_pushes_the_rest_to_tomorrow_or_out_never_over_the_day() {
    // Many tickets for a small hub: the MIP must respect every day's hours.
    let (_, hub_problem) = two_days(Region::Northwest, 120);
    let problem = &hub_problem.problem;
    let assignment = assignment::assign(
        problem,
        &hub_problem.balance_groups(),
        &hub_problem.days,
        &AssignmentOptions {
            balance_cost_per_second: 0.0,
            ..options()
        },
    )
    .unwrap();
    assert!(assignment.report.bound <= assignment.report.objective + 1e-6);
    for (v, jobs) in assignment
        .jobs_of(problem.vehicles().len())
        .iter()
        .enumerate()
    {
        let service: i64 = jobs.iter().map(|&j| problem.jobs()[j].service).sum();
        assert!(service as f64 <= available_seconds(&problem.vehicles()[v]));
    }
}

#[test]
fn the_roster_reports_the_mip_and_passes_the_checker_when_rebuilt() {
    let network = Network::shipped().unwrap();
    let tickets = hub_day(&network, Region::Northeast, 60);
    let engineers = network.engineers_of(Region::Northeast);
    let travel = GreatCircle::default();
    let options = PlanOptions {
        seed: 5,
        time_limit: Duration::from_millis(400),
        ..PlanOptions::default()
    };
    let roster = plan(
        &day(Region::Northeast, monday(), &tickets, &engineers),
        &travel,
        &options,
    )
    .unwrap();
    let mip = roster.summary.assignment.as_ref().expect("the MIP ran");
    assert!(mip.bound <= mip.objective + 1e-6);
    assert!(mip.gap_percent >= 0.0);
    assert!(!mip.status.is_empty());

    let built = HubProblem::build(
        &day(Region::Northeast, monday(), &tickets, &engineers),
        options.horizon_days,
        &travel,
    )
    .unwrap();
    let (solution, report) = solve_hub(&built, &options).unwrap();
    let objective = optimize::check(&built.problem, &solution).unwrap();
    assert_eq!(objective.total(), roster.summary.objective);
    assert_eq!(report.unwrap().objective, mip.objective);

    // Without the MIP there is no report, and the plan is still checked.
    let without = plan(
        &day(Region::Northeast, monday(), &tickets, &engineers),
        &travel,
        &PlanOptions {
            assignment: false,
            ..options
        },
    )
    .unwrap();
    assert!(without.summary.assignment.is_none());
}
