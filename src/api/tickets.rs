//! Ticket intake and listing.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::{
    City, DomainError, GeoPoint, PartCode, Region, ServiceHours, Severity, Skill, SlaPolicy,
    Ticket, TicketContact, TicketId, TicketStatus, service_offset,
};
use crate::storage::{Store, TicketFilter};

/// The intake form as the call center sends it. Values arrive raw and are
/// checked by the domain constructors, so each refusal names its field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    pub customer: String,
    /// The customer's site; without it the city centre is used.
    pub site: Option<PointDto>,
    pub city_adcode: u32,
    pub severity: u8,
    pub skill: String,
    pub service_minutes: u32,
    /// Defaults to now.
    pub reported_at: Option<DateTime<FixedOffset>>,
    /// A contract's own limits; wins over `key_customer`.
    pub sla: Option<SlaRequest>,
    /// The key-customer contract (on site within 2 h, 7x24).
    #[serde(default)]
    pub key_customer: bool,
    /// The spare part a swap needs (a catalogue code such as `SRV-PSU`).
    pub part: Option<String>,
    /// The customer's address, for the engineer.
    pub address: Option<String>,
    /// Whom the engineer calls on the way.
    pub contact_phone: Option<String>,
    /// The fault in the customer's words.
    pub fault: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaRequest {
    pub response_minutes: u32,
    pub on_site_minutes: u32,
    pub repair_minutes: u32,
    #[serde(default = "default_hours")]
    pub hours: ServiceHours,
}

fn default_hours() -> ServiceHours {
    ServiceHours::FiveByEight
}

/// A ticket on the wire: the stored fields plus its SLA deadlines, times in
/// service-local time (+08:00) because that is how coordinators read them.
#[derive(Debug, Serialize)]
pub struct TicketResponse {
    pub id: String,
    pub customer: String,
    pub site: PointDto,
    pub city_adcode: u32,
    pub hub: Region,
    pub severity: u8,
    pub skill: Skill,
    pub service_minutes: u32,
    pub reported_at: DateTime<FixedOffset>,
    pub status: TicketStatus,
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

#[derive(Debug, Serialize)]
pub struct TicketList {
    pub count: usize,
    pub tickets: Vec<TicketResponse>,
}

/// Parses a JSON body, turning any failure (malformed JSON, wrong type,
/// missing or unknown field) into a 400 that names the field's path.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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

impl TicketDraft {
    /// Checks the form; a missing report time is `reported_at`.
    pub(crate) async fn check(
        store: &Store,
        request: TicketRequest,
        reported_at: DateTime<Utc>,
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
            Some(site) => GeoPoint::new(site.lat, site.lon).map_err(|e| e.within("site"))?,
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
        let part = request.part.as_deref().map(PartCode::parse).transpose()?;
        let contact = TicketContact::new(request.address, request.contact_phone, request.fault)?;
        Ok(TicketDraft {
            part,
            contact,
            customer: request.customer,
            site,
            city,
            severity,
            skill,
            reported_at: request
                .reported_at
                .map_or(reported_at, |at| at.with_timezone(&Utc)),
            service_minutes: request.service_minutes,
            sla,
        })
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

/// `POST /api/v1/tickets`
pub async fn create_ticket(
    store: web::Data<Store>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: TicketRequest = parse_json(&body)?;
    let draft = TicketDraft::check(&store, request, Utc::now()).await?;
    let ticket = store
        .insert_new_ticket(draft.day(), |id| draft.build(id))
        .await?;
    Ok(HttpResponse::Created().json(TicketResponse::from(&ticket)))
}

#[derive(Debug, Deserialize)]
pub struct TicketQuery {
    pub status: Option<String>,
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

/// `GET /api/v1/tickets?status=&hub=`
pub async fn list_tickets(
    store: web::Data<Store>,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(StatusFilter::parse)
        .transpose()?;
    let region = query.hub.as_deref().map(str::parse::<Region>).transpose()?;
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
                .pending_orders()
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
