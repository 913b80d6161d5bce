//! The review queue: rows the matcher was unsure of, decided by statisticians.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::error::{named_in, ApiError, Code, Problem};
use super::params::{parse_id, parse_stat_id};
use super::AppState;
use crate::changes::decision::{self, Refused, Verdict};
use crate::changes::Actor;
use crate::domain::access::{Agency, Caller, Role};
use crate::domain::attribute::{Attribute, Disclosure};
use crate::domain::source::Source;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship;
use crate::domain::UnknownWord;
use crate::ingest::load::{CandidateView, PendingStatement};
use crate::store::review::{self, ReviewItem, ReviewStatus};
use crate::store::units::{self, word};
use crate::store::{AnyConnection, StoreError, StoreResult};

/// The rows carry confidential figures (turnover, employees): statisticians only.
const REVIEWERS: &[Role] = &[Role::Statistician, Role::Admin];
const MAX_PAGE: i64 = 100;

/// Filters and paging of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Which items (default `open`).
    #[param(inline, value_type = Option<ReviewStatus>)]
    pub status: Option<String>,
    /// Only rows of this source.
    #[param(inline, value_type = Option<Agency>)]
    pub source: Option<String>,
    /// Items after this id (cursor).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// A candidate with its name, score and per-field evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateShown {
    /// The candidate unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// Its name as the register shows it now.
    pub name: Option<String>,
    /// The match score.
    pub score: f64,
    /// Each field's agreement level, similarity and contribution (log2 m/u).
    #[schema(value_type = Vec<Object>)]
    pub evidence: serde_json::Value,
    /// Its public attributes as the register shows them now, to set beside the row's.
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// One review item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// Its id.
    pub id: i64,
    /// The source of the row.
    pub source: Source,
    /// The row's key, if it had one.
    pub source_key: Option<String>,
    /// The load that last brought the row, if a load did.
    pub load_id: Option<i64>,
    /// The submission that brought it, if one did.
    pub submission_id: Option<i64>,
    /// The row's line in the load's file, or the event's number in the submission.
    pub line: i64,
    /// Why the matcher did not decide.
    pub reason: String,
    /// What the row says.
    #[schema(value_type = Object)]
    pub row: serde_json::Value,
    /// The candidates, best first.
    pub candidates: Vec<CandidateShown>,
    /// Where the item stands.
    pub status: ReviewStatus,
    /// The unit it was linked to or created.
    #[schema(value_type = Option<String>)]
    pub stat_id: Option<StatId>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decider's note.
    pub note: Option<String>,
    /// When the item was opened.
    pub created_at: DateTime<Utc>,
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    /// The items, oldest first.
    pub items: Vec<ReviewView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
    /// How many items are open in all.
    pub open: i64,
}

/// The review queue with candidates and evidence.
#[utoipa::path(
    tag = "review",
    params(ReviewQuery),
    responses(
        (status = 200, description = "A page of review items", body = ReviewPage),
        (status = 400, description = "Invalid filter or paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Statisticians and admins only", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/review")]
pub async fn list_review(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReviewQuery>,
) -> Result<web::Json<ReviewPage>, ApiError> {
    require(&caller, REVIEWERS)?;
    let status = match query.status.as_deref() {
        None => ReviewStatus::Open,
        Some(text) => text.parse().map_err(|e: UnknownWord| {
            ApiError::field(Code::UnknownValue, "status", e.to_string())
        })?,
    };
    let source = match query.source.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<Source>()
                .ok()
                .filter(|source| *source != Source::Register)
                .ok_or_else(|| {
                    ApiError::field(
                        Code::UnknownValue,
                        "source",
                        "expected tax, justice or statistics",
                    )
                })?,
        ),
    };
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            Code::OutOfRange,
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::field(
            Code::OutOfRange,
            "after",
            "expected 0 or more",
        ));
    }
    let page = state
        .db
        .read(move |conn| {
            let items = review::list(conn, status, source.map(Source::as_str), after, limit + 1)?;
            let open = review::count(conn, ReviewStatus::Open)?;
            let more = items.len() as i64 > limit;
            let views = items
                .into_iter()
                .take(limit as usize)
                .map(|item| view(conn, item))
                .collect::<StoreResult<Vec<_>>>()?;
            let next_after = more.then(|| views.last().map(|v| v.id)).flatten();
            Ok(ReviewPage {
                items: views,
                next_after,
                open,
            })
        })
        .await?;
    Ok(web::Json(page))
}

fn view(conn: &mut AnyConnection, item: ReviewItem) -> StoreResult<ReviewView> {
    let decode = |e: serde_json::Error| StoreError::Encode(e.to_string());
    let candidates: Vec<CandidateView> = serde_json::from_str(&item.candidates).map_err(decode)?;
    let mut shown = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let attributes = current_attributes(conn, candidate.stat_id)?;
        shown.push(CandidateShown {
            name: attributes
                .get(Attribute::Name.as_str())
                .and_then(|name| name.as_str())
                .map(str::to_owned),
            stat_id: candidate.stat_id,
            score: candidate.score,
            evidence: candidate.evidence,
            attributes,
        });
    }
    let statement: PendingStatement = serde_json::from_str(&item.statement).map_err(decode)?;
    let source = word("review_items.source", &item.source)?;
    let status = word("review_items.status", &item.status)?;
    Ok(ReviewView {
        id: item.id,
        source,
        source_key: item.source_key,
        load_id: item.load_id,
        submission_id: item.submission_id,
        line: item.line,
        reason: item.reason,
        row: serde_json::to_value(&statement.values).map_err(decode)?,
        candidates: shown,
        status,
        stat_id: item.unit_id.map(StatId::from_unit_number),
        decided_by: item.decided_by,
        decided_at: item.decided_at.map(|at| at.and_utc()),
        note: item.note,
        created_at: item.created_at.and_utc(),
    })
}

/// A unit's public attributes as shown now, by source priority.
fn current_attributes(
    conn: &mut AnyConnection,
    stat_id: StatId,
) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    let records = units::current_records(conn, &[stat_id.unit_number()])?;
    Ok(
        survivorship::resolve(&records, chrono::Utc::now().date_naive())
            .into_iter()
            .filter(|resolved| resolved.attribute.disclosure() == Disclosure::Public)
            .map(|resolved| {
                (
                    resolved.attribute.as_str().to_owned(),
                    resolved.chosen.value.to_json(),
                )
            })
            .collect(),
    )
}

/// A statistician's decision: a link names the unit, and only a link does
/// (so the document states the rule, not prose).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "decision", rename_all = "lowercase", deny_unknown_fields)]
pub enum Decision {
    /// The row is about the legal unit `stat_id`.
    Link {
        /// The legal unit the row is about.
        #[schema(pattern = r"^[1-9][0-9]{8}$", example = "100000011")]
        stat_id: String,
        /// Why (up to 1000 characters).
        #[schema(max_length = 1000)]
        note: Option<String>,
    },
    /// The row is about a unit the register does not have: create it.
    Create {
        /// Why (up to 1000 characters).
        #[schema(max_length = 1000)]
        note: Option<String>,
    },
    /// The row is unusable: reject it.
    Reject {
        /// Why (up to 1000 characters).
        #[schema(max_length = 1000)]
        note: Option<String>,
    },
}

/// What a decision does, once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecisionKind {
    Link,
    Create,
    Reject,
}

impl Decision {
    /// Reads a decision from its JSON, each fault naming its field.
    fn read(body: serde_json::Value) -> Result<Decision, ApiError> {
        serde_json::from_value(body).map_err(|error| {
            let message = error.to_string();
            let field = if message.contains("variant") || message.contains("`decision`") {
                "decision".to_owned()
            } else {
                named_in(&message, "missing field `")
                    .or_else(|| named_in(&message, "unknown field `"))
                    .unwrap_or_else(|| "body".to_owned())
            };
            let code = if message.starts_with("missing field") {
                Code::MissingValue
            } else {
                Code::InvalidBody
            };
            ApiError::field(code, field, message)
        })
    }

    /// What it does, the unit it names, and its note.
    fn parts(self) -> (DecisionKind, Option<String>, Option<String>) {
        match self {
            Decision::Link { stat_id, note } => (DecisionKind::Link, Some(stat_id), note),
            Decision::Create { note } => (DecisionKind::Create, None, note),
            Decision::Reject { note } => (DecisionKind::Reject, None, note),
        }
    }
}

/// The longest note a decision keeps.
const MAX_NOTE: usize = 1_000;

/// Decides a review item; the decision is remembered for the same row in later extracts.
#[utoipa::path(
    tag = "review",
    params(("id" = i64, Path, minimum = 1, description = "The review item id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Decided", body = ReviewView),
        (status = 400, description = "Invalid id or decision", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Statisticians and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item or unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JSON body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/review/{id}")]
pub async fn decide_review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<ReviewView>, ApiError> {
    require(&caller, REVIEWERS)?;
    let id = parse_id("id", &id)?;
    let decision = Decision::read(body.into_inner())?;
    Ok(web::Json(decide(&state, &caller, id, decision).await?))
}

/// Takes a reviewer's decision on an item: the API's and the review page's.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    decision: Decision,
) -> Result<ReviewView, ApiError> {
    require(caller, REVIEWERS)?;
    let (decision, stat_id, note) = decision.parts();
    let target = match stat_id {
        Some(text) => Some(parse_stat_id(&text)?),
        None => None,
    };
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(ApiError::field(
            Code::TooLong,
            "note",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    let actor =
        Actor::of(caller).ok_or_else(|| ApiError::internal("a reviewer without a token"))?;
    let verdict = match (decision, target) {
        (DecisionKind::Link, Some(stat_id)) => Verdict::Link(stat_id),
        (DecisionKind::Link, None) => {
            return Err(ApiError::field(
                Code::MissingValue,
                "stat_id",
                "a link names its unit",
            ))
        }
        (DecisionKind::Create, _) => Verdict::Create,
        (DecisionKind::Reject, _) => Verdict::Reject,
    };
    let request = request_bytes(id, verdict, note.as_deref());
    let outcome = state
        .db
        .write(move |conn| decision::decide(conn, &actor, id, verdict, note.as_deref(), &request))
        .await;
    let item = match outcome {
        Ok(Ok(item)) => item,
        Ok(Err(refused)) => return Err(refusal(refused)),
        Err(StoreError::Stale(reason)) => {
            return Err(ApiError::new(Code::ReviewItemDecided, reason))
        }
        Err(error) => return Err(error.into()),
    };
    Ok(state.db.read(move |conn| view(conn, item)).await?)
}

/// One open item of the queue with its neighbours: what the review page shows.
#[derive(Debug)]
pub struct QueueItem {
    /// The item, or none when the queue is empty.
    pub item: Option<ReviewView>,
    /// The open item before it.
    pub previous: Option<i64>,
    /// The open item after it.
    pub next: Option<i64>,
    /// How many items are open in all.
    pub open: i64,
}

/// The open item `id`, or the first open one after it (the oldest without an id).
pub async fn queue_item(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
) -> Result<QueueItem, ApiError> {
    require(caller, REVIEWERS)?;
    let after = id.map_or(0, |id| id - 1);
    Ok(state
        .db
        .read(move |conn| {
            let open = review::count(conn, ReviewStatus::Open)?;
            let mut first = review::list(conn, ReviewStatus::Open, None, after, 1)?;
            if first.is_empty() && after > 0 {
                // Past the end of the queue: back to its oldest item.
                first = review::list(conn, ReviewStatus::Open, None, 0, 1)?;
            }
            let Some(found) = first.pop() else {
                return Ok(QueueItem {
                    item: None,
                    previous: None,
                    next: None,
                    open,
                });
            };
            let (previous, next) = review::neighbours(conn, ReviewStatus::Open, found.id)?;
            Ok(QueueItem {
                item: Some(view(conn, found)?),
                previous,
                next,
                open,
            })
        })
        .await?)
}

/// What the audit trail hashes of a decision: the request, as read.
fn request_bytes(id: i64, verdict: Verdict, note: Option<&str>) -> Vec<u8> {
    format!("POST /api/v1/review/{id} {verdict:?} {note:?}").into_bytes()
}

/// The answer to a decision that was not taken.
fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::NoItem(id) => ApiError::not_found(Code::ReviewItemNotFound, "review item", id),
        Refused::Decided(reason) => ApiError::new(Code::ReviewItemDecided, reason),
        Refused::NoUnit(stat_id) => ApiError::not_found(Code::UnitNotFound, "unit", stat_id),
        Refused::NotLegalUnit(_) => ApiError::invalid("stat_id", "a row links to a legal unit"),
    }
}
