//! Candidate generation by blocking: never compare all pairs.
//!
//! Every known record is filed under a few keys derived from its profile
//! (its name tokens, the same with its region, the start of its compact
//! name, and the first and last four letters of each word, one of which a
//! typo leaves alone). A new record is compared only with the records
//! sharing keys with it, best-sharing first.

use std::collections::HashMap;

use super::score::Profile;

/// A key filed under more records than this is too common to be useful on
/// its own (`Bereket`, `HJ`); its region-qualified twin is used instead.
const CROWDED: usize = 400;
/// Keys filed under at most this many records are walked first.
const SELECTIVE: usize = 100;

/// An in-memory blocking index over record slots (indexes into the caller's list).
#[derive(Debug, Default)]
pub struct Blocker {
    index: HashMap<String, Vec<u32>>,
}

impl Blocker {
    /// Files a record under its keys.
    pub fn insert(&mut self, slot: u32, profile: &Profile) {
        for key in keys(profile) {
            self.index.entry(key).or_default().push(slot);
        }
    }

    /// The slots sharing keys with the profile, most (and rarest) shared keys first, at most `limit`.
    pub fn candidates(&self, profile: &Profile, limit: usize) -> Vec<u32> {
        // A rare shared key says more than many common ones (`-yew` endings,
        // a region's popular words): each key counts by its rarity.
        let mut hits: HashMap<u32, f32> = HashMap::new();
        let found: Vec<&Vec<u32>> = keys(profile)
            .iter()
            .filter_map(|key| {
                let slots = self.index.get(key)?;
                let regional = key.contains('|');
                (regional || slots.len() <= CROWDED).then_some(slots)
            })
            .collect();
        // Selective keys first; the big regional lists of popular names are
        // walked only when the selective ones gave too few candidates (they
        // are most of the cost of matching).
        for pass_limit in [SELECTIVE, CROWDED * 4] {
            for slots in found.iter().filter(|s| s.len() <= pass_limit) {
                if pass_limit > SELECTIVE && slots.len() <= SELECTIVE {
                    continue;
                }
                let weight = 1.0 / (slots.len() as f32).sqrt();
                for slot in slots.iter() {
                    *hits.entry(*slot).or_default() += weight;
                }
            }
            if hits.len() >= limit {
                break;
            }
        }
        let mut ranked: Vec<(u32, f32)> = hits.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(slot, _)| slot)
            .collect()
    }
}

/// The blocking keys of a profile.
fn keys(profile: &Profile) -> Vec<String> {
    let mut keys = Vec::new();
    let region = profile.region.as_deref().unwrap_or("-");
    for token in profile.name.tokens.iter().filter(|t| t.len() >= 2) {
        keys.push(format!("t:{token}"));
        keys.push(format!("t:{token}|{region}"));
        // A typo spoils one end of a word at most: file under both ends.
        if token.len() > 4 {
            keys.push(format!("s:{}|{region}", &token[..4]));
            keys.push(format!("e:{}|{region}", &token[token.len() - 4..]));
        }
    }
    // Many enterprises share a popular name; their addresses tell them apart,
    // so a street with its house number is a key of its own.
    let numbers = profile
        .address
        .iter()
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()));
    for number in numbers {
        for word in profile
            .address
            .iter()
            .filter(|t| t.len() > 3 && !t.bytes().all(|b| b.is_ascii_digit()))
        {
            keys.push(format!("a:{word}|{number}"));
        }
    }
    let compact = profile.name.compact();
    if compact.len() >= 5 {
        keys.push(format!("c:{}", compact.chars().take(6).collect::<String>()));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, region: &str) -> Profile {
        Profile::new(name, None, Some(region), None, None, None)
    }

    #[test]
    fn the_same_name_in_another_script_is_a_candidate() {
        let mut blocker = Blocker::default();
        blocker.insert(0, &profile("«Ak ýol» HJ", "TM-S"));
        blocker.insert(1, &profile("Nusaý", "TM-S"));
        assert_eq!(blocker.candidates(&profile("ХО «Ак йол»", "TM-S"), 10), [0]);
    }

    #[test]
    fn run_together_words_and_typos_still_meet() {
        let mut blocker = Blocker::default();
        blocker.insert(0, &profile("Altyn ýyldyz", "TM-A"));
        blocker.insert(1, &profile("Gülzemin", "TM-M"));
        assert!(blocker
            .candidates(&profile("Altynýyldyz", "TM-A"), 10)
            .contains(&0));
        assert!(blocker
            .candidates(&profile("Güizemin", "TM-M"), 10)
            .contains(&1));
    }

    #[test]
    fn a_crowded_name_falls_back_to_its_region() {
        let mut blocker = Blocker::default();
        for slot in 0..1_000 {
            let region = if slot % 2 == 0 { "TM-M" } else { "TM-L" };
            blocker.insert(slot, &profile("Bereket", region));
        }
        let found = blocker.candidates(&profile("Bereket", "TM-M"), 2_000);
        assert!(!found.is_empty());
        assert!(found.iter().all(|slot| slot % 2 == 0), "only the Mary ones");
    }

    #[test]
    fn among_many_namesakes_the_one_at_the_same_address_is_found() {
        let mut blocker = Blocker::default();
        for slot in 0..200 {
            let address = format!("Aşgabat, Magtymguly köçesi, jaý {slot}");
            let profile = Profile::new("Ak ýol HJ", Some(&address), Some("TM-S"), None, None, None);
            blocker.insert(slot, &profile);
        }
        let row = Profile::new(
            "ХО «Ак йол»",
            Some("Ашхабад, ул. Магтымгулы, д. 137"),
            Some("TM-S"),
            None,
            None,
            None,
        );
        assert_eq!(blocker.candidates(&row, 3)[0], 137);
    }

    #[test]
    fn candidates_are_capped() {
        let mut blocker = Blocker::default();
        for slot in 0..50 {
            blocker.insert(slot, &profile("Ynam", "TM-S"));
        }
        assert_eq!(blocker.candidates(&profile("Ynam", "TM-S"), 5).len(), 5);
    }
}
