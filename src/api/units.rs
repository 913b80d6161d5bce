//! Reading one unit: its attributes with their sources, its history, its links.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Code, Problem};
use super::params::{parse_as_of, parse_stat_id};
use super::AppState;
use crate::domain::access::Caller;
use crate::domain::attribute::{Attribute, Disclosure, Value};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::history;
use crate::domain::link::LinkKind;
use crate::domain::source::{Origin, Source};
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::{self, Record, Resolved};
use crate::domain::unit::UnitKind;
use crate::store::reference::Labels;
use crate::store::units::{self, Versions};

/// The date a read is for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// `YYYY-MM-DD` from 1800-01-01 to 2100-12-31: the unit as it was on that date (default: today, UTC).
    #[param(value_type = Option<String>, format = Date, pattern = r"^(1[89][0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$")]
    as_of: Option<String>,
}

/// One attribute of a unit, with where its value came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeView {
    /// The value: text, number, date, yes/no; money as a decimal string.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
    /// The title of a coded value (activity, legal form, region).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The source the value was chosen from (by source priority).
    pub source: Source,
    /// That source's key for the unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// From when the value holds.
    pub valid_from: NaiveDate,
    /// Until when it holds (exclusive), if it has ended.
    pub valid_to: Option<NaiveDate>,
    /// When the register recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The act that recorded it.
    pub origin: Origin,
    /// Whether another source gives a different value.
    pub conflict: bool,
    /// The other sources' values, in priority order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<OtherValue>,
}

/// A value from a source that was not chosen.
#[derive(Debug, Serialize, ToSchema)]
pub struct OtherValue {
    /// The value.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
    /// Its source.
    pub source: Source,
    /// From when it holds.
    pub valid_from: NaiveDate,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The act that recorded it.
    pub origin: Origin,
}

/// A unit as it was on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// The register id.
    #[schema(value_type = String, example = "100000018")]
    pub stat_id: StatId,
    /// What kind of unit.
    pub kind: UnitKind,
    /// The date the values are for.
    pub as_of: NaiveDate,
    /// The register version (last change sequence number) this answer reflects.
    pub register_version: i64,
    /// The unit's version: the sequence number of its last change, also its
    /// `ETag`. An amend sent with `If-Match` is refused if it moved.
    pub version: i64,
    /// `public` without a token or for agencies, `full` for register staff.
    pub disclosure: &'static str,
    /// Attributes not served to this caller, present or not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<Attribute>,
    /// The attributes known on that date, by name (see the `Attribute` schema).
    pub attributes: BTreeMap<Attribute, AttributeView>,
    /// Attributes on which the sources disagree.
    pub conflicts: Vec<Attribute>,
}

#[utoipa::path(
    tag = "units",
    params(("stat_id" = String, Path, pattern = "^[1-9][0-9]{8}$", example = "100000011", description = "The unit's register id: 9 digits, the last a check digit (spaces and hyphens are ignored)"), AsOf),
    responses(
        (status = 200, description = "The unit", body = UnitView,
            headers(("ETag" = String, description = "The unit's version, quoted: send it as If-Match with an amend"))),
        (status = 400, description = "Malformed stat_id or as_of", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// A unit as it was on a date, each value with its source and recording time.
///
/// Without a token (or with an agency token) confidential attributes are
/// withheld: they are absent and listed under `withheld`.
#[get("/units/{stat_id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<AsOf>,
) -> Result<HttpResponse, ApiError> {
    let stat_id = parse_stat_id(&path)?;
    let as_of = parse_as_of(query.as_of.as_deref())?;
    let view = read_unit(&state, &caller, stat_id, as_of).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            format!("\"{}\"", view.version),
        ))
        .json(view))
}

/// A unit as it was on a date, as `caller` may see it: the API's answer and the unit page's.
pub async fn read_unit(
    state: &AppState,
    caller: &Caller,
    stat_id: StatId,
    as_of: NaiveDate,
) -> Result<UnitView, ApiError> {
    let (found, version) = state
        .db
        .read(move |conn| {
            let found = units::with_records(conn, stat_id, Versions::HoldingOn(as_of))?;
            Ok((found, units::version(conn, stat_id)?))
        })
        .await?;
    let found = found.ok_or_else(|| not_found(stat_id))?;
    let resolved = survivorship::resolve(&found.records, as_of);
    let attributes: BTreeMap<Attribute, AttributeView> = resolved
        .iter()
        .filter(|r| caller.may_see(r.attribute.disclosure()))
        .map(|r| (r.attribute, attribute_view(r, &state.labels)))
        .collect();
    let conflicts = attributes
        .iter()
        .filter(|(_, view)| view.conflict)
        .map(|(attribute, _)| *attribute)
        .collect();
    Ok(UnitView {
        stat_id,
        kind: found.unit.kind,
        as_of,
        register_version: found.register_version,
        version,
        disclosure: disclosure_name(caller),
        withheld: withheld(caller),
        attributes,
        conflicts,
    })
}

fn attribute_view(resolved: &Resolved<'_>, labels: &Labels) -> AttributeView {
    let record = resolved.chosen.record;
    let label = match &resolved.chosen.value {
        Value::Text(code) => labels.of(resolved.attribute, code),
        _ => None,
    };
    AttributeView {
        value: resolved.chosen.value.to_json(),
        label: label.map(str::to_owned),
        source: record.source,
        source_key: record.source_key.clone(),
        valid_from: record.valid_from,
        valid_to: record.valid_to,
        recorded_at: utc(record.recorded_at),
        origin: record.origin.clone(),
        conflict: resolved.conflict,
        others: resolved
            .others
            .iter()
            .map(|other| OtherValue {
                value: other.value.to_json(),
                source: other.record.source,
                valid_from: other.record.valid_from,
                recorded_at: utc(other.record.recorded_at),
                origin: other.record.origin.clone(),
            })
            .collect(),
    }
}

/// One recorded version of what a source said, and what it changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The change-log sequence number that recorded it.
    pub seq: i64,
    /// Who said it.
    pub source: Source,
    /// The source's key for the unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// From when it holds in the world.
    pub valid_from: NaiveDate,
    /// Until when (exclusive), if it ended.
    pub valid_to: Option<NaiveDate>,
    /// When the register recorded it.
    pub recorded_at: DateTime<Utc>,
    /// When a correction replaced it, if one did.
    pub superseded_at: Option<DateTime<Utc>>,
    /// The act that recorded it.
    pub origin: Origin,
    /// The attributes it changed, with their new values (withheld ones left out).
    #[schema(value_type = Object)]
    pub changed: serde_json::Map<String, serde_json::Value>,
}

/// A demographic event the unit took part in.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub date: NaiveDate,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The act that recorded it.
    pub origin: Origin,
    /// The units involved.
    pub units: Vec<EventUnit>,
    /// A remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A unit's part in an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventUnit {
    /// The unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// Its part.
    pub role: EventRole,
}

/// Everything the register ever recorded about a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// The unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// The register version this answer reflects.
    pub register_version: i64,
    /// Every record version in recording order, corrections included.
    pub changes: Vec<HistoryEntry>,
    /// Its demographic events, oldest first.
    pub events: Vec<EventView>,
}

#[utoipa::path(
    tag = "units",
    params(("stat_id" = String, Path, pattern = "^[1-9][0-9]{8}$", example = "100000011", description = "The unit's register id: 9 digits, the last a check digit (spaces and hyphens are ignored)")),
    responses(
        (status = 200, description = "The unit's history", body = HistoryView),
        (status = 400, description = "Malformed stat_id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Every change to a unit, with valid and recorded times and origin.
#[get("/units/{stat_id}/history")]
pub async fn get_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<HistoryView>, ApiError> {
    let stat_id = parse_stat_id(&path)?;
    Ok(web::Json(read_history(&state, &caller, stat_id).await?))
}

/// Everything recorded about a unit, as `caller` may see it.
pub async fn read_history(
    state: &AppState,
    caller: &Caller,
    stat_id: StatId,
) -> Result<HistoryView, ApiError> {
    let (found, events) = state
        .db
        .read(move |conn| {
            let found = units::with_records(conn, stat_id, Versions::All)?;
            let events = units::events_of(conn, stat_id)?;
            Ok((found, events))
        })
        .await?;
    let found = found.ok_or_else(|| not_found(stat_id))?;
    let changes = history_entries(&found.records, caller);
    let events = events
        .into_iter()
        .map(|event| EventView {
            kind: event.kind,
            date: event.date,
            recorded_at: utc(event.recorded_at),
            origin: event.origin,
            units: event
                .units
                .into_iter()
                .map(|(stat_id, role)| EventUnit { stat_id, role })
                .collect(),
            note: event.note,
        })
        .collect();
    Ok(HistoryView {
        stat_id,
        register_version: found.register_version,
        changes,
        events,
    })
}

/// The history as the caller may see it.
///
/// A caller who may not see confidential figures gets no entry whose only
/// changes are to them, and no `superseded_at` pointing at such a change:
/// either would tell when turnover or employees changed.
fn history_entries(records: &[Record], caller: &Caller) -> Vec<HistoryEntry> {
    let all: Vec<HistoryEntry> = history::steps(records)
        .into_iter()
        .map(|step| history_entry(step.record, &step.changed, caller))
        .collect();
    if caller.may_see(Disclosure::Confidential) {
        return all;
    }
    let mut shown: Vec<HistoryEntry> = all
        .into_iter()
        .filter(|entry| !entry.changed.is_empty())
        .collect();
    let moments: std::collections::HashSet<DateTime<Utc>> =
        shown.iter().map(|entry| entry.recorded_at).collect();
    for entry in &mut shown {
        entry.superseded_at = entry.superseded_at.filter(|at| moments.contains(at));
    }
    shown
}

fn history_entry(record: &Record, changed: &[Attribute], caller: &Caller) -> HistoryEntry {
    let changed = changed
        .iter()
        .filter(|attribute| caller.may_see(attribute.disclosure()))
        .map(|attribute| {
            let value = record.values.get(*attribute);
            (
                attribute.as_str().to_owned(),
                value.map_or(serde_json::Value::Null, |v| v.to_json()),
            )
        })
        .collect();
    HistoryEntry {
        seq: record.seq,
        source: record.source,
        source_key: record.source_key.clone(),
        valid_from: record.valid_from,
        valid_to: record.valid_to,
        recorded_at: utc(record.recorded_at),
        superseded_at: record.superseded_at.map(utc),
        origin: record.origin.clone(),
        changed,
    }
}

/// A unit related to the one asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// How the part belongs to the whole.
    pub kind: LinkKind,
    /// `whole` when the related unit is the whole (e.g. the legal unit's
    /// enterprise), `part` when it is a part (e.g. the enterprise's legal unit).
    pub related_as: &'static str,
    /// The related unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// Its kind.
    pub unit_kind: UnitKind,
    /// Its name on the date asked for, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First day of the link.
    pub valid_from: NaiveDate,
    /// First day it no longer holds.
    pub valid_to: Option<NaiveDate>,
    /// When the register recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The act that recorded it.
    pub origin: Origin,
}

/// The units related to a unit on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinksView {
    /// The unit asked about.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// The date.
    pub as_of: NaiveDate,
    /// Its related units.
    pub links: Vec<LinkView>,
}

#[utoipa::path(
    tag = "units",
    params(("stat_id" = String, Path, pattern = "^[1-9][0-9]{8}$", example = "100000011", description = "The unit's register id: 9 digits, the last a check digit (spaces and hyphens are ignored)"), AsOf),
    responses(
        (status = 200, description = "Related units", body = LinksView),
        (status = 400, description = "Malformed stat_id or as_of", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// Related units on a date: legal unit ↔ enterprise ↔ local units ↔ group.
#[get("/units/{stat_id}/links")]
pub async fn get_links(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<String>,
    query: web::Query<AsOf>,
) -> Result<web::Json<LinksView>, ApiError> {
    let stat_id = parse_stat_id(&path)?;
    let as_of = parse_as_of(query.as_of.as_deref())?;
    Ok(web::Json(read_links(&state, stat_id, as_of).await?))
}

/// The units related to a unit on a date (links hold no confidential figures).
pub async fn read_links(
    state: &AppState,
    stat_id: StatId,
    as_of: NaiveDate,
) -> Result<LinksView, ApiError> {
    let links = state
        .db
        .read(move |conn| {
            if units::find(conn, stat_id)?.is_none() {
                return Ok(None);
            }
            let mut views = Vec::new();
            for link in units::links(conn, stat_id)?
                .into_iter()
                .filter(|l| l.holds_on(as_of))
            {
                let (other, related_as) = if link.part == stat_id {
                    (link.whole, "whole")
                } else {
                    (link.part, "part")
                };
                let Some(related) = units::with_records(conn, other, Versions::HoldingOn(as_of))?
                else {
                    continue;
                };
                views.push(LinkView {
                    kind: link.kind,
                    related_as,
                    stat_id: other,
                    unit_kind: related.unit.kind,
                    name: shown_name(&related.records, as_of),
                    valid_from: link.valid_from,
                    valid_to: link.valid_to,
                    recorded_at: utc(link.recorded_at),
                    origin: link.origin,
                });
            }
            Ok(Some(views))
        })
        .await?
        .ok_or_else(|| not_found(stat_id))?;
    Ok(LinksView {
        stat_id,
        as_of,
        links,
    })
}

/// The name a unit shows on a date, if any source gives one.
pub(crate) fn shown_name(records: &[Record], date: NaiveDate) -> Option<String> {
    survivorship::resolve(records, date)
        .into_iter()
        .find(|resolved| resolved.attribute == Attribute::Name)
        .and_then(|resolved| match resolved.chosen.value {
            Value::Text(name) => Some(name),
            _ => None,
        })
}

fn not_found(stat_id: StatId) -> ApiError {
    ApiError::not_found(Code::UnitNotFound, "unit", stat_id)
}

fn utc(moment: NaiveDateTime) -> DateTime<Utc> {
    moment.and_utc()
}

fn disclosure_name(caller: &Caller) -> &'static str {
    if caller.may_see(Disclosure::Confidential) {
        "full"
    } else {
        "public"
    }
}

fn withheld(caller: &Caller) -> Vec<Attribute> {
    Attribute::ALL
        .iter()
        .copied()
        .filter(|attribute| !caller.may_see(attribute.disclosure()))
        .collect()
}
