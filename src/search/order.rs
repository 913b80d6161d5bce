//! The orders a search returns units in, and where a page starts.
//!
//! Each order is total: ties are broken by the unit number, so the last
//! unit of a page, as a sort key, says exactly where the next page starts.
//! A page is "every unit after this key", not "skip N": units added or
//! changed elsewhere in the register never shift a reader's place, and no
//! unit shows twice or goes missing between pages unless it itself moved.
//!
//! Relevance can be a key too because it depends on the query and the unit
//! alone (every clause scores a constant, see `query`, and `likeness`
//! compares the query with the unit's own names), not on how many other
//! units share a word.

use std::cmp::Ordering;
use std::ops::Bound;
use std::sync::Arc;

use chrono::NaiveDate;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery};
use tantivy::{DocAddress, Order, Score, Searcher, Term};

use super::likeness::Likeness;
use super::table::UnitTables;
use super::top::TopRelevant;
use super::{SearchError, SearchIndex};
use crate::domain::text_enum;

text_enum! {
    /// How results are ordered.
    #[derive(Default)]
    Sort {
        /// Best match first (the default).
        #[default]
        Relevance => "relevance",
        /// By the shown name, A to Z, ignoring quotes, case, script and legal form.
        Name => "name",
        /// Oldest registration first; units without a date come first.
        Registered => "registered",
        /// Newest registration first; units without a date come last.
        RegisteredNewest => "-registered",
    }
}

/// Where a unit stands in an order: the key a cursor carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// In relevance order.
    Relevance(Relevance),
    /// In name order: the unit's `sort_name`.
    Name(String),
    /// In registration order: the unit's `sort_registered`.
    Registered(u64),
}

/// A unit's relevance to one query, with the tie-breaks that make it total:
/// active before dead, a name as long as the query before longer or shorter
/// ones, lower unit number first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    /// The query's score: a sum of constants, the same on every page.
    pub score: Score,
    /// 1 for an active unit.
    pub alive: u64,
    /// How many words the shown name has more or fewer than the query.
    pub length_gap: u64,
    /// The unit number.
    pub unit: u64,
}

impl Relevance {
    /// A unit's relevance from its score and its packed `tiebreak` field,
    /// for a query of `query_words` words.
    pub fn of(score: Score, tiebreak: u64, query_words: u64) -> Relevance {
        Relevance {
            score,
            alive: tiebreak >> 48,
            length_gap: ((tiebreak >> 40) & 0xff).abs_diff(query_words),
            unit: tiebreak & UNIT_BITS,
        }
    }

    /// Compares so that the better unit is the greater; a total order.
    pub fn rank_cmp(&self, other: &Relevance) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.alive.cmp(&other.alive))
            .then(other.length_gap.cmp(&self.length_gap))
            .then(other.unit.cmp(&self.unit))
    }
}

impl PartialOrd for Relevance {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.rank_cmp(other))
    }
}

/// The `sort_name` of a unit: its folded name, then its number, so that
/// namesakes have an order too. Units without a name come last.
pub fn name_key(folded_name: Option<&str>, unit: u64) -> String {
    // \u{1} sorts before every letter and the space, so "ak" < "ak yol";
    // \u{7f} sorts after every folded letter.
    let name = folded_name
        .filter(|name| !name.is_empty())
        .unwrap_or("\u{7f}");
    format!("{name}\u{1}{unit:010}")
}

/// The `sort_registered` of a unit: the registration day in the high bits,
/// the unit number in the low 32. No date counts as the earliest.
pub fn registered_key(registered: Option<NaiveDate>, unit: u64) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or_default();
    let day = registered.map_or(0, |date| (date - epoch).num_days().max(0) as u64 + 1);
    (day << 32) | (unit & 0xffff_ffff)
}

/// Packs what breaks ties of relevance into one fast field, so that ranking
/// reads one column per matching unit, not three: 1 bit alive, 8 bits of
/// name length, 40 bits of unit number.
pub fn tiebreak(alive: bool, words: usize, unit: u64) -> u64 {
    (u64::from(alive) << 48) | ((words.min(255) as u64) << 40) | (unit & UNIT_BITS)
}

const UNIT_BITS: u64 = (1 << 40) - 1;

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

/// The first `limit` units of a key order (name or registration) after `after`.
pub fn by_key(
    searcher: &Searcher,
    index: &SearchIndex,
    query: Box<dyn Query>,
    sort: Sort,
    after: Option<&Position>,
    limit: usize,
    words: &[String],
) -> Result<Vec<(Position, DocAddress)>, SearchError> {
    let top = TopDocs::with_limit(limit);
    match sort {
        Sort::Name => {
            let after = match after {
                Some(Position::Name(key)) => {
                    Some(Term::from_field_text(index.fields().sort_name, key))
                }
                _ => None,
            };
            let query = past(query, after, Order::Asc);
            let found = searcher.search(
                &query,
                &top.order_by_string_fast_field("sort_name", Order::Asc),
            )?;
            Ok(found
                .into_iter()
                .map(|(key, at)| (Position::Name(key), at))
                .collect())
        }
        Sort::Registered | Sort::RegisteredNewest => {
            let order = if sort == Sort::Registered {
                Order::Asc
            } else {
                Order::Desc
            };
            let after = match after {
                Some(Position::Registered(key)) => {
                    Some(Term::from_field_u64(index.fields().sort_registered, *key))
                }
                _ => None,
            };
            let query = past(query, after, order.clone());
            let found = searcher.search(
                &query,
                &top.order_by_fast_field::<u64>("sort_registered", order),
            )?;
            Ok(found
                .into_iter()
                .map(|(key, at)| (Position::Registered(key), at))
                .collect())
        }
        Sort::Relevance => {
            let after = relevance_after(after);
            let collector = by_relevance(limit, words, after, index.tables());
            Ok(relevance_page(searcher.search(&query, &collector)?))
        }
    }
}

/// The relevance key of a cursor's position, if it is one.
pub fn relevance_after(after: Option<&Position>) -> Option<Relevance> {
    match after {
        Some(Position::Relevance(key)) => Some(*key),
        _ => None,
    }
}

/// What [`by_relevance`] found, as page positions.
pub fn relevance_page(found: Vec<(Relevance, DocAddress)>) -> Vec<(Position, DocAddress)> {
    found
        .into_iter()
        .map(|(key, at)| (Position::Relevance(key), at))
        .collect()
}

/// The query restricted to the units past a key in the given direction.
fn past(query: Box<dyn Query>, after: Option<Term>, order: Order) -> Box<dyn Query> {
    let Some(term) = after else {
        return query;
    };
    let range = match order {
        Order::Asc => RangeQuery::new(Bound::Excluded(term), Bound::Unbounded),
        Order::Desc => RangeQuery::new(Bound::Unbounded, Bound::Excluded(term)),
    };
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, query),
        (Occur::Must, Box::new(range)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_sort_by_name_then_number_and_nameless_last() {
        let mut keys = [
            name_key(Some("ak yol"), 12),
            name_key(None, 1),
            name_key(Some("ak"), 99),
            name_key(Some("ak yol"), 3),
            name_key(Some("zer"), 2),
        ];
        keys.sort();
        let expected = [
            name_key(Some("ak"), 99),
            name_key(Some("ak yol"), 3),
            name_key(Some("ak yol"), 12),
            name_key(Some("zer"), 2),
            name_key(None, 1),
        ];
        assert_eq!(keys, expected);
    }

    #[test]
    fn registered_keys_sort_by_day_then_number_and_undated_first() {
        let day = |text: &str| text.parse::<NaiveDate>().ok();
        let keys = [
            registered_key(None, 9),
            registered_key(day("1800-01-01"), 5),
            registered_key(day("2001-03-04"), 2),
            registered_key(day("2001-03-04"), 7),
            registered_key(day("2001-03-05"), 1),
        ];
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "{keys:?}");
    }

    #[test]
    fn relevance_ranks_score_then_living_then_names_as_long_as_the_query_then_low_numbers() {
        let key = |score, alive, length_gap, unit| Relevance {
            score,
            alive,
            length_gap,
            unit,
        };
        let ordered = [
            key(3.0, 0, 9, 9),
            key(2.0, 1, 5, 9),
            key(2.0, 0, 1, 9),
            key(2.0, 0, 2, 1),
            key(2.0, 0, 2, 4),
        ];
        assert!(ordered.windows(2).all(|pair| pair[0] > pair[1]));
    }
}
