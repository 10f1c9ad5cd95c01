//! The dispatch desk's rule, as a baseline: tickets in report order, each
//! to the nearest qualified engineer who can still take it. The dispatch
//! benchmark and the simulation's `greedy` policy measure Ruyi against it.

use super::HubProblem;
use crate::optimize::{self, Plan};

/// The baseline's plan: tickets in report order, each appended to the route
/// of the qualified engineer nearest to where that route now ends, among
/// those whose day can still take it.
pub fn greedy_plan(hub_problem: &HubProblem) -> Plan {
    let problem = &hub_problem.problem;
    let (jobs, vehicles, matrix) = (problem.jobs(), problem.vehicles(), problem.matrix());
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| (hub_problem.tickets[j].reported_at(), j));
    let mut plan: Plan = vec![Vec::new(); vehicles.len()];
    for job in order {
        let mut best: Option<(i64, usize)> = None;
        for (v, vehicle) in vehicles.iter().enumerate() {
            if !vehicle.can_serve(&jobs[job]) {
                continue;
            }
            let here = plan[v].last().map_or(vehicle.start, |&j| jobs[j].location);
            let minutes = matrix.duration(here, jobs[job].location);
            if best.is_some_and(|(b, _)| minutes >= b) {
                continue;
            }
            plan[v].push(job);
            if optimize::route_cost(problem, v, &plan[v]).is_some() {
                best = Some((minutes, v));
            }
            plan[v].pop();
        }
        if let Some((_, v)) = best {
            plan[v].push(job);
        }
    }
    plan
}
