//! Extract uploads as load tasks: 202 and a load id, then poll.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::require;
use super::error::{ApiError, Code, Problem};
use super::params::{accepts_csv, parse_day, parse_id};
use super::AppState;
use crate::domain::access::{Agency, Caller, Role};
use crate::domain::source::Source;
use crate::ingest::extract::Encoding;
use crate::ingest::load::{RejectionView, Report};
use crate::store::loads::{self, LoadRecord, LoadStatus, NewLoad, Rejection};
use crate::store::units::word;
use crate::store::Database;

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
    /// Which agency's extract.
    #[param(inline, value_type = Agency)]
    pub source: String,
    /// Report what would happen; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// From when the extract's statements hold (YYYY-MM-DD, 1800-01-01 to 2100-12-31); default today.
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    pub effective_date: Option<String>,
    /// The file's name, for the load list (up to 200 characters).
    #[param(max_length = 200)]
    pub file_name: Option<String>,
    /// The file's encoding; detected from the file when not given.
    #[param(inline, value_type = Option<Encoding>)]
    pub encoding: Option<String>,
}

/// An extract as uploaded: the CSV file's text, never empty.
pub struct CsvExtract;

impl utoipa::PartialSchema for CsvExtract {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .into()
    }
}

impl ToSchema for CsvExtract {}

/// A load as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadView {
    /// Its id.
    pub id: i64,
    /// Which source.
    pub source: Source,
    /// The file's name.
    pub file_name: Option<String>,
    /// Whether nothing was to be changed.
    pub dry_run: bool,
    /// The valid-from date of its statements.
    pub effective_date: NaiveDate,
    /// Where it is: `receiving` while the upload arrives, then `queued`, `running`, `done` or `failed`.
    pub status: LoadStatus,
    /// Who asked for it: the token's label and role, or for an agency
    /// reading a load its staff asked for, the role alone.
    pub requested_by: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// The report, once done.
    pub report: Option<Report>,
    /// Why it failed.
    pub error: Option<String>,
}

impl LoadView {
    /// The view of a load for a caller: an agency does not see the names
    /// of the register's staff.
    fn of(record: LoadRecord, caller: &Caller) -> Result<Self, ApiError> {
        let source = word("loads.source", &record.source)?;
        let status = word("loads.status", &record.status)?;
        let requested_by = match caller.role() {
            Some(Role::Agency) => record.requested_by.as_deref().map(role_only),
            _ => record.requested_by,
        };
        Ok(LoadView {
            id: record.id,
            source,
            file_name: record.file_name,
            dry_run: record.dry_run,
            effective_date: record.effective_date,
            status,
            requested_by,
            created_at: record.created_at.and_utc(),
            finished_at: record.finished_at.map(|at| at.and_utc()),
            report: record
                .report
                .and_then(|json| serde_json::from_str(&json).ok()),
            error: record.error,
        })
    }
}

/// `label (token 7, statistician)` → `statistician`: the role without the person.
fn role_only(requested_by: &str) -> String {
    let role = requested_by
        .rsplit_once(", ")
        .map(|(_, role)| role)
        .or_else(|| requested_by.rsplit_once(" (").map(|(_, role)| role))
        .unwrap_or(requested_by);
    role.trim_end_matches(')').to_owned()
}

/// The answer to an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// The load's id.
    pub load_id: i64,
    /// `queued`.
    pub status: LoadStatus,
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
            return Err(ApiError::field(
                Code::UnknownValue,
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
            return Err(ApiError::new(
                Code::OtherAgency,
                format!("an agency token of {agency} may only load {agency} extracts"),
            ));
        }
    }
    let effective_date = match &query.effective_date {
        Some(text) => parse_day("effective_date", text).map_err(|e| ApiError::fields(vec![e]))?,
        None => Utc::now().date_naive(),
    };
    let encoding = match &query.encoding {
        Some(text) => Some(text.parse::<Encoding>().map_err(|_| {
            ApiError::field(
                Code::UnknownValue,
                "encoding",
                "expected utf-8 or windows-1251",
            )
        })?),
        None => None,
    };
    if query
        .file_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 200)
    {
        return Err(ApiError::field(
            Code::TooLong,
            "file_name",
            "at most 200 characters",
        ));
    }
    Ok(Upload {
        source,
        effective_date,
        encoding,
    })
}

/// Uploads an extract (the CSV as the request body) and queues its load.
///
/// The upload is written to disk and synced before its load is queued: an
/// upload cut short is marked failed and never loaded.
#[utoipa::path(
    tag = "loads",
    params(UploadQuery),
    request_body(content = CsvExtract, content_type = "text/csv", description = "The extract, in the format of docs/SOURCES.md"),
    responses(
        (status = 202, description = "Queued; poll the location", body = Accepted),
        (status = 400, description = "Invalid parameters, or an empty or broken upload", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not upload, or another agency's source", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Upload too large", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The loading thread has stopped", body = Problem, content_type = "application/problem+json"),
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
    let load_id = accept(&state, &caller, &query, &mut body).await?;
    let location = format!("/api/v1/loads/{load_id}");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location.clone()))
        .json(Accepted {
            load_id,
            status: LoadStatus::Queued,
            location,
        }))
}

/// Receives an upload to disk and queues its load: the API's and the loads page's.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    query: &UploadQuery,
    body: &mut web::Payload,
) -> Result<i64, ApiError> {
    require(caller, UPLOADERS)?;
    let Upload {
        source,
        effective_date,
        encoding,
    } = parse_upload(query, caller)?;
    let file_name = query.file_name.clone();
    let requested_by = who(caller);
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
                    status: LoadStatus::Receiving,
                    now: Utc::now().naive_utc(),
                },
            )
        })
        .await?;
    let partial = state.loads.partial_path(load_id);
    let whole = state.loads.upload_path(load_id);
    let received = match receive(body, &partial, state.upload_limit).await {
        Ok(()) => publish(partial.clone(), whole).await,
        Err(error) => Err(error),
    };
    if let Err(error) = received {
        let _ = std::fs::remove_file(&partial);
        set_status(
            state,
            load_id,
            LoadStatus::Failed,
            Some(error.problem().detail),
        )
        .await?;
        return Err(error);
    }
    set_status(state, load_id, LoadStatus::Queued, None).await?;
    if state.loads.submit(load_id).is_err() {
        let reason = "the loading thread has stopped; the load was not run".to_owned();
        set_status(state, load_id, LoadStatus::Failed, Some(reason)).await?;
        return Err(ApiError::new(
            Code::WorkerStopped,
            "the loading thread has stopped",
        ));
    }
    Ok(load_id)
}

async fn set_status(
    state: &AppState,
    load_id: i64,
    status: LoadStatus,
    error: Option<String>,
) -> Result<(), ApiError> {
    state
        .db
        .write(move |conn| {
            let now = Utc::now().naive_utc();
            loads::set_status(conn, load_id, status, None, error.as_deref(), now)
        })
        .await?;
    Ok(())
}

/// Streams the body to `path`, refusing it past the limit, and syncs it to
/// disk: a load is queued only for a file that is whole and durable.
async fn receive(
    body: &mut web::Payload,
    path: &std::path::Path,
    limit: u64,
) -> Result<(), ApiError> {
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(saving)?;
    let mut file = Some(std::io::BufWriter::with_capacity(1 << 20, file));
    let mut size: u64 = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 20);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::field(
                Code::UploadIncomplete,
                "body",
                format!("the upload broke off: {e}"),
            )
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::new(
                Code::UploadTooLarge,
                format!("the upload is larger than the limit of {limit} bytes"),
            ));
        }
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= 1 << 20 {
            let full = std::mem::take(&mut buffer);
            let mut writer = file
                .take()
                .ok_or_else(|| ApiError::internal("upload file"))?;
            writer = web::block(move || writer.write_all(&full).map(|()| writer))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?
                .map_err(saving)?;
            file = Some(writer);
        }
    }
    if size == 0 {
        return Err(ApiError::field(
            Code::UploadEmpty,
            "body",
            "the upload is empty: expected a CSV extract",
        ));
    }
    let writer = file
        .take()
        .ok_or_else(|| ApiError::internal("upload file"))?;
    web::block(move || {
        let mut writer = writer;
        writer.write_all(&buffer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(saving)
}

/// Renames a whole upload to where the loading thread looks, and syncs the
/// folder so the rename survives a power cut.
async fn publish(partial: std::path::PathBuf, whole: std::path::PathBuf) -> Result<(), ApiError> {
    web::block(move || {
        std::fs::rename(&partial, &whole)?;
        match whole.parent() {
            Some(folder) => std::fs::File::open(folder)?.sync_all(),
            None => Ok(()),
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(saving)
}

fn saving(error: std::io::Error) -> ApiError {
    ApiError::internal(format!("saving an upload: {error}"))
}

/// How a token is named in the load list and decisions.
pub fn who(caller: &Caller) -> String {
    crate::changes::Actor::of(caller).map_or_else(|| "public".to_owned(), |actor| actor.name)
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
    Ok(web::Json(recent(&state, &caller).await?))
}

/// The last hundred loads `caller` may read, newest first.
pub async fn recent(state: &AppState, caller: &Caller) -> Result<Vec<LoadView>, ApiError> {
    require(caller, READERS)?;
    let records = state.db.read(|conn| loads::recent(conn, 100)).await?;
    records
        .into_iter()
        .filter(|r| may_read(caller, r))
        .map(|r| LoadView::of(r, caller))
        .collect()
}

/// One load, if `caller` may read it; `id` as given in a path.
pub async fn one(state: &AppState, caller: &Caller, id: &str) -> Result<LoadView, ApiError> {
    let record = load_for(state, caller, id).await?;
    LoadView::of(record, caller)
}

/// Every rejection of a load `caller` may read, as a streamed CSV body.
pub async fn rejections_download(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<HttpResponse, ApiError> {
    let record = load_for(state, caller, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"load-{}-rejections.csv\"", record.id),
        ))
        .streaming(rejections_csv(state.db.clone(), record.id)))
}

async fn load_for(state: &AppState, caller: &Caller, path: &str) -> Result<LoadRecord, ApiError> {
    require(caller, READERS)?;
    let id = parse_id("id", path)?;
    let record = state.db.read(move |conn| loads::find(conn, id)).await?;
    match record {
        Some(record) if may_read(caller, &record) => Ok(record),
        _ => Err(ApiError::not_found(Code::LoadNotFound, "load", id)),
    }
}

/// A load's status, and its report once done.
#[utoipa::path(
    tag = "loads",
    params(("id" = i64, Path, minimum = 1, description = "The load id")),
    responses(
        (status = 200, description = "The load", body = LoadView),
        (status = 400, description = "Not a load id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read loads", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such load (or not yours)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/loads/{id}")]
pub async fn get_load(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<LoadView>, ApiError> {
    Ok(web::Json(one(&state, &caller, &id).await?))
}

/// Paging of rejections.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RejectionQuery {
    /// Rejections after this line (cursor; default 0).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (default and maximum 1000). CSV answers give all.
    #[param(minimum = 1, maximum = 1000)]
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
    params(("id" = i64, Path, minimum = 1, description = "The load id"), RejectionQuery),
    responses(
        (status = 200, description = "Rejected rows: a JSON page, or with `Accept: text/csv` all of them as CSV `line,column,reason`, streamed",
            content(
                (RejectionPage = "application/json"),
                (String = "text/csv"),
            )
        ),
        (status = 400, description = "Invalid id or paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read loads", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such load (or not yours)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/loads/{id}/rejections")]
pub async fn get_rejections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<RejectionQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let record = load_for(&state, &caller, &id).await?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(MAX_PAGE);
    if after < 0 {
        return Err(ApiError::field(
            Code::OutOfRange,
            "after",
            "expected 0 or more",
        ));
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            Code::OutOfRange,
            "limit",
            format!("expected 1 to {MAX_PAGE}"),
        ));
    }
    if accepts_csv(&request) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .streaming(rejections_csv(state.db.clone(), record.id)));
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

/// Rejections read per page of the CSV stream.
const CSV_PAGE: i64 = 10_000;

/// All rejections of a load as CSV, streamed a page at a time: a load of a
/// badly broken million-row file has a million of them.
fn rejections_csv(
    db: Database,
    load_id: i64,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> {
    let header =
        futures_util::stream::once(async { Ok(Bytes::from_static(b"line,column,reason\n")) });
    let pages = futures_util::stream::unfold(Some(0_i64), move |after| {
        let db = db.clone();
        async move {
            let after = after?;
            let page = db
                .read(move |conn| loads::rejections_page(conn, load_id, after, CSV_PAGE))
                .await;
            let rows = match page {
                Ok(rows) => rows,
                // The answer has begun: all that is left is to break it off.
                Err(error) => return Some((Err(ApiError::from(error)), None)),
            };
            let last = rows.last()?.line;
            Some((csv_rows(&rows), Some(last)))
        }
    });
    header.chain(pages)
}

/// Rejections as CSV lines, without a header.
fn csv_rows(rows: &[Rejection]) -> Result<Bytes, ApiError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for row in rows {
        csv.write_record([
            row.line.to_string().as_str(),
            row.column_name.as_deref().unwrap_or_default(),
            row.reason.as_str(),
        ])
        .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Bytes::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_sees_the_role_that_asked_not_the_person() {
        assert_eq!(role_only("Aýna G. (token 7, statistician)"), "statistician");
        assert_eq!(role_only("token 3 (admin)"), "admin");
        assert_eq!(role_only("command line"), "command line");
    }
}
