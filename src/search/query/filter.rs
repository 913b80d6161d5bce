//! An exact-value filter (`kind=legal_unit`), kept per segment as a bitset.
//!
//! A filter value is shared by a large part of the register (half the units
//! are legal units), so as a term query every unit a search found meant a
//! jump through that value's long posting list: at a million units, a
//! twelfth of a search. Segments never change and filter values are few,
//! so each (segment, value) is read once into one bit per unit (250 KiB at
//! two million units) and a unit found is then checked in one step. It
//! scores nothing: a filter must not move a relevance cursor.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use crate::search::index::lists::{Key, ListCache, Listed};
use crate::search::index::postings::{self, FilterBits};

/// The units whose field holds a value exactly.
#[derive(Debug, Clone)]
pub struct Filter {
    term: Term,
    cache: Arc<ListCache>,
}

impl Filter {
    /// The units whose `term.field()` holds `term`'s value.
    pub fn new(term: Term, cache: &Arc<ListCache>) -> Filter {
        Filter {
            term,
            cache: cache.clone(),
        }
    }

    fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Arc<FilterBits>> {
        let value = String::from_utf8_lossy(self.term.serialized_value_bytes());
        let key = Key::of(
            reader.segment_id(),
            self.term.field(),
            &value,
            Listed::Filter,
        );
        self.cache.bits(key, || self.read(reader))
    }

    fn read(&self, reader: &SegmentReader) -> tantivy::Result<FilterBits> {
        let docs = postings::of_term(reader, &self.term)?;
        Ok(FilterBits::of(&docs, reader.max_doc()))
    }
}

impl Query for Filter {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Filter {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(Bits::new(self.bits(reader)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not pass the filter"
            )));
        }
        Ok(Explanation::new("filter", 0.0))
    }
}

/// A bitset walked as a doc set.
struct Bits {
    set: Arc<FilterBits>,
    doc: DocId,
}

impl Bits {
    fn new(set: Arc<FilterBits>) -> Bits {
        let mut walk = Bits { set, doc: 0 };
        walk.doc = walk.first_from(0);
        walk
    }

    /// The first unit at or after `target` that is in the set.
    fn first_from(&self, target: DocId) -> DocId {
        let bits = &self.set.bits;
        let mut at = target as usize / 64;
        let Some(&first) = bits.get(at) else {
            return TERMINATED;
        };
        let mut word = first & (u64::MAX << (target % 64));
        while word == 0 {
            at += 1;
            match bits.get(at) {
                Some(&next) => word = next,
                None => return TERMINATED,
            }
        }
        (at * 64) as DocId + word.trailing_zeros()
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.first_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = self.first_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.set.count
    }
}

impl Scorer for Bits {
    fn score(&mut self) -> Score {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(docs: &[DocId], units: usize) -> Bits {
        let mut bits = vec![0u64; units.div_ceil(64)];
        for &doc in docs {
            bits[doc as usize / 64] |= 1 << (doc % 64);
        }
        let count = docs.len() as u32;
        Bits::new(Arc::new(FilterBits { bits, count }))
    }

    #[test]
    fn walks_and_seeks_the_units_in_the_set() {
        let docs = [3, 63, 64, 200, 255];
        let mut walk = set(&docs, 256);
        let mut walked = vec![walk.doc()];
        while walk.advance() != TERMINATED {
            walked.push(walk.doc());
        }
        assert_eq!(walked, docs);
        let mut walk = set(&docs, 256);
        assert_eq!(walk.seek(4), 63);
        assert_eq!(walk.seek(63), 63);
        assert_eq!(walk.seek(65), 200);
        assert_eq!(walk.seek(256), TERMINATED);
        assert_eq!(walk.advance(), TERMINATED);
        assert_eq!(set(&[], 100).doc(), TERMINATED);
    }
}
