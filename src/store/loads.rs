//! Loads in the database: the load list, each load's rows and rejections,
//! and the snapshot of the register a load matches against.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::{insert_batched, on_backend};
use super::schema::{load_rejections, load_rows, loads, review_items, source_records, units};
use super::units::{word, RecordRow};
use super::{AnyConnection, StoreResult};
use crate::domain::attribute::Values;
use crate::domain::source::Source;
use crate::domain::text_enum;
use crate::domain::unit::UnitKind;
use crate::ingest::extract::Encoding;
use crate::reconcile::matcher::{Known, RowKeys};
use crate::reconcile::score::Profile;

text_enum! {
    /// Where a load is in its life.
    LoadStatus {
        /// The upload is still arriving; it is queued only once it is whole on disk.
        Receiving => "receiving",
        /// Waiting for the one writer.
        Queued => "queued",
        /// Being loaded.
        Running => "running",
        /// Finished; its report is final.
        Done => "done",
        /// The file was unusable, or the load was interrupted; the register is unchanged.
        Failed => "failed",
    }
}

/// A load as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loads)]
pub struct LoadRecord {
    /// Its id.
    pub id: i64,
    /// `tax`, `justice` or `statistics`.
    pub source: String,
    /// The file's name as given.
    pub file_name: Option<String>,
    /// Whether nothing was to be changed.
    pub dry_run: bool,
    /// From when the extract's statements hold.
    pub effective_date: NaiveDate,
    /// The file's encoding, when given rather than detected.
    pub encoding: Option<String>,
    /// A [`LoadStatus`] word.
    pub status: String,
    /// Who asked for it.
    pub requested_by: Option<String>,
    /// When it was asked for.
    pub created_at: NaiveDateTime,
    /// When it finished.
    pub finished_at: Option<NaiveDateTime>,
    /// The report, as JSON.
    pub report: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// How many times the loading thread has started it.
    pub attempts: i32,
}

/// What a new load is.
pub struct NewLoad<'a> {
    /// Which agency's extract.
    pub source: Source,
    /// The file's name.
    pub file_name: Option<&'a str>,
    /// Report only, change nothing.
    pub dry_run: bool,
    /// From when its statements hold.
    pub effective_date: NaiveDate,
    /// The file's encoding, when given rather than detected.
    pub encoding: Option<Encoding>,
    /// Who asked.
    pub requested_by: Option<&'a str>,
    /// Receiving (an upload) or running (the command line).
    pub status: LoadStatus,
    /// Now.
    pub now: NaiveDateTime,
}

/// Registers a load and returns its id, which the database hands out:
/// concurrent uploads never share one.
pub fn create(conn: &mut AnyConnection, load: &NewLoad) -> StoreResult<i64> {
    let row = (
        loads::source.eq(load.source.as_str()),
        loads::file_name.eq(load.file_name),
        loads::dry_run.eq(load.dry_run),
        loads::effective_date.eq(load.effective_date),
        loads::encoding.eq(load.encoding.map(|e| e.as_str())),
        loads::status.eq(load.status.as_str()),
        loads::requested_by.eq(load.requested_by),
        loads::created_at.eq(load.now),
    );
    let id = on_backend!(conn, c => diesel::insert_into(loads::table)
        .values(row)
        .returning(loads::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

/// Marks a load running and counts the start, committed before the load's
/// own transaction begins, so that a start the process did not survive is
/// still counted after a restart.
pub fn start_attempt(conn: &mut AnyConnection, id: i64) -> StoreResult<i32> {
    diesel::update(loads::table.find(id))
        .set((
            loads::status.eq(LoadStatus::Running.as_str()),
            loads::attempts.eq(loads::attempts + 1),
        ))
        .execute(conn)?;
    Ok(loads::table.find(id).select(loads::attempts).first(conn)?)
}

/// Moves a load to a new status, with its report or error when it ends.
pub fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: LoadStatus,
    report: Option<&str>,
    error: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let finished = matches!(status, LoadStatus::Done | LoadStatus::Failed).then_some(now);
    diesel::update(loads::table.find(id))
        .set((
            loads::status.eq(status.as_str()),
            loads::report.eq(report),
            loads::error.eq(error),
            loads::finished_at.eq(finished),
        ))
        .execute(conn)?;
    Ok(())
}

/// One load.
pub fn find(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<LoadRecord>> {
    Ok(loads::table
        .find(id)
        .select(LoadRecord::as_select())
        .first(conn)
        .optional()?)
}

/// The most recent loads, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> StoreResult<Vec<LoadRecord>> {
    Ok(loads::table
        .order(loads::id.desc())
        .limit(limit)
        .select(LoadRecord::as_select())
        .load(conn)?)
}

/// Loads that were arriving, queued or running when the service last stopped.
pub fn unfinished(conn: &mut AnyConnection) -> StoreResult<Vec<LoadRecord>> {
    let unfinished = [
        LoadStatus::Receiving.as_str(),
        LoadStatus::Queued.as_str(),
        LoadStatus::Running.as_str(),
    ];
    Ok(loads::table
        .filter(loads::status.eq_any(unfinished))
        .order(loads::id)
        .select(LoadRecord::as_select())
        .load(conn)?)
}

/// The latest finished, real (not dry-run) load of a source.
pub fn latest_done(conn: &mut AnyConnection, source: Source) -> StoreResult<Option<i64>> {
    Ok(loads::table
        .filter(loads::source.eq(source.as_str()))
        .filter(loads::status.eq(LoadStatus::Done.as_str()))
        .filter(loads::dry_run.eq(false))
        .select(diesel::dsl::max(loads::id))
        .first::<Option<i64>>(conn)?)
}

/// What became of one accepted row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = load_rows, treat_none_as_default_value = false)]
pub struct LoadRow {
    /// The load.
    pub load_id: i64,
    /// The row's line (header = 1).
    pub line: i64,
    /// The row's key, when it had one.
    pub source_key: Option<String>,
    /// The unit number it was linked to; none while in review.
    pub unit_id: Option<i64>,
    /// A [`crate::reconcile::matcher::Method`] word.
    pub method: String,
    /// The match score, when one was computed.
    pub score: Option<f64>,
    /// The review item, while or after it was reviewed.
    pub review_id: Option<i64>,
}

/// A row a load could not use.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = load_rejections, treat_none_as_default_value = false)]
pub struct Rejection {
    /// The load.
    pub load_id: i64,
    /// The row's line (header = 1).
    pub line: i64,
    /// The column at fault, if one is.
    pub column_name: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// Inserts load rows in multi-row statements.
pub fn insert_rows(conn: &mut AnyConnection, rows: &[LoadRow]) -> StoreResult<()> {
    insert_batched!(conn, load_rows::table, rows, 256)?;
    Ok(())
}

/// Inserts rejections in multi-row statements.
pub fn insert_rejections(conn: &mut AnyConnection, rows: &[Rejection]) -> StoreResult<()> {
    insert_batched!(conn, load_rejections::table, rows, 256)?;
    Ok(())
}

/// A page of a load's rows, in line order after `after_line`.
pub fn rows_page(
    conn: &mut AnyConnection,
    load_id: i64,
    after_line: i64,
    limit: i64,
) -> StoreResult<Vec<LoadRow>> {
    Ok(load_rows::table
        .filter(load_rows::load_id.eq(load_id))
        .filter(load_rows::line.gt(after_line))
        .order(load_rows::line)
        .limit(limit)
        .select(LoadRow::as_select())
        .load(conn)?)
}

/// A page of a load's rejections, in line order after `after_line`.
pub fn rejections_page(
    conn: &mut AnyConnection,
    load_id: i64,
    after_line: i64,
    limit: i64,
) -> StoreResult<Vec<Rejection>> {
    Ok(load_rejections::table
        .filter(load_rejections::load_id.eq(load_id))
        .filter(load_rejections::line.gt(after_line))
        .order(load_rejections::line)
        .limit(limit)
        .select(Rejection::as_select())
        .load(conn)?)
}

/// A review decision that a later load must honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remembered {
    /// Still open: the row joins the open item.
    Open(i64),
    /// Linked to (or created) this unit.
    Unit(i64, i64),
    /// Rejected.
    Rejected(i64),
}

/// What a load needs to know of the register before it starts.
pub struct Snapshot {
    /// Units, identifiers and profiles, for matching.
    pub known: Known,
    /// The loading source's current records: (unit, key) → hash of their values.
    pub chains: HashMap<(i64, Option<String>), u64>,
    /// Review decisions about this source's rows, by row fingerprint.
    pub remembered: HashMap<String, Remembered>,
    /// The next free review item id.
    pub next_review_id: i64,
}

/// The hash a load compares to tell an unchanged record from a changed one.
pub fn values_hash(values: &Values) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    values.hash(&mut hasher);
    hasher.finish()
}

/// Reads the current records of every unit into a matching snapshot.
///
/// Two threads: this one reads the records and builds their matching
/// profiles, a second files them into the blocking index, which has to be
/// done one record at a time. At a million units that halves the wait
/// before a load's first row is matched.
pub fn snapshot(conn: &mut AnyConnection, source: Source) -> StoreResult<Snapshot> {
    let kinds: Vec<(i64, String)> = units::table
        .filter(units::kind.ne(UnitKind::Enterprise.as_str()))
        .select((units::id, units::kind))
        .load(conn)?;
    let chains = chains(conn, source)?;
    let (sender, receiver) = sync_channel::<Vec<Profiled>>(8);
    let (read, known) = std::thread::scope(|scope| {
        let filer = scope.spawn(move || file_records(&kinds, receiver));
        let read = read_records(conn, sender);
        let filed = filer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, filed)
    });
    read?;
    let (remembered, next_review_id) = remembered(conn, source)?;
    Ok(Snapshot {
        known,
        chains,
        remembered,
        next_review_id,
    })
}

/// The loading source's current records: (unit, key) → hash of their values.
fn chains(
    conn: &mut AnyConnection,
    source: Source,
) -> StoreResult<HashMap<(i64, Option<String>), u64>> {
    let rows = source_records::table
        .filter(source_records::source.eq(source.as_str()))
        .filter(source_records::superseded_at.is_null())
        .filter(source_records::valid_to.is_null())
        .select(RecordRow::as_select())
        .load_iter::<RecordRow, diesel::connection::DefaultLoadingMode>(conn)?;
    let mut chains = HashMap::new();
    for row in rows {
        let row = row?;
        let unit = row.unit_id;
        let record = row.into_record()?;
        chains.insert((unit, record.source_key), values_hash(&record.values));
    }
    Ok(chains)
}

/// What matching needs of a current record; the snapshot reads no more,
/// because turning stored text into dates and timestamps is a good part of
/// reading a record.
#[derive(Queryable, Selectable)]
#[diesel(table_name = source_records)]
struct MatchRow {
    unit_id: i64,
    source: String,
    source_key: Option<String>,
    name: Option<String>,
    legal_form: Option<String>,
    tin: Option<String>,
    reg_number: Option<String>,
    activity_code: Option<String>,
    address: Option<String>,
    region: Option<String>,
    birth_date: Option<NaiveDate>,
}

/// A current source record, ready to be filed for matching.
struct Profiled {
    unit: i64,
    source: Source,
    source_key: Option<String>,
    keys: RowKeys,
    profile: Option<Profile>,
}

/// Records read and profiled per message to the filing thread.
const SNAPSHOT_BATCH: usize = 2_048;

/// Reads the current records and profiles them, in batches for the filer.
fn read_records(conn: &mut AnyConnection, sender: SyncSender<Vec<Profiled>>) -> StoreResult<()> {
    let rows = source_records::table
        .filter(source_records::superseded_at.is_null())
        .filter(source_records::valid_to.is_null())
        .order(source_records::id)
        .select(MatchRow::as_select())
        .load_iter::<MatchRow, diesel::connection::DefaultLoadingMode>(conn)?;
    let mut batch = Vec::with_capacity(SNAPSHOT_BATCH);
    for row in rows {
        batch.push(profiled(row?)?);
        if batch.len() == SNAPSHOT_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(SNAPSHOT_BATCH));
            if sender.send(full).is_err() {
                // The filer is gone: it panicked, and joining it says so.
                return Ok(());
            }
        }
    }
    let _ = sender.send(batch);
    Ok(())
}

/// A current record as the matcher files it.
fn profiled(row: MatchRow) -> StoreResult<Profiled> {
    let profile = row.name.as_deref().map(|name| {
        Profile::new(
            name,
            row.address.as_deref(),
            row.region.as_deref(),
            row.activity_code.as_deref(),
            row.legal_form.as_deref(),
            row.birth_date,
        )
        .with_identifiers(row.tin.as_deref(), row.reg_number.as_deref())
    });
    Ok(Profiled {
        unit: row.unit_id,
        source: word("source_records.source", &row.source)?,
        source_key: row.source_key,
        keys: RowKeys {
            unit: None,
            tin: row.tin,
            reg_number: row.reg_number,
        },
        profile,
    })
}

/// A matcher that knows only some units: the candidates of one submitted
/// birth, so that it is matched as a load's row would be, without reading
/// the whole register.
pub fn known_of(conn: &mut AnyConnection, ids: &[i64]) -> StoreResult<Known> {
    let kinds: Vec<(i64, String)> = units::table
        .filter(units::id.eq_any(ids))
        .filter(units::kind.ne(UnitKind::Enterprise.as_str()))
        .select((units::id, units::kind))
        .load(conn)?;
    let rows: Vec<MatchRow> = source_records::table
        .filter(source_records::unit_id.eq_any(ids))
        .filter(source_records::superseded_at.is_null())
        .filter(source_records::valid_to.is_null())
        .order(source_records::id)
        .select(MatchRow::as_select())
        .load(conn)?;
    let records = rows
        .into_iter()
        .map(profiled)
        .collect::<StoreResult<Vec<_>>>()?;
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    // The receiver is still held here: this send cannot fail.
    let _ = sender.send(records);
    drop(sender);
    Ok(file_records(&kinds, receiver))
}

/// Units whose current records carry a taxpayer or registration number.
pub fn units_with_identifiers(
    conn: &mut AnyConnection,
    tin: Option<&str>,
    reg_number: Option<&str>,
) -> StoreResult<Vec<i64>> {
    let mut ids = Vec::new();
    if let Some(tin) = tin {
        ids.extend(
            source_records::table
                .filter(source_records::tin.eq(tin.to_owned()))
                .filter(source_records::superseded_at.is_null())
                .select(source_records::unit_id)
                .load::<i64>(conn)?,
        );
    }
    if let Some(reg_number) = reg_number {
        ids.extend(
            source_records::table
                .filter(source_records::reg_number.eq(reg_number.to_owned()))
                .filter(source_records::superseded_at.is_null())
                .select(source_records::unit_id)
                .load::<i64>(conn)?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Files the units and the profiled records into a matcher, in record order.
fn file_records(kinds: &[(i64, String)], receiver: Receiver<Vec<Profiled>>) -> Known {
    let mut known = Known::default();
    for (id, kind) in kinds {
        // Local units too: the statistics survey observes branches.
        known.add_unit(*id, kind != UnitKind::EnterpriseGroup.as_str());
    }
    for record in receiver.into_iter().flatten() {
        known.add_record(
            record.unit,
            record.source,
            record.source_key.as_deref(),
            &record.keys,
            record.profile,
        );
    }
    known
}

fn remembered(
    conn: &mut AnyConnection,
    source: Source,
) -> StoreResult<(HashMap<String, Remembered>, i64)> {
    let items: Vec<(i64, String, String, Option<i64>)> = review_items::table
        .filter(review_items::source.eq(source.as_str()))
        .order(review_items::id)
        .select((
            review_items::id,
            review_items::fingerprint,
            review_items::status,
            review_items::unit_id,
        ))
        .load(conn)?;
    let mut remembered = HashMap::new();
    for (id, fingerprint, status, unit) in items {
        let decision = match (status.as_str(), unit) {
            ("open", _) => Remembered::Open(id),
            ("rejected", _) => Remembered::Rejected(id),
            (_, Some(unit)) => Remembered::Unit(id, unit),
            _ => continue,
        };
        remembered.insert(fingerprint, decision);
    }
    let next = review_items::table
        .select(diesel::dsl::max(review_items::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or_default()
        + 1;
    Ok((remembered, next))
}

/// Who asked for a load through the API; `None` for the command line.
pub fn requested_by(conn: &mut AnyConnection, load_id: i64) -> StoreResult<Option<String>> {
    Ok(loads::table
        .find(load_id)
        .select(loads::requested_by)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}
