//! The one error type of the HTTP boundary and its mapping to status codes
//! and JSON bodies (`{"error": "...", "field": "..."}`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::DomainError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request itself is wrong; `field` names the offending input.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Valid input that cannot be planned (the dispatcher refused it).
    #[error("{0}")]
    Unprocessable(String),
    #[error("storage failed: {0}")]
    Storage(StorageError),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.into(),
            message: message.into(),
        }
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
            StorageError::DuplicateTicket(id) => {
                ApiError::Conflict(format!("ticket {id} already exists"))
            }
            StorageError::OutOfStock { base, part } => ApiError::Conflict(format!(
                "no {part} left in stock at {base}; plan the day again"
            )),
            StorageError::RosterSuperseded { roster, by } => ApiError::Conflict(format!(
                "roster {roster} is superseded by roster {by} for the same hub and day; \
                 insert into roster {by}"
            )),
            other => ApiError::Storage(other),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Storage(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (message, field) = match self {
            ApiError::BadRequest { field, message } => (message.clone(), Some(field.as_str())),
            ApiError::Storage(_) | ApiError::Internal(_) => {
                // Details go to the log, not to the client.
                tracing::error!(error = %self, "request failed");
                ("internal error".to_string(), None)
            }
            other => (other.to_string(), None),
        };
        HttpResponse::build(self.status_code()).json(ErrorBody {
            error: &message,
            field,
        })
    }
}
