//! What searches read from a segment and keep: a word's other spellings
//! (`spellings`), a query word's scored matches (`word`), a filter value's
//! units (`filter`). Segments never change, so each list is read once per
//! (segment, word) and shared by every search that asks again, within a
//! budget.
//!
//! When the budget is spent, the lists no search asked for since the last
//! time go (a second chance, as in the CLOCK page cache), so the lists
//! searches keep using (`bereket`, `ak`, a filter value) stay and one-off
//! lists (a typo no one makes twice) age out. Only if every list was in use
//! does the cache start again. Emptying it whenever it was full, as before,
//! made every common word be read again after each turnover: with queries
//! no one asked before, that happened every few thousand searches.

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

/// The lists found per (segment, word), shared by every search, within a
/// budget.
pub struct ListCache {
    held: Mutex<Held>,
    /// Doc ids and scores it may hold, in 4-byte values.
    budget: usize,
}

/// Not its lists (they may be hundreds of MiB): a query's debug form names
/// its cache without listing it.
impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Default for ListCache {
    fn default() -> ListCache {
        ListCache::with_budget(BUDGET)
    }
}

#[derive(Default)]
struct Held {
    /// Each list, and whether a search asked for it since the last sweep.
    entries: HashMap<Key, (Cached, bool)>,
    /// Doc ids and scores held in all.
    size: usize,
}

impl Held {
    /// Drops the lists no search asked for since the last sweep, and
    /// forgets that the others were asked for.
    fn sweep(&mut self) {
        self.entries.retain(|_, (_, asked)| std::mem::take(asked));
        self.size = self.entries.values().map(|(list, _)| list.size()).sum();
    }
}

impl ListCache {
    /// A cache of at most `budget` doc ids and scores (4-byte values).
    pub fn with_budget(budget: usize) -> ListCache {
        ListCache {
            held: Mutex::default(),
            budget,
        }
    }

    /// The list kept for `key`, if any.
    pub(super) fn get(&self, key: &Key) -> Option<Cached> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (list, asked) = held.entries.get_mut(key)?;
        *asked = true;
        Some(list.clone())
    }

    /// Keeps a list for `key`, making room when the budget is spent.
    pub(super) fn put(&self, key: Key, list: Cached) {
        let size = list.size();
        if size > self.budget {
            return;
        }
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if held.size + size > self.budget {
            held.sweep();
        }
        if held.size + size > self.budget {
            held.entries.clear();
            held.size = 0;
        }
        held.size += size;
        if let Some((replaced, _)) = held.entries.insert(key, (list, false)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, TEXT};

    fn key(word: &str) -> Key {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("names", TEXT);
        Key {
            segment: SegmentId::generate_random(),
            field,
            word: word.to_owned(),
            typos: 0,
            prefix: false,
            fixed: 0,
            listed: Listed::Spellings,
        }
    }

    fn docs(count: u32) -> Cached {
        Cached::Docs((0..count).collect())
    }

    #[test]
    fn a_list_in_use_outlives_one_offs_and_the_budget_holds() {
        // Room for twenty lists of ten: a sweep every so many one-offs.
        let cache = ListCache::with_budget(200);
        let common = key("bereket");
        cache.put(common.clone(), docs(10));
        for n in 0..1_000 {
            cache.put(key(&format!("typo{n}")), docs(10));
            assert!(cache.get(&common).is_some(), "asked for after {n} one-offs");
        }
        assert!(cache.len() <= 20);
        let held = cache.held.lock().unwrap();
        assert!(held.size <= 200, "within the budget");
        drop(held);
        assert!(cache.get(&key("typo0")).is_none(), "one-offs age out");
    }

    #[test]
    fn when_every_list_is_in_use_it_starts_again() {
        let cache = ListCache::with_budget(20);
        let (a, b, c) = (key("a"), key("b"), key("c"));
        cache.put(a.clone(), docs(10));
        cache.put(b.clone(), docs(10));
        cache.get(&a);
        cache.get(&b);
        cache.put(c.clone(), docs(10));
        assert!(cache.get(&c).is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_list_larger_than_the_budget_is_not_kept() {
        let cache = ListCache::with_budget(20);
        cache.put(key("ak"), docs(21));
        assert_eq!(cache.len(), 0);
    }
}
