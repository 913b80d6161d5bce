//! What the search index holds about a unit: its public attributes as shown
//! today, and every name and identifier any source gives or gave it.
//!
//! Confidential figures (employees, turnover) have no field here, so no
//! search answer can carry them, whoever asks. The one thing derived from
//! them, the size class, is a filter and a facet for callers who may see
//! confidential data, never a stored value.

use chrono::NaiveDate;

use crate::domain::attribute::{Attribute, Value};
use crate::domain::size_class::SizeClass;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::{resolve, Record};
use crate::domain::unit::{UnitKind, UnitStatus};
use crate::reconcile::normalise;

/// One unit as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDocument {
    /// The unit.
    pub stat_id: StatId,
    /// What kind of unit.
    pub kind: UnitKind,
    /// The name shown (by source priority).
    pub name: Option<String>,
    /// Every name any source gives or gave, each spelling once: the shown
    /// name first (the indexer relies on it), then current before former.
    pub names: Vec<String>,
    /// Every tin and reg_number any current record gives, and the stat_id.
    pub identifiers: Vec<String>,
    /// The address shown.
    pub address: Option<String>,
    /// The region shown.
    pub region: Option<String>,
    /// The NACE code shown.
    pub activity: Option<String>,
    /// The legal form shown.
    pub legal_form: Option<String>,
    /// The institutional sector shown.
    pub sector: Option<String>,
    /// The legal status: the one shown, else `liquidated` after a death date, else `active`.
    pub status: String,
    /// The registration (birth) date shown.
    pub registered: Option<NaiveDate>,
    /// The size class of the employees shown (confidential).
    pub size_class: Option<SizeClass>,
}

impl UnitDocument {
    /// Builds the document from a unit's records, every version of them.
    pub fn new(stat_id: StatId, kind: UnitKind, records: &[Record], today: NaiveDate) -> Self {
        let current: Vec<Record> = records
            .iter()
            .filter(|record| record.superseded_at.is_none())
            .cloned()
            .collect();
        let resolved = resolve(&current, today);
        let shown = |attribute: Attribute| {
            resolved
                .iter()
                .find(|r| r.attribute == attribute)
                .map(|r| &r.chosen.value)
        };
        let text = |attribute| match shown(attribute) {
            Some(Value::Text(text)) => Some(text.clone()),
            _ => None,
        };
        let died = matches!(shown(Attribute::DeathDate), Some(Value::Date(_)));
        let status = text(Attribute::Status).unwrap_or_else(|| {
            let status = if died {
                UnitStatus::Liquidated
            } else {
                UnitStatus::Active
            };
            status.as_str().to_owned()
        });
        let registered = match shown(Attribute::BirthDate) {
            Some(Value::Date(date)) => Some(*date),
            _ => None,
        };
        let size_class = match shown(Attribute::Employees) {
            Some(Value::Integer(employees)) => SizeClass::of_employees(*employees),
            _ => None,
        };
        let name = text(Attribute::Name);
        UnitDocument {
            stat_id,
            kind,
            names: names(records, name.as_deref(), today),
            identifiers: identifiers(stat_id, &current),
            name,
            address: text(Attribute::Address),
            region: text(Attribute::Region),
            activity: text(Attribute::Activity),
            legal_form: text(Attribute::LegalForm),
            sector: text(Attribute::InstitutionalSector),
            status,
            registered,
            size_class,
        }
    }

    /// How complete the record is: how many of its public attributes have a
    /// value (name, address, region, activity, legal form, sector,
    /// registration date, an identifier beside the stat_id).
    pub fn completeness(&self) -> u8 {
        let given = [
            self.name.is_some(),
            self.address.is_some(),
            self.region.is_some(),
            self.activity.is_some(),
            self.legal_form.is_some(),
            self.sector.is_some(),
            self.registered.is_some(),
            self.identifiers.len() > 1,
        ];
        given.into_iter().filter(|&has| has).count() as u8
    }

    /// The activity code and every level above it, for filters that take a
    /// subtree: `62.10` gives `62.10`, `62.1` and `62`.
    pub fn activity_levels(&self) -> Vec<String> {
        let Some(code) = &self.activity else {
            return Vec::new();
        };
        let mut levels = vec![code.clone()];
        let mut rest = code.as_str();
        while let Some(shorter) = parent_code(rest) {
            levels.push(shorter.to_owned());
            rest = shorter;
        }
        levels
    }
}

/// `62.10` → `62.1` → `62`; a division has no parent code.
fn parent_code(code: &str) -> Option<&str> {
    match code.len() {
        5 => Some(&code[..4]),
        4 => Some(&code[..2]),
        _ => None,
    }
}

/// The shown name first, then every other name of every version, each
/// normalised spelling once: a search finds a unit by its former name too.
fn names(records: &[Record], shown: Option<&str>, today: NaiveDate) -> Vec<String> {
    let mut ordered: Vec<&Record> = records.iter().collect();
    // Names holding today before former ones; newer before older.
    ordered.sort_by_key(|record| {
        let holds = record.superseded_at.is_none() && record.holds_on(today);
        (!holds, std::cmp::Reverse(record.valid_from))
    });
    let mut names: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let candidates = shown
        .into_iter()
        .chain(ordered.iter().filter_map(|r| r.values.name.as_deref()));
    for name in candidates {
        let key = normalise::name(name).key();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        names.push(name.to_owned());
    }
    names
}

fn identifiers(stat_id: StatId, current: &[Record]) -> Vec<String> {
    let mut identifiers = vec![stat_id.to_string()];
    let given = current
        .iter()
        .flat_map(|record| [&record.values.tin, &record.values.reg_number])
        .flatten();
    for identifier in given {
        if !identifiers.contains(identifier) {
            identifiers.push(identifier.clone());
        }
    }
    identifiers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attribute::Values;
    use crate::domain::source::{Origin, OriginKind, Source};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn record(source: Source, from: &str, to: Option<&str>, values: Values) -> Record {
        Record {
            source,
            source_key: None,
            valid_from: day(from),
            valid_to: to.map(day),
            recorded_at: day(from).and_hms_opt(0, 0, 0).unwrap(),
            superseded_at: None,
            seq: 1,
            origin: Origin::new(OriginKind::Load, "load:1"),
            values,
        }
    }

    #[test]
    fn a_unit_is_found_by_its_former_name_and_every_identifier() {
        let old = Values {
            name: Some("«Köne ýol» HJ".into()),
            reg_number: Some("R1".into()),
            ..Values::default()
        };
        let new = Values {
            name: Some("«Täze ýol» HJ".into()),
            reg_number: Some("R1".into()),
            activity: Some("62.10".into()),
            birth_date: Some(day("2010-05-01")),
            ..Values::default()
        };
        let taxed = Values {
            name: Some("ХО «Тäзе йол»".into()),
            tin: Some("123456789012".into()),
            employees: Some(40),
            ..Values::default()
        };
        let surveyed = Values {
            employees: Some(40),
            ..Values::default()
        };
        let records = [
            record(Source::Justice, "2010-05-01", Some("2020-01-01"), old),
            record(Source::Justice, "2020-01-01", None, new),
            record(Source::Tax, "2020-01-01", None, taxed),
            record(Source::Statistics, "2020-01-01", None, surveyed),
        ];
        let stat_id = StatId::from_unit_number(5);
        let document = UnitDocument::new(stat_id, UnitKind::LegalUnit, &records, day("2025-01-01"));
        assert_eq!(document.name.as_deref(), Some("«Täze ýol» HJ"));
        assert_eq!(document.names[0], "«Täze ýol» HJ");
        assert!(document.names.contains(&"«Köne ýol» HJ".to_owned()));
        // The Cyrillic spelling of the same name is the same name.
        assert_eq!(document.names.len(), 2, "{:?}", document.names);
        assert_eq!(
            document.identifiers,
            [stat_id.to_string(), "R1".into(), "123456789012".into()]
        );
        assert_eq!(document.status, "active");
        assert_eq!(document.registered, Some(day("2010-05-01")));
        assert_eq!(document.size_class, Some(SizeClass::Small));
        assert_eq!(document.activity_levels(), ["62.10", "62.1", "62"]);
    }

    #[test]
    fn a_unit_with_a_death_date_and_no_status_is_liquidated() {
        let values = Values {
            name: Some("Bereket".into()),
            death_date: Some(day("2024-02-01")),
            ..Values::default()
        };
        let records = [record(Source::Justice, "2010-01-01", None, values)];
        let stat_id = StatId::from_unit_number(7);
        let document = UnitDocument::new(stat_id, UnitKind::LegalUnit, &records, day("2025-01-01"));
        assert_eq!(document.status, "liquidated");
    }
}
