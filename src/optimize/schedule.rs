//! Exact timing of one route: the reference evaluation that every solver
//! answer is finally built with. It handles everything the model allows
//! (several windows per job, soft deadlines, a lunch break placed at its best
//! position, open routes, maximum working time, travel time and distance) in O(n²) for a route of n
//! stops, so the search only calls it on short routes or final answers.

use super::{Problem, Route, Stop, StopKind, Vehicle};

/// A route with its schedule and what it costs.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub route: Route,
    pub lateness_cost: i64,
    pub travel_cost: i64,
}

/// Start of service at or after `arrival` in the first window that allows it.
#[inline]
fn start_in_windows(windows: &[super::Window], arrival: i64) -> Option<i64> {
    windows
        .iter()
        .find(|w| arrival <= w.end)
        .map(|w| arrival.max(w.start))
}

/// Times the visits in `jobs` for `vehicle`, or `None` when no schedule
/// meets the hard limits (windows, shift, maximum work, lunch).
pub fn schedule(problem: &Problem, vehicle_index: usize, jobs: &[usize]) -> Option<Scheduled> {
    schedule_as(
        problem,
        vehicle_index,
        &problem.vehicles()[vehicle_index],
        jobs,
    )
}

/// [`schedule`] for `vehicle` standing in for vehicle `vehicle_index` —
/// to ask what-if questions (a longer shift, say) without a new problem.
pub fn schedule_as(
    problem: &Problem,
    vehicle_index: usize,
    vehicle: &Vehicle,
    jobs: &[usize],
) -> Option<Scheduled> {
    if jobs.is_empty() {
        return Some(Scheduled {
            route: Route {
                vehicle: vehicle_index,
                stops: Vec::new(),
                departure: vehicle.shift.start,
                end: vehicle.shift.start,
                distance: 0,
                travel_time: 0,
            },
            lateness_cost: 0,
            travel_cost: 0,
        });
    }
    let Some(lunch) = &vehicle.lunch else {
        return forward(problem, vehicle_index, vehicle, jobs, None);
    };
    // Without a break if the day is over before lunch opens; otherwise at the
    // position that is feasible with the least lateness, then earliest end.
    if let Some(plain) = forward(problem, vehicle_index, vehicle, jobs, None)
        && plain.route.end <= lunch.windows[0].start
    {
        return Some(plain);
    }
    (0..=jobs.len())
        .filter_map(|position| forward(problem, vehicle_index, vehicle, jobs, Some(position)))
        .min_by_key(|s| (s.lateness_cost, s.route.end))
}

fn forward(
    problem: &Problem,
    vehicle_index: usize,
    vehicle: &Vehicle,
    jobs: &[usize],
    break_before: Option<usize>,
) -> Option<Scheduled> {
    let matrix = problem.matrix();
    let mut stops = Vec::with_capacity(jobs.len() + 1);
    let mut location = vehicle.start;
    let mut clock = vehicle.shift.start;
    let mut departure = vehicle.shift.start;
    let mut distance = 0;
    let mut travel_time = 0;
    let mut load = vec![0i64; problem.dimensions()];
    for position in 0..=jobs.len() {
        if break_before == Some(position) {
            let lunch = vehicle.lunch.as_ref()?;
            let start = start_in_windows(&lunch.windows, clock)?;
            stops.push(Stop {
                kind: StopKind::Break,
                arrival: clock,
                start,
                departure: start + lunch.duration,
                lateness: 0,
            });
            clock = start + lunch.duration;
        }
        let Some(&job_index) = jobs.get(position) else {
            break;
        };
        let job = &problem.jobs()[job_index];
        if !vehicle.can_serve(job) {
            return None;
        }
        for (amount, (demand, capacity)) in load
            .iter_mut()
            .zip(job.demand.iter().zip(&vehicle.capacity))
        {
            *amount += demand;
            if *amount > *capacity {
                return None;
            }
        }
        let leg = matrix.duration(location, job.location);
        distance += matrix.distance(location, job.location);
        travel_time += leg;
        let mut arrival = clock + leg;
        let start = start_in_windows(&job.windows, arrival)?;
        if stops.is_empty() && start > arrival {
            // Leave later rather than wait at the first visit, but never so
            // late that the arrival misses a deadline it would have met.
            let slack = job.deadline.map_or(i64::MAX, |d| (d.at - arrival).max(0));
            let delay = (start - arrival).min(slack);
            departure += delay;
            arrival += delay;
        }
        let lateness = job.deadline.map_or(0, |d| (arrival - d.at).max(0));
        stops.push(Stop {
            kind: StopKind::Job(job_index),
            arrival,
            start,
            departure: start + job.service,
            lateness,
        });
        clock = start + job.service;
        location = job.location;
    }
    let end = match vehicle.end {
        Some(end_location) => {
            let leg = matrix.duration(location, end_location);
            distance += matrix.distance(location, end_location);
            travel_time += leg;
            clock + leg
        }
        None => clock,
    };
    if end > vehicle.shift.end
        || vehicle.max_work.is_some_and(|m| end - departure > m)
        || vehicle.max_travel_time.is_some_and(|m| travel_time > m)
        || vehicle.max_distance.is_some_and(|m| distance > m)
    {
        return None;
    }
    let lateness_cost = stops
        .iter()
        .filter_map(|s| match s.kind {
            StopKind::Job(j) => problem.jobs()[j]
                .deadline
                .map(|d| s.lateness * d.penalty_per_unit),
            StopKind::Break => None,
        })
        .sum();
    Some(Scheduled {
        travel_cost: vehicle.leg_cost(distance, travel_time),
        lateness_cost,
        route: Route {
            vehicle: vehicle_index,
            stops,
            departure,
            end,
            distance,
            travel_time,
        },
    })
}
