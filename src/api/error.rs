//! The one place where errors become HTTP answers.
//!
//! Every answer besides success is an `ApiError`: a [`Code`] from the one
//! catalogue below, which fixes its stable name, its HTTP status and its
//! title, plus what went wrong this time. It is served as
//! `application/problem+json` (RFC 9457). Internal errors are logged here,
//! once, and answered without their internals. The catalogue is also listed
//! in the API description (`api::catalogue_markdown`).
//!
//! 503 with `Retry-After` means "busy, try again" and nothing else; a fault
//! (a panic, an unreadable index, a stopped worker) is a 500.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::access::Role;
use crate::search::workers::WorkersError;
use crate::search::SearchError;
use crate::store::StoreError;

/// Declares the problem catalogue: each code's name, status and title.
macro_rules! catalogue {
    ($($(#[$meta:meta])* $variant:ident = ($name:literal, $status:literal, $title:literal)),+ $(,)?) => {
        /// Every kind of problem the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($(#[$meta])* $variant),+
        }

        impl Code {
            /// Every code, in the catalogue's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable name, as served in `code` and at the end of `type`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name),+
                }
            }

            /// The HTTP status answered with it.
            pub fn status(self) -> u16 {
                match self {
                    $(Code::$variant => $status),+
                }
            }

            /// A short summary of the kind of problem.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title),+
                }
            }
        }
    };
}

catalogue! {
    /// Several inputs are invalid, each named in `errors`.
    InvalidRequest = ("invalid_request", 400, "The request is invalid"),
    /// A parameter's value is not one the operation takes.
    InvalidParameter = ("invalid_parameter", 400, "A parameter is invalid"),
    /// A query parameter the operation does not take.
    UnknownParameter = ("unknown_parameter", 400, "Unknown parameter"),
    /// A required value is missing.
    MissingValue = ("missing_value", 400, "A required value is missing"),
    /// A value is not one of the words a parameter takes.
    UnknownValue = ("unknown_value", 400, "Unknown value"),
    /// A number outside the range a parameter takes.
    OutOfRange = ("out_of_range", 400, "A value is out of range"),
    /// A text longer than a parameter takes.
    TooLong = ("too_long", 400, "A value is too long"),
    /// A stat_id that is not nine digits.
    StatIdMalformed = ("stat_id_malformed", 400, "Not a stat_id"),
    /// A stat_id whose check digit does not match: a mistyped digit.
    StatIdCheckDigit = ("stat_id_check_digit", 400, "The stat_id's check digit does not match"),
    /// A date not written YYYY-MM-DD.
    InvalidDate = ("invalid_date", 400, "Not a date"),
    /// A date outside 1800-01-01 to 2100-12-31.
    DateOutOfRange = ("date_out_of_range", 400, "Date out of range"),
    /// Not an activity code of any level.
    ActivityCodeMalformed = ("activity_code_malformed", 400, "Not an activity code"),
    /// A page cursor that is not this query's.
    InvalidCursor = ("invalid_cursor", 400, "The cursor does not belong to this query"),
    /// A JSON body that is malformed or of the wrong shape.
    InvalidBody = ("invalid_body", 400, "The request body is invalid"),
    /// An upload without a byte.
    UploadEmpty = ("upload_empty", 400, "The upload is empty"),
    /// An upload whose connection broke before its end.
    UploadIncomplete = ("upload_incomplete", 400, "The upload was cut short"),
    /// An event name the register does not know.
    UnknownEvent = ("unknown_event", 400, "Unknown event"),
    /// A batch of more events than a submission takes.
    BatchTooLarge = ("batch_too_large", 400, "Too many events in one submission"),
    /// More reconciliation queries (or ids to extend) than one request takes.
    TooManyQueries = ("too_many_queries", 400, "Too many queries in one request"),
    /// A reconciliation property the service does not have.
    UnknownProperty = ("unknown_property", 400, "Unknown property"),
    /// An effective date further ahead than the register takes.
    DateBeyondHorizon = ("date_beyond_horizon", 400, "Date too far in the future"),
    /// A column the units export does not have, or one named twice.
    UnknownColumn = ("unknown_column", 400, "Unknown column"),
    /// A search behind an export that finds more units than an export by query takes.
    TooManyMatches = ("too_many_matches", 400, "The query finds too many units"),
    /// No token where one is needed.
    TokenRequired = ("token_required", 401, "Authentication required"),
    /// A token that is malformed, unknown or revoked.
    TokenInvalid = ("token_invalid", 401, "Invalid token"),
    /// A token whose role may not do this.
    RoleForbidden = ("role_forbidden", 403, "Not allowed for this role"),
    /// A page form whose CSRF token is not the browser's cookie.
    CsrfMismatch = ("csrf_mismatch", 403, "The form's CSRF token does not match"),
    /// An agency token acting for another agency's source.
    OtherAgency = ("other_agency", 403, "Not this agency's source"),
    /// No unit with this stat_id.
    UnitNotFound = ("unit_not_found", 404, "No such unit"),
    /// No such load, or one of another agency.
    LoadNotFound = ("load_not_found", 404, "No such load"),
    /// No such review item.
    ReviewItemNotFound = ("review_item_not_found", 404, "No such review item"),
    /// No such live token.
    TokenNotFound = ("token_not_found", 404, "No such token"),
    /// No such classification code.
    CodeNotFound = ("code_not_found", 404, "No such code"),
    /// No frame of this name.
    FrameNotFound = ("frame_not_found", 404, "No such frame"),
    /// No such route.
    RouteNotFound = ("route_not_found", 404, "No such route"),
    /// The route has no operation for this method; `Allow` lists those it has.
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed"),
    /// An `Idempotency-Key` already used for a different request.
    IdempotencyKeyReused = ("idempotency_key_reused", 409, "Idempotency key already used"),
    /// A frame name already taken: frames are never replaced.
    FrameExists = ("frame_exists", 409, "A frame of this name exists"),
    /// The unit changed since the version named in `If-Match`.
    PreconditionFailed = ("precondition_failed", 412, "The unit has changed"),
    /// An event about a unit that is not alive on its date.
    UnitNotAlive = ("unit_not_alive", 422, "The unit is not alive"),
    /// Reactivating a unit that is alive.
    UnitAlive = ("unit_alive", 422, "The unit is alive"),
    /// A date before the unit's birth.
    DateBeforeBirth = ("date_before_birth", 422, "Before the unit's birth"),
    /// A unit merged into, or controlling, itself.
    IntoItself = ("into_itself", 422, "A unit cannot act on itself"),
    /// A unit of the wrong kind for the event.
    UnitKindMismatch = ("unit_kind_mismatch", 422, "Wrong kind of unit"),
    /// An event that would change nothing.
    NoChange = ("no_change", 422, "Nothing to change"),
    /// A review item that has already been decided.
    ReviewItemDecided = ("review_item_decided", 409, "Already decided"),
    /// A JSON body over the size limit.
    BodyTooLarge = ("body_too_large", 413, "Request body too large"),
    /// An upload over the size limit.
    UploadTooLarge = ("upload_too_large", 413, "Upload too large"),
    /// A body of a media type the operation does not take.
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported media type"),
    /// An unexpected fault; it has been logged.
    Internal = ("internal_error", 500, "Internal error"),
    /// The search index cannot be read; it has been logged.
    IndexUnavailable = ("index_unavailable", 500, "The search index cannot be read"),
    /// A background thread (loads, the index follower) has stopped.
    WorkerStopped = ("worker_stopped", 500, "A background worker has stopped"),
    /// Every search thread is busy and the queue is full: retry shortly.
    SearchBusy = ("search_busy", 503, "Search is busy"),
    /// No database connection came free in time: retry shortly.
    DatabaseBusy = ("database_busy", 503, "The database is busy"),
    /// As many exports are running as the service runs at once: retry shortly.
    ExportsBusy = ("exports_busy", 503, "Too many exports running"),
}

/// One offending input: which field, what is wrong with it, and the code of that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, parameter or header, e.g. `as_of` or `Authorization`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
    /// The problem code of this field's fault (see the catalogue).
    #[serde(serialize_with = "code_name")]
    #[schema(value_type = String)]
    pub code: Code,
}

impl FieldError {
    /// A field whose value is invalid.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError::coded(Code::InvalidParameter, field, reason)
    }

    /// A field with a fault of a specific code.
    pub fn coded(code: Code, field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
            code,
        }
    }
}

fn code_name<S: serde::Serializer>(code: &Code, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.as_str())
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
    /// The stable code name (also the last part of `type`); see the catalogue in the API description.
    pub code: &'static str,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything an API call can answer besides success.
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    detail: String,
    errors: Vec<FieldError>,
    allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// A problem of a code, with what went wrong this time.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            allow: None,
        }
    }

    /// A single invalid parameter.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::fields(vec![FieldError::new(field, reason)])
    }

    /// A single field with a fault of a specific code.
    pub fn field(code: Code, field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::fields(vec![FieldError::coded(code, field, reason)])
    }

    /// Invalid fields: the problem takes their code when they share one.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let code = match errors.split_first() {
            Some((first, rest)) if rest.iter().all(|e| e.code == first.code) => first.code,
            _ => Code::InvalidRequest,
        };
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            code,
            detail,
            errors,
            allow: None,
        }
    }

    /// Something asked for does not exist.
    pub fn not_found(code: Code, what: &str, id: impl std::fmt::Display) -> Self {
        let shown: String = id.to_string().chars().take(200).collect();
        ApiError::new(code, format!("{what} {shown} not found"))
    }

    /// A caller whose role is not among `roles`.
    pub fn forbidden(roles: &[Role]) -> Self {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        ApiError::new(
            Code::RoleForbidden,
            format!("this needs one of the roles: {}", names.join(", ")),
        )
    }

    /// A method the route does not have; `allow` lists those it has.
    pub fn method_not_allowed(method: &str, allowed: &[&str]) -> Self {
        let allow = allowed.join(", ");
        let mut error = ApiError::new(
            Code::MethodNotAllowed,
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        error.allow = Some(allow);
        error
    }

    /// An unexpected fault; `message` is logged, never served.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(Code::Internal, message)
    }

    /// Its code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        // These carry a raw error (a query, a panic, an index fault).
        let raw = matches!(self.code, Code::Internal | Code::IndexUnavailable);
        let detail = if raw {
            // Internals stay in the log.
            "an unexpected error occurred; it has been logged".to_owned()
        } else {
            self.detail.clone()
        };
        Problem {
            kind: format!("urn:sanaw:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status(),
            detail,
            code: self.code.as_str(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self.detail, code = self.code.as_str(), "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // A busy search queue or database pool drains in well under a second.
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        response.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Pool(_) => ApiError::new(Code::DatabaseBusy, error.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<WorkersError> for ApiError {
    fn from(error: WorkersError) -> Self {
        match error {
            WorkersError::Busy(_) => ApiError::new(Code::SearchBusy, error.to_string()),
            WorkersError::Stopped => ApiError::internal(error.to_string()),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        ApiError::new(Code::IndexUnavailable, error.to_string())
    }
}

/// Maps actix's own JSON body errors (size, syntax, types) to problems.
pub fn json_error(error: actix_web::error::JsonPayloadError, limit: usize) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match error {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
            Code::BodyTooLarge,
            format!("the request body is larger than the limit of {limit} bytes"),
        ),
        E::ContentType => ApiError::new(
            Code::UnsupportedMediaType,
            "expected a body of Content-Type application/json",
        ),
        E::Deserialize(inner) => {
            let message = inner.to_string();
            let field = named_in(&message, "missing field `")
                .or_else(|| named_in(&message, "unknown field `"))
                .unwrap_or_else(|| "body".to_owned());
            let code = if message.starts_with("missing field") {
                Code::MissingValue
            } else {
                Code::InvalidBody
            };
            ApiError::field(code, field, message)
        }
        other => ApiError::field(Code::InvalidBody, "body", other.to_string()),
    }
}

/// The name serde quotes after `prefix` in an error message, if it does.
pub fn named_in(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split('`').next()?.to_owned())
}

/// Maps query-string errors (unknown or malformed parameters) to problems,
/// naming the parameter when serde does.
pub fn query_error(error: actix_web::error::QueryPayloadError) -> ApiError {
    let message = error.to_string();
    let named = |prefix: &str| named_in(&message, prefix);
    if let Some(field) = named("unknown field `") {
        return ApiError::field(
            Code::UnknownParameter,
            field,
            "this operation takes no such parameter",
        );
    }
    if let Some(field) = named("missing field `") {
        return ApiError::field(Code::MissingValue, field, "this parameter is required");
    }
    if let Some(field) = named("duplicate field `") {
        return ApiError::field(Code::InvalidParameter, field, "given more than once");
    }
    ApiError::field(Code::InvalidParameter, "query", message)
}

/// Maps path errors to problems.
pub fn path_error(error: actix_web::error::PathError) -> ApiError {
    ApiError::field(Code::InvalidParameter, "path", error.to_string())
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
        assert_eq!(error.code(), Code::SearchBusy);
        assert!(error.problem().detail.contains("128 searches are waiting"));
    }

    #[test]
    fn a_fault_is_a_500_without_retry_after_or_internals() {
        for error in [
            ApiError::from(WorkersError::Stopped),
            ApiError::internal("database query: disk I/O error"),
        ] {
            let response = error.error_response();
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert!(response.headers().get(header::RETRY_AFTER).is_none());
            assert!(!error.problem().detail.contains("disk"));
        }
    }

    #[test]
    fn codes_are_unique_lowercase_names_with_real_statuses() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for name in &names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "a code name is used twice");
        for code in Code::ALL {
            assert!(StatusCode::from_u16(code.status()).is_ok(), "{code:?}");
            assert!(code.status() >= 400, "{code:?}");
        }
    }

    #[test]
    fn fields_of_one_kind_give_the_problem_their_code() {
        let one = ApiError::field(Code::StatIdCheckDigit, "stat_id", "mistyped");
        assert_eq!(one.code(), Code::StatIdCheckDigit);
        let mixed = ApiError::fields(vec![
            FieldError::coded(Code::OutOfRange, "limit", "too big"),
            FieldError::coded(Code::UnknownValue, "kind", "no such kind"),
        ]);
        assert_eq!(mixed.code(), Code::InvalidRequest);
        assert_eq!(mixed.problem().errors.len(), 2);
    }

    #[test]
    fn a_wrong_method_names_the_allowed_ones() {
        let response = ApiError::method_not_allowed("PUT", &["GET", "POST"]).error_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET, POST");
    }
}
