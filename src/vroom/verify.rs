//! Reads a VROOM solution document back onto a [`Model`], so the core's
//! independent checker can judge it: Ruyi's own answers in the tests, and
//! VROOM's (e.g. pyvroom's) answers to the same document, side by side.
//!
//! Times are read as VROOM reports them (whole seconds), so documents with
//! a `speed_factor` whose scaled legs are not whole seconds cannot be read
//! back exactly.

use std::collections::HashMap;

use serde_json::Value;

use super::VroomError;
use super::build::Model;
use crate::optimize::{self, Objective, Route, Solution, Stop, StopKind, Violation};

/// The answer as a core solution over `model.problem`.
pub fn read_answer(model: &Model, answer: &Value) -> Result<Solution, VroomError> {
    let problem = &model.problem;
    let ticks = model.ticks_per_second;
    let bad = |field: String, message: &str| VroomError::invalid(field, message.to_string());
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
    let number = |value: &Value, field: String| {
        value
            .as_u64()
            .map(|v| v as i64)
            .ok_or_else(|| bad(field, "expected a whole number"))
    };
    let mut routes = Vec::new();
    let mut objective = Objective::default();
    let empty = Vec::new();
    for (r, route) in answer["routes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let field = |name: &str| format!("routes[{r}].{name}");
        let vehicle_id = number(&route["vehicle"], field("vehicle"))? as u64;
        let vehicle_index = *vehicle_by_id
            .get(&vehicle_id)
            .ok_or_else(|| bad(field("vehicle"), "no such vehicle"))?;
        let vehicle = &problem.vehicles()[vehicle_index];
        let steps = route["steps"]
            .as_array()
            .ok_or_else(|| bad(field("steps"), "expected an array"))?;
        let mut stops = Vec::new();
        let mut departure = None;
        let mut end = None;
        let mut location = vehicle.start;
        let (mut distance, mut travel_time) = (0, 0);
        for (s, step) in steps.iter().enumerate() {
            let field = |name: &str| format!("routes[{r}].steps[{s}].{name}");
            let arrival = number(&step["arrival"], field("arrival"))? * ticks;
            let waiting = step
                .get("waiting_time")
                .map_or(Ok(0), |w| number(w, field("waiting_time")))?
                * ticks;
            match step["type"].as_str() {
                Some("start") => departure = Some(arrival),
                Some("job") => {
                    let id = number(&step["id"], field("id"))? as u64;
                    let job_index = *job_by_id
                        .get(&id)
                        .ok_or_else(|| bad(field("id"), "no such job"))?;
                    let job = &problem.jobs()[job_index];
                    distance += problem.matrix().distance(location, job.location);
                    travel_time += problem.matrix().duration(location, job.location);
                    location = job.location;
                    stops.push(Stop {
                        kind: StopKind::Job(job_index),
                        arrival,
                        start: arrival + waiting,
                        departure: arrival + waiting + job.service,
                        lateness: 0,
                    });
                }
                Some("break") => {
                    let duration = vehicle.lunch.as_ref().map_or(0, |l| l.duration);
                    stops.push(Stop {
                        kind: StopKind::Break,
                        arrival,
                        start: arrival + waiting,
                        departure: arrival + waiting + duration,
                        lateness: 0,
                    });
                }
                Some("end") => end = Some(arrival),
                _ => return Err(bad(field("type"), "not start, job, break or end")),
            }
        }
        if let Some(end_location) = vehicle.end {
            distance += problem.matrix().distance(location, end_location);
            travel_time += problem.matrix().duration(location, end_location);
        }
        let departure = departure.unwrap_or(vehicle.shift.start);
        let end = end.unwrap_or_else(|| stops.last().map_or(departure, |s| s.departure));
        if !stops.is_empty() {
            objective.travel += vehicle.leg_cost(distance, travel_time);
            objective.fixed += vehicle.fixed_cost;
        }
        routes.push(Route {
            vehicle: vehicle_index,
            stops,
            departure,
            end,
            distance,
            travel_time,
        });
    }
    let mut unassigned = Vec::new();
    for (u, task) in answer["unassigned"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let id = number(&task["id"], format!("unassigned[{u}].id"))? as u64;
        let job = *job_by_id
            .get(&id)
            .ok_or_else(|| bad(format!("unassigned[{u}].id"), "no such job"))?;
        objective.unassigned += problem.jobs()[job].unassigned_penalty;
        unassigned.push(optimize::Unassigned {
            job,
            reason: optimize::UnassignedReason::NoRoom,
        });
    }
    Ok(Solution {
        routes,
        unassigned,
        objective,
        bound: None,
        stats: Default::default(),
    })
}

/// Reads the answer and runs the independent checker on it: `Ok` with the
/// objective when every route keeps every rule of the model.
pub fn check_answer(model: &Model, answer: &Value) -> Result<Objective, Vec<Violation>> {
    let solution = read_answer(model, answer).map_err(|e| vec![Violation(e.to_string())])?;
    optimize::check(&model.problem, &solution)
}
