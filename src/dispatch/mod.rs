//! Service-network rules: turn a hub's open tickets and its engineers into an
//! [`optimize::Problem`](crate::optimize::Problem), solve it, re-check the
//! answer with the independent checker, and turn it into a [`Roster`].
//!
//! Depends on `domain`, `optimize` and `travel`; never on storage or the API.

use std::time::Duration;

use chrono::NaiveDate;

use crate::domain::{Engineer, Region, Roster, Ticket};
use crate::travel::TravelModel;

/// Why a hub's day could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("{0}")]
    Invalid(String),
}

/// How hard to search.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    pub seed: u64,
    pub time_limit: Duration,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(2),
        }
    }
}

/// Plans one hub's day. `tickets` are the hub's open tickets, `engineers`
/// the hub region's engineers (those off shift on `date` are left out here).
pub fn plan_hub(
    hub: Region,
    date: NaiveDate,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
    options: &PlanOptions,
) -> Result<Roster, DispatchError> {
    let _ = (hub, date, tickets, engineers, travel, options);
    Err(DispatchError::Invalid("not built yet".into()))
}
