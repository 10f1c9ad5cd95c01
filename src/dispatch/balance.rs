//! Rule: balance. The work of a station's engineers on a day should be
//! spread evenly, so the plan's objective counts, besides driving and
//! lateness, a convex penalty on each engineer's working time above the
//! mean of their station that day ([`BALANCE_COST_PER_SECOND`]).
//!
//! The penalty enters twice: in the assignment MIP (`over ≥ load − mean`,
//! see [`super::assignment`]), and here, after the core's search — which
//! minimises driving and lateness only, and so tends to pile a station's
//! visits onto fewer engineers (one tour is shorter than two) — as a
//! descent that moves a visit from an engineer above the station's mean to
//! one below it wherever that lowers driving + lateness + penalty. Each
//! move is timed exactly with the core's schedule, so the routes stay
//! feasible; the caller re-checks the result with the independent checker.

use crate::optimize::{Plan, Problem, Solution, StopKind, route_cost, schedule};

/// Cost of one second of an engineer's working time above their station's
/// mean, in routing cost units (metres): an hour above the mean weighs
/// like 18 km of driving — about what sending an idle engineer of the
/// same station out and back across a city costs, so the descent does
/// move work to them. At 2 (7.2 km an hour) it seldom did: on the national
/// day (`ruyi bench dispatch`) the stations' mean spread went from 262 to
/// 256 minutes, at 5 to 243 (see the README for the figures).
pub const BALANCE_COST_PER_SECOND: f64 = 5.0;
/// Moves tried per group at most: a bound on the pass's work on big hubs.
const MAX_MOVES_PER_GROUP: usize = 200;

/// Working seconds of a route: leaving the base to coming back (or the
/// last visit), lunch excluded; 0 for an engineer without visits.
pub fn working_seconds(problem: &Problem, vehicle: usize, jobs: &[usize]) -> Option<i64> {
    if jobs.is_empty() {
        return Some(0);
    }
    let timed = schedule(problem, vehicle, jobs)?;
    let lunch: i64 = timed
        .route
        .stops
        .iter()
        .filter(|stop| stop.kind == StopKind::Break)
        .map(|stop| stop.departure - stop.start)
        .sum();
    Some(timed.route.end - timed.route.departure - lunch)
}

/// The job sequence of every vehicle in `solution` (empty for the unused).
pub fn plan_of(problem: &Problem, solution: &Solution) -> Plan {
    let mut plan: Plan = vec![Vec::new(); problem.vehicles().len()];
    for route in &solution.routes {
        plan[route.vehicle] = route
            .stops
            .iter()
            .filter_map(|stop| match stop.kind {
                StopKind::Job(job) => Some(job),
                StopKind::Break => None,
            })
            .collect();
    }
    plan
}

/// The penalty of a group: Σ max(0, seconds − mean) · cost per second.
fn penalty(seconds: &[i64], cost_per_second: f64) -> f64 {
    let mean = seconds.iter().sum::<i64>() as f64 / seconds.len().max(1) as f64;
    seconds
        .iter()
        .map(|&s| (s as f64 - mean).max(0.0))
        .sum::<f64>()
        * cost_per_second
}

/// The groups to balance: vehicles sharing a group number, two or more.
pub fn members(groups: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (vehicle, group) in groups.iter().enumerate() {
        if let Some(g) = *group {
            if members.len() <= g {
                members.resize(g + 1, Vec::new());
            }
            members[g].push(vehicle);
        }
    }
    members.retain(|m| m.len() > 1);
    members
}

/// A move: job at `from[index]` to `to` at `position`, and what it saves.
struct Move {
    saving: f64,
    from: usize,
    index: usize,
    to: usize,
    position: usize,
}

/// Moves visits between engineers of the same group while that lowers
/// driving + lateness + the balance penalty. `plan` must be feasible; it
/// stays feasible.
pub fn rebalance(
    problem: &Problem,
    plan: &mut Plan,
    groups: &[Option<usize>],
    cost_per_second: f64,
) {
    if cost_per_second <= 0.0 {
        return;
    }
    for group in members(groups) {
        let mut cost: Vec<i64> = group
            .iter()
            .map(|&v| route_cost(problem, v, &plan[v]).expect("the plan is feasible"))
            .collect();
        let mut seconds: Vec<i64> = group
            .iter()
            .map(|&v| working_seconds(problem, v, &plan[v]).expect("the plan is feasible"))
            .collect();
        for _ in 0..MAX_MOVES_PER_GROUP {
            let mean = seconds.iter().sum::<i64>() as f64 / seconds.len() as f64;
            let before = penalty(&seconds, cost_per_second);
            let mut best: Option<(Move, i64, i64, i64, i64)> = None;
            for (a, &from) in group.iter().enumerate() {
                if (seconds[a] as f64) <= mean {
                    continue;
                }
                for index in 0..plan[from].len() {
                    let mut shorter = plan[from].clone();
                    let job = shorter.remove(index);
                    let (Some(from_cost), Some(from_seconds)) = (
                        route_cost(problem, from, &shorter),
                        working_seconds(problem, from, &shorter),
                    ) else {
                        continue;
                    };
                    for (b, &to) in group.iter().enumerate() {
                        if (seconds[b] as f64) >= mean
                            || !problem.vehicles()[to].can_serve(&problem.jobs()[job])
                        {
                            continue;
                        }
                        for position in 0..=plan[to].len() {
                            let mut longer = plan[to].clone();
                            longer.insert(position, job);
                            let (Some(to_cost), Some(to_seconds)) = (
                                route_cost(problem, to, &longer),
                                working_seconds(problem, to, &longer),
                            ) else {
                                continue;
                            };
                            let mut after = seconds.clone();
                            after[a] = from_seconds;
                            after[b] = to_seconds;
                            let routing = (from_cost + to_cost - cost[a] - cost[b]) as f64;
                            let saving = before - penalty(&after, cost_per_second) - routing;
                            if saving > 0.0 && best.as_ref().is_none_or(|(m, ..)| saving > m.saving)
                            {
                                best = Some((
                                    Move {
                                        saving,
                                        from: a,
                                        index,
                                        to: b,
                                        position,
                                    },
                                    from_cost,
                                    to_cost,
                                    from_seconds,
                                    to_seconds,
                                ));
                            }
                        }
                    }
                }
            }
            let Some((chosen, from_cost, to_cost, from_seconds, to_seconds)) = best else {
                break;
            };
            let job = plan[group[chosen.from]].remove(chosen.index);
            plan[group[chosen.to]].insert(chosen.position, job);
            cost[chosen.from] = from_cost;
            cost[chosen.to] = to_cost;
            seconds[chosen.from] = from_seconds;
            seconds[chosen.to] = to_seconds;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{Job, TravelMatrix, Vehicle, Window};

    /// Six sites 1 km apart on a line from a shared base; two engineers.
    fn street() -> Problem {
        let size = 7;
        let metres: Vec<i64> = (0..size * size)
            .map(|i| 1000 * ((i / size) as i64 - (i % size) as i64).abs())
            .collect();
        let seconds: Vec<i64> = metres.iter().map(|m| m / 10).collect();
        let jobs = (1..size).map(|l| Job::at(l, 3600)).collect();
        let vehicles = vec![Vehicle::new(0, Some(0), Window::new(0, 12 * 3600).unwrap()); 2];
        Problem::new(
            TravelMatrix::new(size, seconds, metres).unwrap(),
            jobs,
            vehicles,
        )
        .unwrap()
    }

    #[test]
    fn moves_visits_from_the_busy_engineer_to_the_idle_one() {
        let problem = street();
        let mut plan = vec![vec![0, 1, 2, 3, 4, 5], vec![]];
        let groups = vec![Some(0), Some(0)];
        rebalance(&problem, &mut plan, &groups, BALANCE_COST_PER_SECOND);
        let hours: Vec<i64> = (0..2)
            .map(|v| working_seconds(&problem, v, &plan[v]).unwrap() / 3600)
            .collect();
        assert!(plan[1].len() >= 2, "{plan:?}");
        assert!((hours[0] - hours[1]).abs() <= 1, "{hours:?}");
    }

    #[test]
    fn engineers_of_different_groups_are_left_alone() {
        let problem = street();
        let mut plan = vec![vec![0, 1, 2, 3, 4, 5], vec![]];
        rebalance(
            &problem,
            &mut plan,
            &[Some(0), Some(1)],
            BALANCE_COST_PER_SECOND,
        );
        assert_eq!(plan, vec![vec![0, 1, 2, 3, 4, 5], vec![]]);
        rebalance(&problem, &mut plan, &[Some(0), Some(0)], 0.0);
        assert_eq!(plan[1], Vec::<usize>::new());
    }
}
