//! `/loads`: the load history, each load's report and rejected rows, and
//! uploading a new extract with its progress shown.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use super::language::Texts;
use super::visitor::Visitor;
use super::{answer, decode, html, Chrome};
use crate::api::error::{ApiError, Code};
use crate::api::loads::{accept, one, recent, rejections_download, LoadView, UploadQuery};
use crate::api::AppState;
use crate::store::loads::LoadStatus;

/// The loads page.
#[derive(Template)]
#[template(path = "loads.html")]
struct LoadsPage {
    page: Chrome,
    t: &'static Texts,
    loads: Vec<LoadRow>,
}

/// One load in the list.
struct LoadRow {
    id: i64,
    source: String,
    file_name: String,
    status: String,
    status_code: &'static str,
    created: String,
    read: String,
    rejected: String,
}

/// One load's page.
#[derive(Template)]
#[template(path = "load.html")]
struct LoadPage {
    page: Chrome,
    t: &'static Texts,
    load: LoadRow,
    running: bool,
    dry_run: bool,
    error: Option<String>,
    report: Vec<(&'static str, String, String)>,
    rejections: Vec<(u64, String, String)>,
    more_rejections: bool,
    notes: Vec<String>,
}

/// `GET /loads`: the last hundred loads and the upload form.
#[get("/loads")]
pub async fn loads_page(state: web::Data<AppState>, visitor: Visitor) -> HttpResponse {
    let outcome = show_list(&state, &visitor).await;
    answer(&visitor, outcome)
}

async fn show_list(state: &AppState, visitor: &Visitor) -> Result<HttpResponse, ApiError> {
    let loads = recent(state, &visitor.caller).await?;
    let texts = visitor.texts();
    let page = LoadsPage {
        page: Chrome::of(visitor, "loads"),
        t: texts,
        loads: loads.iter().map(|load| row(load, texts)).collect(),
    };
    Ok(html(visitor, StatusCode::OK, &page))
}

fn row(load: &LoadView, texts: &Texts) -> LoadRow {
    let count = |pick: fn(&crate::ingest::load::Report) -> u64| {
        load.report
            .as_ref()
            .map_or_else(String::new, |report| pick(report).to_string())
    };
    LoadRow {
        id: load.id,
        source: texts.of("source", load.source.as_str()).to_owned(),
        file_name: load.file_name.clone().unwrap_or_default(),
        status: texts.of("load-status", load.status.as_str()).to_owned(),
        status_code: load.status.as_str(),
        created: load.created_at.format("%Y-%m-%d %H:%M").to_string(),
        read: count(|report| report.rows_read),
        rejected: count(|report| report.rejected),
    }
}

/// `GET /loads/{id}`: a load, its report and its first rejected rows; it
/// refreshes itself until the load has ended.
#[get("/loads/{id}")]
pub async fn load_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> HttpResponse {
    let outcome = show_load(&state, &visitor, &id).await;
    answer(&visitor, outcome)
}

async fn show_load(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
) -> Result<HttpResponse, ApiError> {
    let load = one(state, &visitor.caller, id).await?;
    let texts = visitor.texts();
    let running = matches!(
        load.status,
        LoadStatus::Receiving | LoadStatus::Queued | LoadStatus::Running
    );
    let report = load.report.as_ref();
    let page = LoadPage {
        page: Chrome::of(visitor, "loads"),
        t: texts,
        load: row(&load, texts),
        running,
        dry_run: load.dry_run,
        error: load.error.clone(),
        report: report
            .map(|report| figures(report, texts))
            .unwrap_or_default(),
        rejections: report
            .map(|report| {
                report
                    .rejections
                    .iter()
                    .map(|r| {
                        (
                            r.line,
                            r.column.clone().unwrap_or_default(),
                            r.reason.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        more_rejections: report.is_some_and(|r| r.rejected > r.rejections.len() as u64),
        notes: report.map(|r| r.notes.clone()).unwrap_or_default(),
    };
    Ok(html(visitor, StatusCode::OK, &page))
}

/// The report's counts, each with its name (its element's id) and its words.
fn figures(
    report: &crate::ingest::load::Report,
    texts: &Texts,
) -> Vec<(&'static str, String, String)> {
    let counts = [
        ("rows_read", report.rows_read),
        ("accepted", report.accepted),
        ("rejected", report.rejected),
        ("units_created", report.units_created),
        ("units_updated", report.units_updated),
        ("units_unchanged", report.units_unchanged),
        ("review_opened", report.review_opened),
        ("review_pending", report.review_pending),
        ("conflicts", report.conflicts),
    ];
    let mut shown: Vec<(&'static str, String, String)> = counts
        .into_iter()
        .map(|(name, count)| (name, texts.of("report", name).to_owned(), count.to_string()))
        .collect();
    shown.push((
        "seconds",
        texts.get("report-seconds").to_owned(),
        format!("{:.2}", report.seconds),
    ));
    shown
}

/// `GET /loads/{id}/rejections.csv`: every rejected row, streamed.
#[get("/loads/{id}/rejections.csv")]
pub async fn rejections_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> HttpResponse {
    let outcome = rejections_download(&state, &visitor.caller, &id).await;
    answer(&visitor, outcome)
}

/// `POST /loads/upload?source=…`: the page's upload, the file as the body
/// and the CSRF token in `X-CSRF-Token`; answers JSON for the page's
/// script (problem+json on a fault), as the API does.
#[post("/loads/upload")]
pub async fn upload_extract(
    state: web::Data<AppState>,
    visitor: Visitor,
    request: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let sent = request
        .headers()
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    visitor.check_csrf(sent)?;
    let form_post = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("multipart/form-data"));
    if form_post {
        return Err(ApiError::new(
            Code::InvalidBody,
            "uploading from the page needs its script; send the file itself as the body",
        ));
    }
    let query: UploadQuery = decode(request.query_string().as_bytes())?;
    let load_id = accept(&state, &visitor.caller, &query, &mut body).await?;
    let location = format!("/loads/{load_id}");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location.clone()))
        .json(serde_json::json!({ "load_id": load_id, "location": location })))
}
