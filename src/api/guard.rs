//! The API's outer defences, applied to every request before a handler
//! runs: caps on the request's headers (431) and body (413), CORS for the
//! origins the settings allow (none by default), and one JSON error body
//! for every refusal, including those actix-web makes itself (its own
//! answers are plain text or empty).

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// Largest JSON body of an ordinary request: a ticket or an event is a
/// few kilobytes.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Bytes a request's head may take (the path and query, header names and
/// values): a bearer token and a browser's headers take about 2 KiB.
/// actix-web itself closes the connection with an empty 431 past 128 KiB
/// or 96 headers; below that, the refusal here is the JSON one.
pub const HEADER_BYTES_LIMIT: usize = 16 * 1024;
pub const HEADER_COUNT_LIMIT: usize = 64;

/// The body cap in force on a route, for the 413 message.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Refuses a request whose head is over the caps, with 431 and the JSON
/// error body.
pub async fn header_limits(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let headers = request.headers();
    let bytes = request.uri().to_string().len()
        + headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum::<usize>();
    let count = headers.len();
    if bytes > HEADER_BYTES_LIMIT || count > HEADER_COUNT_LIMIT {
        let error = ApiError::HeadersTooLarge(format!(
            "the request's head is {bytes} bytes in {count} headers; the cap is \
             {HEADER_BYTES_LIMIT} bytes and {HEADER_COUNT_LIMIT} headers"
        ));
        let response = error.error_response();
        return Ok(request.into_response(response).map_into_right_body());
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Rewrites an error response that is not JSON — actix-web's own, for a
/// body over its cap, a malformed path, a refused CORS request — into
/// `{"error", "field"}`, keeping its status and headers.
pub fn json_errors<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let cause = response.response().error().map(ToString::to_string);
    let (message, field) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = response
                .request()
                .app_data::<BodyLimit>()
                .map_or(BODY_LIMIT, |limit| limit.0);
            (
                format!("the body is over the cap of {limit} bytes"),
                Some("body"),
            )
        }
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            format!("the request's head is over the cap of {HEADER_BYTES_LIMIT} bytes"),
            Some("headers"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => ("method not allowed".to_string(), Some("method")),
        _ => (
            cause.unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("request refused")
                    .to_string()
            }),
            None,
        ),
    };
    let (request, old) = response.into_parts();
    // `field` is left out where none applies, as in every error body.
    let body = match field {
        Some(field) => json!({"error": message, "field": field}),
        None => json!({"error": message}),
    };
    let mut new = HttpResponse::build(status).json(body);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    new.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, new).map_into_right_body(),
    ))
}

/// CORS for the given origins (`*` for any); with none the middleware is
/// not mounted at all (see the server's `Condition`), so no CORS header is
/// ever sent and a browser keeps other sites' pages from reading answers.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([header::RETRY_AFTER])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// How much heavy work runs at once: simulations and VROOM solves take a
/// core and up to a gigabyte each, so beyond these slots a request is
/// answered 503 with `Retry-After` instead of queueing without bound.
#[derive(Debug)]
pub struct Capacity {
    simulations: Arc<Semaphore>,
    solves: Arc<Semaphore>,
}

/// Simulations at once (a replay runs the dispatcher day after day).
pub const SIMULATION_SLOTS: usize = 1;
/// VROOM solves at once: one per core of the 2-core machine.
pub const SOLVE_SLOTS: usize = 2;

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            simulations: Arc::new(Semaphore::new(SIMULATION_SLOTS)),
            solves: Arc::new(Semaphore::new(SOLVE_SLOTS)),
        }
    }
}

impl Capacity {
    fn take(slots: &Arc<Semaphore>, what: &str) -> Result<OwnedSemaphorePermit, ApiError> {
        slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::Busy {
                message: format!("every {what} slot is busy; retry shortly"),
                retry_after_seconds: 5,
            })
    }

    /// A simulation slot, held until the permit drops.
    pub fn simulate(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Self::take(&self.simulations, "simulation")
    }

    /// A solver slot, held until the permit drops.
    pub fn solve(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Self::take(&self.solves, "solver")
    }
}
