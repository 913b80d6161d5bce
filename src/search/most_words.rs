//! "Every word but at most one": how a query of three words or more matches,
//! so that one mistyped or extra word does not lose the unit.
//!
//! tantivy's `BooleanQuery::with_minimum_required_clauses` answers the same
//! but walks every posting of every word through a heap; with a common word
//! (`sowda`, `77`) in the query, that is hundreds of thousands of steps for a
//! few hundred matches. Here the walk is led by the two rarest words: a unit
//! that misses at most one word has at least one of them (pigeonhole), so
//! only their postings are walked and the other words are only jumped to.
//! The score is the same: the sum of the scores of the words the unit has.

use tantivy::query::{EnableScoring, Explanation, Query, QueryClone, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

/// Matches the units that have all the word queries, or all but one.
#[derive(Debug)]
pub struct MostWords {
    words: Vec<Box<dyn Query>>,
}

impl Clone for MostWords {
    fn clone(&self) -> Self {
        let words = self.words.iter().map(|word| word.box_clone()).collect();
        MostWords { words }
    }
}

impl MostWords {
    /// One query per word; with fewer than two words, every word is required.
    pub fn new(words: Vec<Box<dyn Query>>) -> MostWords {
        MostWords { words }
    }
}

impl Query for MostWords {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let words = self
            .words
            .iter()
            .map(|word| word.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(MostWordsWeight { words }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            word.query_terms(visitor);
        }
    }
}

struct MostWordsWeight {
    words: Vec<Box<dyn Weight>>,
}

impl Weight for MostWordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut words = self
            .words
            .iter()
            .map(|word| word.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        // The rarest words first: they lead the walk.
        words.sort_by_key(|word| word.size_hint());
        Ok(Box::new(MostWordsScorer::new(words)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not have most of the words"
            )));
        }
        Ok(Explanation::new("most words", scorer.score()))
    }
}

/// The walk: candidates come from the two leading (rarest) words; the others
/// are jumped forward to each candidate.
struct MostWordsScorer {
    words: Vec<Box<dyn Scorer>>,
    /// How many words lead the walk: two, or all when there are fewer.
    leads: usize,
    doc: DocId,
    score: Score,
}

impl MostWordsScorer {
    fn new(words: Vec<Box<dyn Scorer>>) -> MostWordsScorer {
        let leads = words.len().min(2);
        let mut scorer = MostWordsScorer {
            words,
            leads,
            doc: TERMINATED,
            score: 0.0,
        };
        // tantivy scorers start on their first document: so does this one.
        scorer.find_from_leads();
        scorer
    }

    /// How many words a unit may miss: one, unless the query has a single word.
    fn allowed_missing(&self) -> usize {
        usize::from(self.words.len() > 1)
    }

    /// Moves to the first candidate at or after the leads' positions that
    /// has enough words.
    fn find_from_leads(&mut self) -> DocId {
        loop {
            let candidate = self.words[..self.leads]
                .iter()
                .map(|word| word.doc())
                .min()
                .unwrap_or(TERMINATED);
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            let mut found = 0;
            let mut score = 0.0;
            for word in &mut self.words {
                let at = if word.doc() < candidate {
                    word.seek(candidate)
                } else {
                    word.doc()
                };
                if at == candidate {
                    found += 1;
                    score += word.score();
                }
            }
            if found + self.allowed_missing() >= self.words.len() {
                self.doc = candidate;
                self.score = score;
                return candidate;
            }
            self.step_leads_past(candidate);
        }
    }

    fn step_leads_past(&mut self, doc: DocId) {
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
            if word.doc() < target {
                word.seek(target);
            }
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
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, QueryClone, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, STRING, TEXT};
    use tantivy::{doc, Index};

    /// The same documents and scores as tantivy's own "all but one" query,
    /// on names where every mix of words occurs; alone, and behind a filter
    /// (which jumps it forward).
    #[test]
    fn matches_and_scores_like_a_boolean_query_needing_all_words_but_one() {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let flag = schema.add_text_field("flag", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let vocabulary = ["ak", "yol", "altyn", "bereket", "sowda"];
        // Every subset of the vocabulary, several times, in a shuffled order.
        for round in 0..3u32 {
            for mask in 0..(1u32 << vocabulary.len()) {
                let subset = (mask * 7 + round * 13) % (1 << vocabulary.len());
                let words: Vec<&str> = vocabulary
                    .iter()
                    .enumerate()
                    .filter(|(at, _)| subset & (1 << at) != 0)
                    .map(|(_, word)| *word)
                    .collect();
                let odd = if (mask + round) % 2 == 1 {
                    "odd"
                } else {
                    "even"
                };
                writer
                    .add_document(doc!(text => words.join(" "), flag => odd))
                    .unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let word = |w: &str, weight: f32| -> Box<dyn Query> {
            let term = Term::from_field_text(text, w);
            Box::new(tantivy::query::ConstScoreQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                weight,
            ))
        };
        for query_words in [
            vec!["ak", "yol", "altyn"],
            vec!["ak", "yol", "altyn", "sowda"],
            vec!["bereket", "sowda", "ak", "yol", "altyn"],
            vec!["ak", "missing", "yol"],
        ] {
            let weights = [2.0, 1.0, 0.5, 3.0, 1.5];
            let queries: Vec<Box<dyn Query>> = query_words
                .iter()
                .zip(weights)
                .map(|(w, weight)| word(w, weight))
                .collect();
            let required = queries.len() - 1;
            let clauses = queries
                .iter()
                .map(|q| (Occur::Should, q.box_clone()))
                .collect();
            let expected_query = BooleanQuery::with_minimum_required_clauses(clauses, required);
            let ours = MostWords::new(queries);
            let top = TopDocs::with_limit(1_000);
            let mut expected = searcher.search(&expected_query, &top).unwrap();
            let mut found = searcher.search(&ours, &top).unwrap();
            expected.sort_by_key(|(_, at)| *at);
            found.sort_by_key(|(_, at)| *at);
            assert!(!expected.is_empty(), "{query_words:?}");
            assert_eq!(found, expected, "{query_words:?}");
            let counted = searcher.search(&ours, &tantivy::collector::Count).unwrap();
            assert_eq!(counted, expected.len(), "{query_words:?}");

            let odd = || -> Box<dyn Query> {
                let term = Term::from_field_text(flag, "odd");
                Box::new(TermQuery::new(term, IndexRecordOption::Basic))
            };
            let filtered = |query: Box<dyn Query>| {
                BooleanQuery::new(vec![(Occur::Must, odd()), (Occur::Must, query)])
            };
            let mut expected = searcher
                .search(&filtered(Box::new(expected_query)), &top)
                .unwrap();
            let mut found = searcher.search(&filtered(Box::new(ours)), &top).unwrap();
            expected.sort_by_key(|(_, at)| *at);
            found.sort_by_key(|(_, at)| *at);
            assert!(!expected.is_empty(), "{query_words:?}");
            assert_eq!(found, expected, "{query_words:?} behind a filter");
        }
    }
}
