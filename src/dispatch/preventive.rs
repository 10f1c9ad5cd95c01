//! Rule 11: preventive visits. A system engineer visits every key customer
//! every two months for an on-site system analysis (the key customers and
//! when they are due: [`crate::domain::KeyCustomer`]). These visits fill the
//! slack of a planned day and never push a fault visit late.
//!
//! **The second stage.** After the fault plan is solved and checked, the
//! due visits are taken most overdue first; each goes to the cheapest
//! position (added driving) on any engineer's route that holds the systems
//! skill and may serve the site, provided that every fault visit on that
//! route keeps its lateness — one on time stays on time, one late gets no
//! later. Faults are never moved. What finds no room stays due. The result
//! passes the independent checker like every plan.
//!
//! **In the customer's hours.** An analysis is done with the customer's
//! administrator: it starts inside the customer's service hours (the
//! service calendar's, 08:00–17:00 on weekdays by default) and ends by
//! their close, never before the plan's "now", and only on a day-shift
//! engineer's route — never on a night call.
//!
//! Depends on `domain` and `optimize` only.

use super::translate::{DAY_SHIFT_BIT, candidate_stations};
use super::{DispatchError, HubProblem};
use crate::domain::{ServiceCalendar, Skill};
use crate::optimize::{Job, Problem, Solution, StopKind, Window, build_solution, schedule};

/// How long a system analysis with the customer's administrator takes.
pub const ANALYSIS_MINUTES: i64 = 120;
/// The skill a system analysis needs.
pub const ANALYSIS_SKILL: Skill = Skill::Systems;
/// How the second stage went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreventiveReport {
    pub placed: u32,
    pub still_due: u32,
}

/// The fault plan with the due visits fitted into its slack: the problem
/// with the preventive jobs after the tickets' (job `tickets.len() + k` is
/// `due[k]`), its checked solution and objective, and the counts.
#[derive(Debug, Clone)]
pub struct WithPreventive {
    pub hub_problem: HubProblem,
    pub solution: Solution,
    pub objective: i64,
    pub report: PreventiveReport,
}

/// When an analysis may start on the planned day: inside the customer's
/// service hours (the service calendar's), early enough to end by their
/// close; `None` on a day the customers are closed or when the plan's "now"
/// leaves no room.
fn customer_hours(hub_problem: &HubProblem) -> Option<Window> {
    let calendar = ServiceCalendar::current();
    let (opens, closes) = calendar.hours();
    let opens = i64::from(opens) * 60;
    let last_start = i64::from(closes) * 60 - ANALYSIS_MINUTES * 60;
    let now = hub_problem.seconds(hub_problem.now);
    (calendar.is_open(hub_problem.at(opens)) && now.max(opens) <= last_start)
        .then(|| Window::new(opens, last_start).ok())
        .flatten()
}

/// The second stage (see the module docs): the due visits of
/// `hub_problem` (its sites are already in the matrix) fitted into the slack
/// of `fault_plan`, the checked plan of its faults.
pub fn fill_slack(
    hub_problem: &HubProblem,
    fault_plan: &Solution,
) -> Result<WithPreventive, DispatchError> {
    let stations = hub_problem.station_positions();
    let hours = customer_hours(hub_problem);
    let mut jobs = hub_problem.problem.jobs().to_vec();
    let faults = jobs.len();
    for (index, customer) in hub_problem.due.iter().enumerate() {
        let Some(hours) = hours else {
            break;
        };
        let mut job = Job::at(
            hub_problem.first_preventive_site + index,
            ANALYSIS_MINUTES * 60,
        );
        job.windows = vec![hours];
        job.release = Some(hub_problem.seconds(hub_problem.now));
        // A day-shift systems engineer, never one on a night call.
        job.skills = 1 << ANALYSIS_SKILL.bit() | 1 << DAY_SHIFT_BIT;
        job.teams = candidate_stations(customer.site, &stations);
        // Optional work: leaving it out costs nothing, so it never competes
        // with a fault.
        job.unassigned_penalty = 0;
        jobs.push(job);
    }
    let problem = Problem::new(
        hub_problem.problem.matrix().clone(),
        jobs,
        hub_problem.problem.vehicles().to_vec(),
    )?;

    let mut plan: Vec<Vec<usize>> = vec![Vec::new(); problem.vehicles().len()];
    let mut fault_lateness = vec![0; faults];
    for route in &fault_plan.routes {
        for stop in &route.stops {
            if let StopKind::Job(job) = stop.kind {
                plan[route.vehicle].push(job);
                fault_lateness[job] = stop.lateness;
            }
        }
    }
    let cost = |vehicle: usize, jobs: &[usize]| {
        let timed = schedule(&problem, vehicle, jobs)?;
        let keeps_lateness = timed.route.stops.iter().all(|stop| match stop.kind {
            StopKind::Job(job) if job < faults => stop.lateness <= fault_lateness[job],
            _ => true,
        });
        keeps_lateness.then_some(timed.travel_cost + timed.lateness_cost + timed.disruption_cost)
    };
    let mut costs: Vec<i64> = plan
        .iter()
        .enumerate()
        .map(|(vehicle, jobs)| cost(vehicle, jobs).unwrap_or(i64::MAX / 4))
        .collect();
    let mut placed = 0;
    for job in faults..problem.jobs().len() {
        let mut best: Option<(i64, usize, Vec<usize>)> = None;
        for vehicle in 0..plan.len() {
            if !problem.vehicles()[vehicle].can_serve(&problem.jobs()[job]) {
                continue;
            }
            for position in 0..=plan[vehicle].len() {
                let mut with = plan[vehicle].clone();
                with.insert(position, job);
                let Some(new_cost) = cost(vehicle, &with) else {
                    continue;
                };
                let added = new_cost - costs[vehicle];
                if best.as_ref().is_none_or(|b| added < b.0) {
                    best = Some((added, vehicle, with));
                }
            }
        }
        if let Some((added, vehicle, with)) = best {
            costs[vehicle] += added;
            plan[vehicle] = with;
            placed += 1;
        }
    }

    let solution = build_solution(&problem, &plan);
    let objective = super::checked(&problem, &solution)?;
    Ok(WithPreventive {
        hub_problem: HubProblem {
            problem,
            preventive: hub_problem.due.clone(),
            ..hub_problem.clone()
        },
        solution,
        objective: objective.total(),
        report: PreventiveReport {
            placed,
            still_due: hub_problem.due.len() as u32 - placed,
        },
    })
}
