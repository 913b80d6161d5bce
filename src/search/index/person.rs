//! People in business, as the index files them.
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
//! A name that gives the given name in full is filed under a third key,
//! without initials (`= orazow aman berdiewic`, `=b orazow aman` when only
//! the patronymic's initial is known). `query::person` asks for them.

use crate::reconcile::normalise;

/// A person's name in parts: the surname, then the given name and the
/// patronymic, each a full word or an initial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    /// The surname.
    pub surname: &'a str,
    /// The given name, or its initial.
    pub given: &'a str,
    /// The patronymic, or its initial, when given.
    pub patronymic: Option<&'a str>,
}

impl<'a> Parts<'a> {
    /// The parts of folded name words, when they are a person's. The surname
    /// is the word shaped like one; when none is (a typo in its ending), the
    /// first full word, as registers write the surname first.
    pub fn of(words: &'a [String]) -> Option<Parts<'a>> {
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
    pub fn initial_key(&self) -> String {
        format!("{} {}", self.surname, initial(self.given))
    }

    /// What this name tells: `ab orazow aman berdiewic`, `a- orazow . -`.
    pub fn compatibility_key(&self) -> String {
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
    pub fn spelt_key(&self) -> Option<String> {
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
    pub fn filled_in_by(self, other: &Parts<'a>) -> Parts<'a> {
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

/// The first letter of a word: its initial.
pub fn initial(word: &str) -> &str {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A name's folded words.
    pub(crate) fn words(text: &str) -> Vec<String> {
        normalise::name(text).tokens
    }

    /// The keys these names of one unit are filed under.
    pub(crate) fn keys_of(names: &[&str]) -> Vec<String> {
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
}
