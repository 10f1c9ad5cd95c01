//! The optimization core: vehicle routing with time windows, skills,
//! capacities, shifts, breaks and soft deadlines.
//!
//! Pure and deterministic: no IO, no async runtime, no database, no clock
//! other than the elapsed-time safety net. Locations are indices into a
//! [`TravelMatrix`]; the same seed and input give the same plan.
//!
//! This module is a facade: callers (dispatch, coverage, the VROOM
//! adapter, the benchmarks) see the model ([`Problem`], [`Job`],
//! [`Vehicle`], [`TravelMatrix`]), the answer ([`Solution`] and its
//! routes), the solvers ([`solve`], [`solve_from`], [`solve_by_work_only`]
//! with [`SolveParams`]), the independent [`check`], and the exact timing
//! and cost of one route ([`schedule`], [`route_cost`], [`build_solution`]).
//! Inside, one room per concern: the validated model (`problem`), routes
//! and objective (`solution`), exact timing of a route, the reference
//! evaluation (`schedule`), insertion heuristics and reasons for left-out
//! jobs (`construction`), ruin and recreate under simulated annealing
//! (`search`), set partitioning over the routes the search met, a MIP
//! (`recombine`), a lower bound from the assignment relaxation, an LP
//! (`bound`), and the checker, which shares no code with the solver
//! (`checker`).
//!
//! A problem of two customers and one vehicle, solved and checked:
//!
//! ```
//! use std::time::Duration;
//! use ruyi::optimize::{self, Job, Problem, SolveParams, TravelMatrix, Vehicle, Window};
//!
//! // A depot (0) and two sites (1, 2); durations and distances alike.
//! let cells = vec![0, 10, 20, 10, 0, 15, 20, 15, 0];
//! let matrix = TravelMatrix::new(3, cells.clone(), cells)?;
//! let jobs = vec![Job::at(1, 5), Job::at(2, 5)];
//! let vehicles = vec![Vehicle::new(0, Some(0), Window::new(0, 100)?)];
//! let problem = Problem::new(matrix, jobs, vehicles)?;
//!
//! let params = SolveParams { seed: 1, time_limit: Duration::from_millis(50) };
//! let solution = optimize::solve(&problem, &params);
//! let objective = optimize::check(&problem, &solution).expect("a feasible plan");
//! assert!(solution.unassigned.is_empty());
//! assert_eq!(solution.distance(), 45); // depot → 1 → 2 → depot
//! assert_eq!(objective.travel, 45);
//! # Ok::<(), ruyi::optimize::OptimizeError>(())
//! ```
#![warn(missing_docs)]

mod bound;
mod checker;
mod construction;
mod problem;
mod recombine;
mod schedule;
mod search;
mod solution;

pub use checker::{Violation, check};
pub use construction::{Plan, build_solution, route_cost};
pub use problem::{Announcement, Break, Job, Problem, SoftDeadline, TravelMatrix, Vehicle, Window};
pub use schedule::{Scheduled, schedule, schedule_as};
pub use solution::{
    LowerBound, Objective, Route, Solution, SolveStats, Stop, StopKind, Unassigned,
    UnassignedReason,
};

/// The search itself, for the criterion benches of its hot paths only;
/// not part of the facade.
#[doc(hidden)]
pub mod internals {
    pub use super::search::Search;
}

use std::time::Duration;

/// Why a problem could not be built or solved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptimizeError {
    /// A field of the model is inconsistent (a window that ends before it
    /// starts, a matrix of the wrong size, an index out of range, …).
    #[error("invalid problem: {field}: {message}")]
    Invalid {
        /// The model's field, e.g. `jobs[3].windows`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl OptimizeError {
    /// An [`OptimizeError::Invalid`] naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        OptimizeError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// How long and how the solver may search.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveParams {
    /// The random stream's seed: same seed, same input, same plan.
    pub seed: u64,
    /// The search budget. It is turned into a deterministic amount of work
    /// (so the same seed gives the same plan on a loaded machine too); the
    /// wall clock only stops a search that runs far past it.
    pub time_limit: Duration,
}

impl Default for SolveParams {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(1),
        }
    }
}

/// Work units per second of search. A unit is about a nanosecond of CPU
/// time of an optimised build on the 2-core development machine: the
/// search counts its operations (positions tried, routes re-timed, moves
/// made, …) and weighs each by the CPU time it was measured to take
/// (`search::Counts::work`), reads of the matrix at random more on large
/// matrices, which outgrow the caches ([`MEMORY_SIDE`]). The search runs
/// this many units rather than watching the clock, so the plan depends only
/// on the input and the seed; `ruyi bench calibrate` measures the CPU time
/// they take.
pub const WORK_PER_SECOND: f64 = 1_000_000_000.0;

/// A random read of a matrix of this side costs twice what it costs on a
/// small matrix (one that fits the caches).
pub const MEMORY_SIDE: f64 = 700.0;

/// Work units per squared job count beyond which the search stops anyway;
/// binds only on problems of a few dozen jobs.
const SIZE_CAP: u64 = 2_000_000;

/// Share of the time limit the search may use; the rest goes to set
/// partitioning, the bound and building the answer.
const SEARCH_SHARE: f64 = 0.85;

/// Share of the time limit the lower bound's LP may use (a simplex
/// iteration limit).
const BOUND_SHARE: f64 = 0.05;

/// Share of the time limit given to set partitioning (at least one second),
/// before the safety allowance below: HiGHS must not hit its clock limit on
/// a loaded machine either, or the answer would depend on the load.
const RECOMBINE_SHARE: f64 = 0.1;

/// Set partitioning is skipped when its share is below this: HiGHS needs a
/// few milliseconds to build and presolve the model and run its heuristics
/// however small the pool, so a smaller share buys nothing it could use.
/// Over two simulated days of live re-plans (12.5 ms of search each, from
/// the published routes) it took 2.3 ms a call, a fifth of the search's
/// time, and improved 13 of 1,921 plans, by 0.0007 % of their cost.
const RECOMBINE_MIN_SECONDS: f64 = 0.005;

/// The wall-clock safety net: a search still running this many times its
/// time limit, plus [`SAFETY_SECONDS`], is stopped (and says so). The work
/// budget takes at most about 1.2 CPU seconds per second of time limit, so
/// the net fires only when the process gets less than an eighth of a core
/// (on 2 cores: some 15 other busy processes), never on an idle machine or
/// beside parallel builds, which is what keeps the plans of `ruyi demo` the
/// same under load. At 5x it fired on a hub day of `ruyi bench dispatch`
/// planned beside three builds and two busy loops (load 7.4 on 2 cores).
pub const SAFETY_FACTOR: f64 = 10.0;
/// See [`SAFETY_FACTOR`].
pub const SAFETY_SECONDS: f64 = 2.0;

/// Solves a problem: construction by greedy insertion, then ruin and
/// recreate for the work budget, then set partitioning over the routes met,
/// and a lower bound where the problem is small enough.
pub fn solve(problem: &Problem, params: &SolveParams) -> Solution {
    let empty: construction::Plan = vec![Vec::new(); problem.vehicles().len()];
    solve_inner(problem, &empty, params, true)
}

/// [`solve`] starting from `initial` routes (one job sequence per vehicle)
/// instead of an empty plan: an assignment made elsewhere (the dispatcher's
/// MIP) seeds the search, which then inserts what the routes left out and
/// improves the whole. The search keeps the best plan it meets, so the
/// answer is never costlier than the start.
///
/// A start need not be feasible: each route keeps, in the given order, only
/// the jobs that leave it feasible, and jobs given twice, unknown jobs and
/// routes of unknown vehicles are dropped — the search places them again.
pub fn solve_from(
    problem: &Problem,
    initial: &construction::Plan,
    params: &SolveParams,
) -> Solution {
    solve_inner(problem, &feasible_start(problem, initial), params, true)
}

/// The feasible part of a start plan (see [`solve_from`]).
fn feasible_start(problem: &Problem, initial: &construction::Plan) -> construction::Plan {
    let mut placed = vec![false; problem.jobs().len()];
    let mut plan: construction::Plan = vec![Vec::new(); problem.vehicles().len()];
    for (vehicle, jobs) in initial.iter().enumerate().take(plan.len()) {
        for &job in jobs {
            if job >= placed.len() || placed[job] {
                continue;
            }
            plan[vehicle].push(job);
            if construction::route_cost(problem, vehicle, &plan[vehicle]).is_some() {
                placed[job] = true;
            } else {
                plan[vehicle].pop();
            }
        }
    }
    plan
}

/// [`solve`] without the wall-clock safety net: the answer depends only on
/// the input and the seed even on a starved machine, at the price of taking
/// as long as the work takes. For benchmarks, whose quality figures must not
/// drift with the load.
pub fn solve_by_work_only(problem: &Problem, params: &SolveParams) -> Solution {
    let empty: construction::Plan = vec![Vec::new(); problem.vehicles().len()];
    solve_inner(problem, &empty, params, false)
}

fn solve_inner(
    problem: &Problem,
    start: &construction::Plan,
    params: &SolveParams,
    with_safety_net: bool,
) -> Solution {
    let started = std::time::Instant::now();
    let seconds = params.time_limit.as_secs_f64();
    // The search gets its share of the time limit, converted into work;
    // small problems are solved long before a generous budget runs out, so
    // the work is also capped by size and three tickets don't take the full
    // time limit.
    let jobs = problem.jobs().len() as u64 + 1;
    let budget = ((seconds * SEARCH_SHARE * WORK_PER_SECOND) as u64).min(SIZE_CAP * jobs * jobs);
    // Far past the budget only when the machine is starved: a safety net.
    let safety = started + safety_net(params.time_limit);
    let search = search::Search::new(problem);
    let class_of = search.classes().to_vec();
    let outcome = search.run(
        start,
        params.seed,
        budget,
        with_safety_net.then_some(safety),
    );
    tracing::debug!(
        work_units = outcome.work_units,
        iterations = outcome.iterations,
        search_seconds = started.elapsed().as_secs_f64(),
        routes_in_pool = outcome.pool.len(),
        "search finished"
    );
    let mut plan = outcome.plan;
    let incumbent = route_costs(problem, &plan);
    // HiGHS stops by its node limit; its clock limit is a safety net as
    // generous as the search's, or a loaded machine would change the plan.
    let recombine_seconds = (seconds * RECOMBINE_SHARE).max(1.0) * SAFETY_FACTOR + SAFETY_SECONDS;
    if seconds * RECOMBINE_SHARE >= RECOMBINE_MIN_SECONDS
        && let Some(better) = recombine::best_combination(
            problem,
            &class_of,
            &outcome.pool,
            &plan,
            recombine_seconds,
            seconds * RECOMBINE_SHARE / 2.0,
        )
        && route_costs(problem, &better).is_some_and(|c| incumbent.is_none_or(|i| c < i))
    {
        plan = better;
    }
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        before = incumbent,
        after = route_costs(problem, &plan),
        "set partitioning finished"
    );
    let mut solution = construction::build_solution(problem, &plan);
    solution.bound =
        bound::assignment_bound(problem, solution.objective.total(), seconds * BOUND_SHARE);
    solution.stats = SolveStats {
        iterations: outcome.iterations,
        work_units: outcome.work_units,
        seconds: started.elapsed().as_secs_f64(),
        routes_in_pool: outcome.pool.len(),
        stopped_by_clock: outcome.stopped_by_clock,
    };
    solution
}

/// The wall-clock safety net for a time limit: [`SAFETY_FACTOR`] times it
/// plus [`SAFETY_SECONDS`].
pub fn safety_net(time_limit: Duration) -> Duration {
    time_limit.mul_f64(SAFETY_FACTOR) + Duration::from_secs_f64(SAFETY_SECONDS)
}

/// Total cost of a plan (routes plus unassigned penalties), `None` if a
/// route is infeasible.
fn route_costs(problem: &Problem, plan: &construction::Plan) -> Option<i64> {
    let mut served = vec![false; problem.jobs().len()];
    let mut total = 0;
    for (vehicle, route) in plan.iter().enumerate() {
        total += construction::route_cost(problem, vehicle, route)?;
        for &job in route {
            if std::mem::replace(&mut served[job], true) {
                return None;
            }
        }
    }
    Some(
        total
            + problem
                .jobs()
                .iter()
                .zip(&served)
                .filter(|(_, s)| !**s)
                .map(|(j, _)| j.unassigned_penalty)
                .sum::<i64>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five sites on a line, 10 apart, the depot at 0; two vehicles.
    fn line() -> Problem {
        let size = 6;
        let cells: Vec<i64> = (0..size * size)
            .map(|i| 10 * ((i / size) as i64 - (i % size) as i64).abs())
            .collect();
        let jobs = (1..size).map(|l| Job::at(l, 5)).collect();
        let vehicles = vec![Vehicle::new(0, Some(0), Window::new(0, 120).unwrap()); 2];
        Problem::new(
            TravelMatrix::new(size, cells.clone(), cells).unwrap(),
            jobs,
            vehicles,
        )
        .unwrap()
    }

    fn params() -> SolveParams {
        SolveParams {
            seed: 3,
            time_limit: Duration::from_millis(100),
        }
    }

    /// One job at location 1; vehicle 0 is next to it (location 0, 5 away)
    /// but free only from 100; vehicle 1 is 50 away (location 2) and free
    /// now. The job is due by 60 and priced 1 per unit late, plus `miss`.
    fn near_but_busy(miss: i64) -> Problem {
        let cells = vec![0, 5, 55, 5, 0, 50, 55, 50, 0];
        let mut job = Job::at(1, 5);
        job.deadline = Some(SoftDeadline {
            at: 60,
            penalty_per_unit: 1,
            miss_cost: miss,
        });
        let vehicles = vec![
            Vehicle::new(0, Some(0), Window::new(100, 1000).unwrap()),
            Vehicle::new(2, Some(2), Window::new(0, 1000).unwrap()),
        ];
        Problem::new(
            TravelMatrix::new(3, cells.clone(), cells).unwrap(),
            vec![job],
            vehicles,
        )
        .unwrap()
    }

    /// A fleet large enough for the granular insertion (more than
    /// `search::GRANULAR_FLEET` vehicles), in classes of identical vehicles
    /// at four depots, over jobs with soft deadlines (rich timing): the
    /// search's bookkeeping of empty routes (checked against the routes in
    /// debug builds) and its buffers give a feasible plan that serves every
    /// job.
    #[test]
    fn a_large_fleet_of_identical_vehicles_plans_feasibly() {
        let size = 40;
        let cells: Vec<i64> = (0..size * size)
            .map(|i| 7 * ((i / size) as i64 - (i % size) as i64).abs())
            .collect();
        let jobs = (4..size)
            .map(|l| {
                let mut job = Job::at(l, 30);
                job.deadline = Some(SoftDeadline {
                    at: 20 * l as i64,
                    penalty_per_unit: 1,
                    miss_cost: 500,
                });
                job
            })
            .collect();
        let vehicles = (0..120)
            .map(|v| Vehicle::new(v % 4, Some(v % 4), Window::new(0, 600).unwrap()))
            .collect();
        let problem = Problem::new(
            TravelMatrix::new(size, cells.clone(), cells).unwrap(),
            jobs,
            vehicles,
        )
        .unwrap();
        let solution = solve(&problem, &params());
        check(&problem, &solution).unwrap();
        assert!(solution.unassigned.is_empty());
    }

    #[test]
    fn a_deadline_missed_by_a_little_costs_its_whole_miss_price() {
        // Priced per unit alone, 45 units late (45) and a drive of 10 beat
        // a drive of 100 on time.
        let per_unit = solve(&near_but_busy(0), &params());
        assert_eq!(per_unit.routes[0].vehicle, 0);
        assert_eq!(per_unit.objective.lateness, 45);
        check(&near_but_busy(0), &per_unit).unwrap();
        // A miss priced at 1,000 sends the free vehicle, and is on time.
        let promise = near_but_busy(1000);
        let kept = solve(&promise, &params());
        assert_eq!(kept.routes[0].vehicle, 1);
        assert_eq!(kept.objective.lateness, 0);
        check(&promise, &kept).unwrap();
        // The checker prices a miss as the schedule does.
        let late = build_solution(&promise, &vec![vec![0], vec![]]);
        assert_eq!(late.objective.lateness, 1000 + 45);
        assert_eq!(check(&promise, &late).unwrap().lateness, 1000 + 45);
    }

    #[test]
    fn a_start_plan_is_never_made_worse() {
        let problem = line();
        // Both vehicles drive to the far end: 100 + 80 in all.
        let start = vec![vec![0, 2, 4], vec![1, 3]];
        let start_cost = route_costs(&problem, &start).unwrap();
        let solution = solve_from(&problem, &start, &params());
        let objective = check(&problem, &solution).unwrap();
        assert!(objective.total() <= start_cost);
        assert!(solution.unassigned.is_empty());
    }

    #[test]
    fn an_infeasible_start_keeps_what_fits_and_the_search_places_the_rest() {
        let problem = line();
        // Job 4 twice, a job past the end, a third vehicle, and a route
        // too long for the 120-unit shift.
        let start = vec![vec![4, 3, 2, 1, 0, 4, 9], vec![4], vec![0]];
        let kept = feasible_start(&problem, &start);
        assert_eq!(kept.len(), 2);
        assert!(route_costs(&problem, &kept).is_some());
        let placed: usize = kept.iter().map(Vec::len).sum();
        assert!(placed < 5, "the long route must lose a job: {kept:?}");
        let solution = solve_from(&problem, &start, &params());
        check(&problem, &solution).unwrap();
        assert!(solution.unassigned.is_empty());
    }

    /// Two sites, 10 apart on a line from vehicle 0's depot; vehicle 1
    /// starts at the far site. One job at each site, announced on vehicle
    /// 0: cheapest is vehicle 1 at the far site (0 km) unless the move is
    /// priced above the 20 units it saves.
    fn announced_pair(cost: i64) -> Problem {
        let size = 3;
        let cells: Vec<i64> = (0..size * size)
            .map(|i| 10 * ((i / size) as i64 - (i % size) as i64).abs())
            .collect();
        let mut jobs = vec![Job::at(1, 5), Job::at(2, 5)];
        for (job, start) in jobs.iter_mut().zip([10, 25]) {
            job.announced = Some(Announcement {
                vehicle: 0,
                start,
                slack: 10,
                cost,
            });
        }
        let shift = Window::new(0, 200).unwrap();
        let vehicles = vec![
            Vehicle::new(0, Some(0), shift),
            Vehicle::new(2, Some(2), shift),
        ];
        Problem::new(
            TravelMatrix::new(size, cells.clone(), cells).unwrap(),
            jobs,
            vehicles,
        )
        .unwrap()
    }

    #[test]
    fn an_announced_visit_moves_only_when_the_gain_is_worth_the_disruption() {
        let announced = vec![vec![0, 1], Vec::new()];
        let vehicle_of_far_job = |cost| {
            let problem = announced_pair(cost);
            let solution = solve_from(&problem, &announced, &params());
            let objective = check(&problem, &solution).unwrap();
            assert_eq!(objective, solution.objective);
            let route = solution
                .routes
                .iter()
                .find(|r| r.stops.iter().any(|s| s.kind == StopKind::Job(1)))
                .unwrap();
            (route.vehicle, objective.disruption)
        };
        // Vehicle 0 serving both drives 40; vehicle 1 taking the far job
        // saves 20 of it (vehicle 0 drives 20, vehicle 1 nothing).
        assert_eq!(vehicle_of_far_job(5), (1, 5));
        assert_eq!(vehicle_of_far_job(50), (0, 0));
    }

    #[test]
    fn a_start_later_than_announced_past_the_slack_is_priced_and_an_earlier_one_is_not() {
        let announcement = Announcement {
            vehicle: 0,
            start: 100,
            slack: 30,
            cost: 7,
        };
        assert_eq!(announcement.cost_of(0, 20), 0);
        assert_eq!(announcement.cost_of(0, 130), 0);
        assert_eq!(announcement.cost_of(0, 131), 7);
        assert_eq!(announcement.cost_of(1, 100), 7);
    }
}
