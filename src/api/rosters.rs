//! Roster generation and lookup.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::events::{parse_instant, to_local_json};
use super::tickets::{ReportWindow, TicketDraft, TicketRequest, TicketResponse, local, parse_json};
use super::{ADMIN, ApiError, COORDINATOR, Caller, LiveSettings, PLANNER, Resource};
use crate::dispatch::{InsertionRequest, insert_emergency};
use crate::domain::{EngineerId, EngineerRoute, Region, TicketId, UnassignedTicket};
use crate::service;
use crate::service::live::{LiveDispatch, Published};
use crate::settings::Settings;
use crate::storage::{Store, TicketFilter};

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub date: Option<String>,
}

/// A `YYYY-MM-DD` date of this century: dates far out (`+262142-12-31`)
/// overflow the arithmetic of a day's bounds, and none is meaningful.
pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, ApiError> {
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|error| {
        ApiError::bad_request("date", format!("{raw:?} is not a YYYY-MM-DD date: {error}"))
    })?;
    let (first, last) = (
        NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date"),
        NaiveDate::from_ymd_opt(2099, 12, 31).expect("a valid date"),
    );
    if date < first || date > last {
        return Err(ApiError::bad_request(
            "date",
            format!("{date} is outside {first}..={last}"),
        ));
    }
    Ok(date)
}

/// How far from today a roster may be planned: a day's plan is made the
/// day before or the morning of, a year either way is a typo.
const MAX_ROSTER_DAYS_FROM_TODAY: i64 = 366;

/// A hub in a path is a resource: an unknown one is 404 (naming the field
/// `hub`), where a hub in a query is a 400.
fn parse_hub(raw: &str) -> Result<Region, ApiError> {
    raw.parse::<Region>()
        .map_err(|_| ApiError::not_found(Resource::Hub, raw))
}

#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    pub date: Option<String>,
    /// The plan's "now" (RFC 3339); the request's time by default.
    pub at: Option<String>,
}

/// `POST /api/v1/hubs/{hub}/rosters?date=YYYY-MM-DD[&at=RFC 3339]`: plans
/// the hub's day at `at` (default: now) — its open tickets and the
/// tickets of the day's revision in force, continued from where each
/// engineer is — and stores the roster as the day's new revision; the
/// planned tickets are marked in the same transaction as the save. A
/// revision stored meanwhile by another request makes this one 409.
pub async fn create_roster(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
    live: web::Data<LiveSettings>,
    dispatch: web::Data<LiveDispatch>,
    hub: web::Path<String>,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = parse_hub(&hub)?;
    caller.hub(hub)?;
    let date = match query.date.as_deref() {
        Some(raw) => parse_date(raw)?,
        None => return Err(ApiError::bad_request("date", "is required (YYYY-MM-DD)")),
    };
    let today = local(live.clock.now()).date_naive();
    if (date - today).num_days().abs() > MAX_ROSTER_DAYS_FROM_TODAY {
        return Err(ApiError::bad_request(
            "date",
            format!("{date} is more than a year from today ({today})"),
        ));
    }
    let now = match query.at.as_deref() {
        Some(raw) => parse_instant("at", raw)?,
        None => live.clock.now(),
    };
    let roster = service::plan_and_store(
        &store,
        hub,
        date,
        now,
        &settings.plan_options(),
        &settings.travel,
    )
    .await?;
    if let Some(roster_id) = roster.id {
        dispatch.announce(Published {
            hub,
            date,
            roster_id,
        });
    }
    Ok(HttpResponse::Created().json(to_local_json(&roster)?))
}

/// `GET /api/v1/rosters/{id}`
pub async fn get_roster(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found(Resource::Roster, id.as_str());
    let roster_id: i64 = id.parse().map_err(|_| not_found())?;
    let roster = store.roster(roster_id).await?.ok_or_else(not_found)?;
    caller.hub(roster.hub)?;
    Ok(HttpResponse::Ok().json(to_local_json(&roster)?))
}

/// The body of `POST /api/v1/hubs/{hub}/rosters/{id}/insert`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsertRequest {
    /// The new fault, as for `POST /api/v1/tickets`; its report time
    /// defaults to `at`.
    pub ticket: TicketRequest,
    /// When the re-plan takes effect: visits begun by then stay.
    pub at: DateTime<FixedOffset>,
    /// How many other visits may change engineer or arrival.
    pub max_changes: u32,
    /// Visits that must stay with their engineer.
    #[serde(default)]
    pub pinned: Vec<String>,
}

/// Who serves the fault and when, against its on-site deadline.
#[derive(Debug, Serialize)]
pub struct PlacementResponse {
    pub engineer_id: EngineerId,
    pub arrival: DateTime<FixedOffset>,
    pub on_site_by: DateTime<FixedOffset>,
    pub late_minutes: i64,
}

#[derive(Debug, Serialize)]
pub struct ChangeResponse {
    pub ticket_id: TicketId,
    pub from_engineer: EngineerId,
    /// `null`: the visit gave way to the fault (it is listed unassigned).
    pub to_engineer: Option<EngineerId>,
    pub old_arrival: DateTime<FixedOffset>,
    pub new_arrival: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize)]
pub struct InsertResponse {
    /// The stored revision of the day.
    pub roster_id: i64,
    /// The roster it revises.
    pub replaces: i64,
    pub ticket: TicketResponse,
    /// `null` when the fault could not be placed; then `unassigned` says why.
    pub placement: Option<PlacementResponse>,
    pub unassigned: Option<UnassignedTicket>,
    pub changes: Vec<ChangeResponse>,
    /// The new routes of the engineers whose day changed.
    pub routes: Vec<EngineerRoute>,
}

/// `POST /api/v1/hubs/{hub}/rosters/{id}/insert`: stores a severity-1
/// fault and a revision of the roster with the fault inserted from where
/// the engineers are at `at` (see [`crate::dispatch::insert_emergency`]), in one
/// transaction; a refused request writes nothing. The insertion is a
/// greedy search (milliseconds on a shipped hub's day: 2–20 ms for the
/// east hub), so it runs inside the transaction that takes the ticket's id
/// rather than on a blocking thread.
pub async fn insert_into_roster(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
    live: web::Data<LiveSettings>,
    dispatch: web::Data<LiveDispatch>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (hub, id) = path.into_inner();
    let hub = parse_hub(&hub)?;
    caller.hub(hub)?;
    let not_found = || ApiError::not_found(Resource::HubRoster(hub), id.as_str());
    let replaces: i64 = id.parse().map_err(|_| not_found())?;
    let request: InsertRequest = parse_json(&body)?;
    let roster = store
        .roster(replaces)
        .await?
        .filter(|roster| roster.hub == hub)
        .ok_or_else(not_found)?;
    let at = request.at.with_timezone(&Utc);
    let window = ReportWindow::new(&live, &settings);
    let draft = TicketDraft::check(&store, request.ticket, at, &window)
        .await
        .map_err(|error| match error {
            ApiError::BadRequest { field, message } => {
                ApiError::bad_request(format!("ticket.{field}"), message)
            }
            other => other,
        })?;
    let pinned = request
        .pinned
        .iter()
        .map(|raw| TicketId::parse(raw).map_err(|e| ApiError::bad_request("pinned", e.message)))
        .collect::<Result<Vec<_>, _>>()?;
    let tickets = store
        .tickets(TicketFilter {
            status: None,
            region: Some(hub),
        })
        .await?;
    let engineers = store.engineers_in_region(hub).await?;
    let (roster_id, (ticket, insertion)) = store
        .insert_ticket_with_roster(draft.day(), replaces, |id| {
            let ticket = draft
                .build(id)
                .map_err(|error| ApiError::from(error.within("ticket")))?;
            let insertion = insert_emergency(
                &InsertionRequest {
                    roster: &roster,
                    tickets: &tickets,
                    emergency: &ticket,
                    engineers: &engineers,
                    at,
                    max_changes: request.max_changes as usize,
                    pinned: &pinned,
                },
                &settings.travel,
            )?;
            Ok::<_, ApiError>((
                ticket.clone(),
                insertion.roster.clone(),
                (ticket, insertion),
            ))
        })
        .await??;
    let routes = insertion
        .roster
        .routes
        .into_iter()
        .filter(|route| insertion.affected.contains(&route.engineer_id))
        .collect();
    dispatch.announce(Published {
        hub,
        date: insertion.roster.date,
        roster_id,
    });
    Ok(HttpResponse::Created().json(to_local_json(&InsertResponse {
        roster_id,
        replaces,
        ticket: TicketResponse::from(&ticket),
        placement: insertion.placement.map(|p| PlacementResponse {
            engineer_id: p.engineer_id,
            arrival: local(p.arrival),
            on_site_by: local(p.on_site_by),
            late_minutes: p.late_minutes,
        }),
        unassigned: insertion.unassigned,
        changes: insertion
            .changes
            .into_iter()
            .map(|c| ChangeResponse {
                ticket_id: c.ticket_id,
                from_engineer: c.from_engineer,
                to_engineer: c.to_engineer,
                old_arrival: local(c.old_arrival),
                new_arrival: c.new_arrival.map(local),
            })
            .collect(),
        routes,
    })?))
}
