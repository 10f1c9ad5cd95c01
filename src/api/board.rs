//! The coordinator's hub board and the hand on the day: everything the
//! board draws in one document (with an ETag, so a polling page costs a
//! 304 while nothing changed), a stream announcing each new revision of
//! the day, pins, and a visit moved by hand. Re-planning is the roster
//! endpoint's (`POST /hubs/{hub}/rosters`), which keeps the pins.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::{Receiver, error::RecvError};
use utoipa::{IntoParams, ToSchema};

use super::engineers::{EventChunks, KEEPALIVE, event_stream};
use super::events::to_local_json;
use super::openapi::ErrorBody;
use super::rosters::parse_date;
use super::tickets::{PointDto, local, parse_json};
use super::{ADMIN, ApiError, COORDINATOR, Caller, LiveSettings, PLANNER, Resource};
use crate::dispatch::{ManualDay, MoveRequest, move_visit};
use crate::domain::{EngineerBase, EngineerId, Region, Roster, TicketId, key_customers};
use crate::service::live::{LiveDispatch, Published};
use crate::service::{reported_states, spawn_blocking_with_tracing};
use crate::settings::Settings;
use crate::storage::{StorageError, Store, TicketFilter};

/// Who may see and change a hub's day: a coordinator their own hub's.
type HubHand = Caller<{ ADMIN | PLANNER | COORDINATOR }>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct BoardQuery {
    /// YYYY-MM-DD; today in China Standard Time when left out.
    pub date: Option<String>,
}

impl BoardQuery {
    fn date(&self, live: &LiveSettings) -> Result<NaiveDate, ApiError> {
        match self.date.as_deref() {
            Some(raw) => parse_date(raw),
            None => Ok(local(live.clock.now()).date_naive()),
        }
    }
}

fn parse_hub(raw: &str) -> Result<Region, ApiError> {
    raw.parse::<Region>()
        .map_err(|_| ApiError::not_found(Resource::Hub, raw))
}

/// FNV-1a over the body: a stable, cheap ETag.
fn etag_of(body: &[u8]) -> String {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}

/// A JSON answer with an ETag; 304 when the client already has it.
pub(crate) fn with_etag(request: &HttpRequest, value: &Value) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(super::ServerFault::from)?;
    let etag = etag_of(&body);
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if fresh {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(body))
}

/// The day's revision in force with what the board shows beside it: the
/// tickets it names (customer, severity, skill, deadlines, status, contact),
/// the hub's engineers with their shift that day, its stations, the hub's
/// place and the day's pins. With an `ETag`: `If-None-Match` answers 304
/// while nothing changed.
#[utoipa::path(
    get,
    path = "/api/v1/hubs/{hub}/board",
    tag = "board",
    params(
        ("hub" = String, Path, description = "north, northeast, east, south, southwest, northwest or central"),
        BoardQuery,
    ),
    responses(
        (status = 200, description = "`{hub, date, hub_location, revisions, roster, tickets, engineers, stations, pins}`; `roster` is null before the day is planned", body = Object),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`"),
        (status = 400, description = "A bad date (named)", body = ErrorBody),
        (status = 404, description = "No such hub (`field`: `hub`)", body = ErrorBody),
    ),
)]
pub async fn hub_board(
    caller: HubHand,
    request: HttpRequest,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    hub: web::Path<String>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = parse_hub(&hub)?;
    caller.hub(hub)?;
    let date = query.date(&live)?;
    let revisions = store.roster_revisions(hub, Some(date)).await?.len();
    let roster = store.current_roster(hub, date).await?;
    let referenced: HashSet<&TicketId> = roster
        .iter()
        .flat_map(|r| {
            r.routes
                .iter()
                .flat_map(|route| route.visits.iter().map(|v| &v.ticket_id))
                .chain(r.unassigned.iter().map(|u| &u.ticket_id))
        })
        .collect();
    let tickets: Vec<Value> = store
        .tickets(TicketFilter {
            status: None,
            region: Some(hub),
        })
        .await?
        .iter()
        .filter(|t| referenced.contains(t.id()))
        .map(|t| {
            let deadlines = t.deadlines();
            let contact = t.contact();
            json!({
                "id": t.id(),
                "customer": t.customer(),
                "severity": t.severity().level(),
                "skill": t.skill(),
                "city_adcode": t.city_adcode(),
                "site": PointDto::from(t.site()),
                "reported_at": local(t.reported_at()),
                "on_site_by": local(deadlines.on_site_by),
                "repaired_by": local(deadlines.repaired_by),
                "status": t.status().code(),
                "part": t.part(),
                "address": contact.address,
                "contact_phone": contact.contact_phone,
                "fault": contact.fault,
            })
        })
        .collect();
    let engineers: Vec<Value> = store
        .engineers_in_region(hub)
        .await?
        .iter()
        .map(|e| {
            let shift = e.shift().window_on(date);
            json!({
                "id": e.id(),
                "name": e.name(),
                "base": match e.base() {
                    EngineerBase::Station(id) => id.to_string(),
                    EngineerBase::Hub(region) => format!("hub:{region}"),
                },
                "skills": e.skills(),
                "certification": e.certification(),
                "home": PointDto::from(e.home()),
                "shift": shift.map(|w| json!({"start": local(w.start()), "end": local(w.end())})),
                "max_work_minutes": e.shift().max_work_minutes(),
            })
        })
        .collect();
    let stations: Vec<Value> = store
        .stations_in_region(hub)
        .await?
        .iter()
        .map(|s| {
            json!({
                "id": s.id(),
                "name": s.name(),
                "city_adcode": s.city_adcode(),
                "location": PointDto::from(s.location()),
            })
        })
        .collect();
    let hub_location = store
        .hubs()
        .await?
        .into_iter()
        .find(|h| h.region == hub)
        .map(|h| PointDto::from(h.location));
    let pins = store.pins(hub, date).await?;
    let value = to_local_json(&json!({
        "hub": hub,
        "date": date,
        "hub_location": hub_location,
        "revisions": revisions,
        "roster": roster,
        "tickets": tickets,
        "engineers": engineers,
        "stations": stations,
        "pins": pins,
    }))?;
    with_etag(&request, &value)
}

/// The day's revisions as they are published, as server-sent events: one
/// `board` event at once and one per new revision of the hub's day
/// (`data`: `hub`, `date`, `roster_id`, null before the day is planned),
/// a comment line every 15 s. The page then GETs the board with its ETag.
#[utoipa::path(
    get,
    path = "/api/v1/hubs/{hub}/board/events",
    tag = "board",
    params(
        ("hub" = String, Path, description = "north, northeast, east, south, southwest, northwest or central"),
        BoardQuery,
    ),
    responses(
        (status = 200, description = "A `text/event-stream` of `board` events", content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad date (named)", body = ErrorBody),
        (status = 404, description = "No such hub (`field`: `hub`)", body = ErrorBody),
    ),
)]
pub async fn board_events(
    caller: HubHand,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    dispatch: web::Data<LiveDispatch>,
    hub: web::Path<String>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = parse_hub(&hub)?;
    caller.hub(hub)?;
    let date = query.date(&live)?;
    // Subscribe before reading the head, so no revision falls between.
    let published = dispatch.subscribe();
    let head = store.roster_head(hub, date).await?;
    let stream = BoardStream {
        store: store.into_inner(),
        hub,
        date,
        sent: None,
        current: Some(head),
        published,
    };
    Ok(event_stream(stream))
}

/// One board's stream: the head last sent, and the revisions announced.
struct BoardStream {
    store: Arc<Store>,
    hub: Region,
    date: NaiveDate,
    sent: Option<Option<i64>>,
    current: Option<Option<i64>>,
    published: Receiver<Published>,
}

impl EventChunks for BoardStream {
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(head) = self.current.take()
                && self.sent != Some(head)
            {
                self.sent = Some(head);
                let data = json!({"hub": self.hub, "date": self.date, "roster_id": head});
                return Some(format!("event: board\ndata: {data}\n\n"));
            }
            let changed = tokio::select! {
                announced = self.published.recv() => match announced {
                    Ok(published) => published.hub == self.hub && published.date == self.date,
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return None,
                },
                () = tokio::time::sleep(KEEPALIVE) => return Some(": keepalive\n\n".to_string()),
            };
            if changed {
                match self.store.roster_head(self.hub, self.date).await {
                    Ok(head) => self.current = Some(head),
                    Err(error) => {
                        tracing::warn!(hub = %self.hub, %error, "board events: reading the day's head failed; closing the stream");
                        return None;
                    }
                }
            }
        }
    }
}

/// The roster `id` of the hub named in the path, which the caller must
/// be allowed to act on.
async fn roster_in_hand(
    caller: &HubHand,
    store: &Store,
    hub: &str,
    id: &str,
) -> Result<(Region, Roster), ApiError> {
    let hub = parse_hub(hub)?;
    caller.hub(hub)?;
    let not_found = || ApiError::not_found(Resource::HubRoster(hub), id);
    let roster_id: i64 = id.parse().map_err(|_| not_found())?;
    let roster = store
        .roster(roster_id)
        .await?
        .filter(|roster| roster.hub == hub)
        .ok_or_else(not_found)?;
    Ok((hub, roster))
}

fn ticket_field(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|e| ApiError::bad_request("ticket_id", e.message))
}

fn engineer_field(raw: &str) -> Result<EngineerId, ApiError> {
    EngineerId::parse(raw).map_err(|e| ApiError::bad_request("engineer_id", e.message))
}

/// The body of `POST /api/v1/hubs/{hub}/rosters/{id}/pins`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// A ticket on one of the roster's routes (or a preventive visit, `PM-…`).
    pub ticket_id: String,
    /// Defaults to the engineer whose route holds the visit.
    pub engineer_id: Option<String>,
}

/// Pins a visit of the roster's day to its engineer: re-planning the day
/// (by hand or by live dispatch) keeps it with them.
#[utoipa::path(
    post,
    path = "/api/v1/hubs/{hub}/rosters/{id}/pins",
    tag = "board",
    params(
        ("hub" = String, Path, description = "The roster's hub"),
        ("id" = String, Path, description = "A roster of the hub"),
    ),
    request_body = PinRequest,
    responses(
        (status = 201, description = "`{hub, date, ticket_id, engineer_id, pinned_at}`", body = Object),
        (status = 400, description = "A field is wrong, or the visit is on no route (named)", body = ErrorBody),
        (status = 404, description = "No such hub or roster", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
    ),
)]
pub async fn pin_visit(
    caller: HubHand,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (hub, id) = path.into_inner();
    let (hub, roster) = roster_in_hand(&caller, &store, &hub, &id).await?;
    let request: PinRequest = parse_json(&body)?;
    let ticket = ticket_field(&request.ticket_id)?;
    let holder = roster
        .routes
        .iter()
        .find(|r| r.visits.iter().any(|v| v.ticket_id == ticket))
        .map(|r| r.engineer_id.clone());
    let engineer = match request.engineer_id {
        Some(raw) => {
            let engineer = engineer_field(&raw)?;
            if holder.as_ref() != Some(&engineer) {
                return Err(ApiError::bad_request(
                    "engineer_id",
                    format!(
                        "{ticket} is not on {engineer}'s route in roster {id}; move it there first"
                    ),
                ));
            }
            engineer
        }
        None => holder.ok_or_else(|| {
            ApiError::bad_request(
                "ticket_id",
                format!("{ticket} is on no route of roster {id}; only a planned visit is pinned"),
            )
        })?,
    };
    let now = live.clock.now();
    store
        .pin_visit(hub, roster.date, &ticket, &engineer, now)
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "hub": hub,
        "date": roster.date,
        "ticket_id": ticket,
        "engineer_id": engineer,
        "pinned_at": local(now),
    })))
}

/// Removes a visit's pin.
#[utoipa::path(
    delete,
    path = "/api/v1/hubs/{hub}/rosters/{id}/pins/{ticket}",
    tag = "board",
    params(
        ("hub" = String, Path, description = "The roster's hub"),
        ("id" = String, Path, description = "A roster of the hub"),
        ("ticket" = String, Path, description = "The pinned visit's ticket"),
    ),
    responses(
        (status = 204, description = "Unpinned"),
        (status = 404, description = "No such hub, roster or pin", body = ErrorBody),
    ),
)]
pub async fn unpin_visit(
    caller: HubHand,
    store: web::Data<Store>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (hub, id, ticket) = path.into_inner();
    let (hub, roster) = roster_in_hand(&caller, &store, &hub, &id).await?;
    let no_pin = || ApiError::not_found(Resource::Pin, ticket.as_str());
    let ticket_id = TicketId::parse(&ticket).map_err(|_| no_pin())?;
    if !store.unpin_visit(hub, roster.date, &ticket_id).await? {
        return Err(no_pin());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The body of `POST /api/v1/hubs/{hub}/rosters/{id}/moves`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// A ticket on a route or on the unassigned list, or a preventive visit.
    pub ticket_id: String,
    /// The engineer to take it.
    pub engineer_id: String,
    /// 1-based place in the engineer's day; the cheapest place when left out.
    #[schema(minimum = 1)]
    pub position: Option<usize>,
}

/// Moves a visit by hand: Ruyi re-times the routes it leaves and joins,
/// checks them, and stores the day's new revision with the visit pinned
/// to its new engineer (a re-plan keeps it there). 422 names the rule the
/// move would break (and the field); 409 when the roster is no longer the
/// revision in force.
#[utoipa::path(
    post,
    path = "/api/v1/hubs/{hub}/rosters/{id}/moves",
    tag = "board",
    params(
        ("hub" = String, Path, description = "The roster's hub"),
        ("id" = String, Path, description = "The revision in force of the hub's day"),
    ),
    request_body = MoveBody,
    responses(
        (status = 201, description = "`{roster_id, replaces, ticket_id, from_engineer, to_engineer, arrival, late_minutes, affected, routes}`", body = Object),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 404, description = "No such hub or roster", body = ErrorBody),
        (status = 409, description = "The roster is superseded (names the one to use)", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
        (status = 422, description = "The move breaks a rule (named, with the field)", body = ErrorBody),
    ),
)]
pub async fn move_by_hand(
    caller: HubHand,
    store: web::Data<Store>,
    settings: web::Data<Settings>,
    live: web::Data<LiveSettings>,
    dispatch: web::Data<LiveDispatch>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (hub, id) = path.into_inner();
    let (hub, roster) = roster_in_hand(&caller, &store, &hub, &id).await?;
    let replaces = roster.id.unwrap_or_default();
    let request: MoveBody = parse_json(&body)?;
    // A hand on an older revision would undo what came since.
    if let Some(by) = store
        .roster_head(hub, roster.date)
        .await?
        .filter(|&head| head != replaces)
    {
        return Err(StorageError::RosterSuperseded {
            roster: replaces,
            by,
        }
        .into());
    }
    let ticket = ticket_field(&request.ticket_id)?;
    let engineer = engineer_field(&request.engineer_id)?;
    let tickets = store
        .tickets(TicketFilter {
            status: None,
            region: Some(hub),
        })
        .await?;
    let engineers = store.engineers_in_region(hub).await?;
    let key_customers = key_customers(&store.stations_in_region(hub).await?);
    let pinned: Vec<(TicketId, EngineerId)> = store
        .pins(hub, roster.date)
        .await?
        .into_iter()
        .map(|p| (p.ticket_id, p.engineer_id))
        .collect();
    let now = live.clock.now();
    let states = reported_states(&store, hub, roster.date, now).await?;
    let travel = settings.travel;
    let (moved, ticket) = spawn_blocking_with_tracing(move || {
        move_visit(
            &ManualDay {
                roster: &roster,
                tickets: &tickets,
                engineers: &engineers,
                key_customers: &key_customers,
                pinned: &pinned,
                now,
                states: &states,
            },
            &MoveRequest {
                ticket: &ticket,
                to: &engineer,
                position: request.position,
            },
            &travel,
        )
        .map(|moved| (moved, ticket))
    })
    .await??;
    let revision = Roster {
        replaces: Some(replaces),
        ..moved.roster.clone()
    };
    let roster_id = store.save_roster(&revision).await?;
    store
        .pin_visit(hub, revision.date, &ticket, &moved.to, now)
        .await?;
    dispatch.announce(Published {
        hub,
        date: revision.date,
        roster_id,
    });
    let routes: Vec<_> = moved
        .roster
        .routes
        .iter()
        .filter(|r| moved.affected.contains(&r.engineer_id))
        .collect();
    Ok(HttpResponse::Created().json(to_local_json(&json!({
        "roster_id": roster_id,
        "replaces": replaces,
        "ticket_id": ticket,
        "from_engineer": moved.from,
        "to_engineer": moved.to,
        "arrival": moved.arrival,
        "late_minutes": moved.late_minutes,
        "affected": moved.affected,
        "routes": routes,
    }))?))
}
