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
//! - *Exact* problems (several windows per job or breaks, still without
//!   soft deadlines or a working-time limit: VROOM's documents) keep the
//!   same arrays once per number of breaks taken, with each job's exact
//!   windows, and check an insertion in O(b²) for b breaks by trying where
//!   the breaks fall around it ([`super::schedule::leg_arrival`] forward,
//!   [`super::schedule::latest_ready`] backward).
//! - *Rich* problems first screen an insertion with the same O(1) test on
//!   relaxed data (each job's window envelope, no break), which is a
//!   necessary condition, and then time the candidate route exactly with
//!   [`super::schedule`].
//!
//! Travel-time and distance limits are checked in O(1) in every mode from
//! each route's totals.
//!
//! The budget is counted in work units (insertion evaluations), never read
//! from the clock, so a seed gives the same plan on a busy machine too.

use super::construction::{Plan, route_cost};
use super::schedule::{latest_ready, latest_start_in, leg_arrival, start_in_windows};
use super::{Break, Problem, Vehicle};
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
/// Route elimination: every this share of the budget the search tries to
/// drop its smallest route (see [`Search::eliminate`]) ...
const ELIMINATION_EVERY: f64 = 0.1;
/// ... spending at most this share of the budget on one attempt ...
const ELIMINATION_SLICE: f64 = 0.01;
/// ... and stops trying after this many attempts in a row were not adopted.
const ELIMINATION_PATIENCE: u32 = 2;
/// With more vehicles than this, a job is only tried in the routes of its
/// [`GRANULAR_NEIGHBOURS`] nearest jobs (and in empty ones): far routes
/// almost never hold the cheapest insertion, and scanning every route for
/// every job made a move on a thousand jobs and 250 vehicles an order of
/// magnitude dearer than on a hundred.
const GRANULAR_FLEET: usize = 80;
const GRANULAR_NEIGHBOURS: usize = 40;
/// A recreate retries every unassigned job while there are at most this
/// many ...
const RETRY_ALL_UNASSIGNED: usize = 30;
/// ... and otherwise those near the ruin and this many drawn at random.
const UNASSIGNED_SAMPLE: usize = 10;
/// Routes of accepted solutions within this share of the best cost go to
/// the set-partitioning pool.
const POOL_SLACK: f64 = 0.02;

/// The operations the search counts; its work is their weighted sum
/// ([`Counts::work`]). Logged at debug level when the search ends, for
/// calibration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub steps: u64,
    pub copied: u64,
    pub pooled: u64,
    pub scanned: u64,
    pub nodes: u64,
    pub timing: u64,
    /// Vehicles probed for an empty route by the granular insertion.
    pub routes: u64,
    /// Jobs whose cheapest insertion was sought.
    pub inserts: u64,
    pub tries: u64,
    pub positions: u64,
    pub exact: u64,
}

impl Counts {
    /// Work units: about a nanosecond of CPU each on the development
    /// machine. The weights are CPU nanoseconds per operation, fitted by
    /// least squares to `ruyi bench calibrate` runs (Solomon, Gehring &
    /// Homberger 400 and 1000, VROOM field days, hub days, each at two time
    /// limits so that setup drops out); operations that read the matrix at
    /// random cost `memory` times more (see [`super::MEMORY_SIDE`]).
    fn work(&self, memory: f64) -> u64 {
        let flat = 500.0 * self.steps as f64
            + 2.0 * (self.copied + self.pooled) as f64
            + 3.9 * self.scanned as f64
            + 3.9 * self.timing as f64
            + 12.6 * self.routes as f64;
        let random = 200.0 * self.inserts as f64
            + 3.1 * self.tries as f64
            + 3.8 * self.nodes as f64
            + 8.1 * self.positions as f64
            + 6.9 * self.exact as f64;
        (flat + memory * random) as u64
    }
}

/// Location marker for the missing end of an open route.
const NOWHERE: usize = usize::MAX;

/// "Never" in the earliest arrays, "no time works" in the latest ones.
const LATE: i64 = i64::MAX / 4;
const EARLY: i64 = i64::MIN / 4;

/// How an insertion is checked (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timing {
    Plain,
    Exact,
    Rich,
}

/// The travel matrix as the search reads it, with its own location numbers.
///
/// An insertion reads, for every position of a route, the legs into the
/// job and out of it. On a thousand locations, reading them from the
/// problem's matrix was a miss to memory per position and made a position
/// ten times dearer than on a hundred. Here every leg is stored twice, by
/// origin and by destination, so both come from the job's own two rows,
/// and locations are numbered along a nearest-neighbour tour, so the places
/// of nearby routes sit close together in those rows (a few cache lines).
#[derive(Debug, Clone)]
struct Legs {
    size: usize,
    /// The search's number of each of the problem's locations, and the
    /// problem's location of each number.
    number: Vec<usize>,
    order: Vec<usize>,
    /// `durations[a * size + b]` and `durations_into[b * size + a]`: the
    /// duration from `a` to `b`.
    durations: Vec<i64>,
    durations_into: Vec<i64>,
    /// Distances by origin, where a vehicle has a distance limit.
    distances: Vec<i64>,
    /// Leg costs by origin and by destination, when every vehicle prices
    /// legs alike.
    costs: Option<(Vec<i64>, Vec<i64>)>,
}

/// A job's rows of [`Legs`] (see [`Search::job_rows`]).
struct JobRows<'a> {
    duration_in: &'a [i64],
    duration_out: &'a [i64],
    cost_in: &'a [i64],
    cost_out: &'a [i64],
}

/// Largest matrix side the search copies into [`Legs`] (several matrices of
/// its size); beyond it, it reads the problem's matrix.
const LEGS_LIMIT: usize = 2_500;

impl Legs {
    fn new(problem: &Problem, uniform_costs: Option<&Vehicle>) -> Self {
        let matrix = problem.matrix();
        let size = matrix.size();
        // A nearest-neighbour tour from the first vehicle's start.
        let mut number = vec![usize::MAX; size];
        let mut order = Vec::with_capacity(size);
        let mut at = problem.vehicles().first().map_or(0, |v| v.start);
        while order.len() < size {
            number[at] = order.len();
            order.push(at);
            let next = (0..size)
                .filter(|&to| number[to] == usize::MAX)
                .min_by_key(|&to| (matrix.distance(at, to) + matrix.distance(to, at), to));
            match next {
                Some(next) => at = next,
                None => break,
            }
        }
        let by_origin = |cell: &dyn Fn(usize, usize) -> i64| -> Vec<i64> {
            let mut cells = Vec::with_capacity(size * size);
            for &a in &order {
                cells.extend(order.iter().map(|&b| cell(a, b)));
            }
            cells
        };
        let by_destination = |cell: &dyn Fn(usize, usize) -> i64| -> Vec<i64> {
            let mut cells = Vec::with_capacity(size * size);
            for &b in &order {
                cells.extend(order.iter().map(|&a| cell(a, b)));
            }
            cells
        };
        let limited =
            problem.vehicles().iter().any(|v| v.max_distance.is_some()) || uniform_costs.is_none();
        Legs {
            size,
            durations: by_origin(&|a, b| matrix.duration(a, b)),
            durations_into: by_destination(&|a, b| matrix.duration(a, b)),
            distances: if limited {
                by_origin(&|a, b| matrix.distance(a, b))
            } else {
                Vec::new()
            },
            costs: uniform_costs.map(|vehicle| {
                let cost = |a: usize, b: usize| {
                    vehicle.leg_cost(matrix.distance(a, b), matrix.duration(a, b))
                };
                (by_origin(&cost), by_destination(&cost))
            }),
            number,
            order,
        }
    }

    /// The row of `location` (a search number) by origin or destination.
    #[inline]
    fn row<'m>(&self, cells: &'m [i64], location: usize) -> &'m [i64] {
        &cells[location * self.size..(location + 1) * self.size]
    }
}

/// Per-route data for the insertion test. The time arrays hold one row of
/// `nodes` entries per number of breaks taken so far (one row without
/// breaks): entry `taken * nodes + node`.
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
    /// Cost of the leg from each node to the next (0 to a missing end).
    next_arc: Vec<i64>,
    /// Total travel time and distance.
    travel_time: i64,
    distance: i64,
    /// Fixed + travel + lateness cost of the route (0 when empty).
    cost: i64,
    /// Whether the route keeps every rule (a removal can break one on
    /// matrices without the triangle inequality, or with a working-time
    /// limit).
    feasible: bool,
}

impl RouteCache {
    /// Copies `other` into `self`, reusing the allocations.
    fn copy_from(&mut self, other: &RouteCache) {
        self.locations.clone_from(&other.locations);
        self.earliest.clone_from(&other.earliest);
        self.depart.clone_from(&other.depart);
        self.latest.clone_from(&other.latest);
        self.load.clone_from(&other.load);
        self.next_arc.clone_from(&other.next_arc);
        self.travel_time = other.travel_time;
        self.distance = other.distance;
        self.cost = other.cost;
        self.feasible = other.feasible;
    }

    fn nodes(&self) -> usize {
        self.locations.len()
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
    /// Sum of the routes' costs and number of non-empty routes, kept up to
    /// date by [`Search::refresh`] so a move costs nothing per vehicle.
    routes_cost: i64,
    used_routes: usize,
    /// Which routes are empty, one bit per vehicle at its slot (see
    /// [`Search`]'s `slot_of`), kept up to date with the routes so the
    /// granular insertion finds a class's next empty route in a few words.
    empty_slots: Vec<u64>,
}

/// Sets or clears bit `slot` of `bits`.
fn set_slot(bits: &mut [u64], slot: usize, on: bool) {
    let mask = 1u64 << (slot % 64);
    if on {
        bits[slot / 64] |= mask;
    } else {
        bits[slot / 64] &= !mask;
    }
}

/// Whether bit `at` of `bits` is set.
fn bit(bits: &[u64], at: usize) -> bool {
    bits[at / 64] >> (at % 64) & 1 == 1
}

/// The first set bit of `bits` in `from..to`.
fn first_set(bits: &[u64], from: usize, to: usize) -> Option<usize> {
    let mut at = from;
    while at < to {
        let offset = at % 64;
        let span = (64 - offset).min(to - at);
        let mut word = bits[at / 64] >> offset;
        if span < 64 {
            word &= (1u64 << span) - 1;
        }
        if word != 0 {
            return Some(at + word.trailing_zeros() as usize);
        }
        at += span;
    }
    None
}

impl State {
    fn cost(&self) -> i64 {
        self.routes_cost + self.unassigned_cost
    }

    fn used(&self) -> usize {
        self.used_routes
    }

    /// Makes `self` equal to `other` where a move changed it: the routes in
    /// `touched` and the jobs in `moved`.
    fn copy_changes(
        &mut self,
        other: &State,
        touched: &[usize],
        moved: &[usize],
        slot_of: &[usize],
    ) {
        for &v in touched {
            set_slot(
                &mut self.empty_slots,
                slot_of[v],
                other.routes[v].is_empty(),
            );
            self.routes[v].clone_from(&other.routes[v]);
            self.caches[v].copy_from(&other.caches[v]);
        }
        for &j in moved {
            self.vehicle_of[j] = other.vehicle_of[j];
        }
        self.unassigned = other.unassigned;
        self.unassigned_cost = other.unassigned_cost;
        self.routes_cost = other.routes_cost;
        self.used_routes = other.used_routes;
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
    /// The deadline stopped the search before its budget was spent.
    pub stopped_by_clock: bool,
}

/// The search engine for one problem.
pub struct Search<'a> {
    problem: &'a Problem,
    /// How insertions are checked (see the module docs).
    timing: Timing,
    /// Each vehicle's breaks in order (exact timing only; empty otherwise).
    breaks: Vec<Vec<Break>>,
    /// For each vehicle, the first vehicle identical to it; empty routes of
    /// identical vehicles are tried once.
    class_of: Vec<usize>,
    /// Nearest jobs of each job, nearest first (the job itself first).
    neighbours: Vec<Vec<u32>>,
    /// Which vehicles may serve each job ([`Vehicle::can_serve`]), one
    /// bit per vehicle, `servable_words` words per job: a hub's ticket may
    /// go to the crews of a few stations near its site only, so most empty
    /// vehicles a granular insertion probes cannot take it, and testing
    /// their skills and teams again at every insertion cost a tenth of a
    /// live re-plan.
    servable: Vec<u64>,
    servable_words: usize,
    /// Hard envelope of each job's windows.
    envelope: Vec<(i64, i64)>,
    /// Distance from the first vehicle's start, for the recreate orders.
    depot_distance: Vec<i64>,
    /// Leg cost between the problem's locations when every vehicle prices
    /// legs alike (used without [`Legs`]).
    arc_cost: Option<Vec<i64>>,
    /// The matrix in the search's numbering; `None` on very large matrices,
    /// where the search numbers locations as the problem does.
    legs: Option<Legs>,
    /// Most non-empty routes the recreate may use.
    max_routes: usize,
    /// Jobs differ in what leaving them out costs.
    penalties_vary: bool,
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
    /// Per vehicle, the last job whose insertion found one of its nearest
    /// jobs on the vehicle's route (granular insertion, large fleets).
    near_stamp: Vec<u64>,
    /// The vehicles of each class, and where the last empty one was found.
    members: Vec<Vec<usize>>,
    /// The classes of more than one vehicle; how many have one; and, per
    /// job, the classes of one that may serve it (a hub's engineers are
    /// mostly each their own class, and a ticket servable by a few).
    shared_classes: Vec<usize>,
    single_classes: usize,
    single_serving: Vec<Vec<u32>>,
    empty_hint: Vec<usize>,
    /// Each vehicle's slot: the classes' members one after the other, so a
    /// class's routes are a run of bits in a state's `empty_slots`.
    slot_of: Vec<usize>,
    /// Each class's first slot.
    class_slot: Vec<usize>,
    /// Routes a granular insertion tries (a buffer).
    candidates: Vec<usize>,
    /// Positions a rich insertion times, and the route it times them on
    /// (buffers: an insertion is the search's innermost step).
    positions: Vec<(i64, usize)>,
    scratch: Vec<usize>,
    insertion_stamp: u64,
    counts: Counts,
    /// Cost of a random matrix read relative to a small matrix.
    memory: f64,
    pool: RoutePool,
}

impl<'a> Search<'a> {
    /// Prepares the search for `problem` once, outside the work budget of
    /// [`Search::run`]: chooses how insertions are timed (see the module
    /// docs), groups identical vehicles, and precomputes each job's nearest
    /// jobs and the matrix in the search's numbering.
    pub fn new(problem: &'a Problem) -> Self {
        let jobs = problem.jobs();
        let vehicles = problem.vehicles();
        let timed_exactly = jobs.iter().all(|j| {
            j.deadline
                .is_none_or(|d| d.penalty_per_unit == 0 && d.miss_cost == 0)
                && j.announced.is_none()
        }) && vehicles.iter().all(|v| v.max_work.is_none());
        let timing = if !timed_exactly {
            Timing::Rich
        } else if jobs.iter().all(|j| j.windows.len() == 1)
            && vehicles.iter().all(|v| v.lunch.is_none())
        {
            Timing::Plain
        } else {
            Timing::Exact
        };
        let breaks = vehicles
            .iter()
            .map(|v| {
                if timing == Timing::Exact {
                    v.breaks().cloned().collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let class_of: Vec<usize> = (0..vehicles.len())
            .map(|v| {
                (0..v)
                    .find(|&w| same_vehicle(&vehicles[v], &vehicles[w]))
                    .unwrap_or(v)
            })
            .collect();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (v, &class) in class_of.iter().enumerate() {
            if class == v {
                members.push(vec![v]);
            } else if let Some(list) = members.iter_mut().find(|list| list[0] == class) {
                list.push(v);
            }
        }
        let mut slot_of = vec![0; vehicles.len()];
        let mut class_slot = Vec::with_capacity(members.len());
        let mut next_slot = 0;
        for list in &members {
            class_slot.push(next_slot);
            for &v in list {
                slot_of[v] = next_slot;
                next_slot += 1;
            }
        }
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
        let servable_words = vehicles.len().div_ceil(64);
        let mut servable = vec![0u64; jobs.len() * servable_words];
        for (j, job) in jobs.iter().enumerate() {
            for (v, vehicle) in vehicles.iter().enumerate() {
                if vehicle.can_serve(job) {
                    servable[j * servable_words + v / 64] |= 1 << (v % 64);
                }
            }
        }
        let shared_classes: Vec<usize> = (0..members.len())
            .filter(|&class| members[class].len() > 1)
            .collect();
        let single_serving = (0..jobs.len())
            .map(|j| {
                (0..members.len() as u32)
                    .filter(|&class| {
                        let list = &members[class as usize];
                        list.len() == 1 && bit(&servable[j * servable_words..], list[0])
                    })
                    .collect()
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
        let uniform = vehicles.first().filter(|first| {
            vehicles.iter().all(|v| {
                v.cost_per_distance == first.cost_per_distance
                    && v.cost_per_duration == first.cost_per_duration
            })
        });
        let legs = (size <= LEGS_LIMIT).then(|| Legs::new(problem, uniform));
        let arc_cost = uniform
            .filter(|_| legs.is_none() && size <= 4_000)
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
            timing,
            breaks,
            class_of,
            neighbours,
            servable,
            servable_words,
            envelope,
            depot_distance,
            arc_cost,
            legs,
            max_routes: usize::MAX,
            penalties_vary: jobs
                .windows(2)
                .any(|pair| pair[0].unassigned_penalty != pair[1].unassigned_penalty),
            touched: Vec::new(),
            is_touched: vec![false; vehicles.len()],
            removed: Vec::new(),
            until_blink: 0,
            empty_tried: vec![0; vehicles.len()],
            near_stamp: vec![0; vehicles.len()],
            empty_hint: vec![0; members.len()],
            single_classes: members.len() - shared_classes.len(),
            shared_classes,
            single_serving,
            slot_of,
            class_slot,
            members,
            candidates: Vec::new(),
            positions: Vec::new(),
            scratch: Vec::new(),
            insertion_stamp: 0,
            counts: Counts::default(),
            memory: 1.0 + size as f64 / super::MEMORY_SIDE,
            pool: RoutePool::default(),
        }
    }

    /// Whether vehicle `v` may serve `job` (skills and teams).
    fn serves(&self, v: usize, job: usize) -> bool {
        bit(&self.servable[job * self.servable_words..], v)
    }

    /// Work done so far, in work units.
    fn work(&self) -> u64 {
        self.counts.work(self.memory)
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
        let start_work = self.work();
        let every = ((budget as f64 * ELIMINATION_EVERY) as u64).max(1);
        let slice = (budget as f64 * ELIMINATION_SLICE) as u64;
        let mut next_elimination = every / 2;
        let mut misses = 0;
        let mut stopped_by_clock = false;
        while self.work() - start_work < budget {
            if iterations.is_multiple_of(256)
                && deadline.is_some_and(|d| std::time::Instant::now() > d)
            {
                tracing::warn!(
                    iterations,
                    work_done = self.work() - start_work,
                    budget,
                    "search stopped by the wall-clock safety net: the machine is starved, and the plan depends on its load"
                );
                stopped_by_clock = true;
                break;
            }
            let spent = self.work() - start_work;
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
        tracing::debug!(counts = ?self.counts, "search counts");
        Outcome {
            plan: best,
            iterations,
            work_units: self.work() - start_work,
            pool: self.pool.into_routes(),
            stopped_by_clock,
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
        self.counts.steps += 1;
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
        self.counts.copied += copied as u64;
        if accepted {
            current.copy_changes(candidate, &self.touched, &self.removed, &self.slot_of);
            *current_cost = cost;
        } else {
            candidate.copy_changes(current, &self.touched, &self.removed, &self.slot_of);
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
        let until = self.work() + slice;
        while self.work() < until {
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
            routes_cost: 0,
            used_routes: 0,
            empty_slots: vec![0; plan.len().div_ceil(64)],
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
                self.counts.pooled += route.len() as u64;
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
            self.counts.scanned += state.vehicle_of.len() as u64;
            self.removed
                .extend((0..state.vehicle_of.len()).filter(|j| state.vehicle_of[*j].is_none()));
        }
    }

    /// The unassigned jobs the recreate tries after a ruin around `seed`:
    /// all of them while they are few; otherwise those among the seed's
    /// nearest jobs (they fit where the ruin made room) and a random sample
    /// of the others, so a move costs about the same however many jobs the
    /// day leaves out (VROOM's oversubscribed days leave out most).
    fn collect_unassigned_near(&mut self, state: &State, seed: usize, rng: &mut Rng) {
        if state.unassigned <= RETRY_ALL_UNASSIGNED {
            self.collect_unassigned(state);
            return;
        }
        let first = self.removed.len();
        let near = &self.neighbours[seed];
        self.counts.scanned += (near.len() + 4 * UNASSIGNED_SAMPLE) as u64;
        self.removed.extend(
            near.iter()
                .map(|&j| j as usize)
                .filter(|&j| state.vehicle_of[j].is_none()),
        );
        let total = state.vehicle_of.len();
        let mut sampled = 0;
        for _ in 0..4 * UNASSIGNED_SAMPLE {
            if sampled == UNASSIGNED_SAMPLE {
                break;
            }
            let job = rng.below(total);
            if state.vehicle_of[job].is_none() && !self.removed[first..].contains(&job) {
                self.removed.push(job);
                sampled += 1;
            }
        }
    }

    /// Draws the number of positions before the next blink (geometric), so
    /// the recreate needs one random draw per blink, not per position.
    fn draw_blink(&mut self, rng: &mut Rng) {
        self.until_blink = blink_gap(rng);
    }

    /// The search's number of one of the problem's locations.
    #[inline]
    fn place(&self, location: usize) -> usize {
        match &self.legs {
            Some(legs) => legs.number[location],
            None => location,
        }
    }

    /// Leg cost from `a` to `b` (search numbers) for `vehicle` (no leg to a
    /// missing end).
    #[inline]
    fn arc(&self, vehicle: &Vehicle, a: usize, b: usize) -> i64 {
        if b == NOWHERE {
            return 0;
        }
        if let Some(legs) = &self.legs {
            return match &legs.costs {
                Some((costs, _)) => costs[a * legs.size + b],
                None => vehicle.leg_cost(self.distance(a, b), legs.durations[a * legs.size + b]),
            };
        }
        match &self.arc_cost {
            Some(costs) => costs[a * self.problem.matrix().size() + b],
            None => {
                let matrix = self.problem.matrix();
                vehicle.leg_cost(matrix.distance(a, b), matrix.duration(a, b))
            }
        }
    }

    /// Travel time from `a` to `b` (search numbers; none to a missing end).
    #[inline]
    fn duration(&self, a: usize, b: usize) -> i64 {
        if b == NOWHERE {
            0
        } else if let Some(legs) = &self.legs {
            legs.durations[a * legs.size + b]
        } else {
            self.problem.matrix().duration(a, b)
        }
    }

    /// Distance from `a` to `b` (search numbers; none to a missing end).
    #[inline]
    fn distance(&self, a: usize, b: usize) -> i64 {
        match &self.legs {
            _ if b == NOWHERE => 0,
            Some(legs) if !legs.distances.is_empty() => legs.distances[a * legs.size + b],
            // Distances not copied (no limit, uniform costs): the problem's.
            Some(legs) => self.problem.matrix().distance(legs.order[a], legs.order[b]),
            None => self.problem.matrix().distance(a, b),
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
        let (old_cost, was_used) = (cache.cost, cache.nodes() > 2);
        cache.locations.clear();
        cache.locations.push(self.place(vehicle.start));
        cache
            .locations
            .extend(route.iter().map(|&j| self.place(jobs[j].location)));
        cache
            .locations
            .push(vehicle.end.map_or(NOWHERE, |end| self.place(end)));
        cache.load.clear();
        cache.load.resize(problem.dimensions(), 0);
        for &j in route {
            for (amount, demand) in cache.load.iter_mut().zip(&jobs[j].demand) {
                *amount += demand;
            }
        }
        // Totals for the travel limits, where there are limits.
        let (mut travel_time, mut distance) = (0, 0);
        if vehicle.max_travel_time.is_some() || vehicle.max_distance.is_some() {
            for leg in cache.locations.windows(2) {
                travel_time += self.duration(leg[0], leg[1]);
                if vehicle.max_distance.is_some() {
                    distance += self.distance(leg[0], leg[1]);
                }
            }
        }
        cache.travel_time = travel_time;
        cache.distance = distance;
        let within_limits = vehicle.max_travel_time.is_none_or(|m| travel_time <= m)
            && vehicle.max_distance.is_none_or(|m| distance <= m);
        let on_time = if self.timing == Timing::Exact {
            self.time_exactly(&mut cache, v, route)
        } else {
            self.time_relaxed(&mut cache, v, route)
        };
        cache.next_arc.clear();
        cache.next_arc.extend(
            cache
                .locations
                .windows(2)
                .map(|leg| self.arc(vehicle, leg[0], leg[1])),
        );
        let travel: i64 = cache.next_arc.iter().sum();
        (cache.cost, cache.feasible) = if route.is_empty() {
            (0, true)
        } else if self.timing == Timing::Rich {
            self.counts.timing += timing_work(vehicle, route.len());
            match route_cost(problem, v, route) {
                Some(cost) => (cost, true),
                None => (0, false),
            }
        } else {
            (vehicle.fixed_cost + travel, on_time && within_limits)
        };
        self.counts.nodes += (nodes * cache.earliest.len().div_ceil(nodes)) as u64;
        state.routes_cost += cache.cost - old_cost;
        state.used_routes = state.used_routes + usize::from(nodes > 2) - usize::from(was_used);
        set_slot(&mut state.empty_slots, self.slot_of[v], nodes == 2);
        state.caches[v] = cache;
    }

    /// One row of earliest and latest times on each job's window envelope,
    /// breaks ignored: exact for plain problems, a relaxation for rich ones.
    /// Returns whether the route is on time.
    fn time_relaxed(&self, cache: &mut RouteCache, v: usize, route: &[usize]) -> bool {
        let vehicle = &self.problem.vehicles()[v];
        let jobs = self.problem.jobs();
        let nodes = route.len() + 2;
        cache.earliest.clear();
        cache.depart.clear();
        cache.latest.clear();
        cache.earliest.resize(nodes, 0);
        cache.depart.resize(nodes, 0);
        cache.latest.resize(nodes, 0);
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
        let mut on_time = true;
        for node in 1..nodes {
            let arrival = cache.depart[node - 1]
                + self.duration(cache.locations[node - 1], cache.locations[node]);
            let (open, close) = window(node);
            on_time &= arrival <= close;
            cache.earliest[node] = arrival.max(open);
            cache.depart[node] = cache.earliest[node] + service(node);
        }
        cache.latest[nodes - 1] = vehicle.shift.end;
        for node in (0..nodes - 1).rev() {
            let leg = self.duration(cache.locations[node], cache.locations[node + 1]);
            cache.latest[node] = (cache.latest[node + 1] - leg - service(node)).min(window(node).1);
        }
        on_time
    }

    /// Earliest and latest times per number of breaks taken, on each job's
    /// exact windows (see the module docs). At the end every break must have
    /// been taken, or none if the route is over before the first opens and
    /// the vehicle may skip them (the rule of [`super::schedule`]). Returns
    /// whether the route is on time.
    fn time_exactly(&self, cache: &mut RouteCache, v: usize, route: &[usize]) -> bool {
        let vehicle = &self.problem.vehicles()[v];
        let breaks = &self.breaks[v];
        let jobs = self.problem.jobs();
        let nodes = route.len() + 2;
        let rows = breaks.len() + 1;
        for times in [&mut cache.earliest, &mut cache.depart] {
            times.clear();
            times.resize(rows * nodes, LATE);
        }
        cache.latest.clear();
        cache.latest.resize(rows * nodes, EARLY);
        let service = |node: usize| {
            if node == 0 || node > route.len() {
                0
            } else {
                jobs[route[node - 1]].service
            }
        };
        cache.earliest[0] = vehicle.shift.start;
        cache.depart[0] = vehicle.shift.start;
        for node in 1..nodes {
            let travel = self.duration(cache.locations[node - 1], cache.locations[node]);
            let job = (node <= route.len()).then(|| &jobs[route[node - 1]]);
            for taken in 0..rows {
                let ready = cache.depart[taken * nodes + node - 1];
                if ready >= LATE {
                    continue;
                }
                for more in 0..rows - taken {
                    let Some(arrival) = leg_arrival(ready, travel, &breaks[taken..taken + more])
                    else {
                        break;
                    };
                    let start = match job {
                        Some(job) => match start_in_windows(&job.windows, arrival) {
                            Some(start) => start,
                            None => break,
                        },
                        None => arrival,
                    };
                    let at = (taken + more) * nodes + node;
                    if start < cache.earliest[at] {
                        cache.earliest[at] = start;
                        cache.depart[at] = start + service(node);
                    }
                }
            }
        }
        let last = nodes - 1;
        cache.latest[(rows - 1) * nodes + last] = vehicle.shift.end;
        if let Some(first) = breaks.first()
            && !vehicle.take_every_break
        {
            cache.latest[last] = vehicle.shift.end.min(first.windows[0].start);
        }
        for node in (0..last).rev() {
            let travel = self.duration(cache.locations[node], cache.locations[node + 1]);
            let job = (node >= 1).then(|| &jobs[route[node - 1]]);
            for taken in 0..rows {
                let mut latest = EARLY;
                for more in 0..rows - taken {
                    let by = cache.latest[(taken + more) * nodes + node + 1];
                    if by <= EARLY {
                        continue;
                    }
                    let Some(ready) = latest_ready(by, travel, breaks[taken..taken + more].iter())
                    else {
                        continue;
                    };
                    let start = match job {
                        Some(job) => latest_start_in(&job.windows, ready - job.service),
                        None => Some(ready),
                    };
                    if let Some(start) = start {
                        latest = latest.max(start);
                    }
                }
                cache.latest[taken * nodes + node] = latest;
            }
        }
        (0..rows).any(|taken| {
            let at = taken * nodes + last;
            cache.earliest[at] <= cache.latest[at]
        })
    }

    /// Removes strings of consecutive jobs from routes near a random seed
    /// job (SISR's ruin) into the removed list, after the jobs that were
    /// already unassigned.
    fn ruin(&mut self, state: &mut State, rng: &mut Rng) {
        let total = state.vehicle_of.len();
        let assigned = total - state.unassigned;
        if assigned == 0 {
            self.collect_unassigned(state);
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
        self.collect_unassigned_near(state, seed, rng);
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
        for v in ruined {
            self.refresh(state, v);
            // Removing visits is not always harmless: without its first
            // visit a route may start waiting and overrun the maximum
            // working time, and a matrix without the triangle inequality
            // can make the shortcut longer. Drop visits from the front
            // until what is left keeps every rule.
            while !state.caches[v].feasible && !state.routes[v].is_empty() {
                self.removed.push(state.routes[v].remove(0));
                self.refresh(state, v);
            }
        }
        for &j in &self.removed[first_removed..] {
            if state.vehicle_of[j].take().is_some() {
                state.unassigned += 1;
                state.unassigned_cost += self.problem.jobs()[j].unassigned_penalty;
            }
        }
    }

    /// Greedy insertion of the removed jobs with blinks, in one of SISR's
    /// orders.
    fn recreate(&mut self, state: &mut State, rng: &mut Rng) {
        let jobs = self.problem.jobs();
        let mut removed = std::mem::take(&mut self.removed);
        // SISR's orders (random, larger demand first, farther first, nearer
        // first) and, where jobs are worth different amounts (VROOM's
        // priorities), the most valuable first.
        let weights: &[f64] = if self.penalties_vary {
            &[4.0, 4.0, 2.0, 1.0, 4.0]
        } else {
            &[4.0, 4.0, 2.0, 1.0]
        };
        match rng.weighted(weights) {
            0 => rng.shuffle(&mut removed),
            1 => {
                rng.shuffle(&mut removed);
                removed.sort_by_key(|j| std::cmp::Reverse(jobs[*j].demand.iter().sum::<i64>()));
            }
            2 => removed.sort_by_key(|j| std::cmp::Reverse(self.depot_distance[*j])),
            3 => removed.sort_by_key(|j| self.depot_distance[*j]),
            _ => {
                rng.shuffle(&mut removed);
                removed.sort_by_key(|j| std::cmp::Reverse(jobs[*j].unassigned_penalty));
            }
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
        self.counts.inserts += 1;
        let stamp = self.insertion_stamp;
        if state.routes.len() > GRANULAR_FLEET {
            return self.cheapest_near(state, job, used, rng);
        }
        let mut best: Option<(i64, usize, usize)> = None;
        for v in 0..state.routes.len() {
            if state.routes[v].is_empty() {
                let class = self.class_of[v];
                if used >= self.max_routes || self.empty_tried[class] == stamp {
                    continue;
                }
                self.empty_tried[class] = stamp;
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

    /// [`Search::cheapest`] for large fleets: only the routes of the job's
    /// [`GRANULAR_NEIGHBOURS`] nearest jobs, and one empty vehicle of each
    /// class (identical vehicles are interchangeable, so any empty one will
    /// do; a hint per class finds one without scanning the fleet).
    fn cheapest_near(
        &mut self,
        state: &State,
        job: usize,
        used: usize,
        rng: &mut Rng,
    ) -> Option<(i64, usize, usize)> {
        let stamp = self.insertion_stamp;
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        for &near in self.neighbours[job].iter().take(GRANULAR_NEIGHBOURS) {
            if let Some(v) = state.vehicle_of[near as usize]
                && self.near_stamp[v] != stamp
            {
                self.near_stamp[v] = stamp;
                if self.serves(v, job) {
                    candidates.push(v);
                }
            }
        }
        self.counts.scanned += GRANULAR_NEIGHBOURS as u64;
        if used < self.max_routes {
            // A class of one is probed once and its hint never moves: only
            // those that may serve the job need looking at.
            self.counts.routes += self.single_classes as u64;
            for &class in &self.single_serving[job] {
                let v = self.members[class as usize][0];
                if state.routes[v].is_empty() {
                    candidates.push(v);
                }
            }
            for &class in &self.shared_classes {
                let members = &self.members[class];
                // The first empty member from the hint on, round the class:
                // the probe's work is counted as probing one by one would.
                let from = self.empty_hint[class];
                let first = self.class_slot[class];
                let found = first_set(&state.empty_slots, first + from, first + members.len())
                    .or_else(|| first_set(&state.empty_slots, first, first + from))
                    .map(|slot| slot - first);
                debug_assert_eq!(
                    found,
                    (0..members.len())
                        .map(|k| (from + k) % members.len())
                        .find(|&at| state.routes[members[at]].is_empty()),
                    "the empty routes' bits"
                );
                self.counts.routes += found.map_or(members.len(), |at| {
                    (at + members.len() - from) % members.len() + 1
                }) as u64;
                if let Some(at) = found {
                    // The hint moves for every class, servable or not, so
                    // the probes (and the work counted) stay those of a
                    // search that tried them all.
                    self.empty_hint[class] = at;
                    if self.serves(members[at], job) {
                        candidates.push(members[at]);
                    }
                }
            }
        }
        candidates.sort_unstable();
        let mut best: Option<(i64, usize, usize)> = None;
        for &v in &candidates {
            if let Some((delta, position)) =
                self.best_insertion(state, v, job, rng, best.map(|b| b.0))
                && best.is_none_or(|b| delta < b.0)
            {
                best = Some((delta, v, position));
            }
        }
        self.candidates = candidates;
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
        if !self.serves(v, job) {
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
        let here = self.place(target.location);
        let fixed = if route.is_empty() {
            vehicle.fixed_cost
        } else {
            0
        };
        let limited = vehicle.max_travel_time.is_some() || vehicle.max_distance.is_some();
        let mut best: Option<(i64, usize)> = None;
        let mut candidates = std::mem::take(&mut self.positions);
        candidates.clear();
        let mut evaluated = 0;
        if self.timing == Timing::Exact {
            let best = self.best_exact_insertion(state, v, job, fixed, rng);
            return best;
        }
        // The legs into and out of the job, read from its own rows.
        let job_rows = Self::job_rows(&self.legs, here);
        for position in 0..=route.len() {
            // Departures only grow along the route: once the start is too
            // late, every later position is too.
            if cache.depart[position] > close {
                break;
            }
            evaluated += 1;
            if self.until_blink == 0 {
                self.until_blink = blink_gap(rng);
                continue;
            }
            self.until_blink -= 1;
            let before = cache.locations[position];
            let after = cache.locations[position + 1];
            let (travel_in, travel_out, detour) =
                self.detour(job_rows.as_ref(), vehicle, before, here, after);
            let begin = (cache.depart[position] + travel_in).max(open);
            if begin > close {
                continue;
            }
            let reach = begin + target.service + travel_out;
            if reach > cache.latest[position + 1] {
                continue;
            }
            if limited && !self.within_limits(vehicle, cache, before, here, after) {
                continue;
            }
            let delta = fixed + detour - cache.next_arc[position];
            if self.timing == Timing::Plain {
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, position));
                }
            } else if incumbent.is_none_or(|f| delta < f) {
                // A position whose travel alone cannot beat the incumbent
                // would never be timed (see below).
                candidates.push((delta, position));
            }
        }
        self.counts.positions += evaluated;
        self.counts.tries += 1;
        if self.timing != Timing::Rich {
            self.positions = candidates;
            return best;
        }
        // Rich problems: time the screened candidates exactly, cheapest
        // travel first, and stop once travel alone cannot beat the best.
        candidates.sort_unstable();
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clone_from(route);
        let old = cache.cost;
        for &(travel_delta, position) in &candidates {
            let floor = best.map(|b| b.0).into_iter().chain(incumbent).min();
            // Inserting a visit only delays the ones after it, so the travel
            // increase is (nearly always) a floor on the full increase.
            if floor.is_some_and(|f| travel_delta >= f) {
                break;
            }
            scratch.insert(position, job);
            self.counts.timing += timing_work(vehicle, scratch.len());
            if let Some(cost) = route_cost(problem, v, &scratch) {
                let delta = cost - old;
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, position));
                }
            }
            scratch.remove(position);
        }
        self.positions = candidates;
        self.scratch = scratch;
        best
    }
}

impl Search<'_> {
    /// The legs into and out of `here` (a search number) as rows: durations
    /// into it and out of it, leg costs into it and out of it (see
    /// [`Legs`]); `None` without [`Legs`] or without uniform leg costs.
    fn job_rows(legs: &Option<Legs>, here: usize) -> Option<JobRows<'_>> {
        let legs = legs.as_ref()?;
        let (costs, costs_into) = legs.costs.as_ref()?;
        Some(JobRows {
            duration_in: legs.row(&legs.durations_into, here),
            duration_out: legs.row(&legs.durations, here),
            cost_in: legs.row(costs_into, here),
            cost_out: legs.row(costs, here),
        })
    }

    /// Travel time into `here` from `before`, out of it to `after`, and the
    /// leg costs of both, from its rows when there are rows.
    #[inline(always)]
    fn detour(
        &self,
        rows: Option<&JobRows>,
        vehicle: &Vehicle,
        before: usize,
        here: usize,
        after: usize,
    ) -> (i64, i64, i64) {
        let out = |row: &[i64]| if after == NOWHERE { 0 } else { row[after] };
        match rows {
            Some(rows) => (
                rows.duration_in[before],
                out(rows.duration_out),
                rows.cost_in[before] + out(rows.cost_out),
            ),
            None => (
                self.duration(before, here),
                self.duration(here, after),
                self.arc(vehicle, before, here) + self.arc(vehicle, here, after),
            ),
        }
    }

    /// [`Search::best_insertion`] for exact timing: the cheapest position
    /// by travel first, then the exact test only where it would be the
    /// new best.
    fn best_exact_insertion(
        &mut self,
        state: &State,
        v: usize,
        job: usize,
        fixed: i64,
        rng: &mut Rng,
    ) -> Option<(i64, usize)> {
        let vehicle = &self.problem.vehicles()[v];
        let here = self.place(self.problem.jobs()[job].location);
        let close = self.envelope[job].1;
        let cache = &state.caches[v];
        let limited = vehicle.max_travel_time.is_some() || vehicle.max_distance.is_some();
        let nodes = cache.nodes();
        let rows = cache.depart.len() / nodes;
        let job_rows = Self::job_rows(&self.legs, here);
        let mut best: Option<(i64, usize)> = None;
        let mut evaluated = 0;
        let mut tested = 0;
        for position in 0..nodes - 1 {
            // Departures only grow along the route: once the start is too
            // late, every later position is too.
            let depart = (0..rows)
                .map(|taken| cache.depart[taken * nodes + position])
                .min()
                .unwrap_or(LATE);
            if depart > close {
                break;
            }
            evaluated += 1;
            if self.until_blink == 0 {
                self.until_blink = blink_gap(rng);
                continue;
            }
            self.until_blink -= 1;
            let before = cache.locations[position];
            let after = cache.locations[position + 1];
            let (to_job, from_job, detour) =
                self.detour(job_rows.as_ref(), vehicle, before, here, after);
            let delta = fixed + detour - cache.next_arc[position];
            if best.is_some_and(|b| delta >= b.0) {
                continue;
            }
            if limited && !self.within_limits(vehicle, cache, before, here, after) {
                continue;
            }
            tested += rows as u64;
            if self.fits_exactly(cache, v, position, job, (to_job, from_job)) {
                best = Some((delta, position));
            }
        }
        self.counts.positions += evaluated;
        self.counts.exact += tested;
        self.counts.tries += 1;
        best
    }

    /// Whether the route's travel time and distance stay within the
    /// vehicle's limits with `here` inserted between `before` and `after`.
    fn within_limits(
        &self,
        vehicle: &Vehicle,
        cache: &RouteCache,
        before: usize,
        here: usize,
        after: usize,
    ) -> bool {
        let detour = |leg: &dyn Fn(usize, usize) -> i64| {
            if after == NOWHERE {
                leg(before, here)
            } else {
                leg(before, here) + leg(here, after) - leg(before, after)
            }
        };
        vehicle
            .max_travel_time
            .is_none_or(|limit| cache.travel_time + detour(&|a, b| self.duration(a, b)) <= limit)
            && vehicle
                .max_distance
                .is_none_or(|limit| cache.distance + detour(&|a, b| self.distance(a, b)) <= limit)
    }

    /// Exact timing test of `job` between nodes `position` and
    /// `position + 1` of route `v`: from the earliest departure with some
    /// breaks taken, any further breaks on the way to the job and on the
    /// way on, arriving by the latest start that keeps the rest feasible.
    fn fits_exactly(
        &self,
        cache: &RouteCache,
        v: usize,
        position: usize,
        job: usize,
        (to_job, from_job): (i64, i64),
    ) -> bool {
        let breaks = &self.breaks[v];
        let target = &self.problem.jobs()[job];
        let rows = breaks.len() + 1;
        let nodes = cache.nodes();
        for taken in 0..rows {
            let ready = cache.depart[taken * nodes + position];
            if ready >= LATE {
                continue;
            }
            for more in 0..rows - taken {
                let Some(arrival) = leg_arrival(ready, to_job, &breaks[taken..taken + more]) else {
                    break;
                };
                let Some(start) = start_in_windows(&target.windows, arrival) else {
                    break;
                };
                let done = start + target.service;
                let reached = taken + more;
                for later in 0..rows - reached {
                    let Some(arrival) =
                        leg_arrival(done, from_job, &breaks[reached..reached + later])
                    else {
                        break;
                    };
                    if arrival <= cache.latest[(reached + later) * nodes + position + 1] {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Positions until the next blink: geometric with [`BLINK_RATE`].
fn blink_gap(rng: &mut Rng) -> u64 {
    let u = rng.unit().max(1e-300);
    (u.ln() / (1.0 - BLINK_RATE).ln()) as u64
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
    let passes = match vehicle.break_count() {
        0 => 1,
        1 => len as u64 + 2,
        several => (several * several) as u64 + 1,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_set_bit_of_a_range_is_found_across_words() {
        let mut bits = vec![0u64; 3];
        for slot in [3, 64, 130] {
            set_slot(&mut bits, slot, true);
        }
        assert_eq!(first_set(&bits, 0, 192), Some(3));
        assert_eq!(first_set(&bits, 4, 192), Some(64));
        assert_eq!(first_set(&bits, 65, 130), None);
        assert_eq!(first_set(&bits, 65, 131), Some(130));
        assert_eq!(first_set(&bits, 3, 3), None);
        set_slot(&mut bits, 64, false);
        assert_eq!(first_set(&bits, 4, 192), Some(130));
    }
}
