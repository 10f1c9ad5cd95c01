//! Visits a coordinator pinned to their engineer for a hub's day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{StorageError, Store, on_pool};
use crate::domain::{EngineerId, Region, TicketId};

/// One pinned visit: the ticket stays with the engineer when the day is
/// re-planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    pub ticket_id: TicketId,
    pub engineer_id: EngineerId,
    pub pinned_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PinRow {
    ticket_id: String,
    engineer_id: String,
    pinned_at: DateTime<Utc>,
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
                 DO UPDATE SET engineer_id = excluded.engineer_id, pinned_at = excluded.pinned_at",
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

    /// The hub's pins of a day, by ticket id.
    pub async fn pins(&self, hub: Region, date: NaiveDate) -> Result<Vec<Pin>, StorageError> {
        let rows: Vec<PinRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT ticket_id, engineer_id, pinned_at FROM visit_pins \
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
