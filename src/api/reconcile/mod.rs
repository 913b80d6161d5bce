//! The Reconciliation Service API v0.2 (what OpenRefine speaks): the
//! manifest, queries answered by the loaders' matcher (`lookup`), entity
//! and property suggest, previews, and data extension. These routes, and
//! no others, answer cross-origin requests.

pub mod cors;
pub mod extension;
pub mod preview;
pub mod queries;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::{get, post, web, HttpRequest};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Code, FieldError, Problem};
use super::AppState;
use crate::domain::access::Caller;
use crate::domain::attribute::Attribute;
use crate::domain::unit::UnitKind;
use crate::lookup::{self, Candidate, Lookup};
use crate::search::query::{self as engine, Filters, Hit, SearchRequest};
use crate::store::reference::Labels;
use extension::ExtensionAnswer;
use queries::{MAX_TEXT, TYPES};

/// The largest request body a reconciliation takes: a thousand queries
/// with their properties.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// How many queries one search thread takes at a time: a batch is split so
/// both cores search, and one part is scored while the next is searched.
const CHUNK: usize = 125;

/// A `{"id", "name"}` pair: a type or a property.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// Its id.
    pub id: String,
    /// Its name for people.
    pub name: String,
}

/// Where a client finds one of the service's other operations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLink {
    /// The service's URL.
    pub service_url: String,
    /// The operation's path below it.
    pub service_path: String,
}

/// Entity and property autocomplete.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestLinks {
    /// Units by the start of their names.
    pub entity: ServiceLink,
    /// Properties by the start of their ids or names.
    pub property: ServiceLink,
}

/// Where a unit is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct View {
    /// A URL template; `{{id}}` is the stat_id.
    pub url: String,
}

/// The small HTML preview of a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    /// A URL template; `{{id}}` is the stat_id.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Data extension: which properties can be fetched for matched units.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtendLinks {
    /// Where the properties are listed per type.
    pub propose_properties: ServiceLink,
    /// Settings a property takes: none.
    pub property_settings: Vec<Value>,
}

/// What the service is and what it can do (the protocol's manifest).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Protocol versions spoken.
    pub versions: Vec<&'static str>,
    /// The service's name.
    pub name: &'static str,
    /// The namespace of the ids answered: stat_ids.
    pub identifier_space: &'static str,
    /// The namespace of the properties.
    pub schema_space: &'static str,
    /// The unit kinds queries may name as `type`.
    pub default_types: Vec<Named>,
    /// Where a unit is shown.
    pub view: View,
    /// The preview of a unit.
    pub preview: PreviewLink,
    /// Autocomplete.
    pub suggest: SuggestLinks,
    /// Data extension.
    pub extend: ExtendLinks,
}

/// The service's own URL, as the client reached it.
fn service_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    format!("{}://{}/api/v1/reconcile", info.scheme(), info.host())
}

#[utoipa::path(
    tag = "reconcile",
    responses(
        (status = 200, description = "The manifest", body = Manifest),
    ),
)]
/// The service manifest (Reconciliation Service API v0.2): give OpenRefine
/// this URL to reconcile a column against the register.
#[get("/reconcile")]
pub async fn manifest(request: HttpRequest) -> web::Json<Manifest> {
    let service = service_url(&request);
    let link = |path: &str| ServiceLink {
        service_url: service.clone(),
        service_path: path.to_owned(),
    };
    let units = service.trim_end_matches("/reconcile");
    web::Json(Manifest {
        versions: vec!["0.2"],
        name: "sanaw statistical business register",
        identifier_space: "urn:sanaw:stat_id",
        schema_space: "urn:sanaw:attribute",
        default_types: TYPES.iter().map(|kind| type_named(*kind)).collect(),
        view: View {
            url: format!("{units}/units/{{{{id}}}}"),
        },
        preview: PreviewLink {
            url: format!("{service}/preview?id={{{{id}}}}"),
            width: 430,
            height: 120,
        },
        suggest: SuggestLinks {
            entity: link("/suggest/entity"),
            property: link("/suggest/property"),
        },
        extend: ExtendLinks {
            propose_properties: link("/extend/propose"),
            property_settings: Vec::new(),
        },
    })
}

/// A unit kind as a protocol type.
fn type_named(kind: UnitKind) -> Named {
    let name = match kind {
        UnitKind::LegalUnit => "Legal unit",
        UnitKind::Enterprise => "Enterprise",
        UnitKind::LocalUnit => "Local unit",
        UnitKind::EnterpriseGroup => "Enterprise group",
    };
    Named {
        id: kind.as_str().to_owned(),
        name: name.to_owned(),
    }
}

/// A property's value given with a query.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum PropertyValue {
    /// Text, e.g. a tin or an address (what is beyond 200 characters is left out).
    Text(String),
    /// A number, read as its text.
    Number(f64),
    /// A cell reconciled elsewhere: its `name` (else `id`) counts.
    Cell(ReconciledCell),
    /// Several texts: the first counts.
    List(Vec<String>),
}

/// A cell reconciled elsewhere, as OpenRefine sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReconciledCell {
    /// Its id in the other service.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
}

/// One property of a query: evidence beside the name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct QueryProperty {
    /// `tin`, `reg_number`, `region` (code or name), `activity` (NACE), `address` or `legal_form`.
    #[schema(inline, value_type = QueryPropertyId)]
    pub pid: String,
    /// The value; one the register cannot read (a region it lacks) adds no evidence.
    pub v: PropertyValue,
}

/// The properties a query may give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum QueryPropertyId {
    /// Taxpayer number: links directly, as in a load.
    Tin,
    /// Justice registration number: links directly, as in a load.
    RegNumber,
    /// Region code (`TM-S`) or name.
    Region,
    /// NACE code.
    Activity,
    /// Address as free text.
    Address,
    /// Legal form code.
    LegalForm,
}

/// One reconciliation query.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReconciliationQuery {
    /// The name as the spreadsheet writes it (any script, typos, legal form), or a stat_id.
    #[schema(max_length = 200)]
    pub query: String,
    /// `legal_unit` (default) or `local_unit`.
    #[serde(rename = "type")]
    #[schema(rename = "type", inline, value_type = Option<ReconcileType>)]
    pub kind: Option<String>,
    /// How many candidates (default 5).
    #[schema(minimum = 1, maximum = 25)]
    pub limit: Option<u32>,
    /// Evidence beside the name.
    pub properties: Option<Vec<QueryProperty>>,
    /// Accepted as the protocol spells it; with one type per query all three mean the same.
    #[schema(inline, value_type = Option<TypeStrict>)]
    pub type_strict: Option<String>,
}

/// The unit kinds a query may name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReconcileType {
    /// A legal person or entrepreneur.
    LegalUnit,
    /// A branch, shop or plant.
    LocalUnit,
}

/// The protocol's `type_strict`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TypeStrict {
    /// Any.
    Any,
    /// All.
    All,
    /// Should.
    Should,
}

/// A form as OpenRefine sends it: `queries` or `extend`, each a JSON text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ReconcileForm {
    /// Queries to answer.
    Queries {
        /// A JSON object of queries by key: `{"q0": {"query": "Ak ýol", "limit": 3}}` (see `ReconciliationQuery`), at most 1,000.
        queries: String,
    },
    /// A data extension.
    Extend {
        /// A JSON object `{"ids": ["100000011"], "properties": [{"id": "activity"}]}`, at most 1,000 ids.
        extend: String,
    },
}

/// The same as a JSON body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ReconcileJson {
    /// Queries to answer.
    Queries {
        /// Queries by key, at most 1,000; or the same as a JSON text.
        queries: QueriesField,
    },
    /// A data extension.
    Extend {
        /// The units and properties; or the same as a JSON text.
        extend: ExtendField,
    },
}

/// Queries in a JSON body: an object, or the same as a JSON text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum QueriesField {
    /// Queries by key.
    Object(BTreeMap<String, ReconciliationQuery>),
    /// The same object written as a JSON text, as in the form.
    Text(String),
}

/// A data extension in a JSON body: an object, or the same as a JSON text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ExtendField {
    /// The units and properties.
    Object(extension::ExtendRequest),
    /// The same object written as a JSON text, as in the form.
    Text(String),
}

/// One candidate unit for a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    /// The stat_id.
    pub id: String,
    /// The name it shows.
    pub name: String,
    /// Its kind.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: Vec<Named>,
    /// How well it matches, 0 to 100.
    pub score: f64,
    /// Whether the loaders' matcher would link the row to it; at most one candidate per query.
    #[serde(rename = "match")]
    #[schema(rename = "match")]
    pub matched: bool,
    /// Activity, region and status, to tell namesakes apart.
    pub description: String,
}

/// One query's candidates, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidates {
    /// The candidates.
    pub result: Vec<CandidateView>,
}

/// What a POST answers: candidates by query key, or a data extension.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReconcileAnswer {
    /// Each query's candidates, by its key.
    Candidates(BTreeMap<String, Candidates>),
    /// The properties' values per unit.
    Extension(ExtensionAnswer),
}

#[utoipa::path(
    tag = "reconcile",
    request_body(
        description = "`queries` (reconciliation) or `extend` (data extension): form fields holding JSON, as OpenRefine sends them, or the same as a JSON object",
        content(
            (ReconcileForm = "application/x-www-form-urlencoded"),
            (ReconcileJson = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Candidates per query, or the extension's values", body = ReconcileAnswer),
        (status = 400, description = "Malformed JSON, an unknown property, type or field, a limit out of range, too many queries", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over 4 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body neither form-encoded nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The search index cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search or the database is busy: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Reconciles: each query's candidate units, scored by the loaders' matcher
/// (`match` is true where a load would link the row); or, with `extend`,
/// the properties' values for matched units (confidential ones only for
/// register staff).
#[post("/reconcile")]
pub async fn reconcile(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    body: web::Payload,
) -> Result<web::Json<ReconcileAnswer>, ApiError> {
    let body = read_body(body).await?;
    match asked(&request, &body)? {
        Asked::Queries(value) => {
            let lookups = queries::queries(&value).map_err(ApiError::fields)?;
            let answered = answer(&state, lookups).await?;
            Ok(web::Json(ReconcileAnswer::Candidates(answered)))
        }
        Asked::Extend(value) => {
            let asked = queries::extension(&value).map_err(ApiError::fields)?;
            let answer = extension::extend(&state, &caller, asked).await?;
            Ok(web::Json(ReconcileAnswer::Extension(answer)))
        }
    }
}

/// The body, at most [`MAX_BODY`] bytes.
async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|error| ApiError::field(Code::InvalidBody, "body", error.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::new(
                Code::BodyTooLarge,
                format!("the request body is larger than the limit of {MAX_BODY} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What a POST asks: queries or an extension, as JSON.
enum Asked {
    Queries(Value),
    Extend(Value),
}

/// Reads the form or JSON body into what it asks.
fn asked(request: &HttpRequest, body: &[u8]) -> Result<Asked, ApiError> {
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded")
        .to_ascii_lowercase();
    let fields: Vec<(String, Value)> = if content_type.starts_with("application/json") {
        json_fields(body)?
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_fields(body)?
    } else {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "expected a body of Content-Type application/x-www-form-urlencoded or application/json",
        ));
    };
    let mut faults = Vec::new();
    let mut asked = None;
    for (name, value) in fields {
        match (name.as_str(), &asked) {
            ("queries", None) => asked = Some(Asked::Queries(value)),
            ("extend", None) => asked = Some(Asked::Extend(value)),
            ("queries" | "extend", Some(_)) => faults.push(FieldError::coded(
                Code::InvalidParameter,
                name,
                "give either queries or extend, once",
            )),
            _ => faults.push(FieldError::coded(
                Code::UnknownParameter,
                name.chars().take(64).collect::<String>(),
                "this operation takes queries or extend",
            )),
        }
    }
    if !faults.is_empty() {
        return Err(ApiError::fields(faults));
    }
    asked.ok_or_else(|| {
        ApiError::field(
            Code::MissingValue,
            "queries",
            "give queries (or extend) as a form field holding JSON",
        )
    })
}

/// A form's fields, each a JSON text parsed.
fn form_fields(body: &[u8]) -> Result<Vec<(String, Value)>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|error| ApiError::field(Code::InvalidBody, "body", error.to_string()))?;
    pairs
        .into_iter()
        .map(|(name, text)| {
            let value = match name.as_str() {
                "queries" | "extend" => {
                    queries::json(&name, &text).map_err(|fault| ApiError::fields(vec![fault]))?
                }
                _ => Value::Null,
            };
            Ok((name, value))
        })
        .collect()
}

/// A JSON body's fields; a field may also hold its JSON as a string.
fn json_fields(body: &[u8]) -> Result<Vec<(String, Value)>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::field(
            Code::InvalidBody,
            "body",
            format!("not valid JSON: {error}"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::field(
            Code::InvalidBody,
            "body",
            "must be a JSON object with queries or extend",
        ));
    };
    map.into_iter()
        .map(|(name, value)| match value {
            Value::String(text) if matches!(name.as_str(), "queries" | "extend") => {
                let value =
                    queries::json(&name, &text).map_err(|fault| ApiError::fields(vec![fault]))?;
                Ok((name, value))
            }
            value => Ok((name, value)),
        })
        .collect()
}

/// Each query's candidates, by its key. The batch is split into parts that
/// are searched and scored concurrently.
async fn answer(
    state: &web::Data<AppState>,
    lookups: Vec<(String, Lookup)>,
) -> Result<BTreeMap<String, Candidates>, ApiError> {
    let (keys, lookups): (Vec<String>, Vec<Lookup>) = lookups.into_iter().unzip();
    let parts: Vec<Vec<Lookup>> = lookups.chunks(CHUNK).map(<[Lookup]>::to_vec).collect();
    let ranked = futures_util::future::try_join_all(
        parts.into_iter().map(|part| ranked(state.clone(), part)),
    )
    .await?;
    Ok(keys
        .into_iter()
        .zip(ranked.into_iter().flatten())
        .map(|(key, candidates)| {
            let result = candidates
                .into_iter()
                .map(|candidate| candidate_view(candidate, &state.labels))
                .collect();
            (key, Candidates { result })
        })
        .collect())
}

/// One part of a batch: searched on a search thread, then scored on a database thread.
async fn ranked(
    state: web::Data<AppState>,
    part: Vec<Lookup>,
) -> Result<Vec<Vec<Candidate>>, ApiError> {
    let part = Arc::new(part);
    let index = state.index.clone();
    let searched = Arc::clone(&part);
    let found = state
        .searches
        .run(move || lookup::candidates(&index, &searched))
        .await??;
    let thresholds = state.thresholds;
    Ok(state
        .db
        .read(move |conn| lookup::rank(conn, &part, found, &thresholds))
        .await?)
}

/// A candidate as the protocol shows it.
fn candidate_view(candidate: Candidate, labels: &Labels) -> CandidateView {
    let description = description(&candidate.hit, labels);
    let Hit {
        stat_id,
        name,
        kind,
        ..
    } = candidate.hit;
    CandidateView {
        id: stat_id.to_string(),
        name: name.unwrap_or_default(),
        kind: kind
            .and_then(|kind| kind.parse::<UnitKind>().ok())
            .map(type_named)
            .into_iter()
            .collect(),
        score: candidate.score,
        matched: candidate.matched,
        description,
    }
}

/// Activity, region and status: what tells namesakes apart at a glance.
fn description(hit: &Hit, labels: &Labels) -> String {
    let coded = |attribute: Attribute, code: &Option<String>| {
        code.as_deref()
            .map(|code| match labels.of(attribute, code) {
                Some(title) if attribute == Attribute::Activity => format!("{code} {title}"),
                Some(title) => title.to_owned(),
                None => code.to_owned(),
            })
    };
    [
        coded(Attribute::Activity, &hit.activity),
        coded(Attribute::Region, &hit.region),
        hit.status.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// The start of a unit's name, for autocomplete.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntitySuggestParams {
    /// What has been typed so far.
    #[param(max_length = 200)]
    prefix: String,
    /// `legal_unit` (default) or `local_unit`.
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<ReconcileType>)]
    kind: Option<String>,
    /// Accepted as the protocol spells it.
    #[param(inline, value_type = Option<TypeStrict>)]
    type_strict: Option<String>,
    /// How many suggestions to skip (paging), 0 to 80.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 80)]
    cursor: Option<String>,
}

/// One suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedEntity {
    /// The stat_id.
    pub id: String,
    /// The name it shows.
    pub name: String,
    /// Activity, region and status.
    pub description: String,
}

/// Suggestions, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitySuggestions {
    /// The suggestions.
    pub result: Vec<SuggestedEntity>,
}

/// Suggestions one answer holds.
const SUGGESTIONS: usize = 10;
/// The furthest a suggestion cursor may skip.
const MAX_CURSOR: usize = 80;

#[utoipa::path(
    tag = "reconcile",
    params(EntitySuggestParams),
    responses(
        (status = 200, description = "Units whose names start with what was typed, best first", body = EntitySuggestions),
        (status = 400, description = "An invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The search index cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Search is busy: retry shortly", body = Problem, content_type = "application/problem+json"),
    ),
)]
/// Entity autocomplete for reconciliation clients (the search's suggest).
#[get("/reconcile/suggest/entity")]
pub async fn suggest_entity(
    state: web::Data<AppState>,
    params: web::Query<EntitySuggestParams>,
) -> Result<web::Json<EntitySuggestions>, ApiError> {
    let params = params.into_inner();
    let mut errors = Vec::new();
    check_prefix(&params.prefix, &mut errors);
    let kind = suggest_kind(params.kind.as_deref(), &mut errors);
    let skip = cursor(params.cursor.as_deref(), &mut errors);
    if let Some(strict) = &params.type_strict {
        if !matches!(strict.as_str(), "any" | "all" | "should") {
            errors.push(FieldError::coded(
                Code::UnknownValue,
                "type_strict",
                "must be any, all or should",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    if params.prefix.trim().is_empty() {
        return Ok(web::Json(EntitySuggestions { result: Vec::new() }));
    }
    let request = SearchRequest {
        text: params.prefix,
        filters: Filters {
            kind: Some(kind.as_str().to_owned()),
            ..Filters::default()
        },
        limit: skip + SUGGESTIONS,
        ..SearchRequest::default()
    };
    let index = state.index.clone();
    let hits = state
        .searches
        .run(move || engine::search(&index, &request))
        .await??;
    let result = hits
        .into_iter()
        .skip(skip)
        .map(|hit| SuggestedEntity {
            id: hit.stat_id.to_string(),
            description: description(&hit, &state.labels),
            name: hit.name.unwrap_or_default(),
        })
        .collect();
    Ok(web::Json(EntitySuggestions { result }))
}

/// The kind a suggestion is for: legal units unless `local_unit`.
fn suggest_kind(given: Option<&str>, errors: &mut Vec<FieldError>) -> UnitKind {
    let Some(given) = given else {
        return UnitKind::LegalUnit;
    };
    match TYPES.iter().find(|kind| kind.as_str() == given) {
        Some(kind) => *kind,
        None => {
            errors.push(FieldError::coded(
                Code::UnknownValue,
                "type",
                "must be legal_unit or local_unit",
            ));
            UnitKind::LegalUnit
        }
    }
}

/// A suggestion cursor: how many to skip, 0 to [`MAX_CURSOR`].
fn cursor(given: Option<&str>, errors: &mut Vec<FieldError>) -> usize {
    let Some(given) = given else {
        return 0;
    };
    match given.parse::<usize>() {
        Ok(skip) if skip <= MAX_CURSOR => skip,
        _ => {
            errors.push(FieldError::coded(
                Code::OutOfRange,
                "cursor",
                format!("must be a whole number from 0 to {MAX_CURSOR}"),
            ));
            0
        }
    }
}

/// The start of a property's id or name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PropertySuggestParams {
    /// What has been typed so far.
    #[param(max_length = 200)]
    prefix: String,
    /// How many suggestions to skip (paging), 0 to 80.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 80)]
    cursor: Option<String>,
}

/// Property suggestions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertySuggestions {
    /// The properties whose id or name starts with the prefix.
    pub result: Vec<SuggestedProperty>,
}

/// One property.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedProperty {
    /// Its id (as `pid` in queries, `id` in extensions).
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it holds.
    pub description: String,
}

#[utoipa::path(
    tag = "reconcile",
    params(PropertySuggestParams),
    responses(
        (status = 200, description = "Properties whose id or name starts with what was typed", body = PropertySuggestions),
        (status = 400, description = "An invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Property autocomplete: the properties the caller may fetch or query by.
#[get("/reconcile/suggest/property")]
pub async fn suggest_property(
    caller: Caller,
    params: web::Query<PropertySuggestParams>,
) -> Result<web::Json<PropertySuggestions>, ApiError> {
    let params = params.into_inner();
    let mut errors = Vec::new();
    check_prefix(&params.prefix, &mut errors);
    let skip = cursor(params.cursor.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let prefix = params.prefix.trim().to_lowercase();
    let result = extension::visible(&caller)
        .filter(|attribute| {
            let name = extension::property_name(*attribute).to_lowercase();
            attribute.as_str().starts_with(&prefix)
                || name.split(' ').any(|word| word.starts_with(&prefix))
        })
        .skip(skip)
        .map(|attribute| SuggestedProperty {
            id: attribute.as_str().to_owned(),
            name: extension::property_name(attribute).to_owned(),
            description: extension::property_description(attribute).to_owned(),
        })
        .collect();
    Ok(web::Json(PropertySuggestions { result }))
}

/// A suggest prefix longer than any name is refused, naming `prefix`.
fn check_prefix(prefix: &str, errors: &mut Vec<FieldError>) {
    if prefix.chars().count() > MAX_TEXT {
        errors.push(FieldError::coded(
            Code::TooLong,
            "prefix",
            format!("at most {MAX_TEXT} characters"),
        ));
    }
}
