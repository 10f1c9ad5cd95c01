//! An engineer's route for a day, as JSON or GeoJSON.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rosters::parse_date;
use super::tickets::{PointDto, local};
use super::{ApiError, Resource};
use crate::domain::{EngineerId, Region};
use crate::storage::{Store, StoredRoute};

#[derive(Debug, Deserialize)]
pub struct RouteQuery {
    /// Defaults to today in service-local time.
    pub date: Option<String>,
    /// `json` (default) or `geojson`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceWindow {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// One stop, in route order, with the times an engineer acts on.
#[derive(Debug, Serialize)]
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
}

#[derive(Debug, Serialize)]
pub struct RouteResponse {
    pub engineer_id: String,
    pub engineer_name: String,
    pub date: NaiveDate,
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
    fn new(engineer_name: &str, stored: StoredRoute) -> Self {
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
                .map(|visit| StopResponse {
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
                },
            })
        }));
        json!({"type": "FeatureCollection", "features": features})
    }
}

/// `GET /api/v1/engineers/{id}/route?date=&format=`
pub async fn engineer_route(
    store: web::Data<Store>,
    id: web::Path<String>,
    query: web::Query<RouteQuery>,
) -> Result<HttpResponse, ApiError> {
    let geojson = match query.format.as_deref() {
        None | Some("json") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "format",
                format!("{other:?} is not a format; expected json or geojson"),
            ));
        }
    };
    let date = match query.date.as_deref() {
        Some(raw) => parse_date(raw)?,
        None => local(Utc::now()).date_naive(),
    };
    let no_engineer = || ApiError::not_found(Resource::Engineer, id.as_str());
    let engineer_id = EngineerId::parse(id.as_str()).map_err(|_| no_engineer())?;
    let engineer = store
        .engineer(&engineer_id)
        .await?
        .ok_or_else(no_engineer)?;
    let stored = store
        .engineer_route(&engineer_id, date)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Route(date), id.as_str()))?;
    let response = RouteResponse::new(engineer.name(), stored);
    if geojson {
        Ok(HttpResponse::Ok()
            .content_type("application/geo+json")
            .json(response.to_geojson()))
    } else {
        Ok(HttpResponse::Ok().json(response))
    }
}
