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

use tantivy::{DocAddress, Score};

use crate::domain::text_enum;
use crate::search::index::keys::UNIT_BITS;

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
/// a name as long as the query before longer or shorter ones (it is the
/// closer match), then active before dead, more complete records before
/// sparse ones, lower unit number first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    /// The query's score: a sum of constants, the same on every page.
    pub score: Score,
    /// 16 for an active unit, plus how complete its record is (0 to 15).
    pub standing: u64,
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
            standing: tiebreak >> 48,
            length_gap: ((tiebreak >> 40) & 0xff).abs_diff(query_words),
            unit: tiebreak & UNIT_BITS,
        }
    }

    /// Compares so that the better unit is the greater; a total order.
    pub fn rank_cmp(&self, other: &Relevance) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.length_gap.cmp(&self.length_gap))
            .then(self.standing.cmp(&other.standing))
            .then(other.unit.cmp(&self.unit))
    }
}

impl PartialOrd for Relevance {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.rank_cmp(other))
    }
}

/// The relevance key of a cursor's position, if it is one.
pub fn relevance_after(after: Option<&Position>) -> Option<Relevance> {
    match after {
        Some(Position::Relevance(key)) => Some(*key),
        _ => None,
    }
}

/// What `top::by_relevance` found, as page positions.
pub fn relevance_page(found: Vec<(Relevance, DocAddress)>) -> Vec<(Position, DocAddress)> {
    found
        .into_iter()
        .map(|(key, at)| (Position::Relevance(key), at))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_ranks_score_then_names_as_long_as_the_query_then_standing_then_low_numbers() {
        let key = |score, standing, length_gap, unit| Relevance {
            score,
            standing,
            length_gap,
            unit,
        };
        let ordered = [
            key(3.0, 0, 9, 9),
            key(2.0, 0, 1, 9),
            key(2.0, 17, 2, 9),
            key(2.0, 16, 2, 1),
            key(2.0, 3, 2, 1),
            key(2.0, 3, 2, 4),
        ];
        assert!(ordered.windows(2).all(|pair| pair[0] > pair[1]));
    }
}
