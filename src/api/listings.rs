//! Reading what exists: a hub's roster revisions of a day.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::events::to_local_json;
use super::rosters::{DateQuery, parse_date};
use super::{ADMIN, ApiError, COORDINATOR, Caller, PLANNER, Resource};
use crate::domain::Region;
use crate::storage::Store;

/// `GET /api/v1/hubs/{hub}/rosters?date=`: the hub's stored rosters (of
/// one day when given), newest first — the first is the one in force.
pub async fn hub_rosters(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    store: web::Data<Store>,
    hub: web::Path<String>,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub: Region = hub.parse().map_err(|_: crate::domain::DomainError| {
        ApiError::not_found(Resource::Hub, hub.as_str())
    })?;
    caller.hub(hub)?;
    let date = query.date.as_deref().map(parse_date).transpose()?;
    let revisions = store.roster_revisions(hub, date).await?;
    Ok(HttpResponse::Ok().json(to_local_json(&json!({
        "hub": hub,
        "date": date,
        "count": revisions.len(),
        "rosters": revisions,
    }))?))
}
