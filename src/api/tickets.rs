//! Ticket intake and listing.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::openapi::ErrorBody;
use super::{ADMIN, ApiError, CALL_CENTER, COORDINATOR, Caller, LiveSettings, PLANNER};
use crate::dispatch::Urgency;
use crate::domain::{
    City, DomainError, GeoPoint, PartCode, Region, ServiceHours, Severity, Skill, SlaPolicy,
    Ticket, TicketContact, TicketId, TicketStatus, service_offset,
};
use crate::service::live::LiveDispatch;
use crate::settings::Settings;
use crate::storage::{Store, TicketFilter};

/// The intake form as the call center sends it. Values arrive raw and are
/// checked by the domain constructors, so each refusal names its field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    /// 1–200 characters, no control characters.
    #[schema(example = "Hangzhou Metro")]
    pub customer: String,
    /// The customer's site; without it the city centre is used. It must
    /// lie near its city (within 100 km of the centre, or nearer to it
    /// than to all but two other city centres).
    pub site: Option<PointDto>,
    /// The city's 6-digit administrative code (a known city).
    #[schema(example = 330100)]
    pub city_adcode: u32,
    /// 1 (critical) to 4 (a request).
    #[schema(example = 2, minimum = 1, maximum = 4)]
    pub severity: u8,
    /// `pc_hardware`, `printer`, `server`, `storage`, `network`, `systems`
    /// or `integration`.
    #[schema(example = "network")]
    pub skill: String,
    /// Minutes on site, 1–480.
    #[schema(example = 90, minimum = 1, maximum = 480)]
    pub service_minutes: u32,
    /// Defaults to now; at most the clock skew ahead of the server's
    /// clock and at most `RUYI_MAX_REPORT_AGE_DAYS` (30) days behind it.
    pub reported_at: Option<DateTime<FixedOffset>>,
    /// A contract's own limits; wins over `key_customer`.
    pub sla: Option<SlaRequest>,
    /// The key-customer contract (on site within 2 h, 7x24).
    #[serde(default)]
    pub key_customer: bool,
    /// The spare part a swap needs: a catalogue code of the ticket's
    /// skill (`SRV-PSU`, `SRV-DISK`, `SRV-DIMM` for a server, …).
    #[schema(example = "SRV-PSU")]
    pub part: Option<String>,
    /// The customer's address, for the engineer.
    pub address: Option<String>,
    /// Whom the engineer calls on the way.
    pub contact_phone: Option<String>,
    /// The fault in the customer's words.
    pub fault: Option<String>,
}

/// A position in WGS 84 degrees.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointDto {
    pub lat: f64,
    pub lon: f64,
}

impl From<GeoPoint> for PointDto {
    fn from(point: GeoPoint) -> Self {
        PointDto {
            lat: point.lat(),
            lon: point.lon(),
        }
    }
}

/// A contract's own limits in minutes (response ≤ on site ≤ repair ≤ 30
/// days).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaRequest {
    #[schema(example = 60)]
    pub response_minutes: u32,
    #[schema(example = 240)]
    pub on_site_minutes: u32,
    #[schema(example = 1440)]
    pub repair_minutes: u32,
    /// `five_by_eight` (default) or `seven_by_twenty_four`.
    #[serde(default = "default_hours")]
    #[schema(value_type = Option<String>, example = "seven_by_twenty_four")]
    pub hours: ServiceHours,
}

fn default_hours() -> ServiceHours {
    ServiceHours::FiveByEight
}

/// A ticket on the wire: the stored fields plus its SLA deadlines, times in
/// service-local time (+08:00) because that is how coordinators read them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketResponse {
    pub id: String,
    pub customer: String,
    pub site: PointDto,
    pub city_adcode: u32,
    /// The hub whose region the city is in.
    #[schema(value_type = String, example = "east")]
    pub hub: Region,
    pub severity: u8,
    #[schema(value_type = String, example = "network")]
    pub skill: Skill,
    pub service_minutes: u32,
    pub reported_at: DateTime<FixedOffset>,
    /// `open`, `planned`, `resolved` or `cancelled`.
    #[schema(value_type = String, example = "open")]
    pub status: TicketStatus,
    /// `{response_minutes, on_site_minutes, repair_minutes, hours}`.
    #[schema(value_type = Object)]
    pub sla: SlaPolicy,
    pub respond_by: DateTime<FixedOffset>,
    pub on_site_by: DateTime<FixedOffset>,
    pub repaired_by: DateTime<FixedOffset>,
    /// How the three deadlines were counted: `service_hours` (a 5x8
    /// contract: Mon–Fri office hours) or `round_the_clock` (7x24).
    pub deadlines_counted_in: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

pub(crate) fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&service_offset())
}

impl From<&Ticket> for TicketResponse {
    fn from(ticket: &Ticket) -> Self {
        let deadlines = ticket.deadlines();
        TicketResponse {
            id: ticket.id().to_string(),
            customer: ticket.customer().to_string(),
            site: ticket.site().into(),
            city_adcode: ticket.city_adcode(),
            hub: ticket.region(),
            severity: ticket.severity().level(),
            skill: ticket.skill(),
            service_minutes: ticket.service_minutes(),
            reported_at: local(ticket.reported_at()),
            status: ticket.status(),
            sla: ticket.sla(),
            respond_by: local(deadlines.respond_by),
            on_site_by: local(deadlines.on_site_by),
            repaired_by: local(deadlines.repaired_by),
            deadlines_counted_in: match deadlines.hours {
                ServiceHours::FiveByEight => "service_hours",
                ServiceHours::SevenByTwentyFour => "round_the_clock",
            },
            part: ticket.part().map(|p| p.to_string()),
            address: ticket.contact().address.clone(),
            contact_phone: ticket.contact().contact_phone.clone(),
            fault: ticket.contact().fault.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    pub count: usize,
    pub tickets: Vec<TicketResponse>,
}

/// The path of the first string in `value` holding a control character
/// (NUL, escape, …; tab, line feed and carriage return are text), in the
/// form serde_path_to_error names fields: `customer`, `ticket.fault`,
/// `parts_used[0]`.
pub(crate) fn control_character(value: &Value) -> Option<String> {
    fn bad(text: &str) -> bool {
        text.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    }
    fn find(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(text) => bad(text).then(|| path.to_string()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(index, item)| find(item, &format!("{path}[{index}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if bad(key) {
                    Some(path)
                } else {
                    find(item, &path)
                }
            }),
            _ => None,
        }
    }
    find(value, "").map(|path| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path
        }
    })
}

/// Parses a JSON body, turning any failure (malformed JSON, wrong type,
/// missing or unknown field, a control character in a string) into a 400
/// that names the field's path.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every string is checked before any is used: a NUL byte is refused on
    // SQLite as on PostgreSQL (which cannot store one).
    if let Ok(value) = serde_json::from_slice::<Value>(body)
        && let Some(field) = control_character(&value)
    {
        return Err(ApiError::bad_request(
            field,
            "holds a control character (NUL, escape, …); only text is accepted",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            // Not JSON at all: no field to name.
            "body".to_string()
        } else if path == "." {
            // A missing field is reported at its parent: name it instead.
            let message = inner.to_string();
            match message.split('`').nth(1) {
                Some(name) if message.starts_with("missing field") => name.to_string(),
                _ => "body".to_string(),
            }
        } else {
            path
        };
        ApiError::bad_request(field, inner.to_string())
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::bad_request("body", error.to_string()))?;
    Ok(value)
}

/// An intake form checked against the domain and the city table, waiting
/// only for its id (the service time is checked when the ticket is built).
pub(crate) struct TicketDraft {
    customer: String,
    site: GeoPoint,
    city: City,
    severity: Severity,
    skill: Skill,
    reported_at: DateTime<Utc>,
    service_minutes: u32,
    sla: SlaPolicy,
    part: Option<PartCode>,
    contact: TicketContact,
}

/// How far a report time may stray from the server's clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReportWindow {
    pub now: DateTime<Utc>,
    /// Ahead of `now`: the sender's clock may run fast.
    pub skew: Duration,
    /// Behind `now`: older reports are data migration, not intake.
    pub max_age: Duration,
}

impl ReportWindow {
    pub(crate) fn new(live: &LiveSettings, settings: &Settings) -> Self {
        ReportWindow {
            now: live.clock.now(),
            skew: live.max_clock_skew,
            max_age: settings.limits.max_report_age,
        }
    }

    fn check(&self, reported_at: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
        if reported_at > self.now + self.skew {
            return Err(ApiError::bad_request(
                "reported_at",
                format!(
                    "{} is in the future (the server's clock says {}; {} minutes of clock skew \
                     are allowed)",
                    local(reported_at).to_rfc3339(),
                    local(self.now).to_rfc3339(),
                    self.skew.num_minutes()
                ),
            ));
        }
        if reported_at < self.now - self.max_age {
            return Err(ApiError::bad_request(
                "reported_at",
                format!(
                    "{} is more than {} days ago",
                    local(reported_at).to_rfc3339(),
                    self.max_age.num_days()
                ),
            ));
        }
        Ok(reported_at)
    }
}

/// Within this distance of its city's centre a site is plausible as it
/// is; farther out the city must still be among the nearest centres.
const SITE_NEAR_KM: f64 = 100.0;
/// How many nearest city centres a far site's city may be among (a site
/// in a vast western prefecture may be nearer to a neighbour's seat).
const SITE_NEAREST_CITIES: usize = 3;
/// Beyond this distance no site belongs to the city, nearest or not: the
/// largest prefectures (Haixi, Hulunbuir) reach about 600 km from their
/// seats.
const SITE_FAR_KM: f64 = 800.0;

/// Refuses a site implausibly far from the city it names (a Buenos Aires
/// site with a Beijing adcode), naming the nearest city instead.
async fn check_site(store: &Store, site: GeoPoint, city: &City) -> Result<(), ApiError> {
    let km = |point: GeoPoint| site.haversine_meters(&point) / 1000.0;
    let distance = km(city.location);
    if distance <= SITE_NEAR_KM {
        return Ok(());
    }
    let mut cities = store.cities().await?;
    cities.sort_by(|a, b| km(a.location).total_cmp(&km(b.location)));
    if distance <= SITE_FAR_KM
        && cities
            .iter()
            .take(SITE_NEAREST_CITIES)
            .any(|near| near.adcode == city.adcode)
    {
        return Ok(());
    }
    let nearest = cities
        .first()
        .map(|near| {
            format!(
                "; the nearest city centre is {} ({}) at {:.0} km",
                near.name_en,
                near.adcode,
                km(near.location)
            )
        })
        .unwrap_or_default();
    Err(ApiError::bad_request(
        "site",
        format!(
            "({:.4}, {:.4}) is {distance:.0} km from the centre of {} ({}){nearest}: check the \
             site or the city_adcode",
            site.lat(),
            site.lon(),
            city.name_en,
            city.adcode
        ),
    ))
}

/// Refuses a part code that is not in the catalogue of the ticket's skill.
fn check_part(raw: &str, skill: Skill) -> Result<PartCode, ApiError> {
    let part = PartCode::parse(raw)?;
    if skill.parts().contains(&part.as_str()) {
        return Ok(part);
    }
    let expected = if skill.parts().is_empty() {
        format!("a {skill} fault needs no spare part")
    } else {
        format!("a {skill} fault takes one of {}", skill.parts().join(", "))
    };
    Err(ApiError::bad_request(
        "part",
        format!("{raw:?} is not a catalogue part for this ticket: {expected}"),
    ))
}

impl TicketDraft {
    /// Checks the form; a missing report time is `reported_at`, a given
    /// one must lie in `window`.
    pub(crate) async fn check(
        store: &Store,
        request: TicketRequest,
        reported_at: DateTime<Utc>,
        window: &ReportWindow,
    ) -> Result<Self, ApiError> {
        let severity = Severity::new(request.severity)?;
        let skill: Skill = request.skill.parse()?;
        let city = store.city(request.city_adcode).await?.ok_or_else(|| {
            ApiError::bad_request(
                "city_adcode",
                format!("{} is not a known city adcode", request.city_adcode),
            )
        })?;
        let site = match request.site {
            Some(site) => {
                let site = GeoPoint::new(site.lat, site.lon).map_err(|e| e.within("site"))?;
                check_site(store, site, &city).await?;
                site
            }
            None => city.location,
        };
        let sla = match request.sla {
            Some(sla) => SlaPolicy::new(
                sla.response_minutes,
                sla.on_site_minutes,
                sla.repair_minutes,
                sla.hours,
            )?,
            None if request.key_customer => SlaPolicy::key_customer(),
            None => SlaPolicy::default(),
        };
        let part = request
            .part
            .as_deref()
            .map(|raw| check_part(raw, skill))
            .transpose()?;
        let contact = TicketContact::new(request.address, request.contact_phone, request.fault)?;
        // A given report time must lie in the window; the default is the
        // caller's (now, or the moment of an insertion, which it checks).
        let reported_at = match request.reported_at {
            Some(at) => window.check(at.with_timezone(&Utc))?,
            None => reported_at,
        };
        Ok(TicketDraft {
            part,
            contact,
            customer: request.customer,
            site,
            city,
            severity,
            skill,
            reported_at,
            service_minutes: request.service_minutes,
            sla,
        })
    }

    /// The hub the ticket belongs to.
    pub(crate) fn hub(&self) -> Region {
        self.city.region
    }

    /// The local day of the report, which numbers the ticket.
    pub(crate) fn day(&self) -> NaiveDate {
        local(self.reported_at).date_naive()
    }

    pub(crate) fn build(self, id: TicketId) -> Result<Ticket, DomainError> {
        Ticket::new(crate::domain::TicketReport {
            id,
            customer: self.customer,
            site: self.site,
            city_adcode: self.city.adcode,
            region: self.city.region,
            severity: self.severity,
            skill: self.skill,
            reported_at: self.reported_at,
            service_minutes: self.service_minutes,
            sla: self.sla,
        })
        .map(|ticket| ticket.with_part(self.part).with_contact(self.contact))
    }
}

/// Takes a ticket in: 201 with the stored ticket and its deadlines. A
/// coordinator takes tickets of their own hub only.
#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    tag = "tickets",
    request_body = TicketRequest,
    responses(
        (status = 201, description = "The stored ticket", body = TicketResponse),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 409, description = "The ticket id is taken", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
    ),
)]
pub async fn create_ticket(
    caller: Caller<{ ADMIN | CALL_CENTER | COORDINATOR }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    settings: web::Data<Settings>,
    dispatch: web::Data<LiveDispatch>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: TicketRequest = parse_json(&body)?;
    let window = ReportWindow::new(&live, &settings);
    let draft = TicketDraft::check(&store, request, window.now, &window).await?;
    caller.hub(draft.hub())?;
    let ticket = store
        .insert_new_ticket(draft.day(), |id| draft.build(id))
        .await?;
    dispatch.nudge(ticket.region(), Urgency::of_ticket(&ticket));
    Ok(HttpResponse::Created().json(TicketResponse::from(&ticket)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TicketQuery {
    /// `open`, `planned`, `resolved`, `cancelled` or `awaiting_part`.
    pub status: Option<String>,
    /// A hub (`north`, `east`, …); a coordinator's own by default.
    pub hub: Option<String>,
}

/// What `?status=` selects: tickets in one of the domain's statuses, or
/// `awaiting_part` — open tickets whose spare part a stored roster ordered
/// and whose repair visit is not planned yet (rosters list them unassigned
/// with that reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusFilter {
    Status(TicketStatus),
    AwaitingPart,
}

impl StatusFilter {
    const AWAITING_PART: &str = "awaiting_part";

    fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw == Self::AWAITING_PART {
            return Ok(StatusFilter::AwaitingPart);
        }
        TicketStatus::parse(raw)
            .map(StatusFilter::Status)
            .map_err(|error| {
                DomainError::new(
                    error.field,
                    format!(
                        "{}, or {} (open tickets whose part is on order)",
                        error.message,
                        Self::AWAITING_PART
                    ),
                )
            })
    }
}

/// Tickets by status and hub.
#[utoipa::path(
    get,
    path = "/api/v1/tickets",
    tag = "tickets",
    params(TicketQuery),
    responses(
        (status = 200, description = "The tickets", body = TicketList),
        (status = 400, description = "A bad status or hub (named)", body = ErrorBody),
    ),
)]
pub async fn list_tickets(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | CALL_CENTER }>,
    store: web::Data<Store>,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(StatusFilter::parse)
        .transpose()?;
    let region = query.hub.as_deref().map(str::parse::<Region>).transpose()?;
    let region = caller.hub_filter(region)?;
    let tickets = match status {
        None => {
            store
                .tickets(TicketFilter {
                    status: None,
                    region,
                })
                .await?
        }
        Some(StatusFilter::Status(status)) => {
            store
                .tickets(TicketFilter {
                    status: Some(status),
                    region,
                })
                .await?
        }
        Some(StatusFilter::AwaitingPart) => {
            let ordered: HashSet<TicketId> = store
                .pending_orders(region)
                .await?
                .into_iter()
                .map(|order| order.ticket_id)
                .collect();
            let mut open = store
                .tickets(TicketFilter {
                    status: Some(TicketStatus::Open),
                    region,
                })
                .await?;
            open.retain(|ticket| ordered.contains(ticket.id()));
            open
        }
    };
    let tickets: Vec<TicketResponse> = tickets.iter().map(TicketResponse::from).collect();
    Ok(HttpResponse::Ok().json(TicketList {
        count: tickets.len(),
        tickets,
    }))
}
