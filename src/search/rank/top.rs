//! The best units by relevance: a top-k collector that reads of each unit
//! found only what can still change the answer.
//!
//! A broad query finds tens of thousands of units and keeps ten. Each unit
//! found costs a read of its row (tie-break) and, for likeness, of its
//! names' letter triples: memory far from the last unit's, which the
//! processor waits for. Once ten units are kept, most others cannot beat
//! the tenth even at full likeness, and are dropped on their clause score
//! alone or, failing that, on their row; only the rest read their triples.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::order::Relevance;
use super::score::LIKENESS;
use crate::search::index::likeness::Likeness;
use crate::search::index::table::{UnitTable, UnitTables, BATCH};

/// The best `limit` units by relevance, after a cursor's position if any.
pub struct TopRelevant {
    limit: usize,
    query_words: u64,
    after: Option<Relevance>,
    likeness: Likeness,
    tables: Arc<UnitTables>,
}

impl TopRelevant {
    /// The best `limit` units for a query of `query_words` folded words and
    /// its `likeness`, after `after` (from the best, without it).
    pub fn new(
        limit: usize,
        query_words: u64,
        after: Option<Relevance>,
        likeness: Likeness,
        tables: &Arc<UnitTables>,
    ) -> TopRelevant {
        TopRelevant {
            limit: limit.max(1),
            query_words,
            after,
            likeness,
            tables: tables.clone(),
        }
    }
}

/// The best `limit` units by relevance to a query of folded `words`, after
/// `after` (all, without it), scored by the query's clauses plus how alike
/// the unit's names are to it (`likeness`). Ties are broken from the
/// segments' `tables`.
pub fn by_relevance(
    limit: usize,
    words: &[String],
    after: Option<Relevance>,
    tables: &Arc<UnitTables>,
) -> TopRelevant {
    let likeness = Likeness::of_query(words);
    TopRelevant::new(limit, words.len() as u64, after, likeness, tables)
}

/// A unit kept, ordered by relevance (a total order: the unit number ends ties).
#[derive(Debug, Clone, Copy)]
struct Kept(Relevance, DocId);

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank_cmp(&other.0)
    }
}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept {}

impl Collector for TopRelevant {
    type Fruit = Vec<(Relevance, DocAddress)>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            segment,
            table: self.tables.of(reader)?,
            limit: self.limit,
            query_words: self.query_words,
            after: self.after,
            likeness: self.likeness,
            kept: BinaryHeap::with_capacity(self.limit + 1),
            pending: Vec::with_capacity(BATCH),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(Relevance, DocAddress)>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Relevance, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(|a, b| b.0.rank_cmp(&a.0));
        all.truncate(self.limit);
        Ok(all)
    }
}

/// One segment's best units so far.
pub struct SegmentTop {
    segment: SegmentOrdinal,
    table: Arc<UnitTable>,
    limit: usize,
    query_words: u64,
    after: Option<Relevance>,
    likeness: Likeness,
    /// The kept units, the worst on top.
    kept: BinaryHeap<Reverse<Kept>>,
    /// Units found and not yet considered, with their clause scores.
    pending: Vec<(DocId, Score)>,
}

impl SegmentTop {
    /// The worst unit kept, once `limit` are: what a unit must beat.
    fn bar(&self) -> Option<&Relevance> {
        if self.kept.len() < self.limit {
            return None;
        }
        self.kept
            .peek()
            .map(|Reverse(Kept(relevance, _))| relevance)
    }

    /// Considers the pending units: first reads the rows of those whose
    /// clause score can enter the page, all together, then ranks them.
    fn consider_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let floor = self.bar().map(|bar| bar.score);
        let mut tiebreaks = [0u64; BATCH];
        for (tiebreak, &(doc, score)) in tiebreaks.iter_mut().zip(&pending) {
            // The bar only rises, so a unit below it now is dropped on its
            // score in `consider` and never uses the 0 left here.
            if floor.is_none_or(|floor| score + LIKENESS >= floor) {
                *tiebreak = self.table.row(doc).tiebreak;
            }
        }
        for (&(doc, score), &tiebreak) in pending.iter().zip(&tiebreaks) {
            self.consider(doc, score, tiebreak);
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Keeps `doc` if it is among the best so far; `tiebreak` is its row's,
    /// read only if its clause score may enter the page.
    fn consider(&mut self, doc: DocId, score: Score, tiebreak: u64) {
        let bar = self.bar().copied();
        let beaten =
            |relevance: &Relevance| bar.is_some_and(|bar| relevance.rank_cmp(&bar).is_le());
        let best_possible = score + LIKENESS;
        if bar.is_some_and(|bar| best_possible < bar.score) {
            return;
        }
        let mut relevance = Relevance::of(best_possible, tiebreak, self.query_words);
        if beaten(&relevance) {
            return;
        }
        relevance.score = score + LIKENESS * self.likeness.of(&self.table.trigrams(doc));
        let past_cursor = self
            .after
            .is_none_or(|after| relevance.rank_cmp(&after).is_lt());
        if !past_cursor || beaten(&relevance) {
            return;
        }
        self.kept.push(Reverse(Kept(relevance, doc)));
        if self.kept.len() > self.limit {
            self.kept.pop();
        }
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Relevance, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.pending.push((doc, score));
        if self.pending.len() == BATCH {
            self.consider_pending();
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.consider_pending();
        let segment = self.segment;
        self.kept
            .into_iter()
            .map(|Reverse(Kept(relevance, doc))| (relevance, DocAddress::new(segment, doc)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::keys::tiebreak;
    use crate::search::index::likeness::trigrams_field;
    use crate::search::index::likeness::{Trigrams, WORDS};
    use tantivy::schema::{Schema, FAST};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    /// A unit of the test segment: its clause score, tie-break and names.
    struct Unit {
        score: Score,
        tiebreak: u64,
        names: &'static str,
    }

    /// Units with few distinct scores, tie-breaks and names, so that many
    /// tie on each part of the order.
    fn units() -> Vec<Unit> {
        let names = [
            "ak yol",
            "yayla alem dostluk",
            "dostluk alem azyk",
            "ak",
            "bereket ak yol",
        ];
        (0..400u64)
            .map(|n| {
                let spread = n.wrapping_mul(2_654_435_761) >> 7;
                Unit {
                    score: (spread % 4) as f32 * 0.5,
                    tiebreak: tiebreak(
                        spread % 3 != 0,
                        (spread % 2) as u8,
                        (spread % 5) as usize,
                        1000 + n,
                    ),
                    names: names[(spread % 7 % 5) as usize],
                }
            })
            .collect()
    }

    fn segment_of(units: &[Unit]) -> Index {
        let mut schema = Schema::builder();
        let tiebreak_field = schema.add_u64_field("tiebreak", FAST);
        let parts: Vec<_> = (0..WORDS)
            .map(|at| schema.add_u64_field(&trigrams_field(at), FAST))
            .collect();
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for unit in units {
            let mut document = TantivyDocument::default();
            document.add_u64(tiebreak_field, unit.tiebreak);
            let trigrams = Trigrams::of_words(unit.names.split(' '));
            for (field, part) in parts.iter().zip(trigrams.0) {
                document.add_u64(*field, part);
            }
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    /// Every unit's relevance, best first: what the collector must agree with.
    fn sorted(units: &[Unit], likeness: &Likeness, words: u64) -> Vec<Relevance> {
        let mut all: Vec<Relevance> = units
            .iter()
            .map(|unit| {
                let alike = likeness.of(&Trigrams::of_words(unit.names.split(' ')));
                Relevance::of(unit.score + LIKENESS * alike, unit.tiebreak, words)
            })
            .collect();
        all.sort_by(|a, b| b.rank_cmp(a));
        all
    }

    #[test]
    fn keeps_exactly_the_best_units_page_after_page() {
        let units = units();
        let index = segment_of(&units);
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let words: Vec<String> = ["yla", "alem", "dostluk"].map(String::from).into();
        let likeness = Likeness::of_query(&words);
        let expected = sorted(&units, &likeness, 3);
        let tables = Arc::new(UnitTables::default());
        let mut after = None;
        let mut seen = Vec::new();
        while seen.len() < units.len() {
            let top = TopRelevant::new(7, 3, after, likeness, &tables);
            let mut segment = top.for_segment(0, reader).unwrap();
            for (doc, unit) in units.iter().enumerate() {
                segment.collect(doc as DocId, unit.score);
            }
            let page = top.merge_fruits(vec![segment.harvest()]).unwrap();
            assert!(!page.is_empty(), "a page after {after:?} is empty");
            seen.extend(page.iter().map(|(relevance, _)| *relevance));
            after = page.last().map(|(relevance, _)| *relevance);
        }
        assert_eq!(seen, expected);
    }
}
