//! Break timing, VROOM's way.
//!
//! The core takes a break where the previous stop was, then drives on.
//! VROOM drives on first and takes the break on arrival at the next place
//! (or at the end location), so waiting for a task's window can be spent on
//! the break. The same job order can be feasible under one rule and not the
//! other, so the answer is re-timed under VROOM's rule ([`vroom_route`]),
//! and [`check`] judges any VROOM answer (Ruyi's or VROOM's own) by VROOM's
//! rule, independently of both solvers.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::VroomError;
use super::build::Model;
use crate::optimize::{Route, Stop, StopKind, Window};

/// Start at or after `ready` inside one of `windows`.
fn start_in(windows: &[Window], ready: i64) -> Option<i64> {
    windows
        .iter()
        .find(|w| ready <= w.end)
        .map(|w| ready.max(w.start))
}

/// The route's jobs timed under VROOM's break rule, with the vehicle's
/// break (if any) placed where the day ends earliest; the core's
/// departure is tried first, then the start of the working hours. A route
/// without a break is returned as it is (both rules agree).
pub fn vroom_route(model: &Model, route: &Route) -> Result<Route, VroomError> {
    let vehicle = &model.problem.vehicles()[route.vehicle];
    if vehicle.lunch.is_none() || route.stops.is_empty() {
        return Ok(route.clone());
    }
    let jobs: Vec<usize> = route.jobs().collect();
    let mut best: Option<Route> = None;
    for departure in [route.departure, vehicle.shift.start] {
        for position in 0..=jobs.len() {
            if let Some(timed) = simulate(model, route.vehicle, &jobs, departure, position)
                && best.as_ref().is_none_or(|b| timed.end < b.end)
            {
                best = Some(timed);
            }
        }
        if best.is_some() {
            break;
        }
    }
    best.ok_or_else(|| {
        VroomError::unsupported(
            format!("vehicles[{}].breaks", route.vehicle),
            "Ruyi's plan takes this break before driving on, and no place in the route fits VROOM's rule (drive, then break); widen the break's time_windows",
        )
    })
}

/// Times `jobs` with the break taken on arrival at job `break_at` (or at
/// the end when `break_at == jobs.len()`), `None` if a window or the
/// working hours are missed.
fn simulate(
    model: &Model,
    vehicle_index: usize,
    jobs: &[usize],
    departure: i64,
    break_at: usize,
) -> Option<Route> {
    let problem = &model.problem;
    let vehicle = &problem.vehicles()[vehicle_index];
    let lunch = vehicle.lunch.as_ref()?;
    let matrix = problem.matrix();
    let mut stops = Vec::with_capacity(jobs.len() + 1);
    let (mut location, mut clock) = (vehicle.start, departure);
    let (mut distance, mut travel_time) = (0, 0);
    let take_break = |arrival: i64, stops: &mut Vec<Stop>| -> Option<i64> {
        let start = start_in(&lunch.windows, arrival)?;
        stops.push(Stop {
            kind: StopKind::Break,
            arrival,
            start,
            departure: start + lunch.duration,
            lateness: 0,
        });
        Some(start + lunch.duration)
    };
    for (position, &job_index) in jobs.iter().enumerate() {
        let job = &problem.jobs()[job_index];
        travel_time += matrix.duration(location, job.location);
        distance += matrix.distance(location, job.location);
        let mut arrival = clock + matrix.duration(location, job.location);
        location = job.location;
        if position == break_at {
            arrival = take_break(arrival, &mut stops)?;
        }
        let start = start_in(&job.windows, arrival)?;
        stops.push(Stop {
            kind: StopKind::Job(job_index),
            arrival,
            start,
            departure: start + job.service,
            lateness: 0,
        });
        clock = start + job.service;
    }
    let mut end = clock;
    if let Some(end_location) = vehicle.end {
        travel_time += matrix.duration(location, end_location);
        distance += matrix.distance(location, end_location);
        end += matrix.duration(location, end_location);
    }
    if break_at == jobs.len() {
        end = take_break(end, &mut stops)?;
    }
    (end <= vehicle.shift.end).then_some(Route {
        vehicle: vehicle_index,
        stops,
        departure,
        end,
        distance,
        travel_time,
    })
}

/// Judges a VROOM solution document against the model by VROOM's rules:
/// every job once (or listed unassigned), skills, capacity at every step
/// (with `max_tasks`), job and break windows, every break of a used
/// vehicle taken, travel times from the matrix (drive, then break), the
/// vehicle's working hours. Returns every broken rule.
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
        // Where each step happens: a break happens where the next task or
        // the end is (VROOM drives first).
        let place = |s: usize| -> Option<usize> {
            match steps[s]["type"].as_str()? {
                "job" => Some(problem.jobs()[*job_by_id.get(&steps[s]["id"].as_u64()?)?].location),
                "end" => vehicle.end,
                _ => None,
            }
        };
        let mut location = vehicle.start;
        let mut clock = None::<i64>;
        let mut load = vec![0i64; problem.dimensions()];
        let mut breaks = 0;
        let (mut travel_time, mut metres) = (0i64, 0i64);
        for (s, step) in steps.iter().enumerate() {
            let here = format!("route {r} step {s}");
            let arrival = time(step, "arrival");
            let start = arrival + time(step, "waiting_time");
            let kind = step["type"].as_str().unwrap_or("");
            if kind == "start" {
                if arrival < vehicle.shift.start {
                    broken.push(format!("{here}: leaves before the working hours"));
                }
                clock = Some(arrival);
                continue;
            }
            let next = if kind == "break" {
                (s + 1..steps.len()).find_map(place).unwrap_or(location)
            } else {
                place(s).unwrap_or(location)
            };
            let ready = clock.unwrap_or(arrival) + matrix.duration(location, next);
            travel_time += matrix.duration(location, next);
            metres += model
                .distances
                .as_ref()
                .map_or(0, |d| d[location * model.size + next] as i64);
            location = next;
            if arrival < ready {
                broken.push(format!(
                    "{here}: arrives at {arrival} before it can, {ready}"
                ));
            }
            match kind {
                "job" => {
                    let Some(&j) = step["id"].as_u64().and_then(|id| job_by_id.get(&id)) else {
                        broken.push(format!("{here}: unknown job"));
                        continue;
                    };
                    let job = &problem.jobs()[j];
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
                }
                "break" => {
                    breaks += 1;
                    let Some(lunch) = &vehicle.lunch else {
                        broken.push(format!("{here}: a break the vehicle does not have"));
                        continue;
                    };
                    if !lunch.windows.iter().any(|w| w.contains(start)) {
                        broken.push(format!("{here}: break starts outside its windows"));
                    }
                    clock = Some(start + lunch.duration);
                }
                "end" => {
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
        if breaks != usize::from(vehicle.lunch.is_some()) {
            broken.push(format!("route {r}: {breaks} breaks taken"));
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
