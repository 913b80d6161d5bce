//! From a row of an agency extract to what that source says about a unit.
//!
//! Each source has its columns (docs/SOURCES.md); this checks the required ones
//! once per file, then validates and converts every row. A value that cannot
//! be used rejects the row with its column and reason; a value the register
//! merely does not recognise (a region, a legal form) is kept as a note.

use super::extract::{Extract, FileError, Row, RowError};
use super::value;
use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::attribute::Values;
use crate::domain::source::Source;
use crate::domain::stat_id::StatId;
use crate::domain::unit::{is_institutional_sector, TaxStatus, UnitStatus};
use crate::reconcile::normalise;

/// The identifiers a row carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// The register's id, when the source knew it.
    pub stat_id: Option<StatId>,
    /// Taxpayer number, 12 digits.
    pub tin: Option<String>,
    /// Justice registration number, trimmed and upper-cased.
    pub reg_number: Option<String>,
}

/// A validated row, in the register's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    /// Its line in the file (header = 1).
    pub line: u64,
    /// Which source.
    pub source: Source,
    /// Its identifiers.
    pub keys: Keys,
    /// What it says about the unit.
    pub values: Values,
    /// Statistics rows: the survey's reference year.
    pub reference_year: Option<i32>,
    /// Justice rows of branches: the entity they belong to.
    pub parent_reg_number: Option<String>,
    /// Justice rows of merged or taken-over entities: the successor.
    pub successor_reg_number: Option<String>,
    /// Columns the contract does not name, kept as they came.
    pub extra: Vec<(String, String)>,
    /// Values kept aside because the register does not recognise them.
    pub notes: Vec<String>,
}

impl SourceRow {
    /// The source's own key for the row: tin for tax, reg_number for justice,
    /// for statistics the stat_id or tin, else the line (`line:N`).
    pub fn source_key(&self) -> String {
        let keyed = match self.source {
            Source::Tax => self.keys.tin.clone(),
            Source::Justice => self.keys.reg_number.clone(),
            _ => self
                .keys
                .stat_id
                .map(|id| id.to_string())
                .or_else(|| self.keys.tin.clone()),
        };
        keyed.unwrap_or_else(|| format!("line:{}", self.line))
    }
}

/// The columns of one source, as found in one file.
pub struct Mapper {
    source: Source,
    columns: Vec<(&'static str, Option<usize>)>,
    extra: Vec<(usize, String)>,
}

/// The contract's columns per source: (all known, required).
fn contract(source: Source) -> (&'static [&'static str], &'static [&'static str]) {
    match source {
        Source::Tax => (
            &[
                "tin",
                "name",
                "legal_form",
                "reg_number",
                "address",
                "region",
                "activity_code",
                "tax_registration_date",
                "tax_status",
                "deregistration_date",
                "turnover",
                "turnover_year",
                "vat_registered",
            ],
            &["tin", "name"],
        ),
        Source::Justice => (
            &[
                "reg_number",
                "tin",
                "name",
                "legal_form_code",
                "registration_date",
                "status",
                "liquidation_date",
                "address",
                "region",
                "parent_reg_number",
                "successor_reg_number",
            ],
            &["reg_number", "name", "registration_date"],
        ),
        Source::Statistics | Source::Register => (
            &[
                "stat_id",
                "tin",
                "name",
                "activity_code",
                "employees",
                "institutional_sector",
                "reference_year",
                "address",
                "region",
            ],
            &["name", "reference_year"],
        ),
    }
}

impl Mapper {
    /// Checks the file's header against the source's contract.
    pub fn new(source: Source, extract: &Extract) -> Result<Self, FileError> {
        let (known, required) = contract(source);
        extract.require(required)?;
        let columns = known
            .iter()
            .map(|name| (*name, extract.column(name)))
            .collect();
        let extra = extract
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, name)| !name.is_empty() && !known.contains(&name.as_str()))
            .map(|(index, name)| (index, name.clone()))
            .collect();
        Ok(Mapper {
            source,
            columns,
            extra,
        })
    }

    fn field<'r>(&self, row: &'r Row, name: &str) -> Option<&'r str> {
        let index = self.columns.iter().find(|(column, _)| *column == name)?.1;
        row.get(index)
    }

    /// Validates and converts one row.
    pub fn map(&self, row: &Row) -> Result<SourceRow, RowError> {
        let mut reader = Fields {
            mapper: self,
            row,
            notes: Vec::new(),
        };
        // The source's own key is what a row is about: without it, nothing.
        match self.source {
            Source::Tax => {
                reader.required("tin")?;
            }
            Source::Justice => {
                reader.required("reg_number")?;
            }
            Source::Statistics | Source::Register => {}
        }
        let keys = Keys {
            stat_id: reader.parse("stat_id", |t| StatId::parse(t).map_err(|e| e.to_string()))?,
            tin: reader.parse("tin", tin)?,
            reg_number: reader.parse("reg_number", reg_number)?,
        };
        let mut values = Values {
            name: Some(
                reader
                    .required("name")?
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            tin: keys.tin.clone(),
            reg_number: keys.reg_number.clone(),
            address: reader.text("address"),
            region: reader.region(),
            activity: reader.parse("activity_code", |t| {
                canonical_code(Scheme::Nace, t).map_err(|e| e.to_string())
            })?,
            ..Values::default()
        };
        let (mut reference_year, mut parent_reg_number, mut successor_reg_number) =
            (None, None, None);
        match self.source {
            Source::Tax => reader.tax(&mut values)?,
            Source::Justice => {
                reader.required("registration_date")?;
                reader.justice(&mut values)?;
                parent_reg_number = reader.parse("parent_reg_number", reg_number)?;
                successor_reg_number = reader.parse("successor_reg_number", reg_number)?;
            }
            Source::Statistics | Source::Register => {
                reader.required("reference_year")?;
                reference_year = reader.parse("reference_year", value::year)?;
                values.employees = reader.parse("employees", value::count)?;
                values.institutional_sector = reader.parse("institutional_sector", sector)?;
            }
        }
        let extra = self
            .extra
            .iter()
            .filter_map(|(index, name)| Some((name.clone(), row.get(Some(*index))?.to_owned())))
            .collect();
        Ok(SourceRow {
            line: row.line,
            source: self.source,
            keys,
            values,
            reference_year,
            parent_reg_number,
            successor_reg_number,
            extra,
            notes: reader.notes,
        })
    }
}

/// Reads the fields of one row, collecting notes.
struct Fields<'a> {
    mapper: &'a Mapper,
    row: &'a Row,
    notes: Vec<String>,
}

impl Fields<'_> {
    fn text(&self, column: &str) -> Option<String> {
        self.mapper.field(self.row, column).map(str::to_owned)
    }

    fn required(&self, column: &str) -> Result<&str, RowError> {
        self.mapper
            .field(self.row, column)
            .ok_or_else(|| self.error(column, "required, but empty".to_owned()))
    }

    fn parse<T>(
        &self,
        column: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, RowError> {
        self.mapper
            .field(self.row, column)
            .map(|text| parse(text).map_err(|reason| self.error(column, reason)))
            .transpose()
    }

    fn error(&self, column: &str, reason: String) -> RowError {
        RowError {
            line: self.row.line,
            column: Some(column.to_owned()),
            reason,
        }
    }

    fn region(&mut self) -> Option<String> {
        let text = self.mapper.field(self.row, "region")?;
        match normalise::region(text) {
            Some(region) => Some(region.code.to_owned()),
            None => {
                self.notes
                    .push(format!("region: {text:?} is not a region of Turkmenistan"));
                None
            }
        }
    }

    fn legal_form(&mut self, column: &str) -> Option<String> {
        let text = self.mapper.field(self.row, column)?;
        match normalise::legal_form(text) {
            Some(code) => Some(code.to_owned()),
            None => {
                self.notes
                    .push(format!("{column}: {text:?} is not a known legal form"));
                None
            }
        }
    }

    fn tax(&mut self, values: &mut Values) -> Result<(), RowError> {
        values.legal_form = self.legal_form("legal_form");
        values.birth_date = self.parse("tax_registration_date", value::date)?;
        values.tax_status = self.parse("tax_status", word::<TaxStatus>)?;
        values.death_date = self.parse("deregistration_date", value::date)?;
        values.turnover = self.parse("turnover", value::money)?;
        values.turnover_year = self.parse("turnover_year", value::year)?;
        values.vat_registered = self.parse("vat_registered", value::flag)?;
        Ok(())
    }

    fn justice(&mut self, values: &mut Values) -> Result<(), RowError> {
        values.legal_form = self.legal_form("legal_form_code");
        values.birth_date = self.parse("registration_date", value::date)?;
        values.status = self.parse("status", justice_status)?;
        values.death_date = self.parse("liquidation_date", value::date)?;
        Ok(())
    }
}

/// One of an enum's words, in any case.
pub(crate) fn word<T: std::str::FromStr<Err = crate::domain::UnknownWord>>(
    text: &str,
) -> Result<String, String> {
    let lower = text.to_lowercase();
    lower.parse::<T>().map_err(|e| e.to_string())?;
    Ok(lower)
}

/// The justice register's statuses, in the register's words.
fn justice_status(text: &str) -> Result<String, String> {
    let status = match text.to_lowercase().as_str() {
        "registered" => UnitStatus::Active,
        "in_liquidation" => UnitStatus::InLiquidation,
        "liquidated" => UnitStatus::Liquidated,
        "reorganised" => UnitStatus::Reorganised,
        _ => {
            return Err(format!(
                "{text:?} is not a status: expected registered, in_liquidation, liquidated or reorganised"
            ))
        }
    };
    Ok(status.as_str().to_owned())
}

/// A taxpayer number: exactly 12 digits; leading zeros are part of it.
pub(crate) fn tin(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(text.to_owned());
    }
    let shown: String = text.chars().take(20).collect();
    Err(format!(
        "{shown:?} is not a taxpayer number: expected 12 digits"
    ))
}

/// A registration number: letters, digits and `-`, compared upper-cased.
pub(crate) fn reg_number(text: &str) -> Result<String, String> {
    let upper = text.trim().to_uppercase();
    if !upper.is_empty()
        && upper.len() <= 32
        && upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Ok(upper);
    }
    let shown: String = text.chars().take(40).collect();
    Err(format!(
        "{shown:?} is not a registration number: expected letters, digits and -"
    ))
}

/// An institutional sector code, upper-cased.
pub(crate) fn sector(text: &str) -> Result<String, String> {
    let upper = text.trim().to_uppercase();
    if is_institutional_sector(&upper) {
        return Ok(upper);
    }
    Err(format!(
        "{text:?} is not an institutional sector: expected S11 to S15"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn map_all(source: Source, text: &[u8]) -> Vec<Result<SourceRow, RowError>> {
        let extract = Extract::open(std::io::Cursor::new(text.to_vec()), None).unwrap();
        let mapper = Mapper::new(source, &extract).unwrap();
        extract
            .map(|row| row.and_then(|row| mapper.map(&row)))
            .collect()
    }

    #[test]
    fn a_tax_row_in_semicolon_form_with_decimal_commas() {
        let text = "tin;name;legal_form;region;activity_code;tax_status;turnover;turnover_year;vat_registered;inspector\n\
                    012345678901;«Ak ýol» HJ;Hojalyk jemgyýeti;Ашхабад;6210;Active;1 234,50;2024;Y;Aman\n";
        let row = map_all(Source::Tax, text.as_bytes()).remove(0).unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(row.source_key(), "012345678901");
        assert_eq!(row.values.tin.as_deref(), Some("012345678901"));
        assert_eq!(row.values.legal_form.as_deref(), Some("ES"));
        assert_eq!(row.values.region.as_deref(), Some("TM-S"));
        assert_eq!(row.values.activity.as_deref(), Some("62.10"));
        assert_eq!(row.values.tax_status.as_deref(), Some("active"));
        assert_eq!(row.values.turnover, Some(123_450));
        assert_eq!(row.values.vat_registered, Some(true));
        assert_eq!(row.extra, vec![("inspector".to_owned(), "Aman".to_owned())]);
    }

    #[test]
    fn a_justice_branch_with_dotted_dates() {
        let text = "reg_number,name,registration_date,status,liquidation_date,parent_reg_number\n\
                    a-123 ,Ak ýol HJ Mary şahamçasy,26.09.2008,liquidated,01.02.2020,b77\n";
        let row = map_all(Source::Justice, text.as_bytes()).remove(0).unwrap();
        assert_eq!(row.keys.reg_number.as_deref(), Some("A-123"));
        assert_eq!(row.values.birth_date, NaiveDate::from_ymd_opt(2008, 9, 26));
        assert_eq!(row.values.death_date, NaiveDate::from_ymd_opt(2020, 2, 1));
        assert_eq!(row.values.status.as_deref(), Some("liquidated"));
        assert_eq!(row.parent_reg_number.as_deref(), Some("B77"));
    }

    #[test]
    fn a_keyless_statistics_row_is_keyed_by_its_line() {
        let text = "stat_id;tin;name;employees;institutional_sector;reference_year\n;;Bereket;12;s11;2024\n";
        let row = map_all(Source::Statistics, text.as_bytes())
            .remove(0)
            .unwrap();
        assert_eq!(row.source_key(), "line:2");
        assert_eq!(row.values.employees, Some(12));
        assert_eq!(row.values.institutional_sector.as_deref(), Some("S11"));
        assert_eq!(row.reference_year, Some(2024));
    }

    #[test]
    fn bad_values_reject_the_row_naming_column_and_line() {
        let text = "tin,name,turnover,tax_registration_date\n\
                    12345678901,Short tin,,\n\
                    123456789012,,,\n\
                    123456789012,Bad money,12.345,\n\
                    123456789012,Bad date,,2024-13-01\n\
                    123456789012,Good,,\n";
        let results = map_all(Source::Tax, text.as_bytes());
        let errors: Vec<(u64, String)> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| (e.line, e.column.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            errors,
            [
                (2, "tin".into()),
                (3, "name".into()),
                (4, "turnover".into()),
                (5, "tax_registration_date".into())
            ]
        );
        assert!(results[4].is_ok());
    }

    #[test]
    fn unknown_regions_and_legal_forms_are_noted_not_fatal() {
        let text = "tin,name,legal_form,region\n123456789012,X,Mystery Corp,Atlantis\n";
        let row = map_all(Source::Tax, text.as_bytes()).remove(0).unwrap();
        assert_eq!(row.values.region, None);
        assert_eq!(row.notes.len(), 2, "{:?}", row.notes);
    }

    #[test]
    fn a_file_without_its_key_column_is_refused() {
        let extract = Extract::open(
            std::io::Cursor::new(b"name,region\nX,TM-S\n".to_vec()),
            None,
        )
        .unwrap();
        let error = Mapper::new(Source::Tax, &extract).err().unwrap();
        assert_eq!(error.to_string(), "missing required column(s): tin");
    }

    #[test]
    fn the_bundled_samples_map_except_for_their_deliberate_flaws() {
        let samples: [(Source, &[u8]); 3] = [
            (
                Source::Tax,
                include_bytes!("../../fixtures/sources/tax.csv"),
            ),
            (
                Source::Justice,
                include_bytes!("../../fixtures/sources/justice.csv"),
            ),
            (
                Source::Statistics,
                include_bytes!("../../fixtures/sources/statistics.csv"),
            ),
        ];
        for (source, bytes) in samples {
            let results = map_all(source, bytes);
            let rejected: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
            // A few rows carry deliberate defects; the rest must go through.
            assert!(
                rejected.len() * 20 < results.len(),
                "{source}: {rejected:#?}"
            );
        }
    }
}
