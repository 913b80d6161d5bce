//! Reading what business demography needs of every legal unit: its
//! demographic events and the few attributes counts are broken down by.
//!
//! Units are read in batches of consecutive ids, each batch with range
//! queries on the indexes by unit (no list of ids is sent), and only the
//! columns needed: at a million enterprises the whole walk reads a few
//! million narrow rows.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{event_units, events, source_records, units};
use super::units::word;
use super::{AnyConnection, StoreResult};
use crate::domain::attribute::Attribute;
use crate::domain::demography::{Fact, LifeEvent, ShownEnd};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::source::Source;
use crate::domain::survivorship::{priority, valid_on};
use crate::domain::unit::{UnitKind, UnitStatus};

/// One legal unit as demography sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitLife {
    /// Its register id.
    pub unit: i64,
    /// Its demographic events, in the order they took effect (same-day
    /// events in recording order).
    pub events: Vec<LifeEvent>,
    /// Its registration date as its records show it today.
    pub registered: Option<NaiveDate>,
    /// Its principal activity code as shown today.
    pub activity: Option<String>,
    /// Its region code as shown today.
    pub region: Option<String>,
    /// Its legal form code as shown today.
    pub legal_form: Option<String>,
    /// How its records show its end today.
    pub shown_end: ShownEnd,
}

/// Up to `limit` legal unit ids after `after`, in id order.
pub fn legal_units_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(units::table
        .filter(units::id.gt(after))
        .filter(units::kind.eq(UnitKind::LegalUnit.as_str()))
        .order(units::id)
        .limit(limit)
        .select(units::id)
        .load(conn)?)
}

/// The lives of these legal units (ids ascending), their attributes as
/// shown on `today`.
pub fn lives(
    conn: &mut AnyConnection,
    ids: &[i64],
    today: NaiveDate,
) -> StoreResult<Vec<UnitLife>> {
    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
        return Ok(Vec::new());
    };
    let mut by_unit: HashMap<i64, UnitLife> = ids
        .iter()
        .map(|&unit| {
            let life = UnitLife {
                unit,
                ..UnitLife::default()
            };
            (unit, life)
        })
        .collect();
    for (unit, event) in life_events(conn, first, last)? {
        if let Some(life) = by_unit.get_mut(&unit) {
            life.events.push(event);
        }
    }
    let statements = statements(conn, first, last)?;
    for (unit, rows) in group_by_unit(&statements) {
        if let Some(life) = by_unit.get_mut(&unit) {
            shown(life, rows, today)?;
        }
    }
    let mut lives: Vec<UnitLife> = by_unit.into_values().collect();
    lives.sort_unstable_by_key(|life| life.unit);
    Ok(lives)
}

/// The demographic events of the units with ids from `first` to `last`.
fn life_events(
    conn: &mut AnyConnection,
    first: i64,
    last: i64,
) -> StoreResult<Vec<(i64, LifeEvent)>> {
    let rows: Vec<(i64, String, NaiveDate, String)> = event_units::table
        .inner_join(events::table)
        .filter(event_units::unit_id.between(first, last))
        .filter(events::kind.ne(EventKind::Other.as_str()))
        .order((event_units::unit_id, events::event_date, events::id))
        .select((
            event_units::unit_id,
            events::kind,
            events::event_date,
            event_units::role,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (unit, kind, date, role) in rows {
        let kind: EventKind = word("events.kind", &kind)?;
        let role: EventRole = word("event_units.role", &role)?;
        if let Some(fact) = Fact::of(kind, role) {
            out.push((unit, LifeEvent { date, fact }));
        }
    }
    Ok(out)
}

/// A current statement's columns that demography reads.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = source_records)]
struct Statement {
    unit_id: i64,
    source: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
    seq: i64,
    activity_code: Option<String>,
    region: Option<String>,
    legal_form: Option<String>,
    birth_date: Option<NaiveDate>,
    status: Option<String>,
    death_date: Option<NaiveDate>,
}

/// The current (not superseded) statements about units `first` to `last`,
/// by unit.
fn statements(conn: &mut AnyConnection, first: i64, last: i64) -> StoreResult<Vec<Statement>> {
    Ok(source_records::table
        .filter(source_records::unit_id.between(first, last))
        .filter(source_records::superseded_at.is_null())
        .order(source_records::unit_id)
        .select(Statement::as_select())
        .load(conn)?)
}

/// Consecutive statements of one unit, as slices.
fn group_by_unit(rows: &[Statement]) -> impl Iterator<Item = (i64, &[Statement])> {
    rows.chunk_by(|a, b| a.unit_id == b.unit_id)
        .map(|chunk| (chunk[0].unit_id, chunk))
}

/// Fills in what the unit shows on `today`, by the survivorship rule: the
/// first source in the attribute's priority with a value, its newest.
fn shown(life: &mut UnitLife, rows: &[Statement], today: NaiveDate) -> StoreResult<()> {
    let mut holding = Vec::with_capacity(rows.len());
    for row in rows {
        if valid_on(row.valid_from, row.valid_to, today) {
            let source: Source = word("source_records.source", &row.source)?;
            holding.push((source, row));
        }
    }
    let pick = |attribute: Attribute, value: fn(&Statement) -> Option<&String>| {
        chosen(&holding, attribute, |row| value(row).cloned())
    };
    life.activity = pick(Attribute::Activity, |row| row.activity_code.as_ref());
    life.region = pick(Attribute::Region, |row| row.region.as_ref());
    life.legal_form = pick(Attribute::LegalForm, |row| row.legal_form.as_ref());
    // The status shown, then read: a word the register does not use for a
    // closure (`registered`) tells of no end.
    let status = chosen(&holding, Attribute::Status, |row| {
        Some((row.status.clone()?, row.valid_from))
    });
    life.shown_end = ShownEnd {
        status: status
            .as_ref()
            .and_then(|(status, _)| status.parse::<UnitStatus>().ok()),
        since: status.map(|(_, since)| since),
        death_date: chosen(&holding, Attribute::DeathDate, |row| row.death_date),
    };
    life.registered = chosen(&holding, Attribute::BirthDate, |row| row.birth_date);
    Ok(())
}

/// The value of the first source in `attribute`'s priority that gives one,
/// from its newest statement (latest valid-from, then latest recorded).
fn chosen<T>(
    holding: &[(Source, &Statement)],
    attribute: Attribute,
    value: impl Fn(&Statement) -> Option<T>,
) -> Option<T> {
    priority(attribute).iter().find_map(|source| {
        holding
            .iter()
            .filter(|(from, _)| from == source)
            .filter_map(|(_, row)| {
                let order = (row.valid_from, row.recorded_at, row.seq);
                Some((order, value(row)?))
            })
            .max_by_key(|(order, _)| *order)
            .map(|(_, value)| value)
    })
}
