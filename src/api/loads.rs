//! Extract uploads as load tasks: 202 and a load id, then poll.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::error::{ApiError, Problem};
use super::units::parse_day;
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::source::Source;
use crate::ingest::extract::Encoding;
use crate::ingest::load::{RejectionView, Report};
use crate::store::loads::{self, LoadRecord, LoadStatus, NewLoad};

/// Who may upload: agencies (for their own source), statisticians, admins.
const UPLOADERS: &[Role] = &[Role::Agency, Role::Statistician, Role::Admin];
/// Who may read loads: the uploaders and analysts.
const READERS: &[Role] = &[Role::Agency, Role::Statistician, Role::Admin, Role::Analyst];
/// Rejections per page of the JSON answer.
const MAX_PAGE: i64 = 1_000;

/// Query of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `tax`, `justice` or `statistics`.
    pub source: String,
    /// Report what would happen; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// From when the extract's statements hold (YYYY-MM-DD); default today.
    pub effective_date: Option<String>,
    /// The file's name, for the load list.
    pub file_name: Option<String>,
    /// `utf-8` or `windows-1251`; detected from the beginning of the file when not given.
    pub encoding: Option<String>,
}

/// A load as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadView {
    /// Its id.
    pub id: i64,
    /// Which source.
    pub source: String,
    /// The file's name.
    pub file_name: Option<String>,
    /// Whether nothing was to be changed.
    pub dry_run: bool,
    /// The valid-from date of its statements.
    pub effective_date: NaiveDate,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Who asked for it.
    pub requested_by: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
    /// When it ended.
    pub finished_at: Option<NaiveDateTime>,
    /// The report, once done.
    pub report: Option<Report>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<LoadRecord> for LoadView {
    fn from(record: LoadRecord) -> Self {
        LoadView {
            id: record.id,
            source: record.source,
            file_name: record.file_name,
            dry_run: record.dry_run,
            effective_date: record.effective_date,
            status: record.status,
            requested_by: record.requested_by,
            created_at: record.created_at,
            finished_at: record.finished_at,
            report: record
                .report
                .and_then(|json| serde_json::from_str(&json).ok()),
            error: record.error,
        }
    }
}

/// The answer to an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// The load's id.
    pub load_id: i64,
    /// `queued`.
    pub status: String,
    /// Where to poll.
    pub location: String,
}

/// What an upload asks for, validated.
struct Upload {
    source: Source,
    effective_date: NaiveDate,
    encoding: Option<Encoding>,
}

fn parse_upload(query: &UploadQuery, caller: &Caller) -> Result<Upload, ApiError> {
    let source = match query.source.parse::<Source>() {
        Ok(source) if source != Source::Register => source,
        _ => {
            return Err(ApiError::invalid(
                "source",
                "expected tax, justice or statistics",
            ))
        }
    };
    if let Caller::Token {
        role: Role::Agency,
        agency: Some(agency),
        ..
    } = caller
    {
        if agency.as_str() != source.as_str() {
            return Err(ApiError::invalid(
                "source",
                format!("an agency token of {agency} may only load {agency} extracts"),
            ));
        }
    }
    let effective_date = match &query.effective_date {
        Some(text) => {
            parse_day("effective_date", text).map_err(|error| ApiError::Invalid(vec![error]))?
        }
        None => Utc::now().date_naive(),
    };
    let encoding = match &query.encoding {
        Some(text) => Some(
            text.parse::<Encoding>()
                .map_err(|_| ApiError::invalid("encoding", "expected utf-8 or windows-1251"))?,
        ),
        None => None,
    };
    Ok(Upload {
        source,
        effective_date,
        encoding,
    })
}

/// Uploads an extract (the CSV as the request body) and queues its load.
#[utoipa::path(
    tag = "loads",
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "The extract, in the format of SOURCES.md"),
    responses(
        (status = 202, description = "Queued; poll the location", body = Accepted),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not upload", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Upload too large", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/loads")]
pub async fn create_load(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require(&caller, UPLOADERS)?;
    let Upload {
        source,
        effective_date,
        encoding,
    } = parse_upload(&query, &caller)?;
    let file_name: Option<String> = query
        .file_name
        .as_ref()
        .map(|n| n.chars().take(200).collect());
    let requested_by = who(&caller);
    let dry_run = query.dry_run;
    let load_id = state
        .db
        .write(move |conn| {
            loads::create(
                conn,
                &NewLoad {
                    source,
                    file_name: file_name.as_deref(),
                    dry_run,
                    effective_date,
                    encoding,
                    requested_by: Some(&requested_by),
                    status: LoadStatus::Queued,
                    now: Utc::now().naive_utc(),
                },
            )
        })
        .await?;
    let path = state.loads.upload_path(load_id);
    let saved = save_upload(&mut body, &path, state.upload_limit).await;
    if let Err(error) = saved {
        let _ = std::fs::remove_file(&path);
        let message = error.to_string();
        state
            .db
            .write(move |conn| {
                let now = Utc::now().naive_utc();
                loads::set_status(conn, load_id, LoadStatus::Failed, None, Some(&message), now)
            })
            .await?;
        return Err(error);
    }
    state.loads.submit(load_id);
    let location = format!("/api/v1/loads/{load_id}");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location.clone()))
        .json(Accepted {
            load_id,
            status: LoadStatus::Queued.to_string(),
            location,
        }))
}

/// Streams the body to the upload file, refusing it past the limit.
async fn save_upload(
    body: &mut web::Payload,
    path: &std::path::Path,
    limit: u64,
) -> Result<(), ApiError> {
    use std::io::Write;
    let internal = |e: std::io::Error| ApiError::Internal(format!("saving an upload: {e}"));
    let file = std::fs::File::create(path).map_err(internal)?;
    let mut file = Some(std::io::BufWriter::with_capacity(1 << 20, file));
    let mut size: u64 = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 20);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid("body", e.to_string()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::TooLarge(limit as usize));
        }
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= 1 << 20 {
            let full = std::mem::take(&mut buffer);
            let mut writer = file
                .take()
                .ok_or_else(|| ApiError::Internal("upload file".into()))?;
            writer = web::block(move || writer.write_all(&full).map(|()| writer))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(internal)?;
            file = Some(writer);
        }
    }
    if size == 0 {
        return Err(ApiError::invalid(
            "body",
            "the upload is empty: expected a CSV extract",
        ));
    }
    let writer = file
        .take()
        .ok_or_else(|| ApiError::Internal("upload file".into()))?;
    web::block(move || {
        let mut writer = writer;
        writer.write_all(&buffer)?;
        writer.flush()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(internal)
}

/// How a token is named in the load list and decisions.
pub fn who(caller: &Caller) -> String {
    match caller {
        Caller::Public => "public".to_owned(),
        Caller::Token {
            id, label, role, ..
        } => match label {
            Some(label) => format!("{label} (token {id}, {role})"),
            None => format!("token {id} ({role})"),
        },
    }
}

/// An agency sees its own source's loads only.
fn may_read(caller: &Caller, record: &LoadRecord) -> bool {
    match caller {
        Caller::Token {
            role: Role::Agency,
            agency,
            ..
        } => agency.is_some_and(|a| a.as_str() == record.source),
        _ => true,
    }
}

/// The most recent loads.
#[utoipa::path(
    tag = "loads",
    responses(
        (status = 200, description = "The latest 100 loads, newest first", body = Vec<LoadView>),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read loads", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/loads")]
pub async fn list_loads(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<LoadView>>, ApiError> {
    require(&caller, READERS)?;
    let records = state.db.read(|conn| loads::recent(conn, 100)).await?;
    Ok(web::Json(
        records
            .into_iter()
            .filter(|r| may_read(&caller, r))
            .map(LoadView::from)
            .collect(),
    ))
}

async fn load_for(state: &AppState, caller: &Caller, id: i64) -> Result<LoadRecord, ApiError> {
    require(caller, READERS)?;
    let record = state.db.read(move |conn| loads::find(conn, id)).await?;
    match record {
        Some(record) if may_read(caller, &record) => Ok(record),
        _ => Err(ApiError::NotFound {
            what: "load",
            id: id.to_string(),
        }),
    }
}

/// A load's status, and its report once done.
#[utoipa::path(
    tag = "loads",
    params(("id" = i64, Path, description = "The load id")),
    responses(
        (status = 200, description = "The load", body = LoadView),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such load (or not yours)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/loads/{id}")]
pub async fn get_load(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<LoadView>, ApiError> {
    let record = load_for(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(record.into()))
}

/// Paging of rejections.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RejectionQuery {
    /// Rejections after this line (cursor; default 0).
    pub after: Option<i64>,
    /// At most this many (default and maximum 1000). CSV answers give all.
    pub limit: Option<i64>,
}

/// A page of rejections.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionPage {
    /// The rejected rows, by line.
    pub items: Vec<RejectionView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}

/// Each rejected row of a load with its line and reason; CSV with `Accept: text/csv`.
#[utoipa::path(
    tag = "loads",
    params(("id" = i64, Path, description = "The load id"), RejectionQuery),
    responses(
        (status = 200, description = "Rejected rows (JSON page, or the whole list as CSV `line,column,reason`)", body = RejectionPage),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such load (or not yours)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/loads/{id}/rejections")]
pub async fn get_rejections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<RejectionQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let record = load_for(&state, &caller, id.into_inner()).await?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(MAX_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    if wants_csv(&request) {
        let csv = state
            .db
            .read(move |conn| rejections_csv(conn, record.id))
            .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(csv));
    }
    let load_id = record.id;
    let rows = state
        .db
        .read(move |conn| loads::rejections_page(conn, load_id, after, limit + 1))
        .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<RejectionView> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| RejectionView {
            line: r.line as u64,
            column: r.column_name,
            reason: r.reason,
        })
        .collect();
    let next_after = more.then(|| items.last().map(|r| r.line as i64)).flatten();
    Ok(HttpResponse::Ok().json(RejectionPage { items, next_after }))
}

fn wants_csv(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"))
}

/// All rejections as CSV. Rejections are a small share of a file, so the
/// answer is built in one piece.
fn rejections_csv(
    conn: &mut crate::store::AnyConnection,
    load_id: i64,
) -> crate::store::StoreResult<Vec<u8>> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let encode = |e: csv::Error| crate::store::StoreError::Encode(e.to_string());
    csv.write_record(["line", "column", "reason"])
        .map_err(encode)?;
    let mut after = 0;
    loop {
        let page = loads::rejections_page(conn, load_id, after, 10_000)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.line;
        for row in &page {
            csv.write_record([
                row.line.to_string().as_str(),
                row.column_name.as_deref().unwrap_or_default(),
                row.reason.as_str(),
            ])
            .map_err(encode)?;
        }
    }
    csv.into_inner()
        .map_err(|e| crate::store::StoreError::Encode(e.to_string()))
}
