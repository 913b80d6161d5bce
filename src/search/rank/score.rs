//! What each clause of a query scores: the one place the ranking is defined.
//!
//! A person expects, in order:
//! 1. an exact identifier (stat_id, tin, reg_number): [`IDENTIFIER`];
//! 2. the exact normalised full name: [`NAME`];
//! 3. every word of the query, exactly: [`EVERY_WORD_EXACT`];
//! 4. the whole name within one typo: [`NAME_NEAR`];
//! 5. every word, some by a close spelling: [`EVERY_WORD`], then closer
//!    spellings first ([`WORD`] > [`ONE_EDIT`] > [`TWO_EDITS`]);
//! 6. more of the query's words, when not all are found.
//!
//! Each step is worth more than everything below it can add up to, so the
//! score's band says how a unit matched ([`Matched::of`]). Within a band,
//! closer spellings and more words score more, and up to [`LIKENESS`] is
//! added for the share of the query's letter triples the unit's names have.
//! Among equal scores, names as long as the query come first (`Ynanç Gas`
//! before `Ynanç Gas 22`: the closer match), then active units, then more
//! complete records, then lower unit numbers (`order::Relevance`).
//!
//! Every clause scores a constant, so a unit's score depends on the query
//! and the unit alone, never on how many other units share a word: a
//! relevance cursor then holds however the register changes.

use serde::Serialize;
use tantivy::Score;

/// The query is one of the unit's identifiers.
pub const IDENTIFIER: Score = 20_000.0;
/// The query, its words run together, is one of the unit's names.
pub const NAME: Score = 5_000.0;
/// Every word of the query is in the unit's names as it is.
pub const EVERY_WORD_EXACT: Score = 1_000.0;
/// The query, its words run together, is one typo from one of the unit's
/// names: the closest spelling there is, and the only one a name written
/// run together can have (`Zaman üüm gündogar` for `Zaman uzumgundogar`).
pub const NAME_NEAR: Score = 500.0;
/// Every word of the query is in the unit's names, some within a typo.
pub const EVERY_WORD: Score = 200.0;
/// A word in the names as it is.
pub const WORD: Score = 4.0;
/// A word the last word of the query begins (still being typed).
pub const COMPLETION: Score = 2.0;
/// A word one edit from the query's (a letter dropped, added, changed or
/// two swapped).
pub const ONE_EDIT: Score = 2.0;
/// A word two edits from the query's.
pub const TWO_EDITS: Score = 1.0;
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
/// score: as much as a word one edit off. This much lets `Ýýla älem
/// dostluk` (two of three words) rank `Ýaýla älem dostluk` above `Älem
/// dostluk` spelt exactly.
pub const LIKENESS: Score = 2.0;
/// How alike (Dice's coefficient of letter triples) a unit's whole name
/// must be to the query's to be found by letters alone, when nothing
/// matches its words.
pub const LETTERS_MIN: f32 = 0.4;
/// What a whole name found by letters scores, times its likeness.
pub const LETTERS: Score = 4.0;

/// Words longer than this are matched exactly: no name has one, and a typo
/// automaton over a long word walks much of the term dictionary.
pub const MAX_TYPO_WORD: usize = 32;

/// How many typos a word may have: none below three letters, one from
/// three, two from six (Elasticsearch's `AUTO`), none when over-long.
pub fn typo_allowance(word: &str) -> u8 {
    match word.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=MAX_TYPO_WORD => 2,
        _ => 0,
    }
}

/// The wider allowance of the fallback, when nothing matched within the
/// usual one: one more for short words, never more than two.
pub fn wider_allowance(word: &str) -> u8 {
    match word.chars().count() {
        0..=1 => 0,
        2..=MAX_TYPO_WORD => (typo_allowance(word) + 1).min(2),
        _ => 0,
    }
}

/// What a spelling `edits` away from a query word scores.
pub fn spelling(edits: u8) -> Score {
    match edits {
        0 => WORD,
        1 => ONE_EDIT,
        _ => TWO_EDITS,
    }
}

/// Whether a word's score says it was found as it is in the names.
pub fn is_exact(word: Score) -> bool {
    word >= WORD
}

/// Whether a word's score says it was found in the names at all (not only
/// in the address).
pub fn is_in_names(word: Score) -> bool {
    word >= TWO_EDITS
}

/// What a unit that has every word of the query earns on top of the words'
/// scores; `missing` is how many it lacks.
pub fn every_word_bonus(missing: usize, every_exact: bool, every_in_names: bool) -> Score {
    match (missing, every_exact, every_in_names) {
        (0, true, _) => EVERY_WORD_EXACT + EVERY_WORD,
        (0, false, true) => EVERY_WORD,
        _ => 0.0,
    }
}

/// How far a search had to go before something matched: each step is
/// tried only when the one before found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every word within its typo allowance (from three words, all but one).
    Words,
    /// Every word (from three, all but one) within a wider allowance for
    /// short words: still a match on every word, and few units to walk.
    WiderWords,
    /// At least one word, within its allowance.
    SomeWords,
    /// No word: the names that share enough of the query's letter triples.
    Letters,
}

impl Reach {
    /// Every step, in the order they are tried.
    pub const ALL: [Reach; 4] = [
        Reach::Words,
        Reach::WiderWords,
        Reach::SomeWords,
        Reach::Letters,
    ];

    /// Its number, for a cursor's fingerprint.
    pub fn number(self) -> u8 {
        match self {
            Reach::Words => 0,
            Reach::WiderWords => 1,
            Reach::SomeWords => 2,
            Reach::Letters => 3,
        }
    }
}

/// How a hit matched the query, as its answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    /// One of its identifiers is the query.
    Identifier,
    /// One of its names is the query (folded: script, case, legal form).
    Name,
    /// Every word of the query is in its names as it is.
    Words,
    /// Every word, some within a typo.
    Spelling,
    /// Some of the words (approximate).
    SomeWords,
    /// No word, but many of its letters (approximate).
    Letters,
}

impl Matched {
    /// How a hit with this score, found at this reach, matched.
    pub fn of(score: Score, reach: Reach) -> Matched {
        match reach {
            Reach::Letters => return Matched::Letters,
            Reach::WiderWords | Reach::SomeWords if score < EVERY_WORD => {
                return Matched::SomeWords
            }
            _ => {}
        }
        if score >= IDENTIFIER {
            Matched::Identifier
        } else if score >= NAME {
            Matched::Name
        } else if score >= EVERY_WORD_EXACT {
            Matched::Words
        } else if score >= EVERY_WORD {
            Matched::Spelling
        } else {
            Matched::SomeWords
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_follow_elasticsearchs_auto_and_over_long_words_get_none() {
        assert_eq!(typo_allowance("ak"), 0);
        assert_eq!(typo_allowance("awa"), 1);
        assert_eq!(typo_allowance("bilim"), 1);
        assert_eq!(typo_allowance("bereket"), 2);
        assert_eq!(typo_allowance(&"a".repeat(MAX_TYPO_WORD)), 2);
        assert_eq!(typo_allowance(&"a".repeat(MAX_TYPO_WORD + 1)), 0);
        assert_eq!(wider_allowance("ak"), 1);
        assert_eq!(wider_allowance("bim"), 2);
        assert_eq!(wider_allowance("bereket"), 2);
    }

    /// The most a unit can score below each band stays below it: a step up
    /// the ranking always outweighs everything under it.
    #[test]
    fn each_band_outweighs_everything_below_it() {
        let words = 12.0;
        let person = SURNAME_INITIAL + COMPATIBLE[0];
        let below_every_word = words * (WORD + ADDRESS) + person + LIKENESS;
        assert!(below_every_word < EVERY_WORD, "{below_every_word}");
        assert!(EVERY_WORD + below_every_word < NAME_NEAR);
        assert!(NAME_NEAR + EVERY_WORD + below_every_word < EVERY_WORD_EXACT);
        let below_name = EVERY_WORD_EXACT + NAME_NEAR + EVERY_WORD + below_every_word;
        assert!(below_name < NAME);
        assert!(NAME + below_name < IDENTIFIER);
        assert!(spelling(0) > spelling(1) && spelling(1) > spelling(2));
    }

    #[test]
    fn a_score_band_says_how_a_hit_matched() {
        let words = Reach::Words;
        assert_eq!(Matched::of(IDENTIFIER + 3.0, words), Matched::Identifier);
        assert_eq!(Matched::of(NAME + EVERY_WORD_EXACT, words), Matched::Name);
        assert_eq!(Matched::of(EVERY_WORD_EXACT + 9.0, words), Matched::Words);
        assert_eq!(Matched::of(EVERY_WORD + 5.0, words), Matched::Spelling);
        assert_eq!(Matched::of(8.0, words), Matched::SomeWords);
        assert_eq!(Matched::of(8.0, Reach::SomeWords), Matched::SomeWords);
        assert_eq!(Matched::of(8.0, Reach::WiderWords), Matched::SomeWords);
        assert_eq!(
            Matched::of(EVERY_WORD, Reach::WiderWords),
            Matched::Spelling
        );
        assert_eq!(Matched::of(0.5, Reach::Letters), Matched::Letters);
    }
}
