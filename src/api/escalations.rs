//! Escalation state of open tickets: who has been notified, who is next.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::tickets::local;
use super::{ApiError, Resource};
use crate::dispatch::{Escalation, escalation_with_lifecycle};
use crate::domain::{Region, Ticket, TicketId, TicketStatus};
use crate::storage::{Store, TicketFilter};

#[derive(Debug, Deserialize)]
pub struct EscalationQuery {
    /// The moment to evaluate at (RFC 3339); default now.
    pub at: Option<String>,
    pub hub: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TicketEscalation {
    pub ticket_id: String,
    pub hub: Region,
    pub status: TicketStatus,
    pub reported_at: DateTime<FixedOffset>,
    #[serde(flatten)]
    pub escalation: Escalation,
}

#[derive(Debug, Serialize)]
pub struct EscalationList {
    pub at: DateTime<FixedOffset>,
    pub count: usize,
    pub tickets: Vec<TicketEscalation>,
}

fn parse_at(raw: Option<&str>) -> Result<DateTime<Utc>, ApiError> {
    match raw {
        None => Ok(Utc::now()),
        Some(raw) => super::events::parse_instant("at", raw),
    }
}

/// The escalation as the lifecycle has it: no further climb once an
/// engineer is on site, none at all once the ticket is fixed.
fn describe(
    ticket: &Ticket,
    at: DateTime<Utc>,
    on_site_at: Option<DateTime<Utc>>,
    fixed_at: Option<DateTime<Utc>>,
) -> TicketEscalation {
    TicketEscalation {
        ticket_id: ticket.id().to_string(),
        hub: ticket.region(),
        status: ticket.status(),
        reported_at: local(ticket.reported_at()),
        escalation: escalation_with_lifecycle(ticket, at, on_site_at, fixed_at),
    }
}

/// `GET /api/v1/tickets/{id}/escalation?at=`
pub async fn ticket_escalation(
    store: web::Data<Store>,
    id: web::Path<String>,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = parse_at(query.at.as_deref())?;
    let not_found = || ApiError::not_found(Resource::Ticket, id.as_str());
    let ticket_id = TicketId::parse(id.as_str()).map_err(|_| not_found())?;
    let history = store
        .ticket_history(&ticket_id)
        .await?
        .ok_or_else(not_found)?;
    let life = history.lifecycle();
    Ok(HttpResponse::Ok().json(describe(
        &history.ticket,
        at,
        life.on_site_at,
        life.fixed_at,
    )))
}

/// `GET /api/v1/escalations?hub=&at=`: every open or planned ticket, most
/// escalated first, so a hub coordinator sees who must already have been
/// called.
pub async fn list_escalations(
    store: web::Data<Store>,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = parse_at(query.at.as_deref())?;
    let region = query.hub.as_deref().map(str::parse::<Region>).transpose()?;
    let mut tickets = Vec::new();
    for status in [TicketStatus::Open, TicketStatus::Planned] {
        tickets.extend(
            store
                .tickets(TicketFilter {
                    status: Some(status),
                    region,
                })
                .await?,
        );
    }
    // Open and planned tickets are not fixed; an arrival stops the climb.
    let arrivals = store.first_arrivals().await?;
    let mut list: Vec<TicketEscalation> = tickets
        .iter()
        .map(|t| describe(t, at, arrivals.get(t.id()).copied(), None))
        .collect();
    list.sort_by(|a, b| {
        b.escalation
            .notified
            .last()
            .map(|n| n.role)
            .cmp(&a.escalation.notified.last().map(|n| n.role))
            .then(a.reported_at.cmp(&b.reported_at))
            .then(a.ticket_id.cmp(&b.ticket_id))
    });
    Ok(HttpResponse::Ok().json(EscalationList {
        at: local(at),
        count: list.len(),
        tickets: list,
    }))
}
