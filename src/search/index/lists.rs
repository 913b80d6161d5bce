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
//!
//! Every list costs its key and bookkeeping as well as its doc ids, and the
//! number of lists is bounded too: an empty list (a random word matches
//! nothing) once counted as free, so queries of random words grew the cache
//! without bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::schema::Field;

use super::postings::{FilterBits, ScoredDocs};

/// The bytes the cache may hold in all: lists, keys and bookkeeping. With
/// two typos from six letters a common word's list holds a hundred thousand
/// units; at a million units 256 MiB turned over within 6,000 distinct
/// queries and a third of a search went to reading lists again (2,400
/// searches/s with 1 GiB against 1,600 with 256 MiB, same queries).
const BUDGET: usize = 1024 << 20;
/// The most lists it holds, however small.
const MAX_LISTS: usize = 1 << 20;
/// What a list costs beside its contents and its word: the key, the map
/// slot and the list's header, rounded up.
const ENTRY_BYTES: usize = 128;

/// What a cached list answers: the spellings of a word, a query word with
/// its scores, or a filter value; in one field of one segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub segment: SegmentId,
    pub field: Field,
    pub word: String,
    pub typos: u8,
    pub prefix: bool,
    pub fixed: usize,
    pub listed: Listed,
}

impl Key {
    /// The key of a `listed` list of `word` in `field` of a segment, with
    /// no typos, no prefix and nothing fixed: set those that apply.
    pub fn of(segment: SegmentId, field: Field, word: &str, listed: Listed) -> Key {
        Key {
            segment,
            field,
            word: word.to_owned(),
            typos: 0,
            prefix: false,
            fixed: 0,
            listed,
        }
    }
}

/// The kind of list a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listed {
    /// A word's other spellings, `word` left out.
    Spellings,
    /// A query word's matches in names and address, scored.
    Word,
    /// The same, when the word is the whole query: each score with the
    /// every-word bonus already added.
    WordAlone,
    /// The units that hold a filter value (`word`) in `field`.
    Filter,
    /// The units whose whole name is like `word`, letter by letter, scored.
    Letters,
}

/// A cached list.
#[derive(Clone)]
pub enum Cached {
    /// Sorted doc ids, each with its score.
    Scored(Arc<ScoredDocs>),
    /// One bit per unit.
    Bits(Arc<FilterBits>),
}

impl Cached {
    /// Its contents' size in bytes.
    fn bytes(&self) -> usize {
        match self {
            Cached::Scored(scored) => 4 * scored.size(),
            Cached::Bits(bits) => 4 * bits.size(),
        }
    }
}

/// What keeping `list` under `key` costs against the budget, in bytes.
fn cost(key: &Key, list: &Cached) -> usize {
    ENTRY_BYTES + key.word.len() + list.bytes()
}

/// The lists found per (segment, word), shared by every search, within a
/// budget.
pub struct ListCache {
    held: Mutex<Held>,
    /// The bytes it may hold.
    budget: usize,
    /// The most lists it may hold.
    max_lists: usize,
}

/// Not its lists (they may be hundreds of MiB): a query's debug form names
/// its cache without listing it.
impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListCache")
            .field("budget", &self.budget)
            .field("max_lists", &self.max_lists)
            .finish_non_exhaustive()
    }
}

impl Default for ListCache {
    fn default() -> ListCache {
        ListCache::with_budget(BUDGET, MAX_LISTS)
    }
}

#[derive(Default)]
struct Held {
    /// Each list, and whether a search asked for it since the last sweep.
    entries: HashMap<Key, (Cached, bool)>,
    /// Bytes held in all.
    size: usize,
}

impl Held {
    /// Drops the lists no search asked for since the last sweep, and
    /// forgets that the others were asked for.
    fn sweep(&mut self) {
        self.entries.retain(|_, (_, asked)| std::mem::take(asked));
        self.size = self
            .entries
            .iter()
            .map(|(key, (list, _))| cost(key, list))
            .sum();
    }

    /// Whether a list of `cost` bytes fits within the bounds.
    fn fits(&self, cost: usize, budget: usize, max_lists: usize) -> bool {
        self.size + cost <= budget && self.entries.len() < max_lists
    }
}

impl ListCache {
    /// A cache of at most `budget` bytes and `max_lists` lists.
    pub fn with_budget(budget: usize, max_lists: usize) -> ListCache {
        ListCache {
            held: Mutex::default(),
            budget,
            max_lists,
        }
    }

    /// The list kept for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<Cached> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (list, asked) = held.entries.get_mut(key)?;
        *asked = true;
        Some(list.clone())
    }

    /// The scored list kept for `key`, read and kept first when there is none.
    pub fn scored(
        &self,
        key: Key,
        read: impl FnOnce() -> tantivy::Result<ScoredDocs>,
    ) -> tantivy::Result<Arc<ScoredDocs>> {
        if let Some(Cached::Scored(list)) = self.get(&key) {
            return Ok(list);
        }
        let list = Arc::new(read()?);
        self.put(key, Cached::Scored(list.clone()));
        Ok(list)
    }

    /// The bits kept for `key`, read and kept first when there are none.
    pub fn bits(
        &self,
        key: Key,
        read: impl FnOnce() -> tantivy::Result<FilterBits>,
    ) -> tantivy::Result<Arc<FilterBits>> {
        if let Some(Cached::Bits(bits)) = self.get(&key) {
            return Ok(bits);
        }
        let bits = Arc::new(read()?);
        self.put(key, Cached::Bits(bits.clone()));
        Ok(bits)
    }

    /// Keeps a list for `key`, making room when the budget is spent.
    pub fn put(&self, key: Key, list: Cached) {
        let size = cost(&key, &list);
        if size > self.budget || self.max_lists == 0 {
            return;
        }
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !held.fits(size, self.budget, self.max_lists) {
            held.sweep();
        }
        if !held.fits(size, self.budget, self.max_lists) {
            held.entries.clear();
            held.size = 0;
        }
        let replaced = held.entries.remove(&key);
        if let Some((old, _)) = &replaced {
            held.size -= cost(&key, old);
        }
        held.size += size;
        held.entries.insert(key, (list, false));
    }
}

#[cfg(test)]
impl ListCache {
    /// How many lists it holds.
    pub(crate) fn len(&self) -> usize {
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
        Cached::Scored(Arc::new(ScoredDocs {
            docs: (0..count).collect(),
            scores: Vec::new(),
        }))
    }

    /// What one list of `docs` ids under a one-letter word costs.
    fn list_cost(docs: usize) -> usize {
        ENTRY_BYTES + 1 + 4 * docs
    }

    #[test]
    fn a_list_in_use_outlives_one_offs_and_the_budget_holds() {
        // Room for twenty lists of ten: a sweep every so many one-offs.
        let budget = 20 * (ENTRY_BYTES + 8 + 40);
        let cache = ListCache::with_budget(budget, MAX_LISTS);
        let common = key("bereket");
        cache.put(common.clone(), docs(10));
        for n in 0..1_000 {
            cache.put(key(&format!("typo{n}")), docs(10));
            assert!(cache.get(&common).is_some(), "asked for after {n} one-offs");
        }
        assert!(cache.len() <= 20);
        let held = cache.held.lock().unwrap();
        assert!(held.size <= budget, "within the budget");
        drop(held);
        assert!(cache.get(&key("typo0")).is_none(), "one-offs age out");
    }

    #[test]
    fn when_every_list_is_in_use_it_starts_again() {
        let cache = ListCache::with_budget(2 * list_cost(10), MAX_LISTS);
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
        let cache = ListCache::with_budget(list_cost(20), MAX_LISTS);
        cache.put(key("a"), docs(21));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn empty_lists_of_random_words_count_against_the_bounds() {
        let budget = 100 * list_cost(0);
        let cache = ListCache::with_budget(budget, 1_000);
        for n in 0..100_000 {
            cache.put(key(&format!("{n}")), docs(0));
        }
        assert!(cache.len() <= 100, "{} lists held", cache.len());
        assert!(cache.held.lock().unwrap().size <= budget);
        let counted = ListCache::with_budget(usize::MAX, 50);
        for n in 0..1_000 {
            counted.put(key(&format!("{n}")), docs(0));
        }
        assert!(counted.len() <= 50, "{} lists held", counted.len());
    }

    #[test]
    fn a_list_put_again_is_counted_once() {
        let cache = ListCache::with_budget(usize::MAX, MAX_LISTS);
        let word = key("a");
        cache.put(word.clone(), docs(10));
        cache.put(word.clone(), docs(5));
        assert_eq!(cache.held.lock().unwrap().size, list_cost(5));
    }
}
