//! The audit trail: who did what to the register, when, through which act.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::error::{ApiError, Code, Problem};
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::store::audit::{self, AuditRow};

/// Admins read the whole trail; an agency its own entries.
const AUDITORS: &[Role] = &[Role::Admin, Role::Agency];
const MAX_PAGE: i64 = 1_000;

/// Paging of the trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this id (default 0).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// One entry of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Its place in the chain, from 1.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: the token's label, id and role.
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// The agency an agency token speaks for.
    pub agency: Option<String>,
    /// What: `submission`, `load`, `review`.
    pub action: String,
    /// Through which act: `submission:12`, `load:3`, `review:5`.
    pub subject: String,
    /// SHA-256 of the request.
    pub request_hash: String,
    /// The first change it made (see `/api/v1/changes`).
    pub first_seq: Option<i64>,
    /// The last change it made.
    pub last_seq: Option<i64>,
    /// How it ended.
    pub outcome: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash, over its fields and `prev_hash`.
    pub hash: String,
}

/// A page of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The entries, oldest first.
    pub entries: Vec<AuditView>,
    /// Pass as `after` for the next page (the last id here, or `after` when empty).
    pub next_after: i64,
}

/// The audit trail, oldest first: for admins the whole of it, for an agency its own entries.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins and agencies only", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    require(&caller, AUDITORS)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::field(
            Code::OutOfRange,
            "after",
            "expected 0 or more",
        ));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            Code::OutOfRange,
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    let agency = match &caller {
        Caller::Token {
            role: Role::Agency,
            agency,
            ..
        } => Some(agency.map_or_else(|| "none".to_owned(), |a| a.as_str().to_owned())),
        _ => None,
    };
    let rows = state
        .db
        .read(move |conn| audit::list(conn, agency.as_deref(), after, limit))
        .await?;
    let next_after = rows.last().map_or(after, |row| row.id);
    Ok(web::Json(AuditPage {
        entries: rows.into_iter().map(view).collect(),
        next_after,
    }))
}

fn view(row: AuditRow) -> AuditView {
    AuditView {
        id: row.id,
        at: row.at.and_utc(),
        actor: row.actor,
        role: row.role,
        agency: row.agency,
        action: row.action,
        subject: row.subject,
        request_hash: row.request_hash,
        first_seq: row.first_seq,
        last_seq: row.last_seq,
        outcome: row.outcome,
        prev_hash: row.prev_hash,
        hash: row.hash,
    }
}
