//! Application services: the steps the API and the CLI both take, joining
//! storage and dispatch so neither boundary re-implements them, and the
//! two helpers both boundaries need to report well: blocking work that
//! keeps its request's tracing span, and an error's causes on one line.

pub mod live;
pub mod sla;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::task::JoinHandle;

use crate::dispatch::{self, CallCenter, DispatchError, HubDay, Pins, PlanOptions};
use crate::domain::{
    EngineerId, EngineerState, PartsOnHand, Region, Roster, StockPoint, TicketId, TicketStatus,
    due_on, key_customers,
};
use crate::storage::{StorageError, Store, TicketFilter};
use crate::travel::GreatCircle;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The dispatcher refused the input (or its plan failed the checker).
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    /// The planning thread panicked (or was cancelled).
    #[error("the planning task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// An error and its causes on one line, for logs and messages. A cause
/// whose text its parent already quotes (`day.csv: No such file or
/// directory` caused by `No such file or directory`) is left out, so
/// nothing is said twice.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut parent = line.clone();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        if !parent.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        parent = text;
        cause = error.source();
    }
    line
}

/// Runs CPU-bound work (the solver) on tokio's blocking pool inside the
/// caller's tracing span, so its log lines keep the request they serve.
pub fn spawn_blocking_with_tracing<F, R>(work: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
}

/// Plans a hub's day at `now` from what is stored — its open tickets
/// (first through the call center's remote attempts), the tickets of the
/// day's revision in force (continued from where each engineer is at
/// `now`: visits begun stay, the rest is planned again with the open
/// tickets), its region's engineers, and the key customers' analyses due
/// (the key customers derived from its stations, the analyses on earlier
/// days' rosters in force counted as done) — and stores the roster as the
/// day's new revision, marking the planned and remotely resolved tickets
/// in the same transaction. A re-plan that raced another of the same day
/// is refused whole (409). The solver runs on a blocking thread so the
/// async workers stay free.
pub async fn plan_and_store(
    store: &Store,
    hub: Region,
    date: NaiveDate,
    now: DateTime<Utc>,
    options: &PlanOptions,
    travel: &GreatCircle,
) -> Result<Roster, ServiceError> {
    plan_and_store_knowing(store, hub, date, now, now, options, travel, None).await
}

/// [`plan_and_store`] with the tickets reported by `known_until` rather
/// than by `now`: only the simulation's hindsight bound, which knows the
/// whole day at midnight, passes a later time (no visit still starts
/// before its ticket's report).
///
/// `previous` is the revision of the day this planner stored last, if it
/// keeps one (a live hub's task, the simulation): when it is still the
/// day's head, the plan continues from it instead of reading it back —
/// some 300 rows a re-plan, the largest read of one. Revisions are never
/// changed once stored, so the head's id names the same roster.
#[allow(clippy::too_many_arguments)]
pub async fn plan_and_store_knowing(
    store: &Store,
    hub: Region,
    date: NaiveDate,
    now: DateTime<Utc>,
    known_until: DateTime<Utc>,
    options: &PlanOptions,
    travel: &GreatCircle,
    previous: Option<&Roster>,
) -> Result<Roster, ServiceError> {
    let mut tickets = store
        .tickets(TicketFilter {
            status: Some(TicketStatus::Open),
            region: Some(hub),
        })
        .await?;
    // A plan made at `now` knows only the tickets reported by then (a plan
    // dated in the past must not see what came later).
    tickets.retain(|ticket| ticket.reported_at() <= known_until.max(now));
    let published = match store.roster_head(hub, date).await? {
        Some(head) if previous.is_some_and(|roster| roster.id == Some(head)) => {
            let kept = previous.cloned();
            // SQLite keeps a time to the nanosecond, so the copy must be
            // the stored revision exactly (PostgreSQL keeps microseconds:
            // a copy may be finer than what a read would give).
            #[cfg(debug_assertions)]
            if store.backend() == crate::storage::Backend::Sqlite {
                debug_assert_eq!(
                    kept,
                    store.roster(head).await?,
                    "the revision kept by the planner differs from the stored one"
                );
            }
            kept
        }
        Some(head) => store.roster(head).await?,
        None => None,
    };
    if let Some(published) = &published {
        // The day's own planned tickets are planned again with the rest.
        let on_routes: HashSet<&TicketId> = published
            .routes
            .iter()
            .flat_map(|r| &r.visits)
            .map(|v| &v.ticket_id)
            .collect();
        tickets.extend(
            store
                .tickets(TicketFilter {
                    status: Some(TicketStatus::Planned),
                    region: Some(hub),
                })
                .await?
                .into_iter()
                .filter(|t| on_routes.contains(t.id())),
        );
    }
    let engineers = store.engineers_in_region(hub).await?;
    let key_customers = key_customers(&store.stations_in_region(hub).await?);
    // The plan draws parts from its engineers' bases and the hub's
    // warehouse only.
    let mut points: Vec<StockPoint> = engineers.iter().map(StockPoint::of).collect();
    points.push(StockPoint::Hub(hub));
    points.sort_by_key(StockPoint::code);
    points.dedup();
    // A coordinator's pins hold through every re-plan of the day.
    let pinned: Vec<_> = (store.pins(hub, date).await?.into_iter())
        .map(|pin| (pin.ticket_id, pin.engineer_id))
        .collect();
    let states = reported_states(store, hub, date, now).await?;
    let pins = match pinned.is_empty() {
        true => Pins::default(),
        false => Pins {
            tickets: tickets.clone(),
            engineers: engineers.clone(),
            key_customers: key_customers.clone(),
            pinned,
            states: states.clone(),
        },
    };
    let done = store.preventive_visits_before(date).await?;
    let due = due_on(&key_customers, hub, date, &done);
    tracing::info!(%hub, %date, tickets = tickets.len(), engineers = engineers.len(), due = due.len(), "planning");
    let travel = *travel;
    let mut day = HubDay::new(hub, date, tickets, engineers)?
        .with_now(now)
        .with_states(states)
        .with_preventive(due)
        .with_call_center(CallCenter::default());
    if let Some(published) = published {
        day = day.with_published(published)?;
    }
    // Parts are tracked once a stock has been loaded; the plan draws only
    // its swaps' parts (a stock holds some 300 lines per hub).
    let mut parts: Vec<_> = day
        .tickets()
        .iter()
        .filter_map(|t| t.part().cloned())
        .collect();
    parts.sort();
    parts.dedup();
    if let Some(stock) = store.stock_at(&points, &parts).await? {
        day = day.with_stock(PartsOnHand {
            stock,
            orders: store.pending_orders(Some(hub)).await?,
        });
    }
    let options = options.clone();
    let pinned_any = !pins.pinned.is_empty();
    let (mut roster, broken) = spawn_blocking_with_tracing(move || {
        dispatch::plan(&day, &travel, &options).map(|roster| pins.keep(roster, &travel))
    })
    .await??;
    roster.id = Some(store.save_roster(&roster).await?);
    // As the store gives it back (a revision's part plans are listed by
    // ticket), so a planner that keeps this revision holds what a read
    // would give.
    roster.parts.sort_by(|a, b| a.ticket_id.cmp(&b.ticket_id));
    if pinned_any {
        // The board says which pins this revision could not keep, and why.
        let broken: Vec<_> = broken
            .into_iter()
            .map(|p| (p.ticket_id, p.reason))
            .collect();
        store.record_pins_kept(hub, date, &broken).await?;
    }
    Ok(roster)
}

/// Where each of the hub's engineers said they are on `date` by `now`
/// (their status events of the day): a re-plan or a move by hand
/// continues each day from there. A day not yet begun at `now` has none.
pub async fn reported_states(
    store: &Store,
    hub: Region,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<HashMap<EngineerId, EngineerState>, StorageError> {
    let events = store
        .events_between(
            dispatch::day_origin(date),
            now + chrono::Duration::seconds(1),
            Some(hub),
        )
        .await?;
    Ok(EngineerState::of_each(events))
}

#[cfg(test)]
mod tests {
    use tracing::Instrument;

    use super::*;

    #[tokio::test]
    async fn blocking_work_runs_in_the_callers_span() {
        // Spans are only tracked with a subscriber; the blocking thread sees
        // the global one.
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_writer(std::io::sink)
                .finish(),
        );
        let current = || tracing::Span::current().metadata().map(|m| m.name());
        let request = tracing::info_span!("request");
        let (kept, plain) = async {
            (
                spawn_blocking_with_tracing(current).await.unwrap(),
                tokio::task::spawn_blocking(current).await.unwrap(),
            )
        }
        .instrument(request)
        .await;
        assert_eq!(kept, Some("request"));
        assert_eq!(plain, None, "tokio alone loses the span");
    }

    #[test]
    fn a_cause_the_message_already_quotes_is_left_out() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = anyhow::Error::new(missing)
            .context("day.csv: no such file")
            .context("importing day.csv");
        assert_eq!(
            error_chain(error.as_ref()),
            "importing day.csv: day.csv: no such file"
        );
    }
}
