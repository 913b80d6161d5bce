//! Writing the index: the one `IndexWriter`, fed from the change log.
//!
//! Each commit carries, as its payload, the last change-log seq whose units
//! it holds. Catching up re-indexes the units changed after that seq, so a
//! crash at any moment loses nothing: the next catch-up redoes what the
//! last commit did not hold. Units are never deleted from the register, so
//! the index never holds one the database does not have.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, SyncSender};

use chrono::{NaiveDate, Utc};
use tantivy::schema::TantivyDocument;
use tantivy::{DateTime, IndexWriter, Term};

use super::document::UnitDocument;
use super::likeness::Trigrams;
use super::mark::Mark;
use super::{keys, letterwise, person};
use super::{Fields, SearchError, SearchIndex};
use crate::background::Background;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::Record;
use crate::domain::unit::UnitKind;
use crate::reconcile::normalise::{self, NormalName};
use crate::store::{reference, units, AnyConnection};

/// The `folded` value of an enterprise that is one with its legal unit.
pub const FOLDED: &str = "with_legal_unit";

/// Units read from the database per batch.
const BATCH: i64 = 2_000;
/// The writer's memory budget; it flushes a segment when it is reached.
const WRITER_HEAP: usize = 24 * 1024 * 1024;
/// A full rebuild's budget: about a million units' worth.
const REBUILD_HEAP: usize = 1536 * 1024 * 1024;

/// The index's one writer.
pub struct Indexer {
    index: SearchIndex,
    writer: IndexWriter,
    /// NACE division → section letter, read once.
    sections: Option<HashMap<String, String>>,
}

impl Indexer {
    /// Takes the index's writer lock; a second writer (another process) is refused.
    pub fn new(index: &SearchIndex) -> Result<Self, SearchError> {
        // One indexing thread: the other core serves searches.
        Indexer::with_threads(index, 1, WRITER_HEAP)
    }

    /// The writer for `sanaw reindex`, which runs while no search is
    /// served: one indexing thread beside the one reading the database, with
    /// a budget large enough for few segments, so that little is left to
    /// merge at the end.
    pub fn for_rebuild(index: &SearchIndex) -> Result<Self, SearchError> {
        Indexer::with_threads(index, 1, REBUILD_HEAP)
    }

    fn with_threads(index: &SearchIndex, threads: usize, heap: usize) -> Result<Self, SearchError> {
        let writer = index.index().writer_with_num_threads(threads, heap)?;
        Ok(Indexer {
            index: index.clone(),
            writer,
            sections: None,
        })
    }

    /// The last change-log seq the committed index holds (0 for a new index).
    pub fn indexed_seq(&self) -> Result<i64, SearchError> {
        Ok(super::committed_mark(self.index.index())?.seq)
    }

    /// Rebuilds the index if it is not the database's: ahead of it (a
    /// restored backup) or another register's (see `search::mark`).
    /// Returns whether it rebuilt.
    pub fn rebuild_unless_matching(
        &mut self,
        conn: &mut AnyConnection,
    ) -> Result<bool, SearchError> {
        let mark = super::committed_mark(self.index.index())?;
        let version = units::register_version(conn)?;
        let found = units::change_entry(conn, mark.seq)?;
        if mark.matches(found.as_ref(), version) {
            return Ok(false);
        }
        tracing::warn!(
            index_seq = mark.seq,
            register_version = version,
            "the search index is not this database's (a restored backup, or another DATABASE_URL): rebuilding it"
        );
        let units = self.rebuild(conn)?;
        tracing::info!(units, "search index rebuilt");
        Ok(true)
    }

    /// Re-indexes the units changed since the last commit; returns how many
    /// change-log entries it read.
    pub fn catch_up(&mut self, conn: &mut AnyConnection) -> Result<usize, SearchError> {
        let mut seq = self.indexed_seq()?;
        let mut read = 0;
        loop {
            let changes = units::changes_after(conn, seq, BATCH)?;
            let Some(&(last_seq, _)) = changes.last() else {
                return Ok(read);
            };
            let mut ids: Vec<i64> = changes.iter().map(|(_, unit)| *unit).collect();
            ids.sort_unstable();
            ids.dedup();
            self.put(conn, &ids, Put::Replace)?;
            self.commit(&mark_of(conn, last_seq)?)?;
            read += changes.len();
            seq = last_seq;
        }
    }

    /// Empties the index and fills it again from the database; returns how
    /// many units it indexed.
    pub fn rebuild(&mut self, conn: &mut AnyConnection) -> Result<usize, SearchError> {
        // Read the version first: changes after it are caught up later.
        let version = units::register_version(conn)?;
        let mark = mark_of(conn, version)?;
        self.writer.delete_all_documents()?;
        self.read_sections(conn)?;
        // Reading the database and building documents each take a core's
        // worth of a rebuild: one thread reads the next batches while this
        // one builds the documents of the last.
        let (batches, received) = sync_channel(2);
        let indexed = std::thread::scope(|scope| {
            scope.spawn(move || read_all(conn, &batches));
            let mut indexed = 0;
            for batch in received {
                indexed += self.write(&batch?, Put::New)?;
            }
            Ok::<usize, SearchError>(indexed)
        })?;
        self.commit(&mark)?;
        self.merge_all()?;
        Ok(indexed)
    }

    /// Merges every segment into one. A search walks each segment's term
    /// dictionary once per typo-tolerant word, so after a rebuild one
    /// segment answers several times faster than the writer's dozen.
    fn merge_all(&mut self) -> Result<(), SearchError> {
        let segments = self.index.index().searchable_segment_ids()?;
        if segments.len() < 2 {
            return Ok(());
        }
        self.writer.merge(&segments).wait()?;
        // The commit before reloaded the reader; the merge changed its segments.
        self.index.reader().reload()?;
        Ok(())
    }

    /// Replaces the documents of these units; returns how many it wrote.
    ///
    /// An enterprise shows its legal units' records, so a change to a legal
    /// unit re-indexes its enterprise too.
    fn put(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[i64],
        put: Put,
    ) -> Result<usize, SearchError> {
        self.read_sections(conn)?;
        let batch = Batch::read(conn, ids)?;
        self.write(&batch, put)
    }

    /// Reads the NACE sections once.
    fn read_sections(&mut self, conn: &mut AnyConnection) -> Result<(), SearchError> {
        if self.sections.is_none() {
            self.sections = Some(reference::nace_sections(conn)?);
        }
        Ok(())
    }

    /// Writes the documents of a batch's units; returns how many.
    fn write(&mut self, batch: &Batch, put: Put) -> Result<usize, SearchError> {
        let Batch {
            legal_units,
            kinds,
            by_unit,
            ..
        } = batch;
        let today = Utc::now().date_naive();
        let fields = *self.index.fields();
        let mut written = 0;
        for &(id, kind) in kinds {
            if put == Put::Replace {
                self.writer
                    .delete_term(Term::from_field_u64(fields.unit, id as u64));
            }
            let records: Vec<Record> = if kind == UnitKind::Enterprise {
                legal_units
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .filter_map(|legal| by_unit.get(legal))
                    .flatten()
                    .cloned()
                    .collect()
            } else {
                by_unit.get(&id).cloned().unwrap_or_default()
            };
            if records.is_empty() {
                continue;
            }
            let document = UnitDocument::new(StatId::from_unit_number(id), kind, &records, today);
            let sections = self.sections.as_ref();
            let section = document
                .activity_levels()
                .last()
                .and_then(|division| sections?.get(division).cloned());
            let mut indexed = tantivy_document(&fields, &document, section);
            if let Some(other) = batch.pair_of(id, kind) {
                indexed.add_u64(fields.pair, other as u64);
                if kind == UnitKind::Enterprise {
                    indexed.add_text(fields.folded, FOLDED);
                } else {
                    // Found by the enterprise's stat_id too: the hit names it.
                    let enterprise = StatId::from_unit_number(other).to_string();
                    indexed.add_text(fields.identifiers, enterprise);
                }
            }
            self.writer.add_document(indexed)?;
            written += 1;
        }
        Ok(written)
    }

    /// Commits what was written, noting the change it holds (see
    /// `search::mark`), and lets searches see it.
    fn commit(&mut self, mark: &Mark) -> Result<(), SearchError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&mark.payload());
        prepared.commit()?;
        self.index.reader().reload()?;
        self.index.set_version(mark.seq);
        Ok(())
    }
}

/// The mark of the register's change `seq` (see `search::mark`).
fn mark_of(conn: &mut AnyConnection, seq: i64) -> Result<Mark, SearchError> {
    Ok(match units::change_entry(conn, seq)? {
        Some(entry) => Mark::of(&entry),
        None => Mark::EMPTY,
    })
}

/// What the documents of some units are built from, as read from the database.
struct Batch {
    /// Each enterprise's legal units, among the units read.
    legal_units: HashMap<i64, Vec<i64>>,
    /// Each legal unit's enterprises, among the units read.
    enterprises: HashMap<i64, Vec<i64>>,
    /// The units and the units linked to them, with their kinds.
    kinds: Vec<(i64, UnitKind)>,
    /// Every record of each of those units.
    by_unit: HashMap<i64, Vec<Record>>,
}

impl Batch {
    /// Reads what the documents of these units need: an enterprise shows
    /// its legal units' records, and a legal unit's change re-indexes its
    /// enterprise and, through it, the enterprise's other legal units (one
    /// joining or leaving decides whether the enterprise is one hit with
    /// its legal unit).
    fn read(conn: &mut AnyConnection, ids: &[i64]) -> Result<Batch, SearchError> {
        let direct = units::enterprise_links(conn, ids)?;
        let mut enterprises: Vec<i64> = direct.iter().map(|(_, enterprise)| *enterprise).collect();
        enterprises.sort_unstable();
        enterprises.dedup();
        // A superset of `direct`: every link of those enterprises.
        let links = units::enterprise_links(conn, &enterprises)?;
        let mut all: Vec<i64> = ids.to_vec();
        all.extend(
            links
                .iter()
                .flat_map(|(legal, enterprise)| [*legal, *enterprise]),
        );
        all.sort_unstable();
        all.dedup();
        let kinds = units::kinds(conn, &all)?;
        let mut by_unit: HashMap<i64, Vec<Record>> = HashMap::new();
        for (unit, record) in units::records_by_unit(conn, &all)? {
            by_unit.entry(unit).or_default().push(record);
        }
        let mut legal_units: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut enterprises: HashMap<i64, Vec<i64>> = HashMap::new();
        for &(legal, enterprise) in &links {
            legal_units.entry(enterprise).or_default().push(legal);
            enterprises.entry(legal).or_default().push(enterprise);
        }
        Ok(Batch {
            legal_units,
            enterprises,
            kinds,
            by_unit,
        })
    }

    /// The other half of a legal unit and its enterprise when each is the
    /// other's only one; the same answer from either side.
    fn pair_of(&self, id: i64, kind: UnitKind) -> Option<i64> {
        let only = |units: Option<&Vec<i64>>| match units.map(Vec::as_slice) {
            Some(&[one]) => Some(one),
            _ => None,
        };
        match kind {
            UnitKind::Enterprise => {
                let legal = only(self.legal_units.get(&id))?;
                (only(self.enterprises.get(&legal)) == Some(id)).then_some(legal)
            }
            UnitKind::LegalUnit => {
                let enterprise = only(self.enterprises.get(&id))?;
                (only(self.legal_units.get(&enterprise)) == Some(id)).then_some(enterprise)
            }
            _ => None,
        }
    }
}

/// Reads every unit, batch by batch, into `batches`, until the units end,
/// a read fails (the error is sent) or the receiver is gone.
fn read_all(conn: &mut AnyConnection, batches: &SyncSender<Result<Batch, SearchError>>) {
    let mut after = 0;
    loop {
        let read = units::ids_after(conn, after, BATCH)
            .map_err(SearchError::from)
            .and_then(|ids| match ids.last() {
                None => Ok(None),
                Some(&last) => Ok(Some((last, Batch::read(conn, &ids)?))),
            });
        match read {
            Ok(None) => return,
            Ok(Some((last, batch))) => {
                if batches.send(Ok(batch)).is_err() {
                    return;
                }
                after = last;
            }
            Err(error) => {
                // Nobody to tell when the receiver is gone.
                let _ = batches.send(Err(error));
                return;
            }
        }
    }
}

/// Whether the units written may already be in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Put {
    /// They may: each unit's old document is deleted first.
    Replace,
    /// They are not (a rebuild emptied the index): a delete per unit would
    /// only be work for the commit.
    New,
}

/// The tantivy document of a unit.
fn tantivy_document(
    fields: &Fields,
    unit: &UnitDocument,
    section: Option<String>,
) -> TantivyDocument {
    let mut document = TantivyDocument::default();
    let number = unit.stat_id.unit_number() as u64;
    document.add_u64(fields.unit, number);
    let normals: Vec<NormalName> = unit
        .names
        .iter()
        .map(|name| normalise::name(name))
        .collect();
    for normal in &normals {
        document.add_text(fields.names, normal.key());
        document.add_text(fields.name_keys, normal.compact());
        // A loan word also under its Russian spelling, so that a typo in that
        // spelling (`Тектиль`) is one letter from a word of the index.
        let loans: Vec<&str> = normal
            .tokens
            .iter()
            .filter_map(|token| normalise::loan_spelling(token))
            .collect();
        if !loans.is_empty() {
            document.add_text(fields.names, loans.join(" "));
        }
    }
    // `Consulting` typed in Cyrillic letter by letter (`Цонсултинг`).
    for (name, normal) in unit.names.iter().zip(&normals) {
        let typed = letterwise::spellings(name, &normal.tokens);
        if !typed.is_empty() {
            document.add_text(fields.names, typed.join(" "));
        }
    }
    // `Orazow A.B.` is found by `Orazow Aman Berdiýewiç` through these keys.
    let words: Vec<&[String]> = normals.iter().map(|n| n.tokens.as_slice()).collect();
    for key in person::keys(&words) {
        document.add_text(fields.name_keys, key);
    }
    for identifier in &unit.identifiers {
        document.add_text(fields.identifiers, identifier);
    }
    if let Some(address) = &unit.address {
        document.add_text(fields.address, normalise::place(address).words.join(" "));
    }
    let facets = [
        (fields.kind, Some(unit.kind.as_str())),
        (fields.status, Some(unit.status.as_str())),
        (fields.region, unit.region.as_deref()),
        (fields.legal_form, unit.legal_form.as_deref()),
        (fields.sector, unit.sector.as_deref()),
    ];
    for (field, value) in facets {
        if let Some(value) = value {
            document.add_text(field, value);
        }
    }
    for level in unit.activity_levels() {
        document.add_text(fields.activity, level);
    }
    if let Some(section) = section {
        document.add_text(fields.activity, &section);
        document.add_text(fields.section, &section);
    }
    if let Some(date) = unit.registered {
        document.add_date(fields.registered, day(date));
    }
    // The shown name, when there is one, is the first of the unit's names.
    let shown = unit.name.as_ref().and(normals.first());
    let words = shown.map_or(0, |normal| normal.tokens.len());
    let alive = unit.status == "active";
    let tiebreak = keys::tiebreak(alive, unit.completeness(), words, number);
    document.add_u64(fields.tiebreak, tiebreak);
    let trigrams = Trigrams::of_words(
        normals
            .iter()
            .flat_map(|n| n.tokens.iter().map(String::as_str)),
    );
    for (field, part) in fields.trigrams.iter().zip(trigrams.0) {
        document.add_u64(*field, part);
    }
    document.add_text(
        fields.sort_name,
        keys::name_key(shown.map(NormalName::key).as_deref(), number),
    );
    document.add_u64(
        fields.sort_registered,
        keys::registered_key(unit.registered, number),
    );
    if let Some(size_class) = unit.size_class {
        document.add_text(fields.size_class, size_class.as_str());
    }
    if let Some(name) = &unit.name {
        document.add_text(fields.shown_name, name);
    }
    if let Some(activity) = &unit.activity {
        document.add_text(fields.shown_activity, activity);
    }
    document
}

/// A date as tantivy stores it: midnight UTC.
pub fn day(date: NaiveDate) -> DateTime {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    DateTime::from_timestamp_secs(midnight.timestamp())
}

/// How often the follower looks for new changes: a committed change is
/// searchable within a second. Each catch-up commits a segment that the
/// index later merges; under a steady stream of submissions, looking every
/// 200 ms spent a third of a core on merges.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(400);

/// Starts the thread that keeps the index current: it catches up from the
/// change log at once, then whenever the register version moves. It stops
/// when the index folder is gone (a test's temporary folder).
///
/// An index that is not the database's is rebuilt first, before anything is
/// served from it.
pub fn follow(
    db: crate::store::Database,
    index: &SearchIndex,
    folder: std::path::PathBuf,
    background: &Background,
) -> Result<(), SearchError> {
    let mut indexer = Indexer::new(index)?;
    indexer.rebuild_unless_matching(&mut *db.reader()?)?;
    background
        .spawn("search-indexer", move || {
            let mut seen = -1;
            while folder.exists() {
                match follow_once(&db, &mut indexer, seen) {
                    Ok(version) => seen = version,
                    Err(error) => tracing::error!(%error, "search index could not catch up"),
                }
                std::thread::sleep(FOLLOW_EVERY);
            }
        })
        .map_err(|error| SearchError::Folder {
            path: "search-indexer thread".into(),
            reason: error.to_string(),
        })?;
    Ok(())
}

/// Catches up when the register version differs from the one last seen;
/// returns the version now seen.
fn follow_once(
    db: &crate::store::Database,
    indexer: &mut Indexer,
    seen: i64,
) -> Result<i64, SearchError> {
    let mut conn = db.reader()?;
    let version = units::register_version(&mut conn)?;
    if version == seen {
        return Ok(version);
    }
    let read = indexer.catch_up(&mut conn)?;
    if read > 0 {
        tracing::info!(changes = read, version, "search index caught up");
    }
    Ok(version)
}
