//! Candidate generation by blocking: never compare all pairs.
//!
//! Every known record is filed under a few keys derived from its profile:
//! its name words (alone and with its region), the first and last four
//! letters of each word (a typo leaves one of them alone), the start of its
//! compact name, and its street with its house number. A new record is
//! compared only with the records sharing keys with it.
//!
//! Names and addresses are separate families of evidence and each brings
//! its own candidates: a renamed enterprise is found at its address, a moved
//! one by its name, and a popular name does not crowd out the one record at
//! the same address.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::score::Profile;

/// A key filed under more records than this is too common to be useful on
/// its own (`Bereket`, `HJ`); its region-qualified twin is used instead.
const CROWDED: usize = 400;
/// Keys filed under at most this many records are walked first.
const SELECTIVE: usize = 100;
/// The share of the candidates kept for records found by their address.
const ADDRESS_SHARE: usize = 3;

/// An in-memory blocking index over record slots (indexes into the caller's list).
#[derive(Debug, Default)]
pub struct Blocker {
    index: HashMap<u64, Vec<u32>, BuildHasherDefault<KeyHasher>>,
}

/// The two families of evidence a key stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Name,
    Address,
}

/// A blocking key, hashed: the index holds no strings.
#[derive(Debug, Clone, Copy)]
struct Key {
    hash: u64,
    family: Family,
    /// Walked even when crowded: qualified by region, so as narrow as it gets.
    regional: bool,
    /// How much sharing it counts for: a neighbouring house number counts half.
    strength: f32,
}

/// How strongly a slot shares keys with the profile, per family.
#[derive(Debug, Default, Clone, Copy)]
struct Hits {
    name: f32,
    address: f32,
}

impl Blocker {
    /// Files a record under its keys.
    pub fn insert(&mut self, slot: u32, profile: &Profile) {
        for key in keys(profile, Use::File) {
            self.index.entry(key.hash).or_default().push(slot);
        }
    }

    /// How many records are filed under a name word (`t`) or a whole compact name (`n`), in any region.
    pub fn count(&self, kind: &str, text: &str) -> usize {
        self.index
            .get(&hash(&[kind, text], None))
            .map_or(0, Vec::len)
    }

    /// The slots sharing keys with the profile, best-sharing first, at most
    /// `limit`: a third of them found by address, the rest by name.
    pub fn candidates(&self, profile: &Profile, limit: usize) -> Vec<u32> {
        let keys = keys(profile, Use::Query);
        let found: Vec<(&Key, &Vec<u32>)> = keys
            .iter()
            .filter_map(|key| {
                let slots = self.index.get(&key.hash)?;
                (key.regional || slots.len() <= CROWDED).then_some((key, slots))
            })
            .collect();
        // A rare shared key says more than many common ones (`-yew` endings,
        // a region's popular words): each key counts by its rarity.
        let mut hits: FxHashMap<u32, Hits> =
            FxHashMap::with_capacity_and_hasher(256, FxBuildHasher);
        for (key, slots) in found.iter().filter(|(_, s)| s.len() <= SELECTIVE) {
            for slot in slots.iter() {
                hits.entry(*slot).or_default().add(key, slots.len());
            }
        }
        // Popular keys bring candidates of their own only when the selective
        // ones found too few. Otherwise they only add to the records already
        // found: of the fifty firms at one house of a long avenue, the one
        // whose popular name words agree comes first. Looking up is cheaper
        // than tallying, and the biggest lists are never walked.
        let bring = hits.len() < limit;
        let popular = found
            .iter()
            .filter(|(_, s)| s.len() > SELECTIVE && s.len() <= CROWDED * 4);
        for (key, slots) in popular {
            for slot in slots.iter() {
                if bring {
                    hits.entry(*slot).or_default().add(key, slots.len());
                } else if let Some(hit) = hits.get_mut(slot) {
                    hit.add(key, slots.len());
                }
            }
        }
        pick(hits, limit)
    }
}

impl Hits {
    /// Counts one shared key, the rarer the more.
    fn add(&mut self, key: &Key, shared_by: usize) {
        let weight = key.strength / (shared_by as f32).sqrt();
        match key.family {
            Family::Name => self.name += weight,
            Family::Address => self.address += weight,
        }
    }
}

/// The best `limit` slots: the best found by address first (up to their
/// share), then the best found by name, then any left.
fn pick(hits: impl IntoIterator<Item = (u32, Hits)>, limit: usize) -> Vec<u32> {
    let better = |a: &(u32, Hits), b: &(u32, Hits)| {
        let total = |h: &Hits| h.name + h.address;
        total(&b.1).total_cmp(&total(&a.1)).then(a.0.cmp(&b.0))
    };
    let mut ranked: Vec<(u32, Hits)> = hits.into_iter().collect();
    let mut by_address: Vec<(u32, Hits)> = ranked
        .iter()
        .filter(|(_, h)| h.address > 0.0)
        .copied()
        .collect();
    best_first(&mut by_address, limit / ADDRESS_SHARE, better);
    best_first(&mut ranked, limit, better);
    let mut picked: Vec<u32> = by_address.iter().map(|(slot, _)| *slot).collect();
    for (slot, _) in &ranked {
        if picked.len() >= limit {
            break;
        }
        if !picked.contains(slot) {
            picked.push(*slot);
        }
    }
    picked
}

/// Keeps the best `keep` entries, sorted; popular names bring thousands of
/// hits and only the few best need ordering.
fn best_first<T>(
    entries: &mut Vec<T>,
    keep: usize,
    better: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) {
    if entries.len() > keep && keep > 0 {
        entries.select_nth_unstable_by(keep - 1, better);
    }
    entries.truncate(keep);
    entries.sort_unstable_by(better);
}

/// Whether keys are made to file a record or to look one up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    File,
    Query,
}

/// The blocking keys of a profile. A record is filed under its keys with
/// and without its region; a lookup uses the region-qualified ones when it
/// knows its region, and the plain ones when it does not.
fn keys(profile: &Profile, purpose: Use) -> Vec<Key> {
    let region = profile.region.as_deref();
    let plain = purpose == Use::File || region.is_none();
    let mut keys = Vec::with_capacity(32);
    let mut push = |family: Family, parts: &[&str], region: Option<&str>, strength| {
        keys.push(Key {
            hash: hash(parts, region),
            family,
            regional: region.is_some(),
            strength,
        });
    };
    for token in profile.name.tokens.iter().filter(|t| t.len() >= 2) {
        push(Family::Name, &["t", token], None, 1.0);
        if let Some(region) = region {
            push(Family::Name, &["t", token], Some(region), 1.0);
            // A typo spoils one end of a word at most: file under both ends.
            if token.len() > 4 {
                push(Family::Name, &["s", &token[..4]], Some(region), 1.0);
                push(
                    Family::Name,
                    &["e", &token[token.len() - 4..]],
                    Some(region),
                    1.0,
                );
            }
        }
    }
    // An entrepreneur is written `A.A. Orazow`, `Orazow Aman` or `Orazow A.`:
    // the surname with the first given initial is the same in all of them,
    // and far rarer than the surname alone.
    if let Some((surname, initial)) = profile.surname_and_initial() {
        let mut buffer = [0_u8; 4];
        let initial: &str = initial.encode_utf8(&mut buffer);
        push(Family::Name, &["p", surname, initial], None, 1.0);
        if region.is_some() {
            push(Family::Name, &["p", surname, initial], region, 1.0);
        }
    }
    let compact = &profile.compact;
    if compact.len() >= 5 {
        let end = compact
            .char_indices()
            .nth(6)
            .map_or(compact.len(), |(at, _)| at);
        push(Family::Name, &["c", &compact[..end]], None, 1.0);
    }
    // The whole name, exactly: rare names are found at once, however crowded their words.
    if !compact.is_empty() {
        push(Family::Name, &["n", compact], None, 1.0);
        if region.is_some() {
            push(Family::Name, &["n", compact], region, 1.0);
        }
    }
    // Many enterprises share a popular name; their addresses tell them apart,
    // so a street with its house number is a key of its own. A lookup also
    // tries the neighbouring house numbers, which sources often get wrong.
    let numbers = profile
        .address
        .iter()
        .filter_map(|t| t.parse::<u32>().ok().map(|n| (t, n)));
    for (number, value) in numbers {
        let mut houses = vec![(number.clone(), 1.0)];
        if purpose == Use::Query {
            houses.push(((value + 1).to_string(), 0.5));
            houses.extend(value.checked_sub(1).map(|n| (n.to_string(), 0.5)));
        }
        let streets = profile
            .address
            .iter()
            .filter(|t| t.len() >= 3 && *t != number);
        for street in streets {
            for (house, strength) in &houses {
                if plain {
                    push(Family::Address, &["a", street, house], None, *strength);
                }
                if region.is_some() {
                    push(Family::Address, &["a", street, house], region, *strength);
                }
            }
        }
    }
    keys.sort_unstable_by_key(|key| key.hash);
    keys.dedup_by_key(|key| key.hash);
    keys
}

/// FNV-1a over the parts, each followed by a separator.
fn hash(parts: &[&str], region: Option<&str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts.iter().chain(region.iter()) {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The keys are hashes already: the map need not hash them again.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
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
    fn an_entrepreneur_written_with_initials_first_is_found_among_namesakes() {
        let mut blocker = Blocker::default();
        // Many Orazows in Ashgabat, none of them at this address.
        for slot in 0..300 {
            let given = ["Berdi", "Merdan", "Serdar"][slot % 3];
            let address = format!("Aşgabat, Oguzhan şaýoly, {slot}");
            let name = format!("Orazow {given}");
            let profile = Profile::new(&name, Some(&address), Some("TM-S"), None, None, None);
            blocker.insert(slot as u32, &profile);
        }
        let written_in_full = Profile::new(
            "Ýeke telekeçi Orazow Aman Berdiýewiç",
            Some("Aşgabat, Garaşsyzlyk şaýoly, 7"),
            Some("TM-S"),
            None,
            Some("IE"),
            None,
        );
        blocker.insert(999, &written_in_full);
        let row = Profile::new(
            "A.B. Orazow",
            Some("Aşgabat, Magtymguly şaýoly, 12"),
            Some("TM-S"),
            None,
            None,
            None,
        );
        assert!(blocker.candidates(&row, 24).contains(&999));
    }

    #[test]
    fn at_a_crowded_address_the_record_sharing_popular_name_words_comes_first() {
        let mut blocker = Blocker::default();
        // Two hundred "Ynamly" firms elsewhere make the word popular, not selective.
        for slot in 0..200 {
            let address = format!("Aşgabat, Azady köçesi, jaý {slot}");
            let profile = Profile::new("Ynamly", Some(&address), Some("TM-S"), None, None, None);
            blocker.insert(slot, &profile);
        }
        // Sixty firms at one house; one of them is an Ynamly too.
        for slot in 1_000..1_060 {
            let name = format!("Firma {slot}");
            let address = "Aşgabat, Bitarap Türkmenistan şaýoly, 196";
            let profile = Profile::new(&name, Some(address), Some("TM-S"), None, None, None);
            blocker.insert(slot, &profile);
        }
        let address = "Aşgabat, Bitarap Türkmenistan şaýoly, 196";
        let firm = Profile::new(
            "Sowda Ynamly",
            Some(address),
            Some("TM-S"),
            None,
            None,
            None,
        );
        blocker.insert(2_000, &firm);
        let row = Profile::new("Ynamly", Some(address), Some("TM-S"), None, None, None);
        assert_eq!(blocker.candidates(&row, 24)[0], 2_000);
    }

    #[test]
    fn a_renamed_enterprise_is_found_at_its_address_among_namesakes() {
        let mut blocker = Blocker::default();
        for slot in 0..30 {
            let address = format!("Aşgabat, Azady köçesi, jaý {slot}");
            let profile = Profile::new("Abadan Design", Some(&address), None, None, None, None);
            blocker.insert(slot, &profile);
        }
        let renamed = Profile::new(
            "Nurly ýol",
            Some("Demirýol köçesi 125"),
            None,
            None,
            None,
            None,
        );
        blocker.insert(99, &renamed);
        let row = Profile::new(
            "Abadan Design HK",
            Some("Demirýol köç., 125"),
            None,
            None,
            None,
            None,
        );
        assert!(blocker.candidates(&row, 6).contains(&99));
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
