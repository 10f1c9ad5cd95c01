//! The ticket repository.

use chrono::NaiveDate;

use super::rows::{TicketRow, service_hours_code};
use super::{StorageError, Store, in_transaction, on_pool};
use crate::domain::{DomainError, Region, Ticket, TicketId, TicketStatus};

const TICKET_COLUMNS: &str = "id, customer, lat, lon, city_adcode, region, severity, skill, \
     reported_at, service_minutes, sla_response_minutes, sla_on_site_minutes, \
     sla_repair_minutes, sla_hours, status, part, address, contact_phone, fault";

pub(super) const INSERT_TICKET: &str = "INSERT INTO tickets (id, customer, lat, lon, city_adcode, region, \
     severity, skill, reported_at, service_minutes, sla_response_minutes, sla_on_site_minutes, \
     sla_repair_minutes, sla_hours, status, part, address, contact_phone, fault) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";

/// Inserts one ticket on `$executor`; a taken id becomes
/// [`StorageError::DuplicateTicket`] rather than a bare database error.
macro_rules! insert_ticket {
    ($executor:expr, $ticket:expr) => {{
        let ticket: &Ticket = $ticket;
        let sla = ticket.sla();
        sqlx::query(INSERT_TICKET)
            .bind(ticket.id().as_str())
            .bind(ticket.customer())
            .bind(ticket.site().lat())
            .bind(ticket.site().lon())
            .bind(i64::from(ticket.city_adcode()))
            .bind(ticket.region().code())
            .bind(i64::from(ticket.severity().level()))
            .bind(ticket.skill().code())
            .bind(ticket.reported_at())
            .bind(i64::from(ticket.service_minutes()))
            .bind(i64::from(sla.response_minutes()))
            .bind(i64::from(sla.on_site_minutes()))
            .bind(i64::from(sla.repair_minutes()))
            .bind(service_hours_code(sla.hours()))
            .bind(ticket.status().code())
            .bind(ticket.part().map(|p| p.as_str()))
            .bind(ticket.contact().address.as_deref())
            .bind(ticket.contact().contact_phone.as_deref())
            .bind(ticket.contact().fault.as_deref())
            .execute($executor)
            .await
            .map_err(|error| duplicate_or(error, ticket.id()))?;
    }};
}

pub(super) use insert_ticket;

/// Takes the next free intake id of the form `T20261128-00001` for the
/// local `day` on the open transaction `$tx`. Generated or imported tickets
/// may already use ids of this form, so numbers that are taken are skipped.
macro_rules! next_ticket_id {
    ($tx:ident, $day:expr) => {{
        let day: NaiveDate = $day;
        loop {
            let number: i64 = sqlx::query_scalar(
                "INSERT INTO ticket_counters (day, last) VALUES ($1, 1) \
                 ON CONFLICT (day) DO UPDATE SET last = ticket_counters.last + 1 \
                 RETURNING last",
            )
            .bind(day)
            .fetch_one(&mut *$tx)
            .await?;
            let id = TicketId::parse(format!("T{}-{number:05}", day.format("%Y%m%d")))?;
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE id = $1")
                .bind(id.as_str())
                .fetch_one(&mut *$tx)
                .await?;
            if taken == 0 {
                break id;
            }
        }
    }};
}

pub(super) use next_ticket_id;

pub(super) fn duplicate_or(error: sqlx::Error, id: &TicketId) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::DuplicateTicket(id.clone())
        }
        _ => StorageError::Database(error),
    }
}

/// Which tickets to list or count; `None` means any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub region: Option<Region>,
}

impl TicketFilter {
    /// The WHERE clause and its text arguments, numbered from `$1`.
    fn clause(&self) -> (String, Vec<&'static str>) {
        let mut conditions = Vec::new();
        let mut arguments = Vec::new();
        if let Some(status) = self.status {
            arguments.push(status.code());
            conditions.push(format!("status = ${}", arguments.len()));
        }
        if let Some(region) = self.region {
            arguments.push(region.code());
            conditions.push(format!("region = ${}", arguments.len()));
        }
        if conditions.is_empty() {
            (String::new(), arguments)
        } else {
            (format!(" WHERE {}", conditions.join(" AND ")), arguments)
        }
    }
}

impl Store {
    pub async fn insert_ticket(&self, ticket: &Ticket) -> Result<(), StorageError> {
        on_pool!(self, |pool| insert_ticket!(pool, ticket));
        Ok(())
    }

    /// Inserts all tickets or none.
    pub async fn insert_tickets(&self, tickets: &[Ticket]) -> Result<usize, StorageError> {
        in_transaction!(self, |tx| {
            for ticket in tickets {
                insert_ticket!(&mut *tx, ticket);
            }
        });
        Ok(tickets.len())
    }

    /// Intake: assigns the next free id of the form `T20261128-00001` for
    /// the report's local `day`, builds the ticket with it and stores it, in
    /// one transaction — if `build` refuses the input, nothing is written
    /// (not even the counter).
    pub async fn insert_new_ticket(
        &self,
        day: NaiveDate,
        build: impl FnOnce(TicketId) -> Result<Ticket, DomainError>,
    ) -> Result<Ticket, StorageError> {
        let ticket = in_transaction!(self, |tx| {
            let id = next_ticket_id!(tx, day);
            let ticket = build(id)?;
            insert_ticket!(&mut *tx, &ticket);
            ticket
        });
        tracing::info!(ticket = %ticket.id(), region = %ticket.region(), "ticket taken in");
        Ok(ticket)
    }

    pub async fn ticket(&self, id: &TicketId) -> Result<Option<Ticket>, StorageError> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, TicketRow>(&sql)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?);
        row.map(TicketRow::into_domain).transpose()
    }

    /// The tickets among `ids` that exist, in no particular order: one
    /// query for a route's stops instead of one per stop.
    pub async fn tickets_by_ids(&self, ids: &[TicketId]) -> Result<Vec<Ticket>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ({})",
            super::placeholders(1, ids.len())
        );
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, TicketRow>(&sql);
            for id in ids {
                query = query.bind(id.as_str());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter().map(TicketRow::into_domain).collect()
    }

    /// Tickets matching `filter`, oldest report first.
    pub async fn tickets(&self, filter: TicketFilter) -> Result<Vec<Ticket>, StorageError> {
        let (clause, arguments) = filter.clause();
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets{clause} ORDER BY reported_at, id");
        let rows = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, TicketRow>(&sql);
            for argument in &arguments {
                query = query.bind(*argument);
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter().map(TicketRow::into_domain).collect()
    }

    pub async fn count_tickets(&self, filter: TicketFilter) -> Result<i64, StorageError> {
        let (clause, arguments) = filter.clause();
        let sql = format!("SELECT COUNT(*) FROM tickets{clause}");
        Ok(on_pool!(self, |pool| {
            let mut query = sqlx::query_scalar::<_, i64>(&sql);
            for argument in &arguments {
                query = query.bind(*argument);
            }
            query.fetch_one(pool).await?
        }))
    }

    /// Marks tickets planned, all or none; returns how many rows changed.
    pub async fn mark_planned(&self, ids: &[TicketId]) -> Result<u64, StorageError> {
        Ok(in_transaction!(self, |tx| {
            let mut changed = 0;
            for id in ids {
                changed += sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2")
                    .bind(TicketStatus::Planned.code())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            changed
        }))
    }
}
