//! Finding a person as registers write them (`index::person` files each
//! one under keys that say what a name tells).
//!
//! A query builds every key a compatible name could have, most telling
//! first; a contradicting name has none of them. A typo is allowed in the
//! words of a key but not in its initials, which are what tell people apart.
//! The key without initials is met within a typo anywhere in the given
//! name, its first letter too (`Oman` for `Aman`), and within two in a long
//! key: a full name one typo off tells more than a namesake's agreeing
//! initial.

use std::sync::Arc;

use tantivy::query::Query;

use super::clause::{better_of, key_or_near, scored};
use super::spellings::Spellings;
use crate::search::index::lists::ListCache;
use crate::search::index::person::{initial, Parts};
use crate::search::rank::score::{COMPATIBLE, SPELLED_LESS, SURNAME_INITIAL, SURNAME_INITIAL_NEAR};
use crate::search::Fields;

/// The initials and the space after them, where no typo may fall.
const INITIALS: usize = 3;

/// The clauses that find a person by name, when the query words are one:
/// the surname and initial (exactly or within one typo), and, when the query
/// gives a patronymic, the best compatibility key met (see [`COMPATIBLE`]).
pub fn clauses(fields: &Fields, lists: &Arc<ListCache>, words: &[String]) -> Vec<Box<dyn Query>> {
    let Some(parts) = Parts::of(words) else {
        return Vec::new();
    };
    let initial_key = parts.initial_key();
    let near = Spellings::new(fields.name_keys, &initial_key, 1, false, lists);
    let mut clauses = vec![key_or_near(
        fields,
        &initial_key,
        SURNAME_INITIAL,
        near,
        SURNAME_INITIAL_NEAR,
    )];
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
    use crate::search::index::person::tests::{keys_of, words};

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
