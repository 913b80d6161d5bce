//! Reading units: their records, links, events and the register version.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    change_log, event_units, events, register_head, source_records, unit_links, units,
};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::attribute::Values;
use crate::domain::event::{EventKind, EventRole};
use crate::domain::link::LinkKind;
use crate::domain::source::{Origin, OriginKind};
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::{valid_on, Record};
use crate::domain::unit::UnitKind;

/// A unit's own row: what it is, not what the sources say about it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its register id.
    pub stat_id: StatId,
    /// What kind of unit.
    pub kind: UnitKind,
    /// Permanent random number in [0, 1), for coordinated survey sampling.
    pub prn: f64,
    /// When the register created it.
    pub recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = units)]
struct UnitRow {
    id: i64,
    kind: String,
    prn: f64,
    recorded_at: NaiveDateTime,
}

/// A stored record version, as diesel reads it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = source_records)]
pub(crate) struct RecordRow {
    pub id: i64,
    pub unit_id: i64,
    pub source: String,
    pub source_key: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub recorded_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
    pub seq: i64,
    pub origin_kind: String,
    pub origin_ref: Option<String>,
    pub name: Option<String>,
    pub legal_form: Option<String>,
    pub tin: Option<String>,
    pub reg_number: Option<String>,
    pub activity_code: Option<String>,
    pub institutional_sector: Option<String>,
    pub address: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
    pub employees: Option<i64>,
    pub turnover: Option<i64>,
    pub turnover_year: Option<i32>,
    pub tax_status: Option<String>,
    pub vat_registered: Option<bool>,
}

impl RecordRow {
    pub(crate) fn into_record(self) -> StoreResult<Record> {
        Ok(Record {
            source: word("source_records.source", &self.source)?,
            source_key: self.source_key,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            recorded_at: self.recorded_at,
            superseded_at: self.superseded_at,
            seq: self.seq,
            origin: Origin {
                kind: word::<OriginKind>("source_records.origin_kind", &self.origin_kind)?,
                reference: self.origin_ref,
            },
            values: Values {
                name: self.name,
                legal_form: self.legal_form,
                tin: self.tin,
                reg_number: self.reg_number,
                activity: self.activity_code,
                institutional_sector: self.institutional_sector,
                address: self.address,
                region: self.region,
                status: self.status,
                birth_date: self.birth_date,
                death_date: self.death_date,
                employees: self.employees,
                turnover: self.turnover,
                turnover_year: self.turnover_year,
                tax_status: self.tax_status,
                vat_registered: self.vat_registered,
            },
        })
    }
}

/// Parses a stored enum word; anything else means the database was written by someone else.
pub(crate) fn word<T: std::str::FromStr>(column: &'static str, text: &str) -> StoreResult<T> {
    text.parse().map_err(|_| StoreError::Corrupt {
        column,
        value: text.to_owned(),
    })
}

/// The unit with this id, if the register has it.
pub fn find(conn: &mut AnyConnection, stat_id: StatId) -> StoreResult<Option<Unit>> {
    let row: Option<UnitRow> = units::table
        .find(stat_id.unit_number())
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| {
        Ok(Unit {
            stat_id: StatId::from_unit_number(row.id),
            kind: word("units.kind", &row.kind)?,
            prn: row.prn,
            recorded_at: row.recorded_at,
        })
    })
    .transpose()
}

/// The register's current beliefs (not superseded) about these units.
pub fn current_records(conn: &mut AnyConnection, unit_ids: &[i64]) -> StoreResult<Vec<Record>> {
    source_records::table
        .filter(source_records::unit_id.eq_any(unit_ids))
        .filter(source_records::superseded_at.is_null())
        .order((source_records::valid_from, source_records::id))
        .select(RecordRow::as_select())
        .load(conn)?
        .into_iter()
        .map(RecordRow::into_record)
        .collect()
}

/// Every record version of these units ever stored, superseded ones included, in recording order.
pub fn all_records(conn: &mut AnyConnection, unit_ids: &[i64]) -> StoreResult<Vec<Record>> {
    source_records::table
        .filter(source_records::unit_id.eq_any(unit_ids))
        .order((source_records::seq, source_records::id))
        .select(RecordRow::as_select())
        .load(conn)?
        .into_iter()
        .map(RecordRow::into_record)
        .collect()
}

/// Every record version of these units, with the unit each is about, by unit.
pub fn records_by_unit(
    conn: &mut AnyConnection,
    unit_ids: &[i64],
) -> StoreResult<Vec<(i64, Record)>> {
    source_records::table
        .filter(source_records::unit_id.eq_any(unit_ids))
        .order((
            source_records::unit_id,
            source_records::seq,
            source_records::id,
        ))
        .select(RecordRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Ok((row.unit_id, row.into_record()?)))
        .collect()
}

/// The current enterprise links touching these units, as (legal unit, enterprise).
pub fn enterprise_links(
    conn: &mut AnyConnection,
    unit_ids: &[i64],
) -> StoreResult<Vec<(i64, i64)>> {
    Ok(unit_links::table
        .filter(unit_links::kind.eq(LinkKind::EnterpriseOf.as_str()))
        .filter(
            unit_links::from_unit
                .eq_any(unit_ids)
                .or(unit_links::to_unit.eq_any(unit_ids)),
        )
        .filter(unit_links::superseded_at.is_null())
        .filter(unit_links::valid_to.is_null())
        .select((unit_links::from_unit, unit_links::to_unit))
        .load(conn)?)
}

/// The kinds of these units, by id; ids the register does not have are left out.
pub fn kinds(conn: &mut AnyConnection, unit_ids: &[i64]) -> StoreResult<Vec<(i64, UnitKind)>> {
    units::table
        .filter(units::id.eq_any(unit_ids))
        .order(units::id)
        .select((units::id, units::kind))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, kind)| Ok((id, word("units.kind", &kind)?)))
        .collect()
}

/// Up to `limit` unit ids after `after`, in id order: a walk over the whole register.
pub fn ids_after(conn: &mut AnyConnection, after: i64, limit: i64) -> StoreResult<Vec<i64>> {
    Ok(units::table
        .filter(units::id.gt(after))
        .order(units::id)
        .limit(limit)
        .select(units::id)
        .load(conn)?)
}

/// Up to `limit` change-log entries after `after_seq`, in seq order: (seq, unit id).
pub fn changes_after(
    conn: &mut AnyConnection,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    Ok(change_log::table
        .filter(change_log::seq.gt(after_seq))
        .order(change_log::seq)
        .limit(limit)
        .select((change_log::seq, change_log::unit_id))
        .load(conn)?)
}

/// A unit's version: the seq of the last change to it (its ETag).
pub fn version(conn: &mut AnyConnection, stat_id: StatId) -> StoreResult<i64> {
    Ok(change_log::table
        .filter(change_log::unit_id.eq(stat_id.unit_number()))
        .select(diesel::dsl::max(change_log::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or_default())
}

/// The units changed after a seq, newest first, at most `limit` entries' worth.
pub fn changed_since(
    conn: &mut AnyConnection,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = change_log::table
        .filter(change_log::seq.gt(after_seq))
        .order(change_log::seq.desc())
        .limit(limit)
        .select(change_log::unit_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// One entry of the change log: which unit changed, and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEntry {
    /// Its sequence number.
    pub seq: i64,
    /// The unit that changed.
    pub unit: i64,
    /// When the change was recorded.
    pub recorded_at: NaiveDateTime,
}

/// The change-log entry with this seq, if the log has it.
pub fn change_entry(conn: &mut AnyConnection, seq: i64) -> StoreResult<Option<ChangeEntry>> {
    let found = change_log::table
        .find(seq)
        .select((change_log::unit_id, change_log::recorded_at))
        .first::<(i64, NaiveDateTime)>(conn)
        .optional()?;
    Ok(found.map(|(unit, recorded_at)| ChangeEntry {
        seq,
        unit,
        recorded_at,
    }))
}

/// A link between two units, as stored.
#[derive(Debug, Clone)]
pub struct Link {
    /// How the part belongs to the whole.
    pub kind: LinkKind,
    /// The part.
    pub part: StatId,
    /// The whole.
    pub whole: StatId,
    /// First day of the link.
    pub valid_from: NaiveDate,
    /// First day it no longer holds.
    pub valid_to: Option<NaiveDate>,
    /// When the register learnt it.
    pub recorded_at: NaiveDateTime,
    /// The act that recorded it.
    pub origin: Origin,
}

impl Link {
    /// Whether the link holds on this date.
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        valid_on(self.valid_from, self.valid_to, date)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = unit_links)]
struct LinkRow {
    kind: String,
    from_unit: i64,
    to_unit: i64,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
    origin_kind: String,
    origin_ref: Option<String>,
}

/// Every current link that touches the unit, at either end.
pub fn links(conn: &mut AnyConnection, stat_id: StatId) -> StoreResult<Vec<Link>> {
    let id = stat_id.unit_number();
    unit_links::table
        .filter(unit_links::from_unit.eq(id).or(unit_links::to_unit.eq(id)))
        .filter(unit_links::superseded_at.is_null())
        .order((unit_links::valid_from, unit_links::id))
        .select(LinkRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            Ok(Link {
                kind: word("unit_links.kind", &row.kind)?,
                part: StatId::from_unit_number(row.from_unit),
                whole: StatId::from_unit_number(row.to_unit),
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                recorded_at: row.recorded_at,
                origin: Origin {
                    kind: word("unit_links.origin_kind", &row.origin_kind)?,
                    reference: row.origin_ref,
                },
            })
        })
        .collect()
}

/// A demographic event and the units in it.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// When it happened.
    pub date: NaiveDate,
    /// When the register learnt it.
    pub recorded_at: NaiveDateTime,
    /// The act that recorded it.
    pub origin: Origin,
    /// A free-text remark.
    pub note: Option<String>,
    /// The units involved and their parts.
    pub units: Vec<(StatId, EventRole)>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    id: i64,
    kind: String,
    event_date: NaiveDate,
    recorded_at: NaiveDateTime,
    origin_kind: String,
    origin_ref: Option<String>,
    note: Option<String>,
}

/// Every event the unit took part in, oldest first.
pub fn events_of(conn: &mut AnyConnection, stat_id: StatId) -> StoreResult<Vec<Event>> {
    let event_ids = event_units::table
        .filter(event_units::unit_id.eq(stat_id.unit_number()))
        .select(event_units::event_id);
    let rows: Vec<EventRow> = events::table
        .filter(events::id.eq_any(event_ids))
        .order((events::event_date, events::id))
        .select(EventRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let members: Vec<(i64, i64, String)> = event_units::table
        .filter(event_units::event_id.eq_any(&ids))
        .order((event_units::event_id, event_units::unit_id))
        .select((
            event_units::event_id,
            event_units::unit_id,
            event_units::role,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let units = members
                .iter()
                .filter(|(event_id, _, _)| *event_id == row.id)
                .map(|(_, unit, role)| {
                    Ok((
                        StatId::from_unit_number(*unit),
                        word("event_units.role", role)?,
                    ))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(Event {
                kind: word("events.kind", &row.kind)?,
                date: row.event_date,
                recorded_at: row.recorded_at,
                origin: Origin {
                    kind: word("events.origin_kind", &row.origin_kind)?,
                    reference: row.origin_ref,
                },
                note: row.note,
                units,
            })
        })
        .collect()
}

/// The sequence number of the last committed change: the register version.
pub fn register_version(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(register_head::table
        .select(register_head::last_seq)
        .first(conn)?)
}

/// How many units the register holds.
pub fn count(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(units::table.count().get_result(conn)?)
}

/// A unit with the records its attributes are resolved from.
#[derive(Debug, Clone)]
pub struct UnitRecords {
    /// The unit.
    pub unit: Unit,
    /// Its records, and for an enterprise those of its legal units.
    pub records: Vec<Record>,
    /// The register version the read started at.
    pub register_version: i64,
}

/// Which record versions to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// The current beliefs about the world on this date.
    HoldingOn(NaiveDate),
    /// Every version ever recorded.
    All,
}

/// Reads a unit with its records.
///
/// An enterprise shows the attributes of its legal units (one, by default)
/// until statisticians give it values of its own.
pub fn with_records(
    conn: &mut AnyConnection,
    stat_id: StatId,
    versions: Versions,
) -> StoreResult<Option<UnitRecords>> {
    let register_version = register_version(conn)?;
    let Some(unit) = find(conn, stat_id)? else {
        return Ok(None);
    };
    let mut ids = vec![stat_id.unit_number()];
    if unit.kind == UnitKind::Enterprise {
        let members = links(conn, stat_id)?
            .into_iter()
            .filter(|link| link.kind == LinkKind::EnterpriseOf && link.whole == stat_id)
            .filter(|link| match versions {
                Versions::HoldingOn(date) => link.holds_on(date),
                Versions::All => true,
            })
            .map(|link| link.part.unit_number());
        ids.extend(members);
    }
    let records = match versions {
        Versions::HoldingOn(date) => current_records(conn, &ids)?
            .into_iter()
            .filter(|record| record.holds_on(date))
            .collect(),
        Versions::All => all_records(conn, &ids)?,
    };
    Ok(Some(UnitRecords {
        unit,
        records,
        register_version,
    }))
}

/// What an export needs of a unit's own row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    /// Its id.
    pub id: i64,
    /// What kind of unit.
    pub kind: UnitKind,
    /// Its permanent random number.
    pub prn: f64,
}

fn heads(rows: Vec<(i64, String, f64)>) -> StoreResult<Vec<Head>> {
    rows.into_iter()
        .map(|(id, kind, prn)| {
            Ok(Head {
                id,
                kind: word("units.kind", &kind)?,
                prn,
            })
        })
        .collect()
}

/// Up to `limit` units after `after`, in id order: a walk over the whole register.
pub fn heads_after(conn: &mut AnyConnection, after: i64, limit: i64) -> StoreResult<Vec<Head>> {
    heads(
        units::table
            .filter(units::id.gt(after))
            .order(units::id)
            .limit(limit)
            .select((units::id, units::kind, units::prn))
            .load(conn)?,
    )
}

/// These units, in id order; ids the register does not have are left out.
pub fn heads_of(conn: &mut AnyConnection, ids: &[i64]) -> StoreResult<Vec<Head>> {
    heads(
        units::table
            .filter(units::id.eq_any(ids))
            .order(units::id)
            .select((units::id, units::kind, units::prn))
            .load(conn)?,
    )
}

/// The enterprise links touching these units that hold on `date`, as (legal unit, enterprise).
pub fn enterprise_links_on(
    conn: &mut AnyConnection,
    unit_ids: &[i64],
    date: NaiveDate,
) -> StoreResult<Vec<(i64, i64)>> {
    let query = unit_links::table
        .filter(
            unit_links::from_unit
                .eq_any(unit_ids)
                .or(unit_links::to_unit.eq_any(unit_ids)),
        )
        .into_boxed();
    enterprise_links_holding(conn, query, date)
}

/// The enterprise links holding on `date` with either end among the units
/// with ids from `first` to `last`, as (legal unit, enterprise): two range
/// scans, no list of ids.
pub fn enterprise_links_between(
    conn: &mut AnyConnection,
    first: i64,
    last: i64,
    date: NaiveDate,
) -> StoreResult<Vec<(i64, i64)>> {
    let query = unit_links::table
        .filter(
            unit_links::from_unit
                .between(first, last)
                .or(unit_links::to_unit.between(first, last)),
        )
        .into_boxed();
    enterprise_links_holding(conn, query, date)
}

/// The enterprise links a query picks that are current and hold on `date`.
fn enterprise_links_holding<'a>(
    conn: &mut AnyConnection,
    query: unit_links::BoxedQuery<'a, <AnyConnection as diesel::Connection>::Backend>,
    date: NaiveDate,
) -> StoreResult<Vec<(i64, i64)>> {
    Ok(query
        .filter(unit_links::kind.eq(LinkKind::EnterpriseOf.as_str()))
        .filter(unit_links::superseded_at.is_null())
        .filter(unit_links::valid_from.le(date))
        .filter(
            unit_links::valid_to
                .is_null()
                .or(unit_links::valid_to.gt(date)),
        )
        .order(unit_links::id)
        .select((unit_links::from_unit, unit_links::to_unit))
        .load(conn)?)
}

/// The current beliefs (not superseded) about the units with ids from
/// `first` to `last`, with the unit each is about: one range scan of the
/// records' unit index.
pub fn current_records_between(
    conn: &mut AnyConnection,
    first: i64,
    last: i64,
) -> StoreResult<Vec<(i64, Record)>> {
    let query = source_records::table
        .filter(source_records::unit_id.between(first, last))
        .into_boxed();
    current_with_unit(conn, query)
}

/// The current beliefs (not superseded) about these units, with the unit each is about.
pub fn current_records_of(
    conn: &mut AnyConnection,
    unit_ids: &[i64],
) -> StoreResult<Vec<(i64, Record)>> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = source_records::table
        .filter(source_records::unit_id.eq_any(unit_ids))
        .into_boxed();
    current_with_unit(conn, query)
}

/// The records a query picks that are not superseded, by unit then id.
fn current_with_unit<'a>(
    conn: &mut AnyConnection,
    query: source_records::BoxedQuery<'a, <AnyConnection as diesel::Connection>::Backend>,
) -> StoreResult<Vec<(i64, Record)>> {
    query
        .filter(source_records::superseded_at.is_null())
        .order((source_records::unit_id, source_records::id))
        .select(RecordRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Ok((row.unit_id, row.into_record()?)))
        .collect()
}
