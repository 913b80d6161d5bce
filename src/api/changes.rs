//! The change feed: every change to the register in order, as pages or as
//! Server-Sent Events, from the first change ever made.

use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Code, Problem};
use super::params::parse_stat_id_in;
use super::AppState;
use crate::domain::access::Caller;
use crate::domain::source::{Origin, Source};
use crate::domain::stat_id::StatId;
use crate::store::feed::{self, FeedEntry, FeedFilter};
use crate::store::units;

/// The largest page.
const MAX_PAGE: i64 = 1_000;
/// Changes read per step of a stream.
const STREAM_PAGE: i64 = 500;
/// How often a stream with nothing to send looks for new changes.
const STREAM_POLL: Duration = Duration::from_millis(100);

/// Which changes, from where.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Changes after this sequence number (default 0: from the first).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000); a stream given a
    /// limit ends after that many changes.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only changes to this unit.
    #[param(pattern = r"^[1-9][0-9]{8}$")]
    pub unit: Option<String>,
    /// Only `created` or `updated` changes.
    #[param(inline, value_type = Option<ChangeKind>)]
    pub kind: Option<String>,
    /// Only changes that recorded this source's statements.
    #[param(inline, value_type = Option<Source>)]
    pub source: Option<String>,
}

/// The kinds of change.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ChangeKind {
    /// The unit was created.
    Created,
    /// The unit was changed.
    Updated,
}

/// A field a change set.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    /// The field: an attribute, `kind`, `link` or `event`.
    pub field: String,
    /// Its new value (`null`: cleared); absent when withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub value: Option<serde_json::Value>,
    /// True when the value is confidential and the caller may not see it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// Its sequence number: changes are numbered in commit order.
    pub seq: i64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// `created` or `updated`.
    pub kind: String,
    /// The source whose statement it recorded, if any.
    pub source: Option<String>,
    /// The act that made it: a load, a submission or a review decision.
    pub origin: Origin,
    /// The fields it changed, with their new values; never empty.
    pub fields: Vec<FieldView>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// The changes, oldest first.
    pub changes: Vec<ChangeView>,
    /// Pass as `after` for the next page (the last seq here, or `after` when empty).
    pub next_after: i64,
    /// The register's newest sequence number.
    pub register_version: i64,
}

/// The filter and starting point a query asks for.
fn read_query(query: &FeedQuery) -> Result<(i64, FeedFilter), ApiError> {
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::field(
            Code::OutOfRange,
            "after",
            "expected 0 or more",
        ));
    }
    let unit = match query.unit.as_deref() {
        None => None,
        Some(text) => Some(parse_stat_id_in("unit", text)?),
    };
    let kind = match query.kind.as_deref() {
        None => None,
        Some("created") => Some("created"),
        Some("updated") => Some("updated"),
        Some(_) => {
            return Err(ApiError::field(
                Code::UnknownValue,
                "kind",
                "expected created or updated",
            ))
        }
    };
    let source = match query.source.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<Source>()
                .map_err(|_| {
                    ApiError::field(
                        Code::UnknownValue,
                        "source",
                        "expected tax, justice, statistics or register",
                    )
                })?
                .as_str(),
        ),
    };
    Ok((after, FeedFilter { unit, kind, source }))
}

fn view(entry: FeedEntry, caller: &Caller) -> ChangeView {
    let fields = entry
        .fields
        .into_iter()
        .map(|field| {
            let hidden = field
                .attribute
                .is_some_and(|attribute| !caller.may_see(attribute.disclosure()));
            FieldView {
                field: field.name,
                value: (!hidden).then_some(field.value),
                withheld: hidden,
            }
        })
        .collect();
    ChangeView {
        seq: entry.seq,
        at: entry.at.and_utc(),
        stat_id: entry.unit,
        kind: entry.kind,
        source: entry.source,
        origin: entry.origin,
        fields,
    }
}

/// Every change to the register since a sequence number, oldest first.
///
/// Replays from the first change ever made, whatever made it: a load, a
/// submission or a review decision. Confidential values (employees,
/// turnover, tax figures) are served to staff and analysts only; for others
/// the field is listed as `withheld`.
#[utoipa::path(
    tag = "changes",
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangePage),
        (status = 400, description = "Invalid filter or paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<ChangePage>, ApiError> {
    let (after, filter) = read_query(&query)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            Code::OutOfRange,
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    let (entries, register_version) = state
        .db
        .read(move |conn| {
            let entries = feed::page(conn, after, limit, &filter)?;
            Ok((entries, units::register_version(conn)?))
        })
        .await?;
    let next_after = entries.last().map_or(after, |entry| entry.seq);
    let changes = entries
        .into_iter()
        .map(|entry| view(entry, &caller))
        .collect();
    Ok(web::Json(ChangePage {
        changes,
        next_after,
        register_version,
    }))
}

/// The feed as Server-Sent Events, live.
///
/// Each change is an event `change` with `id:` its sequence number and the
/// change as JSON data. It starts after `Last-Event-ID` (a reconnecting
/// client sends it) or `after`, sends every change since, then each new one
/// as it commits, and a comment line as a heartbeat when idle.
#[utoipa::path(
    tag = "changes",
    params(
        FeedQuery,
        ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "Resume after this sequence number; wins over `after`"),
    ),
    responses(
        (status = 200, description = "An endless stream of changes", content_type = "text/event-stream", body = String),
        (status = 400, description = "Invalid filter or Last-Event-ID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
#[get("/changes/stream")]
pub async fn stream_changes(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, filter) = read_query(&query)?;
    let left = match query.limit {
        None => None,
        Some(limit) if (1..=MAX_PAGE).contains(&limit) => Some(limit as usize),
        Some(_) => {
            return Err(ApiError::field(
                Code::OutOfRange,
                "limit",
                format!("expected 1 to {MAX_PAGE}"),
            ))
        }
    };
    let cursor = last_event_id(request.headers())?.unwrap_or(after);
    let follow = Follow {
        left,
        state: state.clone(),
        caller,
        filter,
        cursor,
        heartbeat: state.heartbeat,
        last_sent: Instant::now(),
    };
    let stream = futures_util::stream::unfold(follow, |mut follow| async move {
        if follow.left == Some(0) {
            return None;
        }
        let bytes = follow.next().await;
        Some((bytes, follow))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("Last-Event-ID") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .filter(|seq| *seq >= 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::field(
                Code::InvalidParameter,
                "Last-Event-ID",
                "expected a sequence number, as the stream's `id:` lines give it",
            )
        })
}

/// One consumer's place in the feed.
struct Follow {
    /// How many changes it still wants; `None`: all, forever.
    left: Option<usize>,
    state: web::Data<AppState>,
    caller: Caller,
    filter: FeedFilter,
    cursor: i64,
    heartbeat: Duration,
    last_sent: Instant,
}

impl Follow {
    /// The next bytes to send: changes when there are any, a heartbeat
    /// when there have been none for a while.
    async fn next(&mut self) -> Result<Bytes, actix_web::Error> {
        loop {
            let (after, filter) = (self.cursor, self.filter.clone());
            let page = self
                .left
                .map_or(STREAM_PAGE, |left| (left as i64).min(STREAM_PAGE));
            let entries = self
                .state
                .db
                .read(move |conn| feed::page(conn, after, page, &filter))
                .await
                .map_err(ApiError::from)?;
            if let Some(last) = entries.last() {
                self.cursor = last.seq;
                self.left = self.left.map(|left| left.saturating_sub(entries.len()));
                self.last_sent = Instant::now();
                return Ok(self.events(entries));
            }
            if self.last_sent.elapsed() >= self.heartbeat {
                self.last_sent = Instant::now();
                return Ok(Bytes::from_static(b": heartbeat\n\n"));
            }
            actix_web::rt::time::sleep(STREAM_POLL).await;
        }
    }

    fn events(&self, entries: Vec<FeedEntry>) -> Bytes {
        let mut text = String::with_capacity(entries.len() * 400);
        for entry in entries {
            let seq = entry.seq;
            // Serialising plain data cannot fail.
            let data = serde_json::to_string(&view(entry, &self.caller)).unwrap_or_default();
            text.push_str(&format!("id: {seq}\nevent: change\ndata: {data}\n\n"));
        }
        Bytes::from(text)
    }
}
