//! The one place where errors become HTTP answers.
//!
//! Handlers return `ApiError`. Each variant has a stable code name and an
//! HTTP status, and is answered as `application/problem+json` (RFC 9457).
//! Unexpected errors are logged here, once, and answered without internals.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::access::Role;
use crate::search::workers::WorkersError;
use crate::search::SearchError;
use crate::store::StoreError;

/// One offending input: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, parameter or header, e.g. `as_of` or `Authorization`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// An RFC 9457 problem document, as served.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:sanaw:problem:CODE`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The stable code name (also the last part of `type`).
    pub code: &'static str,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything an API call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Some inputs are invalid; each is named.
    #[error("invalid request: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// The thing asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id as given.
        id: String,
    },
    /// No valid token where one is needed, or a token that is wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token whose role may not do this.
    #[error("this needs one of the roles: {}", roles(.0))]
    Forbidden(&'static [Role]),
    /// The request clashes with the current state (an item already decided).
    #[error("{0}")]
    Conflict(String),
    /// The request body is larger than allowed.
    #[error("request body larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// The database or index cannot be used right now.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

fn roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ApiError {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, reason)])
    }

    /// The stable code name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "invalid_request",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_) => "payload_too_large",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "The request is invalid",
            ApiError::NotFound { .. } => "Not found",
            ApiError::Unauthorized(_) => "Authentication required",
            ApiError::Forbidden(_) => "Not allowed for this role",
            ApiError::Conflict(_) => "Conflict with the current state",
            ApiError::TooLarge(_) => "Request body too large",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let detail = match self {
            // Internals stay in the log.
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:sanaw:problem:{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail,
            code: self.code(),
            errors: match self {
                ApiError::Invalid(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(message) | ApiError::Unavailable(message) = self {
            tracing::error!(error = %message, code = self.code(), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if matches!(self, ApiError::Unavailable(_)) {
            // A busy search queue or a database pool drains in well under a second.
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        response.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Pool(_) | StoreError::Worker => ApiError::Unavailable(error.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<WorkersError> for ApiError {
    fn from(error: WorkersError) -> Self {
        ApiError::Unavailable(error.to_string())
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        ApiError::Unavailable(error.to_string())
    }
}

/// Maps actix's own JSON body errors (size, syntax, types) to problems.
pub fn json_error(error: actix_web::error::JsonPayloadError, limit: usize) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match error {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::TooLarge(limit),
        E::ContentType => ApiError::invalid("Content-Type", "expected application/json"),
        E::Deserialize(inner) => {
            let at = format!("line {} column {}", inner.line(), inner.column());
            ApiError::invalid("body", format!("{inner} (at {at})"))
        }
        other => ApiError::invalid("body", other.to_string()),
    }
}

/// Maps query-string errors (unknown or malformed parameters) to problems.
pub fn query_error(error: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::invalid("query", error.to_string())
}

/// Maps path errors to problems.
pub fn path_error(error: actix_web::error::PathError) -> ApiError {
    ApiError::invalid("path", error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_search_is_a_503_problem_that_says_when_to_retry() {
        let error = ApiError::from(WorkersError::Busy(128));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header(header::RETRY_AFTER), Some("1"));
        assert_eq!(
            header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        assert_eq!(error.code(), "unavailable");
        assert!(error.to_string().contains("128 searches are waiting"));
    }
}
