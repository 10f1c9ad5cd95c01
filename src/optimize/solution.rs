//! What the solver returns: routes with a time for every stop, the jobs left
//! out with a reason each, and the objective broken into its parts.

/// What a stop in a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopKind {
    /// The job with this index in [`super::Problem::jobs`].
    Job(usize),
    /// One of the vehicle's breaks (in the order of
    /// [`super::Vehicle::breaks`]), taken between the places before and
    /// after it, possibly part-way along the drive (see [`super::Break`]).
    Break,
}

/// One stop with its schedule: reach it at `arrival`, start at `start`
/// (after waiting for a window if needed), leave at `departure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    /// A visit to a job or a break.
    pub kind: StopKind,
    /// When the place is reached; for a break, when the vehicle stops for
    /// it, possibly part-way along the drive.
    pub arrival: i64,
    /// Start of service (or of the break), inside one of its windows.
    pub start: i64,
    /// End of service (or of the break): `start` plus its duration.
    pub departure: i64,
    /// Units past the job's soft deadline on arrival (0 when on time).
    pub lateness: i64,
}

/// One vehicle's route. `departure` is when it leaves its start, `end` when
/// it reaches its end location (or finishes its last stop on an open route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The vehicle's index in [`super::Problem::vehicles`].
    pub vehicle: usize,
    /// Visits and breaks in the order they happen.
    pub stops: Vec<Stop>,
    /// When the vehicle leaves its start: later than the shift's start if
    /// that saves waiting at the first visit, but never so late that it
    /// misses a deadline it would have met.
    pub departure: i64,
    /// When it reaches its end location, or finishes its last stop on an
    /// open route.
    pub end: i64,
    /// Total distance driven, the way to the end location included.
    pub distance: i64,
    /// Total time spent driving: no waiting, service or breaks. Kept
    /// apart because [`super::Vehicle::max_travel_time`] and
    /// [`super::Vehicle::cost_per_duration`] apply to it.
    pub travel_time: i64,
}

impl Route {
    /// The jobs visited, in order, without the breaks.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        self.stops.iter().filter_map(|s| match s.kind {
            StopKind::Job(j) => Some(j),
            StopKind::Break => None,
        })
    }
}

/// Why a job is on no route, found by trying to insert it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnassignedReason {
    /// No vehicle has every skill the job needs.
    NoVehicleWithSkills,
    /// The job's demand exceeds every qualified vehicle's capacity.
    ExceedsCapacity,
    /// No qualified vehicle can reach it inside its windows and shift, even
    /// with nothing else to do.
    Unreachable,
    /// It would fit an empty day, but every qualified vehicle's day is full
    /// (or serving it costs more than its unassigned penalty).
    NoRoom,
}

impl UnassignedReason {
    /// A stable snake_case name of the reason, for logs and machine-read
    /// output, which must not change when a variant is renamed.
    pub fn code(self) -> &'static str {
        match self {
            UnassignedReason::NoVehicleWithSkills => "no_vehicle_with_skills",
            UnassignedReason::ExceedsCapacity => "exceeds_capacity",
            UnassignedReason::Unreachable => "unreachable",
            UnassignedReason::NoRoom => "no_room",
        }
    }
}

/// A job on no route, and why; its penalty is in
/// [`Objective::unassigned`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unassigned {
    /// The job's index in [`super::Problem::jobs`].
    pub job: usize,
    /// Why no route takes it, for the dispatcher to act on.
    pub reason: UnassignedReason,
}

/// The objective, part by part; `total()` is what the solver minimises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Objective {
    /// Sum of [`super::Job::unassigned_penalty`] over the jobs left out.
    pub unassigned: i64,
    /// Sum over visits of time past the soft deadline times its
    /// [`super::SoftDeadline::penalty_per_unit`].
    pub lateness: i64,
    /// Sum over routes of [`super::Vehicle::leg_cost`] of their distance
    /// and travel time.
    pub travel: i64,
    /// Sum of [`super::Vehicle::fixed_cost`] over the vehicles used.
    pub fixed: i64,
    /// Sum over announced visits moved of [`super::Announcement::cost`].
    pub disruption: i64,
}

impl Objective {
    /// The sum of the parts: the single figure the solver minimises and
    /// plans are compared by.
    pub fn total(&self) -> i64 {
        self.unassigned + self.lateness + self.travel + self.fixed + self.disruption
    }
}

/// A lower bound on the objective, with what it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct LowerBound {
    /// No plan of the problem costs less than this (in the objective's
    /// units); a float because it is an LP value.
    pub value: f64,
    /// `(objective - value) / objective`, in percent.
    pub gap_percent: f64,
    /// Which relaxation gave the bound, for reports, so a weak bound is
    /// read as what it is.
    pub method: &'static str,
}

/// Counters from the search, for logs and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveStats {
    /// Ruin-and-recreate iterations the search ran.
    pub iterations: u64,
    /// Work units the search spent (see [`super::WORK_PER_SECOND`]): the
    /// deterministic measure of effort, unlike `seconds`.
    pub work_units: u64,
    /// Wall-clock time of the whole solve; depends on the machine's load.
    pub seconds: f64,
    /// Distinct routes the search met, from which set partitioning chose.
    pub routes_in_pool: usize,
    /// The wall-clock safety net stopped the search before its work was
    /// done (the machine was starved): the plan then depends on the load.
    pub stopped_by_clock: bool,
}

/// A solver's answer: a plan with its schedule, what it leaves out and what
/// it costs. Verify it independently with [`super::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// One route per vehicle used; vehicles without visits have none.
    pub routes: Vec<Route>,
    /// The jobs on no route, each with a reason.
    pub unassigned: Vec<Unassigned>,
    /// What the plan costs, part by part.
    pub objective: Objective,
    /// How far from optimal the plan can be at most; `None` when no bound
    /// was proved (too many jobs for the LP, the LP not solved to
    /// optimality within its budget) or the solution comes from
    /// [`super::build_solution`] alone.
    pub bound: Option<LowerBound>,
    /// How the search went; all zero for a solution from
    /// [`super::build_solution`] alone.
    pub stats: SolveStats,
}

impl Solution {
    /// Total distance driven over all routes.
    pub fn distance(&self) -> i64 {
        self.routes.iter().map(|r| r.distance).sum()
    }

    /// Number of routes with at least one stop.
    pub fn vehicles_used(&self) -> usize {
        self.routes.iter().filter(|r| !r.stops.is_empty()).count()
    }
}
