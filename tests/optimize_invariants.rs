//! The optimization core's invariants on random problems: every answer
//! passes the independent checker, the same seed gives the same answer, a
//! job is left out only when no single insertion could take it, and each
//! reason for leaving one out is true.
//!
//! Problems are drawn over every feature the model has (several windows,
//! soft deadlines, skills, teams, two capacity dimensions, one or two
//! breaks, taken always or only by a day that reaches them, maximum working
//! time, travel time and distance, open routes, fixed costs), small enough
//! that an exhaustive insertion check is cheap. A second property leaves
//! out soft deadlines and working-time limits, so that the search checks
//! insertions with its exact arrays instead of timing each route.

use std::time::Duration;

use proptest::prelude::*;
use ruyi::optimize::{
    self, Break, Job, Problem, SoftDeadline, Solution, SolveParams, TravelMatrix, UnassignedReason,
    Vehicle, Window, schedule,
};

/// Points on a 100 × 100 grid; durations and distances are Euclidean
/// (rounded up, so the triangle inequality holds within rounding).
fn matrix(points: &[(i64, i64)]) -> TravelMatrix {
    let size = points.len();
    let mut cells = Vec::with_capacity(size * size);
    for a in points {
        for b in points {
            let (dx, dy) = ((a.0 - b.0) as f64, (a.1 - b.1) as f64);
            cells.push((dx * dx + dy * dy).sqrt().ceil() as i64);
        }
    }
    TravelMatrix::new(size, cells.clone(), cells).unwrap()
}

#[derive(Debug, Clone)]
struct JobSpec {
    point: (i64, i64),
    service: i64,
    windows: Vec<(i64, i64)>,
    deadline: Option<i64>,
    skill: Option<u32>,
    team: Option<u32>,
    demand: (i64, i64),
}

#[derive(Debug, Clone)]
struct VehicleSpec {
    depot: usize,
    open: bool,
    shift: (i64, i64),
    skills: u64,
    team: Option<u32>,
    capacity: (i64, i64),
    breaks: usize,
    take_every_break: bool,
    max_work: Option<i64>,
    max_travel_time: Option<i64>,
    max_distance: Option<i64>,
    fixed_cost: i64,
}

fn job_spec() -> impl Strategy<Value = JobSpec> {
    (
        (0i64..100, 0i64..100),
        0i64..40,
        prop::collection::vec((0i64..400, 20i64..200), 1..3),
        prop::option::of(50i64..500),
        prop::option::of(0u32..3),
        prop::option::weighted(0.3, 0u32..2),
        (0i64..6, 0i64..3),
    )
        .prop_map(
            |(point, service, raw_windows, deadline, skill, team, demand)| {
                // Sorted, disjoint windows from (start, length) pairs.
                let mut windows: Vec<(i64, i64)> = Vec::new();
                let mut starts: Vec<(i64, i64)> = raw_windows;
                starts.sort();
                for (start, length) in starts {
                    let start = windows.last().map_or(start, |w| start.max(w.1 + 1));
                    windows.push((start, start + length));
                }
                JobSpec {
                    point,
                    service,
                    windows,
                    deadline,
                    skill,
                    team,
                    demand,
                }
            },
        )
}

fn vehicle_spec() -> impl Strategy<Value = VehicleSpec> {
    (
        (0usize..2, prop::bool::weighted(0.2)),
        (0i64..100, 300i64..700),
        0u64..8,
        prop::option::weighted(0.5, 0u32..2),
        (4i64..15, 2i64..8),
        (
            prop::sample::select(vec![0usize, 0, 0, 1, 1, 2]),
            any::<bool>(),
        ),
        (
            prop::option::weighted(0.3, 150i64..500),
            prop::option::weighted(0.3, 80i64..300),
            prop::option::weighted(0.3, 80i64..300),
        ),
        prop::sample::select(vec![0i64, 0, 500]),
    )
        .prop_map(
            |(
                (depot, open),
                shift,
                skills,
                team,
                capacity,
                (breaks, take_every_break),
                (max_work, max_travel_time, max_distance),
                fixed_cost,
            )| VehicleSpec {
                depot,
                open,
                shift,
                skills,
                team,
                capacity,
                breaks,
                take_every_break,
                max_work,
                max_travel_time,
                max_distance,
                fixed_cost,
            },
        )
}

/// The problem of `jobs` and `vehicles`; `exact` leaves out soft deadlines
/// and working-time limits.
fn build(jobs: &[JobSpec], vehicles: &[VehicleSpec], exact: bool) -> Problem {
    let depots = [(20, 30), (70, 60)];
    let points: Vec<(i64, i64)> = depots
        .iter()
        .copied()
        .chain(jobs.iter().map(|j| j.point))
        .collect();
    let jobs = jobs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let mut job = Job::at(depots.len() + index, spec.service);
            job.windows = spec
                .windows
                .iter()
                .map(|&(start, end)| Window::new(start, end).unwrap())
                .collect();
            job.deadline = spec.deadline.filter(|_| !exact).map(|at| SoftDeadline {
                at,
                penalty_per_unit: 3,
                miss_cost: 500,
            });
            job.skills = spec.skill.map_or(0, |s| 1 << s);
            job.teams = spec.team.into_iter().collect();
            job.demand = vec![spec.demand.0, spec.demand.1];
            job.unassigned_penalty = 100_000;
            job
        })
        .collect();
    let vehicles = vehicles
        .iter()
        .map(|spec| {
            let shift = Window::new(spec.shift.0, spec.shift.0 + spec.shift.1).unwrap();
            let mut vehicle = Vehicle::new(spec.depot, (!spec.open).then_some(spec.depot), shift);
            vehicle.skills = spec.skills;
            vehicle.team = spec.team;
            vehicle.capacity = vec![spec.capacity.0, spec.capacity.1];
            vehicle.max_work = spec.max_work.filter(|_| !exact);
            vehicle.max_travel_time = spec.max_travel_time;
            vehicle.max_distance = spec.max_distance;
            vehicle.fixed_cost = spec.fixed_cost;
            let mut breaks = [
                Break {
                    windows: vec![Window::new(200, 260).unwrap()],
                    duration: 30,
                },
                Break {
                    windows: vec![
                        Window::new(330, 360).unwrap(),
                        Window::new(400, 450).unwrap(),
                    ],
                    duration: 20,
                },
            ]
            .into_iter()
            .take(spec.breaks);
            vehicle.lunch = breaks.next();
            vehicle.further_breaks = breaks.collect();
            vehicle.take_every_break = spec.take_every_break;
            vehicle
        })
        .collect();
    Problem::new(matrix(&points), jobs, vehicles).unwrap()
}

fn solve(problem: &Problem, seed: u64) -> Solution {
    optimize::solve_by_work_only(
        problem,
        &SolveParams {
            seed,
            time_limit: Duration::from_millis(300),
        },
    )
}

/// A job is left out only when no route could take it, at any position,
/// and its stated reason is true.
fn assert_left_out_for_a_reason(problem: &Problem, solution: &Solution) {
    let routes: Vec<Vec<usize>> = (0..problem.vehicles().len())
        .map(|v| {
            solution
                .routes
                .iter()
                .find(|r| r.vehicle == v)
                .map(|r| r.jobs().collect())
                .unwrap_or_default()
        })
        .collect();
    for unassigned in &solution.unassigned {
        let job = &problem.jobs()[unassigned.job];
        let qualified: Vec<usize> = (0..problem.vehicles().len())
            .filter(|&v| problem.vehicles()[v].can_serve(job))
            .collect();
        match unassigned.reason {
            UnassignedReason::NoVehicleWithSkills => {
                assert!(
                    qualified.is_empty(),
                    "job {} has a qualified vehicle",
                    unassigned.job
                )
            }
            UnassignedReason::ExceedsCapacity => assert!(qualified.iter().all(|&v| {
                job.demand
                    .iter()
                    .zip(&problem.vehicles()[v].capacity)
                    .any(|(d, c)| d > c)
            })),
            UnassignedReason::Unreachable => assert!(
                qualified
                    .iter()
                    .all(|&v| schedule(problem, v, &[unassigned.job]).is_none()),
                "job {} is said unreachable but fits an empty route",
                unassigned.job
            ),
            UnassignedReason::NoRoom => {}
        }
        // The penalty outweighs any cost here, so a feasible insertion
        // would always have been taken.
        for &v in &qualified {
            for position in 0..=routes[v].len() {
                let mut route = routes[v].clone();
                route.insert(position, unassigned.job);
                assert!(
                    schedule(problem, v, &route).is_none(),
                    "job {} left out ({:?}) but fits vehicle {v} at position {position}",
                    unassigned.job,
                    unassigned.reason
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_answer_is_feasible_repeatable_and_leaves_out_only_what_cannot_fit(
        jobs in prop::collection::vec(job_spec(), 1..18),
        vehicles in prop::collection::vec(vehicle_spec(), 1..4),
        seed in 0u64..1000,
        exact in any::<bool>(),
    ) {
        let problem = build(&jobs, &vehicles, exact);
        let solution = solve(&problem, seed);
        let objective = optimize::check(&problem, &solution)
            .map_err(|v| TestCaseError::fail(format!("{v:?}")))?;
        prop_assert_eq!(objective, solution.objective);
        let again = solve(&problem, seed);
        prop_assert_eq!(&again.routes, &solution.routes);
        prop_assert_eq!(again.objective, solution.objective);
        assert_left_out_for_a_reason(&problem, &solution);
        if let Some(bound) = &solution.bound {
            prop_assert!(bound.value <= solution.objective.total() as f64 + 1e-6);
        }
    }
}

#[test]
fn a_distance_limit_splits_the_work_and_a_travel_time_limit_leaves_out_the_far_job() {
    // Four jobs on a line 30 and 60 units either side of the depot.
    let points = [(50, 50), (20, 50), (80, 50), (10, 50), (90, 50)];
    let jobs: Vec<Job> = (1..points.len()).map(|l| Job::at(l, 5)).collect();
    let day = Window::new(0, 10_000).unwrap();
    let vehicle = |max_distance, max_travel_time| {
        let mut v = Vehicle::new(0, Some(0), day);
        v.max_distance = max_distance;
        v.max_travel_time = max_travel_time;
        v
    };
    // One vehicle covers everything in 160; capped at 100 each, two are needed.
    let problem = Problem::new(
        matrix(&points),
        jobs.clone(),
        vec![vehicle(Some(100), None), vehicle(Some(100), None)],
    )
    .unwrap();
    let solution = solve(&problem, 1);
    optimize::check(&problem, &solution).unwrap();
    assert!(solution.unassigned.is_empty());
    let used: Vec<_> = solution
        .routes
        .iter()
        .filter(|r| !r.stops.is_empty())
        .collect();
    assert_eq!(used.len(), 2);
    assert!(used.iter().all(|r| r.distance <= 100));

    // Travel time 90: the round trips to 10 and 90 (80 each) fit only alone.
    let problem = Problem::new(matrix(&points), jobs, vec![vehicle(None, Some(90))]).unwrap();
    let solution = solve(&problem, 1);
    optimize::check(&problem, &solution).unwrap();
    assert!(solution.routes.iter().all(|r| r.travel_time <= 90));
    assert_eq!(solution.unassigned.len(), 2);
    assert!(
        solution
            .unassigned
            .iter()
            .all(|u| u.reason == UnassignedReason::NoRoom)
    );
}

#[test]
fn a_negative_limit_is_refused_by_name() {
    let mut vehicle = Vehicle::new(0, Some(0), Window::new(0, 100).unwrap());
    vehicle.max_distance = Some(-1);
    let error = Problem::new(
        matrix(&[(0, 0), (1, 1)]),
        vec![Job::at(1, 0)],
        vec![vehicle],
    )
    .unwrap_err();
    assert!(error.to_string().contains("max_distance"), "{error}");
}

/// A job released at 100 (its ticket reported then, or the plan made
/// then): the solver waits for it, and the checker refuses a solution
/// whose visit starts earlier even though the start lies in the job's own
/// window.
#[test]
fn no_visit_starts_before_its_release_and_the_checker_refuses_one_that_does() {
    let points = [(0, 0), (10, 0)];
    let mut job = Job::at(1, 5);
    job.release = Some(100);
    let day = Window::new(0, 1_000).unwrap();
    let problem = Problem::new(
        matrix(&points),
        vec![job],
        vec![Vehicle::new(0, Some(0), day)],
    )
    .unwrap();
    let solution = solve(&problem, 1);
    optimize::check(&problem, &solution).unwrap();
    let stop = &solution.routes[0].stops[0];
    assert!(stop.start >= 100, "starts at {}", stop.start);

    // The same route moved to start at 10, as a planner ignoring the
    // release would: the checker names the release.
    let mut early = solution.clone();
    let route = &mut early.routes[0];
    let shift = route.stops[0].start - 10;
    for stop in &mut route.stops {
        stop.arrival -= shift;
        stop.start -= shift;
        stop.departure -= shift;
    }
    route.departure = 0;
    route.end -= shift;
    let refused = optimize::check(&problem, &early).unwrap_err();
    assert!(
        refused
            .iter()
            .any(|v| v.to_string().contains("before its release")),
        "{refused:?}"
    );
}
