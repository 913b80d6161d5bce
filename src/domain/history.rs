//! A unit's history: each recorded version and what it changed.

use super::attribute::{Attribute, Values};
use super::survivorship::{valid_on, Record};

/// One step of a unit's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    /// The record version this step recorded.
    pub record: &'a Record,
    /// The attributes it changed compared with the version of the same
    /// source that held before it; every attribute it gives when it is the first.
    pub changed: Vec<Attribute>,
}

/// Each record version with what it changed; `records` must be in recording
/// order (as the store returns them), which breaks ties within one write.
///
/// The version a step is compared with is the one the register believed,
/// just before the step was recorded, for the step's first day (or the day
/// before, when the step starts a new period).
pub fn steps(records: &[Record]) -> Vec<Step<'_>> {
    records
        .iter()
        .enumerate()
        .map(|(position, record)| {
            let earlier = || {
                records[..position].iter().enumerate().filter(|(_, other)| {
                    other.source == record.source
                        && other.source_key == record.source_key
                        && other
                            .superseded_at
                            .is_none_or(|at| at >= record.recorded_at)
                })
            };
            let latest_covering = |day| {
                earlier()
                    .filter(|(_, other)| valid_on(other.valid_from, other.valid_to, day))
                    .max_by_key(|(index, _)| *index)
                    .map(|(_, other)| other)
            };
            let previous = latest_covering(record.valid_from)
                .or_else(|| record.valid_from.pred_opt().and_then(latest_covering));
            let before = previous.map_or_else(Values::default, |p| p.values.clone());
            Step {
                record,
                changed: before.changed_in(&record.values),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::source::{Origin, OriginKind, Source};
    use chrono::{Duration, NaiveDate};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn version(seq: i64, from: &str, to: Option<&str>, name: &str, employees: i64) -> Record {
        Record {
            source: Source::Justice,
            source_key: Some("A1".into()),
            valid_from: day(from),
            valid_to: to.map(day),
            recorded_at: day("2025-01-01").and_hms_opt(0, 0, 0).unwrap() + Duration::seconds(seq),
            superseded_at: None,
            seq,
            origin: Origin::new(OriginKind::Load, seq.to_string()),
            values: Values {
                name: Some(name.into()),
                employees: Some(employees),
                ..Values::default()
            },
        }
    }

    #[test]
    fn a_rename_changes_only_the_name() {
        let mut first = version(1, "2020-01-01", None, "Old", 5);
        // Within one write every version shares the write's seq and time.
        let closed = version(1, "2020-01-01", Some("2024-03-01"), "Old", 5);
        let renamed = version(1, "2024-03-01", None, "New", 5);
        first.superseded_at = Some(first.recorded_at);
        let records = [first, closed, renamed];
        let steps = steps(&records);
        assert_eq!(
            steps[0].changed,
            vec![Attribute::Name, Attribute::Employees]
        );
        let rename = steps
            .iter()
            .find(|s| s.record.valid_from == day("2024-03-01"))
            .unwrap();
        assert_eq!(rename.changed, vec![Attribute::Name]);
        let closing = steps.iter().find(|s| s.record.valid_to.is_some()).unwrap();
        assert!(closing.changed.is_empty());
    }
}
