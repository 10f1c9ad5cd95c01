//! `POST /api/v1/vroom`: VROOM's problem document in, VROOM's solution
//! document out — a drop-in for a VROOM server's solve endpoint, solved by
//! Ruyi's core (see [`crate::vroom`]).

use actix_web::{HttpResponse, web};

use super::ApiError;
use crate::service::spawn_blocking_with_tracing;
use crate::settings::Settings;
use crate::vroom::{self, Overrides};

/// Largest document accepted: a 1 000-location matrix set is about 20 MB
/// of JSON, well past actix's 256 kB default.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// The route with its own body limit.
pub fn resource() -> actix_web::Resource {
    web::resource("/vroom")
        .app_data(web::PayloadConfig::new(MAX_DOCUMENT_BYTES))
        .route(web::post().to(solve))
}

/// Parsing and solving are CPU work of up to the document's time limit, so
/// they run on a blocking thread and the workers keep serving.
pub async fn solve(
    settings: web::Data<Settings>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let overrides = Overrides {
        travel: settings.travel,
        ..Overrides::default()
    };
    let answer =
        spawn_blocking_with_tracing(move || vroom::solve_document(&body, &overrides)).await??;
    Ok(HttpResponse::Ok().json(answer))
}
