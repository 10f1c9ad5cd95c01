//! The problem model: jobs (visits) and vehicles (engineers) over a travel
//! matrix of location indices. Everything is an integer in the caller's
//! units (seconds and metres for dispatch, scaled Euclidean units for the
//! Solomon benchmarks), so move evaluation never accumulates float error.

use super::OptimizeError;

/// A closed interval `[start, end]` in time units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Earliest instant in the window (inclusive).
    pub start: i64,
    /// Latest instant in the window (inclusive).
    pub end: i64,
}

impl Window {
    /// A window that never binds. Its ends are a quarter of the `i64` range,
    /// not `MIN`/`MAX`, so adding travel and service times to them cannot
    /// overflow.
    pub const UNBOUNDED: Window = Window {
        start: i64::MIN / 4,
        end: i64::MAX / 4,
    };

    /// The window `[start, end]`; refuses a `start` after `end` (a window of
    /// one instant, `start == end`, is allowed).
    pub fn new(start: i64, end: i64) -> Result<Self, OptimizeError> {
        if start > end {
            return Err(OptimizeError::invalid(
                "window",
                format!("start {start} is after end {end}"),
            ));
        }
        Ok(Self { start, end })
    }

    /// Whether `at` lies in the window, both ends included.
    pub fn contains(&self, at: i64) -> bool {
        self.start <= at && at <= self.end
    }
}

/// Durations and distances between every pair of locations, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelMatrix {
    size: usize,
    durations: Vec<i64>,
    distances: Vec<i64>,
}

impl TravelMatrix {
    /// A matrix of `size` locations from flat row-major cells (cell
    /// `from * size + to`): `durations` in time units, `distances` in
    /// distance units. Refuses a cell count other than `size * size` and
    /// negative entries, so a faulty adapter fails here, naming the matrix,
    /// rather than yielding a strange plan.
    pub fn new(
        size: usize,
        durations: Vec<i64>,
        distances: Vec<i64>,
    ) -> Result<Self, OptimizeError> {
        let cells = size * size;
        if durations.len() != cells {
            return Err(OptimizeError::invalid(
                "matrix.durations",
                format!(
                    "{} cells for {size} locations, expected {cells}",
                    durations.len()
                ),
            ));
        }
        if distances.len() != cells {
            return Err(OptimizeError::invalid(
                "matrix.distances",
                format!(
                    "{} cells for {size} locations, expected {cells}",
                    distances.len()
                ),
            ));
        }
        if let Some(i) = durations.iter().chain(&distances).position(|v| *v < 0) {
            return Err(OptimizeError::invalid(
                "matrix",
                format!("negative entry at cell {}", i % cells),
            ));
        }
        Ok(Self {
            size,
            durations,
            distances,
        })
    }

    /// Number of locations; valid location indices are `0..size()`.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Travel time from `from` to `to` (not necessarily that of `to` to
    /// `from`).
    #[inline]
    pub fn duration(&self, from: usize, to: usize) -> i64 {
        self.durations[from * self.size + to]
    }

    /// Distance driven from `from` to `to` (not necessarily that of `to`
    /// to `from`).
    #[inline]
    pub fn distance(&self, from: usize, to: usize) -> i64 {
        self.distances[from * self.size + to]
    }

    /// Durations from `from` to every location, in location order.
    #[inline]
    pub fn durations_from(&self, from: usize) -> &[i64] {
        &self.durations[from * self.size..(from + 1) * self.size]
    }
}

/// A soft deadline on arrival (the 12 h on-site limit): arriving later costs
/// `miss_cost` plus `penalty_per_unit` per time unit late, but is never
/// infeasible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoftDeadline {
    /// Latest arrival that costs nothing.
    pub at: i64,
    /// Cost per time unit of arrival after `at`, added to the objective's
    /// lateness part; never negative.
    pub penalty_per_unit: i64,
    /// Cost of arriving after `at` at all, however little, added to the
    /// lateness part; never negative. A promise is kept or broken: priced
    /// per minute alone, a miss by ten minutes weighs almost nothing, and
    /// a plan lets it happen to save a short drive.
    pub miss_cost: i64,
}

impl SoftDeadline {
    /// What an arrival `lateness` time units after `at` costs (nothing
    /// when it is not late).
    pub fn cost(&self, lateness: i64) -> i64 {
        match lateness > 0 {
            true => self.miss_cost + lateness * self.penalty_per_unit,
            false => 0,
        }
    }
}

/// A visit to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Where the visit is: an index into the [`TravelMatrix`].
    pub location: usize,
    /// Time spent on site, from the start of service to leaving.
    pub service: i64,
    /// Hard windows for the start of service: sorted, disjoint, non-empty.
    pub windows: Vec<Window>,
    /// No service may start before this (a ticket is not known before it is
    /// reported, nor planned before the plan's "now"). [`Problem::new`]
    /// folds it into the windows; the checker verifies it on its own.
    pub release: Option<i64>,
    /// A soft limit on arrival (the SLA's on-site time): lateness is priced,
    /// not forbidden, so an overdue ticket is still served.
    pub deadline: Option<SoftDeadline>,
    /// Bit mask of required skills; a vehicle must hold all of them.
    pub skills: u64,
    /// What leaving the job unassigned costs; the objective's first part.
    pub unassigned_penalty: i64,
    /// One amount per capacity dimension of the problem.
    pub demand: Vec<i64>,
    /// The teams allowed to serve the job (sorted, no repeats); empty means
    /// any. A vehicle without a team may serve any job — the dispatcher's
    /// candidate sets: nearby stations' engineers plus the hub's.
    pub teams: Vec<u32>,
    /// Where and when a published plan told someone this visit would be:
    /// a re-plan that moves it pays for the disruption.
    pub announced: Option<Announcement>,
}

/// A visit already announced to its engineer (and customer). Giving it to
/// another vehicle, or starting it more than `slack` later than announced,
/// costs `cost` once: so a re-plan moves announced visits only for a gain
/// worth the disruption, and routes do not churn for a few metres. An
/// earlier start is not priced: a fault visited sooner is no one's loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcement {
    /// The vehicle it was announced on.
    pub vehicle: usize,
    /// The start of service announced.
    pub start: i64,
    /// How much later it may start before the move is priced.
    pub slack: i64,
    /// What moving it costs, in the objective's units.
    pub cost: i64,
}

impl Announcement {
    /// What serving the visit with `vehicle`, starting at `start`, costs.
    pub fn cost_of(&self, vehicle: usize, start: i64) -> i64 {
        if vehicle != self.vehicle || start > self.start + self.slack {
            self.cost
        } else {
            0
        }
    }
}

impl Job {
    /// A job with one unbounded window and no demand, for building up.
    pub fn at(location: usize, service: i64) -> Self {
        Job {
            location,
            service,
            windows: vec![Window::UNBOUNDED],
            release: None,
            deadline: None,
            skills: 0,
            unassigned_penalty: 1_000_000_000,
            demand: Vec::new(),
            teams: Vec::new(),
            announced: None,
        }
    }

    /// Earliest allowed start and latest allowed start over all windows.
    pub fn envelope(&self) -> Window {
        Window {
            start: self.windows[0].start,
            end: self.windows[self.windows.len() - 1].end,
        }
    }
}

/// A break (lunch): `duration` taken wholly, starting inside one of
/// `windows` (sorted and disjoint).
///
/// A break sits between two places of a route, as VROOM places it: it
/// starts as soon as both the previous stop is done and a window is open,
/// and the drive to the next place may be split around it, so the vehicle
/// can drive while it waits for the break to open, take the break before
/// driving, or take it on arrival while it waits for the next visit's
/// window. Driving only happens outside breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    /// When the break may start: sorted, disjoint, non-empty.
    pub windows: Vec<Window>,
    /// How long the break lasts, taken in one piece.
    pub duration: i64,
}

/// An engineer's day.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    /// Where the day begins: an index into the [`TravelMatrix`].
    pub start: usize,
    /// `None`: the route ends at its last visit.
    pub end: Option<usize>,
    /// Leave the start no earlier than `shift.start`, reach the end no later
    /// than `shift.end`.
    pub shift: Window,
    /// Bit mask of the skills held; see [`Job::skills`].
    pub skills: u64,
    /// One amount per capacity dimension, the most the route may carry in
    /// all. [`Problem::new`] pads missing dimensions with a capacity that
    /// never binds.
    pub capacity: Vec<i64>,
    /// Longest span from leaving the start to reaching the end.
    pub max_work: Option<i64>,
    /// Most time spent driving over the route (VROOM's `max_travel_time`).
    pub max_travel_time: Option<i64>,
    /// Longest route, in the matrix's distance unit (VROOM's
    /// `max_distance`).
    pub max_distance: Option<i64>,
    /// The first break of the day.
    pub lunch: Option<Break>,
    /// Further breaks, taken after `lunch` in this order (VROOM allows
    /// several); only with a `lunch`.
    pub further_breaks: Vec<Break>,
    /// Every break is taken by a route with any visit, even one over before
    /// the first break opens (VROOM's rule: the vehicle waits for it).
    /// Otherwise such a route takes none (an engineer home before lunch).
    pub take_every_break: bool,
    /// Cost of using this vehicle at all (a fixed cost large enough
    /// reproduces the classic vehicles-first objective).
    pub fixed_cost: i64,
    /// Cost per distance unit driven.
    pub cost_per_distance: i64,
    /// Cost per time unit driven (travel only: waiting, service and breaks
    /// are not priced).
    pub cost_per_duration: i64,
    /// The vehicle's team (e.g. its station), matched against
    /// [`Job::teams`]; `None` serves any job its skills allow.
    pub team: Option<u32>,
}

impl Vehicle {
    /// A vehicle with only a start, an end and a shift, for building up: no
    /// skills, capacity, limits or breaks, no fixed cost, and a cost of 1
    /// per distance unit, so the objective defaults to the distance driven.
    pub fn new(start: usize, end: Option<usize>, shift: Window) -> Self {
        Vehicle {
            start,
            end,
            shift,
            skills: 0,
            capacity: Vec::new(),
            max_work: None,
            max_travel_time: None,
            max_distance: None,
            lunch: None,
            further_breaks: Vec::new(),
            take_every_break: false,
            fixed_cost: 0,
            cost_per_distance: 1,
            cost_per_duration: 0,
            team: None,
        }
    }

    /// Travel cost of one leg for this vehicle.
    #[inline]
    pub fn leg_cost(&self, distance: i64, duration: i64) -> i64 {
        self.cost_per_distance * distance + self.cost_per_duration * duration
    }

    /// Every break, in the order it is taken: `lunch`, then
    /// `further_breaks`.
    pub fn breaks(&self) -> impl Iterator<Item = &Break> + Clone {
        let further = if self.lunch.is_some() {
            self.further_breaks.as_slice()
        } else {
            &[]
        };
        self.lunch.iter().chain(further)
    }

    /// Number of breaks of the day.
    pub fn break_count(&self) -> usize {
        self.lunch
            .as_ref()
            .map_or(0, |_| 1 + self.further_breaks.len())
    }

    /// Skills and candidate set: may this vehicle serve `job` at all?
    #[inline]
    pub fn can_serve(&self, job: &Job) -> bool {
        job.skills & !self.skills == 0
            && (job.teams.is_empty()
                || self
                    .team
                    .is_none_or(|team| job.teams.binary_search(&team).is_ok()))
    }
}

/// A validated routing problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    matrix: TravelMatrix,
    jobs: Vec<Job>,
    vehicles: Vec<Vehicle>,
    dimensions: usize,
}

impl Problem {
    /// Validates the model once, so the solvers and the checker may rely on
    /// it: every location inside the matrix, windows sorted and disjoint,
    /// teams sorted, no negative durations, limits, amounts or costs. It
    /// also normalises: each job's `release` is folded into its windows,
    /// and demands and capacities are padded to [`Problem::dimensions`].
    /// Errors name the offending field, e.g. `jobs[3].windows`.
    pub fn new(
        matrix: TravelMatrix,
        jobs: Vec<Job>,
        vehicles: Vec<Vehicle>,
    ) -> Result<Self, OptimizeError> {
        let dimensions = vehicles
            .iter()
            .map(|v| v.capacity.len())
            .chain(jobs.iter().map(|j| j.demand.len()))
            .max()
            .unwrap_or(0);
        let size = matrix.size();
        let mut jobs = jobs;
        let mut vehicles = vehicles;
        for (index, job) in jobs.iter_mut().enumerate() {
            let field = |name: &str| format!("jobs[{index}].{name}");
            if job.location >= size {
                return Err(OptimizeError::invalid(
                    field("location"),
                    format!("{} is outside the matrix", job.location),
                ));
            }
            if job.service < 0 {
                return Err(OptimizeError::invalid(
                    field("service"),
                    "must not be negative",
                ));
            }
            if job.windows.is_empty() {
                return Err(OptimizeError::invalid(
                    field("windows"),
                    "needs at least one window",
                ));
            }
            for pair in job.windows.windows(2) {
                if pair[0].end >= pair[1].start {
                    return Err(OptimizeError::invalid(
                        field("windows"),
                        "windows must be sorted and disjoint",
                    ));
                }
            }
            if job.windows.iter().any(|w| w.start > w.end) {
                return Err(OptimizeError::invalid(
                    field("windows"),
                    "a window ends before it starts",
                ));
            }
            if let Some(release) = job.release {
                job.windows.retain(|w| w.end >= release);
                if job.windows.is_empty() {
                    return Err(OptimizeError::invalid(
                        field("release"),
                        format!("{release} is after the last window"),
                    ));
                }
                job.windows[0].start = job.windows[0].start.max(release);
            }
            if job.teams.windows(2).any(|pair| pair[0] >= pair[1]) {
                return Err(OptimizeError::invalid(
                    field("teams"),
                    "teams must be sorted without repeats",
                ));
            }
            if job.unassigned_penalty < 0 {
                return Err(OptimizeError::invalid(
                    field("unassigned_penalty"),
                    "must not be negative",
                ));
            }
            if let Some(deadline) = job.deadline
                && (deadline.penalty_per_unit < 0 || deadline.miss_cost < 0)
            {
                return Err(OptimizeError::invalid(
                    field("deadline"),
                    "penalty must not be negative",
                ));
            }
            if let Some(announced) = job.announced
                && (announced.vehicle >= vehicles.len()
                    || announced.slack < 0
                    || announced.cost < 0)
            {
                return Err(OptimizeError::invalid(
                    field("announced"),
                    "needs a vehicle of the problem, and no negative slack or cost",
                ));
            }
            if job.demand.iter().any(|d| *d < 0) {
                return Err(OptimizeError::invalid(
                    field("demand"),
                    "amounts must not be negative",
                ));
            }
            job.demand.resize(dimensions, 0);
        }
        for (index, vehicle) in vehicles.iter_mut().enumerate() {
            let field = |name: &str| format!("vehicles[{index}].{name}");
            if vehicle.start >= size {
                return Err(OptimizeError::invalid(
                    field("start"),
                    format!("{} is outside the matrix", vehicle.start),
                ));
            }
            if vehicle.end.is_some_and(|end| end >= size) {
                return Err(OptimizeError::invalid(field("end"), "outside the matrix"));
            }
            if vehicle.shift.start > vehicle.shift.end {
                return Err(OptimizeError::invalid(
                    field("shift"),
                    "ends before it starts",
                ));
            }
            for (name, limit) in [
                ("max_work", vehicle.max_work),
                ("max_travel_time", vehicle.max_travel_time),
                ("max_distance", vehicle.max_distance),
            ] {
                if limit.is_some_and(|m| m < 0) {
                    return Err(OptimizeError::invalid(field(name), "must not be negative"));
                }
            }
            if vehicle.lunch.is_none() && !vehicle.further_breaks.is_empty() {
                return Err(OptimizeError::invalid(
                    field("further_breaks"),
                    "further breaks need a first break (lunch)",
                ));
            }
            for (rank, a_break) in vehicle.breaks().enumerate() {
                let name = if rank == 0 {
                    field("lunch")
                } else {
                    field(&format!("further_breaks[{}]", rank - 1))
                };
                if a_break.windows.is_empty() || a_break.duration < 0 {
                    return Err(OptimizeError::invalid(
                        name,
                        "needs a window and a non-negative duration",
                    ));
                }
                if a_break.windows.iter().any(|w| w.start > w.end)
                    || a_break.windows.windows(2).any(|p| p[0].end >= p[1].start)
                {
                    return Err(OptimizeError::invalid(
                        name,
                        "windows must be sorted and disjoint",
                    ));
                }
            }
            if vehicle.capacity.iter().any(|c| *c < 0) {
                return Err(OptimizeError::invalid(
                    field("capacity"),
                    "amounts must not be negative",
                ));
            }
            if vehicle.fixed_cost < 0
                || vehicle.cost_per_distance < 0
                || vehicle.cost_per_duration < 0
            {
                return Err(OptimizeError::invalid(
                    field("costs"),
                    "must not be negative",
                ));
            }
            // A vehicle without a stated capacity carries anything.
            vehicle.capacity.resize(dimensions, i64::MAX / 4);
        }
        Ok(Self {
            matrix,
            jobs,
            vehicles,
            dimensions,
        })
    }

    /// The travel matrix every location refers to.
    pub fn matrix(&self) -> &TravelMatrix {
        &self.matrix
    }
    /// The validated jobs; a job's position here is its index everywhere
    /// else ([`super::StopKind::Job`], [`super::Unassigned::job`], plans).
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }
    /// The validated vehicles; a vehicle's position here is its index in
    /// routes ([`super::Route::vehicle`]) and plans.
    pub fn vehicles(&self) -> &[Vehicle] {
        &self.vehicles
    }
    /// Number of capacity dimensions: the longest demand or capacity given.
    /// Every job's `demand` and vehicle's `capacity` has this length.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(size: usize) -> TravelMatrix {
        TravelMatrix::new(size, vec![1; size * size], vec![1; size * size]).unwrap()
    }

    #[test]
    fn refuses_a_matrix_of_the_wrong_size() {
        let err = TravelMatrix::new(3, vec![0; 8], vec![0; 9]).unwrap_err();
        assert!(err.to_string().contains("matrix.durations"), "{err}");
    }

    #[test]
    fn refuses_a_job_outside_the_matrix() {
        let err = Problem::new(matrix(2), vec![Job::at(5, 0)], vec![]).unwrap_err();
        assert!(err.to_string().contains("jobs[0].location"), "{err}");
    }

    #[test]
    fn pads_demands_and_capacities_to_the_same_dimensions() {
        let mut job = Job::at(1, 10);
        job.demand = vec![3, 1];
        let problem = Problem::new(
            matrix(2),
            vec![job],
            vec![Vehicle::new(0, Some(0), Window::new(0, 100).unwrap())],
        )
        .unwrap();
        assert_eq!(problem.dimensions(), 2);
        assert_eq!(problem.vehicles()[0].capacity.len(), 2);
    }
}
