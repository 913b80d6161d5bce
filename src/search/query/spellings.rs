//! The other spellings of a query word that the index holds: the name words
//! within its typo allowance and, for the word still being typed, the words
//! it begins. The word itself is left out: its postings are walked directly,
//! and the caller takes the better of the two (a unit that has both the word
//! and a misspelling of it scores as one that has the word).
//!
//! Finding them means walking a segment's term dictionary with a Levenshtein
//! automaton, which at a million units was a third of a search's time, and
//! then reading every posting of every spelling found. Segments never
//! change, so both are done once per (segment, word) and kept: the doc ids,
//! sorted, shared by every search that asks again. A register's vocabulary
//! is small and skewed (`bereket`, `sowda`, `ak`), so most words of most
//! queries are found here, in the index's `lists::ListCache`.

use std::sync::{Arc, OnceLock};

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError};

use crate::search::index::lists::{Key, ListCache, Listed};
use crate::search::index::postings::{self, ScoredDocs, Walk};

/// The spellings of one word in one field.
#[derive(Debug, Clone)]
pub struct Spellings {
    field: Field,
    word: String,
    typos: u8,
    prefix: bool,
    /// How many leading bytes of `word` a spelling must have as they are.
    fixed: usize,
    cache: Arc<ListCache>,
}

impl Spellings {
    /// The words of `field` within `typos` edits of `word` (transposition
    /// counts one) and, when `prefix`, the words it begins; `word` excluded.
    pub fn new(
        field: Field,
        word: &str,
        typos: u8,
        prefix: bool,
        cache: &Arc<ListCache>,
    ) -> Spellings {
        Spellings {
            field,
            word: word.to_owned(),
            typos: typos.min(2),
            prefix,
            fixed: 0,
            cache: cache.clone(),
        }
    }

    /// Only spellings that begin with the first `bytes` of the word as
    /// they are: a typo may not fall there.
    pub fn fixed_start(mut self, bytes: usize) -> Spellings {
        self.fixed = bytes.min(self.word.len());
        self
    }

    /// The sorted doc ids of the segment that hold a spelling.
    fn docs(&self, reader: &SegmentReader) -> tantivy::Result<Arc<ScoredDocs>> {
        let key = Key {
            typos: self.typos,
            prefix: self.prefix,
            fixed: self.fixed,
            ..Key::of(
                reader.segment_id(),
                self.field,
                &self.word,
                Listed::Spellings,
            )
        };
        // Unscored: whoever asks for spellings as a clause gives them a
        // constant score.
        self.cache.scored(key, || {
            Ok(ScoredDocs {
                docs: self.read_docs(reader)?,
                scores: Vec::new(),
            })
        })
    }

    /// The sorted doc ids of the segment that hold a spelling, read from
    /// the index each time.
    pub(super) fn read_docs(&self, reader: &SegmentReader) -> tantivy::Result<Vec<DocId>> {
        let mut docs = self
            .read_by_distance(reader)?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        docs.sort_unstable();
        docs.dedup();
        Ok(docs)
    }

    /// The sorted doc ids of the segment that hold a spelling, by how far
    /// the spelling is: `[one edit, two edits, completions]` (a word both one
    /// edit off and begun by the query counts as the edit).
    pub(super) fn read_by_distance(
        &self,
        reader: &SegmentReader,
    ) -> tantivy::Result<[Vec<DocId>; 3]> {
        let edits = automaton_builder(self.typos).build_dfa(&self.word);
        let automaton = Automaton {
            fixed: &self.word.as_bytes()[..self.fixed],
            typos: &edits,
            begins: self
                .prefix
                .then(|| automaton_builder(0).build_prefix_dfa(&self.word)),
        };
        let inverted = reader.inverted_index(self.field)?;
        let mut stream = inverted.terms().search(automaton).into_stream()?;
        let mut lists: [Vec<DocId>; 3] = Default::default();
        while stream.advance() {
            if stream.key() == self.word.as_bytes() {
                continue;
            }
            let at = match edits.eval(stream.key()) {
                Distance::Exact(1) => 0,
                Distance::Exact(2) => 1,
                _ => 2,
            };
            let found = inverted
                .read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
            postings::append(found, &mut lists[at]);
        }
        for docs in &mut lists {
            docs.sort_unstable();
            docs.dedup();
        }
        Ok(lists)
    }
}

impl Query for Spellings {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Spellings {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(Walk::new(self.docs(reader)?, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} has no other spelling of {}",
                self.word
            )));
        }
        Ok(Explanation::new("spellings", scorer.score()))
    }
}

/// The Levenshtein automaton builders, one per distance: building one takes
/// milliseconds, building an automaton from it microseconds.
fn automaton_builder(typos: u8) -> &'static LevenshteinAutomatonBuilder {
    static BUILDERS: [OnceLock<LevenshteinAutomatonBuilder>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let distance = typos.min(2);
    BUILDERS[usize::from(distance)].get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
}

/// What the term dictionary is walked with: the words within the typo
/// allowance, and the words the query word begins, in one walk; both must
/// start with the `fixed` bytes.
struct Automaton<'a> {
    fixed: &'a [u8],
    typos: &'a DFA,
    begins: Option<DFA>,
}

/// A state of each DFA, the second dead without `begins`, and how many
/// bytes have been read.
type States = (u32, u32, usize);

const DEAD: u32 = levenshtein_automata::SINK_STATE;

impl tantivy_fst::Automaton for Automaton<'_> {
    type State = States;

    fn start(&self) -> States {
        let begins = self.begins.as_ref().map_or(DEAD, DFA::initial_state);
        (self.typos.initial_state(), begins, 0)
    }

    fn is_match(&self, &(typos, begins, _): &States) -> bool {
        let accepts = |dfa: &DFA, state| matches!(dfa.distance(state), Distance::Exact(_));
        accepts(self.typos, typos)
            || self
                .begins
                .as_ref()
                .is_some_and(|dfa| begins != DEAD && accepts(dfa, begins))
    }

    fn can_match(&self, &(typos, begins, _): &States) -> bool {
        typos != DEAD || begins != DEAD
    }

    fn accept(&self, &(typos, begins, read): &States, byte: u8) -> States {
        if self.fixed.get(read).is_some_and(|&fixed| fixed != byte) {
            return (DEAD, DEAD, read + 1);
        }
        let next = |dfa: &DFA, state| {
            if state == DEAD {
                DEAD
            } else {
                dfa.transition(state, byte)
            }
        };
        let begins = self.begins.as_ref().map_or(DEAD, |dfa| next(dfa, begins));
        (next(self.typos, typos), begins, read + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::{Schema, STORED, TEXT};
    use tantivy::{doc, Index, IndexWriter, TantivyDocument};

    fn names_found(index: &Index, field: Field, query: &Spellings) -> Vec<String> {
        let searcher = index.reader().unwrap().searcher();
        let mut found: Vec<String> = searcher
            .search(query, &DocSetCollector)
            .unwrap()
            .into_iter()
            .map(|at| {
                let document: TantivyDocument = searcher.doc(at).unwrap();
                let value =
                    tantivy::schema::document::Value::as_str(&document.get_first(field).unwrap());
                value.unwrap().to_owned()
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn finds_the_typos_and_completions_of_a_word_but_not_the_word_itself() {
        let mut schema = Schema::builder();
        let name = schema.add_text_field("name", TEXT | STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for text in [
            "bereket",
            "berekett",
            "bereke",
            "brereket",
            "bereketli",
            "altyn",
            "berk",
        ] {
            writer.add_document(doc!(name => text)).unwrap();
        }
        writer.commit().unwrap();
        let cache = Arc::new(ListCache::default());
        let typos = Spellings::new(name, "bereket", 1, false, &cache);
        assert_eq!(
            names_found(&index, name, &typos),
            ["bereke", "berekett", "brereket"]
        );
        let completions = Spellings::new(name, "bereket", 0, true, &cache);
        assert_eq!(
            names_found(&index, name, &completions),
            ["bereketli", "berekett"]
        );
        let both = Spellings::new(name, "bereket", 1, true, &cache);
        assert_eq!(
            names_found(&index, name, &both),
            ["bereke", "bereketli", "berekett", "brereket"]
        );
        // Asked again, the answer comes from the cache and is the same.
        assert_eq!(
            names_found(&index, name, &typos),
            ["bereke", "berekett", "brereket"]
        );
        assert_eq!(cache.len(), 3);
        // With the first two bytes fixed, `brereket` (a typo there) is out.
        let fixed = Spellings::new(name, "bereket", 1, false, &cache).fixed_start(2);
        assert_eq!(names_found(&index, name, &fixed), ["bereke", "berekett"]);
    }
}
