//! `/units/{stat_id}`: one unit's whole story — its attributes with their
//! sources, where the sources disagree, its history and events, its links,
//! as of any date.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::language::Texts;
use super::visitor::Visitor;
use super::{answer, decode, html, Chrome};
use crate::api::error::ApiError;
use crate::api::params::{parse_as_of, parse_stat_id};
use crate::api::units::{
    read_history, read_links, read_unit, AttributeView, HistoryView, LinksView, UnitView,
};
use crate::api::AppState;
use crate::domain::attribute::Attribute;

/// The unit page.
#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    page: Chrome,
    t: &'static Texts,
    stat_id: String,
    name: String,
    kind: String,
    as_of: String,
    rows: Vec<AttributeRow>,
    conflicts: usize,
    withheld: bool,
    links: Vec<LinkRow>,
    timeline: Vec<Moment>,
}

/// One attribute as shown.
struct AttributeRow {
    label: String,
    value: String,
    source: String,
    source_code: String,
    since: String,
    conflict: bool,
    others: Vec<String>,
}

/// One related unit.
struct LinkRow {
    href: String,
    name: String,
    stat_id: String,
    unit_kind: String,
    kind_label: String,
    how: String,
    since: String,
}

/// One step of the timeline: a recorded change or an event.
struct Moment {
    date: String,
    recorded: String,
    title: String,
    source: String,
    details: Vec<String>,
    units: Vec<(String, String, String)>,
    event: bool,
}

/// The "as of" date, if one was picked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Day {
    as_of: Option<String>,
}

/// `GET /units/{stat_id}`.
#[get("/units/{stat_id}")]
pub async fn unit_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let outcome = show(&state, &visitor, &path, request.query_string()).await;
    answer(&visitor, outcome)
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    stat_id: &str,
    query_string: &str,
) -> Result<HttpResponse, ApiError> {
    let day: Day = decode(query_string.as_bytes())?;
    let stat_id = parse_stat_id(stat_id)?;
    let as_of = parse_as_of(day.as_of.as_deref().filter(|day| !day.is_empty()))?;
    let view = read_unit(state, &visitor.caller, stat_id, as_of).await?;
    let history = read_history(state, &visitor.caller, stat_id).await?;
    let links = read_links(state, stat_id, as_of).await?;
    let texts = visitor.texts();
    let page = UnitPage {
        page: Chrome::of(visitor, "search"),
        t: texts,
        stat_id: stat_id.to_string(),
        name: name_of(&view),
        kind: texts.of("kind", view.kind.as_str()).to_owned(),
        as_of: as_of.to_string(),
        rows: rows(&view, texts),
        conflicts: view.conflicts.len(),
        withheld: !view.withheld.is_empty(),
        links: link_rows(&links, texts),
        timeline: timeline(&history, texts),
    };
    Ok(html(visitor, StatusCode::OK, &page))
}

fn name_of(view: &UnitView) -> String {
    view.attributes
        .get(&Attribute::Name)
        .map_or_else(|| view.stat_id.to_string(), |name| text(&name.value))
}

fn rows(view: &UnitView, texts: &Texts) -> Vec<AttributeRow> {
    view.attributes
        .iter()
        .map(|(attribute, shown)| AttributeRow {
            label: texts.of("attribute", attribute.as_str()).to_owned(),
            value: value_text(*attribute, shown, texts),
            source: texts.of("source", shown.source.as_str()).to_owned(),
            source_code: shown.source.as_str().to_owned(),
            since: shown.valid_from.to_string(),
            conflict: shown.conflict,
            others: shown
                .others
                .iter()
                .map(|other| {
                    format!(
                        "{}: {} ({})",
                        texts.of("source", other.source.as_str()),
                        text(&other.value),
                        other.valid_from
                    )
                })
                .collect(),
        })
        .collect()
}

fn value_text(attribute: Attribute, shown: &AttributeView, texts: &Texts) -> String {
    let value = match &shown.value {
        serde_json::Value::Bool(true) => texts.get("yes").to_owned(),
        serde_json::Value::Bool(false) => texts.get("no").to_owned(),
        serde_json::Value::String(status) if attribute == Attribute::Status => {
            texts.of("status", status).to_owned()
        }
        other => text(other),
    };
    match &shown.label {
        Some(label) => format!("{value} — {label}"),
        None => value,
    }
}

/// A JSON value as plain text.
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

fn link_rows(links: &LinksView, texts: &Texts) -> Vec<LinkRow> {
    links
        .links
        .iter()
        .map(|link| LinkRow {
            href: format!("/units/{}", link.stat_id),
            name: link
                .name
                .clone()
                .unwrap_or_else(|| link.stat_id.to_string()),
            stat_id: link.stat_id.to_string(),
            unit_kind: link.unit_kind.as_str().to_owned(),
            kind_label: texts.of("kind", link.unit_kind.as_str()).to_owned(),
            how: texts
                .of(&format!("link-{}", link.related_as), link.kind.as_str())
                .to_owned(),
            since: link.valid_from.to_string(),
        })
        .collect()
}

/// Changes and events, newest first.
fn timeline(history: &HistoryView, texts: &Texts) -> Vec<Moment> {
    let changes = history.changes.iter().map(|change| Moment {
        date: change.valid_from.to_string(),
        recorded: change.recorded_at.format("%Y-%m-%d %H:%M").to_string(),
        title: texts.get("timeline-change").to_owned(),
        source: texts.of("source", change.source.as_str()).to_owned(),
        details: change
            .changed
            .iter()
            .map(|(attribute, value)| {
                format!("{}: {}", texts.of("attribute", attribute), text(value))
            })
            .collect(),
        units: Vec::new(),
        event: false,
    });
    let events = history.events.iter().map(|event| Moment {
        date: event.date.to_string(),
        recorded: event.recorded_at.format("%Y-%m-%d %H:%M").to_string(),
        title: texts.of("event", event.kind.as_str()).to_owned(),
        source: texts.of("origin", event.origin.kind.as_str()).to_owned(),
        details: event.note.iter().cloned().collect(),
        units: event
            .units
            .iter()
            .map(|unit| {
                (
                    format!("/units/{}", unit.stat_id),
                    unit.stat_id.to_string(),
                    texts.of("role", unit.role.as_str()).to_owned(),
                )
            })
            .collect(),
        event: true,
    });
    let mut moments: Vec<Moment> = changes.chain(events).collect();
    moments.sort_by(|a, b| (&b.date, &b.recorded).cmp(&(&a.date, &a.recorded)));
    moments
}
