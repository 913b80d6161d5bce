//! Writing to the register: the one path every change takes.
//!
//! A write runs in one transaction that first locks the single
//! `register_head` row. That serialises writers on both backends, so change
//! sequence numbers are handed out in commit order and a reader of the change
//! log never sees seq 7 before seq 6 has committed. Every unit a write
//! touches gets one change-log entry with the fields that changed.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::{
    change_log, event_units, events, register_head, source_records, unit_links, units,
};
use super::units::RecordRow;
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::attribute::{Attribute, Values};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::link::LinkKind;
use crate::domain::source::{Origin, Source};
use crate::domain::stat_id::{StatId, MAX_UNIT_NUMBER};
use crate::domain::survivorship::valid_on;
use crate::domain::unit::UnitKind;

/// What a source says about a unit from a date on.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Who says it.
    pub source: Source,
    /// The source's key for the unit (tin, reg_number, `line:N`, submission id).
    pub source_key: Option<String>,
    /// From when it is true.
    pub valid_from: NaiveDate,
    /// What it says.
    pub values: Values,
}

/// What recording a statement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The register already knew exactly this.
    Unchanged,
    /// These attributes changed.
    Changed(Vec<Attribute>),
}

/// An open register write; see [`write`].
pub struct Writer<'c> {
    conn: &'c mut AnyConnection,
    now: NaiveDateTime,
    origin: Origin,
    last_seq: i64,
    last_unit_id: i64,
    last_event_id: i64,
    /// Per touched unit: its change's seq, whether it was created, and what changed.
    touched: BTreeMap<i64, Touch>,
}

struct Touch {
    seq: i64,
    created: bool,
    fields: serde_json::Map<String, serde_json::Value>,
}

/// Runs `change` as one register write: all of it commits, or none of it.
pub fn write<T>(
    conn: &mut AnyConnection,
    origin: Origin,
    change: impl FnOnce(&mut Writer) -> StoreResult<T>,
) -> StoreResult<T> {
    conn.transaction(|conn| {
        // Taking the row lock first is what serialises writers (see module docs).
        diesel::update(register_head::table)
            .set(register_head::last_seq.eq(register_head::last_seq))
            .execute(conn)?;
        let (last_seq, last_unit_id, last_event_id) = register_head::table
            .select((
                register_head::last_seq,
                register_head::last_unit_id,
                register_head::last_event_id,
            ))
            .first::<(i64, i64, i64)>(conn)?;
        let mut writer = Writer {
            conn,
            // Microseconds: what PostgreSQL keeps, so both backends answer alike.
            now: Utc::now().naive_utc().trunc_subsecs(6),
            origin,
            last_seq,
            last_unit_id,
            last_event_id,
            touched: BTreeMap::new(),
        };
        let output = change(&mut writer)?;
        writer.finish()?;
        Ok(output)
    })
}

impl Writer<'_> {
    /// The moment this write is recorded at.
    pub fn now(&self) -> NaiveDateTime {
        self.now
    }

    /// Creates a unit of the given kind and returns its new, never reused id.
    pub fn create_unit(&mut self, kind: UnitKind) -> StoreResult<StatId> {
        if self.last_unit_id >= MAX_UNIT_NUMBER {
            return Err(StoreError::IdsExhausted);
        }
        self.last_unit_id += 1;
        let id = self.last_unit_id;
        let seq = self.touch(id, true);
        diesel::insert_into(units::table)
            .values((
                units::id.eq(id),
                units::kind.eq(kind.as_str()),
                units::prn.eq(permanent_random_number()),
                units::created_seq.eq(seq),
                units::recorded_at.eq(self.now),
            ))
            .execute(self.conn)?;
        self.note(id, "kind", kind.as_str().into());
        Ok(StatId::from_unit_number(id))
    }

    /// Creates a legal unit with its enterprise (1:1, linked from the same
    /// date) and records the statement about it.
    pub fn create_legal_unit(&mut self, statement: &Statement) -> StoreResult<(StatId, StatId)> {
        let legal_unit = self.create_unit(UnitKind::LegalUnit)?;
        let enterprise = self.create_unit(UnitKind::Enterprise)?;
        let since = statement.values.birth_date.unwrap_or(statement.valid_from);
        self.link(LinkKind::EnterpriseOf, legal_unit, enterprise, since)?;
        self.record(legal_unit, statement)?;
        Ok((legal_unit, enterprise))
    }

    /// Records what a source says about a unit from `valid_from` on.
    ///
    /// Bitemporal: the version that held on that date is never edited. It is
    /// marked superseded, and replaced by a copy that ends the day before,
    /// plus the new version running to where the old one ended. Saying the
    /// same thing again changes nothing, which makes reloads idempotent.
    pub fn record(&mut self, unit: StatId, statement: &Statement) -> StoreResult<Recorded> {
        let id = unit.unit_number();
        let chain: Vec<RecordRow> = chain_of(self.conn, id, statement)?;
        let date = statement.valid_from;
        let covering = chain
            .iter()
            .find(|row| valid_on(row.valid_from, row.valid_to, date));
        let (changed, valid_to) = match covering {
            Some(old) => {
                let old_values = old.clone().into_record()?.values;
                if old_values == statement.values {
                    return Ok(Recorded::Unchanged);
                }
                self.supersede(old, date)?;
                (old_values.changed_in(&statement.values), old.valid_to)
            }
            None => {
                let next_start = chain
                    .iter()
                    .map(|row| row.valid_from)
                    .filter(|d| *d > date)
                    .min();
                (Values::default().changed_in(&statement.values), next_start)
            }
        };
        let seq = self.touch(id, false);
        let origin = self.origin.clone();
        self.insert_record(id, statement, (date, valid_to), seq, &origin)?;
        for attribute in &changed {
            let value = statement
                .values
                .get(*attribute)
                .map_or(serde_json::Value::Null, |v| v.to_json());
            self.note(id, attribute.as_str(), value);
        }
        Ok(Recorded::Changed(changed))
    }

    /// Links a part to a whole from a date on.
    pub fn link(
        &mut self,
        kind: LinkKind,
        part: StatId,
        whole: StatId,
        valid_from: NaiveDate,
    ) -> StoreResult<()> {
        let seq = self.touch(part.unit_number(), false);
        self.touch(whole.unit_number(), false);
        diesel::insert_into(unit_links::table)
            .values((
                unit_links::kind.eq(kind.as_str()),
                unit_links::from_unit.eq(part.unit_number()),
                unit_links::to_unit.eq(whole.unit_number()),
                unit_links::valid_from.eq(valid_from),
                unit_links::recorded_at.eq(self.now),
                unit_links::seq.eq(seq),
                unit_links::origin_kind.eq(self.origin.kind.as_str()),
                unit_links::origin_ref.eq(self.origin.reference.as_deref()),
            ))
            .execute(self.conn)?;
        let link = serde_json::json!({"kind": kind, "part": part, "whole": whole});
        self.note(part.unit_number(), "link", link.clone());
        self.note(whole.unit_number(), "link", link);
        Ok(())
    }

    /// Records a demographic event with the units involved.
    pub fn event(
        &mut self,
        kind: EventKind,
        date: NaiveDate,
        involved: &[(StatId, EventRole)],
        note: Option<&str>,
    ) -> StoreResult<()> {
        self.last_event_id += 1;
        let event_id = self.last_event_id;
        let first_seq = involved
            .iter()
            .map(|(unit, _)| self.touch(unit.unit_number(), false))
            .min()
            .unwrap_or(self.last_seq);
        diesel::insert_into(events::table)
            .values((
                events::id.eq(event_id),
                events::kind.eq(kind.as_str()),
                events::event_date.eq(date),
                events::recorded_at.eq(self.now),
                events::seq.eq(first_seq),
                events::origin_kind.eq(self.origin.kind.as_str()),
                events::origin_ref.eq(self.origin.reference.as_deref()),
                events::note.eq(note),
            ))
            .execute(self.conn)?;
        for (unit, role) in involved {
            diesel::insert_into(event_units::table)
                .values((
                    event_units::event_id.eq(event_id),
                    event_units::unit_id.eq(unit.unit_number()),
                    event_units::role.eq(role.as_str()),
                ))
                .execute(self.conn)?;
            let value = serde_json::json!({"kind": kind, "date": date.to_string(), "role": role});
            self.note(unit.unit_number(), "event", value);
        }
        Ok(())
    }

    /// The seq of this write's change to a unit, allocating it on first touch.
    fn touch(&mut self, unit_id: i64, created: bool) -> i64 {
        let next = self.last_seq + 1;
        let touch = self.touched.entry(unit_id).or_insert_with(|| Touch {
            seq: next,
            created,
            fields: serde_json::Map::new(),
        });
        if touch.seq == next {
            self.last_seq = next;
        }
        touch.seq
    }

    fn note(&mut self, unit_id: i64, field: &str, value: serde_json::Value) {
        if let Some(touch) = self.touched.get_mut(&unit_id) {
            touch.fields.insert(field.to_owned(), value);
        }
    }

    fn supersede(&mut self, old: &RecordRow, date: NaiveDate) -> StoreResult<()> {
        diesel::update(source_records::table.find(old.id))
            .set(source_records::superseded_at.eq(self.now))
            .execute(self.conn)?;
        if old.valid_from < date {
            // Keep what was true before the new statement takes effect.
            // It keeps the origin of the act that first said it.
            let before = old.clone().into_record()?;
            let statement = Statement {
                source: before.source,
                source_key: before.source_key,
                valid_from: before.valid_from,
                values: before.values,
            };
            let seq = self.touch(old.unit_id, false);
            let validity = (old.valid_from, Some(date));
            self.insert_record(old.unit_id, &statement, validity, seq, &before.origin)?;
        }
        Ok(())
    }

    fn insert_record(
        &mut self,
        unit_id: i64,
        statement: &Statement,
        (valid_from, valid_to): (NaiveDate, Option<NaiveDate>),
        seq: i64,
        origin: &Origin,
    ) -> StoreResult<()> {
        let v = &statement.values;
        diesel::insert_into(source_records::table)
            .values((
                (
                    source_records::unit_id.eq(unit_id),
                    source_records::source.eq(statement.source.as_str()),
                    source_records::source_key.eq(statement.source_key.as_deref()),
                    source_records::valid_from.eq(valid_from),
                    source_records::valid_to.eq(valid_to),
                    source_records::recorded_at.eq(self.now),
                    source_records::seq.eq(seq),
                    source_records::origin_kind.eq(origin.kind.as_str()),
                    source_records::origin_ref.eq(origin.reference.as_deref()),
                ),
                (
                    source_records::name.eq(v.name.as_deref()),
                    source_records::legal_form.eq(v.legal_form.as_deref()),
                    source_records::tin.eq(v.tin.as_deref()),
                    source_records::reg_number.eq(v.reg_number.as_deref()),
                    source_records::activity_code.eq(v.activity.as_deref()),
                    source_records::institutional_sector.eq(v.institutional_sector.as_deref()),
                    source_records::address.eq(v.address.as_deref()),
                    source_records::region.eq(v.region.as_deref()),
                    source_records::status.eq(v.status.as_deref()),
                    source_records::birth_date.eq(v.birth_date),
                    source_records::death_date.eq(v.death_date),
                    source_records::employees.eq(v.employees),
                    source_records::turnover.eq(v.turnover),
                    source_records::turnover_year.eq(v.turnover_year),
                    source_records::tax_status.eq(v.tax_status.as_deref()),
                    source_records::vat_registered.eq(v.vat_registered),
                ),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Writes the change log and moves the register head.
    fn finish(self) -> StoreResult<()> {
        let mut entries: Vec<(i64, i64, Touch)> = self
            .touched
            .into_iter()
            .map(|(unit, touch)| (touch.seq, unit, touch))
            .collect();
        entries.sort_by_key(|(seq, _, _)| *seq);
        for (seq, unit, touch) in entries {
            let kind = if touch.created { "created" } else { "updated" };
            diesel::insert_into(change_log::table)
                .values((
                    change_log::seq.eq(seq),
                    change_log::unit_id.eq(unit),
                    change_log::kind.eq(kind),
                    change_log::changed_fields
                        .eq(serde_json::Value::Object(touch.fields).to_string()),
                    change_log::recorded_at.eq(self.now),
                    change_log::origin_kind.eq(self.origin.kind.as_str()),
                    change_log::origin_ref.eq(self.origin.reference.as_deref()),
                ))
                .execute(self.conn)?;
        }
        diesel::update(register_head::table)
            .set((
                register_head::last_seq.eq(self.last_seq),
                register_head::last_unit_id.eq(self.last_unit_id),
                register_head::last_event_id.eq(self.last_event_id),
            ))
            .execute(self.conn)?;
        Ok(())
    }
}

/// The current versions of one source's record (same source and key) about a unit.
fn chain_of(
    conn: &mut AnyConnection,
    unit_id: i64,
    statement: &Statement,
) -> StoreResult<Vec<RecordRow>> {
    let mut query = source_records::table
        .filter(source_records::unit_id.eq(unit_id))
        .filter(source_records::source.eq(statement.source.as_str()))
        .filter(source_records::superseded_at.is_null())
        .into_boxed();
    query = match &statement.source_key {
        Some(key) => query.filter(source_records::source_key.eq(key.clone())),
        None => query.filter(source_records::source_key.is_null()),
    };
    Ok(query
        .order(source_records::valid_from)
        .select(RecordRow::as_select())
        .load(conn)?)
}

/// A uniform random number in [0, 1), drawn once per unit and kept forever.
fn permanent_random_number() -> f64 {
    let mut bytes = [0_u8; 8];
    // The OS random source failing is not something a register can recover from.
    getrandom::fill(&mut bytes).expect("operating system random source");
    // 53 random bits fill an f64 mantissa exactly.
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64
}
