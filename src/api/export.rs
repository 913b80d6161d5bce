//! Analysts' exports: `GET /api/v1/export/units.csv`, the same bytes as
//! `sanaw export units` with the same options.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth;
use super::download::{accepts_gzip, Download};
use super::error::{ApiError, Code, FieldError, Problem};
use super::search::{check_filters, day, query_text, FilterWords};
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::attribute::Disclosure;
use crate::domain::size_class::SizeClass;
use crate::domain::unit::{UnitKind, UnitStatus};
use crate::export::columns::{self, ColumnsError};
use crate::export::sheet::Sheet;
use crate::export::units::{self, Selection};
use crate::search::query;

/// The most units an export by query box takes: a name search is for
/// finding firms, the filters are for slicing the register.
pub const MAX_QUERY_UNITS: usize = 50_000;

/// The roles that may see confidential columns.
pub(super) const READERS: &[Role] = &[Role::Admin, Role::Statistician, Role::Analyst];

/// Which units, as of when, and which columns.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Name words or an identifier, as in search: only the units it finds (at most 50,000).
    #[param(max_length = 200)]
    q: Option<String>,
    /// Unit kind.
    #[param(inline, value_type = Option<UnitKind>)]
    kind: Option<String>,
    /// Legal status on the `as_of` date.
    #[param(inline, value_type = Option<UnitStatus>)]
    status: Option<String>,
    /// Region code (ISO 3166-2:TM), e.g. `TM-S`.
    #[param(pattern = "^[Tt][Mm]-[ABDLMSabdlms]$")]
    region: Option<String>,
    /// NACE code at any level, or a section letter.
    #[param(pattern = r"^([A-Za-z]|[0-9]{2}|[0-9]{2}\.?[0-9]{1,2})$")]
    activity: Option<String>,
    /// Legal form code.
    #[param(max_length = 16)]
    legal_form: Option<String>,
    /// Institutional sector code, e.g. `S11`.
    #[param(max_length = 16)]
    sector: Option<String>,
    /// Size class by persons employed. Confidential: needs an admin, statistician or analyst token.
    #[param(inline, value_type = Option<SizeClass>)]
    size_class: Option<String>,
    /// Registered on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    registered_from: Option<String>,
    /// Registered on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    registered_to: Option<String>,
    /// The units as the register shows them on this day (YYYY-MM-DD; default today, UTC).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    as_of: Option<String>,
    /// Comma-separated column names, in the order wanted; default every column the caller may see.
    #[param(max_length = 400)]
    columns: Option<String>,
    /// Include units dead on `as_of`, with their death dates (default false).
    #[param(value_type = Option<bool>)]
    include_dead: Option<String>,
    /// Exact cell values, for programs: no neutralising of cells a spreadsheet would run as formulas (default false).
    #[param(value_type = Option<bool>)]
    raw: Option<String>,
}

/// `true` or `false`, or none (and an error naming the field).
pub fn flag(text: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> bool {
    match text {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::coded(
                Code::UnknownValue,
                field,
                "expected true or false",
            ));
            false
        }
    }
}

/// The columns asked for, checked against what the caller may see.
pub(super) fn sheet_for(
    caller: &Caller,
    asked: Option<&str>,
    raw: bool,
) -> Result<Sheet, ApiError> {
    let figures = caller.figures();
    let columns = match columns::choose(asked, figures) {
        Ok(columns) => columns,
        Err(ColumnsError::Confidential(_)) => {
            // Only callers who see no confidential figure get here: 401 without a token, else 403.
            let refused = auth::require(caller, READERS).err();
            return Err(refused.unwrap_or_else(|| ApiError::forbidden(READERS)));
        }
        Err(error) => {
            return Err(ApiError::field(
                Code::UnknownColumn,
                "columns",
                error.to_string(),
            ))
        }
    };
    Ok(Sheet {
        columns,
        figures,
        raw,
    })
}

/// The day a request is about: the one given, or today (UTC).
pub fn as_of(text: Option<String>, errors: &mut Vec<FieldError>) -> NaiveDate {
    day(text, "as_of", errors).unwrap_or_else(|| Utc::now().date_naive())
}

#[utoipa::path(
    tag = "exports",
    params(ExportParams),
    responses(
        (status = 200, description = "The units as CSV (UTF-8, RFC 4180, header first), in stat_id order, streamed; gzip when accepted. `Register-Version` names the register version it reflects.", content_type = "text/csv", body = String,
            headers(("Register-Version" = i64, description = "The last change the export reflects"))),
        (status = 400, description = "An invalid parameter, an unknown column, or a query finding too many units", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A confidential column or `size_class` without a token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A confidential column or `size_class` with a token that may not see it", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The search index cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many exports or searches running: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Exports units as CSV, as of any date: the filters and query box of search,
/// dead units on request. The public gets public columns; analysts get
/// employees and turnover as size classes unless their token has the
/// exact-figures grant. Cells a spreadsheet would run as formulas are
/// prefixed with `'` unless `raw=true`.
#[get("/export/units.csv")]
pub async fn export_units(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    if params.size_class.is_some() && !caller.may_see(Disclosure::Confidential) {
        auth::require(&caller, READERS)?;
    }
    let mut errors = Vec::new();
    let text = query_text(params.q, &mut errors);
    let filters = check_filters(
        FilterWords {
            kind: params.kind,
            status: params.status,
            region: params.region,
            activity: params.activity,
            legal_form: params.legal_form,
            sector: params.sector,
            size_class: params.size_class,
            registered_from: params.registered_from,
            registered_to: params.registered_to,
        },
        &mut errors,
    );
    let as_of = as_of(params.as_of, &mut errors);
    let include_dead = flag(params.include_dead.as_deref(), "include_dead", &mut errors);
    let raw = flag(params.raw.as_deref(), "raw", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let sheet = sheet_for(&caller, params.columns.as_deref(), raw)?;
    let only = found_by(&state, text).await?;
    let selection = Selection {
        as_of,
        filters,
        include_dead,
        only,
    };
    let download = Download {
        file_name: format!("units-{as_of}.csv"),
        gzip: accepts_gzip(&request),
    };
    download
        .start(&state.db, &state.downloads, move |conn, job| {
            crate::store::snapshot::read(conn, |conn, version| {
                job.announce(version);
                units::write(conn, &selection, &sheet, &mut *job.output)
            })
        })
        .await
}

/// The units the query box finds, sorted; none when it is empty.
async fn found_by(state: &AppState, text: String) -> Result<Option<Vec<i64>>, ApiError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let index = state.index.clone();
    let found = state
        .searches
        .run(move || query::matching_units(&index, &text, MAX_QUERY_UNITS))
        .await??;
    let Some(mut units) = found else {
        return Err(ApiError::field(
            Code::TooManyMatches,
            "q",
            format!(
                "finds more than {MAX_QUERY_UNITS} units; narrow it, or export with filters instead"
            ),
        ));
    };
    units.sort_unstable();
    Ok(Some(units))
}
