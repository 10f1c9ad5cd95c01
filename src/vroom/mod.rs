//! Speaking VROOM's JSON: a VROOM problem document in, VROOM's solution
//! document out, solved by Ruyi's own core.
//!
//! This is an adapter in the sense of the core's rule "formats live outside
//! the core": it reads [`input::Document`], builds an
//! [`optimize::Problem`](crate::optimize::Problem) ([`build`]), solves and
//! re-checks it with [`optimize::check`](crate::optimize::check), and writes
//! the answer back in VROOM's shape ([`output`]). The core times breaks by
//! VROOM's rule, so every answer is reported as solved; [`timing::check`]
//! judges any VROOM answer (Ruyi's or VROOM's own) by VROOM's rules.
//! [`export`] writes a core problem the other way, as a VROOM document. It
//! depends on `optimize`, `travel` and `domain`, never on the API or the
//! CLI, which both call [`solve_document`].
//!
//! The rule for what is accepted: a key is accepted only when the core
//! models VROOM's meaning of it *exactly*; otherwise the document is
//! refused with a [`VroomError`] that names the key. Top-level keys VROOM
//! does not read are ignored, as VROOM ignores them, and listed in the
//! answer. See [`build`] for how each key maps, and the README's "Coming
//! from VROOM" for the list.

pub mod build;
pub mod export;
pub mod input;
pub mod output;
pub mod timing;

use std::time::{Duration, Instant};

pub use build::{MatrixSource, Model};
pub use input::{Document, parse};
pub use output::SolutionDocument;

use crate::optimize::{self, SolveParams};
use crate::travel::GreatCircle;

/// Why a VROOM document was not solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VroomError {
    /// Not a well-formed VROOM document (bad JSON, wrong type, unknown key);
    /// `field` is the JSON path.
    #[error("{field}: {message}")]
    Malformed { field: String, message: String },
    /// A VROOM feature Ruyi does not model exactly, so refuses rather than
    /// answer something else.
    #[error("{field}: {message}")]
    Unsupported { field: String, message: String },
    /// Well-formed, but VROOM itself would refuse it (duplicate id, index
    /// outside the matrix, inconsistent amounts…).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The independent checker rejected the answer: a bug, never the
    /// caller's fault.
    #[error("the answer failed the checker: {0}")]
    CheckFailed(String),
}

impl VroomError {
    pub fn unsupported(field: impl Into<String>, message: impl Into<String>) -> Self {
        VroomError::Unsupported {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        VroomError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The key or JSON path the error is about (`"body"` when none).
    pub fn field(&self) -> &str {
        match self {
            VroomError::Malformed { field, .. }
            | VroomError::Unsupported { field, .. }
            | VroomError::Invalid { field, .. } => field,
            VroomError::CheckFailed(_) => "body",
        }
    }

    /// The caller can fix it (a 400), as opposed to a fault on our side.
    pub fn is_caller_error(&self) -> bool {
        matches!(
            self,
            VroomError::Malformed { .. }
                | VroomError::Unsupported { .. }
                | VroomError::Invalid { .. }
        )
    }

    /// The message without the field prefix.
    pub fn message(&self) -> String {
        match self {
            VroomError::Malformed { message, .. }
            | VroomError::Unsupported { message, .. }
            | VroomError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Overrides of the document's `x-ruyi` options (the CLI's flags), and
/// the travel model for documents without matrices (the settings').
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub time_limit: Option<f64>,
    pub seed: Option<u64>,
    pub travel: GreatCircle,
}

/// Reads, solves, checks and answers one document: the whole drop-in
/// replacement for `vroom -i FILE`. Synchronous and CPU-bound: the API
/// calls it on a blocking thread.
pub fn solve_document(bytes: &[u8], overrides: &Overrides) -> Result<SolutionDocument, VroomError> {
    let loading = Instant::now();
    let document = parse(bytes)?;
    let model = build::build(&document, &overrides.travel)?;
    let params = solve_params(&document, overrides)?;
    let loading_ms = loading.elapsed().as_millis() as u64;

    let solving = Instant::now();
    let solution = optimize::solve(&model.problem, &params);
    optimize::check(&model.problem, &solution).map_err(|violations| {
        let shown: Vec<String> = violations.iter().take(5).map(|v| v.0.clone()).collect();
        VroomError::CheckFailed(shown.join("; "))
    })?;
    let solving_ms = solving.elapsed().as_millis() as u64;

    output::render(
        &model,
        &solution,
        &params,
        output::ComputingTimes {
            loading: loading_ms,
            solving: solving_ms,
            routing: 0,
        },
    )
}

/// Longest search budget a document may ask for: one request must not hold
/// a worker for longer than an operator would wait.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 600.0;

fn solve_params(document: &Document, overrides: &Overrides) -> Result<SolveParams, VroomError> {
    let defaults = SolveParams::default();
    let seconds = overrides
        .time_limit
        .or(document.ruyi.time_limit)
        .unwrap_or(defaults.time_limit.as_secs_f64());
    if !(seconds > 0.0 && seconds <= MAX_TIME_LIMIT_SECONDS) {
        return Err(VroomError::invalid(
            "x-ruyi.time_limit",
            format!("{seconds} is not in (0, {MAX_TIME_LIMIT_SECONDS}] seconds"),
        ));
    }
    Ok(SolveParams {
        seed: overrides
            .seed
            .or(document.ruyi.seed)
            .unwrap_or(defaults.seed),
        time_limit: Duration::from_secs_f64(seconds),
    })
}
