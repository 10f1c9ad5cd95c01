//! `GET /health`: is the service up and can it reach its database?

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::storage::Store;

/// Liveness and a database round trip; open, no token.
#[utoipa::path(
    get,
    path = "/health",
    tag = "service",
    responses(
        (status = 200, description = "`{status: ok, database}`", body = Object),
        (status = 503, description = "The database is unreachable", body = Object),
    ),
)]
pub async fn health(store: web::Data<Store>) -> HttpResponse {
    let database = store.backend().name();
    match store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok", "database": database})),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "database": database,
                "error": error.to_string(),
            }))
        }
    }
}
