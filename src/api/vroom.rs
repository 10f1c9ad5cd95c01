//! `POST /api/v1/vroom`: VROOM's problem document in, VROOM's solution
//! document out — a drop-in for a VROOM server's solve endpoint, solved by
//! Ruyi's core (see [`crate::vroom`]).
//!
//! A document's size is checked before anything is built: the solver's
//! memory grows with the square of its locations, so jobs and vehicles
//! are capped (`RUYI_VROOM_MAX_JOBS`, `RUYI_VROOM_MAX_VEHICLES`; 413
//! naming the cap), and at most [`super::guard::Capacity`]'s solves run
//! at once (503 with `Retry-After` beyond).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::guard::Capacity;
use super::openapi::ErrorBody;
use super::{ADMIN, ApiError, Caller, INTEGRATION};
use crate::service::spawn_blocking_with_tracing;
use crate::settings::{Limits, Settings};
use crate::vroom::{self, Overrides};

/// The endpoint's path under `/api/v1`.
pub const PATH: &str = "/vroom";

/// Largest document accepted: a matrix set for the largest document the
/// caps allow (1,400 locations) is about 40 MB of JSON.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// What the size check reads of a document: the lengths of its lists,
/// never their contents (`IgnoredAny` skips them without keeping them).
#[derive(Deserialize)]
struct Sizes {
    #[serde(default)]
    jobs: Vec<IgnoredAny>,
    #[serde(default)]
    shipments: Vec<IgnoredAny>,
    #[serde(default)]
    vehicles: Vec<IgnoredAny>,
    #[serde(default)]
    matrices: BTreeMap<String, BTreeMap<String, Vec<IgnoredAny>>>,
}

/// Refuses a document over the caps (413 naming the cap); a document that
/// does not read as one is left to the adapter, which names its field.
fn check_size(body: &[u8], limits: &Limits) -> Result<(), ApiError> {
    let Ok(sizes) = serde_json::from_slice::<Sizes>(body) else {
        return Ok(());
    };
    // A shipment is two stops; the adapter refuses shipments anyway, but
    // not before they would have been counted here.
    let jobs = sizes.jobs.len() + 2 * sizes.shipments.len();
    if jobs > limits.vroom_max_jobs {
        return Err(ApiError::too_large(
            "jobs",
            format!(
                "{jobs} jobs are over the cap of {} (RUYI_VROOM_MAX_JOBS); split the document",
                limits.vroom_max_jobs
            ),
        ));
    }
    if sizes.vehicles.len() > limits.vroom_max_vehicles {
        return Err(ApiError::too_large(
            "vehicles",
            format!(
                "{} vehicles are over the cap of {} (RUYI_VROOM_MAX_VEHICLES)",
                sizes.vehicles.len(),
                limits.vroom_max_vehicles
            ),
        ));
    }
    // Every job and both ends of every vehicle may be a location.
    let locations = limits.vroom_max_jobs + 2 * limits.vroom_max_vehicles;
    for (profile, matrices) in &sizes.matrices {
        for (kind, rows) in matrices {
            if rows.len() > locations {
                return Err(ApiError::too_large(
                    format!("matrices.{profile}.{kind}"),
                    format!(
                        "{} rows are over the cap of {locations} locations (the job and \
                         vehicle caps allow no more)",
                        rows.len()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Solves a VROOM problem document (see the README's "Coming from VROOM").
#[utoipa::path(
    post,
    path = "/api/v1/vroom",
    tag = "vroom",
    request_body(content = Object, description = "A VROOM problem document"),
    responses(
        (status = 200, description = "VROOM's solution document", body = Object),
        (status = 400, description = "A key Ruyi cannot model or a malformed value (named)", body = ErrorBody),
        (status = 413, description = "Over the body, job or vehicle cap (named)", body = ErrorBody),
        (status = 503, description = "Every solver slot is busy; retry after `Retry-After` seconds", body = ErrorBody),
    ),
)]
pub async fn solve(
    _caller: Caller<{ ADMIN | INTEGRATION }>,
    settings: web::Data<Settings>,
    capacity: web::Data<Capacity>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    check_size(&body, &settings.limits)?;
    let slot = capacity.solve()?;
    let overrides = Overrides {
        travel: settings.travel,
        ..Overrides::default()
    };
    // Parsing and solving are CPU work of up to the document's time
    // limit, so they run on a blocking thread and the workers keep serving.
    let answer = spawn_blocking_with_tracing(move || {
        let _slot = slot;
        vroom::solve_document(&body, &overrides)
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn limits() -> Limits {
        Limits {
            vroom_max_jobs: 2,
            vroom_max_vehicles: 1,
            ..Limits::default()
        }
    }

    #[test]
    fn a_document_over_a_cap_is_refused_naming_it() {
        let body = br#"{"vehicles":[{"id":1}],"jobs":[{"id":1},{"id":2},{"id":3}]}"#;
        let error = check_size(body, &limits()).unwrap_err();
        assert!(matches!(&error, ApiError::TooLarge { field, .. } if field == "jobs"));
        assert!(error.to_string().contains("cap of 2"), "{error}");
        let body = br#"{"vehicles":[{"id":1},{"id":2}],"jobs":[]}"#;
        let error = check_size(body, &limits()).unwrap_err();
        assert!(matches!(&error, ApiError::TooLarge { field, .. } if field == "vehicles"));
        let rows: Vec<Value> = (0..5).map(|_| serde_json::json!([0])).collect();
        let body = serde_json::json!({"vehicles": [], "matrices": {"car": {"durations": rows}}});
        let error = check_size(body.to_string().as_bytes(), &limits()).unwrap_err();
        assert!(
            matches!(&error, ApiError::TooLarge { field, .. } if field == "matrices.car.durations")
        );
    }

    #[test]
    fn a_document_within_the_caps_or_malformed_goes_on_to_the_adapter() {
        let body = br#"{"vehicles":[{"id":1}],"jobs":[{"id":1},{"id":2}]}"#;
        assert!(check_size(body, &limits()).is_ok());
        assert!(check_size(b"{not json", &limits()).is_ok());
        assert!(check_size(br#"{"jobs": 3}"#, &limits()).is_ok());
    }
}
