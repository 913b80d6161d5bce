//! Finding units: `GET /api/v1/units?q=…` with filters.

use std::collections::BTreeMap;
use std::str::FromStr;

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth;
use super::error::{ApiError, Code, FieldError, Problem};
use super::params::parse_day;
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::attribute::Disclosure;
use crate::domain::region;
use crate::domain::size_class::SizeClass;
use crate::domain::unit::{UnitKind, UnitStatus};
use crate::domain::UnknownWord;
use crate::search::query::{self, Filters, Hit, SearchRequest, MAX_LIMIT};
use crate::search::rank::cursor::Cursor;
use crate::search::rank::facets::FacetCount;
use crate::search::rank::order::Sort;

/// The longest query box accepted: no enterprise name comes near it.
const MAX_QUERY_CHARS: usize = 200;
/// Results when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;

/// The query box and filters.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Name words in any script and spelling, or a stat_id, tin or reg_number. Empty: every unit (with the filters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Unit kind.
    #[param(inline, value_type = Option<UnitKind>)]
    pub kind: Option<String>,
    /// Legal status.
    #[param(inline, value_type = Option<UnitStatus>)]
    pub status: Option<String>,
    /// Region code (ISO 3166-2:TM), e.g. `TM-S`.
    #[param(pattern = "^[Tt][Mm]-[ABDLMSabdlms]$")]
    pub region: Option<String>,
    /// NACE code at any level, or a section letter: `62` takes 62.10 and 62.20. A code NACE does not have finds nothing.
    #[param(pattern = r"^([A-Za-z]|[0-9]{2}|[0-9]{2}\.?[0-9]{1,2})$")]
    pub activity: Option<String>,
    /// Legal form code (see `/api/v1/legal-forms`); an unknown one finds nothing.
    #[param(max_length = 16)]
    pub legal_form: Option<String>,
    /// Institutional sector code, e.g. `S11`; an unknown one finds nothing.
    #[param(max_length = 16)]
    pub sector: Option<String>,
    /// Size class by persons employed. Confidential: needs an admin, statistician or analyst token.
    #[param(inline, value_type = Option<SizeClass>)]
    pub size_class: Option<String>,
    /// Registered on or after this day (YYYY-MM-DD, 1800-01-01 to 2100-12-31).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    pub registered_from: Option<String>,
    /// Registered on or before this day (YYYY-MM-DD, 1800-01-01 to 2100-12-31).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    pub registered_to: Option<String>,
    /// `relevance` (default), `name` (A to Z), `registered` (oldest first) or `-registered` (newest first).
    #[param(inline, value_type = Option<Sort>)]
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page, with the same q, filters and sort.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
    /// How many results (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// What a search found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchView {
    /// The last change-log seq the index held when it answered.
    pub index_version: i64,
    /// How many units match in all.
    pub total: u64,
    /// The best of them, best first.
    pub results: Vec<Hit>,
    /// Per filter, how many matching units have each value (activity: by NACE
    /// section; `size_class` only for callers who may see confidential data).
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Give it as `cursor` for the next page; absent on the last page. Pages
    /// hold their place while the register changes: no unit repeats or is
    /// skipped unless it changed itself.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "units",
    params(SearchParams),
    responses(
        (status = 200, description = "Units found, best first", body = SearchView),
        (status = 400, description = "An invalid parameter, or a cursor of another query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`size_class` without a token, or a token that is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`size_class` with a token that may not see confidential data", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The search index cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search is busy (too many searches waiting): retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Finds units by name (any script, typos, with or without legal form, former
/// names), by identifier, or by address words; filters narrow the answer.
/// Answers hold public attributes only, whoever asks; callers who may see
/// confidential data can also filter and count by size class.
#[get("/units")]
pub async fn search_units(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<SearchParams>,
) -> Result<web::Json<SearchView>, ApiError> {
    Ok(web::Json(find(&state, &caller, params.into_inner()).await?))
}

/// A search as `caller` may ask it: the API's answer and the search page's.
pub async fn find(
    state: &AppState,
    caller: &Caller,
    params: SearchParams,
) -> Result<SearchView, ApiError> {
    let confidential = caller.may_see(Disclosure::Confidential);
    if params.size_class.is_some() && !confidential {
        auth::require(caller, &[Role::Admin, Role::Statistician, Role::Analyst])?;
    }
    let request = validate(params, confidential)?;
    let index = state.index.clone();
    let (index_version, found) = state
        .searches
        .run(move || {
            let found = query::search_with_facets(&index, &request)?;
            Ok::<_, crate::search::SearchError>((index.version(), found))
        })
        .await??;
    Ok(SearchView {
        index_version,
        total: found.total,
        results: found.hits,
        facets: found.facets,
        next_cursor: found.next.map(|cursor| cursor.encode()),
    })
}

/// Checks every parameter, naming each bad one.
fn validate(params: SearchParams, confidential: bool) -> Result<SearchRequest, ApiError> {
    let mut errors = Vec::new();
    let text = query_text(params.q, &mut errors);
    let limit = parse_limit(
        params.limit.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
        &mut errors,
    );
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
    let sort: Sort = word(params.sort, "sort", &mut errors).unwrap_or_default();
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let mut request = SearchRequest {
        text,
        filters,
        limit,
        sort,
        after: None,
        confidential,
        complete: false,
        every_unit: false,
        reach: None,
    };
    if let Some(cursor) = params.cursor {
        // A page continues at the reach its first page was answered at.
        let continued = request
            .fingerprints()
            .into_iter()
            .find_map(|(reach, query)| {
                Cursor::decode(&cursor, query)
                    .ok()
                    .map(|decoded| (reach, decoded))
            });
        let (reach, decoded) = match continued {
            Some(found) => found,
            None => {
                let error = Cursor::decode(&cursor, request.fingerprint()).err();
                let reason = error.map(|error| error.to_string()).unwrap_or_default();
                return Err(ApiError::field(Code::InvalidCursor, "cursor", reason));
            }
        };
        request.after = Some(decoded.position);
        request.reach = Some(reach);
    }
    Ok(request)
}

/// The filters search and exports share, as given.
#[derive(Debug, Default)]
pub struct FilterWords {
    /// Unit kind.
    pub kind: Option<String>,
    /// Legal status.
    pub status: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// NACE code or section letter.
    pub activity: Option<String>,
    /// Legal form code.
    pub legal_form: Option<String>,
    /// Institutional sector code.
    pub sector: Option<String>,
    /// Size class.
    pub size_class: Option<String>,
    /// First registration day.
    pub registered_from: Option<String>,
    /// Last registration day.
    pub registered_to: Option<String>,
}

/// Checks the filters, naming each bad one in `errors`.
pub fn check_filters(words: FilterWords, errors: &mut Vec<FieldError>) -> Filters {
    let kind: Option<UnitKind> = word(words.kind, "kind", errors);
    let status: Option<UnitStatus> = word(words.status, "status", errors);
    let region = region_code(words.region, errors);
    let legal_form = short_code(words.legal_form, "legal_form", errors);
    let sector = short_code(words.sector, "sector", errors);
    let activity = match words
        .activity
        .map(|code| canonical_code(Scheme::Nace, &code))
    {
        Some(Err(bad)) => {
            errors.push(FieldError::coded(
                Code::ActivityCodeMalformed,
                "activity",
                bad.to_string(),
            ));
            None
        }
        Some(Ok(code)) => Some(code),
        None => None,
    };
    let size_class: Option<SizeClass> = word(words.size_class, "size_class", errors);
    let registered_from = day(words.registered_from, "registered_from", errors);
    let registered_to = day(words.registered_to, "registered_to", errors);
    if let (Some(from), Some(to)) = (registered_from, registered_to) {
        if from > to {
            errors.push(FieldError::coded(
                Code::OutOfRange,
                "registered_from",
                format!("{from} is after registered_to {to}"),
            ));
        }
    }
    Filters {
        kind: kind.map(|kind| kind.as_str().to_owned()),
        status: status.map(|status| status.as_str().to_owned()),
        region,
        activity,
        legal_form,
        sector,
        size_class: size_class.map(|class| class.as_str().to_owned()),
        registered_from,
        registered_to,
    }
}

/// A day given as YYYY-MM-DD, or none (and an error naming the field).
pub(super) fn day(
    text: Option<String>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match parse_day(field, &text?) {
        Ok(day) => Some(day),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

/// The query box's text; too long is an error.
pub(super) fn query_text(q: Option<String>, errors: &mut Vec<FieldError>) -> String {
    let text = q.unwrap_or_default();
    if text.chars().count() > MAX_QUERY_CHARS {
        errors.push(FieldError::coded(
            Code::TooLong,
            "q",
            format!("is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    text
}

/// `limit` as a number from 1 to `max`, `default` when absent.
fn parse_limit(
    text: Option<&str>,
    default: usize,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> usize {
    let Some(text) = text else {
        return default;
    };
    match text.parse::<usize>() {
        Ok(limit) if (1..=max).contains(&limit) => limit,
        _ => {
            errors.push(FieldError::coded(
                Code::OutOfRange,
                "limit",
                format!("must be between 1 and {max}"),
            ));
            0
        }
    }
}

/// One of an enum's words, or none (and an error naming the field and the
/// words it takes, from the enum itself).
pub(super) fn word<T: FromStr<Err = UnknownWord>>(
    value: Option<String>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value?.parse() {
        Ok(word) => Some(word),
        Err(unknown) => {
            errors.push(FieldError::coded(
                Code::UnknownValue,
                field,
                unknown.to_string(),
            ));
            None
        }
    }
}

/// A region code in any letter case (`tm-s`), as the index spells it
/// (`TM-S`), or none (and an error naming the field).
fn region_code(value: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value?;
    let found = region::REGIONS
        .iter()
        .find(|region| region.code.eq_ignore_ascii_case(&value));
    if let Some(region) = found {
        return Some(region.code.to_owned());
    }
    errors.push(FieldError::coded(
        Code::UnknownValue,
        "region",
        format!("{:?} is not a region code", cut(&value)),
    ));
    None
}

/// The longest legal form or sector code a filter takes; none is longer than 8.
const MAX_CODE_CHARS: usize = 16;

/// A legal form or sector code: one the register lacks finds nothing, one
/// too long to be a code is refused.
fn short_code(value: Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value?;
    if value.chars().count() <= MAX_CODE_CHARS {
        return Some(value);
    }
    errors.push(FieldError::coded(
        Code::TooLong,
        field,
        format!("at most {MAX_CODE_CHARS} characters"),
    ));
    None
}

fn cut(text: &str) -> String {
    text.chars().take(32).collect()
}

/// The start of a name as it is being typed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// What has been typed so far: the last word may be unfinished, the others may carry a typo.
    #[param(max_length = 200)]
    q: Option<String>,
    /// How many suggestions (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    limit: Option<String>,
}

/// One suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    /// The unit.
    #[schema(value_type = String)]
    pub stat_id: crate::domain::stat_id::StatId,
    /// The name it shows.
    pub name: Option<String>,
    /// Its region, to tell namesakes apart.
    pub region: Option<String>,
}

/// The most suggestions one answer holds.
const MAX_SUGGESTIONS: usize = 20;
/// Suggestions when `limit` is not given.
const DEFAULT_SUGGESTIONS: usize = 10;

#[utoipa::path(
    tag = "units",
    params(SuggestParams),
    responses(
        (status = 200, description = "Units whose names start with what was typed, best first", body = Vec<Suggestion>),
        (status = 400, description = "An invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The search index cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search is busy (too many searches waiting): retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Autocomplete for the query box: cheap enough for every keystroke.
#[get("/units/suggest")]
pub async fn suggest_units(
    state: web::Data<AppState>,
    _caller: Caller,
    params: web::Query<SuggestParams>,
) -> Result<web::Json<Vec<Suggestion>>, ApiError> {
    let params = params.into_inner();
    let mut errors = Vec::new();
    let text = query_text(params.q, &mut errors);
    let limit = parse_limit(
        params.limit.as_deref(),
        DEFAULT_SUGGESTIONS,
        MAX_SUGGESTIONS,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    if text.trim().is_empty() {
        return Ok(web::Json(Vec::new()));
    }
    let index = state.index.clone();
    let request = SearchRequest {
        text,
        limit,
        ..SearchRequest::default()
    };
    let hits = state
        .searches
        .run(move || query::search(&index, &request))
        .await??;
    let suggestions = hits
        .into_iter()
        .map(|hit| Suggestion {
            stat_id: hit.stat_id,
            name: hit.name,
            region: hit.region,
        })
        .collect();
    Ok(web::Json(suggestions))
}
