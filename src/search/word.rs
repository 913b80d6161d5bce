//! One query word, found once per segment and kept: every unit that has it
//! in a name (exactly, or one of its other spellings) or in the address,
//! with what that scores, in one sorted list.
//!
//! As tantivy queries a word was a union of unions (the word or a spelling,
//! plus the address), merged again by every search through buffered heaps
//! and jumped through by the other words: at a million units a third of a
//! search's time, for the same common words (`bereket`, `ak`) query after
//! query. A segment never changes, so the merged list is built once and
//! shared through the index's `lists::ListCache`; a search then walks plain arrays.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use super::lists::{Cached, Key, ListCache, Listed};
use super::query::typo_allowance;
use super::spellings::Spellings;
use super::Fields;

/// A word in the names: exactly.
const EXACT: Score = 2.0;
/// Exactly, when another spelling would have been accepted: a unit that
/// has the word itself ranks above one that has a near spelling.
const EXACT_OF_SPELLINGS: Score = 3.0;
/// The last word exactly, when it also takes typos: typing a whole word
/// right counts for more than it being the start of a longer one.
const EXACT_LAST: Score = 4.0;
/// Another spelling (a typo, or a word the last word begins).
const SPELLING: Score = 1.0;
/// The word in the address, added to the above.
const ADDRESS: Score = 0.5;

/// Doc ids in order, each with its score.
#[derive(Debug, Default)]
pub struct ScoredDocs {
    /// The units, in doc id order.
    pub docs: Vec<DocId>,
    /// The score of each, at the same index.
    pub scores: Vec<Score>,
}

/// One folded query word: in a name exactly, or else within its typo
/// allowance or, when it is the last, still being typed; plus in the address.
#[derive(Debug, Clone)]
pub struct Word {
    fields: Fields,
    word: String,
    last: bool,
    cache: Arc<ListCache>,
}

impl Word {
    /// The query of one `word`; `last` when it may be unfinished.
    pub fn new(fields: &Fields, word: &str, last: bool, cache: &Arc<ListCache>) -> Word {
        Word {
            fields: *fields,
            word: word.to_owned(),
            last,
            cache: cache.clone(),
        }
    }

    /// The word's units in the segment, walked as a scorer.
    pub(super) fn walk(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Walk> {
        Ok(Walk::new(self.list(reader)?, boost))
    }

    fn list(&self, reader: &SegmentReader) -> tantivy::Result<Arc<ScoredDocs>> {
        let typos = typo_allowance(&self.word);
        let key = Key {
            segment: reader.segment_id(),
            field: self.fields.names,
            word: self.word.clone(),
            typos,
            prefix: self.last,
            fixed: 0,
            listed: Listed::Word,
        };
        if let Some(Cached::Scored(list)) = self.cache.get(&key) {
            return Ok(list);
        }
        let list = Arc::new(self.read(reader, typos)?);
        self.cache.put(key, Cached::Scored(list.clone()));
        Ok(list)
    }

    /// Reads and merges the word's three lists; `typos` is its allowance.
    fn read(&self, reader: &SegmentReader, typos: u8) -> tantivy::Result<ScoredDocs> {
        let names = Term::from_field_text(self.fields.names, &self.word);
        let address = Term::from_field_text(self.fields.address, &self.word);
        let in_names = postings(reader, &names)?;
        let in_address = postings(reader, &address)?;
        let takes_spellings = typos > 0 || self.last;
        let (exact, spelt) = if takes_spellings {
            let others =
                Spellings::new(self.fields.names, &self.word, typos, self.last, &self.cache);
            let exact = if typos > 0 && self.last {
                EXACT_LAST
            } else {
                EXACT_OF_SPELLINGS
            };
            (exact, others.read_docs(reader)?)
        } else {
            (EXACT, Vec::new())
        };
        Ok(merge(&[
            (&in_names, exact, false),
            (&spelt, SPELLING, false),
            (&in_address, ADDRESS, true),
        ]))
    }
}

/// Every doc id of a term in the segment, in order.
pub(super) fn postings(reader: &SegmentReader, term: &Term) -> tantivy::Result<Vec<DocId>> {
    let inverted = reader.inverted_index(term.field())?;
    let mut docs = Vec::new();
    let Some(mut postings) = inverted.read_block_postings(term, IndexRecordOption::Basic)? else {
        return Ok(docs);
    };
    loop {
        let block = postings.docs();
        if block.is_empty() {
            return Ok(docs);
        }
        docs.extend_from_slice(block);
        postings.advance();
    }
}

/// Merges sorted lists into one: a doc's score is the best of the lists
/// it is in, plus every list marked as adding.
fn merge(lists: &[(&Vec<DocId>, Score, bool)]) -> ScoredDocs {
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

impl Query for Word {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Word {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.walk(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not have the word {}",
                self.word
            )));
        }
        Ok(Explanation::new("word", scorer.score()))
    }
}

/// A scored list walked as a scorer.
pub(super) struct Walk {
    list: Arc<ScoredDocs>,
    at: usize,
    /// The doc at `at`, kept at hand: the other words ask for it far more
    /// often than it moves.
    doc: DocId,
    boost: Score,
}

impl Walk {
    fn new(list: Arc<ScoredDocs>, boost: Score) -> Walk {
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

impl Scorer for Walk {
    fn score(&mut self) -> Score {
        self.list.scores.get(self.at).copied().unwrap_or(0.0) * self.boost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_scores_its_best_name_match_plus_the_address() {
        let exact = vec![1, 4, 7];
        let spelt = vec![2, 4, 9];
        let address = vec![4, 9, 12];
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
    }
}
