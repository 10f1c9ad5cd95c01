//! Planners' what-if: how much of the country the service network reaches
//! in time today, what a new (or moved, or closed) station would change, and
//! how many engineers each station needs to hold a target when real days of
//! tickets go through the dispatcher.
//!
//! - [`span`]: durations as planners write them (`2h`, `12h`, `90m`).
//! - [`fleet`]: the bases engineers leave from (stations and hubs) and their
//!   engineers, taken from a [`Network`](crate::network::Network).
//! - [`scenario`]: a JSON what-if file that adds, removes or moves stations
//!   and engineers.
//! - [`report`]: reachability (can a base's engineers be on site within a
//!   limit, lead time included) and the coverage report per region, per
//!   province and per city.
//! - [`siting`]: choosing `k` new stations (maximal covering or p-median, a
//!   MIP solved by HiGHS through `good_lp`) with the optimality gap.
//! - [`replay`]: days of tickets through [`dispatch::plan`](crate::dispatch::plan)
//!   and the engineers each base would need for an on-time target.
//! - [`render`]: CSV and the SVG map, as strings (the caller writes them).
//! - [`skills`]: coverage that counts what dispatch counts — a city is
//!   covered for a skill only where a qualified engineer of its region may
//!   be sent and can make the day trip — and the skill gaps.
//! - [`atlas`]: the planners' map of China (province outlines, cities
//!   shaded by time to the nearest base, labels, legend, proposed stations
//!   named) as SVG, and as PNG.
//!
//! Reachability uses the same [`TravelModel`](crate::travel::TravelModel)
//! as dispatch, so "covered" here means what the dispatcher would see.
//! Depends on `domain`, `network`, `travel` and `dispatch`; does no IO of
//! its own beyond reading a file the caller names, and never touches
//! storage, the API or tokio.

pub mod atlas;
pub mod fleet;
pub mod render;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod siting;
pub mod skills;
pub mod span;

pub use fleet::{Base, BaseKind, Fleet};
pub use replay::{ReplayDay, ReplayOptions, ReplayReport, generated_days, replay, ticket_days};
pub use report::{CoverageReport, Demand, Reach, Settings};
pub use scenario::Scenario;
pub use siting::{Objective, SitingInstance, SitingOptions, SitingReport, SitingSolution};
pub use span::TimeSpan;

/// Why a coverage question could not be answered. Every variant that comes
/// from input names the field (or the file, line and path) to fix, so the
/// API can answer 400 with `{"error", "field"}` and the CLI can point at
/// the mistake.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    /// A value the caller gave is wrong; `field` names it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A scenario file could not be read or does not fit the network.
    #[error("{file}: {location}: {message}")]
    Scenario {
        file: String,
        /// `line 4 column 12` for syntax, the JSON path (`add_stations[0].city_adcode`)
        /// for a value, or both.
        location: String,
        /// The JSON path of the bad value, for the API's `field`.
        field: String,
        message: String,
    },
    /// The ticket file (demand history or replay input) is wrong.
    #[error(transparent)]
    Tickets(#[from] crate::network::NetworkError),
    /// The dispatcher refused a replayed day.
    #[error("replaying {date} for the {hub} hub: {source}")]
    Dispatch {
        date: chrono::NaiveDate,
        hub: crate::domain::Region,
        #[source]
        source: crate::dispatch::DispatchError,
    },
    /// HiGHS failed (not "no better answer": that is a normal result).
    #[error("the siting MIP failed: {0}")]
    Solver(String),
}

impl CoverageError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoverageError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The input field to blame, when the input is to blame.
    pub fn field(&self) -> Option<&str> {
        match self {
            CoverageError::Invalid { field, .. } | CoverageError::Scenario { field, .. } => {
                Some(field)
            }
            CoverageError::Tickets(_) => Some("tickets"),
            CoverageError::Dispatch { .. } | CoverageError::Solver(_) => None,
        }
    }
}
