//! VROOM's rules, judged independently of both solvers.
//!
//! [`check`] reads a VROOM solution document (Ruyi's or VROOM's own) and
//! re-derives every time from the steps as written and the model's
//! matrices. Breaks follow VROOM's rule: a break may fall while the vehicle
//! waits, before or after a leg, or part-way along it; the drive to the
//! next place only happens outside breaks, so that place is reached no
//! sooner than the time the vehicle left the previous one plus the breaks
//! taken since plus the travel time, and not before the last break ends.
//! It shares no code with the core's timing ([`crate::optimize::schedule`]).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::build::Model;

/// Judges a VROOM solution document against the model by VROOM's rules:
/// every job once (or listed unassigned), skills, capacity at every step
/// (with `max_tasks`), job and break windows, every break of a used
/// vehicle taken once, travel times from the matrix (driving outside
/// breaks), the vehicle's working hours, `max_travel_time` and
/// `max_distance`. Returns every broken rule.
pub fn check(model: &Model, answer: &Value) -> Result<(), Vec<String>> {
    let mut broken = Vec::new();
    let problem = &model.problem;
    let ticks = model.ticks_per_second;
    let matrix = problem.matrix();
    let vehicle_by_id: HashMap<u64, usize> = model
        .vehicles
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id, i))
        .collect();
    let job_by_id: HashMap<u64, usize> = model
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id, i))
        .collect();
    let mut seen = HashSet::new();
    let empty = Vec::new();
    let time = |step: &Value, key: &str| step[key].as_i64().unwrap_or(0) * ticks;
    for (r, route) in answer["routes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let Some(&v) = route["vehicle"]
            .as_u64()
            .and_then(|id| vehicle_by_id.get(&id))
        else {
            broken.push(format!("route {r}: unknown vehicle"));
            continue;
        };
        let vehicle = &problem.vehicles()[v];
        let steps = route["steps"].as_array().unwrap_or(&empty);
        let breaks: Vec<_> = vehicle.breaks().collect();
        let break_rank: HashMap<u64, usize> = model.vehicles[v]
            .breaks
            .iter()
            .enumerate()
            .map(|(rank, b)| (b.id, rank))
            .collect();
        let mut taken = vec![false; breaks.len()];
        let mut location = vehicle.start;
        // When the vehicle left `location`, the breaks taken since, and
        // when the last step ended.
        let mut left = None::<i64>;
        let mut on_break = 0;
        let mut clock = None::<i64>;
        let mut load = vec![0i64; problem.dimensions()];
        let (mut travel_time, mut metres) = (0i64, 0i64);
        let mut drive = |to: usize, travel_time: &mut i64, metres: &mut i64| {
            *travel_time += matrix.duration(location, to);
            *metres += model
                .distances
                .as_ref()
                .map_or(0, |d| d[location * model.size + to] as i64);
            let leg = matrix.duration(location, to);
            location = to;
            leg
        };
        for (s, step) in steps.iter().enumerate() {
            let here = format!("route {r} step {s}");
            let arrival = time(step, "arrival");
            let start = arrival + time(step, "waiting_time");
            let kind = step["type"].as_str().unwrap_or("");
            // The soonest the vehicle can be at the next place after a leg
            // of `leg`: driving happens outside breaks.
            let soonest = |leg: i64| {
                let driven = left.map_or(arrival, |left| left + on_break + leg);
                clock.map_or(driven, |clock| clock.max(driven))
            };
            match kind {
                "start" => {
                    if arrival < vehicle.shift.start {
                        broken.push(format!("{here}: leaves before the working hours"));
                    }
                    left = Some(arrival);
                    clock = Some(arrival);
                }
                "job" => {
                    let Some(&j) = step["id"].as_u64().and_then(|id| job_by_id.get(&id)) else {
                        broken.push(format!("{here}: unknown job"));
                        continue;
                    };
                    let job = &problem.jobs()[j];
                    let leg = drive(job.location, &mut travel_time, &mut metres);
                    let soonest = soonest(leg);
                    if arrival < soonest {
                        broken.push(format!(
                            "{here}: arrives at {arrival} before it can, {soonest}"
                        ));
                    }
                    if !seen.insert(j) {
                        broken.push(format!("{here}: job served twice"));
                    }
                    if !vehicle.can_serve(job) {
                        broken.push(format!("{here}: the vehicle lacks a skill"));
                    }
                    if !job.windows.iter().any(|w| w.contains(start)) {
                        broken.push(format!("{here}: starts outside the job's windows"));
                    }
                    for (amount, demand) in load.iter_mut().zip(&job.demand) {
                        *amount += demand;
                    }
                    if load.iter().zip(&vehicle.capacity).any(|(l, c)| l > c) {
                        broken.push(format!("{here}: over capacity or max_tasks"));
                    }
                    clock = Some(start + job.service);
                    left = clock;
                    on_break = 0;
                }
                "break" => {
                    let Some(&rank) = step["id"].as_u64().and_then(|id| break_rank.get(&id)) else {
                        broken.push(format!("{here}: a break the vehicle does not have"));
                        continue;
                    };
                    if std::mem::replace(&mut taken[rank], true) {
                        broken.push(format!("{here}: the break is taken twice"));
                    }
                    if clock.is_some_and(|clock| arrival < clock) {
                        broken.push(format!(
                            "{here}: the break begins before the previous step ends"
                        ));
                    }
                    let a_break = breaks[rank];
                    if !a_break.windows.iter().any(|w| w.contains(start)) {
                        broken.push(format!("{here}: break starts outside its windows"));
                    }
                    clock = Some(start + a_break.duration);
                    on_break += a_break.duration;
                }
                "end" => {
                    let leg = vehicle
                        .end
                        .map_or(0, |end| drive(end, &mut travel_time, &mut metres));
                    let soonest = soonest(leg);
                    if arrival < soonest {
                        broken.push(format!(
                            "{here}: arrives at {arrival} before it can, {soonest}"
                        ));
                    }
                    if arrival > vehicle.shift.end {
                        broken.push(format!("{here}: ends after the working hours"));
                    }
                }
                other => broken.push(format!("{here}: unknown step type {other:?}")),
            }
        }
        if vehicle.end.is_none() && clock.is_some_and(|c| c > vehicle.shift.end) {
            broken.push(format!("route {r}: ends after the working hours"));
        }
        if vehicle
            .max_travel_time
            .is_some_and(|limit| travel_time > limit)
        {
            broken.push(format!("route {r}: drives longer than max_travel_time"));
        }
        if vehicle.max_distance.is_some_and(|limit| metres > limit) {
            broken.push(format!("route {r}: drives farther than max_distance"));
        }
        let count = taken.iter().filter(|t| **t).count();
        if count != breaks.len() {
            broken.push(format!(
                "route {r}: {count} of the vehicle's {} breaks taken",
                breaks.len()
            ));
        }
    }
    let unassigned: HashSet<usize> = answer["unassigned"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|u| u["id"].as_u64().and_then(|id| job_by_id.get(&id)).copied())
        .collect();
    for job in 0..problem.jobs().len() {
        if seen.contains(&job) == unassigned.contains(&job) {
            broken.push(format!(
                "job id {}: routed and unassigned do not add up",
                model.jobs[job].id
            ));
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}
