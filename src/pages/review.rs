//! `/review`: one open item at a time — the source row beside each
//! candidate, each field's evidence drawn as a bar — decided with one click
//! or one key (L link, N new, R reject; J and K for next and previous).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::language::Texts;
use super::visitor::Visitor;
use super::{answer, decode, html, see_other, Chrome};
use crate::api::error::{ApiError, Code};
use crate::api::params::parse_id;
use crate::api::review::{decide as take_decision, queue_item, Decision, ReviewView};
use crate::api::AppState;
use crate::domain::attribute::Attribute;

/// Half the width of an evidence bar, in SVG units: the axis is in the middle.
const HALF_BAR: f64 = 100.0;

/// The review page.
#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: Chrome,
    t: &'static Texts,
    open: String,
    item: Option<ItemShown>,
    previous: Option<String>,
    next: Option<String>,
}

/// The item shown: the row and its candidates side by side, field by field.
struct ItemShown {
    id: i64,
    source: String,
    line: i64,
    reason: String,
    candidates: Vec<CandidateHead>,
    fields: Vec<FieldRow>,
}

/// A candidate's column head.
struct CandidateHead {
    stat_id: String,
    name: String,
    score: String,
}

/// One field: the row's value, then each candidate's with its evidence.
struct FieldRow {
    label: String,
    row: String,
    cells: Vec<Cell>,
}

/// A candidate's value of a field, and that field's contribution to its score.
struct Cell {
    value: String,
    bar: Option<Bar>,
}

/// One field's contribution, drawn from the middle axis.
struct Bar {
    level: String,
    weight: String,
    x: String,
    width: String,
    positive: bool,
}

/// Which item to show.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wanted {
    item: Option<String>,
}

/// `GET /review?item=ID`: the item, or the first open one after it.
#[get("/review")]
pub async fn review_page(
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
    let wanted: Wanted = decode(query_string.as_bytes())?;
    let id = match wanted.item.as_deref().filter(|item| !item.is_empty()) {
        Some(item) => Some(parse_id("item", item)?),
        None => None,
    };
    let queue = queue_item(state, &visitor.caller, id).await?;
    let texts = visitor.texts();
    let page = ReviewPage {
        page: Chrome::of(visitor, "review"),
        t: texts,
        open: texts.with("review-open", &[("count", &queue.open.to_string())]),
        item: queue.item.map(|item| shown(item, texts)),
        previous: queue.previous.map(|id| format!("/review?item={id}")),
        next: queue.next.map(|id| format!("/review?item={id}")),
    };
    Ok(html(visitor, StatusCode::OK, &page))
}

fn shown(item: ReviewView, texts: &Texts) -> ItemShown {
    let evidence: Vec<Vec<(String, String, f64)>> = item
        .candidates
        .iter()
        .map(|candidate| evidence(&candidate.evidence))
        .collect();
    let widest = evidence
        .iter()
        .flatten()
        .map(|(_, _, weight)| weight.abs())
        .fold(1.0_f64, f64::max);
    let fields = Attribute::ALL
        .iter()
        .filter_map(|attribute| {
            let name = attribute.as_str();
            let row = shown_value(item.row.get(name));
            let compared = evidence.iter().flatten().any(|(field, _, _)| field == name);
            if row.is_empty() && !compared {
                return None;
            }
            let cells = item
                .candidates
                .iter()
                .zip(&evidence)
                .map(|(candidate, fields)| Cell {
                    value: shown_value(candidate.attributes.get(name)),
                    bar: fields
                        .iter()
                        .find(|(field, _, _)| field == name)
                        .map(|(_, level, weight)| bar(level, *weight, widest, texts)),
                })
                .collect();
            Some(FieldRow {
                label: texts.of("attribute", name).to_owned(),
                row,
                cells,
            })
        })
        .collect();
    ItemShown {
        id: item.id,
        source: texts.of("source", item.source.as_str()).to_owned(),
        line: item.line,
        reason: item.reason,
        candidates: item
            .candidates
            .iter()
            .map(|candidate| CandidateHead {
                stat_id: candidate.stat_id.to_string(),
                name: candidate.name.clone().unwrap_or_default(),
                score: format!("{:.1}", candidate.score),
            })
            .collect(),
        fields,
    }
}

/// A value as text; nothing for a value not given.
fn shown_value(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The evidence's fields, levels and weights, from its stored JSON.
fn evidence(json: &serde_json::Value) -> Vec<(String, String, f64)> {
    let Some(fields) = json.as_array() else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|field| {
            let name = field["field"].as_str().unwrap_or_default().to_owned();
            let level = field["level"].as_str().unwrap_or_default().to_owned();
            (name, level, field["weight"].as_f64().unwrap_or(0.0))
        })
        .collect()
}

fn bar(level: &str, weight: f64, widest: f64, texts: &Texts) -> Bar {
    let length = weight.abs() / widest * HALF_BAR;
    let x = if weight >= 0.0 {
        HALF_BAR
    } else {
        HALF_BAR - length
    };
    Bar {
        level: texts.of("level", level).to_owned(),
        weight: format!("{weight:+.1}"),
        x: format!("{x:.1}"),
        width: format!("{length:.1}"),
        positive: weight >= 0.0,
    }
}

/// A decision as the page's one form sends it: the button pressed names
/// it, `link` carrying the candidate's stat_id, `decision` create or reject.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decided {
    csrf: String,
    link: Option<String>,
    decision: Option<String>,
    note: Option<String>,
}

/// `POST /review/{id}`: takes the decision, then shows the next open item.
#[post("/review/{id}")]
pub async fn decide_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let outcome = decide_item(&state, &visitor, &id, &body).await;
    answer(&visitor, outcome)
}

async fn decide_item(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let form: Decided = decode(body)?;
    visitor.check_csrf(&form.csrf)?;
    let id = parse_id("id", id)?;
    let note = form.note.filter(|note| !note.trim().is_empty());
    let decision = match (form.link, form.decision.as_deref()) {
        (Some(stat_id), None) => Decision::Link { stat_id, note },
        (None, Some("create")) => Decision::Create { note },
        (None, Some("reject")) => Decision::Reject { note },
        _ => {
            return Err(ApiError::field(
                Code::UnknownValue,
                "decision",
                "expected one of: link (a candidate's stat_id), create or reject",
            ))
        }
    };
    take_decision(state, &visitor.caller, id, decision).await?;
    Ok(see_other(&format!("/review?item={}", id + 1)))
}
