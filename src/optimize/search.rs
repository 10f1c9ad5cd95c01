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
/// leg cost of the first plan: short budgets do best starting cool.
const HOT: f64 = 2.0;
const COLD: f64 = 0.005;

/// Per-route data for the O(1) insertion test.
#[derive(Debug, Clone, Default)]
struct RouteCache {
    /// Earliest service start at each node; node 0 is the start, the last
    /// node is the end.
    earliest: Vec<i64>,
    /// Latest service start at each node that keeps the rest feasible.
    latest: Vec<i64>,
    /// Total demand per dimension.
    load: Vec<i64>,
    /// Fixed + travel + lateness cost of the route (0 when empty).
    cost: i64,
}

/// A solution under search: job sequences per vehicle with their caches.
#[derive(Debug, Clone)]
struct State {
    routes: Plan,
    caches: Vec<RouteCache>,
    /// The vehicle serving each job, if any.
    vehicle_of: Vec<Option<usize>>,
    unassigned_cost: i64,
}

impl State {
    fn cost(&self) -> i64 {
        self.caches.iter().map(|c| c.cost).sum::<i64>() + self.unassigned_cost
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
            && vehicles
                .iter()
                .all(|v| v.lunch.is_none() && v.max_work.is_none());
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
        Search {
            problem,
            plain,
            class_of,
            neighbours,
            envelope,
            depot_distance,
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
        let mut current = self.state_of(start);
        let open: Vec<usize> = (0..current.vehicle_of.len())
            .filter(|j| current.vehicle_of[*j].is_none())
            .collect();
        self.recreate(&mut current, open, &mut rng);
        let mut best = current.clone();
        let mut best_cost = best.cost();
        let mut current_cost = best_cost;
        self.collect(&current);
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
        while self.work - start_work < budget {
            if iterations.is_multiple_of(256)
                && deadline.is_some_and(|d| std::time::Instant::now() > d)
            {
                tracing::warn!(iterations, "search stopped by the wall-clock safety net");
                break;
            }
            iterations += 1;
            // Cloning the state and scanning the jobs cost about one unit per job.
            self.work += current.vehicle_of.len() as u64;
            let progress = (self.work - start_work) as f64 / budget as f64;
            let temperature = hot * (cold / hot).powf(progress);
            let mut candidate = current.clone();
            let removed = self.ruin(&mut candidate, &mut rng);
            self.recreate(&mut candidate, removed, &mut rng);
            let cost = candidate.cost();
            let threshold = current_cost as f64 - temperature * rng.unit().max(1e-12).ln();
            if (cost as f64) < threshold {
                if cost < current_cost || iterations.is_multiple_of(16) {
                    self.collect(&candidate);
                }
                current = candidate;
                current_cost = cost;
                if cost < best_cost {
                    best = current.clone();
                    best_cost = cost;
                }
            }
        }
        Outcome {
            plan: best.routes,
            iterations,
            work_units: self.work - start_work,
            pool: self.pool.into_routes(),
        }
    }

    fn state_of(&mut self, plan: &Plan) -> State {
        let jobs = self.problem.jobs();
        let mut vehicle_of = vec![None; jobs.len()];
        for (v, route) in plan.iter().enumerate() {
            for &j in route {
                vehicle_of[j] = Some(v);
            }
        }
        let unassigned_cost = (0..jobs.len())
            .filter(|j| vehicle_of[*j].is_none())
            .map(|j| jobs[j].unassigned_penalty)
            .sum();
        let mut state = State {
            caches: vec![RouteCache::default(); plan.len()],
            routes: plan.clone(),
            vehicle_of,
            unassigned_cost,
        };
        for v in 0..plan.len() {
            self.refresh(&mut state, v);
        }
        state
    }

    fn collect(&mut self, state: &State) {
        for (v, route) in state.routes.iter().enumerate() {
            if !route.is_empty() {
                self.pool.add(self.class_of[v], route, state.caches[v].cost);
            }
        }
    }

    /// Location of node `node` of route `v` (0 = start, len+1 = end).
    #[inline]
    fn location(&self, v: usize, route: &[usize], node: usize) -> Option<usize> {
        let vehicle = &self.problem.vehicles()[v];
        if node == 0 {
            Some(vehicle.start)
        } else if node <= route.len() {
            Some(self.problem.jobs()[route[node - 1]].location)
        } else {
            vehicle.end
        }
    }

    /// Recomputes the caches of route `v`.
    fn refresh(&mut self, state: &mut State, v: usize) {
        let problem = self.problem;
        let vehicle = &problem.vehicles()[v];
        let matrix = problem.matrix();
        let route = &state.routes[v];
        let jobs = problem.jobs();
        let nodes = route.len() + 2;
        let cache = &mut state.caches[v];
        cache.earliest.clear();
        cache.latest.clear();
        cache.earliest.resize(nodes, 0);
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
        let location = |node: usize| self.location(v, route, node);
        let leg = |from: usize, to: usize| match (location(from), location(to)) {
            (Some(a), Some(b)) => matrix.duration(a, b),
            _ => 0,
        };
        cache.earliest[0] = vehicle.shift.start;
        for node in 1..nodes {
            let arrival = cache.earliest[node - 1] + service(node - 1) + leg(node - 1, node);
            cache.earliest[node] = arrival.max(window(node).0);
        }
        cache.latest[nodes - 1] = vehicle.shift.end;
        for node in (0..nodes - 1).rev() {
            cache.latest[node] =
                (cache.latest[node + 1] - leg(node, node + 1) - service(node)).min(window(node).1);
        }
        for &j in route {
            for (amount, demand) in cache.load.iter_mut().zip(&jobs[j].demand) {
                *amount += demand;
            }
        }
        let cost = if route.is_empty() {
            0
        } else if self.plain {
            let mut travel = 0;
            for node in 0..nodes - 1 {
                if let (Some(a), Some(b)) = (location(node), location(node + 1)) {
                    travel += vehicle.leg_cost(matrix.distance(a, b), matrix.duration(a, b));
                }
            }
            vehicle.fixed_cost + travel
        } else {
            route_cost(problem, v, route).expect("routes under search are feasible")
        };
        cache.cost = cost;
        self.work += nodes as u64;
    }

    /// Removes strings of consecutive jobs from routes near a random seed
    /// job (SISR's ruin), returning the removed jobs.
    fn ruin(&mut self, state: &mut State, rng: &mut Rng) -> Vec<usize> {
        let assigned: Vec<usize> = (0..state.vehicle_of.len())
            .filter(|j| state.vehicle_of[*j].is_some())
            .collect();
        let mut removed: Vec<usize> = (0..state.vehicle_of.len())
            .filter(|j| state.vehicle_of[*j].is_none())
            .collect();
        if assigned.is_empty() {
            return removed;
        }
        let used = state.routes.iter().filter(|r| !r.is_empty()).count().max(1);
        let mean_length = assigned.len() as f64 / used as f64;
        let max_string = MAX_STRING.min(mean_length);
        let max_strings = 4.0 * MEAN_REMOVED / (1.0 + max_string) - 1.0;
        let strings = (rng.range_f64(1.0, max_strings.max(1.0) + 1.0)) as usize;
        let seed = assigned[rng.below(assigned.len())];
        let mut ruined: Vec<usize> = Vec::new();
        let neighbours = &self.neighbours[seed];
        for &near in neighbours {
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
                for j in route.drain(first..first + string) {
                    removed.push(j);
                }
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
                let mut drop = Vec::with_capacity(string);
                for position in first..first + span {
                    if position < keep_from || position >= keep_from + kept {
                        drop.push(position);
                    }
                }
                for position in drop.into_iter().rev() {
                    removed.push(route.remove(position));
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
                    removed.push(state.routes[v].remove(0));
                }
            }
        }
        for &j in &removed {
            if state.vehicle_of[j].take().is_some() {
                state.unassigned_cost += self.problem.jobs()[j].unassigned_penalty;
            }
        }
        for v in ruined {
            self.refresh(state, v);
        }
        removed
    }

    /// Greedy insertion with blinks, in one of SISR's orders.
    fn recreate(&mut self, state: &mut State, mut removed: Vec<usize>, rng: &mut Rng) {
        let jobs = self.problem.jobs();
        match rng.weighted(&[4.0, 4.0, 2.0, 1.0]) {
            0 => rng.shuffle(&mut removed),
            1 => {
                rng.shuffle(&mut removed);
                removed.sort_by_key(|j| std::cmp::Reverse(jobs[*j].demand.iter().sum::<i64>()));
            }
            2 => removed.sort_by_key(|j| std::cmp::Reverse(self.depot_distance[*j])),
            _ => removed.sort_by_key(|j| self.depot_distance[*j]),
        }
        for job in removed {
            let mut best: Option<(i64, usize, usize)> = None;
            for v in 0..state.routes.len() {
                if state.routes[v].is_empty() && self.class_of[v] != v {
                    let class = self.class_of[v];
                    if state.routes[class].is_empty() {
                        continue;
                    }
                }
                if let Some((delta, position)) =
                    self.best_insertion(state, v, job, rng, best.map(|b| b.0))
                    && best.is_none_or(|b| delta < b.0)
                {
                    best = Some((delta, v, position));
                }
            }
            let Some((delta, v, position)) = best else {
                continue;
            };
            if delta > jobs[job].unassigned_penalty {
                continue;
            }
            state.routes[v].insert(position, job);
            state.vehicle_of[job] = Some(v);
            state.unassigned_cost -= jobs[job].unassigned_penalty;
            self.refresh(state, v);
        }
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
        let matrix = problem.matrix();
        let route = &state.routes[v];
        let (open, close) = self.envelope[job];
        let fixed = if route.is_empty() {
            vehicle.fixed_cost
        } else {
            0
        };
        let mut best: Option<(i64, usize)> = None;
        let mut candidates: Vec<(i64, usize)> = Vec::new();
        for position in 0..=route.len() {
            self.work += 1;
            if rng.unit() < BLINK_RATE {
                continue;
            }
            let before = self.location(v, route, position).expect("start exists");
            let after = self.location(v, route, position + 1);
            let service_before = if position == 0 {
                0
            } else {
                problem.jobs()[route[position - 1]].service
            };
            let arrival = cache.earliest[position]
                + service_before
                + matrix.duration(before, target.location);
            let begin = arrival.max(open);
            if begin > close {
                continue;
            }
            let finish = begin + target.service;
            let reach = after.map_or(finish, |a| finish + matrix.duration(target.location, a));
            if reach > cache.latest[position + 1] {
                continue;
            }
            let mut delta = fixed
                + vehicle.leg_cost(
                    matrix.distance(before, target.location),
                    matrix.duration(before, target.location),
                );
            if let Some(a) = after {
                delta += vehicle.leg_cost(
                    matrix.distance(target.location, a),
                    matrix.duration(target.location, a),
                ) - vehicle
                    .leg_cost(matrix.distance(before, a), matrix.duration(before, a));
            }
            if self.plain {
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, position));
                }
            } else {
                candidates.push((delta, position));
            }
        }
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
            self.work += scratch.len() as u64;
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
