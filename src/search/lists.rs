//! What searches read from a segment and keep: a word's other spellings
//! (`spellings`), a query word's scored matches (`word`), a filter value's
//! units (`filter`). Segments never change, so each list is read once per
//! (segment, word) and shared by every search that asks again, within a
//! budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::DocId;

use super::filter::FilterBits;
use super::word::ScoredDocs;

/// Doc ids and scores the cache may hold in all, in 4-byte values (256 MiB).
const BUDGET: usize = 64 << 20;

/// What a cached list answers: the spellings of a word, a query word with
/// its scores, or a filter value; in one field of one segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub segment: SegmentId,
    pub field: Field,
    pub word: String,
    pub typos: u8,
    pub prefix: bool,
    pub fixed: usize,
    pub listed: Listed,
}

/// The kind of list a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Listed {
    /// A word's other spellings, `word` left out.
    Spellings,
    /// A query word's matches in names and address, scored.
    Word,
    /// The units that hold a filter value (`word`) in `field`.
    Filter,
}

/// A cached list.
#[derive(Clone)]
pub(super) enum Cached {
    /// Sorted doc ids.
    Docs(Arc<[DocId]>),
    /// Sorted doc ids, each with its score.
    Scored(Arc<ScoredDocs>),
    /// One bit per unit.
    Bits(Arc<FilterBits>),
}

impl Cached {
    /// Its size against the budget, in 4-byte values.
    fn size(&self) -> usize {
        match self {
            Cached::Docs(docs) => docs.len(),
            Cached::Scored(scored) => 2 * scored.docs.len(),
            Cached::Bits(bits) => bits.size(),
        }
    }
}

/// The lists found per (segment, word), shared by every search. It has a
/// budget and starts again when it is spent.
#[derive(Default)]
pub struct ListCache {
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    entries: HashMap<Key, Cached>,
    /// Doc ids and scores held in all.
    size: usize,
}

impl ListCache {
    /// The list kept for `key`, if any.
    pub(super) fn get(&self, key: &Key) -> Option<Cached> {
        let held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.entries.get(key).cloned()
    }

    /// Keeps a list for `key`; starts again when the budget is spent.
    pub(super) fn put(&self, key: Key, list: Cached) {
        let size = list.size();
        if size > BUDGET {
            return;
        }
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Starting again is crude but cheap, and old segments' entries go too.
        if held.size + size > BUDGET {
            held.entries.clear();
            held.size = 0;
        }
        held.size += size;
        if let Some(replaced) = held.entries.insert(key, list) {
            held.size -= replaced.size();
        }
    }
}

#[cfg(test)]
impl ListCache {
    /// How many lists it holds.
    pub(super) fn len(&self) -> usize {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.entries.len()
    }
}
