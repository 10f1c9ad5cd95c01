//! The improvement search: ruin and recreate with slack induction by string
//! removals (SISR, Christiaens & Vanden Berghe 2020) under simulated
//! annealing.
//!
//! Why SISR rather than a population method: one solution, two simple
//! operators and a temperature give results close to the hybrid genetic
//! search on time-window problems, and the same operators serve the rich
//! dispatch model (breaks, soft deadlines, several windows) unchanged — only
//! the insertion evaluation differs:
//!
//! - *Plain* problems (one window per job, no breaks, no soft deadlines, no
//!   working-time limit) keep per-route forward earliest-start and backward
//!   latest-start arrays, so an insertion is checked in O(1).
//! - *Rich* problems first screen an insertion with the same O(1) test on
//!   relaxed data (each job's window envelope, no break), which is a
//!   necessary condition, and then time the candidate route exactly with
//!   [`super::schedule`].
//!
//! The budget is counted in work units (insertion evaluations), never read
//! from the clock, so a seed gives the same plan on a busy machine too.

use super::construction::{Plan, route_cost};
use super::{Problem, Vehicle};
use crate::rng::Rng;

/// Average number of jobs removed per ruin (SISR's c̄).
const MEAN_REMOVED: f64 = 10.0;
/// Longest string removed from one route (SISR's L_max).
const MAX_STRING: f64 = 10.0;
/// Probability of skipping a position while recreating (SISR's blink rate).
const BLINK_RATE: f64 = 0.01;
/// How many nearest jobs the ruin walks through from its seed.
const NEIGHBOURS: usize = 100;
/// Start and end temperatures of the annealing, as multiples of the mean
/// leg cost of the first plan (tuned on Solomon at 1 s and 10 s).
const HOT: f64 = 4.0;
const COLD: f64 = 0.01;
/// Work charged per iteration besides the insertion evaluations (drawing the
/// ruin, comparing, copying the touched routes back).
const STEP_OVERHEAD: u64 = 20;
/// Route elimination: every this share of the budget the search tries to
/// drop its smallest route (see [`Search::eliminate`]) ...
const ELIMINATION_EVERY: f64 = 0.1;
/// ... spending at most this share of the budget on one attempt ...
const ELIMINATION_SLICE: f64 = 0.01;
/// ... and stops trying after this many attempts in a row were not adopted.
const ELIMINATION_PATIENCE: u32 = 2;
/// Routes of accepted solutions within this share of the best cost go to
/// the set-partitioning pool.
const POOL_SLACK: f64 = 0.02;

/// Location marker for the missing end of an open route.
const NOWHERE: usize = usize::MAX;

/// Per-route data for the O(1) insertion test.
#[derive(Debug, Clone, Default)]
struct RouteCache {
    /// Location of each node; node 0 is the start, the last node is the end
    /// ([`NOWHERE`] for an open route).
    locations: Vec<usize>,
    /// Earliest service start at each node.
    earliest: Vec<i64>,
    /// Earliest departure from each node (earliest start plus service).
    depart: Vec<i64>,
    /// Latest service start at each node that keeps the rest feasible.
    latest: Vec<i64>,
    /// Total demand per dimension.
    load: Vec<i64>,
    /// Fixed + travel + lateness cost of the route (0 when empty).
    cost: i64,
}

impl RouteCache {
    /// Copies `other` into `self`, reusing the allocations.
    fn copy_from(&mut self, other: &RouteCache) {
        self.locations.clone_from(&other.locations);
        self.earliest.clone_from(&other.earliest);
        self.depart.clone_from(&other.depart);
        self.latest.clone_from(&other.latest);
        self.load.clone_from(&other.load);
        self.cost = other.cost;
    }
}

/// A solution under search: job sequences per vehicle with their caches.
#[derive(Debug, Clone)]
struct State {
    routes: Plan,
    caches: Vec<RouteCache>,
    /// The vehicle serving each job, if any.
    vehicle_of: Vec<Option<usize>>,
    /// Number of jobs without a vehicle and the penalties they cost.
    unassigned: usize,
    unassigned_cost: i64,
}

impl State {
    fn cost(&self) -> i64 {
        self.caches.iter().map(|c| c.cost).sum::<i64>() + self.unassigned_cost
    }

    fn used(&self) -> usize {
        self.routes.iter().filter(|r| !r.is_empty()).count()
    }

    /// Makes `self` equal to `other` where a move changed it: the routes in
    /// `touched` and the jobs in `moved`.
    fn copy_changes(&mut self, other: &State, touched: &[usize], moved: &[usize]) {
        for &v in touched {
            self.routes[v].clone_from(&other.routes[v]);
            self.caches[v].copy_from(&other.caches[v]);
        }
        for &j in moved {
            self.vehicle_of[j] = other.vehicle_of[j];
        }
        self.unassigned = other.unassigned;
        self.unassigned_cost = other.unassigned_cost;
    }
}

/// A search state built from a plan, for benchmarks of the hot paths (see
/// [`Search::snapshot`]).
#[derive(Debug, Clone)]
pub struct Snapshot(State);

impl Snapshot {
    /// Total cost: routes plus the penalties of unassigned jobs.
    pub fn cost(&self) -> i64 {
        self.0.cost()
    }
}

/// What a search returns: the best plan and how much work it took.
pub struct Outcome {
    pub plan: Plan,
    pub iterations: u64,
    pub work_units: u64,
    /// Distinct routes met during the search, for the set-partitioning step.
    pub pool: Vec<(usize, Vec<usize>)>,
}

/// The search engine for one problem.
pub struct Search<'a> {
    problem: &'a Problem,
    /// True when the O(1) test is exact (see the module docs).
    plain: bool,
    /// For each vehicle, the first vehicle identical to it; empty routes of
    /// identical vehicles are tried once.
    class_of: Vec<usize>,
    /// Nearest jobs of each job, nearest first (the job itself first).
    neighbours: Vec<Vec<u32>>,
    /// Hard envelope of each job's windows.
    envelope: Vec<(i64, i64)>,
    /// Distance from the first vehicle's start, for the recreate orders.
    depot_distance: Vec<i64>,
    /// Leg cost between locations when every vehicle prices legs alike.
    arc_cost: Option<Vec<i64>>,
    /// Most non-empty routes the recreate may use.
    max_routes: usize,
    /// Routes changed since the last [`Search::begin_move`], once each.
    touched: Vec<usize>,
    is_touched: Vec<bool>,
    /// Jobs taken out by the last ruin, in the recreate's order.
    removed: Vec<usize>,
    /// Positions left before the next blink of the recreate.
    until_blink: u64,
    /// Per vehicle class, the last job whose insertion tried an empty route
    /// of that class.
    empty_tried: Vec<u64>,
    insertion_stamp: u64,
    work: u64,
    pool: RoutePool,
}

impl<'a> Search<'a> {
    pub fn new(problem: &'a Problem) -> Self {
        let jobs = problem.jobs();
        let vehicles = problem.vehicles();
        let plain = jobs
            .iter()
            .all(|j| j.windows.len() == 1 && j.deadline.is_none_or(|d| d.penalty_per_unit == 0))
            && vehicles.iter().all(|v| {
                v.lunch.is_none()
                    && v.max_work.is_none()
                    && v.max_travel_time.is_none()
                    && v.max_distance.is_none()
            });
        let class_of = (0..vehicles.len())
            .map(|v| {
                (0..v)
                    .find(|&w| same_vehicle(&vehicles[v], &vehicles[w]))
                    .unwrap_or(v)
            })
            .collect();
        let matrix = problem.matrix();
        let neighbours = (0..jobs.len())
            .map(|j| {
                let mut order: Vec<u32> = (0..jobs.len() as u32).collect();
                let from = jobs[j].location;
                let key = |k: &u32| {
                    let to = jobs[*k as usize].location;
                    (
                        matrix.distance(from, to) + matrix.distance(to, from),
                        *k != j as u32,
                    )
                };
                let keep = NEIGHBOURS.min(order.len());
                if keep < order.len() {
                    order.select_nth_unstable_by_key(keep, key);
                    order.truncate(keep);
                }
                order.sort_by_key(key);
                order
            })
            .collect();
        let envelope = jobs
            .iter()
            .map(|j| {
                let w = j.envelope();
                (w.start, w.end)
            })
            .collect();
        let depot = vehicles.first().map_or(0, |v| v.start);
        let depot_distance = jobs
            .iter()
            .map(|j| matrix.distance(depot, j.location))
            .collect();
        let size = matrix.size();
        let arc_cost = vehicles
            .first()
            .filter(|first| {
                size <= 4_000
                    && vehicles.iter().all(|v| {
                        v.cost_per_distance == first.cost_per_distance
                            && v.cost_per_duration == first.cost_per_duration
                    })
            })
            .map(|first| {
                (0..size * size)
                    .map(|i| {
                        let (a, b) = (i / size, i % size);
                        first.leg_cost(matrix.distance(a, b), matrix.duration(a, b))
                    })
                    .collect()
            });
        Search {
            problem,
            plain,
            class_of,
            neighbours,
            envelope,
            depot_distance,
            arc_cost,
            max_routes: usize::MAX,
            touched: Vec::new(),
            is_touched: vec![false; vehicles.len()],
            removed: Vec::new(),
            until_blink: 0,
            empty_tried: vec![0; vehicles.len()],
            insertion_stamp: 0,
            work: 0,
            pool: RoutePool::default(),
        }
    }

    /// For each vehicle, the first vehicle identical to it.
    pub fn classes(&self) -> &[usize] {
        &self.class_of
    }

    /// Improves `start` for `budget` work units; `deadline` only stops a
    /// search that runs far past its budget.
    pub fn run(
        mut self,
        start: &Plan,
        seed: u64,
        budget: u64,
        deadline: Option<std::time::Instant>,
    ) -> Outcome {
        let mut rng = Rng::new(seed);
        self.draw_blink(&mut rng);
        let mut current = self.state_of(start);
        self.begin_move();
        self.collect_unassigned(&current);
        self.recreate(&mut current, &mut rng);
        let mut candidate = current.clone();
        let mut best = current.routes.clone();
        let mut best_cost = current.cost();
        let mut current_cost = best_cost;
        self.collect(&current, None);
        // Temperatures scale with the mean leg cost, so the same settings
        // suit Solomon's units and metres alike.
        let legs = current
            .routes
            .iter()
            .map(|r| r.len() + 1)
            .sum::<usize>()
            .max(1);
        let travel: i64 = current.caches.iter().map(|c| c.cost).sum();
        let mean_leg = (travel as f64 / legs as f64).max(1.0);
        let (hot, cold) = (mean_leg * HOT, mean_leg * COLD);
        let mut iterations = 0u64;
        let start_work = self.work;
        let every = ((budget as f64 * ELIMINATION_EVERY) as u64).max(1);
        let slice = (budget as f64 * ELIMINATION_SLICE) as u64;
        let mut next_elimination = every / 2;
        let mut misses = 0;
        while self.work - start_work < budget {
            if iterations.is_multiple_of(256)
                && deadline.is_some_and(|d| std::time::Instant::now() > d)
            {
                tracing::warn!(iterations, "search stopped by the wall-clock safety net");
                break;
            }
            let spent = self.work - start_work;
            let progress = spent as f64 / budget as f64;
            let temperature = hot * (cold / hot).powf(progress);
            if spent >= next_elimination && misses < ELIMINATION_PATIENCE {
                next_elimination = spent + every;
                let adopted = self.eliminate(
                    &best,
                    &mut current,
                    &mut current_cost,
                    temperature,
                    slice.min(budget - spent),
                    &mut rng,
                );
                if adopted {
                    misses = 0;
                    candidate.clone_from(&current);
                    if current_cost < best_cost {
                        best.clone_from(&current.routes);
                        best_cost = current_cost;
                    }
                } else {
                    misses += 1;
                }
                continue;
            }
            iterations += 1;
            if self.step(
                &mut current,
                &mut candidate,
                &mut current_cost,
                temperature,
                &mut rng,
            ) {
                if current_cost < best_cost {
                    best.clone_from(&current.routes);
                    best_cost = current_cost;
                }
                if current_cost as f64 <= best_cost as f64 * (1.0 + POOL_SLACK) {
                    let touched = std::mem::take(&mut self.touched);
                    self.collect(&current, Some(&touched));
                    self.touched = touched;
                }
            }
        }
        Outcome {
            plan: best,
            iterations,
            work_units: self.work - start_work,
            pool: self.pool.into_routes(),
        }
    }

    /// One ruin-and-recreate move on `candidate` (equal to `current` on
    /// entry), accepted by the annealing rule at `temperature`. On return
    /// both states are equal again: the move's result if accepted, the old
    /// `current` otherwise. Copies only what the move changed.
    fn step(
        &mut self,
        current: &mut State,
        candidate: &mut State,
        current_cost: &mut i64,
        temperature: f64,
        rng: &mut Rng,
    ) -> bool {
        self.begin_move();
        self.work += STEP_OVERHEAD;
        self.ruin(candidate, rng);
        self.recreate(candidate, rng);
        let cost = candidate.cost();
        let threshold = *current_cost as f64 - temperature * rng.unit().max(1e-12).ln();
        let accepted = (cost as f64) < threshold;
        let copied: usize = self
            .touched
            .iter()
            .map(|&v| candidate.routes[v].len() + 2)
            .sum();
        self.work += copied as u64;
        if accepted {
            current.copy_changes(candidate, &self.touched, &self.removed);
            *current_cost = cost;
        } else {
            candidate.copy_changes(current, &self.touched, &self.removed);
        }
        accepted
    }

    /// Route elimination: starting from the best plan, empties its smallest
    /// route and runs ruin and recreate with one route fewer for at most
    /// `slice` work units (the emptied route's jobs are retried by every
    /// recreate). The result replaces `current` if the annealing rule
    /// accepts it. The plain search cannot do this itself: with a string
    /// ruin, emptying a route and fitting all its jobs elsewhere in the same
    /// move is rare, so it stays in local optima with one route too many
    /// (c201 keeps 4 routes where 3 are shorter).
    fn eliminate(
        &mut self,
        best: &Plan,
        current: &mut State,
        current_cost: &mut i64,
        temperature: f64,
        slice: u64,
        rng: &mut Rng,
    ) -> bool {
        let mut trial = self.state_of(best);
        let used = trial.used();
        if used <= 1 || slice == 0 {
            return false;
        }
        let Some(victim) = (0..trial.routes.len())
            .filter(|&v| !trial.routes[v].is_empty())
            .min_by_key(|&v| (trial.routes[v].len(), trial.caches[v].cost))
        else {
            return false;
        };
        let jobs = std::mem::take(&mut trial.routes[victim]);
        for &j in &jobs {
            trial.vehicle_of[j] = None;
            trial.unassigned += 1;
            trial.unassigned_cost += self.problem.jobs()[j].unassigned_penalty;
        }
        self.refresh(&mut trial, victim);
        self.max_routes = used - 1;
        let mut trial_candidate = trial.clone();
        let mut trial_cost = trial.cost();
        let until = self.work + slice;
        while self.work < until {
            self.step(
                &mut trial,
                &mut trial_candidate,
                &mut trial_cost,
                temperature,
                rng,
            );
        }
        self.max_routes = usize::MAX;
        if trial.unassigned == 0 {
            self.collect(&trial, None);
        }
        let threshold = *current_cost as f64 - temperature * rng.unit().max(1e-12).ln();
        if (trial_cost as f64) < threshold {
            *current = trial;
            *current_cost = trial_cost;
            true
        } else {
            false
        }
    }

    /// A search state for `plan`, for benchmarks of the hot paths.
    pub fn snapshot(&mut self, plan: &Plan) -> Snapshot {
        Snapshot(self.state_of(plan))
    }

    /// The cheapest feasible insertion of `job` (which must be unassigned in
    /// `snapshot`) over all routes, as (cost increase, vehicle, position):
    /// the inner loop of the recreate, exposed for benchmarks.
    pub fn cheapest_insertion(
        &mut self,
        snapshot: &Snapshot,
        job: usize,
        rng: &mut Rng,
    ) -> Option<(i64, usize, usize)> {
        let used = snapshot.0.used();
        self.cheapest(&snapshot.0, job, used, rng)
    }

    /// One ruin-and-recreate move applied to `snapshot` unconditionally,
    /// returning the new cost: the body of a search iteration, exposed for
    /// benchmarks.
    pub fn ruin_and_recreate(&mut self, snapshot: &mut Snapshot, rng: &mut Rng) -> i64 {
        self.begin_move();
        self.ruin(&mut snapshot.0, rng);
        self.recreate(&mut snapshot.0, rng);
        snapshot.0.cost()
    }

    fn state_of(&mut self, plan: &Plan) -> State {
        let jobs = self.problem.jobs();
        let mut vehicle_of = vec![None; jobs.len()];
        for (v, route) in plan.iter().enumerate() {
            for &j in route {
                vehicle_of[j] = Some(v);
            }
        }
        let open = (0..jobs.len()).filter(|j| vehicle_of[*j].is_none());
        let unassigned = open.clone().count();
        let unassigned_cost = open.map(|j| jobs[j].unassigned_penalty).sum();
        let mut state = State {
            caches: vec![RouteCache::default(); plan.len()],
            routes: plan.clone(),
            vehicle_of,
            unassigned,
            unassigned_cost,
        };
        for v in 0..plan.len() {
            self.refresh(&mut state, v);
        }
        state
    }

    /// Adds the routes of `state` (only those in `only`, if given) to the
    /// pool.
    fn collect(&mut self, state: &State, only: Option<&[usize]>) {
        let all: Vec<usize>;
        let routes = match only {
            Some(only) => only,
            None => {
                all = (0..state.routes.len()).collect();
                &all
            }
        };
        for &v in routes {
            let route = &state.routes[v];
            if !route.is_empty() {
                self.work += route.len() as u64;
                self.pool.add(self.class_of[v], route, state.caches[v].cost);
            }
        }
    }

    /// Starts a move: no route touched, nothing removed.
    fn begin_move(&mut self) {
        for &v in &self.touched {
            self.is_touched[v] = false;
        }
        self.touched.clear();
        self.removed.clear();
    }

    /// Puts the unassigned jobs of `state` in the removed list.
    fn collect_unassigned(&mut self, state: &State) {
        if state.unassigned > 0 {
            self.work += state.vehicle_of.len() as u64;
            self.removed
                .extend((0..state.vehicle_of.len()).filter(|j| state.vehicle_of[*j].is_none()));
        }
    }

    /// Draws the number of positions before the next blink (geometric), so
    /// the recreate needs one random draw per blink, not per position.
    fn draw_blink(&mut self, rng: &mut Rng) {
        let u = rng.unit().max(1e-300);
        self.until_blink = (u.ln() / (1.0 - BLINK_RATE).ln()) as u64;
    }

    /// Leg cost from `a` to `b` for `vehicle` (no leg to a missing end).
    #[inline]
    fn arc(&self, vehicle: &Vehicle, a: usize, b: usize) -> i64 {
        if b == NOWHERE {
            return 0;
        }
        match &self.arc_cost {
            Some(costs) => costs[a * self.problem.matrix().size() + b],
            None => {
                let matrix = self.problem.matrix();
                vehicle.leg_cost(matrix.distance(a, b), matrix.duration(a, b))
            }
        }
    }

    /// Travel time from `a` to `b` (none to a missing end).
    #[inline]
    fn duration(&self, a: usize, b: usize) -> i64 {
        if b == NOWHERE {
            0
        } else {
            self.problem.matrix().duration(a, b)
        }
    }

    /// Recomputes the caches of route `v` and marks it touched.
    fn refresh(&mut self, state: &mut State, v: usize) {
        if !self.is_touched[v] {
            self.is_touched[v] = true;
            self.touched.push(v);
        }
        let problem = self.problem;
        let vehicle = &problem.vehicles()[v];
        let route = &state.routes[v];
        let jobs = problem.jobs();
        let nodes = route.len() + 2;
        let mut cache = std::mem::take(&mut state.caches[v]);
        cache.locations.clear();
        cache.locations.push(vehicle.start);
        cache
            .locations
            .extend(route.iter().map(|&j| jobs[j].location));
        cache.locations.push(vehicle.end.unwrap_or(NOWHERE));
        cache.earliest.clear();
        cache.depart.clear();
        cache.latest.clear();
        cache.earliest.resize(nodes, 0);
        cache.depart.resize(nodes, 0);
        cache.latest.resize(nodes, 0);
        cache.load.clear();
        cache.load.resize(problem.dimensions(), 0);
        let service = |node: usize| {
            if node == 0 || node > route.len() {
                0
            } else {
                jobs[route[node - 1]].service
            }
        };
        let window = |node: usize| {
            if node == 0 || node > route.len() {
                (vehicle.shift.start, vehicle.shift.end)
            } else {
                self.envelope[route[node - 1]]
            }
        };
        cache.earliest[0] = vehicle.shift.start;
        cache.depart[0] = vehicle.shift.start;
        for node in 1..nodes {
            let arrival = cache.depart[node - 1]
                + self.duration(cache.locations[node - 1], cache.locations[node]);
            cache.earliest[node] = arrival.max(window(node).0);
            cache.depart[node] = cache.earliest[node] + service(node);
        }
        cache.latest[nodes - 1] = vehicle.shift.end;
        for node in (0..nodes - 1).rev() {
            let leg = self.duration(cache.locations[node], cache.locations[node + 1]);
            cache.latest[node] = (cache.latest[node + 1] - leg - service(node)).min(window(node).1);
        }
        for &j in route {
            for (amount, demand) in cache.load.iter_mut().zip(&jobs[j].demand) {
                *amount += demand;
            }
        }
        cache.cost = if route.is_empty() {
            0
        } else if self.plain {
            let travel: i64 = cache
                .locations
                .windows(2)
                .map(|leg| self.arc(vehicle, leg[0], leg[1]))
                .sum();
            vehicle.fixed_cost + travel
        } else {
            self.work += timing_work(vehicle, route.len());
            route_cost(problem, v, route).expect("routes under search are feasible")
        };
        state.caches[v] = cache;
        self.work += nodes as u64;
    }

    /// Removes strings of consecutive jobs from routes near a random seed
    /// job (SISR's ruin) into the removed list, after the jobs that were
    /// already unassigned.
    fn ruin(&mut self, state: &mut State, rng: &mut Rng) {
        self.collect_unassigned(state);
        let total = state.vehicle_of.len();
        let assigned = total - state.unassigned;
        if assigned == 0 {
            return;
        }
        let used = state.used().max(1);
        let mean_length = assigned as f64 / used as f64;
        let max_string = MAX_STRING.min(mean_length);
        let max_strings = 4.0 * MEAN_REMOVED / (1.0 + max_string) - 1.0;
        let strings = (rng.range_f64(1.0, max_strings.max(1.0) + 1.0)) as usize;
        let seed = loop {
            let j = rng.below(total);
            if state.vehicle_of[j].is_some() {
                break j;
            }
        };
        let first_removed = self.removed.len();
        let mut ruined: Vec<usize> = Vec::with_capacity(strings);
        for &near in &self.neighbours[seed] {
            if ruined.len() >= strings {
                break;
            }
            let near = near as usize;
            let Some(v) = state.vehicle_of[near] else {
                continue;
            };
            if ruined.contains(&v) {
                continue;
            }
            let route = &mut state.routes[v];
            let length = route.len();
            let cap = max_string.min(length as f64);
            let string = (rng.range_f64(1.0, cap + 1.0) as usize).clamp(1, length);
            let at = route
                .iter()
                .position(|j| *j == near)
                .expect("job is on its route");
            if string == length || rng.unit() < 0.5 {
                let first = rng_range(rng, at.saturating_sub(string - 1), at.min(length - string));
                self.removed.extend(route.drain(first..first + string));
            } else {
                // Split string: a longer string of which `kept` consecutive
                // jobs stay, so slack opens inside the route too.
                let mut kept = 1;
                while string + kept < length && rng.unit() > BLINK_RATE {
                    kept += 1;
                }
                let span = string + kept;
                let first = rng_range(rng, at.saturating_sub(span - 1), at.min(length - span));
                let keep_from = first + rng.below(string + 1);
                let mut position = first;
                let mut index = first;
                while position < first + span {
                    if position < keep_from || position >= keep_from + kept {
                        self.removed.push(route.remove(index));
                    } else {
                        index += 1;
                    }
                    position += 1;
                }
            }
            ruined.push(v);
        }
        if !self.plain {
            // Rich timing is not monotone: without its first visit a route
            // may start waiting and overrun the maximum working time. Drop
            // visits from the front until what is left can be timed.
            for &v in &ruined {
                while !state.routes[v].is_empty()
                    && route_cost(self.problem, v, &state.routes[v]).is_none()
                {
                    self.removed.push(state.routes[v].remove(0));
                }
            }
        }
        for &j in &self.removed[first_removed..] {
            if state.vehicle_of[j].take().is_some() {
                state.unassigned += 1;
                state.unassigned_cost += self.problem.jobs()[j].unassigned_penalty;
            }
        }
        for v in ruined {
            self.refresh(state, v);
        }
    }

    /// Greedy insertion of the removed jobs with blinks, in one of SISR's
    /// orders.
    fn recreate(&mut self, state: &mut State, rng: &mut Rng) {
        let jobs = self.problem.jobs();
        let mut removed = std::mem::take(&mut self.removed);
        match rng.weighted(&[4.0, 4.0, 2.0, 1.0]) {
            0 => rng.shuffle(&mut removed),
            1 => {
                rng.shuffle(&mut removed);
                removed.sort_by_key(|j| std::cmp::Reverse(jobs[*j].demand.iter().sum::<i64>()));
            }
            2 => removed.sort_by_key(|j| std::cmp::Reverse(self.depot_distance[*j])),
            _ => removed.sort_by_key(|j| self.depot_distance[*j]),
        }
        let mut used = state.used();
        for &job in &removed {
            let Some((delta, v, position)) = self.cheapest(state, job, used, rng) else {
                continue;
            };
            if delta > jobs[job].unassigned_penalty {
                continue;
            }
            if state.routes[v].is_empty() {
                used += 1;
            }
            state.routes[v].insert(position, job);
            state.vehicle_of[job] = Some(v);
            state.unassigned -= 1;
            state.unassigned_cost -= jobs[job].unassigned_penalty;
            self.refresh(state, v);
        }
        self.removed = removed;
    }

    /// The cheapest insertion of `job` over all routes, trying one empty
    /// route per vehicle class and none once `used` reaches the fleet limit.
    fn cheapest(
        &mut self,
        state: &State,
        job: usize,
        used: usize,
        rng: &mut Rng,
    ) -> Option<(i64, usize, usize)> {
        self.insertion_stamp += 1;
        let mut best: Option<(i64, usize, usize)> = None;
        for v in 0..state.routes.len() {
            if state.routes[v].is_empty() {
                let class = self.class_of[v];
                if used >= self.max_routes || self.empty_tried[class] == self.insertion_stamp {
                    continue;
                }
                self.empty_tried[class] = self.insertion_stamp;
            }
            if let Some((delta, position)) =
                self.best_insertion(state, v, job, rng, best.map(|b| b.0))
                && best.is_none_or(|b| delta < b.0)
            {
                best = Some((delta, v, position));
            }
        }
        best
    }

    /// The cheapest feasible position for `job` in route `v`, with its cost
    /// increase; positions are skipped at the blink rate.
    fn best_insertion(
        &mut self,
        state: &State,
        v: usize,
        job: usize,
        rng: &mut Rng,
        incumbent: Option<i64>,
    ) -> Option<(i64, usize)> {
        let problem = self.problem;
        let vehicle = &problem.vehicles()[v];
        let target = &problem.jobs()[job];
        if !vehicle.can_serve(target) {
            return None;
        }
        let cache = &state.caches[v];
        if cache
            .load
            .iter()
            .zip(&target.demand)
            .zip(&vehicle.capacity)
            .any(|((load, demand), capacity)| load + demand > *capacity)
        {
            return None;
        }
        let route = &state.routes[v];
        let (open, close) = self.envelope[job];
        let here = target.location;
        let fixed = if route.is_empty() {
            vehicle.fixed_cost
        } else {
            0
        };
        let mut best: Option<(i64, usize)> = None;
        let mut candidates: Vec<(i64, usize)> = Vec::new();
        let mut evaluated = 0;
        for position in 0..=route.len() {
            // Departures only grow along the route: once the start is too
            // late, every later position is too.
            if cache.depart[position] > close {
                break;
            }
            evaluated += 1;
            if self.until_blink == 0 {
                self.draw_blink(rng);
                continue;
            }
            self.until_blink -= 1;
            let before = cache.locations[position];
            let after = cache.locations[position + 1];
            let begin = (cache.depart[position] + self.duration(before, here)).max(open);
            if begin > close {
                continue;
            }
            let reach = begin + target.service + self.duration(here, after);
            if reach > cache.latest[position + 1] {
                continue;
            }
            let delta = fixed + self.arc(vehicle, before, here) + self.arc(vehicle, here, after)
                - self.arc(vehicle, before, after);
            if self.plain {
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, position));
                }
            } else {
                candidates.push((delta, position));
            }
        }
        self.work += evaluated;
        if self.plain {
            return best;
        }
        // Rich problems: time the screened candidates exactly, cheapest
        // travel first, and stop once travel alone cannot beat the best.
        candidates.sort_unstable();
        let mut scratch = route.clone();
        let old = cache.cost;
        for (travel_delta, position) in candidates {
            let floor = best.map(|b| b.0).into_iter().chain(incumbent).min();
            // Inserting a visit only delays the ones after it, so the travel
            // increase is (nearly always) a floor on the full increase.
            if floor.is_some_and(|f| travel_delta >= f) {
                break;
            }
            scratch.insert(position, job);
            self.work += timing_work(vehicle, scratch.len());
            if let Some(cost) = route_cost(problem, v, &scratch) {
                let delta = cost - old;
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, position));
                }
            }
            scratch.remove(position);
        }
        best
    }
}

fn rng_range(rng: &mut Rng, low: usize, high: usize) -> usize {
    if high <= low {
        low
    } else {
        low + rng.below(high - low + 1)
    }
}

/// Work units of one exact timing of a route of `len` visits: a forward
/// pass costs several insertion checks per stop (windows, deadline, stop
/// record, allocations), and a lunch break tries every position. Counting
/// it keeps rich problems (dispatch days) inside their time limit.
fn timing_work(vehicle: &Vehicle, len: usize) -> u64 {
    const STEP: u64 = 4;
    const PASS_OVERHEAD: u64 = 8;
    let passes = if vehicle.lunch.is_some() {
        len as u64 + 2
    } else {
        1
    };
    passes * (STEP * len as u64 + PASS_OVERHEAD)
}

fn same_vehicle(a: &Vehicle, b: &Vehicle) -> bool {
    // Every field matters (start, shift, skills, team, costs, …): two
    // vehicles are interchangeable only if they are equal.
    a == b
}

/// Distinct routes seen during the search, cheapest sequence per job set and
/// vehicle class, for the set-partitioning recombination.
#[derive(Default)]
struct RoutePool {
    routes: std::collections::HashMap<(usize, Vec<usize>), (i64, Vec<usize>)>,
}

/// Caps the pool so the set-partitioning model stays small.
const POOL_LIMIT: usize = 20_000;

impl RoutePool {
    fn add(&mut self, class: usize, route: &[usize], cost: i64) {
        let mut key = route.to_vec();
        key.sort_unstable();
        let entry = (class, key);
        if let Some(existing) = self.routes.get_mut(&entry) {
            if cost < existing.0 {
                *existing = (cost, route.to_vec());
            }
            return;
        }
        if self.routes.len() < POOL_LIMIT {
            self.routes.insert(entry, (cost, route.to_vec()));
        }
    }

    /// The pool in a deterministic order.
    fn into_routes(self) -> Vec<(usize, Vec<usize>)> {
        let mut routes: Vec<(usize, Vec<usize>)> = self
            .routes
            .into_iter()
            .map(|((class, _), (_, route))| (class, route))
            .collect();
        routes.sort_unstable();
        routes
    }
}
