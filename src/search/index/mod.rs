//! The index itself: its layout, what is filed for each unit, and what
//! searches read of each segment and keep. The bottom layer of `search`:
//! it uses nothing of `rank` or `query`.

pub mod document;
pub mod indexer;
pub mod keys;
pub mod letterwise;
pub mod likeness;
pub mod lists;
pub mod mark;
pub mod person;
pub mod postings;
pub mod table;

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};

use tantivy::directory::MmapDirectory;
use tantivy::schema::{DateOptions, Field, Schema, FAST, INDEXED, STORED, STRING, TEXT};
use tantivy::{Index, IndexReader, ReloadPolicy, Warmer};

use likeness::trigrams_field;
use mark::Mark;
use table::UnitTables;

/// Bytes of stored documents compressed together. A page of results reads
/// one document from each of 20 scattered blocks, and decompresses each whole
/// block to do so: at tantivy's default 16 KiB that was 6% of a search. At
/// 4 KiB the store is a little larger (lz4 has less to share) and a page
/// decompresses a quarter as much.
const STORE_BLOCK: usize = 4096;

/// Why the index cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index folder cannot be created or read.
    #[error("search index folder {path}: {reason}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
    /// tantivy refused.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The database could not be read while indexing.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The open search index and its reader.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The last change-log seq the searchable index holds.
    version: Arc<AtomicI64>,
    /// What searches read of each segment and keep: spellings, word lists, filters.
    lists: Arc<lists::ListCache>,
    /// What ranking and facets read of each unit, per segment.
    tables: Arc<UnitTables>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let folder_error = |reason: String| SearchError::Folder {
            path: dir.display().to_string(),
            reason,
        };
        let open = || -> Result<Index, SearchError> {
            std::fs::create_dir_all(dir).map_err(|e| folder_error(e.to_string()))?;
            let directory = MmapDirectory::open(dir).map_err(|e| folder_error(e.to_string()))?;
            Ok(Index::open_or_create(directory, schema())?)
        };
        let mut index = match open() {
            // Derived data in an older layout: start it again; it catches up
            // from the change log.
            Err(SearchError::Index(tantivy::TantivyError::SchemaError(reason))) => {
                tracing::warn!(path = %dir.display(), reason, "search index layout changed, rebuilding it");
                std::fs::remove_dir_all(dir).map_err(|e| folder_error(e.to_string()))?;
                open()?
            }
            other => other?,
        };
        // Segments written from now on (a rebuild rewrites them all) store
        // documents in small blocks: see `STORE_BLOCK`.
        index.settings_mut().docstore_blocksize = STORE_BLOCK;
        let tables = Arc::new(UnitTables::default());
        // The reader holds its warmers weakly: `tables` keeps this one alive.
        let warmer: Weak<dyn Warmer> = Arc::downgrade(&tables) as Weak<dyn Warmer>;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![warmer])
            .try_into()?;
        let fields = Fields::of(&index.schema())?;
        let version = committed_mark(&index)?.seq;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            version: Arc::new(AtomicI64::new(version)),
            lists: Arc::default(),
            tables,
        })
    }

    /// How many units the index holds; answering proves it is readable.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The underlying tantivy index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The reader, reloaded by the indexer after each commit.
    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// The last change-log seq the searchable index holds.
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    /// Notes the version a commit made searchable (the indexer's job).
    fn set_version(&self, seq: i64) {
        self.version.store(seq, Ordering::Release);
    }

    /// The fields of the schema.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// What ranking and facets read of each unit, per segment.
    pub fn tables(&self) -> &Arc<UnitTables> {
        &self.tables
    }

    /// What searches read of each segment, shared between them.
    pub fn lists(&self) -> &Arc<lists::ListCache> {
        &self.lists
    }
}

/// The change the last commit recorded as its payload.
fn committed_mark(index: &Index) -> Result<Mark, SearchError> {
    Ok(Mark::parse(index.load_metas()?.payload.as_deref()))
}

/// The fields of a unit's document. Only public attributes have one.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The unit number (indexed, for replacing a unit's document).
    pub unit: Field,
    /// Every name, folded by `normalise::name`: one value per name.
    pub names: Field,
    /// Every name run together (`normalise` compact form): exact-name hits.
    pub name_keys: Field,
    /// stat_id, tin and reg_number, exactly as written.
    pub identifiers: Field,
    /// The address's folded words.
    pub address: Field,
    /// Unit kind (`legal_unit`…).
    pub kind: Field,
    /// Legal status (`active`…).
    pub status: Field,
    /// Region code.
    pub region: Field,
    /// The activity code and each level above it.
    pub activity: Field,
    /// Legal form code.
    pub legal_form: Field,
    /// Institutional sector code.
    pub sector: Field,
    /// Registration date.
    pub registered: Field,
    /// Whether the unit is active, its name's length and its number, packed
    /// in one number (`order::tiebreak`): what breaks ties of relevance.
    pub tiebreak: Field,
    /// The letter triples of every name (`likeness::Trigrams`), one
    /// 64-bit part per field: how alike a query is to the unit.
    pub trigrams: [Field; likeness::WORDS],
    /// The activity's NACE section letter: the activity facet.
    pub section: Field,
    /// The size class (confidential): filtered and counted, never stored.
    pub size_class: Field,
    /// The folded shown name and the unit number: the name order, unique per unit.
    pub sort_name: Field,
    /// Registration day and unit number in one number: the date order, unique per unit.
    pub sort_registered: Field,
    /// The name shown, stored for the answer.
    pub shown_name: Field,
    /// The activity code shown, stored for the answer.
    pub shown_activity: Field,
    /// The unit number of the other half of a legal unit and its one-to-one
    /// enterprise, stored for the answer.
    pub pair: Field,
    /// `indexer::FOLDED` on an enterprise that is one with its legal unit:
    /// a search without `kind` shows it within the legal unit's hit.
    pub folded: Field,
}

impl Fields {
    pub(crate) fn of(schema: &Schema) -> Result<Self, SearchError> {
        let field = |name: &str| schema.get_field(name).map_err(SearchError::from);
        Ok(Fields {
            unit: field("unit")?,
            names: field("names")?,
            name_keys: field("name_keys")?,
            identifiers: field("identifiers")?,
            address: field("address")?,
            kind: field("kind")?,
            status: field("status")?,
            region: field("region")?,
            activity: field("activity")?,
            legal_form: field("legal_form")?,
            sector: field("sector")?,
            registered: field("registered")?,
            tiebreak: field("tiebreak")?,
            trigrams: [
                field(&trigrams_field(0))?,
                field(&trigrams_field(1))?,
                field(&trigrams_field(2))?,
                field(&trigrams_field(3))?,
            ],
            section: field("section")?,
            size_class: field("size_class")?,
            sort_name: field("sort_name")?,
            sort_registered: field("sort_registered")?,
            shown_name: field("shown_name")?,
            shown_activity: field("shown_activity")?,
            pair: field("pair")?,
            folded: field("folded")?,
        })
    }
}

/// The index layout. Changing it means `sanaw reindex`.
pub(crate) fn schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_u64_field("unit", INDEXED | STORED | FAST);
    builder.add_text_field("names", TEXT);
    builder.add_text_field("name_keys", STRING);
    builder.add_text_field("identifiers", STRING);
    builder.add_text_field("address", TEXT);
    for facet in ["kind", "status", "region", "legal_form", "sector"] {
        builder.add_text_field(facet, STRING | STORED | FAST);
    }
    builder.add_text_field("activity", STRING | FAST);
    let date = DateOptions::from(INDEXED).set_stored().set_fast();
    builder.add_date_field("registered", date);
    builder.add_u64_field("tiebreak", FAST);
    for at in 0..likeness::WORDS {
        builder.add_u64_field(&trigrams_field(at), FAST);
    }
    builder.add_text_field("section", STRING | FAST);
    builder.add_text_field("size_class", STRING | FAST);
    builder.add_text_field("sort_name", STRING | FAST);
    builder.add_u64_field("sort_registered", INDEXED | FAST);
    builder.add_text_field("shown_name", STORED);
    builder.add_text_field("shown_activity", STORED);
    builder.add_u64_field("pair", STORED);
    builder.add_text_field("folded", STRING);
    builder.build()
}
