//! An engineer's route for a day, as JSON, GeoJSON or iCalendar: each stop
//! says what to do there — whom to visit (name, address, phone), the
//! fault and its severity, the kind of visit and the part to bring.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::auth::hash_token;
use super::openapi::ErrorBody;
use super::rosters::parse_date;
use super::tickets::{PointDto, local};
use super::{ADMIN, ApiError, COORDINATOR, Caller, ENGINEER, LiveSettings, PLANNER, Resource};
use crate::domain::{
    EngineerId, EventKind, Outcome, PartAction, Region, Ticket, TicketId, VisitKind,
};
use crate::service::live::{LiveDispatch, Published};
use crate::storage::{RouteVersion, Store, StoredRoute};

#[derive(Debug, Deserialize, IntoParams)]
pub struct RouteQuery {
    /// Defaults to today in service-local time.
    pub date: Option<String>,
    /// `json` (default), `geojson` or `ics` (iCalendar, RFC 5545).
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceWindow {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// One stop, in route order, with the times an engineer acts on.
#[derive(Debug, Serialize, ToSchema)]
pub struct StopResponse {
    pub sequence: u32,
    pub ticket_id: String,
    pub location: PointDto,
    pub arrival: DateTime<FixedOffset>,
    pub start: DateTime<FixedOffset>,
    pub departure: DateTime<FixedOffset>,
    /// When the engineer works on site (start of service to departure).
    pub service_window: ServiceWindow,
    /// The 12 h on-site deadline.
    pub on_site_by: DateTime<FixedOffset>,
    /// The 48 h repair deadline.
    pub repaired_by: DateTime<FixedOffset>,
    pub late_minutes: i64,
    pub km_from_previous: f64,
    /// `repair`, `diagnosis` (the part is on order), `return_visit` or
    /// `preventive_analysis`.
    #[schema(value_type = String)]
    pub visit_kind: &'static str,
    /// The customer, or the key customer a preventive analysis is for.
    pub customer: Option<String>,
    pub address: Option<String>,
    pub contact_phone: Option<String>,
    pub severity: Option<u8>,
    /// The fault as reported.
    pub fault: Option<String>,
    /// The spare part to take along, and from where.
    pub part_to_bring: Option<PartToBring>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartToBring {
    pub part: String,
    pub from: String,
}

/// What the route's stored visits do not say about a stop.
#[derive(Debug, Default)]
struct StopDetails {
    visit_kind: &'static str,
    customer: Option<String>,
    address: Option<String>,
    contact_phone: Option<String>,
    severity: Option<u8>,
    fault: Option<String>,
    part_to_bring: Option<PartToBring>,
}

/// An engineer's day: where they leave from, each stop, when they are back.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouteResponse {
    pub engineer_id: String,
    pub engineer_name: String,
    pub date: NaiveDate,
    #[schema(value_type = String, example = "east")]
    pub hub: Region,
    pub roster_id: i64,
    pub base: PointDto,
    pub leave_at: DateTime<FixedOffset>,
    pub return_at: DateTime<FixedOffset>,
    pub km: f64,
    pub lunch: Option<ServiceWindow>,
    pub stops: Vec<StopResponse>,
}

impl RouteResponse {
    fn new(engineer_name: &str, stored: StoredRoute, mut details: Vec<StopDetails>) -> Self {
        details.resize_with(stored.route.visits.len(), StopDetails::default);
        let route = stored.route;
        RouteResponse {
            engineer_id: route.engineer_id.to_string(),
            engineer_name: engineer_name.to_string(),
            date: stored.date,
            hub: stored.hub,
            roster_id: stored.roster_id,
            base: route.base.into(),
            leave_at: local(route.leave_at),
            return_at: local(route.return_at),
            km: route.km,
            lunch: route.lunch.map(|(start, end)| ServiceWindow {
                start: local(start),
                end: local(end),
            }),
            stops: route
                .visits
                .into_iter()
                .zip(details)
                .map(|(visit, details)| StopResponse {
                    visit_kind: details.visit_kind,
                    customer: details.customer,
                    address: details.address,
                    contact_phone: details.contact_phone,
                    severity: details.severity,
                    fault: details.fault,
                    part_to_bring: details.part_to_bring,
                    sequence: visit.sequence,
                    ticket_id: visit.ticket_id.to_string(),
                    location: visit.location.into(),
                    arrival: local(visit.arrival),
                    start: local(visit.start),
                    departure: local(visit.departure),
                    service_window: ServiceWindow {
                        start: local(visit.start),
                        end: local(visit.departure),
                    },
                    on_site_by: local(visit.on_site_by),
                    repaired_by: local(visit.repaired_by),
                    late_minutes: visit.late_minutes,
                    km_from_previous: visit.km_from_previous,
                })
                .collect(),
        }
    }

    /// A FeatureCollection: the route as one LineString (base → stops →
    /// base, `[lon, lat]` as GeoJSON wants) and a Point per stop.
    fn to_geojson(&self) -> Value {
        let position = |point: &PointDto| json!([point.lon, point.lat]);
        let mut line = vec![position(&self.base)];
        line.extend(self.stops.iter().map(|stop| position(&stop.location)));
        line.push(position(&self.base));
        let mut features = vec![json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {
                "engineer_id": self.engineer_id,
                "engineer_name": self.engineer_name,
                "date": self.date,
                "hub": self.hub,
                "roster_id": self.roster_id,
                "leave_at": self.leave_at,
                "return_at": self.return_at,
                "km": self.km,
            },
        })];
        features.extend(self.stops.iter().map(|stop| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": position(&stop.location)},
                "properties": {
                    "sequence": stop.sequence,
                    "ticket_id": stop.ticket_id,
                    "arrival": stop.arrival,
                    "start": stop.start,
                    "departure": stop.departure,
                    "on_site_by": stop.on_site_by,
                    "repaired_by": stop.repaired_by,
                    "late_minutes": stop.late_minutes,
                    "visit_kind": stop.visit_kind,
                    "customer": stop.customer,
                },
            })
        }));
        json!({"type": "FeatureCollection", "features": features})
    }

    /// An iCalendar (RFC 5545) calendar with one event per stop, from the
    /// start of service to departure, so the day shows in any calendar app.
    fn to_ics(&self) -> String {
        use icalendar::{Calendar, Component, Event, EventLike};
        let mut calendar = Calendar::new();
        calendar.name(&format!(
            "Ruyi route of {} ({}) on {}",
            self.engineer_name, self.engineer_id, self.date
        ));
        for stop in &self.stops {
            let who = stop
                .customer
                .clone()
                .unwrap_or_else(|| stop.ticket_id.clone());
            let mut description = vec![format!("Ticket {}", stop.ticket_id)];
            if let Some(severity) = stop.severity {
                description.push(format!("Severity {severity}"));
            }
            if let Some(phone) = &stop.contact_phone {
                description.push(format!("Phone {phone}"));
            }
            if let Some(fault) = &stop.fault {
                description.push(format!("Fault: {fault}"));
            }
            if let Some(part) = &stop.part_to_bring {
                description.push(format!("Bring {} from {}", part.part, part.from));
            }
            description.push(format!(
                "Arrive {}; on site by {}",
                stop.arrival.format("%H:%M"),
                stop.on_site_by.format("%Y-%m-%d %H:%M")
            ));
            let location = stop
                .address
                .clone()
                .unwrap_or_else(|| format!("{:.5}, {:.5}", stop.location.lat, stop.location.lon));
            calendar.push(
                Event::new()
                    .uid(&format!(
                        "ruyi-{}-{}-{}@ruyi",
                        self.roster_id, self.engineer_id, stop.sequence
                    ))
                    .summary(&format!("{} — {who}", stop.visit_kind.replace('_', " ")))
                    .description(&description.join("\n"))
                    .location(&location)
                    .starts(stop.start.with_timezone(&Utc))
                    .ends(stop.departure.with_timezone(&Utc))
                    .add_property(
                        "GEO",
                        format!("{:.6};{:.6}", stop.location.lat, stop.location.lon),
                    )
                    .done(),
            );
        }
        calendar.done().to_string()
    }
}

/// Fills in each stop: the ticket's customer, contact and fault, the
/// kind of visit (a part on order makes it a diagnosis; an earlier visit
/// that left work makes it a return visit) and the part to bring; a
/// preventive analysis names its key customer.
async fn stop_details(store: &Store, stored: &StoredRoute) -> Result<Vec<StopDetails>, ApiError> {
    let visits = &stored.route.visits;
    let faults: Vec<TicketId> = visits
        .iter()
        .filter(|visit| visit.kind != VisitKind::Preventive)
        .map(|visit| visit.ticket_id.clone())
        .collect();
    // A handful of queries per route whatever its length: the route GET is
    // what every engineer's phone polls.
    let plans = store.roster_parts(stored.roster_id).await?;
    let tickets: HashMap<TicketId, Ticket> = store
        .tickets_by_ids(&faults)
        .await?
        .into_iter()
        .map(|ticket| (ticket.id().clone(), ticket))
        .collect();
    let returning: HashSet<TicketId> = store
        .events_of_tickets(&faults)
        .await?
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::Finished { ticket_id, finish } if finish.outcome != Outcome::Fixed => {
                Some(ticket_id)
            }
            _ => None,
        })
        .collect();
    // A part ordered by an earlier visit waits where it was sent; the
    // latest order wins.
    let mut ordered: HashMap<TicketId, PartToBring> = HashMap::new();
    for (ticket, part, base) in store.part_orders_of_tickets(&faults).await? {
        ordered.insert(
            ticket,
            PartToBring {
                part: part.to_string(),
                from: base,
            },
        );
    }
    let key_customers = if visits.iter().any(|v| v.kind == VisitKind::Preventive) {
        crate::domain::key_customers(&store.stations_in_region(stored.hub).await?)
    } else {
        Vec::new()
    };
    let mut details = Vec::with_capacity(visits.len());
    for visit in visits {
        if visit.kind == VisitKind::Preventive {
            let key = key_customers.iter().find(|k| k.visit_id == visit.ticket_id);
            details.push(StopDetails {
                visit_kind: "preventive_analysis",
                customer: key.map(|k| k.name.clone()),
                ..StopDetails::default()
            });
            continue;
        }
        let Some(ticket) = tickets.get(&visit.ticket_id) else {
            details.push(StopDetails {
                visit_kind: "repair",
                ..StopDetails::default()
            });
            continue;
        };
        let repair = if returning.contains(&visit.ticket_id) {
            "return_visit"
        } else {
            "repair"
        };
        let (visit_kind, part_to_bring) =
            match plans.iter().find(|p| p.ticket_id == visit.ticket_id) {
                Some(plan) if plan.action == PartAction::Ordered => ("diagnosis", None),
                Some(plan) => (
                    repair,
                    Some(PartToBring {
                        part: plan.part.to_string(),
                        from: plan.base.code(),
                    }),
                ),
                None => (repair, ordered.get(&visit.ticket_id).cloned()),
            };
        let contact = ticket.contact();
        details.push(StopDetails {
            visit_kind,
            customer: Some(ticket.customer().to_string()),
            address: contact.address.clone(),
            contact_phone: contact.contact_phone.clone(),
            severity: Some(ticket.severity().level()),
            fault: contact.fault.clone(),
            part_to_bring,
        });
    }
    Ok(details)
}

/// The day asked for, or today in service-local time.
fn day_or_today(raw: Option<&str>, live: &LiveSettings) -> Result<NaiveDate, ApiError> {
    match raw {
        Some(raw) => parse_date(raw),
        None => Ok(local(live.clock.now()).date_naive()),
    }
}

/// An engineer's route on a day, as JSON, GeoJSON or iCalendar. An
/// engineer reads their own, a coordinator their hub's engineers'.
#[utoipa::path(
    get,
    path = "/api/v1/engineers/{id}/route",
    tag = "engineers",
    params(("id" = String, Path, description = "The engineer, e.g. E0001"), RouteQuery),
    responses(
        (status = 200, description = "The route", content(
            (RouteResponse = "application/json"),
            (Object = "application/geo+json"),
            (String = "text/calendar"),
        )),
        (status = 304, description = "Unchanged: `If-None-Match` held the route's ETag"),
        (status = 400, description = "A bad date or format (named)", body = ErrorBody),
        (status = 404, description = "No such engineer, or no route that day", body = ErrorBody),
    ),
)]
pub async fn engineer_route(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER }>,
    request: HttpRequest,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    answers: web::Data<RouteAnswers>,
    id: web::Path<String>,
    query: web::Query<RouteQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = match query.format.as_deref() {
        None | Some("json") => "json",
        Some("geojson") => "geojson",
        Some("ics") => "ics",
        Some(other) => {
            return Err(ApiError::bad_request(
                "format",
                format!("{other:?} is not a format; expected json, geojson or ics"),
            ));
        }
    };
    let date = day_or_today(query.date.as_deref(), &live)?;
    let no_engineer = || ApiError::not_found(Resource::Engineer, id.as_str());
    let engineer_id = EngineerId::parse(id.as_str()).map_err(|_| no_engineer())?;
    caller.engineer(&engineer_id)?;
    let version = store.route_version(&engineer_id, date).await?;
    let key = (engineer_id, date, format);
    if let Some(answer) = version.and_then(|version| answers.fresh(&key, version)) {
        caller.hub(answer.region)?;
        return Ok(answer.respond(&request));
    }
    let engineer = store.engineer(&key.0).await?.ok_or_else(no_engineer)?;
    caller.hub(engineer.region())?;
    let not_found = || ApiError::not_found(Resource::Route(date), id.as_str());
    let version = version.ok_or_else(not_found)?;
    let stored = store
        .engineer_route(&key.0, date)
        .await?
        .ok_or_else(not_found)?;
    let details = stop_details(&store, &stored).await?;
    let response = RouteResponse::new(engineer.name(), stored, details);
    let (content_type, body) = match format {
        "geojson" => ("application/geo+json", response.to_geojson().to_string()),
        "ics" => ("text/calendar; charset=utf-8", response.to_ics()),
        _ => (
            "application/json",
            serde_json::to_string(&response)
                .map_err(|e| ApiError::Internal(super::ServerFault::from(e)))?,
        ),
    };
    let answer = RouteAnswer {
        version,
        region: engineer.region(),
        content_type,
        etag: format!("\"{}\"", &hash_token(&body)[..32]),
        body: web::Bytes::from(body),
        made: Instant::now(),
    };
    Ok(answers.keep(key, answer).respond(&request))
}

type AnswerKey = (EngineerId, NaiveDate, &'static str);

/// Route answers already made, per engineer, day and format, each with the
/// version of the stored route it was made from. Every engineer's phone
/// polls its route, and a re-plan or an event changes few of them: a hit
/// costs one indexed read (the version) instead of seven.
#[derive(Default)]
pub struct RouteAnswers {
    answers: Mutex<HashMap<AnswerKey, Arc<RouteAnswer>>>,
}

/// How long an answer is reused while its route is unchanged: it also
/// names the engineer, whose record a re-import may change.
const ANSWER_TTL: Duration = Duration::from_secs(60);

/// Past this many answers the cache starts over (a bound on memory).
const ANSWER_CAPACITY: usize = 8_192;

impl RouteAnswers {
    fn fresh(&self, key: &AnswerKey, version: RouteVersion) -> Option<Arc<RouteAnswer>> {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .filter(|answer| answer.version == version && answer.made.elapsed() < ANSWER_TTL)
            .cloned()
    }

    fn keep(&self, key: AnswerKey, answer: RouteAnswer) -> Arc<RouteAnswer> {
        let answer = Arc::new(answer);
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if answers.len() >= ANSWER_CAPACITY {
            answers.clear();
        }
        answers.insert(key, Arc::clone(&answer));
        answer
    }
}

/// One route answer, as sent, with its ETag.
struct RouteAnswer {
    version: RouteVersion,
    /// The engineer's hub, for a coordinator's scope.
    region: Region,
    content_type: &'static str,
    /// Shared, so answering copies no bytes.
    body: web::Bytes,
    etag: String,
    made: Instant,
}

impl RouteAnswer {
    /// The answer, or 304 without it when the client already holds this
    /// version (`If-None-Match`): a phone polling its route pays a few
    /// bytes until the route changes, and the tag changes exactly when
    /// the answer does.
    fn respond(&self, request: &HttpRequest) -> HttpResponse {
        let held = request
            .headers()
            .get(IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value.split(',').map(str::trim).any(|held| {
                    held == self.etag || held == "*" || held.strip_prefix("W/") == Some(&self.etag)
                })
            });
        let mut response = if held {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((ETAG, self.etag.clone()))
            .insert_header((CACHE_CONTROL, "no-cache"));
        if held {
            response.finish()
        } else {
            response
                .content_type(self.content_type)
                .body(self.body.clone())
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RouteEventsQuery {
    /// Defaults to today in service-local time.
    pub date: Option<String>,
}

/// How often an idle stream says it is alive (a comment line), so that
/// proxies keep it open and a dead phone is noticed.
pub(super) const KEEPALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// The engineer's route of a day as it changes, as server-sent events:
/// one `route` event at once and one whenever a new revision changes the
/// route (the data names the route's version, or `null` when the day has
/// none); the phone then GETs the route with its ETag. A comment line
/// every 15 s keeps the stream open.
#[utoipa::path(
    get,
    path = "/api/v1/engineers/{id}/route/events",
    tag = "engineers",
    params(("id" = String, Path, description = "The engineer, e.g. E0001"), RouteEventsQuery),
    responses(
        (status = 200, description = "A `text/event-stream` of `route` events", content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad date (named)", body = ErrorBody),
        (status = 404, description = "No such engineer", body = ErrorBody),
    ),
)]
pub async fn route_events(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    dispatch: web::Data<LiveDispatch>,
    id: web::Path<String>,
    query: web::Query<RouteEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let date = day_or_today(query.date.as_deref(), &live)?;
    let no_engineer = || ApiError::not_found(Resource::Engineer, id.as_str());
    let engineer_id = EngineerId::parse(id.as_str()).map_err(|_| no_engineer())?;
    caller.engineer(&engineer_id)?;
    let engineer = store
        .engineer(&engineer_id)
        .await?
        .ok_or_else(no_engineer)?;
    caller.hub(engineer.region())?;
    // Subscribe before reading the version, so no revision falls between.
    let published = dispatch.subscribe();
    let version = store.route_version(&engineer_id, date).await?;
    let stream = RouteStream {
        store: store.into_inner(),
        engineer: engineer_id,
        date,
        sent: None,
        current: Some(version),
        published,
    };
    Ok(event_stream(stream))
}

/// A stream of server-sent events: what [`EventChunks::next`] gives, chunk
/// by chunk, until it gives `None`.
pub(super) trait EventChunks: Sized + 'static {
    fn next(&mut self) -> impl std::future::Future<Output = Option<String>>;
}

/// The `text/event-stream` answer that sends `chunks`.
pub(super) fn event_stream(chunks: impl EventChunks) -> HttpResponse {
    let events = futures_util::stream::unfold(chunks, |mut chunks| async move {
        let chunk = chunks.next().await?;
        Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), chunks))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .streaming(events)
}

/// One engineer's route events: what was last sent, and the revisions
/// announced since.
struct RouteStream {
    store: Arc<Store>,
    engineer: EngineerId,
    date: NaiveDate,
    /// The version last sent (`Some(None)`: that the day has no route).
    sent: Option<Option<RouteVersion>>,
    /// A version read and not yet sent.
    current: Option<Option<RouteVersion>>,
    published: tokio::sync::broadcast::Receiver<Published>,
}

impl EventChunks for RouteStream {
    /// The next chunk to send; `None` ends the stream.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(version) = self.current.take()
                && self.sent != Some(version)
            {
                self.sent = Some(version);
                let data = json!({
                    "engineer_id": self.engineer.as_str(),
                    "date": self.date,
                    "version": version.map(|v| format!("{}-{}", v.route_id, v.newest_event)),
                });
                return Some(format!("event: route\ndata: {data}\n\n"));
            }
            let changed = tokio::select! {
                announced = self.published.recv() => match announced {
                    Ok(published) => published.date == self.date,
                    // Missed some: look again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep(KEEPALIVE) => return Some(": keepalive\n\n".to_string()),
            };
            if changed {
                match self.store.route_version(&self.engineer, self.date).await {
                    Ok(version) => self.current = Some(version),
                    Err(error) => {
                        tracing::warn!(engineer = %self.engineer, %error, "route events: reading the route failed; closing the stream");
                        return None;
                    }
                }
            }
        }
    }
}
