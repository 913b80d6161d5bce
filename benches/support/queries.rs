//! Writing a name as a person would type it into the query box: in the other
//! script, with one typo, sometimes with the legal form; or with a letter
//! dropped from a short word, two typos in one word of two, or its loan
//! words spelt letter by letter in Cyrillic (see [`Label`]).
//!
//! The Latin → Cyrillic mapping is the generator's Russian-style one
//! (`generator::to_russian`): ä→а, ö→о/ё, ü→у/ю, ň→н, j→дж, ý before a
//! vowel → я/ю/е, and loan words keep their usual Cyrillic spelling
//! (`Group` → `Групп`), as the tax and statistics extracts write them. The
//! including target must include `support/generator.rs` as `generator`.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use crate::generator::{is_loan, lower_letter as lower, to_russian};

/// The legal forms fixture (`code,name_tk,name_ru,abbreviations,kind`).
const LEGAL_FORMS: &str = include_str!("../../fixtures/legal_forms_tm.csv");

/// The scripts a query can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Turkmen Latin, with its letters (ä, ç, ň, ö, ş, ü, ý, ž).
    Latin,
    /// Russian-style Cyrillic.
    Cyrillic,
}

impl Script {
    /// The script most of a text's letters are in.
    pub fn of(text: &str) -> Script {
        let letters = text.chars().filter(|c| c.is_alphabetic());
        let (cyrillic, latin) = letters.fold((0, 0), |(c, l), ch| {
            if is_cyrillic(ch) {
                (c + 1, l)
            } else {
                (c, l + 1)
            }
        });
        if cyrillic > latin {
            Script::Cyrillic
        } else {
            Script::Latin
        }
    }

    /// The other one.
    pub fn other(self) -> Script {
        match self {
            Script::Latin => Script::Cyrillic,
            Script::Cyrillic => Script::Latin,
        }
    }

    /// Writes a Turkmen Latin name in this script.
    pub fn render(self, latin: &str) -> String {
        match self {
            Script::Latin => latin.to_owned(),
            Script::Cyrillic => to_russian(latin),
        }
    }
}

pub fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

// ---------------------------------------------------------------------------
// Random numbers: SplitMix64, one small stream per query so that a query
// does not depend on which others were drawn.

/// SplitMix64's finaliser: a good 64-bit mixing function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 stream.
pub struct Rng(u64);

impl Rng {
    /// The stream of one item under one seed.
    pub fn new(seed: u64, item: u64) -> Rng {
        Rng(mix(seed ^ mix(item.wrapping_add(0x5EED))))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

// ---------------------------------------------------------------------------
// Typos

/// Letters a substitution draws from, per script (as in generator.rs).
const LATIN_LETTERS: &[char] = &[
    'a', 'b', 'd', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'r', 's', 't', 'u', 'y', 'ý', 'ä',
    'ü',
];
const CYRILLIC_LETTERS: &[char] = &[
    'а', 'б', 'г', 'д', 'е', 'и', 'к', 'л', 'м', 'н', 'о', 'р', 'с', 'т', 'у', 'ы', 'й', 'х',
];

/// The shortest word a typo goes into: shorter words must be typed right.
pub const TYPO_MIN_LETTERS: usize = 5;

/// What a typo did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typo {
    Substituted,
    Deleted,
    Transposed,
}

/// The text with one letter substituted, deleted or swapped with the next
/// one, inside one word of at least [`TYPO_MIN_LETTERS`] letters; `None`
/// when it has no such word. `differs` says whether a candidate really
/// differs from the text as the search sees it (a substitution of `й` for
/// `ы` folds to the same letter and would be no typo at all).
pub fn with_typo(
    rng: &mut Rng,
    text: &str,
    differs: impl Fn(&str) -> bool,
) -> Option<(String, Typo)> {
    let words: Vec<&str> = text.split(' ').collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&w| words[w].chars().filter(|c| c.is_alphabetic()).count() >= TYPO_MIN_LETTERS)
        .collect();
    if long.is_empty() {
        return None;
    }
    // A few tries: some draws fold back to the original.
    for _ in 0..16 {
        let w = long[rng.below(long.len())];
        let (word, typo) = typo_in_word(rng, words[w]);
        let mut changed: Vec<&str> = words.clone();
        changed[w] = &word;
        let candidate = changed.join(" ");
        if differs(&candidate) {
            return Some((candidate, typo));
        }
    }
    None
}

fn typo_in_word(rng: &mut Rng, word: &str) -> (String, Typo) {
    let mut chars: Vec<char> = word.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    let i = letters[rng.below(letters.len())];
    let swappable = chars
        .get(i + 1)
        .is_some_and(|c| c.is_alphabetic() && lower(*c) != lower(chars[i]));
    let typo = match rng.below(3) {
        0 => {
            chars.remove(i);
            Typo::Deleted
        }
        1 if swappable => {
            chars.swap(i, i + 1);
            Typo::Transposed
        }
        _ => {
            let alphabet = if is_cyrillic(chars[i]) {
                CYRILLIC_LETTERS
            } else {
                LATIN_LETTERS
            };
            let mut replacement = alphabet[rng.below(alphabet.len())];
            if replacement == lower(chars[i]) {
                replacement = alphabet[(rng.below(alphabet.len() - 1) + 1) % alphabet.len()];
            }
            chars[i] = if chars[i].is_uppercase() {
                replacement.to_uppercase().next().unwrap_or(replacement)
            } else {
                replacement
            };
            Typo::Substituted
        }
    };
    (chars.into_iter().collect(), typo)
}

// ---------------------------------------------------------------------------
// The kinds of query, each measured on its own

/// What a query does to the name, so that each way of typing it wrong is
/// measured on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// The other script than the register shows, one typo in a word of
    /// [`TYPO_MIN_LETTERS`]+ letters (`Бeрекет` for `Bereket ýoly`).
    OtherScriptTypo,
    /// A letter dropped from a word of 3 to 5 letters (`Biim 76` for `Bilim 76`).
    ShortWordDrop,
    /// Two typos in one word of [`TWO_TYPOS_MIN_LETTERS`]+ letters of a
    /// two-word name, the other word right (`Nusaý beekt` for `Nusaý bereket`).
    OneWordOfTwo,
    /// Loan words typed in Cyrillic letter by letter (`Енгинееринг` for
    /// `Engineering`), not as Russian writes them (`Инжиниринг`).
    LetterByLetter,
}

impl Label {
    /// Every label, in the order the reports list them.
    pub const ALL: [Label; 4] = [
        Label::OtherScriptTypo,
        Label::ShortWordDrop,
        Label::OneWordOfTwo,
        Label::LetterByLetter,
    ];

    /// The label's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Label::OtherScriptTypo => "other-script typo",
            Label::ShortWordDrop => "short-word drop",
            Label::OneWordOfTwo => "one word of two misspelt",
            Label::LetterByLetter => "letter-by-letter cyrillic",
        }
    }
}

/// The shortest and longest word a letter is dropped from.
pub const SHORT_WORD_LETTERS: std::ops::RangeInclusive<usize> = 3..=5;

/// The text with one letter dropped from a word of 3 to 5 letters; `None`
/// when it has no such word or no other word (a query of two letters alone
/// asks for nothing).
pub fn short_word_drop(rng: &mut Rng, text: &str) -> Option<String> {
    let words: Vec<&str> = text.split(' ').collect();
    let letters = |word: &str| word.chars().filter(|c| c.is_alphabetic()).count();
    let short: Vec<usize> = (0..words.len())
        .filter(|&w| SHORT_WORD_LETTERS.contains(&letters(words[w])))
        .filter(|&w| words[w].chars().all(char::is_alphabetic))
        .collect();
    if short.is_empty() || words.len() < 2 {
        return None;
    }
    let w = short[rng.below(short.len())];
    let mut chars: Vec<char> = words[w].chars().collect();
    chars.remove(rng.below(chars.len()));
    let dropped: String = chars.into_iter().collect();
    let mut changed = words.clone();
    changed[w] = &dropped;
    Some(changed.join(" "))
}

/// The shortest word two typos go into: two edits in five letters leave
/// three of them, which no one would take for the same word.
pub const TWO_TYPOS_MIN_LETTERS: usize = 6;

/// A two-word name (letters only) with two typos in one of its words of
/// [`TWO_TYPOS_MIN_LETTERS`]+ letters and the other word right; `None` for
/// any other name. `differs` says whether a candidate is two edits away
/// from the text as the search sees it.
pub fn one_word_of_two(
    rng: &mut Rng,
    text: &str,
    differs: impl Fn(&str) -> bool,
) -> Option<String> {
    let words: Vec<&str> = text.split(' ').collect();
    let letters_only = words.iter().all(|w| w.chars().all(char::is_alphabetic));
    if words.len() != 2 || !letters_only {
        return None;
    }
    let long: Vec<usize> = (0..2)
        .filter(|&w| words[w].chars().count() >= TWO_TYPOS_MIN_LETTERS)
        .collect();
    if long.is_empty() {
        return None;
    }
    for _ in 0..16 {
        let w = long[rng.below(long.len())];
        let (once, _) = typo_in_word(rng, words[w]);
        let (twice, _) = typo_in_word(rng, &once);
        let mut changed = words.clone();
        changed[w] = &twice;
        let candidate = changed.join(" ");
        if differs(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// A Turkmen Latin name in Cyrillic with its loan words typed letter by
/// letter (`Altyn Engineering` → `Алтын Енгинееринг`), the other words as
/// Russian writes them; `None` when it has no loan word.
pub fn letter_by_letter(latin: &str) -> Option<String> {
    let words: Vec<&str> = latin.split(' ').collect();
    if !words.iter().any(|w| is_loan(w)) {
        return None;
    }
    let typed: Vec<String> = words
        .iter()
        .map(|word| {
            if is_loan(word) {
                cyrillic_letter_by_letter(word)
            } else {
                to_russian(word)
            }
        })
        .collect();
    Some(typed.join(" "))
}

/// A Latin word typed on a Cyrillic keyboard key by key, as someone who
/// knows the letters and not the Russian spelling does: `c` → `ц`, `e` → `е`,
/// `y` → `й` after a vowel and `ы` otherwise.
fn cyrillic_letter_by_letter(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    let mut previous: Option<char> = None;
    for c in word.chars() {
        let l = lower(c);
        let after_vowel = previous.is_some_and(|p| "aeiouäöü".contains(p));
        let mapped = match l {
            'a' => "а",
            'b' => "б",
            'c' => "ц",
            'd' => "д",
            'e' => "е",
            'f' => "ф",
            'g' => "г",
            'h' => "х",
            'i' => "и",
            'j' => "дж",
            'k' | 'q' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'v' | 'w' => "в",
            'x' => "кс",
            'y' | 'ý' if after_vowel => "й",
            'y' | 'ý' => "ы",
            'z' => "з",
            _ => {
                out.push(c);
                previous = Some(l);
                continue;
            }
        };
        let mut letters = mapped.chars();
        if c != l {
            out.extend(letters.next().into_iter().flat_map(char::to_uppercase));
        }
        out.push_str(letters.as_str());
        previous = Some(l);
    }
    out
}

// ---------------------------------------------------------------------------
// Legal forms

/// The usual abbreviation of a legal form in a script (`HJ`, `ХО`), from the
/// fixture: the first of its abbreviations in that script.
pub fn form_abbreviation(code: &str, script: Script) -> Option<&'static str> {
    let line = LEGAL_FORMS
        .lines()
        .skip(1)
        .find(|line| line.split(',').next() == Some(code))?;
    let abbreviations = line.split(',').nth(3)?;
    abbreviations
        .split('|')
        .find(|a| a.chars().any(is_cyrillic) == (script == Script::Cyrillic))
}

// ---------------------------------------------------------------------------
// Percent-encoding a query parameter

/// Encodes a query parameter value (UTF-8 bytes, everything but the
/// unreserved characters escaped).
pub fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
