//! `GET /api/v1/reports/sla?from=&to=&hub=&format=csv`: the SLA report
//! (see [`crate::service::sla`]), as JSON or CSV.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::events::to_local_json;
use super::openapi::ErrorBody;
use super::rosters::parse_date;
use super::{ADMIN, ApiError, COORDINATOR, Caller, LiveSettings, PLANNER, ServerFault};
use crate::domain::Region;
use crate::service::sla::{sla_report, write_sla_csv};
use crate::storage::Store;

#[derive(Debug, Deserialize, IntoParams)]
pub struct SlaQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub hub: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Longest period one report covers.
const MAX_DAYS: i64 = 366;

/// The SLA report per hub and severity over `from..=to` (at most 366
/// days), as JSON or CSV.
#[utoipa::path(
    get,
    path = "/api/v1/reports/sla",
    tag = "reports",
    params(SlaQuery),
    responses(
        (status = 200, description = "The report", content(
            (Object = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad or missing date, hub or format (named)", body = ErrorBody),
    ),
)]
pub async fn sla(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    live: web::Data<LiveSettings>,
    query: web::Query<SlaQuery>,
) -> Result<HttpResponse, ApiError> {
    let day = |field: &str, raw: Option<&str>| match raw {
        Some(raw) => parse_date(raw).map_err(|error| match error {
            ApiError::BadRequest { message, .. } => ApiError::bad_request(field, message),
            other => other,
        }),
        None => Err(ApiError::bad_request(field, "is required (YYYY-MM-DD)")),
    };
    let from = day("from", query.from.as_deref())?;
    let to = day("to", query.to.as_deref())?;
    if to < from {
        return Err(ApiError::bad_request("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_request(
            "to",
            format!("a report covers at most {MAX_DAYS} days"),
        ));
    }
    let hub = query
        .hub
        .as_deref()
        .map(str::parse::<Region>)
        .transpose()
        .map_err(|e| ApiError::bad_request("hub", e.message))?;
    let hub = caller.hub_filter(hub)?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "format",
                format!("{other:?} is not a format; expected json or csv"),
            ));
        }
    };
    let now = live.clock.now();
    let report = sla_report(&store, from, to, hub, now).await?;
    if csv {
        let mut body = Vec::new();
        write_sla_csv(&mut body, &report).map_err(ServerFault::from)?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(body));
    }
    Ok(HttpResponse::Ok().json(to_local_json(&json!({
        "from": from,
        "to": to,
        "hub": hub,
        "evaluated_at": now,
        "lines": report.lines,
        "total": report.total,
    }))?))
}
