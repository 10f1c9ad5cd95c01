//! Escalation state of open tickets: who has been notified, who is next.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::openapi::ErrorBody;
use super::ticket_view::parse_at as parse_time_at;
use super::tickets::local;
use super::{ADMIN, ApiError, CALL_CENTER, COORDINATOR, Caller, LiveSettings, PLANNER, Resource};
use crate::dispatch::{Escalation, escalation_with_lifecycle};
use crate::domain::{Region, Ticket, TicketId, TicketStatus};
use crate::storage::{Store, TicketFilter};

#[derive(Debug, Deserialize, IntoParams)]
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

/// Who has been notified about a ticket under the escalation matrix at
/// `at`, and who is next.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/escalation",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket"), EscalationQuery),
    responses(
        (status = 200, description = "The ticket's escalation", body = Object),
        (status = 400, description = "A bad `at` (named)", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
    ),
)]
pub async fn ticket_escalation(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | CALL_CENTER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    id: web::Path<String>,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = parse_time_at(query.at.as_deref(), live.clock.now())?;
    let not_found = || ApiError::not_found(Resource::Ticket, id.as_str());
    let ticket_id = TicketId::parse(id.as_str()).map_err(|_| not_found())?;
    let history = store
        .ticket_history(&ticket_id)
        .await?
        .ok_or_else(not_found)?;
    caller.hub(history.ticket.region())?;
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
#[utoipa::path(
    get,
    path = "/api/v1/escalations",
    tag = "tickets",
    params(EscalationQuery),
    responses(
        (status = 200, description = "`{at, count, tickets}`, most escalated first", body = Object),
        (status = 400, description = "A bad `at` or hub (named)", body = ErrorBody),
    ),
)]
pub async fn list_escalations(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | CALL_CENTER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = parse_time_at(query.at.as_deref(), live.clock.now())?;
    let region = query.hub.as_deref().map(str::parse::<Region>).transpose()?;
    let region = caller.hub_filter(region)?;
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
