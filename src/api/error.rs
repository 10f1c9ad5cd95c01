//! The one error type of the HTTP boundary and its one mapping to status
//! codes and JSON bodies.
//!
//! Each layer's error enters through one `From` impl here, which sorts it
//! by whose fault it is. Client faults answer 4xx with
//! `{"error": "...", "field": "..."}` (the field where one exists); server
//! faults — the independent checker rejecting a plan, the solver failing,
//! the database failing, a panicked blocking task — answer 500 with
//! `{"error": "internal error", "id": "..."}`, and the log repeats the id
//! with the cause, so an operator can find what a client reports.
//! The matches over the lower layers' errors are exhaustive: a new variant
//! does not compile until it is sorted here.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use chrono::NaiveDate;
use serde::Serialize;

use crate::coverage::CoverageError;
use crate::dispatch::DispatchError;
use crate::dispatch::InsertionError;
use crate::dispatch::MoveRefusal;
use crate::domain::{DomainError, EventId, Region, TicketId};
use crate::network::NetworkError;
use crate::service::{ServiceError, error_chain};
use crate::storage::StorageError;
use crate::vroom::VroomError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request itself is wrong; `field` names the offending input.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    /// Something the request names does not exist.
    #[error("{}", .resource.missing(.id))]
    NotFound { resource: Resource, id: String },
    /// The request collides with what is stored.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Valid input the planner cannot serve.
    #[error(transparent)]
    Unprocessable(Refusal),
    /// Our fault, not the client's.
    #[error("internal error: {0}")]
    Internal(#[from] ServerFault),
    /// No token, or one that is unknown, expired or revoked (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The token's role may not do this, or not here (403).
    #[error("{message}")]
    Forbidden {
        field: Option<&'static str>,
        message: String,
    },
    /// The token's rate limit is spent for now (429 with `Retry-After`).
    #[error("too many requests for this token; retry in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    /// The body, or a part of it, is over a cap (413).
    #[error("{field}: {message}")]
    TooLarge { field: String, message: String },
    /// The request's headers are over the cap (431).
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The path exists, the method does not (405 with `Allow`).
    #[error("{method} is not allowed here; allowed: {}", .allowed.join(", "))]
    MethodNotAllowed {
        method: String,
        allowed: Vec<&'static str>,
    },
    /// The server is at capacity for this kind of work (503 with
    /// `Retry-After`).
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_seconds: u64,
    },
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::Unauthorized(message.into())
    }

    pub fn forbidden(field: Option<&'static str>, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            field,
            message: message.into(),
        }
    }

    pub fn too_large(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::TooLarge {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(resource: Resource, id: impl Into<String>) -> Self {
        ApiError::NotFound {
            resource,
            id: id.into(),
        }
    }
}

/// What a 404 did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A hub named in the path.
    Hub,
    Roster,
    /// A roster of the hub named in the path.
    HubRoster(Region),
    Engineer,
    /// An engineer's route on a day.
    Route(NaiveDate),
    Ticket,
    /// A pin of a visit on the day of the roster in the path.
    Pin,
    /// A path no route serves.
    Path,
}

impl Resource {
    /// The request field that named the missing thing, where one did.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Resource::Hub => Some("hub"),
            Resource::Roster
            | Resource::HubRoster(_)
            | Resource::Engineer
            | Resource::Route(_)
            | Resource::Ticket
            | Resource::Path => None,
            Resource::Pin => Some("ticket"),
        }
    }

    fn missing(self, id: &str) -> String {
        match self {
            Resource::Hub => format!(
                "{id:?} is not a hub; expected one of {}",
                Region::ALL.map(Region::code).join(", ")
            ),
            Resource::Roster => format!("no roster {id}"),
            Resource::HubRoster(hub) => format!("no roster {id} for the {hub} hub"),
            Resource::Engineer => format!("no engineer {id}"),
            Resource::Route(date) => format!("engineer {id} has no route on {date}"),
            Resource::Ticket => format!("no ticket {id}"),
            Resource::Pin => format!("no pin of {id} on this roster's day"),
            Resource::Path => "no such resource".to_string(),
        }
    }
}

/// Why a request collides with what is stored (409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("ticket {0} already exists")]
    DuplicateTicket(TicketId),
    #[error("event {0} was stored at the same moment by another request")]
    DuplicateEvent(EventId),
    #[error("no {part} left in stock at {base}; plan the day again")]
    OutOfStock { base: String, part: String },
    #[error(
        "roster {roster} is superseded by roster {by} for the same hub and day; \
         insert into roster {by}, or plan the day again"
    )]
    RosterSuperseded { roster: i64, by: i64 },
    #[error(
        "the {hub} hub's {date} was planned meanwhile (roster {by} is in force); plan it again"
    )]
    DayPlannedMeanwhile {
        hub: Region,
        date: NaiveDate,
        by: i64,
    },
    #[error(
        "ticket {ticket} is on the published routes of roster {roster}: a ticket is on one \
         route at a time"
    )]
    TicketOnAnotherRoute { ticket: TicketId, roster: i64 },
}

/// Valid input the planner refused (422), with the planner's own error.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Dispatch(DispatchError),
    #[error(transparent)]
    Insertion(InsertionError),
    #[error(transparent)]
    Coverage(CoverageError),
    /// A visit moved by hand breaks a rule; the refusal names the field.
    #[error(transparent)]
    Move(MoveRefusal),
}

impl Refusal {
    /// The request field the refusal is about, where one is.
    fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Dispatch(DispatchError::DayOver { .. }) => Some("at"),
            Refusal::Move(refusal) => refusal.field(),
            _ => None,
        }
    }
}

/// A fault on our side (500): never the client's to fix, so its cause goes
/// to the log, not to the client.
#[derive(Debug, thiserror::Error)]
pub enum ServerFault {
    #[error(transparent)]
    Dispatch(DispatchError),
    #[error(transparent)]
    Insertion(InsertionError),
    #[error(transparent)]
    Storage(StorageError),
    #[error(transparent)]
    Coverage(CoverageError),
    #[error(transparent)]
    Vroom(VroomError),
    #[error("the shipped network is broken")]
    Network(#[source] NetworkError),
    /// A blocking task panicked or was cancelled.
    #[error("a blocking task failed")]
    Task(#[from] tokio::task::JoinError),
    /// The server was built without a part a handler needs.
    #[error("misconfigured: {0}")]
    Misconfigured(&'static str),
    /// A response could not be written out (JSON or CSV).
    #[error("the response could not be encoded: {0}")]
    Encode(String),
}

impl From<serde_json::Error> for ServerFault {
    fn from(error: serde_json::Error) -> Self {
        ServerFault::Encode(error.to_string())
    }
}

impl From<std::io::Error> for ServerFault {
    fn from(error: std::io::Error) -> Self {
        ServerFault::Encode(error.to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        ApiError::BadRequest {
            field: error.field,
            message: error.message,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Invalid(domain) => domain.into(),
            StorageError::DuplicateTicket(id) => Conflict::DuplicateTicket(id).into(),
            StorageError::OutOfStock { base, part } => Conflict::OutOfStock { base, part }.into(),
            StorageError::RosterSuperseded { roster, by } => {
                Conflict::RosterSuperseded { roster, by }.into()
            }
            StorageError::DuplicateEvent(id) => Conflict::DuplicateEvent(id).into(),
            StorageError::DayPlannedMeanwhile { hub, date, by } => {
                Conflict::DayPlannedMeanwhile { hub, date, by }.into()
            }
            StorageError::TicketOnAnotherRoute { ticket, roster } => {
                Conflict::TicketOnAnotherRoute { ticket, roster }.into()
            }
            StorageError::UnsupportedUrl(_)
            | StorageError::Unreachable
            | StorageError::Database(_)
            | StorageError::Migrate(_)
            | StorageError::InvalidRow { .. } => ServerFault::Storage(error).into(),
        }
    }
}

impl From<DispatchError> for ApiError {
    fn from(error: DispatchError) -> Self {
        // Built from validated data, an invalid routing problem is a bug;
        // HiGHS failing and the checker rejecting a plan are ours too.
        if !error.is_client_fault() {
            ServerFault::Dispatch(error).into()
        } else {
            ApiError::Unprocessable(Refusal::Dispatch(error))
        }
    }
}

impl From<InsertionError> for ApiError {
    fn from(error: InsertionError) -> Self {
        match error {
            InsertionError::NotCritical { .. }
            | InsertionError::OutsideHub { .. }
            | InsertionError::OutsideDay { .. }
            | InsertionError::ReportedLater { .. }
            | InsertionError::UnknownPinned(_) => {
                let field = error.field().unwrap_or("body");
                ApiError::bad_request(field, error.to_string())
            }
            InsertionError::AlreadyOnRoster(_)
            | InsertionError::EngineerNotWorking(_)
            | InsertionError::CannotContinue(_) => {
                ApiError::Unprocessable(Refusal::Insertion(error))
            }
            // The handler gives every ticket of the hub: one missing means
            // the stored day is inconsistent.
            InsertionError::MissingTicket(_) => ServerFault::Insertion(error).into(),
            InsertionError::Dispatch(error) => error.into(),
        }
    }
}

impl From<MoveRefusal> for ApiError {
    fn from(error: MoveRefusal) -> Self {
        match error {
            MoveRefusal::Dispatch(error) => error.into(),
            refusal => ApiError::Unprocessable(Refusal::Move(refusal)),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Storage(error) => error.into(),
            ServiceError::Dispatch(error) => error.into(),
            ServiceError::Task(error) => ServerFault::Task(error).into(),
        }
    }
}

impl From<CoverageError> for ApiError {
    fn from(error: CoverageError) -> Self {
        match error {
            CoverageError::Invalid { field, message } => ApiError::bad_request(field, message),
            CoverageError::Scenario { field, message, .. } => {
                ApiError::bad_request(format!("scenario.{field}"), message)
            }
            CoverageError::Tickets(error) => ApiError::bad_request("tickets", error.to_string()),
            CoverageError::Dispatch { ref source, .. } if !source.is_client_fault() => {
                ServerFault::Coverage(error).into()
            }
            CoverageError::Dispatch { .. } => ApiError::Unprocessable(Refusal::Coverage(error)),
            CoverageError::Solver(_) => ServerFault::Coverage(error).into(),
        }
    }
}

impl From<VroomError> for ApiError {
    fn from(error: VroomError) -> Self {
        match error {
            VroomError::Malformed { field, message }
            | VroomError::Unsupported { field, message }
            | VroomError::Invalid { field, message } => ApiError::bad_request(field, message),
            VroomError::CheckFailed(_) => ServerFault::Vroom(error).into(),
        }
    }
}

impl From<NetworkError> for ApiError {
    /// Only the shipped network is read while serving: its failure is ours.
    fn from(error: NetworkError) -> Self {
        ServerFault::Network(error).into()
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        ServerFault::Task(error).into()
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

#[derive(Serialize)]
struct FaultBody<'a> {
    error: &'a str,
    id: &'a str,
}

/// An opaque, unique id for one server fault: 16 hex digits, unguessable
/// (hashed with a per-process random key), never derived from the cause.
fn fault_id() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let hash = RandomState::new().hash_one((nanos, count, std::process::id()));
    format!("{hash:016x}")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (message, field) = match self {
            ApiError::Internal(fault) => {
                // Runs inside the request's span: the log line carries the
                // request as well as the id the client is given.
                let id = fault_id();
                tracing::error!(error.id = %id, error.cause = %error_chain(fault), "server fault");
                return HttpResponse::build(status).json(FaultBody {
                    error: "internal error",
                    id: &id,
                });
            }
            ApiError::BadRequest { field, message } | ApiError::TooLarge { field, message } => {
                (message.clone(), Some(field.as_str()))
            }
            ApiError::NotFound { resource, .. } => (self.to_string(), resource.field()),
            ApiError::Unauthorized(_) => (self.to_string(), Some("authorization")),
            ApiError::Forbidden { field, message } => (message.clone(), *field),
            ApiError::HeadersTooLarge(_) => (self.to_string(), Some("headers")),
            ApiError::MethodNotAllowed { .. } => (self.to_string(), Some("method")),
            ApiError::Unprocessable(refusal) => (self.to_string(), refusal.field()),
            ApiError::Conflict(_) | ApiError::TooManyRequests { .. } | ApiError::Busy { .. } => {
                (self.to_string(), None)
            }
        };
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"ruyi\""));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            }
            | ApiError::Busy {
                retry_after_seconds,
                ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: &message,
            field,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::body::MessageBody;
    use serde_json::Value;

    use super::*;
    use crate::dispatch::MipFailure;
    use crate::domain::TicketId;
    use crate::optimize::Violation;

    /// A log sink for one test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The status, the JSON body and the log of answering `error`.
    fn answer(error: ApiError) -> (u16, Value, String) {
        let log = Captured::default();
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        let response = tracing::subscriber::with_default(subscriber, || error.error_response());
        let status = response.status().as_u16();
        let bytes = response.into_body().try_into_bytes().unwrap();
        let body = serde_json::from_slice(&bytes).unwrap();
        let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        (status, body, log)
    }

    #[test]
    fn a_plan_the_checker_rejects_answers_500_with_an_id_that_the_log_repeats() {
        let error = ServiceError::Dispatch(DispatchError::CheckFailed(vec![Violation(
            "E001 arrives at T1 after its window".to_string(),
        )]));
        let (status, body, log) = answer(error.into());
        assert_eq!(status, 500);
        assert_eq!(body["error"], "internal error");
        let id = body["id"].as_str().unwrap();
        assert_eq!(id.len(), 16, "{body}");
        assert!(body.get("field").is_none(), "{body}");
        assert!(
            !body.to_string().contains("E001"),
            "no cause for the client"
        );
        assert!(log.contains("ERROR"), "{log}");
        assert!(log.contains(id), "{log}");
        assert!(log.contains("E001 arrives at T1 after its window"), "{log}");
    }

    #[test]
    fn solver_and_task_failures_are_server_faults() {
        let assignment: ApiError =
            DispatchError::Assignment(MipFailure::Status("Infeasible".into())).into();
        assert_eq!(assignment.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let vroom: ApiError = VroomError::CheckFailed("a late arrival".into()).into();
        assert_eq!(vroom.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let coverage: ApiError = CoverageError::Solver("HiGHS".into()).into();
        assert_eq!(coverage.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let storage: ApiError = StorageError::Database(sqlx::Error::PoolClosed).into();
        assert_eq!(storage.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn each_fault_gets_its_own_id() {
        let (_, first, _) =
            answer(ServerFault::Dispatch(DispatchError::CheckFailed(vec![])).into());
        let (_, second, _) =
            answer(ServerFault::Dispatch(DispatchError::CheckFailed(vec![])).into());
        assert_ne!(first["id"], second["id"]);
    }

    #[test]
    fn input_the_dispatcher_refuses_stays_422_with_its_message() {
        let error: ApiError = DispatchError::DuplicateTicket(TicketId::parse("T1").unwrap()).into();
        let (status, body, log) = answer(error);
        assert_eq!(status, 422);
        assert_eq!(body["error"], "ticket T1 is given twice");
        assert!(log.is_empty(), "{log}");
    }

    #[test]
    fn an_unknown_hub_names_the_field_and_a_conflict_its_cause() {
        let (status, body, _) = answer(ApiError::not_found(Resource::Hub, "atlantis"));
        assert_eq!(status, 404);
        assert_eq!(body["field"], "hub");
        assert_eq!(
            body["error"],
            "\"atlantis\" is not a hub; expected one of north, northeast, east, south, \
             southwest, northwest, central"
        );
        let (status, body, _) = answer(ApiError::not_found(Resource::Roster, "4242"));
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("no roster 4242"))
        );
        assert!(body.get("field").is_none());
        let (status, body, _) = answer(StorageError::RosterSuperseded { roster: 1, by: 2 }.into());
        assert_eq!(status, 409);
        assert_eq!(
            body["error"],
            "roster 1 is superseded by roster 2 for the same hub and day; insert into roster 2, \
             or plan the day again"
        );
    }

    #[test]
    fn an_insertion_the_request_is_to_blame_for_names_its_field() {
        let error: ApiError = InsertionError::UnknownPinned("T9".into()).into();
        let (status, body, _) = answer(error);
        assert_eq!(status, 400);
        assert_eq!(body["field"], "pinned");
        let error: ApiError = InsertionError::Dispatch(DispatchError::CheckFailed(vec![])).into();
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
