//! `/` and `/search`: the search box, its results and facets to click.
//!
//! The results are rendered here, so `/search?q=…` works with scripts off
//! and can be shared as a link; the script only fetches the same page as
//! the user types and swaps the results in.

use actix_web::http::StatusCode;
use actix_web::{routes, web, HttpRequest, HttpResponse};
use askama::Template;

use super::language::Texts;
use super::visitor::Visitor;
use super::{answer, decode, html, query, Chrome};
use crate::api::error::ApiError;
use crate::api::search::{find, SearchParams, SearchView};
use crate::api::AppState;
use crate::domain::attribute::Attribute;
use crate::search::query::Hit;
use crate::search::rank::score::Matched;
use crate::store::reference::Labels;

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Chrome,
    t: &'static Texts,
    q: String,
    /// The filters in force, kept as hidden fields so typing keeps them.
    kept: Vec<(&'static str, String)>,
    found: Option<Found>,
}

/// What a search found, ready to show.
struct Found {
    summary: String,
    approximate: bool,
    hits: Vec<HitRow>,
    facets: Vec<FacetGroup>,
    chosen: Vec<Chip>,
    next: Option<String>,
}

/// One result.
struct HitRow {
    href: String,
    name: Vec<(String, bool)>,
    stat_id: String,
    kind: String,
    enterprise: Option<String>,
    activity: Option<String>,
    region: Option<String>,
    status: Option<String>,
    status_code: String,
}

/// One facet and its values.
struct FacetGroup {
    title: String,
    values: Vec<FacetValue>,
}

/// A value to click: narrows to it, or widens again when chosen.
struct FacetValue {
    label: String,
    count: u64,
    href: String,
    chosen: bool,
}

/// A filter in force, with the link that removes it.
struct Chip {
    label: String,
    href: String,
}

/// The filters a page shows as facets, in order: (parameter, facet, attribute of its titles).
const FACET_ORDER: [(&str, &str, Option<Attribute>); 6] = [
    ("region", "region", Some(Attribute::Region)),
    ("activity", "activity", Some(Attribute::Activity)),
    ("legal_form", "legal_form", Some(Attribute::LegalForm)),
    ("status", "status", None),
    ("kind", "kind", None),
    ("size_class", "size_class", None),
];

/// `GET /` and `GET /search?q=…`: the search box, and the results rendered
/// on the server when it was given a query or a filter.
#[routes]
#[get("/")]
#[get("/search")]
pub async fn search_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    request: HttpRequest,
) -> HttpResponse {
    let outcome = show(&state, &visitor, request.query_string()).await;
    answer(&visitor, outcome)
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    query_string: &str,
) -> Result<HttpResponse, ApiError> {
    let params = without_blanks(decode(query_string.as_bytes())?);
    let given = pairs(&params);
    let texts = visitor.texts();
    let found = if given.is_empty() {
        None
    } else {
        let view = find(state, &visitor.caller, params.clone()).await?;
        Some(found(&view, &given, texts, &state.labels))
    };
    let page = SearchPage {
        page: Chrome::of(visitor, "search"),
        t: texts,
        q: params.q.clone().unwrap_or_default(),
        kept: given
            .into_iter()
            .filter(|(name, _)| !matches!(*name, "q" | "cursor"))
            .collect(),
        found,
    };
    Ok(html(visitor, StatusCode::OK, &page))
}

/// The parameters given, by name, in a fixed order.
type Given = [(&'static str, String)];

fn found(view: &SearchView, given: &Given, texts: &Texts, labels: &Labels) -> Found {
    let count = view.total.to_string();
    let summary = match view.total {
        0 => texts.get("results-none").to_owned(),
        _ => texts.with("results-count", &[("count", &count)]),
    };
    let approximate = view
        .results
        .first()
        .and_then(|hit| hit.matched)
        .is_some_and(|matched| matches!(matched, Matched::SomeWords | Matched::Letters));
    let next = view.next_cursor.as_ref().map(|cursor| {
        let mut next = given.to_vec();
        next.retain(|(name, _)| *name != "cursor");
        next.push(("cursor", cursor.clone()));
        href(&next)
    });
    Found {
        summary,
        approximate,
        hits: view
            .results
            .iter()
            .map(|hit| hit_row(hit, texts, labels))
            .collect(),
        facets: facet_groups(view, given, texts, labels),
        chosen: chips(given, texts, labels),
        next,
    }
}

fn hit_row(hit: &Hit, texts: &Texts, labels: &Labels) -> HitRow {
    let name = hit.name.clone().unwrap_or_else(|| hit.stat_id.to_string());
    let titled = |attribute: Attribute, code: &Option<String>| {
        code.as_ref().map(|code| match labels.of(attribute, code) {
            Some(title) => format!("{code} {title}"),
            None => code.clone(),
        })
    };
    HitRow {
        href: format!("/units/{}", hit.stat_id),
        name: marked(&name, &hit.highlights),
        stat_id: hit.stat_id.to_string(),
        kind: hit
            .kind
            .as_deref()
            .map_or_else(String::new, |kind| texts.of("kind", kind).to_owned()),
        enterprise: hit.enterprise.map(|id| id.to_string()),
        activity: titled(Attribute::Activity, &hit.activity),
        region: hit.region.as_ref().map(|code| {
            labels
                .of(Attribute::Region, code)
                .unwrap_or(code)
                .to_owned()
        }),
        status: hit
            .status
            .as_deref()
            .map(|status| texts.of("status", status).to_owned()),
        status_code: hit.status.clone().unwrap_or_default(),
    }
}

/// A name cut into runs, each marked when the query matched it.
fn marked(name: &str, spans: &[crate::search::query::highlight::Span]) -> Vec<(String, bool)> {
    let chars: Vec<char> = name.chars().collect();
    let mut runs = Vec::new();
    let mut at = 0;
    for span in spans {
        let start = span.start.min(chars.len()).max(at);
        let end = span.end.min(chars.len());
        if start >= end {
            continue;
        }
        if start > at {
            runs.push((chars[at..start].iter().collect(), false));
        }
        runs.push((chars[start..end].iter().collect(), true));
        at = end;
    }
    if at < chars.len() {
        runs.push((chars[at..].iter().collect(), false));
    }
    runs
}

fn facet_groups(
    view: &SearchView,
    given: &Given,
    texts: &Texts,
    labels: &Labels,
) -> Vec<FacetGroup> {
    FACET_ORDER
        .iter()
        .filter_map(|(parameter, facet, attribute)| {
            let counts = view.facets.get(*facet)?;
            let current = value_of(given, parameter);
            let values: Vec<FacetValue> = counts
                .iter()
                .map(|count| {
                    let chosen =
                        current.is_some_and(|value| value.eq_ignore_ascii_case(&count.value));
                    let mut wanted = without(given, parameter);
                    if !chosen {
                        wanted.push((parameter, count.value.clone()));
                    }
                    FacetValue {
                        label: value_label(parameter, *attribute, &count.value, texts, labels),
                        count: count.count,
                        href: href(&wanted),
                        chosen,
                    }
                })
                .collect();
            (!values.is_empty()).then(|| FacetGroup {
                title: texts.of("facet", parameter).to_owned(),
                values,
            })
        })
        .collect()
}

fn chips(given: &Given, texts: &Texts, labels: &Labels) -> Vec<Chip> {
    FACET_ORDER
        .iter()
        .filter_map(|(parameter, _, attribute)| {
            let value = value_of(given, parameter)?;
            let wanted = without(given, parameter);
            Some(Chip {
                label: format!(
                    "{}: {}",
                    texts.of("facet", parameter),
                    value_label(parameter, *attribute, value, texts, labels)
                ),
                href: href(&wanted),
            })
        })
        .collect()
}

/// What a facet value says: a region's or form's title, a status in words.
fn value_label(
    parameter: &str,
    attribute: Option<Attribute>,
    value: &str,
    texts: &Texts,
    labels: &Labels,
) -> String {
    if let Some(title) = attribute.and_then(|attribute| labels.of(attribute, value)) {
        return format!("{value} {title}");
    }
    if parameter == "activity" {
        return texts.of("section", value).to_owned();
    }
    texts.of(parameter, value).to_owned()
}

fn value_of<'a>(given: &'a Given, parameter: &str) -> Option<&'a str> {
    given
        .iter()
        .find(|(name, _)| *name == parameter)
        .map(|(_, value)| value.as_str())
}

/// The parameters given without one filter, and from the first page.
fn without(given: &Given, parameter: &str) -> Vec<(&'static str, String)> {
    given
        .iter()
        .filter(|(name, _)| *name != parameter && *name != "cursor")
        .cloned()
        .collect()
}

/// The parameters with empty fields (a form's untouched box) left out.
fn without_blanks(params: SearchParams) -> SearchParams {
    let kept = |value: Option<String>| value.filter(|value| !value.trim().is_empty());
    SearchParams {
        q: kept(params.q),
        kind: kept(params.kind),
        status: kept(params.status),
        region: kept(params.region),
        activity: kept(params.activity),
        legal_form: kept(params.legal_form),
        sector: kept(params.sector),
        size_class: kept(params.size_class),
        registered_from: kept(params.registered_from),
        registered_to: kept(params.registered_to),
        sort: kept(params.sort),
        cursor: kept(params.cursor),
        limit: kept(params.limit),
    }
}

/// The parameters given, in a fixed order, as a link carries them.
fn pairs(params: &SearchParams) -> Vec<(&'static str, String)> {
    let all = [
        ("q", &params.q),
        ("kind", &params.kind),
        ("status", &params.status),
        ("region", &params.region),
        ("activity", &params.activity),
        ("legal_form", &params.legal_form),
        ("sector", &params.sector),
        ("size_class", &params.size_class),
        ("registered_from", &params.registered_from),
        ("registered_to", &params.registered_to),
        ("sort", &params.sort),
        ("cursor", &params.cursor),
        ("limit", &params.limit),
    ];
    all.into_iter()
        .filter_map(|(name, value)| {
            value
                .as_ref()
                .filter(|value| !value.is_empty())
                .map(|value| (name, value.clone()))
        })
        .collect()
}

fn href(pairs: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    format!("/search?{}", query(&borrowed))
}
