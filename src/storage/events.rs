//! The engineers' status events: an append-only log (no update or delete
//! is written here, and triggers refuse them in both dialects), the
//! effects a finished visit has on its ticket — status, part order, parts
//! taken from stock, the satisfaction call — in the event's own
//! transaction, and the reads the lifecycle, the service record and the
//! SLA report fold.
//!
//! Recording an event serialises an engineer's events: SQLite takes the
//! write lock when the transaction begins (`BEGIN IMMEDIATE`), PostgreSQL
//! locks the engineer's row, so "not before the previous event" and "on
//! site before finishing" are checked against a settled history.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::parts::take_unit;
use super::rosters::RemoteRow;
use super::{StorageError, Store, on_pool};
use crate::domain::event::{
    EngineerEvent, EventCheck, EventKind, EventRefusal, Outcome, check_event,
};
use crate::domain::lifecycle::{PlannedVisit, TicketHistory, TicketLifecycle};
use crate::domain::{
    EngineerId, EventId, MissingPart, MissingPartRule, PartCode, Region, RemoteAttempt, Stock,
    StockPoint, Ticket, TicketId, TicketStatus, service_offset,
};

/// An event as the client sent it, checked, with the raw body kept to
/// recognise a repeated send.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event: EngineerEvent,
    /// The client's body, canonical JSON (keys sorted).
    pub request: String,
}

/// What recording did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Stored now.
    Created(EngineerEvent),
    /// Stored before under the same id with the same body: nothing new.
    Repeated(EngineerEvent),
}

/// The rules' settings: the moment of receipt and the phone clocks' skew.
#[derive(Debug, Clone, Copy)]
pub struct EventRules {
    pub now: DateTime<Utc>,
    pub max_skew: Duration,
    /// Where a part a finish found missing comes from: the dispatcher's
    /// rule ([`crate::dispatch::order_missing_part`]), applied here.
    pub missing_part: MissingPartRule,
}

/// A part fitted on a visit, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartUsed {
    pub event_id: EventId,
    pub part: PartCode,
    /// The stock point it left.
    pub base: String,
    /// `stock`: taken by the visit; `planned`: already out with the
    /// roster's reservation or an order.
    pub taken: String,
}

/// A satisfaction call due in the call center's queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FollowUp {
    pub ticket_id: TicketId,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub scheduled_at: DateTime<Utc>,
    pub event_id: EventId,
}

/// Everything stored about one ticket, ready to fold.
#[derive(Debug, Clone)]
pub struct StoredHistory {
    pub ticket: Ticket,
    pub remote: Vec<RemoteAttempt>,
    pub planned: Vec<PlannedVisit>,
    pub events: Vec<EngineerEvent>,
    /// A stored roster listed a loaner for it.
    pub loaner: bool,
}

impl StoredHistory {
    pub fn lifecycle(&self) -> TicketLifecycle {
        TicketLifecycle::fold(TicketHistory {
            ticket: &self.ticket,
            remote: &self.remote,
            planned: &self.planned,
            events: &self.events,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    event_id: String,
    payload: String,
}

impl EventRow {
    fn into_domain(self) -> Result<EngineerEvent, StorageError> {
        serde_json::from_str(&self.payload).map_err(|e| {
            StorageError::invalid_row(
                "engineer_events",
                "payload",
                format!("event {}: {e}", self.event_id),
            )
        })
    }
}

const EVENT_COLUMNS: &str = "event_id, payload";

/// Where the engineer's parts come from: their station's shelf or their
/// hub's warehouse, as stored.
fn stock_point(base_kind: &str, base_id: &str) -> Result<StockPoint, StorageError> {
    let code = if base_kind == "hub" {
        format!("hub:{base_id}")
    } else {
        base_id.to_string()
    };
    StockPoint::parse(&code)
        .map_err(|e| StorageError::invalid_row("engineers", "base_id", e.message))
}

/// Two JSON bodies say the same (key order and spacing aside).
fn same_body(stored: &str, new: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(stored),
        serde_json::from_str::<serde_json::Value>(new),
    ) {
        (Ok(stored), Ok(new)) => stored == new,
        _ => stored == new,
    }
}

fn events_from(rows: Vec<EventRow>) -> Result<Vec<EngineerEvent>, StorageError> {
    rows.into_iter().map(EventRow::into_domain).collect()
}

/// The stored event under `$event_id` on `$tx`, with its request body.
macro_rules! stored_event {
    ($tx:expr, $event_id:expr) => {{
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT payload, request FROM engineer_events WHERE event_id = $1")
                .bind($event_id)
                .fetch_optional($tx)
                .await?;
        match row {
            None => None,
            Some((payload, request)) => Some((
                EventRow {
                    event_id: $event_id.to_string(),
                    payload,
                }
                .into_domain()?,
                request,
            )),
        }
    }};
}

/// Records `$new` on `$tx` (see [`Store::record_event`]); evaluates to
/// `Result<Recorded, EventRefusal>`, returning early with `Ok(Err(..))`
/// on a refusal so the transaction is dropped (rolled back).
macro_rules! record_event {
    ($tx:ident, $new:expr, $rules:expr, $lock:literal) => {{
        let new: &NewEvent = $new;
        let rules: &EventRules = $rules;
        let mut event = new.event.clone();
        let event_id = event.event_id.as_str();
        let engineer = event.engineer_id.as_str();
        if let Some((stored, request)) = stored_event!(&mut *$tx, event_id) {
            if same_body(&request, &new.request) && stored.engineer_id == event.engineer_id {
                return Ok(Ok(Recorded::Repeated(stored)));
            }
            return Ok(Err(EventRefusal::Conflict {
                field: "event_id",
                message: format!(
                    "event {event_id} was stored before with a different body; \
                     a new event needs a new id"
                ),
                route: Vec::new(),
            }));
        }
        // Serialise the engineer's events (PostgreSQL; SQLite holds the
        // write lock already), and learn where their parts come from.
        let base: Option<(String, String)> = sqlx::query_as(concat!(
            "SELECT base_kind, base_id FROM engineers WHERE id = $1",
            $lock
        ))
        .bind(engineer)
        .fetch_optional(&mut *$tx)
        .await?;
        let Some((base_kind, base_id)) = base else {
            return Ok(Err(EventRefusal::Conflict {
                field: "engineer_id",
                message: format!("no engineer {engineer}"),
                route: Vec::new(),
            }));
        };
        // The engineer's latest event time, and what they are doing: told
        // by their latest event of a kind that changes it (positions and
        // unavailable windows between do not matter to the checks). One
        // round trip for both.
        let (last, activity): (Option<DateTime<Utc>>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT MAX(at) FROM engineer_events WHERE engineer_id = $1), \
             (SELECT payload FROM engineer_events WHERE engineer_id = $1 \
              AND kind IN ('shift_started', 'en_route', 'arrived', 'finished', 'shift_ended') \
              ORDER BY at DESC, seq DESC LIMIT 1)",
        )
        .bind(engineer)
        .fetch_one(&mut *$tx)
        .await?;
        let previous = match activity {
            Some(payload) => vec![
                EventRow {
                    event_id: String::from("(latest)"),
                    payload,
                }
                .into_domain()?,
            ],
            None => Vec::new(),
        };
        let day = event.at.with_timezone(&service_offset()).date_naive();
        let route: Vec<String> = sqlx::query_scalar(
            "SELECT v.ticket_id FROM roster_visits v WHERE v.kind = 'fault' AND v.route_id = \
             (SELECT r.id FROM roster_routes r JOIN roster_heads h ON h.roster_id = r.roster_id \
              WHERE r.engineer_id = $1 AND h.date = $2) \
             ORDER BY v.sequence",
        )
        .bind(engineer)
        .bind(day)
        .fetch_all(&mut *$tx)
        .await?;
        let route = route
            .into_iter()
            .map(|id| {
                TicketId::parse(&id)
                    .map_err(|e| StorageError::invalid_row("roster_visits", "ticket_id", e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ticket_row: Option<(f64, f64, i64, Option<String>)> = match event.kind.ticket_id() {
            Some(ticket_id) => sqlx::query_as(
                "SELECT lat, lon, service_minutes, part FROM tickets WHERE id = $1",
            )
            .bind(ticket_id.as_str())
            .fetch_optional(&mut *$tx)
            .await?,
            None => None,
        };
        if let EventKind::Arrived {
            site,
            service_minutes,
            ..
        } = &mut event.kind
            && let Some((lat, lon, minutes, _)) = &ticket_row
        {
            *site = crate::domain::GeoPoint::new(*lat, *lon).ok();
            *service_minutes = u32::try_from(*minutes).ok();
        }
        let check = EventCheck {
            now: rules.now,
            max_skew: rules.max_skew,
            previous: &previous,
            last_at: last,
            route: (!route.is_empty()).then_some(&route[..]),
        };
        if let Err(refusal) = check_event(&check, event.at, &event.kind) {
            return Ok(Err(refusal));
        }
        let payload = serde_json::to_string(&event)
            .map_err(|e| StorageError::invalid_row("engineer_events", "payload", e))?;
        let inserted = sqlx::query(
            "INSERT INTO engineer_events (event_id, engineer_id, kind, ticket_id, at, payload, \
             request, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event_id)
        .bind(engineer)
        .bind(event.kind.code())
        .bind(event.kind.ticket_id().map(|id| id.as_str()))
        .bind(event.at)
        .bind(&payload)
        .bind(&new.request)
        .bind(rules.now)
        .execute(&mut *$tx)
        .await;
        if let Err(error) = inserted {
            return match &error {
                // The same id stored meanwhile by a concurrent send.
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    Err(StorageError::DuplicateEvent(event.event_id.clone()))
                }
                _ => Err(error.into()),
            };
        }
        if let EventKind::Finished { ticket_id, finish } = &event.kind {
            let at_base = stock_point(&base_kind, &base_id)?;
            let stock_tracked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM part_stock")
                .fetch_one(&mut *$tx)
                .await?;
            // Parts fitted: out of stock already when the roster reserved
            // the part or it was ordered for the ticket; otherwise taken
            // from the engineer's stock point now.
            for (position, part) in finish.parts_used.iter().enumerate() {
                let planned: Option<String> = sqlx::query_scalar(
                    "SELECT base FROM roster_parts WHERE ticket_id = $1 AND part = $2 \
                     UNION ALL SELECT base FROM part_orders WHERE ticket_id = $1 AND part = $2",
                )
                .bind(ticket_id.as_str())
                .bind(part.as_str())
                .fetch_optional(&mut *$tx)
                .await?;
                let already: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM parts_used WHERE ticket_id = $1 AND part = $2 \
                     AND taken = 'planned'",
                )
                .bind(ticket_id.as_str())
                .bind(part.as_str())
                .fetch_one(&mut *$tx)
                .await?;
                let (base, taken) = match planned {
                    Some(base) if already == 0 => (base, "planned"),
                    _ => {
                        if stock_tracked > 0 {
                            let taken = take_unit!(&mut *$tx, at_base.code(), part.as_str());
                            if taken == 0 {
                                return Ok(Err(EventRefusal::Conflict {
                                    field: "parts_used",
                                    message: format!(
                                        "no {part} left in stock at {}: a part fitted must come \
                                         from the engineer's stock point",
                                        at_base.code()
                                    ),
                                    route: Vec::new(),
                                }));
                            }
                        }
                        (at_base.code(), "stock")
                    }
                };
                sqlx::query(
                    "INSERT INTO parts_used (event_id, position, ticket_id, part, base, taken) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(event_id)
                .bind(position as i64)
                .bind(ticket_id.as_str())
                .bind(part.as_str())
                .bind(&base)
                .bind(taken)
                .execute(&mut *$tx)
                .await?;
            }
            match &finish.outcome {
                Outcome::Fixed => {
                    sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2")
                        .bind(TicketStatus::Resolved.code())
                        .bind(ticket_id.as_str())
                        .execute(&mut *$tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO follow_ups (ticket_id, kind, due_at, scheduled_at, event_id) \
                         VALUES ($1, 'satisfaction_call', $2, $3, $4) \
                         ON CONFLICT (ticket_id) DO NOTHING",
                    )
                    .bind(ticket_id.as_str())
                    .bind(event.at + Duration::hours(FOLLOW_UP_HOURS))
                    .bind(event.at)
                    .bind(event_id)
                    .execute(&mut *$tx)
                    .await?;
                }
                Outcome::NeedsPart { part } => {
                    sqlx::query("UPDATE tickets SET status = $1, part = $2 WHERE id = $3")
                        .bind(TicketStatus::Open.code())
                        .bind(part.as_str())
                        .bind(ticket_id.as_str())
                        .execute(&mut *$tx)
                        .await?;
                    let ordered: i64 = sqlx::query_scalar(
                        "SELECT (SELECT COUNT(*) FROM roster_parts p WHERE p.ticket_id = $1 \
                         AND p.part = $2 AND p.action = 'ordered') + \
                         (SELECT COUNT(*) FROM part_orders o WHERE o.ticket_id = $1 AND o.part = $2)",
                    )
                    .bind(ticket_id.as_str())
                    .bind(part.as_str())
                    .fetch_one(&mut *$tx)
                    .await?;
                    if ordered == 0 {
                        let stock = stock_on!(&mut *$tx);
                        if ticket_row.is_none() {
                            return Err(StorageError::invalid_row(
                                "tickets",
                                "id",
                                format!("ticket {ticket_id} vanished"),
                            ));
                        }
                        let region: String =
                            sqlx::query_scalar("SELECT region FROM tickets WHERE id = $1")
                                .bind(ticket_id.as_str())
                                .fetch_one(&mut *$tx)
                                .await?;
                        let region: Region =
                            region.parse().map_err(|e: crate::domain::DomainError| {
                                StorageError::invalid_row("tickets", "region", e.message)
                            })?;
                        let missing = MissingPart {
                            ticket_id: ticket_id.clone(),
                            part: part.clone(),
                            region,
                            at_base: at_base.clone(),
                            at: event.at,
                        };
                        let plan = (rules.missing_part)(&missing, &stock);
                        {
                            if let Some(point) = plan.unit_taken_from() {
                                let taken =
                                    take_unit!(&mut *$tx, point.code(), plan.part.as_str());
                                if taken == 0 {
                                    return Err(StorageError::OutOfStock {
                                        base: point.code(),
                                        part: plan.part.to_string(),
                                    });
                                }
                            }
                            sqlx::query(
                                "INSERT INTO part_orders (event_id, ticket_id, part, base, source, \
                                 action, arrives_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            )
                            .bind(event_id)
                            .bind(ticket_id.as_str())
                            .bind(plan.part.as_str())
                            .bind(plan.base.code())
                            .bind(plan.source.code())
                            .bind(plan.action.code())
                            // A reserved unit is there already.
                            .bind(plan.arrives_at.or(Some(event.at)))
                            .bind(&plan.detail)
                            .execute(&mut *$tx)
                            .await?;
                        }
                    }
                }
                Outcome::NeedsReturn { .. } | Outcome::CustomerAbsent => {
                    sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2")
                        .bind(TicketStatus::Open.code())
                        .bind(ticket_id.as_str())
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
        Ok::<_, StorageError>(Ok(Recorded::Created(event)))
    }};
}

/// Reads the part stock on `$tx` (empty when none was ever loaded).
macro_rules! stock_on {
    ($tx:expr) => {{
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT base, part, quantity FROM part_stock")
                .fetch_all($tx)
                .await?;
        let mut lines = Vec::with_capacity(rows.len());
        for (base, part, quantity) in rows {
            let bad =
                |column, message: String| StorageError::invalid_row("part_stock", column, message);
            lines.push((
                StockPoint::parse(&base).map_err(|e| bad("base", e.message))?,
                PartCode::parse(&part).map_err(|e| bad("part", e.message))?,
                u32::try_from(quantity).unwrap_or(0),
            ));
        }
        Stock::new(lines)
    }};
}

/// Serialises this process's event transactions on SQLite (one writer
/// at a time is all SQLite allows anyway).
static SQLITE_EVENT_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Hours after a ticket closes that its satisfaction call falls due.
pub const FOLLOW_UP_HOURS: i64 = 24;

impl Store {
    /// Records one status event, all or nothing, in one transaction: a
    /// repeated send (same id and body) returns the stored event; the same
    /// id with another body, a time in the future beyond the skew or
    /// before the engineer's previous event, an arrival off the engineer's
    /// route for the event's day (the newest roster of that day giving the
    /// engineer a route) or a finish without an arrival is refused with
    /// the reason, writing nothing. A finish moves its ticket: `fixed`
    /// resolves it and schedules the satisfaction call; `needs_part` opens
    /// it again with the part ordered ([`crate::dispatch::parts`]'s rule:
    /// the engineer's stock point, else the hub's warehouse, else the
    /// maker); `needs_return` and `customer_absent` open it again. Parts
    /// fitted leave the engineer's stock point unless the roster reserved
    /// them or they were ordered for the ticket.
    pub async fn record_event(
        &self,
        new: &NewEvent,
        rules: &EventRules,
    ) -> Result<Result<Recorded, EventRefusal>, StorageError> {
        let outcome = self
            .record_events(std::slice::from_ref(new), rules)
            .await
            .map(|recorded| {
                recorded
                    .map(|mut all| all.pop().expect("one event in, one out"))
                    .map_err(|(_, refusal)| refusal)
            });
        match outcome {
            // A concurrent send of the same event won the race: answer as
            // a repeat (or a conflict when the bodies differ).
            Err(StorageError::DuplicateEvent(_)) => {
                let stored = on_pool!(self, |pool| stored_event!(
                    pool,
                    new.event.event_id.as_str()
                ));
                match stored {
                    Some((stored, request)) if same_body(&request, &new.request) => {
                        Ok(Ok(Recorded::Repeated(stored)))
                    }
                    _ => Ok(Err(EventRefusal::Conflict {
                        field: "event_id",
                        message: format!(
                            "event {} was stored before with a different body",
                            new.event.event_id
                        ),
                        route: Vec::new(),
                    })),
                }
            }
            other => other,
        }
    }

    /// Records events in one transaction, all or nothing, each checked
    /// against those before it (as [`Store::record_event`] does for one):
    /// the first refusal is returned with its position (0-based) and
    /// nothing is stored.
    pub async fn record_events(
        &self,
        events: &[NewEvent],
        rules: &EventRules,
    ) -> Result<Result<Vec<Recorded>, (usize, EventRefusal)>, StorageError> {
        match self {
            Store::Sqlite(pool) => {
                // One event writer at a time in this process: the next is
                // woken as soon as the last commits, where SQLite's busy
                // handler would sleep in steps of up to 100 ms.
                let _writer = SQLITE_EVENT_WRITER.lock().await;
                // Take the write lock first: a read-then-write transaction
                // would fail on a stale snapshot under concurrent writers.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let mut recorded = Vec::with_capacity(events.len());
                for (index, new) in events.iter().enumerate() {
                    let one = async { record_event!(tx, new, rules, "") }.await;
                    match one? {
                        Ok(done) => recorded.push(done),
                        Err(refusal) => return Ok(Err((index, refusal))),
                    }
                }
                tx.commit().await?;
                Ok(Ok(recorded))
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let mut recorded = Vec::with_capacity(events.len());
                for (index, new) in events.iter().enumerate() {
                    let one = async { record_event!(tx, new, rules, " FOR UPDATE") }.await;
                    match one? {
                        Ok(done) => recorded.push(done),
                        Err(refusal) => return Ok(Err((index, refusal))),
                    }
                }
                tx.commit().await?;
                Ok(Ok(recorded))
            }
        }
    }

    /// An engineer's events with `from <= at < to`, in stored order.
    pub async fn engineer_events(
        &self,
        engineer: &EngineerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<EngineerEvent>, StorageError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM engineer_events \
             WHERE engineer_id = $1 AND at >= $2 AND at < $3 ORDER BY at, seq"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, EventRow>(&sql)
            .bind(engineer.as_str())
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?);
        events_from(rows)
    }

    /// The events about one ticket, from every engineer, in stored order.
    pub async fn ticket_events(
        &self,
        ticket: &TicketId,
    ) -> Result<Vec<EngineerEvent>, StorageError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM engineer_events WHERE ticket_id = $1 ORDER BY at, seq"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, EventRow>(&sql)
            .bind(ticket.as_str())
            .fetch_all(pool)
            .await?);
        events_from(rows)
    }

    /// The events about any of `tickets`, in stored order.
    pub async fn events_of_tickets(
        &self,
        tickets: &[TicketId],
    ) -> Result<Vec<EngineerEvent>, StorageError> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM engineer_events WHERE ticket_id IN ({}) ORDER BY at, seq",
            super::placeholders(1, tickets.len())
        );
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, EventRow>(&sql);
            for ticket in tickets {
                query = query.bind(ticket.as_str());
            }
            query.fetch_all(pool).await?
        });
        events_from(rows)
    }

    /// Every event with `from <= at < to`, in stored order; for a hub, the
    /// events of that region's engineers.
    pub async fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        hub: Option<Region>,
    ) -> Result<Vec<EngineerEvent>, StorageError> {
        let sql = format!(
            "SELECT {} FROM engineer_events e WHERE e.at >= $1 AND e.at < $2 \
             AND ($3 = '' OR e.engineer_id IN (SELECT id FROM engineers WHERE region = $3)) \
             ORDER BY e.at, e.seq",
            EVENT_COLUMNS
                .replace("event_id", "e.event_id")
                .replace("payload", "e.payload")
        );
        let hub = hub.map_or("", |h| h.code());
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, EventRow>(&sql)
            .bind(from)
            .bind(to)
            .bind(hub)
            .fetch_all(pool)
            .await?);
        events_from(rows)
    }

    /// The first arrival on site of each ticket an engineer reached: where
    /// the escalation matrix stops climbing.
    pub async fn first_arrivals(
        &self,
    ) -> Result<std::collections::HashMap<TicketId, DateTime<Utc>>, StorageError> {
        let rows: Vec<(String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT ticket_id, MIN(at) FROM engineer_events WHERE kind = 'arrived' \
             GROUP BY ticket_id"
        )
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|(id, at)| {
                let id = TicketId::parse(&id).map_err(|e| {
                    StorageError::invalid_row("engineer_events", "ticket_id", e.message)
                })?;
                Ok((id, at))
            })
            .collect()
    }

    /// How many events are stored (the benchmark counts them after).
    pub async fn count_events(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM engineer_events"
        )
        .fetch_one(pool)
        .await?))
    }

    /// The parts fitted on a ticket's visits.
    pub async fn parts_used(&self, ticket: &TicketId) -> Result<Vec<PartUsed>, StorageError> {
        let rows: Vec<(String, String, String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT event_id, part, base, taken FROM parts_used WHERE ticket_id = $1 \
             ORDER BY event_id, position"
        )
        .bind(ticket.as_str())
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|(event_id, part, base, taken)| {
                let bad = |column, message: String| {
                    StorageError::invalid_row("parts_used", column, message)
                };
                Ok(PartUsed {
                    event_id: EventId::parse(event_id).map_err(|e| bad("event_id", e.message))?,
                    part: PartCode::parse(part).map_err(|e| bad("part", e.message))?,
                    base,
                    taken,
                })
            })
            .collect()
    }

    /// Parts ordered (or reserved at the engineer's stock point) by the
    /// ticket's `needs_part` finishes, oldest first: what a return visit
    /// brings.
    pub async fn visit_part_orders(
        &self,
        ticket: &TicketId,
    ) -> Result<Vec<(PartCode, String, Option<DateTime<Utc>>)>, StorageError> {
        let rows: Vec<(String, String, Option<DateTime<Utc>>)> =
            on_pool!(self, |pool| sqlx::query_as(
                "SELECT part, base, arrives_at FROM part_orders WHERE ticket_id = $1 \
                 ORDER BY arrives_at, event_id"
            )
            .bind(ticket.as_str())
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(part, base, arrives_at)| {
                let part = PartCode::parse(part)
                    .map_err(|e| StorageError::invalid_row("part_orders", "part", e.message))?;
                Ok((part, base, arrives_at))
            })
            .collect()
    }

    /// The parts ordered by earlier visits to any of `tickets`, per ticket
    /// in arrival order: `(ticket, part, base)`.
    pub async fn part_orders_of_tickets(
        &self,
        tickets: &[TicketId],
    ) -> Result<Vec<(TicketId, PartCode, String)>, StorageError> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT ticket_id, part, base FROM part_orders WHERE ticket_id IN ({}) \
             ORDER BY arrives_at, event_id",
            super::placeholders(1, tickets.len())
        );
        let rows: Vec<(String, String, String)> = on_pool!(self, |pool| {
            let mut query = sqlx::query_as(&sql);
            for ticket in tickets {
                query = query.bind(ticket.as_str());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(ticket, part, base)| {
                let ticket = TicketId::parse(&ticket).map_err(|e| {
                    StorageError::invalid_row("part_orders", "ticket_id", e.message)
                })?;
                let part = PartCode::parse(part)
                    .map_err(|e| StorageError::invalid_row("part_orders", "part", e.message))?;
                Ok((ticket, part, base))
            })
            .collect()
    }

    /// The call center's satisfaction calls, soonest due first; only those
    /// due by `due_by` when given.
    pub async fn follow_ups(
        &self,
        due_by: Option<DateTime<Utc>>,
    ) -> Result<Vec<FollowUp>, StorageError> {
        // Far enough, and written with four year digits so SQLite's text
        // comparison orders it.
        let far = chrono::TimeZone::with_ymd_and_hms(&Utc, 9999, 12, 31, 0, 0, 0)
            .single()
            .expect("a valid date");
        let rows: Vec<FollowUpRow> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT ticket_id, kind, due_at, scheduled_at, event_id FROM follow_ups \
             WHERE due_at <= $1 ORDER BY due_at, ticket_id"
        )
        .bind(due_by.unwrap_or(far).min(far))
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|row| {
                let bad = |column, message: String| {
                    StorageError::invalid_row("follow_ups", column, message)
                };
                Ok(FollowUp {
                    ticket_id: TicketId::parse(row.ticket_id)
                        .map_err(|e| bad("ticket_id", e.message))?,
                    kind: row.kind,
                    due_at: row.due_at,
                    scheduled_at: row.scheduled_at,
                    event_id: EventId::parse(row.event_id)
                        .map_err(|e| bad("event_id", e.message))?,
                })
            })
            .collect()
    }

    /// Everything stored about one ticket, or `None` for an unknown id.
    pub async fn ticket_history(
        &self,
        ticket: &TicketId,
    ) -> Result<Option<StoredHistory>, StorageError> {
        let Some(found) = self.ticket(ticket).await? else {
            return Ok(None);
        };
        // The same reads as the report's, narrowed to the one ticket.
        let reported = found.reported_at();
        let mut histories = self
            .histories_where_between(
                "t.reported_at >= $1 AND t.reported_at < $2 AND t.id = $3",
                reported,
                reported + Duration::seconds(1),
                ticket.as_str(),
                vec![found],
            )
            .await?;
        Ok(histories.pop())
    }

    /// The stored histories of the tickets reported in `[from, to)`, of
    /// one hub when given: what the SLA report counts.
    pub async fn histories_reported_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        hub: Option<Region>,
    ) -> Result<Vec<StoredHistory>, StorageError> {
        let hub = hub.map_or("", |h| h.code());
        let condition = "t.reported_at >= $1 AND t.reported_at < $2 AND ($3 = '' OR t.region = $3)";
        let ids: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(&format!(
            "SELECT t.id FROM tickets t WHERE {condition} ORDER BY t.reported_at, t.id"
        ))
        .bind(from)
        .bind(to)
        .bind(hub)
        .fetch_all(pool)
        .await?);
        let mut tickets = Vec::with_capacity(ids.len());
        for id in ids {
            let id = TicketId::parse(&id)
                .map_err(|e| StorageError::invalid_row("tickets", "id", e.message))?;
            if let Some(ticket) = self.ticket(&id).await? {
                tickets.push(ticket);
            }
        }
        self.histories_where_between(condition, from, to, hub, tickets)
            .await
    }

    /// The histories of `tickets`, read with `condition` on `tickets t`
    /// over `$1 = from`, `$2 = to` and `$3 = text`.
    async fn histories_where_between(
        &self,
        condition: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        text: &str,
        tickets: Vec<Ticket>,
    ) -> Result<Vec<StoredHistory>, StorageError> {
        let (remote, planned, events, loaners) = on_pool!(self, |pool| {
            (
                sqlx::query_as::<_, RemoteRow>(&remote_sql(condition))
                    .bind(from)
                    .bind(to)
                    .bind(text)
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as::<_, PlannedRow>(&planned_sql(condition))
                    .bind(from)
                    .bind(to)
                    .bind(text)
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as::<_, TicketEventRow>(&events_sql(condition))
                    .bind(from)
                    .bind(to)
                    .bind(text)
                    .fetch_all(pool)
                    .await?,
                sqlx::query_scalar::<_, String>(&loaners_sql(condition))
                    .bind(from)
                    .bind(to)
                    .bind(text)
                    .fetch_all(pool)
                    .await?,
            )
        });
        assemble(tickets, remote, planned, events, loaners)
    }

    /// A hub's stored rosters (of one day when given), newest first.
    pub async fn roster_revisions(
        &self,
        hub: Region,
        date: Option<NaiveDate>,
    ) -> Result<Vec<RosterRevision>, StorageError> {
        let columns = "SELECT id, date, created_at, replaces, tickets, assigned, engineers_used, \
             on_time, km FROM rosters WHERE hub = $1";
        let order = "ORDER BY date DESC, id DESC";
        let rows: Vec<RosterRevision> = on_pool!(self, |pool| match date {
            Some(date) =>
                sqlx::query_as(&format!("{columns} AND date = $2 {order}"))
                    .bind(hub.code())
                    .bind(date)
                    .fetch_all(pool)
                    .await?,
            None =>
                sqlx::query_as(&format!("{columns} {order}"))
                    .bind(hub.code())
                    .fetch_all(pool)
                    .await?,
        });
        Ok(rows)
    }
}

/// A stored roster revision, as listed for a hub's day.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RosterRevision {
    pub id: i64,
    pub date: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// The revision it replaced.
    pub replaces: Option<i64>,
    pub tickets: i64,
    pub assigned: i64,
    pub engineers_used: i64,
    pub on_time: i64,
    pub km: f64,
}

#[derive(sqlx::FromRow)]
struct FollowUpRow {
    ticket_id: String,
    kind: String,
    due_at: DateTime<Utc>,
    scheduled_at: DateTime<Utc>,
    event_id: String,
}

#[derive(sqlx::FromRow)]
struct PlannedRow {
    ticket_id: String,
    roster_id: i64,
    hub: String,
    date: NaiveDate,
    engineer_id: String,
    created_at: DateTime<Utc>,
    arrival: DateTime<Utc>,
    departure: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TicketEventRow {
    ticket_id: String,
    event_id: String,
    payload: String,
}

fn remote_sql(condition: &str) -> String {
    format!(
        "SELECT a.ticket_id, a.agent, a.start_at, a.end_at, a.outcome, a.responded_in_time \
         FROM roster_remote a JOIN tickets t ON t.id = a.ticket_id WHERE {condition} \
         ORDER BY a.roster_id, a.position"
    )
}

fn planned_sql(condition: &str) -> String {
    format!(
        "SELECT v.ticket_id, ro.id AS roster_id, ro.hub, ro.date, r.engineer_id, ro.created_at, \
         v.arrival, v.departure FROM roster_visits v \
         JOIN roster_routes r ON r.id = v.route_id JOIN rosters ro ON ro.id = r.roster_id \
         JOIN tickets t ON t.id = v.ticket_id WHERE v.kind = 'fault' AND {condition} \
         ORDER BY ro.created_at, ro.id"
    )
}

fn events_sql(condition: &str) -> String {
    format!(
        "SELECT e.ticket_id, e.event_id, e.payload FROM engineer_events e \
         JOIN tickets t ON t.id = e.ticket_id WHERE {condition} ORDER BY e.at, e.seq"
    )
}

fn loaners_sql(condition: &str) -> String {
    format!(
        "SELECT DISTINCT l.ticket_id FROM roster_loaners l JOIN tickets t ON t.id = l.ticket_id \
         WHERE {condition}"
    )
}

/// Groups the rows under their tickets. Of the revisions of one hub's
/// day, the newest holding the ticket gives the visit; the first roster
/// that planned it that day gives the time it was planned.
fn assemble(
    tickets: Vec<Ticket>,
    remote: Vec<RemoteRow>,
    planned: Vec<PlannedRow>,
    events: Vec<TicketEventRow>,
    loaners: Vec<String>,
) -> Result<Vec<StoredHistory>, StorageError> {
    let mut by_ticket: BTreeMap<String, StoredHistory> = tickets
        .into_iter()
        .map(|ticket| {
            (
                ticket.id().to_string(),
                StoredHistory {
                    ticket,
                    remote: Vec::new(),
                    planned: Vec::new(),
                    events: Vec::new(),
                    loaner: false,
                },
            )
        })
        .collect();
    for row in remote {
        let Some(history) = by_ticket.get_mut(&row.ticket_id) else {
            continue;
        };
        history.remote.push(row.into_domain()?);
    }
    // (ticket, hub, date) → (first planned, newest row)
    let mut days: BTreeMap<(String, String, NaiveDate), (DateTime<Utc>, PlannedRow)> =
        BTreeMap::new();
    for row in planned {
        let key = (row.ticket_id.clone(), row.hub.clone(), row.date);
        match days.get_mut(&key) {
            Some((_, newest)) => *newest = row,
            None => {
                days.insert(key, (row.created_at, row));
            }
        }
    }
    for ((ticket_id, _, _), (first, row)) in days {
        let Some(history) = by_ticket.get_mut(&ticket_id) else {
            continue;
        };
        history.planned.push(PlannedVisit {
            roster_id: row.roster_id,
            date: row.date,
            engineer_id: EngineerId::parse(&row.engineer_id).map_err(|e| {
                StorageError::invalid_row("roster_routes", "engineer_id", e.message)
            })?,
            planned_at: first,
            arrival: row.arrival,
            departure: row.departure,
        });
    }
    for row in events {
        let Some(history) = by_ticket.get_mut(&row.ticket_id) else {
            continue;
        };
        history.events.push(
            EventRow {
                event_id: row.event_id,
                payload: row.payload,
            }
            .into_domain()?,
        );
    }
    for ticket_id in loaners {
        if let Some(history) = by_ticket.get_mut(&ticket_id) {
            history.loaner = true;
        }
    }
    let mut histories: Vec<StoredHistory> = by_ticket.into_values().collect();
    for history in &mut histories {
        history.planned.sort_by_key(|p| (p.date, p.planned_at));
    }
    histories.sort_by(|a, b| {
        a.ticket
            .reported_at()
            .cmp(&b.ticket.reported_at())
            .then(a.ticket.id().cmp(b.ticket.id()))
    });
    Ok(histories)
}
