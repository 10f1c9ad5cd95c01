//! An independent feasibility checker. It shares no code with the solver's
//! evaluation: it re-reads the problem and re-derives every time, load and
//! cost from the routes as written, so a bug in the solver's incremental
//! bookkeeping cannot hide itself. Every solver result in the tests goes
//! through [`check`].

use std::collections::HashSet;

use super::{Objective, Problem, Solution, StopKind};

/// One broken rule, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(pub String);

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a solution against its problem; on success returns the objective
/// recomputed from scratch (which must equal the one the solution states).
pub fn check(problem: &Problem, solution: &Solution) -> Result<Objective, Vec<Violation>> {
    let mut violations = Vec::new();
    let mut fail = |message: String| violations.push(Violation(message));
    let matrix = problem.matrix();
    let jobs = problem.jobs();
    let mut seen = HashSet::new();
    let mut used_vehicles = HashSet::new();
    let mut objective = Objective::default();

    for (route_index, route) in solution.routes.iter().enumerate() {
        let Some(vehicle) = problem.vehicles().get(route.vehicle) else {
            fail(format!(
                "route {route_index}: vehicle {} does not exist",
                route.vehicle
            ));
            continue;
        };
        if !used_vehicles.insert(route.vehicle) {
            fail(format!(
                "route {route_index}: vehicle {} has two routes",
                route.vehicle
            ));
        }
        if route.stops.is_empty() {
            continue;
        }
        let name = format!("route {route_index} (vehicle {})", route.vehicle);
        if route.departure < vehicle.shift.start {
            fail(format!(
                "{name}: leaves at {} before its shift starts at {}",
                route.departure, vehicle.shift.start
            ));
        }
        let breaks: Vec<_> = vehicle.breaks().collect();
        let mut location = vehicle.start;
        // When the vehicle left `location`, the breaks taken since, and
        // when the last stop (visit or break) ended: driving happens only
        // outside breaks, so the next place is reached no sooner than
        // `left + breaks + travel`, and not before the last break ends.
        let mut left = route.departure;
        let mut on_break = 0;
        let mut clock = route.departure;
        let mut load = vec![0i64; problem.dimensions()];
        let mut distance = 0;
        let mut travel_time = 0;
        let mut taken = 0;
        for (position, stop) in route.stops.iter().enumerate() {
            let here = format!("{name} stop {position}");
            match stop.kind {
                StopKind::Job(job_index) => {
                    let Some(job) = jobs.get(job_index) else {
                        fail(format!("{here}: job {job_index} does not exist"));
                        continue;
                    };
                    if !seen.insert(job_index) {
                        fail(format!("{here}: job {job_index} is visited twice"));
                    }
                    if job.skills & !vehicle.skills != 0 {
                        fail(format!(
                            "{here}: vehicle lacks a skill job {job_index} needs"
                        ));
                    }
                    if let Some(team) = vehicle.team
                        && !job.teams.is_empty()
                        && !job.teams.contains(&team)
                    {
                        fail(format!(
                            "{here}: team {team} is not among job {job_index}'s candidates"
                        ));
                    }
                    let leg = matrix.duration(location, job.location);
                    distance += matrix.distance(location, job.location);
                    travel_time += leg;
                    let soonest = clock.max(left + on_break + leg);
                    if stop.arrival < soonest {
                        fail(format!(
                            "{here}: arrives at {} but cannot be there before {soonest}",
                            stop.arrival
                        ));
                    }
                    if stop.start < stop.arrival {
                        fail(format!(
                            "{here}: starts at {} before arriving at {}",
                            stop.start, stop.arrival
                        ));
                    }
                    if job.release.is_some_and(|release| stop.start < release) {
                        fail(format!(
                            "{here}: job {job_index} starts at {} before its release at {}",
                            stop.start,
                            job.release.unwrap_or_default()
                        ));
                    }
                    if !job.windows.iter().any(|w| w.contains(stop.start)) {
                        fail(format!(
                            "{here}: job {job_index} starts at {} outside its windows",
                            stop.start
                        ));
                    }
                    if stop.departure != stop.start + job.service {
                        fail(format!(
                            "{here}: leaves at {} but service ends at {}",
                            stop.departure,
                            stop.start + job.service
                        ));
                    }
                    let lateness = job.deadline.map_or(0, |d| (stop.arrival - d.at).max(0));
                    if lateness != stop.lateness {
                        fail(format!(
                            "{here}: states lateness {} but is {lateness} late",
                            stop.lateness
                        ));
                    }
                    objective.lateness += job.deadline.map_or(0, |d| match lateness > 0 {
                        true => d.miss_cost + lateness * d.penalty_per_unit,
                        false => 0,
                    });
                    // Written out, not `Announcement::cost_of`: the checker
                    // prices on its own.
                    if let Some(announced) = job.announced
                        && (announced.vehicle != route.vehicle
                            || stop.start - announced.start > announced.slack)
                    {
                        objective.disruption += announced.cost;
                    }
                    for (amount, demand) in load.iter_mut().zip(&job.demand) {
                        *amount += demand;
                    }
                    location = job.location;
                    left = stop.departure;
                    on_break = 0;
                }
                StopKind::Break => {
                    let Some(lunch) = breaks.get(taken) else {
                        fail(format!(
                            "{here}: break {} on a vehicle that has {}",
                            taken + 1,
                            breaks.len()
                        ));
                        continue;
                    };
                    taken += 1;
                    if stop.arrival < clock || stop.start < stop.arrival {
                        fail(format!(
                            "{here}: break starts at {} before the previous stop ends at {clock}",
                            stop.start
                        ));
                    }
                    if !lunch.windows.iter().any(|w| w.contains(stop.start)) {
                        fail(format!(
                            "{here}: break starts at {} outside its windows",
                            stop.start
                        ));
                    }
                    if stop.departure != stop.start + lunch.duration {
                        fail(format!(
                            "{here}: break ends at {} instead of {}",
                            stop.departure,
                            stop.start + lunch.duration
                        ));
                    }
                    on_break += lunch.duration;
                }
            }
            clock = stop.departure;
        }
        let end = match vehicle.end {
            Some(end_location) => {
                let leg = matrix.duration(location, end_location);
                distance += matrix.distance(location, end_location);
                travel_time += leg;
                clock.max(left + on_break + leg)
            }
            None => clock,
        };
        if route.end != end {
            fail(format!(
                "{name}: states its end at {} but reaches it at {end}",
                route.end
            ));
        }
        if end > vehicle.shift.end {
            fail(format!(
                "{name}: ends at {end} after its shift ends at {}",
                vehicle.shift.end
            ));
        }
        if let Some(max_work) = vehicle.max_work
            && end - route.departure > max_work
        {
            fail(format!(
                "{name}: works {} past its limit of {max_work}",
                end - route.departure
            ));
        }
        if let Some(first) = breaks.first() {
            let opens = first.windows[0].start;
            if taken == 0 && (end > opens || vehicle.take_every_break) {
                fail(format!(
                    "{name}: takes none of its {} breaks (ends at {end}, the first opens at {opens})",
                    breaks.len()
                ));
            } else if taken > 0 && taken < breaks.len() {
                fail(format!(
                    "{name}: takes {taken} of its {} breaks",
                    breaks.len()
                ));
            }
        }
        for (dimension, (amount, capacity)) in load.iter().zip(&vehicle.capacity).enumerate() {
            if amount > capacity {
                fail(format!(
                    "{name}: carries {amount} in dimension {dimension}, capacity {capacity}"
                ));
            }
        }
        if distance != route.distance {
            fail(format!(
                "{name}: states distance {} but drives {distance}",
                route.distance
            ));
        }
        if travel_time != route.travel_time {
            fail(format!(
                "{name}: states travel time {} but drives {travel_time}",
                route.travel_time
            ));
        }
        if let Some(limit) = vehicle.max_travel_time
            && travel_time > limit
        {
            fail(format!(
                "{name}: drives {travel_time}, past its travel-time limit of {limit}"
            ));
        }
        if let Some(limit) = vehicle.max_distance
            && distance > limit
        {
            fail(format!(
                "{name}: drives a distance of {distance}, past its limit of {limit}"
            ));
        }
        objective.travel += vehicle.leg_cost(distance, travel_time);
        objective.fixed += vehicle.fixed_cost;
    }

    let mut listed = HashSet::new();
    for unassigned in &solution.unassigned {
        if unassigned.job >= jobs.len() {
            fail(format!("unassigned job {} does not exist", unassigned.job));
            continue;
        }
        if seen.contains(&unassigned.job) {
            fail(format!(
                "job {} is both routed and unassigned",
                unassigned.job
            ));
        }
        if !listed.insert(unassigned.job) {
            fail(format!("job {} is listed unassigned twice", unassigned.job));
        }
        objective.unassigned += jobs[unassigned.job].unassigned_penalty;
    }
    for job in 0..jobs.len() {
        if !seen.contains(&job) && !listed.contains(&job) {
            fail(format!("job {job} is neither routed nor listed unassigned"));
        }
    }
    if objective != solution.objective {
        fail(format!(
            "stated objective {:?} differs from the recomputed {objective:?}",
            solution.objective
        ));
    }
    if violations.is_empty() {
        Ok(objective)
    } else {
        Err(violations)
    }
}
