//! Exact timing of one route: the reference evaluation that every solver
//! answer is finally built with. It handles everything the model allows
//! (several windows per job, soft deadlines, breaks placed where they fit
//! best, open routes, maximum working time, travel time and distance), so
//! the search only calls it on rich problems or final answers.
//!
//! Breaks follow VROOM's rule (see [`super::Break`]): a break taken between
//! two places starts as soon as the previous stop is done and one of its
//! windows is open, and the drive is done in the time outside breaks, so
//! over a leg of `travel` from `ready` the next place is reached at
//! `max(end of the breaks, ready + travel + their durations)`
//! ([`leg_arrival`]). Where the breaks go in the sequence is searched: every
//! position for one break (cheapest lateness, then earliest end), the
//! earliest end by dynamic programming for several. A route that is over
//! before its first break opens takes none (a dispatcher's engineer home
//! before lunch) unless the vehicle must take every break
//! ([`Vehicle::take_every_break`], VROOM's rule).

use super::{Break, Problem, Route, Stop, StopKind, Vehicle, Window};

/// A route with its schedule and what it costs.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// The route with a time for every stop.
    pub route: Route,
    /// Cost of arriving past soft deadlines; the route's share of
    /// [`super::Objective::lateness`].
    pub lateness_cost: i64,
    /// Cost of the driving ([`Vehicle::leg_cost`] of the route's distance
    /// and travel time); the vehicle's fixed cost is not included.
    pub travel_cost: i64,
    /// Cost of the announced visits this route moves; the route's share of
    /// [`super::Objective::disruption`].
    pub disruption_cost: i64,
}

/// Start of service at or after `arrival` in the first window that allows it.
#[inline]
pub(crate) fn start_in_windows(windows: &[Window], arrival: i64) -> Option<i64> {
    windows
        .iter()
        .find(|w| arrival <= w.end)
        .map(|w| arrival.max(w.start))
}

/// Latest start at or before `bound` inside one of `windows`.
#[inline]
pub(crate) fn latest_start_in(windows: &[Window], bound: i64) -> Option<i64> {
    windows
        .iter()
        .rev()
        .find(|w| w.start <= bound)
        .map(|w| bound.min(w.end))
}

/// Arrival at the next place when the previous stop is done at `ready`,
/// the drive takes `travel` and `breaks` are taken on the way, in order;
/// `None` when a break finds no window left.
#[inline]
pub(crate) fn leg_arrival<'a>(
    ready: i64,
    travel: i64,
    breaks: impl IntoIterator<Item = &'a Break>,
) -> Option<i64> {
    let mut clock = ready;
    let mut taken = 0;
    for a_break in breaks {
        clock = start_in_windows(&a_break.windows, clock)? + a_break.duration;
        taken += a_break.duration;
    }
    Some(clock.max(ready + taken + travel))
}

/// The latest `ready` for which [`leg_arrival`] is at most `arrive_by`:
/// the inverse of the leg, for latest-start arrays. `None` if no `ready`
/// works.
#[inline]
pub(crate) fn latest_ready<'a>(
    arrive_by: i64,
    travel: i64,
    breaks: impl DoubleEndedIterator<Item = &'a Break>,
) -> Option<i64> {
    let mut bound = arrive_by;
    let mut taken = 0;
    for a_break in breaks.rev() {
        bound = latest_start_in(&a_break.windows, bound - a_break.duration)?;
        taken += a_break.duration;
    }
    Some(bound.min(arrive_by - taken - travel))
}

/// Times the visits in `jobs` for `vehicle`, or `None` when no schedule
/// meets the hard limits (windows, shift, maximum work, breaks).
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
            disruption_cost: 0,
        });
    }
    let breaks: Vec<&Break> = vehicle.breaks().collect();
    let Some(first) = breaks.first() else {
        return forward(problem, vehicle_index, vehicle, jobs, &[], &[]);
    };
    // Without a break if the day is over before the first one opens.
    if !vehicle.take_every_break
        && let Some(plain) = forward(problem, vehicle_index, vehicle, jobs, &breaks, &[])
        && plain.route.end <= first.windows[0].start
    {
        return Some(plain);
    }
    if breaks.len() == 1 {
        // Every position: the least lateness, then the earliest end.
        return (0..=jobs.len())
            .filter_map(|position| {
                forward(problem, vehicle_index, vehicle, jobs, &breaks, &[position])
            })
            .min_by_key(|s| (s.lateness_cost + s.disruption_cost, s.route.end));
    }
    let placement = earliest_placement(problem, vehicle, jobs, &breaks)?;
    forward(problem, vehicle_index, vehicle, jobs, &breaks, &placement)
}

/// Where to take several breaks so the route ends earliest: for each
/// position in the route and number of breaks taken so far, the earliest
/// time the previous stop is done (earlier is never worse: every later
/// time only grows with it). Exact for feasibility and end time; with soft
/// deadlines or a maximum working time it is a good placement, not
/// necessarily the best. Returns the position (index of the job the break
/// comes before, `jobs.len()` for the end) of each break.
fn earliest_placement(
    problem: &Problem,
    vehicle: &Vehicle,
    jobs: &[usize],
    breaks: &[&Break],
) -> Option<Vec<usize>> {
    const NONE: i64 = i64::MAX;
    let matrix = problem.matrix();
    let count = breaks.len();
    let mut ready = vec![NONE; count + 1];
    ready[0] = vehicle.shift.start;
    // came_from[position][taken]: breaks taken before this position's.
    let mut came_from: Vec<Vec<usize>> = Vec::with_capacity(jobs.len() + 1);
    let mut place = vehicle.start;
    for position in 0..=jobs.len() {
        let job = jobs.get(position).map(|&j| &problem.jobs()[j]);
        let travel = match (job, vehicle.end) {
            (Some(job), _) => matrix.duration(place, job.location),
            (None, Some(end)) => matrix.duration(place, end),
            (None, None) => 0,
        };
        let mut next = vec![NONE; count + 1];
        let mut origin = vec![usize::MAX; count + 1];
        for taken in 0..=count {
            if ready[taken] == NONE {
                continue;
            }
            // At the end every break left is taken.
            let fewest = if job.is_some() { 0 } else { count - taken };
            for more in fewest..=count - taken {
                let Some(arrival) = leg_arrival(
                    ready[taken],
                    travel,
                    breaks[taken..taken + more].iter().copied(),
                ) else {
                    break;
                };
                let done = match job {
                    Some(job) => match start_in_windows(&job.windows, arrival) {
                        Some(start) => start + job.service,
                        None => break,
                    },
                    None => arrival,
                };
                if done < next[taken + more] {
                    next[taken + more] = done;
                    origin[taken + more] = taken;
                }
            }
        }
        came_from.push(origin);
        ready = next;
        if let Some(job) = job {
            place = job.location;
        }
    }
    if ready[count] == NONE || ready[count] > vehicle.shift.end {
        return None;
    }
    let mut placement = vec![0; count];
    let mut taken = count;
    for position in (0..=jobs.len()).rev() {
        let before = came_from[position][taken];
        for slot in &mut placement[before..taken] {
            *slot = position;
        }
        taken = before;
    }
    Some(placement)
}

/// Times the route with break `r` taken on the way to position
/// `placement[r]` (the job of that index, or the end); only the first
/// `placement.len()` breaks are taken.
fn forward(
    problem: &Problem,
    vehicle_index: usize,
    vehicle: &Vehicle,
    jobs: &[usize],
    breaks: &[&Break],
    placement: &[usize],
) -> Option<Scheduled> {
    let matrix = problem.matrix();
    let mut stops = Vec::with_capacity(jobs.len() + placement.len());
    let mut location = vehicle.start;
    let mut clock = vehicle.shift.start;
    let mut departure = vehicle.shift.start;
    let mut distance = 0;
    let mut travel_time = 0;
    let mut load = vec![0i64; problem.dimensions()];
    let mut next_break = 0;
    for position in 0..=jobs.len() {
        let job = jobs.get(position).map(|&j| (j, &problem.jobs()[j]));
        let target = match job {
            Some((_, job)) => Some(job.location),
            None => vehicle.end,
        };
        let leg = target.map_or(0, |to| matrix.duration(location, to));
        if let Some(to) = target {
            distance += matrix.distance(location, to);
            travel_time += leg;
        }
        // Breaks on the way: the drive fills the wait before each.
        let mut left = leg;
        while next_break < placement.len() && placement[next_break] == position {
            let a_break = breaks[next_break];
            let start = start_in_windows(&a_break.windows, clock)?;
            let arrival = if start > clock {
                let driven = (start - clock).min(left);
                left -= driven;
                clock + driven
            } else {
                clock
            };
            stops.push(Stop {
                kind: StopKind::Break,
                arrival,
                start,
                departure: start + a_break.duration,
                lateness: 0,
            });
            clock = start + a_break.duration;
            next_break += 1;
        }
        let Some((job_index, job)) = job else {
            clock += left;
            break;
        };
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
        let mut arrival = clock + left;
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
    let end = clock;
    if next_break < placement.len()
        || end > vehicle.shift.end
        || vehicle.max_work.is_some_and(|m| end - departure > m)
        || vehicle.max_travel_time.is_some_and(|m| travel_time > m)
        || vehicle.max_distance.is_some_and(|m| distance > m)
    {
        return None;
    }
    let lateness_cost = stops
        .iter()
        .filter_map(|s| match s.kind {
            StopKind::Job(j) => problem.jobs()[j].deadline.map(|d| d.cost(s.lateness)),
            StopKind::Break => None,
        })
        .sum();
    let disruption_cost = stops
        .iter()
        .filter_map(|s| match s.kind {
            StopKind::Job(j) => problem.jobs()[j]
                .announced
                .map(|a| a.cost_of(vehicle_index, s.start)),
            StopKind::Break => None,
        })
        .sum();
    Some(Scheduled {
        travel_cost: vehicle.leg_cost(distance, travel_time),
        lateness_cost,
        disruption_cost,
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

#[cfg(test)]
mod tests {
    use super::super::{Job, TravelMatrix};
    use super::*;
    use proptest::prelude::*;

    fn lunch(windows: &[(i64, i64)], duration: i64) -> Break {
        Break {
            windows: windows
                .iter()
                .map(|&(s, e)| Window::new(s, e).unwrap())
                .collect(),
            duration,
        }
    }

    /// Depot 0 and sites 1, 2 on a line: 0 -60- 1 -60- 2.
    fn line(jobs: Vec<Job>, vehicle: Vehicle) -> Problem {
        let size = 3;
        let cells: Vec<i64> = (0..size * size)
            .map(|i| 60 * ((i / size) as i64 - (i % size) as i64).abs())
            .collect();
        Problem::new(
            TravelMatrix::new(size, cells.clone(), cells).unwrap(),
            jobs,
            vec![vehicle],
        )
        .unwrap()
    }

    fn job(location: usize, service: i64, window: (i64, i64)) -> Job {
        let mut job = Job::at(location, service);
        job.windows = vec![Window::new(window.0, window.1).unwrap()];
        job
    }

    fn kinds(s: &Scheduled) -> Vec<StopKind> {
        s.route.stops.iter().map(|s| s.kind).collect()
    }

    #[test]
    fn a_break_is_taken_while_waiting_for_a_visit() {
        // Leave at 0, reach site 1 at 60; the visit opens at 200, the
        // break (30) opens at 100: drive, wait, break at 100, visit at 200.
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap());
        vehicle.lunch = Some(lunch(&[(100, 150)], 30));
        let problem = line(vec![job(1, 10, (200, 300))], vehicle);
        let s = schedule(&problem, 0, &[0]).unwrap();
        assert_eq!(kinds(&s), vec![StopKind::Break, StopKind::Job(0)]);
        let (lunch, visit) = (s.route.stops[0], s.route.stops[1]);
        assert_eq!(
            (lunch.arrival, lunch.start, lunch.departure),
            (60, 100, 130)
        );
        assert_eq!((visit.arrival, visit.start), (130, 200));
        assert_eq!(s.route.end, 270);
    }

    #[test]
    fn a_break_is_taken_before_a_leg_when_it_is_open() {
        // The visit at site 1 ends at 110; the break is open right away and
        // the visit at site 2 must start by 200: break 110–140, drive 60.
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap());
        vehicle.lunch = Some(lunch(&[(100, 115)], 30));
        let problem = line(vec![job(1, 50, (0, 60)), job(2, 10, (0, 200))], vehicle);
        let s = schedule(&problem, 0, &[0, 1]).unwrap();
        assert_eq!(
            kinds(&s),
            vec![StopKind::Job(0), StopKind::Break, StopKind::Job(1)]
        );
        let (lunch, visit) = (s.route.stops[1], s.route.stops[2]);
        assert_eq!(
            (lunch.arrival, lunch.start, lunch.departure),
            (110, 110, 140)
        );
        assert_eq!(visit.arrival, 200);
    }

    #[test]
    fn a_break_that_opens_mid_drive_splits_the_leg() {
        // Done at site 1 at 60 (no wait), the break opens at 90: drive 30,
        // break 90–120, drive the other 30, reach site 2 at 150. Taking the
        // break before the drive (VROOM allows that too) would be later.
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap());
        vehicle.lunch = Some(lunch(&[(90, 95)], 30));
        let problem = line(vec![job(1, 0, (0, 60)), job(2, 0, (0, 150))], vehicle);
        let s = schedule(&problem, 0, &[0, 1]).unwrap();
        let (lunch, visit) = (s.route.stops[1], s.route.stops[2]);
        assert_eq!(lunch.kind, StopKind::Break);
        assert_eq!((lunch.arrival, lunch.start), (90, 90));
        assert_eq!(visit.arrival, 150);
    }

    #[test]
    fn a_break_is_taken_after_a_leg_on_arrival() {
        // Site 2 is reached at 120 and must be visited by 130, the break
        // only opens at 140: visit first, then the break on the way home.
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 1000).unwrap());
        vehicle.lunch = Some(lunch(&[(140, 400)], 30));
        let problem = line(vec![job(2, 10, (0, 130))], vehicle);
        let s = schedule(&problem, 0, &[0]).unwrap();
        assert_eq!(kinds(&s), vec![StopKind::Job(0), StopKind::Break]);
        let lunch = s.route.stops[1];
        // Done at 130, drives 10 of the 120 home, breaks 140–170.
        assert_eq!(
            (lunch.arrival, lunch.start, lunch.departure),
            (140, 140, 170)
        );
        assert_eq!(s.route.end, 280);
    }

    #[test]
    fn several_breaks_are_all_taken_in_order() {
        let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 2000).unwrap());
        vehicle.lunch = Some(lunch(&[(100, 300)], 30));
        vehicle.further_breaks = vec![lunch(&[(400, 600)], 15)];
        let problem = line(
            vec![job(1, 100, (0, 1000)), job(2, 100, (0, 1000))],
            vehicle,
        );
        let s = schedule(&problem, 0, &[0, 1]).unwrap();
        let breaks: Vec<&Stop> = s
            .route
            .stops
            .iter()
            .filter(|s| s.kind == StopKind::Break)
            .collect();
        assert_eq!(breaks.len(), 2);
        assert!(breaks[0].start >= 100 && breaks[0].departure - breaks[0].start == 30);
        assert!(breaks[1].start >= 400 && breaks[1].departure - breaks[1].start == 15);
        super::super::check(
            &problem,
            &super::super::construction::build_solution(&problem, &vec![vec![0, 1]]),
        )
        .unwrap();
    }

    fn windows_strategy() -> impl Strategy<Value = Vec<(i64, i64)>> {
        proptest::collection::vec((0i64..400, 0i64..80), 1..4).prop_map(|raw| {
            let mut windows = Vec::new();
            let mut at = 0;
            for (gap, width) in raw {
                let start = at + gap;
                windows.push((start, start + width));
                at = start + width + 1;
            }
            windows
        })
    }

    proptest! {
        /// `latest_ready` inverts `leg_arrival`: the latest ready time it
        /// gives arrives in time, one unit later does not.
        #[test]
        fn latest_ready_is_the_exact_inverse_of_the_leg(
            first in windows_strategy(),
            second in windows_strategy(),
            durations in (0i64..60, 0i64..60),
            travel in 0i64..200,
            arrive_by in 0i64..2000,
            two in any::<bool>(),
        ) {
            let mut breaks = vec![lunch(&first, durations.0)];
            if two {
                let last = breaks[0].windows.last().unwrap().end;
                let shifted: Vec<(i64, i64)> =
                    second.iter().map(|&(s, e)| (s + last + 1, e + last + 1)).collect();
                breaks.push(lunch(&shifted, durations.1));
            }
            let arrives = |ready: i64| {
                leg_arrival(ready, travel, &breaks).is_some_and(|a| a <= arrive_by)
            };
            match latest_ready(arrive_by, travel, breaks.iter()) {
                Some(ready) => {
                    prop_assert!(arrives(ready), "{ready} should arrive by {arrive_by}");
                    prop_assert!(!arrives(ready + 1));
                }
                None => prop_assert!((-100..2000).all(|r| !arrives(r))),
            }
        }
    }
}
