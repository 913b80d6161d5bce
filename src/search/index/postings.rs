//! Lists of units read from a segment's postings, in the two shapes
//! searches keep them (`lists::ListCache`): sorted doc ids with a score
//! each, walked as a tantivy scorer, and one bit per unit for filters.
//!
//! tantivy's own unions and term scorers merge the same common words
//! (`bereket`, `ak`) query after query through heaps; a segment never
//! changes, so a list read once is an array every later search walks.

use std::sync::Arc;

use tantivy::postings::BlockSegmentPostings;
use tantivy::query::Scorer;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Doc ids in order, each with its score.
#[derive(Debug, Default)]
pub struct ScoredDocs {
    /// The units, in doc id order.
    pub docs: Vec<DocId>,
    /// The score of each, at the same index.
    pub scores: Vec<Score>,
}

impl ScoredDocs {
    /// Its size against the cache's budget, in 4-byte values.
    pub fn size(&self) -> usize {
        self.docs.len() + self.scores.len()
    }
}

/// One bit per unit of a segment, set for those that hold a value.
#[derive(Debug, Default)]
pub struct FilterBits {
    /// The bits, 64 units a word.
    pub bits: Vec<u64>,
    /// How many are set.
    pub count: u32,
}

impl FilterBits {
    /// The bits of `docs` in a segment of `max_doc` units.
    pub fn of(docs: &[DocId], max_doc: DocId) -> FilterBits {
        let mut set = FilterBits {
            bits: vec![0u64; (max_doc as usize).div_ceil(64)],
            count: 0,
        };
        for &doc in docs {
            if let Some(word) = set.bits.get_mut(doc as usize / 64) {
                *word |= 1 << (doc % 64);
                set.count += 1;
            }
        }
        set
    }

    /// Its size against the cache's budget, in 4-byte values.
    pub fn size(&self) -> usize {
        self.bits.len() * 2
    }
}

/// Every doc id of a term in the segment, in order.
pub fn of_term(reader: &SegmentReader, term: &Term) -> tantivy::Result<Vec<DocId>> {
    let inverted = reader.inverted_index(term.field())?;
    let mut docs = Vec::new();
    if let Some(postings) = inverted.read_block_postings(term, IndexRecordOption::Basic)? {
        append(postings, &mut docs);
    }
    Ok(docs)
}

/// Appends every doc id of a term's postings to `docs`.
pub fn append(mut postings: BlockSegmentPostings, docs: &mut Vec<DocId>) {
    loop {
        let block = postings.docs();
        if block.is_empty() {
            return;
        }
        docs.extend_from_slice(block);
        postings.advance();
    }
}

/// Merges sorted lists into one: a doc's score is the best of the lists
/// it is in, plus every list marked as adding.
pub fn merge(lists: &[(&[DocId], Score, bool)]) -> ScoredDocs {
    let mut at = vec![0usize; lists.len()];
    let total: usize = lists.iter().map(|(docs, _, _)| docs.len()).sum();
    let mut merged = ScoredDocs {
        docs: Vec::with_capacity(total),
        scores: Vec::with_capacity(total),
    };
    loop {
        let next = lists
            .iter()
            .zip(&at)
            .filter_map(|((docs, _, _), &i)| docs.get(i).copied())
            .min();
        let Some(doc) = next else {
            merged.docs.shrink_to_fit();
            merged.scores.shrink_to_fit();
            return merged;
        };
        let (mut best, mut added): (Score, Score) = (0.0, 0.0);
        for ((docs, score, adds), i) in lists.iter().zip(at.iter_mut()) {
            if docs.get(*i) != Some(&doc) {
                continue;
            }
            *i += 1;
            if *adds {
                added += score;
            } else {
                best = best.max(*score);
            }
        }
        merged.docs.push(doc);
        merged.scores.push(best + added);
    }
}

/// A scored list walked as a scorer.
pub struct Walk {
    list: Arc<ScoredDocs>,
    at: usize,
    /// The doc at `at`, kept at hand: the other words ask for it far more
    /// often than it moves.
    doc: DocId,
    boost: Score,
}

impl Walk {
    /// A walk from the start of `list`, its scores times `boost`.
    pub fn new(list: Arc<ScoredDocs>, boost: Score) -> Walk {
        let doc = list.docs.first().copied().unwrap_or(TERMINATED);
        Walk {
            list,
            at: 0,
            doc,
            boost,
        }
    }

    fn moved_to(&mut self, at: usize) -> DocId {
        self.at = at.min(self.list.docs.len());
        self.doc = self.list.docs.get(self.at).copied().unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for Walk {
    fn advance(&mut self) -> DocId {
        self.moved_to(self.at + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.moved_to(gallop(&self.list.docs, self.at, target))
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        (self.list.docs.len() - self.at) as u32
    }
}

impl Scorer for Walk {
    fn score(&mut self) -> Score {
        self.list.scores.get(self.at).copied().unwrap_or(0.0) * self.boost
    }
}

/// The first index at or after `from` whose doc is `target` or later.
/// Seeks are mostly short hops, so the step doubles from `from` until it
/// passes the target, and only that last stretch is bisected.
fn gallop(docs: &[DocId], from: usize, target: DocId) -> usize {
    let mut low = from;
    let mut step = 1;
    while low + step < docs.len() && docs[low + step] < target {
        low += step;
        step *= 2;
    }
    let high = (low + step + 1).min(docs.len());
    let Some(stretch) = docs.get(low..high) else {
        return docs.len();
    };
    low + stretch.partition_point(|&doc| doc < target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_scores_its_best_name_match_plus_the_address() {
        let exact = [1, 4, 7];
        let spelt = [2, 4, 9];
        let address = [4, 9, 12];
        let merged = merge(&[
            (&exact, 3.0, false),
            (&spelt, 1.0, false),
            (&address, 0.5, true),
        ]);
        assert_eq!(merged.docs, [1, 2, 4, 7, 9, 12]);
        assert_eq!(merged.scores, [3.0, 1.0, 3.5, 3.0, 1.5, 0.5]);
    }

    #[test]
    fn a_gallop_lands_where_a_bisection_does() {
        let docs: Vec<DocId> = (0..300).map(|i| i * 3 + 1).collect();
        for from in [0, 1, 17, 150, 299, 300] {
            for target in 0..905 {
                let expected = from + docs[from..].partition_point(|&doc| doc < target);
                assert_eq!(
                    gallop(&docs, from, target),
                    expected,
                    "from {from} to {target}"
                );
            }
        }
        assert_eq!(gallop(&[], 0, 5), 0);
    }

    #[test]
    fn a_walk_advances_and_seeks_like_a_doc_set() {
        let list = ScoredDocs {
            docs: vec![2, 5, 9],
            scores: vec![1.0, 2.0, 3.0],
        };
        let mut walk = Walk::new(Arc::new(list), 1.0);
        assert_eq!((walk.doc(), walk.score()), (2, 1.0));
        assert_eq!(walk.seek(6), 9);
        assert_eq!(walk.score(), 3.0);
        assert_eq!(walk.seek(3), 9);
        assert_eq!(walk.advance(), TERMINATED);
        assert_eq!(walk.advance(), TERMINATED);
        assert_eq!(walk.seek(100), TERMINATED);
    }

    #[test]
    fn bits_hold_the_docs_within_the_segment() {
        let set = FilterBits::of(&[3, 63, 64, 200], 130);
        assert_eq!(set.count, 3);
        assert_eq!(set.bits.len(), 3);
        assert_eq!(set.bits[0], (1 << 3) | (1 << 63));
        assert_eq!(set.bits[1], 1);
    }
}
