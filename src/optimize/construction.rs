//! Insertion heuristics on exact route timing, and the reasons for jobs that
//! stay out. Used to seed the search and, for rich problems, as its repair.

use super::schedule::{Scheduled, schedule};
use super::{Objective, Problem, Solution, SolveStats, Unassigned, UnassignedReason};

/// Routes as job sequences, one per vehicle.
pub type Plan = Vec<Vec<usize>>;

/// Regret-2 insertion: repeatedly insert the job whose best and second-best
/// insertion differ most (it has the most to lose by waiting), at its best
/// place. Jobs that fit nowhere, or cost more than their penalty, stay out.
/// The search builds its start the same way; this whole-problem form is a
/// reference for the tests.
#[cfg(test)]
pub fn solve_by_insertion(problem: &Problem) -> Solution {
    let mut plan: Plan = vec![Vec::new(); problem.vehicles().len()];
    let mut costs: Vec<i64> = (0..plan.len())
        .map(|v| route_cost(problem, v, &plan[v]).unwrap_or(0))
        .collect();
    let mut open: Vec<usize> = (0..problem.jobs().len()).collect();
    loop {
        // (regret, -best delta, job, vehicle, position)
        let mut chosen: Option<(i64, i64, usize, usize, usize)> = None;
        for &job in &open {
            let mut best: Option<(i64, usize, usize)> = None;
            let mut second = i64::MAX;
            for vehicle in 0..plan.len() {
                if !problem.vehicles()[vehicle].can_serve(&problem.jobs()[job]) {
                    continue;
                }
                let mut best_here = i64::MAX;
                let mut best_position = 0;
                for position in 0..=plan[vehicle].len() {
                    let mut candidate = plan[vehicle].clone();
                    candidate.insert(position, job);
                    if let Some(cost) = route_cost(problem, vehicle, &candidate) {
                        let delta = cost - costs[vehicle];
                        if delta < best_here {
                            best_here = delta;
                            best_position = position;
                        }
                    }
                }
                if best_here == i64::MAX {
                    continue;
                }
                match best {
                    Some((b, _, _)) if best_here >= b => second = second.min(best_here),
                    _ => {
                        if let Some((b, _, _)) = best {
                            second = second.min(b);
                        }
                        best = Some((best_here, vehicle, best_position));
                    }
                }
            }
            let Some((delta, vehicle, position)) = best else {
                continue;
            };
            if delta > problem.jobs()[job].unassigned_penalty {
                continue;
            }
            let regret = if second == i64::MAX {
                i64::MAX
            } else {
                second - delta
            };
            let key = (regret, -delta, job, vehicle, position);
            if chosen.is_none_or(|c| (key.0, key.1) > (c.0, c.1)) {
                chosen = Some(key);
            }
        }
        let Some((_, _, job, vehicle, position)) = chosen else {
            break;
        };
        plan[vehicle].insert(position, job);
        costs[vehicle] =
            route_cost(problem, vehicle, &plan[vehicle]).expect("insertion was feasible");
        open.retain(|j| *j != job);
    }
    build_solution(problem, &plan)
}

/// The cost of one route (fixed + travel + lateness), or `None` if infeasible.
pub fn route_cost(problem: &Problem, vehicle: usize, jobs: &[usize]) -> Option<i64> {
    if jobs.is_empty() {
        return Some(0);
    }
    let s = schedule(problem, vehicle, jobs)?;
    Some(
        problem.vehicles()[vehicle].fixed_cost
            + s.travel_cost
            + s.lateness_cost
            + s.disruption_cost,
    )
}

/// Turns job sequences into a full solution with schedules, reasons for the
/// jobs left out, and the objective.
///
/// # Panics
/// If a route is infeasible: callers pass only plans they have checked.
pub fn build_solution(problem: &Problem, plan: &Plan) -> Solution {
    let mut objective = Objective::default();
    let mut routes = Vec::new();
    let mut routed = vec![false; problem.jobs().len()];
    for (vehicle, jobs) in plan.iter().enumerate() {
        if jobs.is_empty() {
            continue;
        }
        let Scheduled {
            route,
            lateness_cost,
            travel_cost,
            disruption_cost,
        } = schedule(problem, vehicle, jobs).expect("plans passed to build_solution are feasible");
        objective.travel += travel_cost;
        objective.lateness += lateness_cost;
        objective.disruption += disruption_cost;
        objective.fixed += problem.vehicles()[vehicle].fixed_cost;
        for &job in jobs {
            routed[job] = true;
        }
        routes.push(route);
    }
    let unassigned: Vec<Unassigned> = (0..problem.jobs().len())
        .filter(|j| !routed[*j])
        .map(|job| Unassigned {
            job,
            reason: reason_unassigned(problem, job),
        })
        .collect();
    objective.unassigned = unassigned
        .iter()
        .map(|u| problem.jobs()[u.job].unassigned_penalty)
        .sum();
    Solution {
        routes,
        unassigned,
        objective,
        bound: None,
        stats: SolveStats::default(),
    }
}

/// Why a job is out, found by trying it alone on every vehicle.
pub fn reason_unassigned(problem: &Problem, job_index: usize) -> UnassignedReason {
    let job = &problem.jobs()[job_index];
    let qualified: Vec<usize> = (0..problem.vehicles().len())
        .filter(|v| problem.vehicles()[*v].can_serve(job))
        .collect();
    if qualified.is_empty() {
        return UnassignedReason::NoVehicleWithSkills;
    }
    let fits = |v: &usize| {
        job.demand
            .iter()
            .zip(&problem.vehicles()[*v].capacity)
            .all(|(d, c)| d <= c)
    };
    if !qualified.iter().any(fits) {
        return UnassignedReason::ExceedsCapacity;
    }
    if !qualified
        .iter()
        .filter(|v| fits(v))
        .any(|v| schedule(problem, *v, &[job_index]).is_some())
    {
        return UnassignedReason::Unreachable;
    }
    UnassignedReason::NoRoom
}

#[cfg(test)]
mod tests {
    use super::super::{Job, TravelMatrix, Vehicle, Window, check};
    use super::*;

    /// Four points on a line, 10 apart; the depot at 0.
    fn line_problem(jobs: Vec<Job>, vehicles: Vec<Vehicle>) -> Problem {
        let size = 4;
        let mut cells = vec![0; size * size];
        for i in 0..size {
            for j in 0..size {
                cells[i * size + j] = 10 * (i as i64 - j as i64).abs();
            }
        }
        Problem::new(
            TravelMatrix::new(size, cells.clone(), cells).unwrap(),
            jobs,
            vehicles,
        )
        .unwrap()
    }

    #[test]
    fn routes_every_job_it_can_and_passes_the_checker() {
        let jobs = vec![Job::at(1, 5), Job::at(2, 5), Job::at(3, 5)];
        let vehicles = vec![Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap())];
        let problem = line_problem(jobs, vehicles);
        let solution = solve_by_insertion(&problem);
        assert!(solution.unassigned.is_empty());
        assert_eq!(solution.distance(), 60);
        check(&problem, &solution).unwrap();
    }

    #[test]
    fn gives_a_reason_for_each_job_left_out() {
        let mut needs_skill = Job::at(1, 5);
        needs_skill.skills = 0b10;
        let mut too_late = Job::at(3, 5);
        too_late.windows = vec![Window::new(0, 5).unwrap()];
        let vehicles = vec![Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap())];
        let problem = line_problem(vec![needs_skill, too_late, Job::at(2, 1)], vehicles);
        let solution = solve_by_insertion(&problem);
        check(&problem, &solution).unwrap();
        let reasons: Vec<_> = solution
            .unassigned
            .iter()
            .map(|u| (u.job, u.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (0, UnassignedReason::NoVehicleWithSkills),
                (1, UnassignedReason::Unreachable)
            ]
        );
    }
}
