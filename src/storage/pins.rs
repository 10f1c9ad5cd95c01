//! Visits a coordinator pinned to their engineer for a hub's day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{StorageError, Store, in_transaction, on_pool};
use crate::domain::{EngineerId, Region, TicketId};

/// One pinned visit: the ticket stays with the engineer when the day is
/// re-planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    pub ticket_id: TicketId,
    pub engineer_id: EngineerId,
    pub pinned_at: DateTime<Utc>,
    /// Why the day's last re-plan could not put the visit back with its
    /// engineer (the rule it would break); absent while the pin holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_kept: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PinRow {
    ticket_id: String,
    engineer_id: String,
    pinned_at: DateTime<Utc>,
    not_kept: Option<String>,
}

impl PinRow {
    fn into_domain(self) -> Result<Pin, StorageError> {
        let invalid = |column, message| StorageError::invalid_row("visit_pins", column, message);
        Ok(Pin {
            ticket_id: TicketId::parse(&self.ticket_id)
                .map_err(|e| invalid("ticket_id", e.message))?,
            engineer_id: EngineerId::parse(&self.engineer_id)
                .map_err(|e| invalid("engineer_id", e.message))?,
            pinned_at: self.pinned_at,
            not_kept: self.not_kept,
        })
    }
}

impl Store {
    /// Pins `ticket` to `engineer` on the hub's day (a second pin of the
    /// same ticket moves the pin).
    pub async fn pin_visit(
        &self,
        hub: Region,
        date: NaiveDate,
        ticket: &TicketId,
        engineer: &EngineerId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO visit_pins (hub, date, ticket_id, engineer_id, pinned_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (hub, date, ticket_id) \
                 DO UPDATE SET engineer_id = excluded.engineer_id, pinned_at = excluded.pinned_at, \
                 not_kept = NULL",
            )
            .bind(hub.code())
            .bind(date)
            .bind(ticket.as_str())
            .bind(engineer.as_str())
            .bind(at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes a pin; whether there was one.
    pub async fn unpin_visit(
        &self,
        hub: Region,
        date: NaiveDate,
        ticket: &TicketId,
    ) -> Result<bool, StorageError> {
        let removed = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM visit_pins WHERE hub = $1 AND date = $2 AND ticket_id = $3")
                .bind(hub.code())
                .bind(date)
                .bind(ticket.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(removed > 0)
    }

    /// Records what the day's re-plan made of its pins: each of `broken`
    /// with the reason it was not kept, every other pin of the day as
    /// holding. One transaction.
    pub async fn record_pins_kept(
        &self,
        hub: Region,
        date: NaiveDate,
        broken: &[(TicketId, String)],
    ) -> Result<(), StorageError> {
        in_transaction!(self, |tx| {
            sqlx::query("UPDATE visit_pins SET not_kept = NULL WHERE hub = $1 AND date = $2")
                .bind(hub.code())
                .bind(date)
                .execute(&mut *tx)
                .await?;
            for (ticket, reason) in broken {
                sqlx::query(
                    "UPDATE visit_pins SET not_kept = $1 \
                     WHERE hub = $2 AND date = $3 AND ticket_id = $4",
                )
                .bind(reason)
                .bind(hub.code())
                .bind(date)
                .bind(ticket.as_str())
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The hub's pins of a day, by ticket id.
    pub async fn pins(&self, hub: Region, date: NaiveDate) -> Result<Vec<Pin>, StorageError> {
        let rows: Vec<PinRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT ticket_id, engineer_id, pinned_at, not_kept FROM visit_pins \
                 WHERE hub = $1 AND date = $2 ORDER BY ticket_id",
            )
            .bind(hub.code())
            .bind(date)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(PinRow::into_domain).collect()
    }
}
