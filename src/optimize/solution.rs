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
    pub kind: StopKind,
    pub arrival: i64,
    pub start: i64,
    pub departure: i64,
    /// Units past the job's soft deadline on arrival (0 when on time).
    pub lateness: i64,
}

/// One vehicle's route. `departure` is when it leaves its start, `end` when
/// it reaches its end location (or finishes its last stop on an open route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub vehicle: usize,
    pub stops: Vec<Stop>,
    pub departure: i64,
    pub end: i64,
    pub distance: i64,
    pub travel_time: i64,
}

impl Route {
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
    pub fn code(self) -> &'static str {
        match self {
            UnassignedReason::NoVehicleWithSkills => "no_vehicle_with_skills",
            UnassignedReason::ExceedsCapacity => "exceeds_capacity",
            UnassignedReason::Unreachable => "unreachable",
            UnassignedReason::NoRoom => "no_room",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unassigned {
    pub job: usize,
    pub reason: UnassignedReason,
}

/// The objective, part by part; `total()` is what the solver minimises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Objective {
    pub unassigned: i64,
    pub lateness: i64,
    pub travel: i64,
    pub fixed: i64,
}

impl Objective {
    pub fn total(&self) -> i64 {
        self.unassigned + self.lateness + self.travel + self.fixed
    }
}

/// A lower bound on the objective, with what it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct LowerBound {
    pub value: f64,
    /// `(objective - value) / objective`, in percent.
    pub gap_percent: f64,
    pub method: &'static str,
}

/// Counters from the search, for logs and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveStats {
    pub iterations: u64,
    pub work_units: u64,
    pub seconds: f64,
    pub routes_in_pool: usize,
    /// The wall-clock safety net stopped the search before its work was
    /// done (the machine was starved): the plan then depends on the load.
    pub stopped_by_clock: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub routes: Vec<Route>,
    pub unassigned: Vec<Unassigned>,
    pub objective: Objective,
    pub bound: Option<LowerBound>,
    pub stats: SolveStats,
}

impl Solution {
    pub fn distance(&self) -> i64 {
        self.routes.iter().map(|r| r.distance).sum()
    }

    pub fn vehicles_used(&self) -> usize {
        self.routes.iter().filter(|r| !r.stops.is_empty()).count()
    }
}
