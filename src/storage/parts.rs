//! Part stock and the parts rosters took or ordered.
//!
//! Stock is one row per (stock point, part). Saving a roster takes each
//! reserved unit (and each unit ordered from a hub's warehouse) out of stock
//! inside the roster's own transaction, with a guard on the quantity (once per
//! ticket: a revision that carries a plan over takes nothing again): two
//! coordinators planning at once cannot take the same last unit, the second
//! save fails whole with [`StorageError::OutOfStock`].

use chrono::{DateTime, Utc};

use super::{StorageError, Store, in_transaction, on_pool};
use crate::domain::{
    PartAction, PartCode, PartPlan, PartSource, PendingOrder, Region, Stock, StockPoint, TicketId,
    TicketStatus,
};

#[derive(Debug, sqlx::FromRow)]
struct StockRow {
    base: String,
    part: String,
    quantity: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct PartRow {
    ticket_id: String,
    part: String,
    base: String,
    source: String,
    action: String,
    arrives_at: Option<DateTime<Utc>>,
    detail: String,
}

const PART_COLUMNS: &str = "ticket_id, part, base, source, action, arrives_at, detail";

/// Takes one unit of `$part` out of the stock at `$base` on `$executor`,
/// never below zero; evaluates to the rows changed (0: none left).
macro_rules! take_unit {
    ($executor:expr, $base:expr, $part:expr) => {
        sqlx::query(
            "UPDATE part_stock SET quantity = quantity - 1 \
             WHERE base = $1 AND part = $2 AND quantity > 0",
        )
        .bind($base)
        .bind($part)
        .execute($executor)
        .await?
        .rows_affected()
    };
}
pub(crate) use take_unit;

/// Records a roster's part plans and takes their units out of stock, on the
/// roster's transaction `$tx`. An ordered part's ticket goes back to `open`:
/// today's visit only diagnoses, the repair visit is still to plan.
///
/// A live day stores a revision every few minutes, each carrying the day's
/// part plans: one read of what was stored before and one multi-row insert
/// per [`ROWS_PER_STATEMENT`](super::rosters::ROWS_PER_STATEMENT) plans,
/// not a read and an insert per plan (a fifth of a simulated live day's
/// statements were these).
macro_rules! save_roster_parts {
    ($tx:expr, $roster_id:expr, $plans:expr) => {{
        let plans: &[$crate::domain::PartPlan] = $plans;
        // A revision of a roster (an emergency insertion) carries the plans
        // of the roster it replaces: their units are already out. Which
        // (ticket, action) pairs were stored before this roster:
        let mut stored: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        let tickets: std::collections::BTreeSet<&str> =
            plans.iter().map(|plan| plan.ticket_id.as_str()).collect();
        let tickets: Vec<&str> = tickets.into_iter().collect();
        for chunk in tickets.chunks($crate::storage::rosters::ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT DISTINCT ticket_id, action FROM roster_parts WHERE ticket_id IN (",
            );
            let mut list = query.separated(", ");
            for ticket in chunk {
                list.push_bind(*ticket);
            }
            list.push_unseparated(")");
            let rows: Vec<(String, String)> = query.build_query_as().fetch_all(&mut *$tx).await?;
            stored.extend(rows);
        }
        for chunk in plans.chunks($crate::storage::rosters::ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_parts (roster_id, ticket_id, part, base, source, action, \
                 arrives_at, detail) ",
            );
            query.push_values(chunk, |mut row, plan| {
                row.push_bind($roster_id)
                    .push_bind(plan.ticket_id.as_str())
                    .push_bind(plan.part.as_str())
                    .push_bind(plan.base.code())
                    .push_bind(plan.source.code())
                    .push_bind(plan.action.code())
                    .push_bind(plan.arrives_at)
                    .push_bind(&plan.detail);
            });
            query.build().execute(&mut *$tx).await?;
        }
        for plan in plans {
            // What leaves the shelf is the plan's to say; storage only
            // applies it, once per ticket (the first plan of a pair).
            let first = stored.insert((
                plan.ticket_id.as_str().to_string(),
                plan.action.code().to_string(),
            ));
            if let (true, Some(point)) = (first, plan.unit_taken_from()) {
                let taken = $crate::storage::parts::take_unit!(
                    &mut *$tx,
                    &point.code(),
                    plan.part.as_str()
                );
                if taken == 0 {
                    return Err($crate::storage::StorageError::OutOfStock {
                        base: point.code(),
                        part: plan.part.to_string(),
                    });
                }
            }
            if plan.action == $crate::domain::PartAction::Ordered {
                // The repair waits for the part: a planned ticket is open
                // again. Only a planned one — a revision carries the order
                // of a diagnosis visit already made, and the ticket that
                // visit fixed must stay fixed (it was opened again, and
                // re-planned and re-ordered every day after).
                sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2 AND status = $3")
                    .bind($crate::domain::TicketStatus::Open.code())
                    .bind(plan.ticket_id.as_str())
                    .bind($crate::domain::TicketStatus::Planned.code())
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use save_roster_parts;

fn invalid(column: &'static str, message: impl ToString) -> StorageError {
    StorageError::invalid_row("roster_parts", column, message)
}

impl PartRow {
    fn into_domain(self) -> Result<PartPlan, StorageError> {
        Ok(PartPlan {
            ticket_id: TicketId::parse(&self.ticket_id)
                .map_err(|e| invalid("ticket_id", e.message))?,
            part: PartCode::parse(&self.part).map_err(|e| invalid("part", e.message))?,
            action: match self.action.as_str() {
                "reserved" => PartAction::Reserved,
                "ordered" => PartAction::Ordered,
                other => return Err(invalid("action", format!("{other:?} is unknown"))),
            },
            base: StockPoint::parse(&self.base).map_err(|e| invalid("base", e.message))?,
            source: PartSource::parse(&self.source).map_err(|e| invalid("source", e.message))?,
            arrives_at: self.arrives_at,
            detail: self.detail,
        })
    }
}

/// Stock rows as the domain's stock.
fn stock_of(rows: Vec<StockRow>) -> Result<Stock, StorageError> {
    let lines = rows
        .into_iter()
        .map(|row| {
            let bad =
                |column, message: String| StorageError::invalid_row("part_stock", column, message);
            Ok((
                StockPoint::parse(&row.base).map_err(|e| bad("base", e.message))?,
                PartCode::parse(&row.part).map_err(|e| bad("part", e.message))?,
                u32::try_from(row.quantity)
                    .map_err(|_| bad("quantity", format!("{} is out of range", row.quantity)))?,
            ))
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(Stock::new(lines))
}

/// Of a ticket's part orders (`roster_parts p`), only the newest revision's:
/// every re-plan writes the order again, so reading them all would grow
/// with the day's revisions (a simulated month re-plans a hub thousands of
/// times) while only the newest counts.
const NEWEST_ORDER: &str = "p.roster_id = (SELECT MAX(q.roster_id) FROM roster_parts q \
     WHERE q.ticket_id = p.ticket_id AND q.action = 'ordered')";

impl Store {
    /// Replaces the whole stock (the shipped network's, or an import).
    pub async fn set_stock(&self, stock: &Stock) -> Result<(), StorageError> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM part_stock")
                .execute(&mut *tx)
                .await?;
            for (at, part, quantity) in stock.lines() {
                sqlx::query("INSERT INTO part_stock (base, part, quantity) VALUES ($1, $2, $3)")
                    .bind(at.code())
                    .bind(part.as_str())
                    .bind(i64::from(quantity))
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// The stock as it stands, or `None` when no stock was ever loaded
    /// (parts are then not tracked).
    pub async fn stock(&self) -> Result<Option<Stock>, StorageError> {
        let rows: Vec<StockRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT base, part, quantity FROM part_stock")
                .fetch_all(pool)
                .await?
        });
        if rows.is_empty() {
            return Ok(None);
        }
        stock_of(rows).map(Some)
    }

    /// The stock of `parts` at `points` only (a hub's plan draws on its
    /// engineers' bases and its own warehouse for its swaps' parts, not on
    /// the whole country's shelves), or `None` when no stock was ever
    /// loaded anywhere.
    pub async fn stock_at(
        &self,
        points: &[StockPoint],
        parts: &[PartCode],
    ) -> Result<Option<Stock>, StorageError> {
        let codes: Vec<String> = points.iter().map(StockPoint::code).collect();
        let bases = super::placeholders(1, codes.len().max(1));
        let wanted = super::placeholders(1 + codes.len().max(1), parts.len().max(1));
        let sql = format!(
            "SELECT base, part, quantity FROM part_stock WHERE base IN ({bases}) AND part IN ({wanted})"
        );
        let (loaded, rows): (bool, Vec<StockRow>) = on_pool!(self, |pool| {
            let loaded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM part_stock)")
                .fetch_one(pool)
                .await?;
            let mut query = sqlx::query_as(&sql);
            if codes.is_empty() {
                query = query.bind("");
            }
            for code in &codes {
                query = query.bind(code.as_str());
            }
            if parts.is_empty() {
                query = query.bind("");
            }
            for part in parts {
                query = query.bind(part.as_str());
            }
            (
                loaded,
                // Nothing to look up when no point or no part is asked for.
                if loaded && !codes.is_empty() && !parts.is_empty() {
                    query.fetch_all(pool).await?
                } else {
                    Vec::new()
                },
            )
        });
        if !loaded {
            return Ok(None);
        }
        stock_of(rows).map(Some)
    }

    /// Parts ordered for still-open tickets, the latest order per ticket:
    /// by rosters, then by finished visits (`needs_part`, in `part_orders`,
    /// where a part reserved at the engineer's own stock point counts as
    /// an order that has arrived there). With a region, only its tickets'
    /// orders: a hub's plan draws on its own stock points only, and reading
    /// every hub's orders made each re-plan read seven times the rows (the
    /// slowest of a simulated week's statements by its eighth day).
    pub async fn pending_orders(
        &self,
        region: Option<Region>,
    ) -> Result<Vec<PendingOrder>, StorageError> {
        // The region is written into the statement, not bound as `$2 = ''
        // OR …`, so the tickets' (status, region) index serves it.
        let in_region = match region {
            Some(_) => " AND t.region = $2",
            None => "",
        };
        let region = region.map(|r| r.code());
        let newest = format!(
            "SELECT p.{} FROM roster_parts p JOIN tickets t ON t.id = p.ticket_id \
             WHERE p.action = 'ordered' AND t.status = $1{in_region} AND {NEWEST_ORDER} \
             ORDER BY p.roster_id",
            PART_COLUMNS.replace(", ", ", p.")
        );
        let reported = format!(
            "SELECT p.{} FROM part_orders p JOIN tickets t ON t.id = p.ticket_id \
             WHERE t.status = $1{in_region} ORDER BY p.arrives_at, p.event_id",
            PART_COLUMNS.replace(", ", ", p.")
        );
        let rows: Vec<PartRow> = on_pool!(self, |pool| {
            let mut rows = Vec::new();
            for sql in [&newest, &reported] {
                let mut query = sqlx::query_as::<_, PartRow>(sql).bind(TicketStatus::Open.code());
                if let Some(region) = region {
                    query = query.bind(region);
                }
                rows.extend(query.fetch_all(pool).await?);
            }
            rows
        });
        let mut orders: Vec<PendingOrder> = Vec::new();
        for row in rows {
            let plan = row.into_domain()?;
            let base = plan.base;
            let arrives_at = plan
                .arrives_at
                .ok_or_else(|| invalid("arrives_at", "an order without an arrival"))?;
            orders.retain(|o| o.ticket_id != plan.ticket_id);
            orders.push(PendingOrder {
                ticket_id: plan.ticket_id,
                base,
                arrives_at,
                visited: false,
                ordered_for: None,
            });
        }
        if orders.is_empty() {
            return Ok(orders);
        }
        // Who has been on site, and the day of the newest plan that ordered
        // each part with a diagnosis visit.
        let list = super::placeholders(1, orders.len());
        let arrived_sql = format!(
            "SELECT DISTINCT ticket_id FROM engineer_events \
             WHERE kind = 'arrived' AND ticket_id IN ({list})"
        );
        let ordered_sql = format!(
            "SELECT p.ticket_id, r.date FROM roster_parts p JOIN rosters r ON r.id = p.roster_id \
             WHERE p.action = 'ordered' AND p.ticket_id IN ({list}) AND {NEWEST_ORDER} \
             ORDER BY p.roster_id"
        );
        let (arrived, ordered): (Vec<String>, Vec<(String, chrono::NaiveDate)>) =
            on_pool!(self, |pool| {
                let mut arrived = sqlx::query_scalar(&arrived_sql);
                let mut ordered = sqlx::query_as(&ordered_sql);
                for order in &orders {
                    arrived = arrived.bind(order.ticket_id.as_str());
                    ordered = ordered.bind(order.ticket_id.as_str());
                }
                (
                    arrived.fetch_all(pool).await?,
                    ordered.fetch_all(pool).await?,
                )
            });
        for order in &mut orders {
            let id = order.ticket_id.as_str();
            order.visited = arrived.iter().any(|a| a == id);
            order.ordered_for = ordered
                .iter()
                .rev()
                .find(|(ticket, _)| ticket == id)
                .map(|(_, day)| *day);
        }
        Ok(orders)
    }

    /// The parts roster `id` took or ordered.
    pub async fn roster_parts(&self, id: i64) -> Result<Vec<PartPlan>, StorageError> {
        let rows: Vec<PartRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {PART_COLUMNS} FROM roster_parts WHERE roster_id = $1 ORDER BY ticket_id"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(PartRow::into_domain).collect()
    }
}
