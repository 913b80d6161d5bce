//! How the words of a query match together: every word, or, from three
//! words on, "every word but at most one", so that one mistyped or extra
//! word does not lose the unit.
//!
//! tantivy's `BooleanQuery::with_minimum_required_clauses` answers the same
//! but walks every posting of every word through a heap; with a common word
//! (`sowda`, `77`) in the query, that is hundreds of thousands of steps for a
//! few hundred matches. Here the walk is led by the rarest words: a unit
//! that misses at most one word has at least one of the two rarest
//! (pigeonhole), and a unit that has every word has the rarest, so only the
//! leads' lists are walked and the other words are only jumped to. The score
//! is the same: the sum of the scores of the words the unit has.
//!
//! The words are `word::Word`s, walked as their concrete `Walk`s: these
//! steps are most of a long query's time, and through `dyn Scorer` each
//! `doc()` and `score()` was a call the compiler could not inline.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use super::word::Word;
use crate::search::index::postings::Walk;
use crate::search::rank::score::{every_word_bonus, is_exact, is_in_names};

/// Matches the units that have all the words, or all but `may_miss` of them.
#[derive(Debug, Clone)]
pub struct MostWords {
    words: Vec<Word>,
    may_miss: usize,
}

impl MostWords {
    /// The units that have every word.
    pub fn all(words: Vec<Word>) -> MostWords {
        MostWords { words, may_miss: 0 }
    }

    /// The units that have every word but at most one; with fewer than two
    /// words, every word.
    pub fn all_but_one(words: Vec<Word>) -> MostWords {
        let may_miss = usize::from(words.len() > 1);
        MostWords { words, may_miss }
    }

    /// The units that have at least one of the words.
    pub fn any(words: Vec<Word>) -> MostWords {
        let may_miss = words.len().saturating_sub(1);
        MostWords { words, may_miss }
    }
}

impl Query for MostWords {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            word.query_terms(visitor);
        }
    }
}

impl Weight for MostWords {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut words = self
            .words
            .iter()
            .map(|word| word.walk(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        // The rarest words first: they lead the walk.
        words.sort_by_key(|word| word.size_hint());
        Ok(Box::new(MostWordsScorer::new(words, self.may_miss)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not have enough of the words"
            )));
        }
        Ok(Explanation::new("most words", scorer.score()))
    }
}

/// The walk: candidates come from the leading (rarest) words; the others
/// are jumped forward to each candidate.
struct MostWordsScorer {
    words: Vec<Walk>,
    /// How many words a unit may miss.
    may_miss: usize,
    /// How many words lead the walk: one more than may be missed.
    leads: usize,
    doc: DocId,
    score: Score,
}

impl MostWordsScorer {
    fn new(words: Vec<Walk>, may_miss: usize) -> MostWordsScorer {
        let leads = (may_miss + 1).min(words.len());
        let mut scorer = MostWordsScorer {
            words,
            may_miss,
            leads,
            doc: TERMINATED,
            score: 0.0,
        };
        // tantivy scorers start on their first document: so does this one.
        scorer.find_from_leads();
        scorer
    }

    /// Moves to the first candidate at or after the leads' positions that
    /// has enough words.
    fn find_from_leads(&mut self) -> DocId {
        loop {
            let candidate = self.words[..self.leads]
                .iter()
                .map(Walk::doc)
                .min()
                .unwrap_or(TERMINATED);
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            let mut missing = 0;
            let mut score = 0.0;
            let (mut every_exact, mut every_in_names) = (true, true);
            for word in &mut self.words {
                if word.seek(candidate) == candidate {
                    let found = word.score();
                    score += found;
                    every_exact &= is_exact(found);
                    every_in_names &= is_in_names(found);
                    continue;
                }
                missing += 1;
                if missing > self.may_miss {
                    break;
                }
            }
            if missing <= self.may_miss {
                self.doc = candidate;
                self.score = score + every_word_bonus(missing, every_exact, every_in_names);
                return candidate;
            }
            self.step_leads_past(candidate);
        }
    }

    /// Moves the leads past `doc`. When every word is needed, no unit before
    /// the furthest word's position can match, so the lead jumps there.
    fn step_leads_past(&mut self, doc: DocId) {
        if self.may_miss == 0 {
            let furthest = self.words.iter().map(Walk::doc).max().unwrap_or(TERMINATED);
            let target = furthest.max(doc + 1);
            for word in &mut self.words[..self.leads] {
                word.seek(target);
            }
            return;
        }
        for word in &mut self.words[..self.leads] {
            if word.doc() == doc {
                word.advance();
            }
        }
    }
}

impl DocSet for MostWordsScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.step_leads_past(self.doc);
        self.find_from_leads()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for word in &mut self.words[..self.leads] {
            word.seek(target);
        }
        self.find_from_leads()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.words[..self.leads]
            .iter()
            .map(|word| word.size_hint())
            .sum()
    }
}

impl Scorer for MostWordsScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::search::index::lists::ListCache;
    use crate::search::index::schema;
    use crate::search::rank::score::{EVERY_WORD, EVERY_WORD_EXACT};
    use crate::search::Fields;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{doc, Index, Searcher};

    /// A register where every mix of five words occurs as a name, several
    /// times, and some words in the address; half the units are `odd`.
    fn every_mix() -> (Searcher, Fields) {
        let index = Index::create_in_ram(schema());
        let fields = Fields::of(&index.schema()).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let vocabulary = ["ak", "yol", "altyn", "bereket", "sowda"];
        for round in 0..3u32 {
            for mask in 0..(1u32 << vocabulary.len()) {
                let subset = (mask * 7 + round * 13) % (1 << vocabulary.len());
                let words: Vec<&str> = vocabulary
                    .iter()
                    .enumerate()
                    .filter(|(at, _)| subset & (1 << at) != 0)
                    .map(|(_, word)| *word)
                    .collect();
                let kind = if (mask + round) % 2 == 1 {
                    "odd"
                } else {
                    "even"
                };
                let address = vocabulary[(mask as usize + round as usize) % vocabulary.len()];
                writer
                    .add_document(doc!(
                        fields.names => words.join(" "),
                        fields.address => address,
                        fields.kind => kind,
                    ))
                    .unwrap();
            }
        }
        writer.commit().unwrap();
        (index.reader().unwrap().searcher(), fields)
    }

    fn found(searcher: &Searcher, query: &dyn Query) -> Vec<(Score, tantivy::DocAddress)> {
        let mut found = searcher.search(query, &TopDocs::with_limit(1_000)).unwrap();
        found.sort_by_key(|(_, at)| *at);
        found
    }

    /// The scores less the bonus for every word: a unit that has them all
    /// earns one of the two bonuses, as its words' scores say.
    fn without_bonus(
        found: Vec<(Score, tantivy::DocAddress)>,
    ) -> Vec<(Score, tantivy::DocAddress)> {
        found
            .into_iter()
            .map(|(score, at)| {
                let less = if score >= EVERY_WORD_EXACT + EVERY_WORD {
                    EVERY_WORD_EXACT + EVERY_WORD
                } else if score >= EVERY_WORD {
                    EVERY_WORD
                } else {
                    0.0
                };
                (score - less, at)
            })
            .collect()
    }

    /// The same units with the same scores, but for the rounding of a
    /// bonus added and taken off again.
    fn assert_alike(
        found: Vec<(Score, tantivy::DocAddress)>,
        expected: &[(Score, tantivy::DocAddress)],
        label: &str,
    ) {
        assert_eq!(found.len(), expected.len(), "{label}");
        for ((score, at), (expected_score, expected_at)) in found.iter().zip(expected) {
            assert_eq!(at, expected_at, "{label}");
            assert!(
                (score - expected_score).abs() < 1e-3,
                "{label}: {score} vs {expected_score}"
            );
        }
    }

    /// The same documents and scores as tantivy's own boolean queries over
    /// the same words: all of them, or all but one; alone, and behind a
    /// filter (which jumps the walk forward).
    #[test]
    fn matches_and_scores_like_a_boolean_query_over_the_same_words() {
        let (searcher, fields) = every_mix();
        let cache = Arc::new(ListCache::default());
        let odd = || -> Box<dyn Query> {
            let term = Term::from_field_text(fields.kind, "odd");
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        let filtered = |query: Box<dyn Query>| {
            BooleanQuery::new(vec![(Occur::Must, odd()), (Occur::Must, query)])
        };
        for query_words in [
            vec!["ak", "yol"],
            vec!["sowda", "ak"],
            vec!["ak", "yol", "altyn"],
            vec!["ak", "yol", "altyn", "sowda"],
            vec!["bereket", "sowda", "ak", "yol", "altyn"],
            vec!["ak", "missing", "yol"],
        ] {
            let words: Vec<Word> = query_words
                .iter()
                .enumerate()
                .map(|(at, w)| Word::new(&fields, w, at + 1 == query_words.len(), &cache))
                .collect();
            let clauses = |occur| -> Vec<(Occur, Box<dyn Query>)> {
                let each = words
                    .iter()
                    .map(|w| (occur, Box::new(w.clone()) as Box<dyn Query>));
                each.collect()
            };
            let every = BooleanQuery::new(clauses(Occur::Must));
            let but_one = BooleanQuery::with_minimum_required_clauses(
                clauses(Occur::Should),
                words.len() - 1,
            );
            for (ours, expected, what) in [
                (MostWords::all(words.clone()), every, "all"),
                (
                    MostWords::all_but_one(words.clone()),
                    but_one,
                    "all but one",
                ),
            ] {
                let expected_found = found(&searcher, &expected);
                let label = format!("{what} of {query_words:?}");
                // Only every word of a query with a word no unit has finds nothing.
                let finds_nothing = what == "all" && query_words.contains(&"missing");
                assert_eq!(expected_found.is_empty(), finds_nothing, "{label}");
                assert_alike(
                    without_bonus(found(&searcher, &ours)),
                    &expected_found,
                    &label,
                );
                let counted = searcher.search(&ours, &tantivy::collector::Count).unwrap();
                assert_eq!(counted, expected_found.len(), "{label}");
                let behind = found(&searcher, &filtered(Box::new(ours)));
                let expected_behind = found(&searcher, &filtered(Box::new(expected)));
                assert_alike(without_bonus(behind), &expected_behind, &label);
            }
        }
    }
}
