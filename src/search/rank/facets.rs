//! Facet counts: how many of the units a search found have each value of
//! each filter.
//!
//! Counted in the same pass that ranks the units, from the segment's
//! `table::UnitTable`: one array slot per value, named only once per
//! segment at the end. tantivy's general aggregations did the same through
//! a JSON request, bucket maps and per-document column decoding, which at a
//! million units was a quarter of a broad search's time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::search::index::table::{UnitTable, UnitTables, BATCH, FACETS, PUBLIC};

/// How many units of the answer have each value of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    /// The value, as a filter takes it.
    pub value: String,
    /// How many units found have it.
    pub count: u64,
}

/// Counts the facets of every unit collected.
pub struct FacetCounter {
    /// How many of [`FACETS`] are counted.
    counted: usize,
    tables: Arc<UnitTables>,
}

impl FacetCounter {
    /// The public facets, and the size class when `confidential`.
    pub fn new(confidential: bool, tables: &Arc<UnitTables>) -> FacetCounter {
        let counted = if confidential { FACETS.len() } else { PUBLIC };
        FacetCounter {
            counted,
            tables: tables.clone(),
        }
    }
}

/// Per facet, the (value, count) pairs of one segment.
type SegmentCounts = Vec<Vec<(String, u64)>>;

impl Collector for FacetCounter {
    type Fruit = BTreeMap<String, Vec<FacetCount>>;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let table = self.tables.of(reader)?;
        let columns = (0..self.counted)
            .filter_map(|facet| {
                let column = table.overflow(facet)?;
                // Slot 0 counts the units without a value.
                Some((facet, vec![0u32; column.num_terms() + 1]))
            })
            .collect();
        Ok(SegmentFacets {
            table,
            pending: Vec::with_capacity(BATCH),
            counted: self.counted,
            by_code: Box::new([[0; CODES]; FACETS.len()]),
            columns,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<SegmentCounts>) -> tantivy::Result<Self::Fruit> {
        let mut answer = BTreeMap::new();
        for (at, facet) in FACETS.iter().take(self.counted).enumerate() {
            let mut summed: HashMap<&str, u64> = HashMap::new();
            for counts in segments.iter().filter_map(|segment| segment.get(at)) {
                for (value, count) in counts {
                    *summed.entry(value).or_default() += count;
                }
            }
            let mut counts: Vec<FacetCount> = summed
                .into_iter()
                .map(|(value, count)| FacetCount {
                    value: value.to_owned(),
                    count,
                })
                .collect();
            // Most common first; equal counts by value, so the order is stable.
            counts.sort_unstable_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
            counts.truncate(facet.size);
            answer.insert(facet.shown.to_owned(), counts);
        }
        Ok(answer)
    }
}

/// One segment's counts: per facet, a count per value code.
///
/// A broad query counts tens of thousands of units, so counting one is
/// kept to its row's codes indexing fixed arrays: no bounds to check, no
/// branch per facet.
pub struct SegmentFacets {
    table: Arc<UnitTable>,
    /// Units found and not yet counted.
    pending: Vec<DocId>,
    /// How many of [`FACETS`] are counted.
    counted: usize,
    /// Per facet, a count per code (`table::Row::codes`; 0: no value).
    by_code: Box<[[u32; CODES]; FACETS.len()]>,
    /// The facets with too many values for codes, counted per column
    /// ordinal plus one (0: no value); in practice none.
    columns: Vec<(usize, Vec<u32>)>,
}

/// How many codes a byte holds.
const CODES: usize = u8::MAX as usize + 1;

impl SegmentCollector for SegmentFacets {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == BATCH {
            self.count_pending();
        }
    }

    fn harvest(mut self) -> SegmentCounts {
        self.count_pending();
        let table = &self.table;
        (0..self.counted)
            .map(|facet| {
                let from_column = self.columns.iter().find(|(at, _)| *at == facet);
                let counts = match from_column {
                    Some((_, counts)) => counts.as_slice(),
                    None => &self.by_code[facet][..=table.value_count(facet).min(CODES - 1)],
                };
                let mut named = Vec::new();
                // Slot 0 (no value) is not a value one can filter by.
                for (slot, &count) in counts.iter().enumerate().skip(1) {
                    if count == 0 {
                        continue;
                    }
                    match value_of(table, facet, slot) {
                        Some(value) => named.push((value, u64::from(count))),
                        // Codes come from the segment's own dictionary: never expected.
                        None => {
                            tracing::error!(facet, slot, "facet value code not in its dictionary")
                        }
                    }
                }
                named
            })
            .collect()
    }
}

impl SegmentFacets {
    /// Counts the pending units' values.
    fn count_pending(&mut self) {
        for &doc in &self.pending {
            let codes = self.table.row(doc).codes;
            // Facets read from columns have code 0 here, never named.
            for (counts, &code) in self.by_code.iter_mut().zip(&codes) {
                counts[usize::from(code)] += 1;
            }
        }
        for (facet, counts) in &mut self.columns {
            let Some(column) = self.table.overflow(*facet) else {
                continue;
            };
            for &doc in &self.pending {
                let slot = column.ords().first(doc).map_or(0, |ord| ord as usize + 1);
                if let Some(count) = counts.get_mut(slot) {
                    *count += 1;
                }
            }
        }
        self.pending.clear();
    }
}

/// The value a facet's slot counts.
fn value_of(table: &UnitTable, facet: usize, slot: usize) -> Option<String> {
    let Some(column) = table.overflow(facet) else {
        let code = u8::try_from(slot).ok()?;
        return table.value(facet, code).map(str::to_owned);
    };
    let mut value = String::new();
    match column.ord_to_str(slot as u64 - 1, &mut value) {
        Ok(true) => Some(value),
        Ok(false) => None,
        Err(error) => {
            tracing::error!(%error, facet, "facet value unreadable");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::AllQuery;
    use tantivy::schema::{Schema, FAST, STRING};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    /// An index with the facet fields, where `region` has more values than
    /// a table's codes hold, so that it is counted from its column.
    fn index_of(units: &[(&str, String)]) -> Index {
        let mut schema = Schema::builder();
        for facet in &FACETS {
            schema.add_text_field(facet.field, STRING | FAST);
        }
        schema.add_u64_field("tiebreak", FAST);
        for at in 0..crate::search::index::likeness::WORDS {
            schema.add_u64_field(&crate::search::index::likeness::trigrams_field(at), FAST);
        }
        let schema = schema.build();
        let index = Index::create_in_ram(schema.clone());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for (kind, region) in units {
            let mut document = TantivyDocument::default();
            document.add_text(schema.get_field("kind").unwrap(), kind);
            document.add_text(schema.get_field("region").unwrap(), region);
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    #[test]
    fn counts_each_value_most_common_first_from_codes_and_from_columns() {
        let mut units: Vec<(&str, String)> = (0..300)
            .map(|n| ("legal_unit", format!("R{n:03}")))
            .collect();
        units.push(("enterprise", "R007".to_owned()));
        units.push(("enterprise", "R007".to_owned()));
        units.push(("enterprise", "R150".to_owned()));
        let index = index_of(&units);
        let tables = Arc::new(UnitTables::default());
        let searcher = index.reader().unwrap().searcher();
        let counted = searcher
            .search(&AllQuery, &FacetCounter::new(false, &tables))
            .unwrap();
        let kind: Vec<(&str, u64)> = counted["kind"]
            .iter()
            .map(|c| (c.value.as_str(), c.count))
            .collect();
        assert_eq!(kind, [("legal_unit", 300), ("enterprise", 3)]);
        let region: Vec<(&str, u64)> = counted["region"]
            .iter()
            .map(|c| (c.value.as_str(), c.count))
            .collect();
        assert_eq!(region.len(), 20, "a facet lists at most its size");
        assert_eq!(region[..3], [("R007", 3), ("R150", 2), ("R000", 1)]);
        // Units without a value are not a value.
        assert!(counted["legal_form"].is_empty());
        assert!(!counted.contains_key("size_class"), "public facets only");
        let all = searcher
            .search(&AllQuery, &FacetCounter::new(true, &tables))
            .unwrap();
        assert!(all.contains_key("size_class"));
    }
}
