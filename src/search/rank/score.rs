//! What each clause of a query scores: the one place the ranking is defined.
//!
//! Every clause scores a constant, so a unit's score depends on the query
//! and the unit alone, never on how many other units share a word: a
//! relevance cursor then holds however the register changes. A unit's
//! score is the sum of the clauses it meets, plus up to [`LIKENESS`] for
//! the share of the query's letter triples its names have.

use tantivy::Score;

/// The query is one of the unit's identifiers (stat_id, tin, reg_number).
pub const IDENTIFIER: Score = 100.0;
/// The query, its words run together, is one of the unit's names.
pub const NAME: Score = 10.0;
/// The same within one typo.
pub const NAME_NEAR: Score = 6.0;

/// A word in the names: exactly.
pub const WORD: Score = 2.0;
/// Exactly, when another spelling would have been accepted: a unit that
/// has the word itself ranks above one that has a near spelling.
pub const WORD_OF_SPELLINGS: Score = 3.0;
/// The last word exactly, when it also takes typos: typing a whole word
/// right counts for more than it being the start of a longer one.
pub const WORD_LAST: Score = 4.0;
/// Another spelling of a word (a typo, or a word the last word begins).
pub const SPELLING: Score = 1.0;
/// The word in the address, added to the above.
pub const ADDRESS: Score = 0.5;

/// A person's surname and first initial.
pub const SURNAME_INITIAL: Score = 16.0;
/// The same within one typo.
pub const SURNAME_INITIAL_NEAR: Score = 7.0;
/// A person's compatibility keys a query may meet, most telling first:
/// given name and patronymic in full; the given name and the patronymic's
/// initial; the given name and no patronymic; the initials and the
/// patronymic; the initials; the given initial alone. Met within one typo,
/// a key scores [`SPELLED_LESS`] less.
pub const COMPATIBLE: [Score; 6] = [50.0, 46.0, 42.0, 40.0, 36.0, 32.0];
/// What a person's key met only within one typo loses.
pub const SPELLED_LESS: Score = 2.0;

/// What a unit's names having every letter triple of the query adds to its
/// score: as much as one word found exactly. Less would only break ties of
/// the words; this much also lets `Ýýla älem dostluk` (two of three words)
/// rank `Ýaýla älem dostluk` above `Älem dostluk` spelt exactly.
pub const LIKENESS: Score = 2.0;

/// Words longer than this are matched exactly: no name has one, and a typo
/// automaton over a long word walks much of the term dictionary.
pub const MAX_TYPO_WORD: usize = 32;

/// Short words must be right; longer ones may have one typo, long ones two,
/// and over-long ones none.
pub fn typo_allowance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        8..=MAX_TYPO_WORD => 2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_long_words_get_no_typos() {
        assert_eq!(typo_allowance("ak"), 0);
        assert_eq!(typo_allowance("ynam"), 1);
        assert_eq!(typo_allowance("bereketli"), 2);
        assert_eq!(typo_allowance(&"a".repeat(MAX_TYPO_WORD)), 2);
        assert_eq!(typo_allowance(&"a".repeat(MAX_TYPO_WORD + 1)), 0);
    }
}
