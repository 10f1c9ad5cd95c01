//! Overtime to keep a promise: after the routing, a ticket that would miss
//! its on-site deadline (late on its route, or left for later) goes to an
//! engineer of the planned day who can be there in time by working past
//! the day's limit, as a 7x24 desk calls its on-call engineer back for a
//! system-down rather than tell the customer "tomorrow".
//!
//! The core keeps each engineer's working limit hard, and a 7x24 engineer
//! who drove out at 07:00 for office-hours tickets had used the day's ten
//! hours by the afternoon: a key customer's 2 h fault at 17:00 then waited
//! for the night's fresh limit, hours late, although the engineer was a
//! few kilometres away. The domain's rule is that the engineer works until
//! the fault is fixed; the plan grants at most [`MOST_OVERTIME`] past the
//! limit per engineer and day (the labour law's daily cap), only inside
//! their shift, and only for a visit that is then on time and costs less
//! by the plan's own prices (driving, lateness, announced visits moved)
//! than the ticket costs where it is.

use crate::optimize::{self, Plan, Problem, Solution, StopKind, schedule_as};

use super::{DispatchError, HubProblem};

/// The most a plan asks an engineer to work past their day's limit, in
/// seconds, counting the overtime already worked that day.
pub const MOST_OVERTIME: i64 = 3 * 3600;

/// One ticket given to an engineer on overtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallIn {
    /// The ticket's job.
    pub job: usize,
    /// The vehicle (engineer on the planned day) who takes it.
    pub vehicle: usize,
    /// Seconds past the working limit the vehicle's route now needs.
    pub overtime: i64,
}

/// Moves each ticket that would miss its on-site deadline to an engineer
/// of the planned day who can keep it on overtime, earliest deadline
/// first; the vehicles' working limits grow by what their new routes need.
/// Returns the calls made, with the hub problem and solution updated (both
/// unchanged when none is made).
pub fn call_in(
    hub_problem: &mut HubProblem,
    solution: &mut Solution,
) -> Result<Vec<CallIn>, DispatchError> {
    let problem = &hub_problem.problem;
    let mut plan: Plan = vec![Vec::new(); problem.vehicles().len()];
    let mut lateness = vec![0; problem.jobs().len()];
    let mut placed = vec![None; problem.jobs().len()];
    for route in &solution.routes {
        for stop in &route.stops {
            if let StopKind::Job(job) = stop.kind {
                plan[route.vehicle].push(job);
                lateness[job] = stop.lateness;
                placed[job] = Some(route.vehicle);
            }
        }
    }
    let horizon_end = (problem.vehicles().iter())
        .map(|v| v.shift.end)
        .max()
        .unwrap_or(0);
    let now = hub_problem.seconds(hub_problem.now);
    let mut missing: Vec<(i64, usize)> = (0..hub_problem.tickets.len())
        .filter_map(|job| {
            let deadline = problem.jobs()[job].deadline?.at;
            let misses = match placed[job] {
                Some(_) => lateness[job] > 0,
                None => deadline < horizon_end,
            };
            (misses && deadline > now).then_some((deadline, job))
        })
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    missing.sort_unstable();
    let limits = overtime_limits(hub_problem);
    let mut vehicles = problem.vehicles().to_vec();
    let mut calls = Vec::new();
    for (_, job) in missing {
        // What the ticket costs where it is: on its route, or left out.
        let (from, saved) = match placed[job] {
            Some(from) => {
                let rest: Vec<usize> = plan[from].iter().copied().filter(|&j| j != job).collect();
                let (Some(with), Some(without)) = (
                    schedule_as(problem, from, &vehicles[from], &plan[from]),
                    schedule_as(problem, from, &vehicles[from], &rest),
                ) else {
                    continue;
                };
                (Some((from, rest)), cost(&with) - cost(&without))
            }
            // Left out, it will be served late by a later plan: its miss,
            // not the penalty that keeps the core from leaving it out. (At
            // that price a morning plan sent engineers 370 km each way on
            // overtime for tickets no station was near.)
            None => (None, deadline_miss(problem, job)),
        };
        let leaving = from.as_ref().map(|(from, _)| *from);
        let Some((vehicle, jobs, span)) =
            best_call(problem, &vehicles, &limits, &plan, job, (leaving, saved))
        else {
            continue;
        };
        if let Some((from, rest)) = from {
            plan[from] = rest;
        }
        let granted = vehicles[vehicle].max_work.unwrap_or(span);
        calls.push(CallIn {
            job,
            vehicle,
            overtime: (span - granted).max(0),
        });
        vehicles[vehicle].max_work = Some(span.max(granted));
        plan[vehicle] = jobs;
    }
    if calls.is_empty() {
        return Ok(calls);
    }
    let problem = Problem::new(problem.matrix().clone(), problem.jobs().to_vec(), vehicles)?;
    let stats = solution.stats.clone();
    *solution = optimize::build_solution(&problem, &plan);
    solution.stats = stats;
    hub_problem.problem = problem;
    Ok(calls)
}

/// Each vehicle's longest span for the rest of the day with the overtime
/// a plan may ask for: on the planned day, the day's limit and
/// [`MOST_OVERTIME`] less what was worked by "now"; `None` where that
/// grants nothing (a later day, no limit, or the overtime used up).
fn overtime_limits(hub_problem: &HubProblem) -> Vec<Option<i64>> {
    (hub_problem.problem.vehicles().iter().enumerate())
        .map(|(v, vehicle)| {
            let full = i64::from(hub_problem.engineers[v].shift().max_work_minutes()) * 60;
            let current = vehicle.max_work?;
            (hub_problem.days[v] == 0)
                .then(|| full + MOST_OVERTIME - hub_problem.worked[v])
                .filter(|&limit| limit > current)
        })
        .collect()
}

/// A stored day keeps the overtime its plan called engineers in for: each
/// vehicle whose jobs in `plan` fit only past its working limit gets the
/// limit they need, within [`overtime_limits`]. (Re-timed from where
/// everyone is, a day with a call-in could not be continued at all.)
pub(crate) fn keep_overtime(
    hub_problem: &mut HubProblem,
    plan: &Plan,
) -> Result<(), DispatchError> {
    let limits = overtime_limits(hub_problem);
    let problem = &hub_problem.problem;
    let mut vehicles = problem.vehicles().to_vec();
    let mut raised = false;
    for (v, jobs) in plan.iter().enumerate() {
        let Some(limit) = limits[v] else {
            continue;
        };
        if jobs.is_empty() || schedule_as(problem, v, &vehicles[v], jobs).is_some() {
            continue;
        }
        let mut relaxed = vehicles[v].clone();
        relaxed.max_work = Some(limit);
        if let Some(scheduled) = schedule_as(problem, v, &relaxed, jobs) {
            vehicles[v].max_work = Some(scheduled.route.end - scheduled.route.departure);
            raised = true;
        }
    }
    if raised {
        hub_problem.problem =
            Problem::new(problem.matrix().clone(), problem.jobs().to_vec(), vehicles)?;
    }
    Ok(())
}

/// What missing `job`'s on-site deadline costs at all.
fn deadline_miss(problem: &Problem, job: usize) -> i64 {
    problem.jobs()[job].deadline.map_or(0, |d| d.cost(1))
}

/// What a route costs in the objective's terms: lateness, driving and the
/// announced visits it moves.
fn cost(scheduled: &optimize::Scheduled) -> i64 {
    scheduled.lateness_cost + scheduled.travel_cost + scheduled.disruption_cost
}

/// The cheapest route of a planned-day vehicle that serves `job` on time
/// within the vehicle's overtime limit, if it costs less than the ticket
/// costs where it is now (`saved`, on vehicle `from`, or left out): the
/// vehicle, its jobs and the span the route needs. The plan's own prices
/// decide, so overtime keeps a severity-4 request only for a short drive
/// (its miss is priced as 30 km) and a system-down for a long one.
fn best_call(
    problem: &Problem,
    vehicles: &[optimize::Vehicle],
    limits: &[Option<i64>],
    plan: &Plan,
    job: usize,
    (from, saved): (Option<usize>, i64),
) -> Option<(usize, Vec<usize>, i64)> {
    let target = &problem.jobs()[job];
    let mut best: Option<(i64, usize, Vec<usize>, i64)> = None;
    for (v, vehicle) in vehicles.iter().enumerate() {
        let Some(limit) = limits[v] else {
            continue;
        };
        if !vehicle.can_serve(target) {
            continue;
        }
        let Some(before) = schedule_as(problem, v, vehicle, &plan[v]) else {
            continue;
        };
        // Leaving its own route, the ticket's cost there is in `before`.
        let before = cost(&before) + if from == Some(v) { 0 } else { saved };
        let others: Vec<usize> = plan[v].iter().copied().filter(|&j| j != job).collect();
        let mut relaxed = vehicle.clone();
        relaxed.max_work = Some(limit);
        for position in 0..=others.len() {
            let mut jobs = others.clone();
            jobs.insert(position, job);
            let Some(scheduled) = schedule_as(problem, v, &relaxed, &jobs) else {
                continue;
            };
            let on_time = (scheduled.route.stops.iter())
                .any(|s| s.kind == StopKind::Job(job) && s.lateness == 0);
            let change = cost(&scheduled) - before;
            if on_time && change < 0 && best.as_ref().is_none_or(|(b, ..)| change < *b) {
                let span = scheduled.route.end - scheduled.route.departure;
                best = Some((change, v, jobs, span));
            }
        }
    }
    best.map(|(_, v, jobs, span)| (v, jobs, span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{Job, SoftDeadline, TravelMatrix, Vehicle, Window, build_solution};

    const UNASSIGNED: i64 = 1_000_000;

    /// A depot and a site half an hour apart; an engineer whose day's limit
    /// is nearly used.
    fn problem(max_work: i64, deadline: i64) -> Problem {
        let matrix = TravelMatrix::new(2, vec![0, 1800, 1800, 0], vec![0, 1000, 1000, 0]).unwrap();
        let mut job = Job::at(1, 3600);
        job.deadline = Some(SoftDeadline {
            at: deadline,
            penalty_per_unit: 1,
            miss_cost: 0,
        });
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 24 * 3600).unwrap());
        vehicle.max_work = Some(max_work);
        Problem::new(matrix, vec![job], vec![vehicle]).unwrap()
    }

    /// The call for the lone job of `problem` when left out at `saved`,
    /// within `limit`.
    fn call(problem: &Problem, limit: i64, saved: i64) -> Option<(usize, Vec<usize>, i64)> {
        best_call(
            problem,
            problem.vehicles(),
            &[Some(limit)],
            &vec![vec![]],
            0,
            (None, saved),
        )
    }

    #[test]
    fn the_least_overtime_that_keeps_the_deadline_is_granted() {
        // 30 min out, 1 h on site, 30 min back: a 2 h route, 1 h left.
        let problem = problem(3600, 4 * 3600);
        let solution = build_solution(&problem, &vec![vec![]]);
        assert!(!solution.unassigned.is_empty());
        assert_eq!(
            call(&problem, 3600 + MOST_OVERTIME, UNASSIGNED),
            Some((0, vec![0], 2 * 3600))
        );
    }

    #[test]
    fn no_overtime_is_granted_for_a_visit_that_would_still_be_late() {
        // On site at 00:30 at the earliest: a deadline at 00:20 is missed.
        let problem = problem(3600, 1200);
        assert_eq!(call(&problem, 3600 + MOST_OVERTIME, UNASSIGNED), None);
    }

    #[test]
    fn no_more_than_the_most_overtime_is_granted() {
        // The route needs 2 h; the limit with overtime allows 1.5 h.
        let problem = problem(0, 4 * 3600);
        assert_eq!(call(&problem, 5400, UNASSIGNED), None);
    }

    #[test]
    fn no_overtime_is_granted_for_a_drive_that_costs_more_than_the_miss() {
        // Out and back costs 2,000 (a metre each): a ticket whose miss
        // costs 1,500 where it is stays there.
        let problem = problem(3600, 4 * 3600);
        assert_eq!(call(&problem, 3600 + MOST_OVERTIME, 1500), None);
        assert!(call(&problem, 3600 + MOST_OVERTIME, 2500).is_some());
    }
}
