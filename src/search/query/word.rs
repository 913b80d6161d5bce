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
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use super::spellings::Spellings;
use crate::search::index::lists::{Key, ListCache, Listed};
use crate::search::index::postings::{self, ScoredDocs, Walk};
use crate::search::rank::score::{
    every_word_bonus, is_exact, is_in_names, spelling, typo_allowance, wider_allowance, ADDRESS,
    COMPLETION, WORD,
};
use crate::search::Fields;

/// One folded query word: in a name exactly, or else within its typo
/// allowance or, when it is the last, still being typed; plus in the address.
#[derive(Debug, Clone)]
pub struct Word {
    fields: Fields,
    word: String,
    last: bool,
    typos: u8,
    /// The word is the whole query: its scores carry the every-word bonus.
    alone: bool,
    cache: Arc<ListCache>,
}

impl Word {
    /// The query of one `word`; `last` when it may be unfinished.
    pub fn new(fields: &Fields, word: &str, last: bool, cache: &Arc<ListCache>) -> Word {
        Word {
            fields: *fields,
            word: word.to_owned(),
            last,
            typos: typo_allowance(word),
            alone: false,
            cache: cache.clone(),
        }
    }

    /// The same word with the fallback's wider typo allowance.
    pub fn wider(mut self) -> Word {
        self.typos = wider_allowance(&self.word);
        self
    }

    /// The same word as the whole query: a unit that has it has every
    /// word, and its score says so without a walk over the words.
    pub fn alone(mut self) -> Word {
        self.alone = true;
        self
    }

    /// The word's units in the segment, walked as a scorer.
    pub fn walk(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Walk> {
        Ok(Walk::new(self.list(reader)?, boost))
    }

    fn list(&self, reader: &SegmentReader) -> tantivy::Result<Arc<ScoredDocs>> {
        let listed = if self.alone {
            Listed::WordAlone
        } else {
            Listed::Word
        };
        let key = Key {
            typos: self.typos,
            prefix: self.last,
            ..Key::of(reader.segment_id(), self.fields.names, &self.word, listed)
        };
        self.cache.scored(key, || self.read(reader))
    }

    /// Reads and merges the word's lists: as it is, each kind of spelling,
    /// and the address.
    fn read(&self, reader: &SegmentReader) -> tantivy::Result<ScoredDocs> {
        let names = Term::from_field_text(self.fields.names, &self.word);
        let address = Term::from_field_text(self.fields.address, &self.word);
        let in_names = postings::of_term(reader, &names)?;
        let in_address = postings::of_term(reader, &address)?;
        let [one_edit, two_edits, completions] = if self.typos > 0 || self.last {
            Spellings::new(
                self.fields.names,
                &self.word,
                self.typos,
                self.last,
                &self.cache,
            )
            .read_by_distance(reader)?
        } else {
            Default::default()
        };
        let mut merged = postings::merge(&[
            (in_names.as_slice(), WORD, false),
            (one_edit.as_slice(), spelling(1), false),
            (two_edits.as_slice(), spelling(2), false),
            (completions.as_slice(), COMPLETION, false),
            (in_address.as_slice(), ADDRESS, true),
        ]);
        if self.alone {
            for score in &mut merged.scores {
                *score += every_word_bonus(0, is_exact(*score), is_in_names(*score));
            }
        }
        Ok(merged)
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
