//! A load: one agency extract, matched and written as one register write.
//!
//! Two threads share the work. One reads, validates and matches rows against
//! a snapshot of the register taken when the load starts (the snapshot does
//! not change during the load); the other applies the proposals in file
//! order, which is where everything that depends on earlier rows lives: one
//! row per unit, duplicate keys, remembered review decisions, new units.
//! Everything is written in one transaction, so a load is whole or absent;
//! a dry run is the same load rolled back.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::extract::{Encoding, Extract, FileError, RowError};
use super::fault::{self, InjectedPanic, Stage};
use super::mapping::{Mapper, SourceRow};
use crate::domain::attribute::{Attribute, Values};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::link::LinkKind;
use crate::domain::source::{Origin, OriginKind, Source};
use crate::domain::stat_id::StatId;
use crate::domain::unit::UnitKind;
use crate::reconcile::matcher::{Matched, Method, Proposal, RowKeys, Scored, Thresholds};
use crate::reconcile::score::{Evidence, Profile};
use crate::store::loads::{self, LoadRow, LoadStatus, NewLoad, Rejection, Remembered, Snapshot};
use crate::store::register::{self, Recorded, Statement, Writer};
use crate::store::review::{self, ReviewItem, ReviewStatus};
use crate::store::{AnyConnection, StoreError};

/// How a load runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which agency sent the file.
    pub source: Source,
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    /// From when the extract's statements hold (their valid time).
    pub effective_date: NaiveDate,
    /// The file's encoding, when detection is not wanted.
    pub encoding: Option<Encoding>,
    /// The matcher's thresholds.
    pub thresholds: Thresholds,
    /// A panic a test injects (see `ingest::fault`); always `None` otherwise.
    pub injected_panic: Option<InjectedPanic>,
}

/// Counters a progress display reads while the load runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Rows read so far.
    pub rows: AtomicU64,
    /// Bytes read so far.
    pub bytes: AtomicU64,
}

/// Why a load did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file itself is unusable.
    #[error(transparent)]
    File(#[from] FileError),
    /// The database failed; the register is unchanged.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The load report (docs/SOURCES.md, "What a load must produce").
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// The load.
    pub load_id: i64,
    /// Which source.
    pub source: String,
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// The valid-from date of the extract's statements.
    pub effective_date: Option<NaiveDate>,
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    /// Rows linked to a unit, creating one, or sent to review.
    pub accepted: u64,
    /// Rows that could not be used.
    pub rejected: u64,
    /// Units created (legal units and, for branches, local units).
    pub units_created: u64,
    /// Existing units whose record from this source changed.
    pub units_updated: u64,
    /// Existing units whose record from this source was already as the file says.
    pub units_unchanged: u64,
    /// Accepted rows by link method.
    pub links: BTreeMap<String, u64>,
    /// Review items opened by this load.
    pub review_opened: u64,
    /// Rows that joined a review item already open.
    pub review_pending: u64,
    /// Rows whose identifier contradicted the rest of the row.
    pub conflicts: u64,
    /// The first rejections (all are at `/loads/{id}/rejections`).
    pub rejections: Vec<RejectionView>,
    /// The first conflicts, explained.
    pub conflict_examples: Vec<String>,
    /// Values kept aside (an unknown region or legal form), the first ones.
    pub notes: Vec<String>,
    /// Seconds, in all.
    pub seconds: f64,
    /// Rows per second, end to end.
    pub rows_per_second: f64,
    /// Where the time went.
    pub timings: Timings,
}

/// Where a load's time went, in seconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Timings {
    /// Reading the register into the matching snapshot.
    pub snapshot: f64,
    /// Parsing, validating and matching rows (on its own thread).
    pub parse_and_match: f64,
    /// Applying proposals and writing rows.
    pub write: f64,
    /// Branch links, successors, the change log's tail and the commit.
    pub finish: f64,
}

/// One rejected row.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RejectionView {
    /// Its line (header = 1).
    pub line: u64,
    /// The column at fault, if one is.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// What a review item keeps of its row, to apply it once decided.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingStatement {
    /// The source's key for the record chain.
    pub source_key: Option<String>,
    /// Valid from, for a unit's first record from this source.
    pub first_valid_from: NaiveDate,
    /// Valid from, for a change to an existing record.
    pub valid_from: NaiveDate,
    /// What the row says.
    pub values: Values,
}

impl PendingStatement {
    /// The statement to record, valid from one of the two dates.
    fn into_statement(self, source: Source, valid_from: NaiveDate) -> Statement {
        Statement {
            source,
            source_key: self.source_key,
            valid_from,
            values: self.values,
        }
    }
}

/// A candidate as the review queue keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CandidateView {
    /// The candidate unit.
    #[schema(value_type = String)]
    pub stat_id: StatId,
    /// The match score: the sum of the weights.
    pub score: f64,
    /// Field by field: level, similarity and weight.
    #[schema(value_type = Vec<Object>)]
    pub evidence: serde_json::Value,
}

/// How many examples of each kind a report lists.
const EXAMPLES: usize = 100;
/// Rows per batch handed from the matching thread to the writing one.
const BATCH: usize = 512;

/// Registers a load and runs it at once, on this thread (the command line
/// and the demo; the service queues instead, see `ingest::queue`).
pub fn start(
    conn: &mut AnyConnection,
    input: impl Read + Send + 'static,
    options: &Options,
    file_name: &str,
    requested_by: &str,
    progress: Arc<Progress>,
) -> Result<Report, LoadError> {
    let load_id = loads::create(
        conn,
        &NewLoad {
            source: options.source,
            file_name: Some(file_name),
            dry_run: options.dry_run,
            effective_date: options.effective_date,
            encoding: options.encoding,
            requested_by: Some(requested_by),
            status: LoadStatus::Running,
            now: Utc::now().naive_utc(),
        },
    )?;
    run(conn, load_id, input, options, progress)
}

/// Runs a load whose `loads` row exists, and records its outcome there.
pub fn run(
    conn: &mut AnyConnection,
    load_id: i64,
    input: impl Read + Send + 'static,
    options: &Options,
    progress: Arc<Progress>,
) -> Result<Report, LoadError> {
    let outcome = load(conn, load_id, input, options, progress);
    let now = Utc::now().naive_utc();
    match &outcome {
        Ok(report) if report.dry_run => {
            let json = serde_json::to_string(report).unwrap_or_default();
            loads::set_status(conn, load_id, LoadStatus::Done, Some(&json), None, now)?;
        }
        Ok(_) => {}
        Err(error) => {
            let reason = failure_reason(load_id, error);
            loads::set_status(conn, load_id, LoadStatus::Failed, None, Some(&reason), now)?;
        }
    }
    outcome
}

/// Why a load failed, as its requester is told: what is wrong with the file,
/// or that an internal error stopped it. Database errors and panics stay in
/// the service's log, which is written here, once.
pub fn failure_reason(load_id: i64, error: &LoadError) -> String {
    match error {
        LoadError::File(file) => file.to_string(),
        LoadError::Store(store) => {
            tracing::error!(load_id, error = %store, "load failed");
            INTERNAL_FAILURE.to_owned()
        }
    }
}

/// What a load's requester is told of a failure that is not the file's fault.
pub const INTERNAL_FAILURE: &str =
    "an internal error stopped the load; nothing of it was written (the service log has the details)";

fn load(
    conn: &mut AnyConnection,
    load_id: i64,
    input: impl Read + Send + 'static,
    options: &Options,
    progress: Arc<Progress>,
) -> Result<Report, LoadError> {
    let started = Instant::now();
    let file_hash = Arc::new(std::sync::Mutex::new(<sha2::Sha256 as sha2::Digest>::new()));
    let counted = Counted {
        inner: input,
        progress: progress.clone(),
        hash: file_hash.clone(),
    };
    let extract = Extract::open(counted, options.encoding)?;
    let mapper = Mapper::new(options.source, &extract)?;
    loads::set_status(
        conn,
        load_id,
        LoadStatus::Running,
        None,
        None,
        Utc::now().naive_utc(),
    )?;
    let origin = Origin::new(OriginKind::Load, format!("load:{load_id}"));
    let mut dry_report = None;
    let written = register::write(conn, origin, |writer| {
        let before = writer.last_seq();
        let snapshot_started = Instant::now();
        let snapshot = loads::snapshot(writer.connection(), options.source)?;
        let snapshot_time = snapshot_started.elapsed();
        tracing::info!(
            load_id,
            units = snapshot.known.units(),
            seconds = snapshot_time.as_secs_f64(),
            "register snapshot taken"
        );
        let mut applier = Applier::new(writer, &snapshot, load_id, options);
        applier.report.timings.snapshot = snapshot_time.as_secs_f64();
        let matching = stream(&mut applier, extract, &mapper, &progress)?;
        applier.report.timings.parse_and_match = matching.as_secs_f64();
        let finishing = Instant::now();
        applier.finish()?;
        let applier_rejections = std::mem::take(&mut applier.rejections);
        let mut report = applier.report;
        report.timings.finish = finishing.elapsed().as_secs_f64();
        report.seconds = started.elapsed().as_secs_f64();
        report.rows_per_second = report.rows_read as f64 / report.seconds.max(1e-9);
        if options.dry_run {
            dry_report = Some((report, applier_rejections));
            return Err(StoreError::DryRun);
        }
        let digest = match file_hash.lock() {
            Ok(hash) => <sha2::Sha256 as sha2::Digest>::finalize(hash.clone()),
            Err(_) => return Err(StoreError::Abandoned("the file hash was poisoned".into())),
        };
        let file_hash = crate::domain::audit::hex(&digest);
        load_audit(writer, load_id, options.source, file_hash, before, &report)?;
        let json = serde_json::to_string(&report).unwrap_or_default();
        let now = writer.now();
        loads::set_status(
            writer.connection(),
            load_id,
            LoadStatus::Done,
            Some(&json),
            None,
            now,
        )?;
        Ok(report)
    });
    match (written, dry_report) {
        (Err(StoreError::DryRun), Some((report, rejections))) => {
            loads::insert_rejections(conn, &rejections)?;
            Ok(report)
        }
        (result, _) => {
            let mut report = result?;
            // The commit happened after the report was written; count it too.
            report.seconds = started.elapsed().as_secs_f64();
            Ok(report)
        }
    }
}

/// Reads and matches on a second thread while this one applies; returns
/// the matching thread's busy time.
fn stream(
    applier: &mut Applier,
    extract: Extract,
    mapper: &Mapper,
    progress: &Progress,
) -> Result<Duration, StoreError> {
    let (sender, receiver) = sync_channel::<Vec<Item>>(16);
    let known = &applier.snapshot.known;
    let thresholds = applier.options.thresholds;
    let injected = applier.options.injected_panic.clone();
    std::thread::scope(|scope| {
        let matcher = scope.spawn(move || {
            let mut busy = Duration::ZERO;
            let mut rows = extract.into_iter();
            loop {
                let raw: Vec<_> = rows.by_ref().take(BATCH).collect();
                if raw.is_empty() {
                    return busy;
                }
                let began = Instant::now();
                progress.rows.fetch_add(raw.len() as u64, Ordering::Relaxed);
                let batch = prepare_batch(raw, mapper, known, &thresholds, injected.as_ref());
                busy += began.elapsed();
                // The writer may have stopped on an error; then nobody listens.
                if sender.send(batch).is_err() {
                    return busy;
                }
            }
        });
        let began = Instant::now();
        for batch in receiver {
            for item in batch {
                applier.apply(item)?;
            }
            applier.flush_if_full()?;
        }
        applier.report.timings.write = began.elapsed().as_secs_f64();
        // A panic there ended the batches early: the rows so far must not
        // commit as if they were the whole file.
        matcher.join().map_err(|panic| {
            let message = crate::background::panic_message(panic.as_ref());
            StoreError::Abandoned(format!("the matching thread panicked: {message}"))
        })
    })
}

/// Maps and matches a batch of rows, in order, half of it on a second
/// thread: matching is the slow side of a tax or statistics load, and the
/// writer leaves a core idle much of the time.
fn prepare_batch(
    mut rows: Vec<Result<super::extract::Row, RowError>>,
    mapper: &Mapper,
    known: &crate::reconcile::matcher::Known,
    thresholds: &Thresholds,
    injected: Option<&InjectedPanic>,
) -> Vec<Item> {
    let second_half = rows.split_off(rows.len() / 2);
    let match_all = |part: Vec<Result<super::extract::Row, RowError>>| -> Vec<Item> {
        part.into_iter()
            .map(|row| {
                let line = row.as_ref().map_or_else(|error| error.line, |row| row.line);
                fault::check(injected, Stage::Matching, line);
                prepare(row, mapper, known, thresholds)
            })
            .collect()
    };
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| match_all(second_half));
        let mut items = match_all(rows);
        let rest = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        items.extend(rest);
        items
    })
}

/// A row read and matched, or why it was rejected.
enum Item {
    Row(Box<Prepared>),
    Rejected(RowError),
}

struct Prepared {
    row: SourceRow,
    matched: Matched,
    fingerprint: String,
}

fn prepare(
    result: Result<super::extract::Row, RowError>,
    mapper: &Mapper,
    known: &crate::reconcile::matcher::Known,
    thresholds: &Thresholds,
) -> Item {
    let row = match result.and_then(|row| mapper.map(&row)) {
        Ok(row) => row,
        Err(error) => return Item::Rejected(error),
    };
    let values = &row.values;
    let profile = Profile::new(
        values.name.as_deref().unwrap_or_default(),
        values.address.as_deref(),
        values.region.as_deref(),
        values.activity.as_deref(),
        values.legal_form.as_deref(),
        values.birth_date,
    )
    .with_identifiers(row.keys.tin.as_deref(), row.keys.reg_number.as_deref());
    let keys = RowKeys {
        unit: row.keys.stat_id.map(StatId::unit_number),
        tin: row.keys.tin.clone(),
        reg_number: row.keys.reg_number.clone(),
    };
    let chain_key = chain_key(&row);
    // A branch is its own local unit: only its own number can find it.
    let fuzzy = row.parent_reg_number.is_none();
    let matched = known.propose(
        row.source,
        chain_key.as_deref(),
        &keys,
        &profile,
        thresholds,
        fuzzy,
    );
    let fingerprint = match &chain_key {
        Some(key) => key.clone(),
        None => format!(
            "~{}|{}|{}",
            profile.name.key(),
            profile.address.join(" "),
            profile.region.as_deref().unwrap_or_default()
        ),
    };
    Item::Row(Box::new(Prepared {
        row,
        matched,
        fingerprint,
    }))
}

/// The key of the row's record chain: tax speaks per taxpayer number,
/// justice per registration number; statistics has one record per unit.
fn chain_key(row: &SourceRow) -> Option<String> {
    match row.source {
        Source::Tax => row.keys.tin.clone(),
        Source::Justice => row.keys.reg_number.clone(),
        Source::Statistics | Source::Register => None,
    }
}

/// The key shown in the links export: the row's identifier, if it had one.
fn exported_key(row: &SourceRow) -> Option<String> {
    let key = row.source_key();
    (!key.starts_with("line:")).then_some(key)
}

/// What the applier decided for a row.
enum Decision {
    Link {
        unit: i64,
        method: Method,
        score: Option<f64>,
        review_id: Option<i64>,
    },
    New {
        score: Option<f64>,
    },
    Review {
        reason: String,
        open: Option<i64>,
    },
    Reject(String),
}

/// Applies proposals in file order, inside the load's register write.
struct Applier<'w, 'c, 's> {
    writer: &'w mut Writer<'c>,
    snapshot: &'s Snapshot,
    options: &'s Options,
    load_id: i64,
    report: Report,
    /// Units already given a row of this load, with that row's line.
    claimed: HashMap<i64, u64>,
    /// This source's keys seen in the file, with their first line.
    seen: HashMap<String, u64>,
    /// Units created in this load, by registration number.
    created: HashMap<String, i64>,
    branches: Vec<(i64, String, NaiveDate, u64)>,
    successors: Vec<(i64, String, NaiveDate, u64)>,
    rows: Vec<LoadRow>,
    rejections: Vec<Rejection>,
    reviews: Vec<ReviewItem>,
    next_review_id: i64,
}

impl<'w, 'c, 's> Applier<'w, 'c, 's> {
    fn new(
        writer: &'w mut Writer<'c>,
        snapshot: &'s Snapshot,
        load_id: i64,
        options: &'s Options,
    ) -> Self {
        Applier {
            writer,
            snapshot,
            options,
            load_id,
            report: Report {
                load_id,
                source: options.source.to_string(),
                dry_run: options.dry_run,
                effective_date: Some(options.effective_date),
                ..Report::default()
            },
            claimed: HashMap::new(),
            seen: HashMap::new(),
            created: HashMap::new(),
            branches: Vec::new(),
            successors: Vec::new(),
            rows: Vec::new(),
            rejections: Vec::new(),
            reviews: Vec::new(),
            next_review_id: snapshot.next_review_id,
        }
    }

    fn apply(&mut self, item: Item) -> Result<(), StoreError> {
        self.report.rows_read += 1;
        let line = match &item {
            Item::Rejected(error) => error.line,
            Item::Row(prepared) => prepared.row.line,
        };
        fault::check(self.options.injected_panic.as_ref(), Stage::Writing, line);
        let prepared = match item {
            Item::Rejected(error) => {
                self.reject(error.line, error.column, error.reason);
                return Ok(());
            }
            Item::Row(prepared) => *prepared,
        };
        if let Some(key) = chain_key(&prepared.row) {
            if let Some(first) = self.seen.insert(key.clone(), line) {
                let column = if prepared.row.source == Source::Tax {
                    "tin"
                } else {
                    "reg_number"
                };
                self.seen.insert(key.clone(), first);
                let reason = format!("duplicate {column} {key}: first on line {first}");
                self.reject(line, Some(column.to_owned()), reason);
                return Ok(());
            }
        }
        for note in &prepared.row.notes {
            if self.report.notes.len() < EXAMPLES {
                self.report.notes.push(format!("line {line}: {note}"));
            }
        }
        if let Some(conflict) = &prepared.matched.conflict {
            self.report.conflicts += 1;
            if self.report.conflict_examples.len() < EXAMPLES {
                self.report
                    .conflict_examples
                    .push(format!("line {line}: {conflict}"));
            }
        }
        let decision = self.decide(&prepared);
        self.carry_out(prepared, decision)
    }

    /// The matcher's proposal, overruled by remembered review decisions and
    /// by units this load has already given to an earlier row.
    fn decide(&self, prepared: &Prepared) -> Decision {
        match self.snapshot.remembered.get(&prepared.fingerprint) {
            Some(Remembered::Unit(review_id, unit)) => {
                return Decision::Link {
                    unit: *unit,
                    method: Method::Manual,
                    score: None,
                    review_id: Some(*review_id),
                }
            }
            Some(Remembered::Rejected(review_id)) => {
                return Decision::Reject(format!("rejected in review (item {review_id})"))
            }
            Some(Remembered::Open(review_id)) => {
                return Decision::Review {
                    reason: String::new(),
                    open: Some(*review_id),
                }
            }
            None => {}
        }
        match &prepared.matched.proposal {
            Proposal::Link {
                unit,
                method,
                score,
            } => match self.claimed.get(unit) {
                Some(first) => Decision::Review {
                    reason: format!(
                        "its unit {} is already matched by line {first} of this file",
                        StatId::from_unit_number(*unit)
                    ),
                    open: None,
                },
                None => Decision::Link {
                    unit: *unit,
                    method: *method,
                    score: Some(*score),
                    review_id: None,
                },
            },
            Proposal::New { score } => Decision::New { score: *score },
            Proposal::Review { reason } => Decision::Review {
                reason: reason.clone(),
                open: None,
            },
        }
    }

    fn carry_out(&mut self, prepared: Prepared, decision: Decision) -> Result<(), StoreError> {
        let line = prepared.row.line;
        let (unit, method, score, review_id) = match decision {
            Decision::Reject(reason) => {
                self.reject(line, None, reason);
                return Ok(());
            }
            Decision::Link {
                unit,
                method,
                score,
                review_id,
            } => {
                self.record(unit, &prepared.row)?;
                (Some(unit), method, score, review_id)
            }
            Decision::New { score } => {
                let unit = self.create(&prepared.row)?;
                (Some(unit), Method::New, score, None)
            }
            Decision::Review { reason, open } => {
                let review_id = self.review(&prepared, reason, open)?;
                let score = prepared
                    .matched
                    .candidates
                    .first()
                    .map(|c| c.comparison.score);
                (None, Method::Review, score, Some(review_id))
            }
        };
        if let Some(unit) = unit {
            self.claimed.insert(unit, line);
        }
        self.report.accepted += 1;
        *self
            .report
            .links
            .entry(method.as_str().to_owned())
            .or_default() += 1;
        self.rows.push(LoadRow {
            load_id: self.load_id,
            line: line as i64,
            source_key: exported_key(&prepared.row),
            unit_id: unit,
            method: method.as_str().to_owned(),
            score,
            review_id,
        });
        Ok(())
    }

    /// The row's statement with both of its possible valid-from dates.
    fn pending_statement(&self, row: &SourceRow) -> PendingStatement {
        let effective = self.options.effective_date;
        let valid_from = match row.reference_year {
            Some(year) => NaiveDate::from_ymd_opt(year, 1, 1)
                .filter(|start| *start <= effective)
                .unwrap_or(effective),
            None => effective,
        };
        // A unit's first record is dated back to its registration, so the
        // register "as on" an earlier date shows the unit as it was born.
        let first_valid_from = match row.reference_year {
            Some(_) => valid_from,
            None => row
                .values
                .birth_date
                .filter(|birth| *birth <= effective)
                .unwrap_or(effective),
        };
        PendingStatement {
            source_key: chain_key(row),
            first_valid_from,
            valid_from,
            values: row.values.clone(),
        }
    }

    /// Records the row's statement on an existing unit.
    fn record(&mut self, unit: i64, row: &SourceRow) -> Result<(), StoreError> {
        let pending = self.pending_statement(row);
        let (valid_from, first_valid_from) = (pending.valid_from, pending.first_valid_from);
        let stat_id = StatId::from_unit_number(unit);
        let chain = (unit, pending.source_key.clone());
        let changed = match self.snapshot.chains.get(&chain) {
            Some(hash) if *hash == loads::values_hash(&pending.values) => Vec::new(),
            Some(_) => {
                let statement = pending.into_statement(row.source, valid_from);
                match self.writer.record(stat_id, &statement)? {
                    Recorded::Unchanged => Vec::new(),
                    Recorded::Changed(changed) => changed,
                }
            }
            None => {
                let statement = pending.into_statement(row.source, first_valid_from);
                self.writer.record_new(stat_id, &statement)
            }
        };
        if changed.is_empty() {
            self.report.units_unchanged += 1;
            return Ok(());
        }
        self.report.units_updated += 1;
        self.life_events(stat_id, row, &changed, valid_from)
    }

    /// Creates the unit a row describes: a legal unit with its enterprise,
    /// or for a justice branch a local unit, linked to its parent at the end.
    fn create(&mut self, row: &SourceRow) -> Result<i64, StoreError> {
        let pending = self.pending_statement(row);
        let (valid_from, first_valid_from) = (pending.valid_from, pending.first_valid_from);
        let statement = pending.into_statement(row.source, first_valid_from);
        let stat_id = match &row.parent_reg_number {
            Some(parent) => {
                let local = self.writer.create_unit(UnitKind::LocalUnit)?;
                self.writer.record_new(local, &statement);
                let since = row.values.birth_date.unwrap_or(first_valid_from);
                self.branches
                    .push((local.unit_number(), parent.clone(), since, row.line));
                local
            }
            None => self.writer.create_legal_unit(&statement)?.0,
        };
        self.report.units_created += 1;
        if let Some(reg_number) = &row.keys.reg_number {
            self.created
                .insert(reg_number.clone(), stat_id.unit_number());
        }
        let birth = row.values.birth_date.unwrap_or(first_valid_from);
        self.writer.event(
            EventKind::Birth,
            birth,
            &[(stat_id, EventRole::Subject)],
            None,
        )?;
        self.life_events(stat_id, row, Attribute::ALL, valid_from)?;
        Ok(stat_id.unit_number())
    }

    /// Liquidations are deaths; a successor number records a merger or
    /// take-over (linked once all rows are in, the successor may come later).
    fn life_events(
        &mut self,
        stat_id: StatId,
        row: &SourceRow,
        changed: &[Attribute],
        valid_from: NaiveDate,
    ) -> Result<(), StoreError> {
        if row.source != Source::Justice {
            return Ok(());
        }
        if let Some(death) = row.values.death_date {
            if changed.contains(&Attribute::DeathDate) {
                self.writer.event(
                    EventKind::Death,
                    death,
                    &[(stat_id, EventRole::Subject)],
                    None,
                )?;
            }
        }
        if let Some(successor) = &row.successor_reg_number {
            let date = row.values.death_date.unwrap_or(valid_from);
            self.successors
                .push((stat_id.unit_number(), successor.clone(), date, row.line));
        }
        Ok(())
    }

    /// Opens a review item for the row, or joins the one already open for it.
    fn review(
        &mut self,
        prepared: &Prepared,
        reason: String,
        open: Option<i64>,
    ) -> Result<i64, StoreError> {
        let statement = serde_json::to_string(&self.pending_statement(&prepared.row))
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        let candidates = serde_json::to_string(&candidate_views(&prepared.matched.candidates))
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        let line = prepared.row.line as i64;
        if let Some(id) = open {
            self.report.review_pending += 1;
            let reason = if reason.is_empty() {
                self.matcher_reason(prepared)
            } else {
                reason
            };
            review::refresh(
                self.writer.connection(),
                id,
                self.load_id,
                line,
                &reason,
                &statement,
                &candidates,
            )?;
            return Ok(id);
        }
        let id = self.next_review_id;
        self.next_review_id += 1;
        self.report.review_opened += 1;
        self.reviews.push(ReviewItem {
            id,
            load_id: Some(self.load_id),
            submission_id: None,
            line,
            source: prepared.row.source.to_string(),
            source_key: exported_key(&prepared.row),
            fingerprint: prepared.fingerprint.clone(),
            reason,
            statement,
            candidates,
            status: ReviewStatus::Open.to_string(),
            unit_id: None,
            decided_by: None,
            decided_at: None,
            note: None,
            created_at: self.writer.now(),
        });
        Ok(id)
    }

    /// Why the matcher would not decide a row that joins an open item.
    fn matcher_reason(&self, prepared: &Prepared) -> String {
        match &prepared.matched.proposal {
            Proposal::Review { reason } => reason.clone(),
            _ => "still waiting for the decision of an earlier review".to_owned(),
        }
    }

    fn reject(&mut self, line: u64, column: Option<String>, reason: String) {
        self.report.rejected += 1;
        if self.report.rejections.len() < EXAMPLES {
            self.report.rejections.push(RejectionView {
                line,
                column: column.clone(),
                reason: reason.clone(),
            });
        }
        self.rejections.push(Rejection {
            load_id: self.load_id,
            line: line as i64,
            column_name: column,
            reason,
        });
    }

    fn flush_if_full(&mut self) -> Result<(), StoreError> {
        self.writer.flush_if_full()?;
        if self.rows.len() + self.rejections.len() + self.reviews.len() >= 8_000 {
            self.flush_own()?;
        }
        Ok(())
    }

    fn flush_own(&mut self) -> Result<(), StoreError> {
        let conn = self.writer.connection();
        loads::insert_rows(conn, &std::mem::take(&mut self.rows))?;
        // A dry run is rolled back; its rejections are written after that.
        if !self.options.dry_run {
            loads::insert_rejections(conn, &std::mem::take(&mut self.rejections))?;
        }
        review::insert(conn, &std::mem::take(&mut self.reviews))?;
        Ok(())
    }

    /// Links branches to their parents and records successions, now that
    /// every row of the file is in.
    fn finish(&mut self) -> Result<(), StoreError> {
        for (local, parent, since, line) in std::mem::take(&mut self.branches) {
            match self.unit_by_reg_number(&parent) {
                Some(parent_unit) => self.writer.link(
                    LinkKind::LocalUnitOf,
                    StatId::from_unit_number(local),
                    StatId::from_unit_number(parent_unit),
                    since,
                )?,
                None => self.note(
                    line,
                    format!("parent_reg_number {parent} is not in the register"),
                ),
            }
        }
        for (unit, successor, date, line) in std::mem::take(&mut self.successors) {
            match self.unit_by_reg_number(&successor) {
                Some(successor_unit) if successor_unit != unit => self.writer.event(
                    EventKind::Merger,
                    date,
                    &[
                        (StatId::from_unit_number(unit), EventRole::Predecessor),
                        (
                            StatId::from_unit_number(successor_unit),
                            EventRole::Successor,
                        ),
                    ],
                    Some(&format!("successor_reg_number {successor}")),
                )?,
                _ => self.note(
                    line,
                    format!("successor_reg_number {successor} is not in the register"),
                ),
            }
        }
        self.flush_own()
    }

    fn unit_by_reg_number(&self, reg_number: &str) -> Option<i64> {
        self.created
            .get(reg_number)
            .copied()
            .or_else(|| self.snapshot.known.unit_by_reg_number(reg_number))
    }

    fn note(&mut self, line: u64, note: String) {
        if self.report.notes.len() < EXAMPLES {
            self.report.notes.push(format!("line {line}: {note}"));
        }
    }
}

/// The candidates as the review queue shows them.
pub fn candidate_views(candidates: &[Scored]) -> Vec<CandidateView> {
    candidates
        .iter()
        .map(|c| CandidateView {
            stat_id: StatId::from_unit_number(c.unit),
            score: (c.comparison.score * 100.0).round() / 100.0,
            evidence: evidence_json(&c.comparison.evidence),
        })
        .collect()
}

fn evidence_json(evidence: &[Evidence]) -> serde_json::Value {
    serde_json::to_value(evidence).unwrap_or_default()
}

/// A reader that counts the bytes it hands on, for the progress display.
/// The file as read: counted for the progress display, and hashed for
/// the audit trail (which file, byte for byte, made these changes).
struct Counted<R> {
    inner: R,
    progress: Arc<Progress>,
    hash: Arc<std::sync::Mutex<sha2::Sha256>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let read = self.inner.read(buf)?;
        self.progress
            .bytes
            .fetch_add(read as u64, Ordering::Relaxed);
        // Only this reader's thread holds the lock while the file is read.
        if let Ok(mut hash) = self.hash.lock() {
            hash.update(&buf[..read]);
        }
        Ok(read)
    }
}

/// The audit entry of a load: who asked for it (the command line when
/// nobody did through the API), the file's SHA-256 and what it changed.
fn load_audit(
    writer: &mut crate::store::register::Writer,
    load_id: i64,
    source: Source,
    file_hash: String,
    before: i64,
    report: &Report,
) -> Result<(), StoreError> {
    let requested_by = loads::requested_by(writer.connection(), load_id)?;
    // `who` writes "LABEL (token N, ROLE)": the role is the last word.
    let role = requested_by
        .as_deref()
        .and_then(|who| who.rsplit(", ").next())
        .and_then(|tail| tail.strip_suffix(')'))
        .unwrap_or("operator")
        .to_owned();
    let agency = (role == "agency").then(|| source.as_str().to_owned());
    let last = writer.last_seq();
    writer.audit(crate::store::audit::Draft {
        actor: requested_by.unwrap_or_else(|| "command line".to_owned()),
        role,
        agency,
        action: "load".to_owned(),
        subject: format!("load:{load_id}"),
        request_hash: file_hash,
        seqs: (last > before).then_some((before + 1, last)),
        outcome: format!(
            "rows {}, created {}, review {}, rejected {}",
            report.rows_read, report.units_created, report.review_opened, report.rejected
        ),
    });
    Ok(())
}
