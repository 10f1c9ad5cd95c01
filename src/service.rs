//! Application services: the steps the API and the CLI both take, joining
//! storage and dispatch so neither boundary re-implements them.

pub mod sla;

use chrono::NaiveDate;

use crate::dispatch::triage::CallCenter;
use crate::dispatch::{self, DispatchError, PlanOptions, preventive};
use crate::domain::{Region, Roster, TicketStatus};
use crate::storage::{StorageError, Store, TicketFilter};
use crate::travel::GreatCircle;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The dispatcher refused the input (or its plan failed the checker).
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    #[error("the planning task failed: {0}")]
    Task(String),
    /// The travel model's settings (`RUYI_CIRCUITY`, …) are wrong.
    #[error("travel model: {0}")]
    Config(String),
}

/// Plans a hub's day from what is stored — its open tickets (first through
/// the call center's remote attempts), its region's engineers, and the key
/// customers' analyses due (the key customers derived from its stations,
/// the analyses on earlier stored rosters counted as done) — and
/// stores the roster, marking the planned and remotely resolved tickets in
/// the same transaction. The solver runs on a blocking thread so the
/// async workers stay free.
pub async fn plan_and_store(
    store: &Store,
    hub: Region,
    date: NaiveDate,
    options: &PlanOptions,
) -> Result<Roster, ServiceError> {
    let tickets = store
        .tickets(TicketFilter {
            status: Some(TicketStatus::Open),
            region: Some(hub),
        })
        .await?;
    let engineers = store.engineers_in_region(hub).await?;
    let key_customers = preventive::key_customers(&store.stations_in_region(hub).await?);
    let done = store.preventive_visits_before(date).await?;
    let due = preventive::due_on(&key_customers, hub, date, &done);
    tracing::info!(%hub, %date, tickets = tickets.len(), engineers = engineers.len(), due = due.len(), "planning");
    let travel = GreatCircle::from_env().map_err(ServiceError::Config)?;
    // Parts are tracked once a stock has been loaded.
    let on_hand = match store.stock().await? {
        Some(stock) => Some(dispatch::PartsOnHand {
            stock,
            orders: store.pending_orders().await?,
        }),
        None => None,
    };
    let options = options.clone();
    let mut roster = tokio::task::spawn_blocking(move || {
        dispatch::plan_hub_triaged(
            hub,
            date,
            &tickets,
            &engineers,
            &travel,
            &options,
            &CallCenter::default(),
            &due,
            on_hand.as_ref(),
        )
    })
    .await
    .map_err(|error| ServiceError::Task(error.to_string()))??;
    roster.id = Some(store.save_roster(&roster).await?);
    Ok(roster)
}
