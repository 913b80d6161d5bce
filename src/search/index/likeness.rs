//! How alike a query is to a unit's names, letter by letter, beyond which
//! of its words matched.
//!
//! Words match or not: `Ýýla älem dostluk` (a typo two letters deep) matches
//! `Ýaýla älem dostluk` on two words of three, exactly as it matches
//! `Dostluk älem azyk`. What tells them apart is that `yla` shares letters
//! with `yayla` and none with `azyk`. So every unit carries the set of its
//! names' letter triples (`" ya"`, `"yay"`, `"ayl"`…) as a 256-bit
//! fingerprint, and ranking adds the share of the query's triples the unit
//! has. It is a function of the query and the unit alone, like every other
//! part of a score, so relevance cursors still hold.

/// The fingerprint's size in 64-bit words: 256 bits. At the 20 to 40
/// triples of a unit's names, about one bit in ten is set, so a triple the
/// unit lacks is taken for one it has about one time in ten.
pub const WORDS: usize = 4;

/// The name of the field holding part `at` of a unit's trigrams.
pub fn trigrams_field(at: usize) -> String {
    format!("trigrams_{at}")
}

/// The letter triples of some names, hashed into [`WORDS`] × 64 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trigrams(pub [u64; WORDS]);

impl Trigrams {
    /// The triples of folded name words, each word padded with a space on
    /// both sides so that its start and end count: `ak` → `" ak"`, `"ak "`.
    pub fn of_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Trigrams {
        let mut trigrams = Trigrams::default();
        for word in words {
            trigrams.add_word(word, true);
        }
        trigrams
    }

    /// Adds one word's triples; without its end when the word may be
    /// unfinished (the last word of a query typed so far).
    fn add_word(&mut self, word: &str, finished: bool) {
        // A rolling window over the padded word, without building it: this
        // runs for every name word of every unit a rebuild indexes.
        let end = finished.then_some(b' ');
        let mut window = [0u8; 3];
        let padded = std::iter::once(b' ').chain(word.bytes()).chain(end);
        for (at, byte) in padded.enumerate() {
            window = [window[1], window[2], byte];
            if at >= 2 {
                let bit = hash(window);
                self.0[bit / 64] |= 1 << (bit % 64);
            }
        }
    }

    fn count(&self) -> u32 {
        self.0.iter().map(|word| word.count_ones()).sum()
    }
}

/// A query's triples, ready to be compared with units'.
#[derive(Debug, Clone, Copy, Default)]
pub struct Likeness {
    trigrams: Trigrams,
    /// How many bits the query sets; 0 for a query without words.
    count: u32,
}

impl Likeness {
    /// The query's folded words; the last may be unfinished.
    pub fn of_query(words: &[String]) -> Likeness {
        let mut trigrams = Trigrams::default();
        for (at, word) in words.iter().enumerate() {
            trigrams.add_word(word, at + 1 < words.len());
        }
        Likeness {
            trigrams,
            count: trigrams.count(),
        }
    }

    /// The share of the query's triples a unit's names have, from 0 to 1.
    pub fn of(&self, unit: &Trigrams) -> f32 {
        if self.count == 0 {
            return 0.0;
        }
        let shared: u32 = (0..WORDS)
            .map(|at| (self.trigrams.0[at] & unit.0[at]).count_ones())
            .sum();
        shared as f32 / self.count as f32
    }
}

/// A triple's bit: a multiplicative hash of its three bytes.
fn hash(triple: [u8; 3]) -> usize {
    let packed = u32::from(triple[0]) << 16 | u32::from(triple[1]) << 8 | u32::from(triple[2]);
    (packed.wrapping_mul(0x9E37_79B1) >> 24) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    fn unit(text: &str) -> Trigrams {
        Trigrams::of_words(text.split(' '))
    }

    #[test]
    fn a_unit_with_every_word_of_the_query_is_wholly_alike() {
        let query = Likeness::of_query(&words("ak yol"));
        assert_eq!(query.of(&unit("ak yol")), 1.0);
        assert_eq!(query.of(&unit("yol ak gurlusyk")), 1.0);
    }

    #[test]
    fn a_word_two_letters_off_still_counts_for_something() {
        let query = Likeness::of_query(&words("yla alem dostluk"));
        let meant = query.of(&unit("yayla alem dostluk"));
        let other = query.of(&unit("dostluk alem azyk"));
        assert!(meant > other, "{meant} vs {other}");
        assert!(meant < 1.0);
    }

    #[test]
    fn the_last_word_may_be_unfinished() {
        let query = Likeness::of_query(&words("bere"));
        assert_eq!(query.of(&unit("bereket")), 1.0);
        let finished = Likeness::of_query(&words("bere ak"));
        assert!(finished.of(&unit("bereket ak")) < 1.0);
    }

    #[test]
    fn no_words_are_alike_to_nothing() {
        assert_eq!(Likeness::of_query(&[]).of(&unit("ak yol")), 0.0);
        assert_eq!(
            Likeness::of_query(&words("ak")).of(&Trigrams::default()),
            0.0
        );
    }
}
