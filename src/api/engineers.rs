//! An engineer's route for a day, as JSON, GeoJSON or iCalendar: each stop
//! says what to do there — whom to visit (name, address, phone), the
//! fault and its severity, the kind of visit and the part to bring.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::openapi::ErrorBody;
use super::rosters::parse_date;
use super::tickets::{PointDto, local};
use super::{ADMIN, ApiError, COORDINATOR, Caller, ENGINEER, LiveSettings, PLANNER, Resource};
use crate::domain::{EngineerId, EventKind, Outcome, PartAction, Region, VisitKind};
use crate::storage::{Store, StoredRoute};

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
    let plans = store.roster_parts(stored.roster_id).await?;
    let key_customers = crate::domain::key_customers(&store.stations_in_region(stored.hub).await?);
    let mut details = Vec::with_capacity(stored.route.visits.len());
    for visit in &stored.route.visits {
        if visit.kind == VisitKind::Preventive {
            let key = key_customers.iter().find(|k| k.visit_id == visit.ticket_id);
            details.push(StopDetails {
                visit_kind: "preventive_analysis",
                customer: key.map(|k| k.name.clone()),
                ..StopDetails::default()
            });
            continue;
        }
        let Some(ticket) = store.ticket(&visit.ticket_id).await? else {
            details.push(StopDetails {
                visit_kind: "repair",
                ..StopDetails::default()
            });
            continue;
        };
        let plan = plans.iter().find(|p| p.ticket_id == visit.ticket_id);
        let earlier = store.ticket_events(&visit.ticket_id).await?;
        let returning = earlier.iter().any(|e| {
            matches!(&e.kind, EventKind::Finished { finish, .. } if finish.outcome != Outcome::Fixed)
        });
        let (visit_kind, part_to_bring) =
            match plan {
                Some(plan) if plan.action == PartAction::Ordered => ("diagnosis", None),
                Some(plan) => (
                    if returning { "return_visit" } else { "repair" },
                    Some(PartToBring {
                        part: plan.part.to_string(),
                        from: plan.base.code(),
                    }),
                ),
                None => (
                    if returning { "return_visit" } else { "repair" },
                    // A part ordered by an earlier visit waits where it was sent.
                    store.visit_part_orders(&visit.ticket_id).await?.pop().map(
                        |(part, base, _)| PartToBring {
                            part: part.to_string(),
                            from: base,
                        },
                    ),
                ),
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
        (status = 400, description = "A bad date or format (named)", body = ErrorBody),
        (status = 404, description = "No such engineer, or no route that day", body = ErrorBody),
    ),
)]
pub async fn engineer_route(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
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
    let date = match query.date.as_deref() {
        Some(raw) => parse_date(raw)?,
        None => local(live.clock.now()).date_naive(),
    };
    let no_engineer = || ApiError::not_found(Resource::Engineer, id.as_str());
    let engineer_id = EngineerId::parse(id.as_str()).map_err(|_| no_engineer())?;
    caller.engineer(&engineer_id)?;
    let engineer = store
        .engineer(&engineer_id)
        .await?
        .ok_or_else(no_engineer)?;
    caller.hub(engineer.region())?;
    let stored = store
        .engineer_route(&engineer_id, date)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Route(date), id.as_str()))?;
    let details = stop_details(&store, &stored).await?;
    let response = RouteResponse::new(engineer.name(), stored, details);
    match format {
        "geojson" => Ok(HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(response.to_geojson())),
        "ics" => Ok(HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .body(response.to_ics())),
        _ => Ok(HttpResponse::Ok().json(response)),
    }
}
