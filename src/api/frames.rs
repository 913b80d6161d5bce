//! Frozen survey frames: `POST /api/v1/frames`, their list and description,
//! and their units as CSV, identical bytes forever.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth;
use super::download::{accepts_gzip, Download};
use super::error::{ApiError, Code, FieldError, Problem};
use super::export::{flag, sheet_for, READERS};
use super::search::{check_filters, day, FilterWords};
use super::AppState;
use crate::changes::Actor;
use crate::domain::access::Caller;
use crate::export::frames::{self, Freeze, FreezeError};
use crate::export::units::Selection;
use crate::store::frames::{self as stored, Frame};

/// The longest frame name.
const MAX_NAME: usize = 64;

/// A frame to freeze.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFrame {
    /// A unique name: letters, digits, `_`, `.` and `-`, up to 64, e.g. `sbs-2025`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    pub name: String,
    /// The date its units are shown as of (YYYY-MM-DD).
    #[schema(value_type = String, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    pub reference_date: String,
    /// Which units: the filters of the units export.
    #[serde(default)]
    pub filters: FrameFilters,
    /// Include units dead on the reference date (default false).
    #[serde(default)]
    pub include_dead: bool,
}

/// The filters a frame is frozen with; each is one exact value.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrameFilters {
    /// Unit kind, e.g. `enterprise`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 32)]
    pub kind: Option<String>,
    /// Legal status on the reference date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 32)]
    pub status: Option<String>,
    /// Region code, e.g. `TM-S`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 8)]
    pub region: Option<String>,
    /// NACE code at any level, or a section letter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 8)]
    pub activity: Option<String>,
    /// Legal form code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 16)]
    pub legal_form: Option<String>,
    /// Institutional sector code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 16)]
    pub sector: Option<String>,
    /// Size class by persons employed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 16)]
    pub size_class: Option<String>,
    /// Registered on or after this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 10)]
    pub registered_from: Option<String>,
    /// Registered on or before this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 10)]
    pub registered_to: Option<String>,
}

impl FrameFilters {
    fn words(self) -> FilterWords {
        FilterWords {
            kind: self.kind,
            status: self.status,
            region: self.region,
            activity: self.activity,
            legal_form: self.legal_form,
            sector: self.sector,
            size_class: self.size_class,
            registered_from: self.registered_from,
            registered_to: self.registered_to,
        }
    }
}

/// A frozen frame.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameView {
    /// Its name.
    pub name: String,
    /// The date its units are shown as of.
    pub reference_date: NaiveDate,
    /// The filters it was frozen with.
    pub filters: serde_json::Value,
    /// Whether units dead on the reference date are in it.
    pub include_dead: bool,
    /// When it was frozen.
    pub frozen_at: DateTime<Utc>,
    /// Who froze it.
    pub frozen_by: String,
    /// The register version (last change) it reflects.
    pub register_version: i64,
    /// How many units it holds.
    pub unit_count: i64,
    /// SHA-256 (hex) of the whole frame: `units.csv?raw=true` as a caller
    /// seeing exact figures downloads it, every column.
    pub checksum: String,
}

impl From<Frame> for FrameView {
    fn from(frame: Frame) -> Self {
        FrameView {
            filters: serde_json::from_str(&frame.filters).unwrap_or_default(),
            name: frame.name,
            reference_date: frame.reference_date,
            include_dead: frame.include_dead,
            frozen_at: frame.frozen_at.and_utc(),
            frozen_by: frame.frozen_by,
            register_version: frame.register_version,
            unit_count: frame.unit_count,
            checksum: frame.checksum,
        }
    }
}

/// Checks a frame name's form.
fn check_name(field: &str, name: &str) -> Result<(), FieldError> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if first_ok && rest_ok && name.len() <= MAX_NAME {
        return Ok(());
    }
    Err(FieldError::coded(
        Code::InvalidParameter,
        field,
        format!("a frame name is 1 to {MAX_NAME} letters, digits, _, . or -, starting with a letter or digit"),
    ))
}

#[utoipa::path(
    tag = "exports",
    request_body = NewFrame,
    responses(
        (status = 201, description = "Frozen", body = FrameView),
        (status = 400, description = "An invalid name, date or filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, statistician or analyst", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A frame of this name exists: frames are never replaced", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JSON body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Freezes a frame: the register as known now, shown as of the reference
/// date, through the filters. Its units never change afterwards, whatever
/// is corrected later.
#[post("/frames")]
pub async fn create_frame(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewFrame>,
) -> Result<HttpResponse, ApiError> {
    auth::require(&caller, READERS)?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    if let Err(error) = check_name("name", &body.name) {
        errors.push(error);
    }
    let reference_date = day(Some(body.reference_date), "reference_date", &mut errors);
    let described = serde_json::to_string(&body.filters).unwrap_or_default();
    let mut filter_errors = Vec::new();
    let filters = check_filters(body.filters.words(), &mut filter_errors);
    errors.extend(filter_errors.into_iter().map(|mut error| {
        error.field = format!("filters.{}", error.field);
        error
    }));
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let selection = Selection {
        as_of: reference_date.unwrap_or_default(),
        filters,
        include_dead: body.include_dead,
        only: None,
    };
    let frozen_by = Actor::of(&caller)
        .map(|actor| actor.name)
        .unwrap_or_default();
    let name = body.name;
    let frozen = state
        .db
        .write(move |conn| {
            let freeze = Freeze {
                name: &name,
                selection: &selection,
                filters: described,
                frozen_by,
            };
            Ok(frames::freeze(conn, freeze))
        })
        .await?;
    let frame = frozen.map_err(|error| match error {
        FreezeError::Exists(name) => ApiError::field(
            Code::FrameExists,
            "name",
            format!("a frame named {name:?} exists already; frames are never replaced"),
        ),
        FreezeError::Export(export) => ApiError::internal(export.to_string()),
    })?;
    tracing::info!(frame = %frame.name, units = frame.unit_count, "frame frozen");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/frames/{}", frame.name)))
        .json(FrameView::from(frame)))
}

#[utoipa::path(
    tag = "exports",
    responses(
        (status = 200, description = "Every frame, newest first", body = Vec<FrameView>),
        (status = 401, description = "No token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, statistician or analyst", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Lists the frozen frames.
#[get("/frames")]
pub async fn list_frames(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<FrameView>>, ApiError> {
    auth::require(&caller, READERS)?;
    let frames = state.db.read(stored::list).await?;
    Ok(web::Json(frames.into_iter().map(FrameView::from).collect()))
}

/// The frame named in the path, or 404.
async fn named(state: &AppState, name: String) -> Result<Frame, ApiError> {
    check_name("name", &name).map_err(|error| ApiError::fields(vec![error]))?;
    let found = state
        .db
        .read({
            let name = name.clone();
            move |conn| stored::find(conn, &name)
        })
        .await?;
    found.ok_or_else(|| ApiError::not_found(Code::FrameNotFound, "frame", name))
}

#[utoipa::path(
    tag = "exports",
    params(("name" = String, Path, description = "The frame's name", pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")),
    responses(
        (status = 200, description = "The frame", body = FrameView),
        (status = 400, description = "Not a frame name", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, statistician or analyst", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such frame", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Describes a frame: when and by whom it was frozen, its reference date,
/// filters, unit count and checksum.
#[get("/frames/{name}")]
pub async fn get_frame(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<web::Json<FrameView>, ApiError> {
    auth::require(&caller, READERS)?;
    let frame = named(&state, name.into_inner()).await?;
    Ok(web::Json(FrameView::from(frame)))
}

/// Which columns of a frame, and how.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FrameExportParams {
    /// Comma-separated column names, in the order wanted; default every column the caller may see.
    #[param(max_length = 400)]
    columns: Option<String>,
    /// Exact cell values, for programs: no neutralising of formula-like cells (default false).
    #[param(value_type = Option<bool>)]
    raw: Option<String>,
}

#[utoipa::path(
    tag = "exports",
    params(
        ("name" = String, Path, description = "The frame's name", pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
        FrameExportParams,
    ),
    responses(
        (status = 200, description = "The frame's units as CSV, the same bytes for the same options forever; gzip when accepted", content_type = "text/csv", body = String,
            headers(("Register-Version" = i64, description = "The register version the frame reflects"))),
        (status = 400, description = "Not a frame name, an unknown column, or an invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, statistician or analyst", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such frame", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many exports running: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// A frame's units as CSV. Analysts without the exact-figures grant get
/// employees and turnover as size classes, as in the units export.
#[get("/frames/{name}/units.csv")]
pub async fn export_frame(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    name: web::Path<String>,
    params: web::Query<FrameExportParams>,
) -> Result<HttpResponse, ApiError> {
    auth::require(&caller, READERS)?;
    let params = params.into_inner();
    let mut errors = Vec::new();
    let raw = flag(params.raw.as_deref(), "raw", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let sheet = sheet_for(&caller, params.columns.as_deref(), raw)?;
    let frame = named(&state, name.into_inner()).await?;
    let download = Download {
        file_name: format!("frame-{}.csv", frame.name),
        gzip: accepts_gzip(&request),
    };
    download
        .start(&state.db, &state.downloads, move |conn, job| {
            job.announce(frame.register_version);
            frames::write(conn, &frame, &sheet, &mut *job.output)
        })
        .await
}
