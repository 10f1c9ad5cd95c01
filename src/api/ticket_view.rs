//! One ticket as it stands: `GET /api/v1/tickets/{id}` (lifecycle, SLA
//! clocks, every visit planned and done, escalation), its service record
//! (`GET /api/v1/tickets/{id}/record`, JSON or a printable HTML page) and
//! the call center's satisfaction calls.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::events::to_local_json;
use super::openapi::ErrorBody;
use super::tickets::{TicketResponse, local};
use super::{ADMIN, ApiError, CALL_CENTER, COORDINATOR, Caller, LiveSettings, PLANNER, Resource};
use crate::dispatch::escalation_with_lifecycle;
use crate::domain::TicketId;
use crate::domain::lifecycle::{SlaClocks, TicketLifecycle};
use crate::storage::{Store, StoredHistory};

#[derive(Debug, Deserialize, IntoParams)]
pub struct AtQuery {
    /// RFC 3339; default now.
    pub at: Option<String>,
    /// `json` (default) or `html` (the record only).
    pub format: Option<String>,
}

/// An RFC 3339 time named `field` (see [`super::events::parse_instant`]);
/// `None` is `now`.
pub(crate) fn parse_time(
    field: &str,
    raw: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    match raw {
        None => Ok(now),
        Some(raw) => super::events::parse_instant(field, raw),
    }
}

pub(crate) fn parse_at(raw: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    parse_time("at", raw, now)
}

/// The ticket a path names, if the caller may see it (a coordinator their
/// hub's only).
async fn visible_history<const ROLES: u8>(
    store: &Store,
    caller: &Caller<ROLES>,
    raw: &str,
) -> Result<StoredHistory, ApiError> {
    let history = history(store, raw).await?;
    caller.hub(history.ticket.region())?;
    Ok(history)
}

async fn history(store: &Store, raw: &str) -> Result<StoredHistory, ApiError> {
    let not_found = || ApiError::not_found(Resource::Ticket, raw);
    let id = TicketId::parse(raw).map_err(|_| not_found())?;
    store.ticket_history(&id).await?.ok_or_else(not_found)
}

/// The ticket on the wire with its contact fields.
fn ticket_json(history: &StoredHistory) -> Value {
    let mut ticket =
        serde_json::to_value(TicketResponse::from(&history.ticket)).unwrap_or_else(|_| json!({}));
    let contact = history.ticket.contact();
    ticket["address"] = json!(contact.address);
    ticket["contact_phone"] = json!(contact.contact_phone);
    ticket["fault"] = json!(contact.fault);
    ticket
}

/// One ticket as it stands at `at`: lifecycle, SLA clocks, visits,
/// escalation.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket, e.g. T20261130-00001"), AtQuery),
    responses(
        (status = 200, description = "`{ticket, at, stage, lifecycle, clocks, loaner, escalation, visits}`", body = Object),
        (status = 400, description = "A bad `at` (named)", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
    ),
)]
pub async fn get_ticket(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | CALL_CENTER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    id: web::Path<String>,
    query: web::Query<AtQuery>,
) -> Result<HttpResponse, ApiError> {
    let at = parse_at(query.at.as_deref(), live.clock.now())?;
    let history = visible_history(&store, &caller, &id).await?;
    let life = history.lifecycle();
    let clocks = SlaClocks::evaluate(&history.ticket, &life, at);
    let escalation = escalation_with_lifecycle(&history.ticket, at, life.on_site_at, life.fixed_at);
    let body = json!({
        "ticket": ticket_json(&history),
        "at": at,
        "stage": life.stage,
        "lifecycle": life,
        "clocks": clocks,
        "loaner": history.loaner,
        "escalation": escalation,
        "visits": {
            "planned": history.planned,
            "done": life.visits_done,
        },
    });
    // The ticket's own times are already local; the rest goes through
    // the same conversion.
    Ok(HttpResponse::Ok().json(to_local_json(&body)?))
}

/// One finished visit's service record.
fn records(store_parts: &[crate::storage::PartUsed], life: &TicketLifecycle) -> Vec<Value> {
    life.visits_done
        .iter()
        .map(|visit| {
            let parts: Vec<Value> = store_parts
                .iter()
                .filter(|used| used.event_id == visit.event_id)
                .map(|used| json!({"part": used.part, "from": used.base, "taken": used.taken}))
                .collect();
            json!({
                "engineer_id": visit.engineer_id,
                "arrived_at": visit.arrived_at,
                "departed_at": visit.departed_at,
                "minutes_on_site": (visit.departed_at - visit.arrived_at).num_minutes(),
                "outcome": visit.finish.outcome.code(),
                "outcome_detail": visit.finish.outcome,
                "parts_used": if parts.is_empty() {
                    visit.finish.parts_used.iter().map(|p| json!({"part": p})).collect()
                } else {
                    parts
                },
                "notes": visit.finish.notes,
                "signed_off_by": visit.finish.signed_off_by,
            })
        })
        .collect()
}

fn wants_html(request: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("html") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::bad_request(
            "format",
            format!("{other:?} is not a format; expected json or html"),
        )),
        None => Ok(request
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "—".to_string(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The printable page: the ticket, then one section per visit.
fn record_html(record: &Value) -> String {
    let ticket = &record["ticket"];
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Service record</title><style>\
         body{font-family:sans-serif;margin:2em;max-width:50em}\
         table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\
         th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}\
         th{width:30%;background:#eee}@media print{body{margin:0}}\
         </style></head><body>\n",
    );
    html.push_str(&format!(
        "<h1>Service record — ticket {}</h1>\n<table>\n",
        escape(&text_of(&ticket["id"]))
    ));
    for (label, key) in [
        ("Customer", "customer"),
        ("Address", "address"),
        ("Contact phone", "contact_phone"),
        ("Severity", "severity"),
        ("Fault as reported", "fault"),
        ("Reported", "reported_at"),
    ] {
        html.push_str(&format!(
            "<tr><th>{label}</th><td>{}</td></tr>\n",
            escape(&text_of(&ticket[key]))
        ));
    }
    html.push_str(&format!(
        "<tr><th>Stage</th><td>{}</td></tr>\n</table>\n",
        escape(&text_of(&record["stage"]))
    ));
    let visits = record["visits"].as_array().cloned().unwrap_or_default();
    if visits.is_empty() {
        html.push_str("<p>No visit finished yet.</p>\n");
    }
    for (index, visit) in visits.iter().enumerate() {
        let parts: Vec<String> = visit["parts_used"]
            .as_array()
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| match p["from"].as_str() {
                        Some(from) => format!("{} (from {from})", text_of(&p["part"])),
                        None => text_of(&p["part"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        html.push_str(&format!("<h2>Visit {}</h2>\n<table>\n", index + 1));
        for (label, value) in [
            ("Engineer", text_of(&visit["engineer_id"])),
            ("Arrival", text_of(&visit["arrived_at"])),
            ("Departure", text_of(&visit["departed_at"])),
            ("Outcome", text_of(&visit["outcome"])),
            (
                "Parts used",
                if parts.is_empty() {
                    "none".to_string()
                } else {
                    parts.join(", ")
                },
            ),
            ("Notes", text_of(&visit["notes"])),
            ("Customer sign-off", text_of(&visit["signed_off_by"])),
        ] {
            html.push_str(&format!(
                "<tr><th>{label}</th><td>{}</td></tr>\n",
                escape(&value)
            ));
        }
        html.push_str("</table>\n");
    }
    if let Some(due) = record["satisfaction_call_due"].as_str() {
        html.push_str(&format!("<p>Satisfaction call due {}.</p>\n", escape(due)));
    }
    html.push_str("</body></html>\n");
    html
}

/// The ticket's service record: one record per finished visit, as JSON
/// or a printable HTML page (`?format=html` or `Accept: text/html`).
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/record",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket"), AtQuery),
    responses(
        (status = 200, description = "The record", content(
            (Object = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "A bad format (named)", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
    ),
)]
pub async fn service_record(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | CALL_CENTER }>,
    store: web::Data<Store>,
    request: HttpRequest,
    id: web::Path<String>,
    query: web::Query<AtQuery>,
) -> Result<HttpResponse, ApiError> {
    let html = wants_html(&request, query.format.as_deref())?;
    let history = visible_history(&store, &caller, &id).await?;
    let life = history.lifecycle();
    let parts = store.parts_used(history.ticket.id()).await?;
    let follow_up = store
        .follow_ups(None)
        .await?
        .into_iter()
        .find(|f| f.ticket_id == *history.ticket.id());
    let record = to_local_json(&json!({
        "ticket": ticket_json(&history),
        "stage": life.stage,
        "closed_at": life.closed_at,
        "visits": records(&parts, &life),
        "satisfaction_call_due": follow_up.map(|f| local(f.due_at)),
    }))?;
    if html {
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(record_html(&record)))
    } else {
        Ok(HttpResponse::Ok().json(record))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FollowUpQuery {
    /// RFC 3339: only calls due by then.
    pub due_by: Option<String>,
}

/// `GET /api/v1/call-center/follow-ups?due_by=`: the satisfaction calls
/// closing tickets scheduled, soonest first, with whom to call.
#[utoipa::path(
    get,
    path = "/api/v1/call-center/follow-ups",
    tag = "tickets",
    params(FollowUpQuery),
    responses(
        (status = 200, description = "`{count, follow_ups}`", body = Object),
        (status = 400, description = "A bad `due_by` (named)", body = ErrorBody),
    ),
)]
pub async fn follow_ups(
    _caller: Caller<{ ADMIN | CALL_CENTER }>,
    store: web::Data<Store>,
    query: web::Query<FollowUpQuery>,
) -> Result<HttpResponse, ApiError> {
    let due_by = match query.due_by.as_deref() {
        None => None,
        Some(raw) => Some(parse_time("due_by", Some(raw), Utc::now())?),
    };
    let mut items = Vec::new();
    for follow_up in store.follow_ups(due_by).await? {
        let ticket = store.ticket(&follow_up.ticket_id).await?;
        items.push(json!({
            "ticket_id": follow_up.ticket_id,
            "kind": follow_up.kind,
            "due_at": follow_up.due_at,
            "scheduled_at": follow_up.scheduled_at,
            "closed_by_event": follow_up.event_id,
            "customer": ticket.as_ref().map(|t| t.customer().to_string()),
            "contact_phone": ticket.as_ref().and_then(|t| t.contact().contact_phone.clone()),
        }));
    }
    Ok(HttpResponse::Ok().json(to_local_json(&json!({
        "count": items.len(),
        "follow_ups": items,
    }))?))
}
