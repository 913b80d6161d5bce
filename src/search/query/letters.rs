//! The last step of a search that found nothing by its words: the units
//! whose whole normalised name shares enough letter triples with the query
//! run together (`Nusaybeeket` and `nusaybereket`).
//!
//! It walks every whole name of the segment (`name_keys`), so it runs only
//! when every step before it came back empty, and what it finds is kept per
//! (segment, query) like any other list.

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError};

use crate::search::index::lists::{Key, ListCache, Listed};
use crate::search::index::postings::{self, ScoredDocs, Walk};
use crate::search::rank::score::{LETTERS, LETTERS_MIN};
use crate::search::Fields;

/// The most letter triples a name is compared by; longer names are cut.
const MAX_TRIPLES: usize = 64;

/// The units whose whole name is like the query's, letter by letter.
#[derive(Debug, Clone)]
pub struct Letters {
    fields: Fields,
    compact: String,
    cache: Arc<ListCache>,
}

impl Letters {
    /// The units whose whole name is like `compact` (the query's words run together).
    pub fn new(fields: &Fields, compact: &str, cache: &Arc<ListCache>) -> Letters {
        Letters {
            fields: *fields,
            compact: compact.to_owned(),
            cache: cache.clone(),
        }
    }

    fn list(&self, reader: &SegmentReader) -> tantivy::Result<Arc<ScoredDocs>> {
        let field = self.fields.name_keys;
        let key = Key::of(reader.segment_id(), field, &self.compact, Listed::Letters);
        self.cache.scored(key, || self.read(reader))
    }

    /// Walks every whole name of the segment, keeping the units of those
    /// alike enough, each with its best likeness.
    fn read(&self, reader: &SegmentReader) -> tantivy::Result<ScoredDocs> {
        let query = Triples::of(self.compact.as_bytes());
        if query.len < 2 {
            return Ok(ScoredDocs::default());
        }
        let inverted = reader.inverted_index(self.fields.name_keys)?;
        let mut stream = inverted.terms().stream()?;
        let mut found: Vec<(DocId, Score)> = Vec::new();
        let mut docs = Vec::new();
        while stream.advance() {
            let alike = query.dice(&Triples::of(stream.key()));
            if alike < LETTERS_MIN {
                continue;
            }
            let each = inverted
                .read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
            docs.clear();
            postings::append(each, &mut docs);
            found.extend(docs.iter().map(|&doc| (doc, LETTERS * alike)));
        }
        // By doc, the best likeness first, then one per doc.
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        found.dedup_by_key(|(doc, _)| *doc);
        Ok(ScoredDocs {
            docs: found.iter().map(|(doc, _)| *doc).collect(),
            scores: found.iter().map(|(_, score)| *score).collect(),
        })
    }
}

/// The distinct letter triples of a word padded with a space at each end,
/// sorted; at most [`MAX_TRIPLES`].
struct Triples {
    triples: [[u8; 3]; MAX_TRIPLES],
    len: usize,
}

impl Triples {
    fn of(word: &[u8]) -> Triples {
        let mut triples = Triples {
            triples: [[0; 3]; MAX_TRIPLES],
            len: 0,
        };
        let padded = std::iter::once(b' ')
            .chain(word.iter().copied())
            .chain([b' ']);
        let mut window = [0u8; 3];
        for (at, byte) in padded.enumerate() {
            window = [window[1], window[2], byte];
            if at >= 2 && triples.len < MAX_TRIPLES {
                triples.triples[triples.len] = window;
                triples.len += 1;
            }
        }
        let held = &mut triples.triples[..triples.len];
        held.sort_unstable();
        let mut distinct = 0;
        for at in 0..held.len() {
            if at == 0 || held[at] != held[distinct - 1] {
                held[distinct] = held[at];
                distinct += 1;
            }
        }
        triples.len = distinct;
        triples
    }

    fn held(&self) -> &[[u8; 3]] {
        &self.triples[..self.len]
    }

    /// Dice's coefficient: twice the triples shared over both counts.
    fn dice(&self, other: &Triples) -> f32 {
        let (mine, theirs) = (self.held(), other.held());
        let (mut a, mut b, mut shared) = (0, 0, 0);
        while a < mine.len() && b < theirs.len() {
            match mine[a].cmp(&theirs[b]) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    a += 1;
                    b += 1;
                }
            }
        }
        2.0 * shared as f32 / (mine.len() + theirs.len()).max(1) as f32
    }
}

impl Query for Letters {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Letters {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(Walk::new(self.list(reader)?, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} has no name like {}",
                self.compact
            )));
        }
        Ok(Explanation::new("letters", scorer.score()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dice(a: &str, b: &str) -> f32 {
        Triples::of(a.as_bytes()).dice(&Triples::of(b.as_bytes()))
    }

    #[test]
    fn names_a_few_letters_apart_are_alike_and_others_are_not() {
        assert_eq!(dice("bereket", "bereket"), 1.0);
        assert!(dice("nusaybeeket", "nusaybereket") >= LETTERS_MIN);
        assert!(dice("bim76", "bilim76") >= LETTERS_MIN);
        assert!(dice("qxzvj", "nusaybereket") < LETTERS_MIN);
        assert!(dice("bereket", "altynyol") < LETTERS_MIN);
        // A repeated triple counts once.
        assert_eq!(Triples::of(b"aaaa").len, 3);
    }
}
