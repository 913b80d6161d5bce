//! People in business, as the index files them and as a query asks for them.
//!
//! One entrepreneur is registered as `Orazow Aman Berdiýewiç`, `Orazow
//! A.B.`, `A. Orazow` or `Orazow Aman`, source by source. Typed in full, the
//! name must find every one of these, and rank them above a namesake whose
//! given name or patronymic says it is somebody else: `Orazow Aman Myradowiç`
//! shares two of the three words but contradicts the third, while `Orazow
//! A.B.` shares one and contradicts nothing.
//!
//! So each person's name is filed under two keys in `name_keys`: the surname
//! and first initial (`orazow a`), which anyone of that surname and initial
//! has, and a compatibility key that says what the name tells: the two
//! initials first, then the surname, the given name (`.` when only its
//! initial is known) and the patronymic (`.` likewise, `-` when none is
//! given): `ab orazow aman berdiewic`, `ab orazow . .`, `a- orazow aman -`.
//! A unit's names fill each other in: `Orazow A.` of a unit that is also
//! `Orazow Aman Berdiýewiç` is filed as the latter, so a contradiction in
//! one name is not hidden by the vagueness of another.
//!
//! A query builds every key a compatible name could have, most telling
//! first; a contradicting name has none of them. A typo is allowed in the
//! words of a key but not in its initials, which are what tell people apart.
//!
//! A name that gives the given name in full is filed under a third key,
//! without initials (`= orazow aman berdiewic`, `=b orazow aman` when only
//! the patronymic's initial is known), which a query meets within a typo
//! anywhere in the given name, its first letter too (`Oman` for `Aman`),
//! and within two in a long key: a full name one typo off tells more than
//! a namesake's agreeing initial.

use std::sync::Arc;

use tantivy::query::Query;

use super::lists::ListCache;
use super::query::{better_of, key_or_near, scored};
use super::spellings::Spellings;
use super::Fields;
use crate::reconcile::normalise;

/// A person's name in parts: the surname, then the given name and the
/// patronymic, each a full word or an initial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    surname: &'a str,
    given: &'a str,
    patronymic: Option<&'a str>,
}

impl<'a> Parts<'a> {
    /// The parts of folded name words, when they are a person's. The surname
    /// is the word shaped like one; when none is (a typo in its ending), the
    /// first full word, as registers write the surname first.
    fn of(words: &'a [String]) -> Option<Parts<'a>> {
        let at = normalise::surname_position(words).or_else(|| {
            if !normalise::looks_like_person(words) {
                return None;
            }
            words.iter().position(|word| word.len() > 1)
        })?;
        let mut others = words
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != at)
            .map(|(_, word)| word.as_str());
        Some(Parts {
            surname: &words[at],
            given: others.next()?,
            patronymic: others.next(),
        })
    }

    /// Surname and first initial: `orazow a`.
    fn initial_key(&self) -> String {
        format!("{} {}", self.surname, initial(self.given))
    }

    /// What this name tells: `ab orazow aman berdiewic`, `a- orazow . -`.
    fn compatibility_key(&self) -> String {
        let shown = |word: &'a str| if word.len() > 1 { word } else { "." };
        format!(
            "{}{} {} {} {}",
            initial(self.given),
            self.patronymic.map_or("-", initial),
            self.surname,
            shown(self.given),
            self.patronymic.map_or("-", shown),
        )
    }

    /// What this name tells without initials, when it gives the given name
    /// in full: `= orazow aman berdiewic`, `=b orazow aman` (the patronymic's
    /// initial only), `=- orazow aman` (none). A query reaches these within
    /// a typo anywhere in the given name, its first letter included, which
    /// the compatibility key cannot forgive: its initials are fixed.
    fn spelt_key(&self) -> Option<String> {
        if self.given.len() < 2 {
            return None;
        }
        let key = match self.patronymic {
            Some(patronymic) if patronymic.len() > 1 => {
                format!("= {} {} {patronymic}", self.surname, self.given)
            }
            Some(initial) => format!("={initial} {} {}", self.surname, self.given),
            None => format!("=- {} {}", self.surname, self.given),
        };
        Some(key)
    }

    /// This name with what `other`, a name of the same person, tells more:
    /// a full given name for an initial, a patronymic for none or an initial.
    fn filled_in_by(self, other: &Parts<'a>) -> Parts<'a> {
        let same_given = initial(self.given) == initial(other.given)
            && (self.given.len() == 1 || other.given.len() == 1 || self.given == other.given);
        if other.surname != self.surname || !same_given {
            return self;
        }
        let given = if self.given.len() == 1 {
            other.given
        } else {
            self.given
        };
        let patronymic = match (self.patronymic, other.patronymic) {
            (None, theirs) => theirs,
            (Some(mine), Some(theirs)) if mine.len() == 1 && initial(theirs) == mine => {
                Some(theirs)
            }
            (mine, _) => mine,
        };
        Parts {
            surname: self.surname,
            given,
            patronymic,
        }
    }
}

fn initial(word: &str) -> &str {
    word.get(..1).unwrap_or(word)
}

/// The keys a unit's names are filed under, each name's folded words
/// given: none for a firm's.
pub fn keys(names: &[&[String]]) -> Vec<String> {
    let people: Vec<Parts> = names.iter().filter_map(|words| Parts::of(words)).collect();
    let mut keys: Vec<String> = Vec::with_capacity(people.len() * 2);
    for parts in &people {
        let full = people
            .iter()
            .fold(*parts, |known, other| known.filled_in_by(other));
        let spelt = full.spelt_key();
        for key in [
            Some(parts.initial_key()),
            Some(full.compatibility_key()),
            spelt,
        ]
        .into_iter()
        .flatten()
        {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Scores of the compatibility keys a query may meet, most telling first:
/// given name and patronymic in full; the given name and the patronymic's
/// initial; the given name and no patronymic; the initials and the
/// patronymic; the initials; the given initial alone. Met within one typo,
/// a key scores [`SPELLED_LESS`] less.
const COMPATIBLE: [f32; 6] = [50.0, 46.0, 42.0, 40.0, 36.0, 32.0];

/// What a key met only within one typo loses.
const SPELLED_LESS: f32 = 2.0;

/// The initials and the space after them, where no typo may fall.
const INITIALS: usize = 3;

/// The clauses that find a person by name, when the query words are one:
/// the surname and initial (16, or 7 within one typo), and, when the query
/// gives a patronymic, the best compatibility key met (see [`COMPATIBLE`]).
pub fn clauses(fields: &Fields, lists: &Arc<ListCache>, words: &[String]) -> Vec<Box<dyn Query>> {
    let Some(parts) = Parts::of(words) else {
        return Vec::new();
    };
    let initial_key = parts.initial_key();
    let near = Spellings::new(fields.name_keys, &initial_key, 1, false, lists);
    let mut clauses = vec![key_or_near(fields, &initial_key, 16.0, near, 7.0)];
    let Some(patronymic) = parts.patronymic else {
        return clauses;
    };
    let mut compatible: Vec<Box<dyn Query>> = compatible_keys(&parts, patronymic)
        .into_iter()
        .map(|(key, score)| compatible_key(fields, lists, &key, score))
        .collect();
    compatible.extend(
        spelt_keys(&parts, patronymic)
            .into_iter()
            .map(|(key, score)| spelt_key(fields, lists, &key, score)),
    );
    clauses.push(better_of(compatible));
    clauses
}

/// The keys without initials (see `Parts::spelt_key`) of names that agree
/// with the query's but for a typo, with their scores: those of the
/// compatibility keys that tell as much, less [`SPELLED_LESS`]. None when
/// the query gives only the given name's initial.
fn spelt_keys(parts: &Parts, patronymic: &str) -> Vec<(String, f32)> {
    let told = |patronymic| Parts {
        patronymic,
        ..*parts
    };
    let mut shapes = Vec::with_capacity(3);
    if patronymic.len() > 1 {
        shapes.push((told(Some(patronymic)), COMPATIBLE[0]));
    }
    shapes.push((told(Some(initial(patronymic))), COMPATIBLE[1]));
    shapes.push((told(None), COMPATIBLE[2]));
    shapes
        .into_iter()
        .filter_map(|(shape, score)| Some((shape.spelt_key()?, score - SPELLED_LESS)))
        .collect()
}

/// One key without initials, met within a typo (two in a long key) but not
/// as it is: a name that has it as it is has the compatibility key too. The
/// marker, the patronymic's initial and the surname's first letter must be
/// as typed, which keeps both the walk and the namesakes few.
fn spelt_key(fields: &Fields, lists: &Arc<ListCache>, key: &str, score: f32) -> Box<dyn Query> {
    let typos = if key.len() >= 20 { 2 } else { 1 };
    let fixed = key.find(' ').map_or(key.len(), |space| space + 2);
    let near = Spellings::new(fields.name_keys, key, typos, false, lists).fixed_start(fixed);
    scored(Box::new(near), score)
}

/// The compatibility keys of names that agree with the query's, with
/// their scores. A key ending in a space is a start: the query gave only
/// an initial there, so any name with that initial agrees.
fn compatible_keys(parts: &Parts, patronymic: &str) -> Vec<(String, f32)> {
    let (surname, given) = (parts.surname, parts.given);
    let (g, p) = (initial(given), initial(patronymic));
    let full_given = given.len() > 1;
    let full_patronymic = patronymic.len() > 1;
    let mut keys = Vec::with_capacity(6);
    if full_given {
        if full_patronymic {
            let full = format!("{g}{p} {surname} {given} {patronymic}");
            keys.push((full, COMPATIBLE[0]));
        } else {
            keys.push((format!("{g}{p} {surname} {given} "), COMPATIBLE[1]));
        }
        keys.push((format!("{g}{p} {surname} {given} ."), COMPATIBLE[1]));
        keys.push((format!("{g}- {surname} {given} -"), COMPATIBLE[2]));
        keys.push((format!("{g}{p} {surname} . ."), COMPATIBLE[4]));
        keys.push((format!("{g}- {surname} . -"), COMPATIBLE[5]));
    } else {
        // Only the given initial typed: any given name with it agrees.
        keys.push((format!("{g}{p} {surname} "), COMPATIBLE[4]));
        keys.push((format!("{g}- {surname} "), COMPATIBLE[5]));
    }
    if full_patronymic {
        keys.push((format!("{g}{p} {surname} . {patronymic}"), COMPATIBLE[3]));
    }
    keys
}

/// One compatibility key: exactly, or within one typo outside the
/// initials, or, for a start, as the start of a key.
fn compatible_key(
    fields: &Fields,
    lists: &Arc<ListCache>,
    key: &str,
    score: f32,
) -> Box<dyn Query> {
    if key.ends_with(' ') {
        let starts = Spellings::new(fields.name_keys, key, 0, true, lists);
        return scored(Box::new(starts.fixed_start(INITIALS)), score);
    }
    let near = Spellings::new(fields.name_keys, key, 1, false, lists).fixed_start(INITIALS);
    key_or_near(fields, key, score, near, score - SPELLED_LESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        normalise::name(text).tokens
    }

    fn keys_of(names: &[&str]) -> Vec<String> {
        let folded: Vec<Vec<String>> = names.iter().map(|name| words(name)).collect();
        let borrowed: Vec<&[String]> = folded.iter().map(Vec::as_slice).collect();
        keys(&borrowed)
    }

    #[test]
    fn every_way_of_writing_a_person_is_filed_by_what_it_tells() {
        assert_eq!(
            keys_of(&["Orazow Aman Berdiýewiç"]),
            [
                "orazow a",
                "ab orazow aman berdiewic",
                "= orazow aman berdiewic"
            ]
        );
        assert_eq!(keys_of(&["Orazow A.B."]), ["orazow a", "ab orazow . ."]);
        assert_eq!(keys_of(&["ИП Оразов А.Б."]), ["orazow a", "ab orazow . ."]);
        assert_eq!(keys_of(&["A. Orazow"]), ["orazow a", "a- orazow . -"]);
        assert_eq!(
            keys_of(&["Оразов Аман"]),
            ["orazow a", "a- orazow aman -", "=- orazow aman"]
        );
        assert_eq!(
            keys_of(&["Aman Orazow"]),
            ["orazow a", "a- orazow aman -", "=- orazow aman"]
        );
        // The patronymic's initial and the full given name, from two sources.
        assert_eq!(
            keys_of(&["Orazow A.B.", "Orazow Aman"]),
            ["orazow a", "ab orazow aman .", "=b orazow aman"]
        );
        assert!(keys_of(&["Altyn Ýol"]).is_empty());
    }

    #[test]
    fn a_units_names_fill_each_other_in() {
        assert_eq!(
            keys_of(&["Orazow A.", "Orazow Aman Berdiýewiç"]),
            [
                "orazow a",
                "ab orazow aman berdiewic",
                "= orazow aman berdiewic"
            ]
        );
        // A name of somebody else (another initial) fills nothing in.
        assert_eq!(
            keys_of(&["Orazow A.", "Orazow Myrat Berdiýewiç"]),
            [
                "orazow a",
                "a- orazow . -",
                "orazow m",
                "mb orazow myrat berdiewic",
                "= orazow myrat berdiewic"
            ]
        );
    }

    #[test]
    fn a_typo_in_the_surname_ending_still_finds_the_surname_first() {
        let typed: Vec<String> = ["orazw", "aman", "berdiewic"].map(String::from).into();
        assert_eq!(
            keys(&[typed.as_slice()]),
            [
                "orazw a",
                "ab orazw aman berdiewic",
                "= orazw aman berdiewic"
            ]
        );
    }

    #[test]
    fn a_full_name_asks_for_every_name_that_agrees_with_it() {
        let typed = words("Orazow Aman Berdiýewiç");
        let parts = Parts::of(&typed).unwrap();
        let asked: Vec<String> = compatible_keys(&parts, "berdiewic")
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        // Every way the same person is filed is asked for...
        for written in [
            "Orazow Aman Berdiýewiç",
            "Orazow A.B.",
            "A. Orazow",
            "Orazow Aman",
        ] {
            let filed = keys_of(&[written]);
            assert!(asked.contains(&filed[1]), "{written}: {filed:?}");
        }
        // ...and no way a namesake who is somebody else is filed.
        for namesake in ["Orazow Aman Myradowiç", "Orazow Myrat", "Orazow A.M."] {
            let filed = keys_of(&[namesake]);
            assert!(!asked.contains(&filed[1]), "{namesake}: {filed:?}");
        }
    }
}
