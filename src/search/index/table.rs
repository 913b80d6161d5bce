//! What a search reads of every unit it finds, kept per segment as plain
//! arrays: the relevance tie-break, the number of each facet value and the
//! letter triples of the names.
//!
//! A broad query (`Bereket`: 60,000 units) reads these for every unit found,
//! to rank it and to count the facets. From tantivy's compressed columns that
//! was seven decodings per unit and, at a million units, a fifth of a
//! search's time; from an array it is one load. Segments never change, so a
//! table is built once per segment when a new searcher arrives (a tantivy
//! `Warmer`, on the indexer's reload, not on a search) and dropped with the
//! segment. At 2 million units the tables take 96 MiB: 32 of rows, 64 of
//! letter triples.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

use super::likeness::{self, trigrams_field, Trigrams};

/// A filter whose values are counted.
pub struct Facet {
    /// The indexed field counted.
    pub field: &'static str,
    /// The name the answer gives it.
    pub shown: &'static str,
    /// How many values it may list.
    pub size: usize,
}

/// The facets: the [`PUBLIC`] ones first, then the size class, derived from
/// confidential figures.
pub const FACETS: [Facet; 7] = [
    facet("kind", "kind", 10),
    facet("status", "status", 10),
    facet("region", "region", 20),
    facet("legal_form", "legal_form", 100),
    facet("sector", "sector", 50),
    // The activity filter takes NACE section letters (21), so the activity
    // facet counts sections.
    facet("section", "activity", 30),
    facet("size_class", "size_class", 10),
];

/// How many of [`FACETS`] anyone may see.
pub const PUBLIC: usize = 6;

const fn facet(field: &'static str, shown: &'static str, size: usize) -> Facet {
    Facet { field, shown, size }
}

/// How many units found a collector takes together. A unit's row is
/// usually not in the processor's cache, and between two units found the
/// search runs hundreds of instructions, so reading each row as its unit
/// comes waits for memory once per unit; a tight loop over a batch has many
/// rows on their way at once. Facet counting and ranking both batch.
pub const BATCH: usize = 64;

/// How many values a facet's codes can tell apart; a facet with more (none
/// does: the classifications are far smaller) is read from its column.
const TOO_MANY: usize = u8::MAX as usize;

/// What a search reads of every unit it finds. Both parts sit in one
/// 16-byte row, so that ranking and counting a unit found touch one cache
/// line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Row {
    /// Its `tiebreak` field (`order::tiebreak`).
    pub tiebreak: u64,
    /// Per facet of `facets::FACETS`, its value's number in the facet's
    /// values plus one; 0 when it has none. See [`UnitTable::value`].
    pub codes: [u8; FACETS.len()],
}

/// One segment's table.
pub struct UnitTable {
    /// Per unit, by doc id.
    rows: Vec<Row>,
    /// Per unit, by doc id, its names' letter triples (`likeness`): apart
    /// from the rows, as ranking reads them only for units that may still
    /// enter the page (`top`), and they are three times a row's size.
    trigrams: Vec<Trigrams>,
    /// Per facet, its values, by number.
    values: Vec<Vec<String>>,
    /// Per facet with more values than a code holds, its column.
    overflow: Vec<Option<StrColumn>>,
}

impl UnitTable {
    /// Reads a segment's columns into a table.
    fn build(reader: &SegmentReader) -> tantivy::Result<UnitTable> {
        let units = reader.max_doc();
        let tiebreak = reader.fast_fields().u64("tiebreak")?;
        let mut rows: Vec<Row> = (0..units)
            .map(|doc| Row {
                tiebreak: tiebreak.first(doc).unwrap_or(0),
                ..Row::default()
            })
            .collect();
        let mut trigrams = vec![Trigrams::default(); units as usize];
        for at in 0..likeness::WORDS {
            let part = reader.fast_fields().u64(&trigrams_field(at))?;
            for (doc, unit) in trigrams.iter_mut().enumerate() {
                unit.0[at] = part.first(doc as DocId).unwrap_or(0);
            }
        }
        let mut values = Vec::with_capacity(FACETS.len());
        let mut overflow = Vec::with_capacity(FACETS.len());
        for (at, facet) in FACETS.iter().enumerate() {
            let Some(column) = reader.fast_fields().str(facet.field)? else {
                values.push(Vec::new());
                overflow.push(None);
                continue;
            };
            if column.num_terms() >= TOO_MANY {
                values.push(Vec::new());
                overflow.push(Some(column));
                continue;
            }
            values.push(dictionary(&column)?);
            overflow.push(None);
            for (doc, row) in rows.iter_mut().enumerate() {
                if let Some(ord) = column.ords().first(doc as DocId) {
                    row.codes[at] = ord as u8 + 1;
                }
            }
        }
        Ok(UnitTable {
            rows,
            trigrams,
            values,
            overflow,
        })
    }

    /// A unit's row (an empty one past the segment's end).
    pub fn row(&self, doc: DocId) -> Row {
        self.rows.get(doc as usize).copied().unwrap_or_default()
    }

    /// A unit's letter triples (none past the segment's end).
    pub fn trigrams(&self, doc: DocId) -> Trigrams {
        self.trigrams.get(doc as usize).copied().unwrap_or_default()
    }

    /// How many values facet `facet` has in this segment.
    pub fn value_count(&self, facet: usize) -> usize {
        self.values.get(facet).map_or(0, Vec::len)
    }

    /// The value of code `code` (from a [`Row`]) of facet `facet`.
    pub fn value(&self, facet: usize, code: u8) -> Option<&str> {
        let values = self.values.get(facet)?;
        values
            .get(usize::from(code).checked_sub(1)?)
            .map(String::as_str)
    }

    /// The facet's column, when it has too many values for codes.
    pub fn overflow(&self, facet: usize) -> Option<&StrColumn> {
        self.overflow.get(facet).and_then(Option::as_ref)
    }
}

/// Every value of a column, by number.
fn dictionary(column: &StrColumn) -> tantivy::Result<Vec<String>> {
    (0..column.num_terms() as u64)
        .map(|ord| {
            let mut value = String::new();
            column.ord_to_str(ord, &mut value)?;
            Ok(value)
        })
        .collect()
}

/// The tables of the segments live searchers use.
#[derive(Default)]
pub struct UnitTables {
    held: RwLock<HashMap<SegmentId, Arc<UnitTable>>>,
}

impl UnitTables {
    /// The table of a segment, built now if the warmer has not yet.
    pub fn of(&self, reader: &SegmentReader) -> tantivy::Result<Arc<UnitTable>> {
        let segment = reader.segment_id();
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        if let Some(table) = held.get(&segment) {
            return Ok(table.clone());
        }
        drop(held);
        let table = Arc::new(UnitTable::build(reader)?);
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        Ok(held.entry(segment).or_insert(table).clone())
    }
}

impl Warmer for UnitTables {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for reader in searcher.segment_readers() {
            self.of(reader)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        let live: HashSet<&SegmentId> = live_generations
            .iter()
            .flat_map(|generation| generation.segments().keys())
            .collect();
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        held.retain(|segment, _| live.contains(segment));
    }
}
