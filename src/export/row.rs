//! One unit as an export row: its attributes as shown on a date, whether it
//! passes the filters, and its full row of every column, exact and raw.
//! Pure: no I/O.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use csv::ByteRecord;

use super::columns::Column;
use crate::domain::attribute::{format_money, Attribute, Value};
use crate::domain::size_class::SizeClass;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::{chosen, Record};
use crate::domain::unit::{UnitKind, UnitStatus};
use crate::search::query::Filters;

/// A unit's attributes as shown on one date (by source priority).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    values: Vec<Option<Value>>,
    date: NaiveDate,
}

impl Shown {
    /// The attributes shown on `date` (as [`crate::domain::survivorship::resolve`]
    /// chooses them); none when no record holds then (the unit was not yet,
    /// as far as the register knows).
    pub fn on<'a>(records: impl IntoIterator<Item = &'a Record>, date: NaiveDate) -> Option<Shown> {
        let holding: Vec<&Record> = records
            .into_iter()
            .filter(|record| record.holds_on(date))
            .collect();
        if holding.is_empty() {
            return None;
        }
        let values = Attribute::ALL
            .iter()
            .map(|attribute| chosen(&holding, *attribute)?.values.get(*attribute))
            .collect();
        Some(Shown { values, date })
    }

    /// The value shown for an attribute.
    pub fn value(&self, attribute: Attribute) -> Option<&Value> {
        // `values` follows `Attribute::ALL`, the variants' declaration order.
        self.values[attribute as usize].as_ref()
    }

    fn text(&self, attribute: Attribute) -> Option<&str> {
        match self.value(attribute) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }

    fn date(&self, attribute: Attribute) -> Option<NaiveDate> {
        match self.value(attribute) {
            Some(Value::Date(date)) => Some(*date),
            _ => None,
        }
    }

    /// The legal status: the one shown, else `liquidated` once a death date
    /// has passed, else `active` (as the search index says).
    pub fn status(&self) -> &str {
        if let Some(status) = self.text(Attribute::Status) {
            return status;
        }
        if self.died() {
            return UnitStatus::Liquidated.as_str();
        }
        UnitStatus::Active.as_str()
    }

    fn died(&self) -> bool {
        self.date(Attribute::DeathDate)
            .is_some_and(|death| death <= self.date)
    }

    /// Whether the unit was dead on the date: liquidated, reorganised into
    /// another, or past its death date.
    pub fn is_dead(&self) -> bool {
        self.died() || matches!(self.status(), "liquidated" | "reorganised")
    }

    /// Whether the unit passes every filter. `sections` maps NACE divisions
    /// to their section letters, for a section filter.
    pub fn passes(
        &self,
        kind: UnitKind,
        filters: &Filters,
        sections: &HashMap<String, String>,
    ) -> bool {
        let equal = |wanted: &Option<String>, attribute| {
            wanted
                .as_deref()
                .is_none_or(|wanted| self.text(attribute) == Some(wanted))
        };
        filters
            .kind
            .as_deref()
            .is_none_or(|wanted| kind.as_str() == wanted)
            && filters
                .status
                .as_deref()
                .is_none_or(|wanted| self.status() == wanted)
            && equal(&filters.region, Attribute::Region)
            && equal(&filters.legal_form, Attribute::LegalForm)
            && equal(&filters.sector, Attribute::InstitutionalSector)
            && filters
                .activity
                .as_deref()
                .is_none_or(|wanted| self.has_activity(wanted, sections))
            && filters
                .size_class
                .as_deref()
                .is_none_or(|wanted| self.size_class().is_some_and(|c| c.as_str() == wanted))
            && self.registered_within(filters.registered_from, filters.registered_to)
    }

    /// Whether the activity is `wanted` or under it: a section letter, or
    /// a code at any level (`62` takes `62.10`).
    fn has_activity(&self, wanted: &str, sections: &HashMap<String, String>) -> bool {
        let Some(code) = self.text(Attribute::Activity) else {
            return false;
        };
        if wanted.len() == 1 {
            let division = code.get(..2).unwrap_or(code);
            return sections
                .get(division)
                .is_some_and(|section| section.eq_ignore_ascii_case(wanted));
        }
        code.starts_with(wanted)
    }

    fn size_class(&self) -> Option<SizeClass> {
        match self.value(Attribute::Employees) {
            Some(Value::Integer(employees)) => SizeClass::of_employees(*employees),
            _ => None,
        }
    }

    fn registered_within(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
        if from.is_none() && to.is_none() {
            return true;
        }
        let Some(birth) = self.date(Attribute::BirthDate) else {
            return false;
        };
        from.is_none_or(|from| from <= birth) && to.is_none_or(|to| birth <= to)
    }
}

/// The unit a row is about, besides its attributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    /// The unit.
    pub stat_id: StatId,
    /// What kind of unit.
    pub kind: UnitKind,
    /// Its permanent random number.
    pub prn: f64,
    /// For a legal unit: its enterprise on the date.
    pub enterprise: Option<StatId>,
}

/// Fills `row` with every column of the unit, exact and raw, in
/// [`Column::ALL`] order. `scratch` is reused between rows.
pub fn fill(subject: &Subject, shown: &Shown, row: &mut ByteRecord, scratch: &mut String) {
    row.clear();
    for column in Column::ALL {
        scratch.clear();
        match column {
            Column::StatId => write_display(scratch, subject.stat_id),
            Column::Kind => scratch.push_str(subject.kind.as_str()),
            Column::Enterprise => {
                if let Some(enterprise) = subject.enterprise {
                    write_display(scratch, enterprise);
                }
            }
            Column::Prn => write_display(scratch, subject.prn),
            Column::Status => scratch.push_str(shown.status()),
            _ => {
                if let Some(value) = column.attribute().and_then(|a| shown.value(a)) {
                    write_value(scratch, value);
                }
            }
        }
        row.push_field(scratch.as_bytes());
    }
}

fn write_display(out: &mut String, value: impl std::fmt::Display) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{value}");
}

/// A value as the export writes it: money as a decimal (`1234.50`), dates
/// ISO 8601, booleans `true`/`false`.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Text(text) => out.push_str(text),
        Value::Integer(number) => write_display(out, number),
        Value::Money(minor) => out.push_str(&format_money(*minor)),
        Value::Date(date) => write_display(out, date),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attribute::Values;
    use crate::domain::source::{Origin, OriginKind, Source};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn record(source: Source, from: &str, values: Values) -> Record {
        Record {
            source,
            source_key: None,
            valid_from: day(from),
            valid_to: None,
            recorded_at: day(from).and_hms_opt(0, 0, 0).unwrap(),
            superseded_at: None,
            seq: 1,
            origin: Origin {
                kind: OriginKind::Load,
                reference: None,
            },
            values,
        }
    }

    fn firm() -> Vec<Record> {
        vec![
            record(
                Source::Justice,
                "2010-01-01",
                Values {
                    name: Some("=HYPERLINK(\"x\")".into()),
                    region: Some("TM-S".into()),
                    birth_date: Some(day("2010-01-01")),
                    ..Values::default()
                },
            ),
            record(
                Source::Statistics,
                "2010-01-01",
                Values {
                    employees: Some(42),
                    activity: Some("62.10".into()),
                    ..Values::default()
                },
            ),
            record(
                Source::Justice,
                "2020-06-01",
                Values {
                    death_date: Some(day("2020-06-01")),
                    ..Values::default()
                },
            ),
        ]
    }

    fn filters() -> Filters {
        Filters::default()
    }

    #[test]
    fn an_attribute_s_number_is_its_place_in_all() {
        for (position, attribute) in Attribute::ALL.iter().enumerate() {
            assert_eq!(*attribute as usize, position);
        }
    }

    #[test]
    fn a_unit_is_shown_as_of_a_date() {
        let records = firm();
        assert!(Shown::on(&records, day("2009-12-31")).is_none());
        let alive = Shown::on(&records, day("2015-01-01")).unwrap();
        assert_eq!(alive.status(), "active");
        assert!(!alive.is_dead());
        let dead = Shown::on(&records, day("2021-01-01")).unwrap();
        assert_eq!(dead.status(), "liquidated");
        assert!(dead.is_dead());
    }

    #[test]
    fn filters_take_sections_code_prefixes_and_birth_dates() {
        let shown = Shown::on(&firm(), day("2015-01-01")).unwrap();
        let sections = HashMap::from([("62".to_owned(), "J".to_owned())]);
        let with = |change: fn(&mut Filters)| {
            let mut f = filters();
            change(&mut f);
            shown.passes(UnitKind::LegalUnit, &f, &sections)
        };
        assert!(with(|f| f.activity = Some("J".into())));
        assert!(with(|f| f.activity = Some("62".into())));
        assert!(!with(|f| f.activity = Some("K".into())));
        assert!(with(|f| f.region = Some("TM-S".into())));
        assert!(!with(|f| f.region = Some("TM-A".into())));
        assert!(with(|f| f.size_class = Some("small".into())));
        assert!(!with(|f| f.kind = Some("enterprise".into())));
        assert!(with(|f| f.registered_from = Some(day("2009-01-01"))));
        assert!(!with(|f| f.registered_to = Some(day("2009-01-01"))));
    }

    #[test]
    fn a_full_row_holds_every_column_raw() {
        let shown = Shown::on(&firm(), day("2021-01-01")).unwrap();
        let subject = Subject {
            stat_id: StatId::from_unit_number(1),
            kind: UnitKind::LegalUnit,
            prn: 0.25,
            enterprise: Some(StatId::from_unit_number(2)),
        };
        let mut row = ByteRecord::new();
        fill(&subject, &shown, &mut row, &mut String::new());
        assert_eq!(row.len(), Column::ALL.len());
        let cell = |column: Column| {
            std::str::from_utf8(&row[column.index()])
                .unwrap()
                .to_owned()
        };
        assert_eq!(cell(Column::Name), "=HYPERLINK(\"x\")");
        assert_eq!(cell(Column::Employees), "42");
        assert_eq!(cell(Column::DeathDate), "2020-06-01");
        assert_eq!(cell(Column::Status), "liquidated");
        assert_eq!(cell(Column::Prn), "0.25");
        assert_eq!(
            cell(Column::StatId),
            StatId::from_unit_number(1).to_string()
        );
        assert_eq!(
            cell(Column::Enterprise),
            StatId::from_unit_number(2).to_string()
        );
        assert_eq!(cell(Column::Turnover), "");
    }
}
