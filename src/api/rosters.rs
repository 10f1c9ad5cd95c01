//! Roster generation and lookup.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::ApiError;
use crate::dispatch::PlanOptions;
use crate::domain::Region;
use crate::service::{self, ServiceError};
use crate::storage::Store;

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub date: Option<String>,
}

pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|error| {
        ApiError::bad_request("date", format!("{raw:?} is not a YYYY-MM-DD date: {error}"))
    })
}

/// A hub in a path is a resource: an unknown one is 404, not 400.
fn parse_hub(raw: &str) -> Result<Region, ApiError> {
    raw.parse::<Region>()
        .map_err(|error| ApiError::NotFound(error.message))
}

/// `POST /api/v1/hubs/{hub}/rosters?date=YYYY-MM-DD`: plans the hub's open
/// tickets with its region's engineers and stores the roster; the planned
/// tickets are marked in the same transaction as the save.
pub async fn create_roster(
    store: web::Data<Store>,
    hub: web::Path<String>,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = parse_hub(&hub)?;
    let date = match query.date.as_deref() {
        Some(raw) => parse_date(raw)?,
        None => return Err(ApiError::bad_request("date", "is required (YYYY-MM-DD)")),
    };
    let roster = service::plan_and_store(&store, hub, date, &PlanOptions::default())
        .await
        .map_err(|error| match error {
            ServiceError::Storage(error) => error.into(),
            ServiceError::Dispatch(error) => ApiError::Unprocessable(error.to_string()),
            ServiceError::Task(message) | ServiceError::Config(message) => {
                ApiError::Internal(message)
            }
        })?;
    Ok(HttpResponse::Created().json(roster))
}

/// `GET /api/v1/rosters/{id}`
pub async fn get_roster(
    store: web::Data<Store>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound(format!("no roster {id}"));
    let roster_id: i64 = id.parse().map_err(|_| not_found())?;
    let roster = store.roster(roster_id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(roster))
}
