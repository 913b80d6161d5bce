//! The review queue: rows the matcher was unsure of, decided by statisticians.

use actix_web::{get, post, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::error::{ApiError, Problem};
use super::loads::who;
use super::units::{parse_stat_id, shown_name};
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::source::{Origin, OriginKind, Source};
use crate::domain::stat_id::StatId;
use crate::domain::unit::UnitKind;
use crate::ingest::load::{CandidateView, PendingStatement};
use crate::store::register::{self, Statement};
use crate::store::review::{self, ReviewItem, ReviewStatus};
use crate::store::{units, AnyConnection, StoreError, StoreResult};

/// The rows carry confidential figures (turnover, employees): statisticians only.
const REVIEWERS: &[Role] = &[Role::Statistician, Role::Admin];
const MAX_PAGE: i64 = 100;

/// Filters and paging of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// `open` (default), `linked`, `created` or `rejected`.
    pub status: Option<String>,
    /// Only rows of this source.
    pub source: Option<String>,
    /// Items after this id (cursor).
    pub after: Option<i64>,
    /// At most this many (default 20, maximum 100).
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
}

/// One review item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// Its id.
    pub id: i64,
    /// The source of the row.
    pub source: String,
    /// The row's key, if it had one.
    pub source_key: Option<String>,
    /// The load that last brought the row, and its line there.
    pub load_id: i64,
    /// The line.
    pub line: i64,
    /// Why the matcher did not decide.
    pub reason: String,
    /// What the row says.
    #[schema(value_type = Object)]
    pub row: serde_json::Value,
    /// The candidates, best first.
    pub candidates: Vec<CandidateShown>,
    /// `open`, `linked`, `created` or `rejected`.
    pub status: String,
    /// The unit it was linked to or created.
    #[schema(value_type = Option<String>)]
    pub stat_id: Option<StatId>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
    /// The decider's note.
    pub note: Option<String>,
    /// When the item was opened.
    pub created_at: NaiveDateTime,
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
        Some(text) => text.parse().map_err(|_| {
            ApiError::invalid("status", "expected open, linked, created or rejected")
        })?,
    };
    let source = match query.source.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<Source>()
                .map_err(|_| ApiError::invalid("source", "expected tax, justice or statistics"))?,
        ),
    };
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    let after = query.after.unwrap_or(0);
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
        shown.push(CandidateShown {
            name: current_name(conn, candidate.stat_id)?,
            stat_id: candidate.stat_id,
            score: candidate.score,
            evidence: candidate.evidence,
        });
    }
    let statement: PendingStatement = serde_json::from_str(&item.statement).map_err(decode)?;
    Ok(ReviewView {
        id: item.id,
        source: item.source,
        source_key: item.source_key,
        load_id: item.load_id,
        line: item.line,
        reason: item.reason,
        row: serde_json::to_value(&statement.values).map_err(decode)?,
        candidates: shown,
        status: item.status,
        stat_id: item.unit_id.map(StatId::from_unit_number),
        decided_by: item.decided_by,
        decided_at: item.decided_at,
        note: item.note,
        created_at: item.created_at,
    })
}

/// The name a unit shows now, by source priority.
fn current_name(conn: &mut AnyConnection, stat_id: StatId) -> StoreResult<Option<String>> {
    let records = units::current_records(conn, &[stat_id.unit_number()])?;
    Ok(shown_name(&records, chrono::Utc::now().date_naive()))
}

/// A statistician's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `link` (to `stat_id`), `create` (a new unit) or `reject` (the row).
    pub decision: String,
    /// For `link`: the legal unit the row is about.
    pub stat_id: Option<String>,
    /// Why (up to 1000 characters).
    pub note: Option<String>,
}

/// Decides a review item; the decision is remembered for the same row in later extracts.
#[utoipa::path(
    tag = "review",
    params(("id" = i64, Path, description = "The review item id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Decided", body = ReviewView),
        (status = 400, description = "Invalid decision", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Statisticians and admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item or unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/review/{id}")]
pub async fn decide_review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: web::Json<Decision>,
) -> Result<web::Json<ReviewView>, ApiError> {
    require(&caller, REVIEWERS)?;
    let id = id.into_inner();
    let decision = body.into_inner();
    let target = match decision.decision.as_str() {
        "link" => {
            let text = decision
                .stat_id
                .as_deref()
                .ok_or_else(|| ApiError::invalid("stat_id", "required to link"))?;
            Some(parse_stat_id(text)?)
        }
        "create" | "reject" if decision.stat_id.is_some() => {
            return Err(ApiError::invalid("stat_id", "only a link names a unit"))
        }
        "create" | "reject" => None,
        _ => {
            return Err(ApiError::invalid(
                "decision",
                "expected link, create or reject",
            ))
        }
    };
    let note: Option<String> = decision.note.map(|n| n.chars().take(1_000).collect());
    let by = who(&caller);
    let kind = decision.decision;
    let outcome = state
        .db
        .write(move |conn| decide(conn, id, &kind, target, &by, note.as_deref()))
        .await?;
    let item = outcome?;
    let shown = state.db.read(move |conn| view(conn, item)).await?;
    Ok(web::Json(shown))
}

/// Applies a decision in one register write; API errors come back inside.
fn decide(
    conn: &mut AnyConnection,
    id: i64,
    kind: &str,
    target: Option<StatId>,
    by: &str,
    note: Option<&str>,
) -> StoreResult<Result<ReviewItem, ApiError>> {
    let Some(item) = review::find(conn, id)? else {
        return Ok(Err(ApiError::NotFound {
            what: "review item",
            id: id.to_string(),
        }));
    };
    if item.status != ReviewStatus::Open.as_str() {
        return Ok(Err(ApiError::Conflict(format!(
            "review item {id} was already decided: {}",
            item.status
        ))));
    }
    if let Some(stat_id) = target {
        let unit = units::find(conn, stat_id)?;
        match unit {
            Some(unit) if unit.kind == UnitKind::LegalUnit => {}
            Some(_) => {
                return Ok(Err(ApiError::invalid(
                    "stat_id",
                    "a row links to a legal unit",
                )))
            }
            None => {
                return Ok(Err(ApiError::NotFound {
                    what: "unit",
                    id: stat_id.to_string(),
                }))
            }
        }
    }
    let source: Source = item.source.parse().map_err(|_| StoreError::Corrupt {
        column: "review_items.source",
        value: item.source.clone(),
    })?;
    let pending: PendingStatement =
        serde_json::from_str(&item.statement).map_err(|e| StoreError::Encode(e.to_string()))?;
    let statement = Statement {
        source,
        source_key: pending.source_key.clone(),
        valid_from: pending.first_valid_from,
        values: pending.values.clone(),
    };
    let origin = Origin::new(OriginKind::Review, format!("review:{id}"));
    register::write(conn, origin, |writer| {
        let (status, unit) = match (kind, target) {
            ("link", Some(stat_id)) => {
                writer.record(stat_id, &statement)?;
                (ReviewStatus::Linked, Some(stat_id))
            }
            ("create", _) => {
                let (legal_unit, _) = writer.create_legal_unit(&statement)?;
                let birth = statement.values.birth_date.unwrap_or(statement.valid_from);
                writer.event(
                    EventKind::Birth,
                    birth,
                    &[(legal_unit, EventRole::Subject)],
                    None,
                )?;
                (ReviewStatus::Created, Some(legal_unit))
            }
            _ => (ReviewStatus::Rejected, None),
        };
        let now = writer.now();
        let unit_id = unit.map(StatId::unit_number);
        review::decide(writer.connection(), id, status, unit_id, by, note, now)?;
        Ok(())
    })?;
    let decided = review::find(conn, id)?.ok_or(StoreError::Corrupt {
        column: "review_items.id",
        value: id.to_string(),
    })?;
    Ok(Ok(decided))
}
