//! Business demography over the whole register: one walk of every legal
//! unit counts births, deaths and the active population per year, in total
//! and by each breakdown at once, and the answer is kept until the register
//! changes.
//!
//! Legal units are counted: the EU counts enterprises, and here each
//! enterprise is created with its one legal unit and shows its attributes,
//! so counting legal units counts enterprises without reading the links.
//! Local units are not counted. A unit is grouped by its attributes as
//! shown today (the group of a closed unit is the one it had last).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::domain::demography::{self, Breakdown, Tally, YearCount};
use crate::store::demography::{legal_units_after, lives, UnitLife};
use crate::store::{reference, snapshot, units, AnyConnection, Database, StoreResult};

/// Legal units read per batch: memory stays a few megabytes whatever the
/// register's size.
const BATCH: i64 = 10_000;

/// The counts of every year, in total and per group of each breakdown.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The register version the walk read.
    pub register_version: i64,
    /// The day the units' groups were read for, and deaths judged final on.
    pub as_of: NaiveDate,
    /// How many legal units were walked.
    pub units: u64,
    total: Tally,
    groups: HashMap<Breakdown, BTreeMap<Option<String>, Tally>>,
}

/// One year's counts for one group (or for all units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The calendar year.
    pub year: i32,
    /// The group, when broken down; `None` within a breakdown is the units
    /// without the attribute.
    pub group: Option<String>,
    /// The counts.
    pub count: YearCount,
    /// Whether the year's deaths can no longer be undone by a reactivation.
    pub deaths_final: bool,
}

impl Tables {
    fn new(register_version: i64, as_of: NaiveDate) -> Self {
        Tables {
            register_version,
            as_of,
            units: 0,
            total: Tally::default(),
            groups: Breakdown::ALL
                .iter()
                .map(|by| (*by, BTreeMap::new()))
                .collect(),
        }
    }

    /// Counts one unit's life.
    fn add(&mut self, life: &UnitLife, sections: &HashMap<String, String>) {
        self.units += 1;
        let mut periods = demography::periods(&life.events, life.registered);
        demography::settle(&mut periods, life.shown_end);
        if periods.is_empty() {
            return;
        }
        // Each period costs the same few additions in every tally it goes
        // to: nothing per year, nothing allocated once the groups exist.
        for period in &periods {
            self.total.add(period);
        }
        for (by, groups) in &mut self.groups {
            let group = group_of(life, *by, sections);
            let tally = groups.entry(group).or_default();
            for period in &periods {
                tally.add(period);
            }
        }
    }

    /// The rows from `from` to `to`, by year, then by group (units without
    /// the attribute last); a group with nothing to count in those years is
    /// left out.
    pub fn rows(&self, by: Option<Breakdown>, from: i32, to: i32) -> Vec<Row> {
        let tallies: Vec<(Option<String>, &Tally)> = match by {
            None => vec![(None, &self.total)],
            Some(by) => {
                let groups = &self.groups[&by];
                let named = groups.iter().filter(|(group, _)| group.is_some());
                let unnamed = groups.iter().filter(|(group, _)| group.is_none());
                named
                    .chain(unnamed)
                    .filter(|(_, tally)| !tally.is_empty_between(from, to))
                    .map(|(group, tally)| (group.clone(), tally))
                    .collect()
            }
        };
        let columns: Vec<Vec<(i32, YearCount)>> = tallies
            .iter()
            .map(|(_, tally)| tally.years(from, to))
            .collect();
        let mut rows = Vec::new();
        for index in 0..(to - from + 1).max(0) as usize {
            for ((group, _), years) in tallies.iter().zip(&columns) {
                let Some((year, count)) = years.get(index) else {
                    continue;
                };
                rows.push(Row {
                    year: *year,
                    group: group.clone(),
                    count: *count,
                    deaths_final: demography::deaths_final(*year, self.as_of),
                });
            }
        }
        rows
    }
}

/// The unit's group in a breakdown, as it shows today.
fn group_of(life: &UnitLife, by: Breakdown, sections: &HashMap<String, String>) -> Option<String> {
    match by {
        Breakdown::ActivitySection => section(life.activity.as_deref()?, sections),
        Breakdown::Region => life.region.clone(),
        Breakdown::LegalForm => life.legal_form.clone(),
    }
}

/// The NACE section of an activity code: its division's parent, or the
/// code itself when a source gave only the section letter.
fn section(code: &str, sections: &HashMap<String, String>) -> Option<String> {
    if code.len() == 1 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Some(code.to_owned());
    }
    sections.get(code.get(..2)?).cloned()
}

/// Walks every legal unit and counts them, in one read snapshot so that
/// the counts are those of one register version.
pub fn compute(conn: &mut AnyConnection, today: NaiveDate) -> StoreResult<Tables> {
    snapshot::read(conn, |conn, version| {
        let sections = reference::nace_sections(conn)?;
        let mut tables = Tables::new(version, today);
        let mut after = 0;
        loop {
            let ids = legal_units_after(conn, after, BATCH)?;
            let Some(&last) = ids.last() else {
                return Ok(tables);
            };
            for life in lives(conn, &ids, today)? {
                tables.add(&life, &sections);
            }
            after = last;
        }
    })
}

/// The last tables computed, kept while the register version and the day
/// stay the same.
#[derive(Debug, Default)]
pub struct Cache {
    last: tokio::sync::Mutex<Option<Arc<Tables>>>,
}

impl Cache {
    /// The tables of the register as it is now: from the cache when the
    /// register has not changed since, else from a new walk. Callers
    /// arriving during a walk wait for it instead of starting their own.
    pub async fn tables(&self, db: &Database) -> StoreResult<Arc<Tables>> {
        let today = Utc::now().date_naive();
        let mut last = self.last.lock().await;
        let version = db.read(units::register_version).await?;
        if let Some(tables) = last
            .as_ref()
            .filter(|tables| tables.register_version == version && tables.as_of == today)
        {
            return Ok(tables.clone());
        }
        let started = std::time::Instant::now();
        let tables = Arc::new(db.read(move |conn| compute(conn, today)).await?);
        tracing::info!(
            units = tables.units,
            register_version = tables.register_version,
            seconds = started.elapsed().as_secs_f64(),
            "demography counted"
        );
        *last = Some(tables.clone());
        Ok(tables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_comes_from_the_division_or_is_given() {
        let sections = HashMap::from([("62".to_owned(), "K".to_owned())]);
        assert_eq!(section("62.10", &sections).as_deref(), Some("K"));
        assert_eq!(section("62", &sections).as_deref(), Some("K"));
        assert_eq!(section("J", &sections).as_deref(), Some("J"));
        assert_eq!(section("99.00", &sections), None);
        assert_eq!(section("", &sections), None);
    }
}
