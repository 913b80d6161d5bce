//! Statistics over the register: `GET /api/v1/stats/demography`.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Code, FieldError, Problem};
use super::params::accepts_csv;
use super::search::word;
use super::AppState;
use crate::domain::access::Caller;
use crate::domain::demography::{Breakdown, FIRST_YEAR, LAST_YEAR};
use crate::domain::text_enum;
use crate::domain::unit::UnitKind;
use crate::stats::demography::{Row, Tables};

/// Years in an answer when `from` is not given.
const DEFAULT_YEARS: i32 = 10;

text_enum! {
    /// The form of an answer.
    Format {
        /// JSON (the default).
        Json => "json",
        /// CSV (RFC 4180, UTF-8, a header row).
        Csv => "csv",
    }
}

/// Which years, broken down by what, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemographyParams {
    /// First year (1800 to 2100; default: nine years before `to`). It may not be after `to`.
    #[param(value_type = Option<i32>, minimum = 1800, maximum = 2100)]
    from: Option<String>,
    /// Last year (1800 to 2100; default: the current year).
    #[param(value_type = Option<i32>, minimum = 1800, maximum = 2100)]
    to: Option<String>,
    /// Break the counts down by this attribute of each unit, as shown today; absent: totals.
    #[param(inline, value_type = Option<Breakdown>)]
    by: Option<String>,
    /// `json` (default) or `csv`; without it, `Accept: text/csv` asks for CSV.
    #[param(inline, value_type = Option<Format>)]
    format: Option<String>,
}

/// The checked request.
#[derive(Debug, Clone, Copy)]
struct Request {
    from: i32,
    to: i32,
    by: Option<Breakdown>,
    format: Format,
}

/// Births, deaths and the active population per year.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemographyView {
    /// First year.
    pub from: i32,
    /// Last year.
    pub to: i32,
    /// The breakdown, if any.
    pub by: Option<Breakdown>,
    /// The register version (last change sequence number) the counts are of.
    pub register_version: i64,
    /// The day units were grouped on (their attributes as shown then) and
    /// deaths were judged final on.
    pub as_of: NaiveDate,
    /// The kind of unit counted: legal units, each standing for its
    /// enterprise (an enterprise is created with its one legal unit and
    /// shows its attributes). Local units are not counted.
    pub unit_kind: UnitKind,
    /// How many units the register holds of that kind.
    pub units: u64,
    /// One entry per year, and within a year per group (units without the
    /// attribute last, `group: null`); groups with nothing to count in the
    /// years asked for are left out.
    pub years: Vec<YearView>,
}

/// One year's counts, for one group when broken down.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    /// The calendar year.
    pub year: i32,
    /// The group (NACE section letter, region code or legal form code);
    /// present only with `by`, `null` for units without the attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable)]
    pub group: Option<Option<String>>,
    /// Units born in the year: first registrations and units reactivated
    /// more than two years after their closure; not units created by a
    /// split-off, break-up or merger.
    pub births: u64,
    /// Units that died in the year: closures (liquidation, deregistration)
    /// not undone by a reactivation within two years; not closures by
    /// merger, take-over or break-up.
    pub deaths: u64,
    /// Units active at any time during the year (registered and not
    /// closed); for a year not over yet, as far as the register knows today.
    pub active: u64,
    /// False while a reactivation may still undo some of the year's deaths
    /// (until two full years have passed): the count is provisional.
    pub deaths_final: bool,
}

#[utoipa::path(
    tag = "stats",
    params(DemographyParams),
    responses(
        (status = 200, description = "Births, deaths and active units per year (and group): JSON, or CSV with `format=csv` or `Accept: text/csv`",
            content(
                (DemographyView = "application/json"),
                (String = "text/csv"),
            )
        ),
        (status = 400, description = "A year that is not one from 1800 to 2100, `from` after `to`, an unknown `by` or `format`, or an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Business demography: births, deaths and the active population per year,
/// in total or by NACE section, region or legal form.
///
/// Counts follow the EU business demography rules (Eurostat–OECD Manual):
/// a unit created by restructuring is not a birth; a closure by merger,
/// take-over or break-up is not a death; a reactivation within two years of
/// a closure undoes it (neither death nor birth), one after more than two
/// years is a birth. Legal units are counted, each standing for its
/// enterprise. The counts are derived from public attributes and served to
/// anyone. The first call after a change walks every legal unit (about 12 s
/// of CPU at a million enterprises on SQLite); later calls at the same
/// register version, whatever their years and breakdown, are answered from
/// memory.
#[get("/stats/demography")]
pub async fn demography(
    state: web::Data<AppState>,
    _caller: Caller,
    params: web::Query<DemographyParams>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let today = Utc::now().date_naive();
    let asked = validate(params.into_inner(), &request, today.year())?;
    let tables = state.demography.tables(&state.db).await?;
    let rows = tables.rows(asked.by, asked.from, asked.to);
    match asked.format {
        Format::Csv => csv_answer(&asked, &rows),
        Format::Json => Ok(HttpResponse::Ok().json(view(&asked, &tables, rows))),
    }
}

/// Checks every parameter, naming each bad one.
fn validate(
    params: DemographyParams,
    request: &HttpRequest,
    this_year: i32,
) -> Result<Request, ApiError> {
    let mut errors = Vec::new();
    let from = year(params.from.as_deref(), "from", &mut errors);
    let to = year(params.to.as_deref(), "to", &mut errors);
    let by = word::<Breakdown>(params.by, "by", &mut errors);
    let format = word::<Format>(params.format, "format", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let to = to.unwrap_or(this_year);
    let from = from.unwrap_or((to - DEFAULT_YEARS + 1).max(FIRST_YEAR));
    if from > to {
        return Err(ApiError::field(
            Code::OutOfRange,
            "from",
            format!("{from} is after to ({to})"),
        ));
    }
    let format = format.unwrap_or_else(|| {
        if accepts_csv(request) {
            Format::Csv
        } else {
            Format::Json
        }
    });
    Ok(Request {
        from,
        to,
        by,
        format,
    })
}

/// A year from 1800 to 2100, or none (and an error naming the field).
fn year(text: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    let text = text?;
    let Ok(year) = text.parse::<i32>() else {
        errors.push(FieldError::new(
            field,
            format!("{:?} is not a year", cut(text)),
        ));
        return None;
    };
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Some(year);
    }
    errors.push(FieldError::coded(
        Code::OutOfRange,
        field,
        format!("{year} is not a year from {FIRST_YEAR} to {LAST_YEAR}"),
    ));
    None
}

fn cut(text: &str) -> String {
    text.chars().take(32).collect()
}

/// The JSON answer.
fn view(asked: &Request, tables: &Tables, rows: Vec<Row>) -> DemographyView {
    let broken_down = asked.by.is_some();
    DemographyView {
        from: asked.from,
        to: asked.to,
        by: asked.by,
        register_version: tables.register_version,
        as_of: tables.as_of,
        unit_kind: UnitKind::LegalUnit,
        units: tables.units,
        years: rows
            .into_iter()
            .map(|row| YearView {
                year: row.year,
                group: broken_down.then_some(row.group),
                births: row.count.births,
                deaths: row.count.deaths,
                active: row.count.active,
                deaths_final: row.deaths_final,
            })
            .collect(),
    }
}

/// The CSV answer: a header row, then one row per year (and group); the
/// group column is named after the breakdown and empty for units without
/// the attribute.
fn csv_answer(asked: &Request, rows: &[Row]) -> Result<HttpResponse, ApiError> {
    let mut csv = crate::export::writer(Vec::new());
    let write = |csv: &mut csv::Writer<Vec<u8>>, fields: Vec<String>| {
        csv.write_record(&fields)
            .map_err(|error| ApiError::internal(format!("demography csv: {error}")))
    };
    let mut header = vec!["year".to_owned()];
    header.extend(asked.by.map(|by| by.as_str().to_owned()));
    header.extend(["births", "deaths", "active", "deaths_final"].map(str::to_owned));
    write(&mut csv, header)?;
    for row in rows {
        let mut fields = vec![row.year.to_string()];
        if asked.by.is_some() {
            fields.push(row.group.clone().unwrap_or_default());
        }
        fields.extend([
            row.count.births.to_string(),
            row.count.deaths.to_string(),
            row.count.active.to_string(),
            row.deaths_final.to_string(),
        ]);
        write(&mut csv, fields)?;
    }
    let body = csv
        .into_inner()
        .map_err(|error| ApiError::internal(format!("demography csv: {error}")))?;
    let by = asked.by.map_or("total", |by| by.as_str());
    let name = format!("demography-{}-{}-{by}.csv", asked.from, asked.to);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}
