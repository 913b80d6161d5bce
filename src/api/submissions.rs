//! Agencies' submissions: registration events, one or a batch, committed by
//! the submission desk and answered once durable.

use actix_web::http::header::HeaderMap;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::require;
use super::error::{ApiError, Code, FieldError, Problem};
use super::AppState;
use crate::changes::apply::Outcome;
use crate::changes::desk::{Answer, Submission};
use crate::changes::event::{self, Fault, Refusal, Rules, Submitted};
use crate::changes::Actor;
use crate::domain::access::{Caller, Role};
use crate::domain::attribute::Attribute;
use crate::domain::audit::sha256_hex;

const SUBMITTERS: &[Role] = &[Role::Agency, Role::Statistician, Role::Admin];
/// Most events one submission takes.
pub const MAX_BATCH: usize = 1_000;
/// The longest `Idempotency-Key`.
const MAX_KEY: usize = 255;

/// One event, as the register takes it. Which fields an event needs depends
/// on `event`; fields an event does not use are refused.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct SubmissionEvent {
    /// What happens.
    #[schema(inline)]
    event: EventName,
    /// The day it takes effect (YYYY-MM-DD); retroactive dates are fine,
    /// future ones up to the configured horizon (default 366 days).
    #[schema(format = Date, example = "2025-03-01")]
    effective_date: String,
    /// The unit the event is about (all but `register`, `merge` and `take_over`).
    #[schema(pattern = r"^[1-9][0-9]{8}$", example = "100000011")]
    stat_id: Option<String>,
    /// The new unit's attributes (`register`, `split_off`, `open_local_unit`).
    unit: Option<Attributes>,
    /// The attributes that change (`amend`); `null` clears one.
    changes: Option<Attributes>,
    /// The units that cease (`merge`, `take_over`), or the new units (`break_up`).
    #[schema(value_type = Option<Vec<Object>>)]
    units: Option<Vec<serde_json::Value>>,
    /// The unit that absorbs them (`merge`, `take_over`).
    #[schema(pattern = r"^[1-9][0-9]{8}$")]
    survivor: Option<String>,
    /// The controlling legal unit (`set_control`).
    #[schema(pattern = r"^[1-9][0-9]{8}$")]
    controller: Option<String>,
    /// Why: required of a statistician's or admin's correction.
    #[schema(max_length = 1000)]
    reason: Option<String>,
    /// The unit version the sender saw, as `If-Match` gives it for a single event.
    #[schema(minimum = 1)]
    if_match: Option<i64>,
    /// The agency whose statement this is: staff may submit for one; an
    /// agency only for itself. Without it staff make a register correction.
    #[schema(inline)]
    source: Option<crate::domain::access::Agency>,
}

/// The event names.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum EventName {
    Register,
    Amend,
    Liquidate,
    Reactivate,
    Merge,
    TakeOver,
    SplitOff,
    BreakUp,
    OpenLocalUnit,
    CloseLocalUnit,
    SetControl,
    EndControl,
}

/// A unit's attributes as a submission sets them.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct Attributes {
    /// Name as registered.
    name: Option<String>,
    /// Legal form code or name (see `/api/v1/legal-forms`).
    legal_form: Option<String>,
    /// Taxpayer number: 12 digits.
    #[schema(pattern = r"^[0-9]{12}$")]
    tin: Option<String>,
    /// Registration number.
    reg_number: Option<String>,
    /// NACE Rev. 2.1 code.
    activity_code: Option<String>,
    /// Institutional sector, S11 to S15.
    institutional_sector: Option<String>,
    /// Address.
    address: Option<String>,
    /// Region code (ISO 3166-2:TM) or name.
    region: Option<String>,
    /// Legal status word.
    status: Option<String>,
    /// Registration date.
    #[schema(format = Date)]
    birth_date: Option<String>,
    /// Persons employed.
    employees: Option<i64>,
    /// Annual turnover in manats, e.g. "1234.50".
    turnover: Option<String>,
    /// The year of the turnover.
    turnover_year: Option<i32>,
    /// Tax status word.
    tax_status: Option<String>,
    /// VAT registration.
    vat_registered: Option<bool>,
}

/// A batch: up to 1,000 events, each answered in order.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct Batch(Vec<SubmissionEvent>);

/// The request body: one event, or a batch of up to 1,000.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SubmissionBody {
    /// One event.
    One(Box<SubmissionEvent>),
    /// A batch, each event answered in order.
    Batch(Batch),
}

/// How one event ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResult {
    /// `accepted`, `review` or `rejected`.
    pub outcome: &'static str,
    /// The unit (accepted): for a birth or a new branch, the new unit.
    pub stat_id: Option<String>,
    /// The unit's version after the event: its ETag.
    pub version: Option<i64>,
    /// Units the event created.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub created: Vec<String>,
    /// Attributes that now show this statement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<&'static str>,
    /// Attributes where a higher-priority source still shows another value
    /// (the statement is kept; the conflict shows on the unit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outranked: Vec<&'static str>,
    /// For a birth of a unit the register had: how it was matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<&'static str>,
    /// The review item (review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_id: Option<i64>,
    /// Why it went to review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The candidates the matcher weighed (review).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// What is wrong (rejected), each naming its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The answer to one event.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionAnswer {
    /// The submission's id.
    pub submission_id: i64,
    /// How the event ended.
    #[serde(flatten)]
    pub result: EventResult,
}

/// What a submission is answered with: one event's result, or a batch's.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SubmissionResponse {
    /// One event.
    One(Box<SubmissionAnswer>),
    /// A batch.
    Batch(BatchAnswer),
}

/// The answer to a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    /// The submission's id.
    pub submission_id: i64,
    /// One result per event, in order.
    pub results: Vec<EventResult>,
}

/// Submits one registration event or a batch.
///
/// Needs an `Idempotency-Key`: a retry with the same key and body gets the
/// same answer and changes nothing; the same key with another body is 409.
/// The answer comes once the change is durable. A single event that is
/// refused is answered with its problem; in a batch each event has its own
/// result and a refused one changes nothing.
#[utoipa::path(
    tag = "submissions",
    params(
        ("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,255}$", description = "Unique per request of this agency (or staff token), 1 to 255 visible ASCII characters"),
        ("If-Match" = Option<String>, Header, pattern = "^(\\*|(W/)?\"[1-9][0-9]{0,15}\")$", description = "The unit's ETag, as GET /api/v1/units/{stat_id} gives it: refused with 412 if the unit changed since"),
    ),
    request_body(content = SubmissionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The event was accepted, or a batch's results", body = SubmissionResponse),
        (status = 202, description = "The event went to review", body = SubmissionAnswer),
        (status = 400, description = "Malformed body, header or event", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not submit, or another agency's source", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key used for another request", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The unit changed since If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JSON body", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The event does not fit the unit (dead, not yet born, itself…)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/submissions")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    require(&caller, SUBMITTERS)?;
    let actor =
        Actor::of(&caller).ok_or_else(|| ApiError::internal("a submitter without a token"))?;
    let key = idempotency_key(request.headers())?;
    let if_match = if_match(request.headers())?;
    let body = body.into_inner();
    let request_bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    let (items, batch) = match &body {
        serde_json::Value::Array(items) => (items.as_slice(), true),
        single => (std::slice::from_ref(single), false),
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::field(
            Code::BatchTooLarge,
            "body",
            format!(
                "a batch has 1 to {MAX_BATCH} events, this one {}",
                items.len()
            ),
        ));
    }
    if batch && if_match.is_some() {
        return Err(ApiError::field(
            Code::InvalidParameter,
            "If-Match",
            "If-Match goes with a single event; in a batch, give each event its `if_match`",
        ));
    }
    let rules_today = chrono::Utc::now().date_naive();
    let labels = &state.labels;
    let known_activity = |code: &str| labels.of(Attribute::Activity, code).is_some();
    let rules = Rules {
        today: rules_today,
        horizon_days: state.horizon_days,
        known_activity: &known_activity,
    };
    let events: Vec<Result<Submitted, Vec<Refusal>>> = items
        .iter()
        .map(|item| {
            event::read(item, &rules).map(|mut submitted| {
                submitted.if_match = submitted.if_match.or(if_match);
                submitted
            })
        })
        .collect();
    if !batch {
        if let Some(Err(refusals)) = events.first() {
            // Nothing to record: a malformed single event is refused before the desk.
            return Err(problem_of(refusals));
        }
    }
    let scope = match (actor.role, actor.agency) {
        (Role::Agency, Some(agency)) => format!("agency:{agency}"),
        _ => format!("token:{}", actor.token),
    };
    let submission = Submission {
        actor,
        scope,
        key,
        body_hash: sha256_hex(&request_bytes),
        request: request_bytes,
        events,
        render: if batch { render_batch } else { render_one },
    };
    match state.desk.submit(submission).await? {
        Answer::KeyReused => Err(ApiError::field(
            Code::IdempotencyKeyReused,
            "Idempotency-Key",
            "this key was used for a different request: use a new key for a new request",
        )),
        Answer::Done {
            status,
            body,
            replayed,
        } => {
            let status = actix_web::http::StatusCode::from_u16(status)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let content_type = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            Ok(HttpResponse::build(status)
                .content_type(content_type)
                .insert_header((
                    "Idempotent-Replayed",
                    if replayed { "true" } else { "false" },
                ))
                .body(body))
        }
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get("Idempotency-Key") else {
        return Err(ApiError::field(
            Code::MissingValue,
            "Idempotency-Key",
            "required: a new unique key per request, the same key for its retries",
        ));
    };
    let key = value.to_str().unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            Code::InvalidParameter,
            "Idempotency-Key",
            format!("expected 1 to {MAX_KEY} visible ASCII characters"),
        ));
    }
    Ok(key.to_owned())
}

/// The version in `If-Match: "N"` (a weak `W/"N"` too); `*` means any.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(actix_web::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let quoted = text.strip_prefix("W/").unwrap_or(text);
    quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|version| *version >= 1)
        .map(Some)
        .ok_or_else(|| {
            ApiError::field(
                Code::InvalidParameter,
                "If-Match",
                "expected an ETag as the unit gives it, e.g. \"42\"",
            )
        })
}

/// The problem code of a refusal.
fn code_of(fault: Fault) -> Code {
    match fault {
        Fault::Missing | Fault::ReasonRequired => Code::MissingValue,
        Fault::Invalid => Code::InvalidParameter,
        Fault::UnknownValue => Code::UnknownValue,
        Fault::TooLong => Code::TooLong,
        Fault::UnknownEvent => Code::UnknownEvent,
        Fault::StatIdMalformed => Code::StatIdMalformed,
        Fault::StatIdCheckDigit => Code::StatIdCheckDigit,
        Fault::InvalidDate => Code::InvalidDate,
        Fault::DateOutOfRange => Code::DateOutOfRange,
        Fault::BeyondHorizon => Code::DateBeyondHorizon,
        Fault::IntoItself => Code::IntoItself,
        Fault::UnitNotFound => Code::UnitNotFound,
        Fault::WrongKind => Code::UnitKindMismatch,
        Fault::NotAlive => Code::UnitNotAlive,
        Fault::Alive => Code::UnitAlive,
        Fault::BeforeBirth => Code::DateBeforeBirth,
        Fault::Stale => Code::PreconditionFailed,
        Fault::NoChange => Code::NoChange,
        Fault::OtherSource => Code::OtherAgency,
    }
}

fn field_errors(refusals: &[Refusal]) -> Vec<FieldError> {
    refusals
        .iter()
        .map(|r| FieldError::coded(code_of(r.fault), r.field.clone(), r.reason.clone()))
        .collect()
}

/// The problem a refused single event is answered with: the code of its
/// faults when they share one, else `invalid_request` (400).
fn problem_of(refusals: &[Refusal]) -> ApiError {
    ApiError::fields(field_errors(refusals))
}

/// The JSON name of an attribute, as submissions spell it.
fn json_name(attribute: Attribute) -> &'static str {
    match attribute {
        Attribute::Activity => "activity_code",
        other => other.as_str(),
    }
}

fn result_of(outcome: &Outcome) -> EventResult {
    let mut result = EventResult {
        outcome: "rejected",
        stat_id: None,
        version: None,
        created: Vec::new(),
        shown: Vec::new(),
        outranked: Vec::new(),
        matched: None,
        review_id: None,
        reason: None,
        candidates: Vec::new(),
        errors: Vec::new(),
    };
    match outcome {
        Outcome::Accepted(accepted) => {
            result.outcome = "accepted";
            result.stat_id = Some(accepted.stat_id.to_string());
            result.version = Some(accepted.version);
            result.created = accepted.created.iter().map(ToString::to_string).collect();
            result.shown = accepted.shown.iter().copied().map(json_name).collect();
            result.outranked = accepted.outranked.iter().copied().map(json_name).collect();
            result.matched = accepted.matched;
        }
        Outcome::Review(sent) => {
            result.outcome = "review";
            result.review_id = Some(sent.review_id);
            result.reason = Some(sent.reason.clone());
            result.candidates = sent.candidates.iter().map(ToString::to_string).collect();
        }
        Outcome::Rejected(refusals) => result.errors = field_errors(refusals),
    }
    result
}

fn render_one(id: i64, outcomes: &[Outcome]) -> (u16, String) {
    let Some(outcome) = outcomes.first() else {
        return (500, "{}".to_owned());
    };
    if let Outcome::Rejected(refusals) = outcome {
        let problem = problem_of(refusals).problem();
        let body = serde_json::to_string(&problem).unwrap_or_default();
        return (problem.status, body);
    }
    let status = if matches!(outcome, Outcome::Review(_)) {
        202
    } else {
        200
    };
    let answer = SubmissionAnswer {
        submission_id: id,
        result: result_of(outcome),
    };
    (status, serde_json::to_string(&answer).unwrap_or_default())
}

fn render_batch(id: i64, outcomes: &[Outcome]) -> (u16, String) {
    let answer = BatchAnswer {
        submission_id: id,
        results: outcomes.iter().map(result_of).collect(),
    };
    (200, serde_json::to_string(&answer).unwrap_or_default())
}
