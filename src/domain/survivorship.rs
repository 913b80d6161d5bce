//! Choosing the value a unit shows, among what the sources say about it.
//!
//! Every source's value is kept; the one shown for an attribute comes from the
//! first source in that attribute's priority list that has a value on the date
//! asked for. A different value from another source is a conflict: shown with
//! the unit, never dropped.

use chrono::{NaiveDate, NaiveDateTime};

use super::attribute::{Attribute, Value, Values};
use super::source::{Origin, Source};

/// One version of what one source said about one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Who said it.
    pub source: Source,
    /// The source's own key for the unit (tin, reg_number, …), if any.
    pub source_key: Option<String>,
    /// First day it is true in the world.
    pub valid_from: NaiveDate,
    /// First day it is no longer true; `None` while it still is.
    pub valid_to: Option<NaiveDate>,
    /// When the register learnt it.
    pub recorded_at: NaiveDateTime,
    /// When the register replaced this belief by a correction; `None` if it still holds.
    pub superseded_at: Option<NaiveDateTime>,
    /// The change-log sequence number of the change that recorded it.
    pub seq: i64,
    /// The act that recorded it.
    pub origin: Origin,
    /// What was said.
    pub values: Values,
}

/// Whether a validity period `[valid_from, valid_to)` (open when `valid_to`
/// is `None`) contains `date`. Every valid-time check in the register uses it.
pub fn valid_on(valid_from: NaiveDate, valid_to: Option<NaiveDate>, date: NaiveDate) -> bool {
    valid_from <= date && valid_to.is_none_or(|end| date < end)
}

impl Record {
    /// Whether this record is the register's current belief about `date`.
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        self.superseded_at.is_none() && valid_on(self.valid_from, self.valid_to, date)
    }
}

/// The order in which sources are trusted for an attribute (docs/SOURCES.md).
///
/// The register's own staff come first: a statistician's decision is made
/// with all sources in view.
pub fn priority(attribute: Attribute) -> &'static [Source] {
    use Attribute::*;
    use Source::*;
    match attribute {
        Name | LegalForm | RegNumber | BirthDate | Status | DeathDate | Address | Region => {
            &[Register, Justice, Tax, Statistics]
        }
        Tin | TaxStatus | Turnover | TurnoverYear | VatRegistered => {
            &[Register, Tax, Justice, Statistics]
        }
        Activity => &[Register, Statistics, Tax, Justice],
        Employees | InstitutionalSector => &[Register, Statistics],
    }
}

/// A value together with the record that gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<'a> {
    /// The value.
    pub value: Value,
    /// The record it comes from (source, dates, origin).
    pub record: &'a Record,
}

/// The outcome for one attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'a> {
    /// Which attribute.
    pub attribute: Attribute,
    /// The value shown.
    pub chosen: Sourced<'a>,
    /// The other sources' values, in priority order.
    pub others: Vec<Sourced<'a>>,
    /// Whether another source disagrees with the value shown.
    pub conflict: bool,
}

/// Resolves every attribute that at least one source gives on `date`.
pub fn resolve(records: &[Record], date: NaiveDate) -> Vec<Resolved<'_>> {
    let holding: Vec<&Record> = records.iter().filter(|r| r.holds_on(date)).collect();
    Attribute::ALL
        .iter()
        .filter_map(|attribute| resolve_one(&holding, *attribute))
        .collect()
}

fn resolve_one<'a>(holding: &[&'a Record], attribute: Attribute) -> Option<Resolved<'a>> {
    let mut by_priority = priority(attribute)
        .iter()
        .filter_map(|source| latest_value(holding, *source, attribute));
    let chosen = by_priority.next()?;
    let others: Vec<Sourced<'a>> = by_priority.collect();
    let conflict = others
        .iter()
        .any(|other| !chosen.value.agrees_with(&other.value, attribute));
    Some(Resolved {
        attribute,
        chosen,
        others,
        conflict,
    })
}

/// The newest value one source gives for an attribute (latest valid-from, then latest recorded).
fn latest_value<'a>(
    holding: &[&'a Record],
    source: Source,
    attribute: Attribute,
) -> Option<Sourced<'a>> {
    let record = latest_record(holding, source, attribute)?;
    let value = record.values.get(attribute)?;
    Some(Sourced { value, record })
}

/// The newest record of one source that gives the attribute.
fn latest_record<'a>(
    holding: &[&'a Record],
    source: Source,
    attribute: Attribute,
) -> Option<&'a Record> {
    holding
        .iter()
        .copied()
        .filter(|record| record.source == source && record.values.has(attribute))
        .max_by_key(|record| (record.valid_from, record.recorded_at, record.seq))
}

/// The record whose value is shown for an attribute among records that
/// hold: [`resolve`]'s choice, without the other sources' values or the
/// conflicts, for callers that show one value per attribute (exports).
pub fn chosen<'a>(holding: &[&'a Record], attribute: Attribute) -> Option<&'a Record> {
    priority(attribute)
        .iter()
        .find_map(|source| latest_record(holding, *source, attribute))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::source::OriginKind;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn record(source: Source, valid_from: &str, values: Values) -> Record {
        Record {
            source,
            source_key: None,
            valid_from: date(valid_from),
            valid_to: None,
            recorded_at: date("2025-01-01").and_hms_opt(0, 0, 0).unwrap(),
            superseded_at: None,
            seq: 1,
            origin: Origin::new(OriginKind::Load, "1"),
            values,
        }
    }

    fn named(name: &str) -> Values {
        Values {
            name: Some(name.into()),
            ..Values::default()
        }
    }

    #[test]
    fn justice_wins_the_name_and_tax_disagreeing_is_a_conflict() {
        let records = [
            record(Source::Tax, "2020-01-01", named("Ak yol HJ")),
            record(Source::Justice, "2020-01-01", named("Ak ýol")),
        ];
        let resolved = resolve(&records, date("2025-01-01"));
        let name = &resolved[0];
        assert_eq!(name.chosen.value, Value::Text("Ak ýol".into()));
        assert_eq!(name.chosen.record.source, Source::Justice);
        assert_eq!(name.others.len(), 1);
        assert!(name.conflict);
    }

    #[test]
    fn a_less_trusted_source_fills_a_gap() {
        let records = [
            record(Source::Justice, "2020-01-01", named("Ak ýol")),
            record(
                Source::Tax,
                "2020-01-01",
                Values {
                    activity: Some("47".into()),
                    ..Values::default()
                },
            ),
        ];
        let resolved = resolve(&records, date("2025-01-01"));
        let activity = resolved
            .iter()
            .find(|r| r.attribute == Attribute::Activity)
            .unwrap();
        assert_eq!(activity.chosen.record.source, Source::Tax);
        assert!(!activity.conflict);
    }

    #[test]
    fn the_date_picks_the_version_that_held_then() {
        let mut old = record(Source::Justice, "2020-01-01", named("Old name"));
        old.valid_to = Some(date("2024-03-01"));
        let new = record(Source::Justice, "2024-03-01", named("New name"));
        let records = [old, new];
        let before = resolve(&records, date("2024-02-29"));
        let after = resolve(&records, date("2024-03-01"));
        assert_eq!(before[0].chosen.value, Value::Text("Old name".into()));
        assert_eq!(after[0].chosen.value, Value::Text("New name".into()));
        assert!(resolve(&records, date("2019-12-31")).is_empty());
    }

    #[test]
    fn superseded_beliefs_are_not_shown() {
        let mut wrong = record(Source::Justice, "2020-01-01", named("Typo"));
        wrong.superseded_at = Some(date("2025-02-01").and_hms_opt(0, 0, 0).unwrap());
        let right = record(Source::Justice, "2020-01-01", named("Right"));
        let records = [wrong, right];
        let resolved = resolve(&records, date("2025-06-01"));
        assert_eq!(resolved[0].chosen.value, Value::Text("Right".into()));
        assert!(!resolved[0].conflict);
    }

    #[test]
    fn employees_come_from_statistics_only() {
        let records = [record(
            Source::Tax,
            "2020-01-01",
            Values {
                employees: Some(10),
                ..Values::default()
            },
        )];
        assert!(resolve(&records, date("2025-01-01")).is_empty());
    }
}
