//! Engineer status events: `POST /api/v1/engineers/{id}/events` (one event
//! per call, idempotent on the client's `event_id`), an engineer's events
//! of a day, and the engineers of a hub with today's derived state.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use utoipa::{IntoParams, ToSchema};

use super::openapi::ErrorBody;
use super::rosters::parse_date;
use super::tickets::{PointDto, local, parse_json};
use super::{
    ADMIN, ApiError, COORDINATOR, Caller, ENGINEER, LiveSettings, PLANNER, Resource, ServerFault,
};
use crate::dispatch::Urgency;
use crate::domain::event::{
    EngineerEvent, EngineerState, EventKind, EventRefusal, Finish, Outcome,
};
use crate::domain::{DomainError, EngineerId, EventId, GeoPoint, PartCode, Region, TicketId};
use crate::service::live::LiveDispatch;
use crate::storage::{EventRules, NewEvent, Recorded, Store};

/// An event refused for what it says (409, 422) or a plain API error.
/// Refusals carry the field, and for an arrival off the route the route's
/// tickets, in the usual `{"error", "field"}` body.
#[derive(Debug)]
pub enum EventError {
    Refused(EventRefusal),
    Api(ApiError),
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Refused(refusal) => write!(f, "{refusal}"),
            EventError::Api(error) => write!(f, "{error}"),
        }
    }
}

impl From<ApiError> for EventError {
    fn from(error: ApiError) -> Self {
        EventError::Api(error)
    }
}

impl From<DomainError> for EventError {
    fn from(error: DomainError) -> Self {
        EventError::Api(error.into())
    }
}

impl From<crate::storage::StorageError> for EventError {
    fn from(error: crate::storage::StorageError) -> Self {
        EventError::Api(error.into())
    }
}

impl ResponseError for EventError {
    fn status_code(&self) -> StatusCode {
        match self {
            EventError::Refused(EventRefusal::Conflict { .. }) => StatusCode::CONFLICT,
            EventError::Refused(EventRefusal::Unprocessable { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            EventError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            EventError::Api(error) => error.error_response(),
            EventError::Refused(refusal) => {
                let mut body = json!({"error": refusal.message(), "field": refusal.field()});
                if let EventRefusal::Conflict { route, .. } = refusal
                    && !route.is_empty()
                {
                    body["route_tickets"] = json!(route);
                }
                HttpResponse::build(self.status_code()).json(body)
            }
        }
    }
}

/// The body of `POST /api/v1/engineers/{id}/events`, raw. Which fields
/// a kind needs is checked in [`EventRequest::into_event`].
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// Chosen by the phone (a UUID fits): a repeated send is recognised.
    #[schema(example = "3f2c6a1e-phone-0001")]
    pub event_id: String,
    /// `shift_started`, `en_route`, `arrived`, `finished`, `position`,
    /// `unavailable` or `shift_ended`.
    #[schema(example = "position")]
    pub kind: String,
    /// RFC 3339 with an offset.
    pub at: DateTime<FixedOffset>,
    pub ticket_id: Option<String>,
    /// `shift_started` and `position`: `{"lat", "lon"}`, or `lat` and
    /// `lon` at the top level.
    pub position: Option<PointDto>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `finished`: `fixed`, `needs_part`, `needs_return`, `customer_absent`.
    pub outcome: Option<String>,
    /// `needs_part`: the part's code.
    pub part: Option<String>,
    /// `needs_return`: minutes on site the return visit needs.
    pub minutes: Option<u32>,
    #[serde(default)]
    pub parts_used: Vec<String>,
    pub notes: Option<String>,
    pub signed_off_by: Option<String>,
    /// `unavailable`: the window and why.
    pub from: Option<DateTime<FixedOffset>>,
    pub until: Option<DateTime<FixedOffset>>,
    pub reason: Option<String>,
}

/// Reads an event body already parsed as JSON (an import line), naming
/// the offending field as [`parse_json`] does for a request.
pub fn parse_event_json(body: &Value) -> Result<EventRequest, (String, String)> {
    serde_path_to_error::deserialize(body.clone()).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        let field = if path == "." {
            match message.split('`').nth(1) {
                Some(name) if message.starts_with("missing field") => name.to_string(),
                _ => "body".to_string(),
            }
        } else {
            path
        };
        (field, message)
    })
}

fn required<T>(value: Option<T>, field: &str, kind: &str) -> Result<T, DomainError> {
    value.ok_or_else(|| DomainError::new(field, format!("is required for a {kind} event")))
}

impl EventRequest {
    /// Checks the request into a domain event of `engineer`.
    pub fn into_event(self, engineer: &EngineerId) -> Result<EngineerEvent, DomainError> {
        let event_id = EventId::parse(&self.event_id)?;
        let kind_name = self.kind.as_str();
        let ticket = || -> Result<TicketId, DomainError> {
            TicketId::parse(required(self.ticket_id.clone(), "ticket_id", kind_name)?)
                .map_err(|e| DomainError::new("ticket_id", e.message))
        };
        let position = || -> Result<GeoPoint, DomainError> {
            match (self.position, self.lat, self.lon) {
                (Some(point), None, None) => {
                    GeoPoint::new(point.lat, point.lon).map_err(|e| e.within("position"))
                }
                (None, Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
                (None, None, None) => Err(DomainError::new(
                    "position",
                    format!(
                        "is required for a {kind_name} event (position {{lat, lon}}, or lat and lon)"
                    ),
                )),
                _ => Err(DomainError::new(
                    "position",
                    "give either position {lat, lon} or lat and lon",
                )),
            }
        };
        let kind = match kind_name {
            "shift_started" => EventKind::ShiftStarted {
                position: position()?,
            },
            "en_route" => EventKind::EnRoute {
                ticket_id: ticket()?,
            },
            "arrived" => EventKind::Arrived {
                ticket_id: ticket()?,
                site: None,
                service_minutes: None,
            },
            "finished" => {
                let outcome = match required(self.outcome.as_deref(), "outcome", kind_name)? {
                    "fixed" => Outcome::Fixed,
                    "needs_part" => Outcome::NeedsPart {
                        part: PartCode::parse(required(self.part.clone(), "part", "needs_part")?)?,
                    },
                    "needs_return" => Outcome::NeedsReturn {
                        minutes: required(self.minutes, "minutes", "needs_return")?,
                    },
                    "customer_absent" => Outcome::CustomerAbsent,
                    other => {
                        return Err(DomainError::new(
                            "outcome",
                            format!(
                                "{other:?} is not an outcome; expected fixed, needs_part, \
                                 needs_return or customer_absent"
                            ),
                        ));
                    }
                };
                let parts_used = self
                    .parts_used
                    .iter()
                    .map(|raw| {
                        PartCode::parse(raw).map_err(|e| DomainError::new("parts_used", e.message))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                EventKind::Finished {
                    ticket_id: ticket()?,
                    finish: Finish::new(
                        outcome,
                        parts_used,
                        self.notes.clone(),
                        self.signed_off_by.clone(),
                    )?,
                }
            }
            "position" => EventKind::Position {
                position: position()?,
            },
            "unavailable" => EventKind::unavailable(
                required(self.from, "from", kind_name)?.with_timezone(&Utc),
                required(self.until, "until", kind_name)?.with_timezone(&Utc),
                required(self.reason.clone(), "reason", kind_name)?,
            )?,
            "shift_ended" => EventKind::ShiftEnded,
            other => {
                return Err(DomainError::new(
                    "kind",
                    format!(
                        "{other:?} is not an event kind; expected shift_started, en_route, \
                         arrived, finished, position, unavailable or shift_ended"
                    ),
                ));
            }
        };
        // Fields that belong to another kind are a client's mistake.
        let stray = [
            (
                "ticket_id",
                self.ticket_id.is_some() && kind.ticket_id().is_none(),
            ),
            (
                "outcome",
                self.outcome.is_some() && !matches!(kind, EventKind::Finished { .. }),
            ),
            (
                "reason",
                self.reason.is_some() && !matches!(kind, EventKind::Unavailable { .. }),
            ),
        ];
        if let Some((field, _)) = stray.iter().find(|(_, stray)| *stray) {
            return Err(DomainError::new(
                *field,
                format!("does not belong to a {kind_name} event"),
            ));
        }
        Ok(EngineerEvent {
            event_id,
            engineer_id: engineer.clone(),
            at: self.at.with_timezone(&Utc),
            kind,
        })
    }
}

/// Times in a JSON answer are served in China Standard Time: every
/// string that reads as an RFC 3339 instant is written again at +08:00
/// (a roster's lunch is a pair of times, so no key list would do).
pub fn local_times(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Ok(at) = DateTime::parse_from_rfc3339(text) {
                *text = local(at.with_timezone(&Utc)).to_rfc3339();
            }
        }
        Value::Object(map) => map.values_mut().for_each(local_times),
        Value::Array(items) => items.iter_mut().for_each(local_times),
        _ => {}
    }
}

/// An instant given in a query: RFC 3339 with its offset. A `+` pasted
/// unescaped into a URL arrives as a space (`2026-11-30T10:00:00 08:00`),
/// which is read as the `+` it was.
///
/// Only years 2000 to 2099 are taken: far instants (`+262142-…`) overflow
/// the deadline arithmetic, and none is meaningful.
pub(crate) fn parse_instant(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    let repaired = raw.trim().replacen(' ', "+", 1);
    let at = DateTime::parse_from_rfc3339(raw.trim())
        .or_else(|_| DateTime::parse_from_rfc3339(&repaired))
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| {
            ApiError::bad_request(
                field,
                format!(
                    "{raw:?} is not an RFC 3339 time (e.g. 2026-11-30T10:00:00+08:00): {error}"
                ),
            )
        })?;
    if !(2000..=2099).contains(&chrono::Datelike::year(&at)) {
        return Err(ApiError::bad_request(
            field,
            format!("{raw:?} is outside the years 2000 to 2099"),
        ));
    }
    Ok(at)
}

/// Serializes `value` with its times at +08:00.
pub(crate) fn to_local_json(value: &impl Serialize) -> Result<Value, ApiError> {
    let mut json = serde_json::to_value(value).map_err(ServerFault::from)?;
    local_times(&mut json);
    Ok(json)
}

/// The engineer a path names, if the caller may act for them: an
/// engineer for themself, a coordinator for their hub's engineers.
async fn known_engineer<const ROLES: u8>(
    store: &Store,
    caller: &Caller<ROLES>,
    raw: &str,
) -> Result<EngineerId, ApiError> {
    let no_engineer = || ApiError::not_found(Resource::Engineer, raw);
    let id = EngineerId::parse(raw).map_err(|_| no_engineer())?;
    caller.engineer(&id)?;
    let engineer = store.engineer(&id).await?.ok_or_else(no_engineer)?;
    caller.hub(engineer.region())?;
    Ok(id)
}

/// `POST /api/v1/engineers/{id}/events`: 201 with the stored event, 200
/// with it again for a repeated send, 409 / 422 naming the field when the
/// event contradicts the route, the engineer's state or the clock.
#[utoipa::path(
    post,
    path = "/api/v1/engineers/{id}/events",
    tag = "engineers",
    params(("id" = String, Path, description = "The engineer, e.g. E0001")),
    request_body = EventRequest,
    responses(
        (status = 201, description = "The stored event", body = Object),
        (status = 200, description = "The same event sent again: the stored one", body = Object),
        (status = 400, description = "A malformed field (named), or an `at` more than `RUYI_MAX_REPORT_AGE_DAYS` ago", body = ErrorBody),
        (status = 404, description = "No such engineer", body = ErrorBody),
        (status = 409, description = "The event contradicts the route or the engineer's state (named; `route_tickets` for an arrival off the route)", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
        (status = 422, description = "The time is in the future or before the engineer's previous event (`at`)", body = ErrorBody),
    ),
)]
pub async fn post_event(
    caller: Caller<{ ADMIN | ENGINEER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    settings: web::Data<crate::settings::Settings>,
    dispatch: web::Data<LiveDispatch>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, EventError> {
    // Whether the engineer exists is checked inside the event's
    // transaction (one round trip fewer per event).
    let engineer = EngineerId::parse(id.as_str())
        .map_err(|_| ApiError::not_found(Resource::Engineer, id.as_str()))?;
    caller.engineer(&engineer)?;
    let request: EventRequest = parse_json(&body)?;
    let canonical: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("body", e.to_string()))?;
    let event = request.into_event(&engineer)?;
    // A phone buffers events while offline, but not for weeks: an older
    // time is a wrong clock (or 1900), and would be stored as history.
    let oldest = live.clock.now() - settings.limits.max_report_age;
    if event.at < oldest {
        return Err(ApiError::bad_request(
            "at",
            format!(
                "{} is more than {} days ago",
                local(event.at).to_rfc3339(),
                settings.limits.max_report_age.num_days()
            ),
        )
        .into());
    }
    let rules = EventRules {
        now: live.clock.now(),
        max_skew: live.max_clock_skew,
        missing_part: crate::dispatch::order_missing_part,
    };
    let new = NewEvent {
        event,
        request: canonical.to_string(),
    };
    match store.record_event(&new, &rules).await? {
        Ok(Recorded::Created(event)) => {
            nudge_for(&store, &dispatch, &event).await?;
            Ok(HttpResponse::Created().json(to_local_json(&event)?))
        }
        Ok(Recorded::Repeated(event)) => Ok(HttpResponse::Ok().json(to_local_json(&event)?)),
        Err(refusal) if refusal.field() == "engineer_id" => {
            Err(ApiError::not_found(Resource::Engineer, id.as_str()).into())
        }
        Err(refusal) => Err(EventError::Refused(refusal)),
    }
}

/// Tells live dispatch about an event that changes the rest of the
/// engineer's day: a visit that needs another or ended far from its
/// published end, or an engineer who cannot work.
async fn nudge_for(
    store: &Store,
    dispatch: &LiveDispatch,
    event: &EngineerEvent,
) -> Result<(), ApiError> {
    if !matches!(
        event.kind,
        EventKind::Finished { .. } | EventKind::Unavailable { .. }
    ) {
        return Ok(());
    }
    let planned_end = match event.kind.ticket_id() {
        Some(ticket) => {
            let date = local(event.at).date_naive();
            store
                .engineer_route(&event.engineer_id, date)
                .await?
                .and_then(|stored| {
                    stored
                        .route
                        .visits
                        .iter()
                        .find(|visit| &visit.ticket_id == ticket)
                        .map(|visit| visit.departure)
                })
        }
        None => None,
    };
    if let Some(urgency) = Urgency::of_event(&event.kind, event.at, planned_end)
        && let Some(engineer) = store.engineer(&event.engineer_id).await?
    {
        dispatch.nudge(engineer.region(), urgency);
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; default today.
    pub date: Option<String>,
}

/// Local midnight of `date` and of the day after, in UTC.
pub(crate) fn day_bounds(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(crate::domain::service_offset())
        .single()
        .expect("a fixed offset is unambiguous")
        .with_timezone(&Utc);
    (start, start + Duration::days(1))
}

/// `GET /api/v1/engineers/{id}/events?date=`: the engineer's events of a
/// local day (default today) and the state they leave.
#[utoipa::path(
    get,
    path = "/api/v1/engineers/{id}/events",
    tag = "engineers",
    params(("id" = String, Path, description = "The engineer, e.g. E0001"), DayQuery),
    responses(
        (status = 200, description = "`{engineer_id, date, count, events, state}`", body = Object),
        (status = 400, description = "A bad date (named)", body = ErrorBody),
        (status = 404, description = "No such engineer", body = ErrorBody),
    ),
)]
pub async fn engineer_events(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    id: web::Path<String>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let engineer = known_engineer(&store, &caller, &id).await?;
    let now = live.clock.now();
    let date = match query.date.as_deref() {
        Some(raw) => parse_date(raw)?,
        None => local(now).date_naive(),
    };
    let (from, to) = day_bounds(date);
    let events = store.engineer_events(&engineer, from, to).await?;
    let state = EngineerState::from_events(&events);
    Ok(HttpResponse::Ok().json(to_local_json(&json!({
        "engineer_id": engineer,
        "date": date,
        "count": events.len(),
        "events": events,
        "state": state,
    }))?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EngineersQuery {
    /// A hub; a coordinator's own by default.
    pub hub: Option<String>,
}

/// `GET /api/v1/engineers?hub=`: the engineers (of a hub) with today's
/// state from their events.
#[utoipa::path(
    get,
    path = "/api/v1/engineers",
    tag = "engineers",
    params(EngineersQuery),
    responses(
        (status = 200, description = "`{date, at, count, engineers}`, each with today's state", body = Object),
        (status = 400, description = "A bad hub (named)", body = ErrorBody),
    ),
)]
pub async fn list_engineers(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    query: web::Query<EngineersQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = query.hub.as_deref().map(str::parse::<Region>).transpose()?;
    let hub = caller.hub_filter(hub)?;
    let regions: Vec<Region> = match hub {
        Some(hub) => vec![hub],
        None => Region::ALL.to_vec(),
    };
    let now = live.clock.now();
    let today = local(now).date_naive();
    let (from, to) = day_bounds(today);
    let states = EngineerState::of_each(store.events_between(from, to, hub).await?);
    let mut engineers = Vec::new();
    for region in regions {
        for engineer in store.engineers_in_region(region).await? {
            let state = states
                .get(engineer.id())
                .cloned()
                .unwrap_or_else(|| EngineerState::from_events(&[]));
            engineers.push(json!({
                "id": engineer.id(),
                "name": engineer.name(),
                "hub": engineer.region(),
                "base": match engineer.base() {
                    crate::domain::EngineerBase::Station(id) => id.to_string(),
                    crate::domain::EngineerBase::Hub(region) => format!("hub:{region}"),
                },
                "skills": engineer.skills(),
                "home": PointDto::from(engineer.home()),
                "today": {
                    "activity_now": state.activity_at(now),
                    "state": state,
                },
            }));
        }
    }
    Ok(HttpResponse::Ok().json(to_local_json(&json!({
        "date": today,
        "at": now,
        "count": engineers.len(),
        "engineers": engineers,
    }))?))
}
