//! How often names repeat: among the generator's entities, and among the
//! names the register shows for its legal units, normalised as the index
//! normalises them. The register's counts give each query its name-only
//! ceiling: a search by name alone can put a unit on a page of ten only if
//! at most ten legal units share its name.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

use sanaw::domain::stat_id::StatId;
use sanaw::domain::unit::UnitKind;
use sanaw::reconcile::normalise;
use sanaw::search::index::document::UnitDocument;
use sanaw::store::AnyConnection;

/// The page a name-only search fills: more namesakes than this and some
/// must fall off it.
pub const PAGE: u32 = 10;

/// Units read per range scan of the register.
const RANGE: i64 = 20_000;

/// Normalised names and how many units have each.
#[derive(Default)]
pub struct Frequencies {
    /// Each name's number.
    index: HashMap<String, u32>,
    /// Units per name, by number.
    counts: Vec<u32>,
    /// Each unit's name number, for names of known units.
    of_unit: HashMap<i64, u32>,
}

impl Frequencies {
    /// Counts one more unit (known or not) with this normalised name.
    pub fn add(&mut self, unit: Option<i64>, key: String) {
        let next = self.counts.len() as u32;
        let number = *self.index.entry(key).or_insert(next);
        if number == next {
            self.counts.push(0);
        }
        self.counts[number as usize] += 1;
        if let Some(unit) = unit {
            self.of_unit.insert(unit, number);
        }
    }

    /// How many units share the unit's name (itself included), or `None`
    /// for a unit not counted.
    pub fn sharing(&self, unit: i64) -> Option<u32> {
        let number = self.of_unit.get(&unit)?;
        Some(self.counts[*number as usize])
    }

    /// Whether a name-only search could put the unit on the first page.
    pub fn within_ceiling(&self, unit: i64) -> bool {
        self.sharing(unit).is_some_and(|n| n <= PAGE)
    }

    /// A line: units, distinct names, the share of units whose name no other
    /// has and of those whose name more than ten share, the commonest names.
    pub fn summary(&self) -> String {
        let units: u64 = self.counts.iter().map(|&c| u64::from(c)).sum();
        let share = |keep: fn(u32) -> bool| {
            let n: u64 = self
                .counts
                .iter()
                .filter(|&&c| keep(c))
                .map(|&c| u64::from(c))
                .sum();
            n as f64 / units.max(1) as f64
        };
        let mut names: Vec<(&String, u32)> = self
            .index
            .iter()
            .map(|(key, &n)| (key, self.counts[n as usize]))
            .collect();
        names.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = names
            .iter()
            .take(5)
            .map(|(key, n)| format!("{key:?} {n}"))
            .collect();
        let at = |rank: usize| names.get(rank - 1).map_or(0, |(_, n)| *n);
        format!(
            "{units} units, {} distinct names; {:.3} of units have a name of their own, \
             {:.3} one shared by more than {PAGE} units; units per name at rank 1, 10, 100, \
             1000, 10000: {}, {}, {}, {}, {}; commonest: {}",
            self.counts.len(),
            share(|c| c == 1),
            share(|c| c > PAGE),
            at(1),
            at(10),
            at(100),
            at(1000),
            at(10000),
            top.join(", ")
        )
    }
}

/// A name as the index compares it.
fn key(text: &str) -> String {
    normalise::name(text).key()
}

/// The names the register shows for these legal units, counted: one range
/// scan per [`RANGE`] unit numbers, each unit's current records resolved to
/// its shown name as the index resolves them.
pub fn shown_names(conn: &mut AnyConnection, legal: &HashSet<i64>) -> Frequencies {
    let mut frequencies = Frequencies::default();
    let (Some(&first), Some(&last)) = (legal.iter().min(), legal.iter().max()) else {
        return frequencies;
    };
    let today = chrono::Utc::now().date_naive();
    let mut from = first;
    while from <= last {
        let to = from + RANGE - 1;
        let records = sanaw::store::units::current_records_between(conn, from, to)
            .expect("current records read");
        let mut by_unit: HashMap<i64, Vec<_>> = HashMap::new();
        for (unit, record) in records {
            if legal.contains(&unit) {
                by_unit.entry(unit).or_default().push(record);
            }
        }
        for (unit, records) in by_unit {
            let stat_id = StatId::from_unit_number(unit);
            let document = UnitDocument::new(stat_id, UnitKind::LegalUnit, &records, today);
            frequencies.add(Some(unit), key(document.name.as_deref().unwrap_or("")));
        }
        from = to + 1;
    }
    frequencies
}
