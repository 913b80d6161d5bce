//! Writing to the register: the one path every change takes.
//!
//! A write runs in one transaction that first locks the single
//! `register_head` row. That serialises writers on both backends, so change
//! sequence numbers are handed out in commit order and a reader of the change
//! log never sees seq 7 before seq 6 has committed. Every unit a write
//! touches gets one change-log entry with the fields that changed.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::audit;
use super::connection::insert_batched;
use super::dates::{Day, Stamp};
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
///
/// Inserts are buffered and sent as multi-row statements, which is what makes
/// a bulk load fast; a read of the register inside the write flushes first,
/// so the write always sees its own changes.
pub struct Writer<'c> {
    conn: &'c mut AnyConnection,
    now: NaiveDateTime,
    origin: Origin,
    last_seq: i64,
    last_unit_id: i64,
    last_event_id: i64,
    /// Per touched unit not yet logged: its change's seq, whether it was created, and what changed.
    touched: HashMap<i64, Touch>,
    pending: Pending,
    /// Audit entries to append when the write finishes.
    audits: Vec<audit::Draft>,
}

struct Touch {
    seq: i64,
    created: bool,
    /// The source whose statement the change recorded, if it recorded one.
    source: Option<&'static str>,
    /// The names of the fields that changed, each once.
    fields: Vec<&'static str>,
}

/// Rows waiting to be inserted, in the order foreign keys need them.
#[derive(Default)]
struct Pending {
    units: Vec<NewUnit>,
    links: Vec<NewLink>,
    events: Vec<NewEvent>,
    event_units: Vec<NewEventUnit>,
    records: Vec<NewRecord>,
}

impl Pending {
    fn len(&self) -> usize {
        self.units.len()
            + self.links.len()
            + self.events.len()
            + self.event_units.len()
            + self.records.len()
    }
}

/// Rows buffered beyond this are flushed by [`Writer::flush_if_full`].
const FLUSH_ROWS: usize = 20_000;

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
            touched: HashMap::new(),
            pending: Pending::default(),
            audits: Vec::new(),
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

    /// What this write is attributed to.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The newest change-log sequence number, this write's changes included.
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// The sequence number of this write's change to a unit, if it changed it.
    pub fn seq_of(&self, unit: StatId) -> Option<i64> {
        self.touched.get(&unit.unit_number()).map(|touch| touch.seq)
    }

    /// Starts the next act of a write that commits several (a group of
    /// submissions): what follows is attributed to `origin`.
    pub fn set_origin(&mut self, origin: Origin) {
        self.origin = origin;
    }

    /// Ends one act: its rows and change-log entries are written now, so
    /// the next act's change to the same unit gets its own entry and seq,
    /// and reads inside the write see this one.
    pub fn end_act(&mut self) -> StoreResult<()> {
        self.flush_rows()?;
        self.flush_log()
    }

    /// Ends a link that holds on `date`: the version is superseded and
    /// replaced by a copy that stops on that date. Returns whether one did.
    pub fn end_link(
        &mut self,
        kind: LinkKind,
        part: StatId,
        whole: StatId,
        date: NaiveDate,
    ) -> StoreResult<bool> {
        self.flush_rows()?;
        let found: Option<(i64, NaiveDate, String, Option<String>)> = unit_links::table
            .filter(unit_links::kind.eq(kind.as_str()))
            .filter(unit_links::from_unit.eq(part.unit_number()))
            .filter(unit_links::to_unit.eq(whole.unit_number()))
            .filter(unit_links::superseded_at.is_null())
            .filter(unit_links::valid_to.is_null())
            .select((
                unit_links::id,
                unit_links::valid_from,
                unit_links::origin_kind,
                unit_links::origin_ref,
            ))
            .first(self.conn)
            .optional()?;
        let Some((id, valid_from, origin_kind, origin_ref)) = found else {
            return Ok(false);
        };
        diesel::update(unit_links::table.find(id))
            .set(unit_links::superseded_at.eq(self.now))
            .execute(self.conn)?;
        let seq = self.touch(part.unit_number(), false);
        self.touch(whole.unit_number(), false);
        // The ended copy keeps the origin of the act that made the link.
        let origin_kind = match origin_kind.parse::<crate::domain::source::OriginKind>() {
            Ok(kind) => kind.as_str(),
            Err(_) => {
                return Err(StoreError::Corrupt {
                    column: "unit_links.origin_kind",
                    value: origin_kind,
                })
            }
        };
        self.pending.links.push(NewLink {
            kind: kind.as_str(),
            from_unit: part.unit_number(),
            to_unit: whole.unit_number(),
            valid_from: Day(valid_from),
            valid_to: Some(Day(date.max(valid_from))),
            recorded_at: Stamp(self.now),
            seq,
            origin_kind,
            origin_ref,
        });
        self.note(part.unit_number(), "link");
        self.note(whole.unit_number(), "link");
        Ok(true)
    }

    /// Writes the buffered rows, so that reads inside the write see them.
    pub fn flush(&mut self) -> StoreResult<()> {
        self.flush_rows()
    }

    /// Adds an entry to the audit trail, appended when the write commits.
    pub fn audit(&mut self, draft: audit::Draft) {
        self.audits.push(draft);
    }

    /// The connection, inside this write's transaction, for the caller's own
    /// bookkeeping tables. Buffered register rows may not be there yet.
    pub fn connection(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// Creates a unit of the given kind and returns its new, never reused id.
    pub fn create_unit(&mut self, kind: UnitKind) -> StoreResult<StatId> {
        if self.last_unit_id >= MAX_UNIT_NUMBER {
            return Err(StoreError::IdsExhausted);
        }
        self.last_unit_id += 1;
        let id = self.last_unit_id;
        let seq = self.touch(id, true);
        self.pending.units.push(NewUnit {
            id,
            kind: kind.as_str(),
            prn: permanent_random_number(),
            created_seq: seq,
            recorded_at: Stamp(self.now),
        });
        self.note(id, "kind");
        Ok(StatId::from_unit_number(id))
    }

    /// Creates a legal unit with its enterprise (1:1, linked from the same
    /// date) and records the statement about it.
    pub fn create_legal_unit(&mut self, statement: &Statement) -> StoreResult<(StatId, StatId)> {
        let legal_unit = self.create_unit(UnitKind::LegalUnit)?;
        let enterprise = self.create_unit(UnitKind::Enterprise)?;
        let since = statement.values.birth_date.unwrap_or(statement.valid_from);
        self.link(LinkKind::EnterpriseOf, legal_unit, enterprise, since)?;
        self.record_new(legal_unit, statement);
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
        self.flush_rows()?;
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
        self.note_source(id, statement.source);
        let origin = self.origin.clone();
        self.insert_record(id, statement, (date, valid_to), seq, &origin);
        self.note_attributes(id, &changed);
        Ok(Recorded::Changed(changed))
    }

    /// Records the first statement of a chain the caller knows is new (a
    /// unit created in this write, or a source's first word about a unit),
    /// without reading the register: the fast path of bulk loads.
    pub fn record_new(&mut self, unit: StatId, statement: &Statement) -> Vec<Attribute> {
        let id = unit.unit_number();
        let changed = Values::default().changed_in(&statement.values);
        let seq = self.touch(id, false);
        self.note_source(id, statement.source);
        let origin = self.origin.clone();
        self.insert_record(id, statement, (statement.valid_from, None), seq, &origin);
        self.note_attributes(id, &changed);
        changed
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
        self.pending.links.push(NewLink {
            kind: kind.as_str(),
            from_unit: part.unit_number(),
            to_unit: whole.unit_number(),
            valid_from: Day(valid_from),
            valid_to: None,
            recorded_at: Stamp(self.now),
            seq,
            origin_kind: self.origin.kind.as_str(),
            origin_ref: self.origin.reference.clone(),
        });
        self.note(part.unit_number(), "link");
        self.note(whole.unit_number(), "link");
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
        self.pending.events.push(NewEvent {
            id: event_id,
            kind: kind.as_str(),
            event_date: Day(date),
            recorded_at: Stamp(self.now),
            seq: first_seq,
            origin_kind: self.origin.kind.as_str(),
            origin_ref: self.origin.reference.clone(),
            note: note.map(str::to_owned),
        });
        for (unit, role) in involved {
            self.pending.event_units.push(NewEventUnit {
                event_id,
                unit_id: unit.unit_number(),
                role: role.as_str(),
            });
            self.note(unit.unit_number(), "event");
        }
        Ok(())
    }

    /// Sends the buffered rows and change-log entries once enough have
    /// gathered. Call it between units, never in the middle of one.
    pub fn flush_if_full(&mut self) -> StoreResult<()> {
        if self.pending.len() + self.touched.len() < FLUSH_ROWS {
            return Ok(());
        }
        self.flush_rows()?;
        self.flush_log()
    }

    /// The seq of this write's change to a unit, allocating it on first touch.
    fn touch(&mut self, unit_id: i64, created: bool) -> i64 {
        let next = self.last_seq + 1;
        let touch = self.touched.entry(unit_id).or_insert_with(|| Touch {
            seq: next,
            created,
            source: None,
            fields: Vec::new(),
        });
        if touch.seq == next {
            self.last_seq = next;
        }
        touch.seq
    }

    fn note(&mut self, unit_id: i64, field: &'static str) {
        let Some(touch) = self.touched.get_mut(&unit_id) else {
            return;
        };
        if !touch.fields.contains(&field) {
            touch.fields.push(field);
        }
    }

    fn note_source(&mut self, unit_id: i64, source: Source) {
        if let Some(touch) = self.touched.get_mut(&unit_id) {
            touch.source.get_or_insert(source.as_str());
        }
    }

    fn note_attributes(&mut self, unit_id: i64, changed: &[Attribute]) {
        for attribute in changed {
            self.note(unit_id, attribute.as_str());
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
            self.insert_record(old.unit_id, &statement, validity, seq, &before.origin);
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
    ) {
        let v = statement.values.clone();
        self.pending.records.push(NewRecord {
            unit_id,
            source: statement.source.as_str(),
            source_key: statement.source_key.clone(),
            valid_from: Day(valid_from),
            valid_to: valid_to.map(Day),
            recorded_at: Stamp(self.now),
            seq,
            origin_kind: origin.kind.as_str(),
            origin_ref: origin.reference.clone(),
            name: v.name,
            legal_form: v.legal_form,
            tin: v.tin,
            reg_number: v.reg_number,
            activity_code: v.activity,
            institutional_sector: v.institutional_sector,
            address: v.address,
            region: v.region,
            status: v.status,
            birth_date: v.birth_date.map(Day),
            death_date: v.death_date.map(Day),
            employees: v.employees,
            turnover: v.turnover,
            turnover_year: v.turnover_year,
            tax_status: v.tax_status,
            vat_registered: v.vat_registered,
        });
    }

    /// Inserts the buffered rows, parents before children.
    fn flush_rows(&mut self) -> StoreResult<()> {
        let pending = std::mem::take(&mut self.pending);
        let conn = &mut *self.conn;
        insert_batched!(conn, units::table, pending.units, 256)?;
        insert_batched!(conn, unit_links::table, pending.links, 256)?;
        insert_batched!(conn, events::table, pending.events, 256)?;
        insert_batched!(conn, event_units::table, pending.event_units, 256)?;
        insert_batched!(conn, source_records::table, pending.records, 256)?;
        Ok(())
    }

    /// Writes the change-log entries gathered so far. A unit touched again
    /// later in the same write gets a second entry with a later seq.
    fn flush_log(&mut self) -> StoreResult<()> {
        let mut entries: Vec<NewChange> = self
            .touched
            .drain()
            .map(|(unit_id, touch)| NewChange {
                seq: touch.seq,
                unit_id,
                kind: if touch.created { "created" } else { "updated" },
                changed_fields: fields_json(touch.fields),
                recorded_at: Stamp(self.now),
                origin_kind: self.origin.kind.as_str(),
                origin_ref: self.origin.reference.clone(),
                source: touch.source,
            })
            .collect();
        entries.sort_by_key(|entry| entry.seq);
        let conn = &mut *self.conn;
        insert_batched!(conn, change_log::table, entries, 256)?;
        Ok(())
    }

    /// Writes what is buffered and moves the register head.
    fn finish(mut self) -> StoreResult<()> {
        self.flush_rows()?;
        self.flush_log()?;
        audit::append(self.conn, self.now, std::mem::take(&mut self.audits))?;
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

#[derive(Insertable)]
#[diesel(table_name = units, treat_none_as_default_value = false)]
struct NewUnit {
    id: i64,
    kind: &'static str,
    prn: f64,
    created_seq: i64,
    recorded_at: Stamp,
}

#[derive(Insertable)]
#[diesel(table_name = unit_links, treat_none_as_default_value = false)]
struct NewLink {
    kind: &'static str,
    from_unit: i64,
    to_unit: i64,
    valid_from: Day,
    valid_to: Option<Day>,
    recorded_at: Stamp,
    seq: i64,
    origin_kind: &'static str,
    origin_ref: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
struct NewEvent {
    id: i64,
    kind: &'static str,
    event_date: Day,
    recorded_at: Stamp,
    seq: i64,
    origin_kind: &'static str,
    origin_ref: Option<String>,
    note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = event_units, treat_none_as_default_value = false)]
struct NewEventUnit {
    event_id: i64,
    unit_id: i64,
    role: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = source_records, treat_none_as_default_value = false)]
struct NewRecord {
    unit_id: i64,
    source: &'static str,
    source_key: Option<String>,
    valid_from: Day,
    valid_to: Option<Day>,
    recorded_at: Stamp,
    seq: i64,
    origin_kind: &'static str,
    origin_ref: Option<String>,
    name: Option<String>,
    legal_form: Option<String>,
    tin: Option<String>,
    reg_number: Option<String>,
    activity_code: Option<String>,
    institutional_sector: Option<String>,
    address: Option<String>,
    region: Option<String>,
    status: Option<String>,
    birth_date: Option<Day>,
    death_date: Option<Day>,
    employees: Option<i64>,
    turnover: Option<i64>,
    turnover_year: Option<i32>,
    tax_status: Option<String>,
    vat_registered: Option<bool>,
}

#[derive(Insertable)]
#[diesel(table_name = change_log, treat_none_as_default_value = false)]
struct NewChange {
    seq: i64,
    unit_id: i64,
    kind: &'static str,
    changed_fields: String,
    recorded_at: Stamp,
    origin_kind: &'static str,
    origin_ref: Option<String>,
    source: Option<&'static str>,
}

/// The change-log entry's field names as a JSON array, in order.
///
/// Names, not values: the values are in the unit's records with their
/// provenance, a change feed must not carry confidential figures, and a
/// bulk load logs every field of every new unit.
fn fields_json(mut fields: Vec<&'static str>) -> String {
    fields.sort_unstable();
    let mut json = String::with_capacity(2 + 16 * fields.len());
    json.push('[');
    for (index, name) in fields.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        // Field names are plain identifiers: nothing to escape.
        json.push('"');
        json.push_str(name);
        json.push('"');
    }
    json.push(']');
    json
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

/// A unit's permanent random number (`domain::prn`), drawn from the
/// operating system's random source once, when the unit is created.
fn permanent_random_number() -> f64 {
    let mut bytes = [0_u8; 8];
    // The OS random source failing is not something a register can recover from.
    getrandom::fill(&mut bytes).expect("operating system random source");
    crate::domain::prn::from_bits(u64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::fields_json;

    #[test]
    fn change_log_fields_are_a_json_array_of_names_in_order() {
        let json = fields_json(vec!["name", "employees", "address"]);
        assert_eq!(json, r#"["address","employees","name"]"#);
        assert!(serde_json::from_str::<Vec<String>>(&json).is_ok());
        assert_eq!(fields_json(Vec::new()), "[]");
    }
}
