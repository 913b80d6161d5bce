//! The change feed: the change log read in order, each entry with the new
//! values of the fields it changed.
//!
//! The log itself keeps field names only (a bulk load would otherwise
//! write every value twice); the values are the records, links and events
//! the same change wrote, found by its seq, time and origin.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value as Json};

use super::schema::{change_log, event_units, events, source_records, unit_links, units};
use super::units::{word, RecordRow};
use super::{AnyConnection, StoreResult};
use crate::domain::attribute::Attribute;
use crate::domain::source::{Origin, OriginKind};
use crate::domain::stat_id::StatId;

/// Which changes to read.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only changes to this unit.
    pub unit: Option<StatId>,
    /// Only `created` or `updated`.
    pub kind: Option<&'static str>,
    /// Only changes recording this source's statements.
    pub source: Option<&'static str>,
}

/// One change, as the feed serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Its sequence number.
    pub seq: i64,
    /// When it was recorded.
    pub at: NaiveDateTime,
    /// The unit.
    pub unit: StatId,
    /// `created` or `updated`.
    pub kind: String,
    /// The source whose statement it recorded, if any.
    pub source: Option<String>,
    /// The act that made it.
    pub origin: Origin,
    /// Each changed field with its new value; `attribute` is set for the
    /// unit's attributes, whose disclosure the caller's role decides.
    pub fields: Vec<FieldChange>,
}

/// A field a change set, with its new value.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field's name.
    pub name: String,
    /// The attribute, when the field is one.
    pub attribute: Option<Attribute>,
    /// The new value (`null` when cleared).
    pub value: Json,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = change_log)]
struct ChangeRow {
    seq: i64,
    unit_id: i64,
    kind: String,
    changed_fields: String,
    recorded_at: NaiveDateTime,
    origin_kind: String,
    origin_ref: Option<String>,
    source: Option<String>,
}

/// Changes after a seq, oldest first, at most `limit`.
pub fn page(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
    filter: &FeedFilter,
) -> StoreResult<Vec<FeedEntry>> {
    let mut query = change_log::table
        .filter(change_log::seq.gt(after))
        .into_boxed();
    if let Some(unit) = filter.unit {
        query = query.filter(change_log::unit_id.eq(unit.unit_number()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(change_log::kind.eq(kind));
    }
    if let Some(source) = filter.source {
        query = query.filter(change_log::source.eq(source));
    }
    let rows: Vec<ChangeRow> = query
        .order(change_log::seq)
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let found = Found::read(conn, &rows)?;
    rows.into_iter().map(|row| found.entry(row)).collect()
}

/// What the changes of a page wrote besides their log entries.
struct Found {
    /// Records by (unit, seq).
    records: HashMap<(i64, i64), Vec<RecordRow>>,
    /// Unit kinds.
    kinds: HashMap<i64, String>,
    /// Links by (unit at either end, time, origin ref).
    links: HashMap<(i64, NaiveDateTime, Option<String>), Vec<Json>>,
    /// Events by (unit, time, origin ref).
    events: HashMap<(i64, NaiveDateTime, Option<String>), Vec<Json>>,
}

impl Found {
    fn read(conn: &mut AnyConnection, rows: &[ChangeRow]) -> StoreResult<Found> {
        let ids: Vec<i64> = rows.iter().map(|row| row.unit_id).collect();
        let seqs: Vec<i64> = rows.iter().map(|row| row.seq).collect();
        let times: Vec<NaiveDateTime> = rows.iter().map(|row| row.recorded_at).collect();
        let mut records: HashMap<(i64, i64), Vec<RecordRow>> = HashMap::new();
        let found: Vec<RecordRow> = source_records::table
            .filter(source_records::unit_id.eq_any(&ids))
            .filter(source_records::seq.eq_any(&seqs))
            .select(RecordRow::as_select())
            .load(conn)?;
        for record in found {
            records
                .entry((record.unit_id, record.seq))
                .or_default()
                .push(record);
        }
        let kinds = units::table
            .filter(units::id.eq_any(&ids))
            .select((units::id, units::kind))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        Ok(Found {
            records,
            kinds,
            links: links(conn, &ids, &times)?,
            events: events_of(conn, &ids, &times)?,
        })
    }

    fn entry(&self, row: ChangeRow) -> StoreResult<FeedEntry> {
        let names: Vec<String> = serde_json::from_str(&row.changed_fields)
            .map_err(|e| super::StoreError::Encode(e.to_string()))?;
        let record = self.newest_record(&row);
        let key = (row.unit_id, row.recorded_at, row.origin_ref.clone());
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let (attribute, value) = match name.as_str() {
                "kind" => (None, json!(self.kinds.get(&row.unit_id))),
                "link" => (
                    None,
                    json!(self.links.get(&key).cloned().unwrap_or_default()),
                ),
                "event" => (
                    None,
                    json!(self.events.get(&key).cloned().unwrap_or_default()),
                ),
                other => {
                    let attribute: Attribute = word("change_log.changed_fields", other)?;
                    let value = record
                        .as_ref()
                        .and_then(|values| values.get(attribute))
                        .map_or(Json::Null, |value| value.to_json());
                    (Some(attribute), value)
                }
            };
            fields.push(FieldChange {
                name,
                attribute,
                value,
            });
        }
        let origin_kind: OriginKind = word("change_log.origin_kind", &row.origin_kind)?;
        Ok(FeedEntry {
            seq: row.seq,
            at: row.recorded_at,
            unit: StatId::from_unit_number(row.unit_id),
            kind: row.kind,
            source: row.source,
            origin: Origin {
                kind: origin_kind,
                reference: row.origin_ref,
            },
            fields,
        })
    }

    /// The values the change recorded: of its source's record versions
    /// with its seq, the one that starts last (the new version; an earlier
    /// one is the old version cut short).
    fn newest_record(&self, row: &ChangeRow) -> Option<crate::domain::attribute::Values> {
        let versions = self.records.get(&(row.unit_id, row.seq))?;
        versions
            .iter()
            .filter(|record| {
                row.source
                    .as_deref()
                    .is_none_or(|source| record.source == source)
            })
            .max_by_key(|record| (record.valid_from, record.id))
            .and_then(|record| record.clone().into_record().ok())
            .map(|record| record.values)
    }
}

/// A link as the feed reads it: kind, part, whole, validity, time, origin.
type LinkRow = (
    String,
    i64,
    i64,
    chrono::NaiveDate,
    Option<chrono::NaiveDate>,
    NaiveDateTime,
    Option<String>,
);

/// What one act wrote about a unit: (unit, time, origin ref) → items.
type ByAct = HashMap<(i64, NaiveDateTime, Option<String>), Vec<Json>>;

fn links(conn: &mut AnyConnection, ids: &[i64], times: &[NaiveDateTime]) -> StoreResult<ByAct> {
    let rows: Vec<LinkRow> = unit_links::table
        .filter(
            unit_links::from_unit
                .eq_any(ids)
                .or(unit_links::to_unit.eq_any(ids)),
        )
        .filter(unit_links::recorded_at.eq_any(times))
        .select((
            unit_links::kind,
            unit_links::from_unit,
            unit_links::to_unit,
            unit_links::valid_from,
            unit_links::valid_to,
            unit_links::recorded_at,
            unit_links::origin_ref,
        ))
        .load(conn)?;
    let mut by_act = ByAct::new();
    for (kind, part, whole, from, to, at, origin) in rows {
        let link = json!({
            "kind": kind,
            "part": StatId::from_unit_number(part).to_string(),
            "whole": StatId::from_unit_number(whole).to_string(),
            "valid_from": from.to_string(),
            "valid_to": to.map(|d| d.to_string()),
        });
        for unit in [part, whole] {
            by_act
                .entry((unit, at, origin.clone()))
                .or_default()
                .push(link.clone());
        }
    }
    Ok(by_act)
}

fn events_of(conn: &mut AnyConnection, ids: &[i64], times: &[NaiveDateTime]) -> StoreResult<ByAct> {
    let rows: Vec<(
        i64,
        String,
        String,
        chrono::NaiveDate,
        NaiveDateTime,
        Option<String>,
    )> = events::table
        .inner_join(event_units::table)
        .filter(event_units::unit_id.eq_any(ids))
        .filter(events::recorded_at.eq_any(times))
        .select((
            event_units::unit_id,
            event_units::role,
            events::kind,
            events::event_date,
            events::recorded_at,
            events::origin_ref,
        ))
        .load(conn)?;
    let mut by_act = ByAct::new();
    for (unit, role, kind, date, at, origin) in rows {
        by_act
            .entry((unit, at, origin))
            .or_default()
            .push(json!({"kind": kind, "date": date.to_string(), "role": role}));
    }
    Ok(by_act)
}
