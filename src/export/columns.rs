//! The columns of the units export: each classified public or confidential,
//! and the list a caller asks for.

use crate::domain::access::Figures;
use crate::domain::attribute::{Attribute, Disclosure};
use crate::domain::text_enum;

text_enum! {
    /// One column of the units export, in the order of a full export.
    Column {
        /// The unit's register id.
        StatId => "stat_id",
        /// Its kind: legal_unit, enterprise, local_unit, enterprise_group.
        Kind => "kind",
        /// Name as registered.
        Name => "name",
        /// Legal form code.
        LegalForm => "legal_form",
        /// Taxpayer number.
        Tin => "tin",
        /// State registration number.
        RegNumber => "reg_number",
        /// Principal activity, NACE Rev. 2.1.
        Activity => "activity",
        /// Institutional sector.
        InstitutionalSector => "institutional_sector",
        /// Address.
        Address => "address",
        /// Region code.
        Region => "region",
        /// Legal status on the date exported.
        Status => "status",
        /// Birth: the registration date.
        BirthDate => "birth_date",
        /// Death: the liquidation or deregistration date.
        DeathDate => "death_date",
        /// Persons employed; a size class for analysts without the exact-figures grant.
        Employees => "employees",
        /// Annual turnover in manats; a band for analysts without the grant.
        Turnover => "turnover",
        /// The year the turnover is for.
        TurnoverYear => "turnover_year",
        /// Status with the tax service.
        TaxStatus => "tax_status",
        /// Registered for VAT.
        VatRegistered => "vat_registered",
        /// For a legal unit: the enterprise it belongs to.
        Enterprise => "enterprise",
        /// Permanent random number in [0, 1), for coordinated sampling.
        Prn => "prn",
    }
}

impl Column {
    /// Who may see the column's values. Every column is classified here, in
    /// one exhaustive match: a new column does not compile until it is.
    pub fn disclosure(self) -> Disclosure {
        use Column::*;
        match self {
            StatId | Kind | Name | LegalForm | Tin | RegNumber | Activity | InstitutionalSector
            | Address | Region | Status | BirthDate | DeathDate | Enterprise => Disclosure::Public,
            // A firm that knew its number would know whether a survey's
            // sample will take it: the numbers stay with the statisticians.
            Employees | Turnover | TurnoverYear | TaxStatus | VatRegistered | Prn => {
                Disclosure::Confidential
            }
        }
    }

    /// The unit attribute the column shows, if it shows one.
    pub fn attribute(self) -> Option<Attribute> {
        use Column::*;
        Some(match self {
            StatId | Kind | Enterprise | Prn => return None,
            Name => Attribute::Name,
            LegalForm => Attribute::LegalForm,
            Tin => Attribute::Tin,
            RegNumber => Attribute::RegNumber,
            Activity => Attribute::Activity,
            InstitutionalSector => Attribute::InstitutionalSector,
            Address => Attribute::Address,
            Region => Attribute::Region,
            Status => Attribute::Status,
            BirthDate => Attribute::BirthDate,
            DeathDate => Attribute::DeathDate,
            Employees => Attribute::Employees,
            Turnover => Attribute::Turnover,
            TurnoverYear => Attribute::TurnoverYear,
            TaxStatus => Attribute::TaxStatus,
            VatRegistered => Attribute::VatRegistered,
        })
    }

    /// Whether the column holds text the sources typed, which a spreadsheet
    /// could take for a formula; numbers, dates and ids the register writes cannot.
    pub fn is_free_text(self) -> bool {
        use Column::*;
        matches!(
            self,
            Name | LegalForm
                | Tin
                | RegNumber
                | Activity
                | InstitutionalSector
                | Address
                | Region
                | Status
                | TaxStatus
        )
    }

    /// Whether the column is a figure that analysts without the grant see banded.
    pub fn is_banded_figure(self) -> bool {
        matches!(self, Column::Employees | Column::Turnover)
    }

    /// Its position in a full row.
    pub fn index(self) -> usize {
        // `ALL` lists the variants in declaration order, which is their number.
        self as usize
    }
}

/// Why a column list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnsError {
    /// A name that is not a column.
    #[error("unknown column {0:?}; columns are: {list}", list = names())]
    Unknown(String),
    /// A column named twice.
    #[error("column {0:?} is named twice")]
    Repeated(String),
    /// A confidential column asked for by a caller who may not see it.
    #[error("column {0:?} is confidential: it needs an admin, statistician or analyst token")]
    Confidential(String),
    /// Nothing asked for.
    #[error("name at least one column")]
    Empty,
}

fn names() -> String {
    Column::ALL
        .iter()
        .map(|column| column.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns to write: those asked for (comma-separated names, in the
/// order given), or every column the caller may see.
pub fn choose(asked: Option<&str>, figures: Figures) -> Result<Vec<Column>, ColumnsError> {
    let visible =
        |column: &Column| column.disclosure() == Disclosure::Public || figures != Figures::Withheld;
    let Some(asked) = asked else {
        return Ok(Column::ALL.iter().copied().filter(visible).collect());
    };
    let mut chosen = Vec::new();
    for name in asked
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let column: Column = name
            .parse()
            .map_err(|_| ColumnsError::Unknown(name.chars().take(64).collect()))?;
        if chosen.contains(&column) {
            return Err(ColumnsError::Repeated(name.to_owned()));
        }
        if !visible(&column) {
            return Err(ColumnsError::Confidential(name.to_owned()));
        }
        chosen.push(column);
    }
    if chosen.is_empty() {
        return Err(ColumnsError::Empty);
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_showing_an_attribute_is_disclosed_as_the_attribute_is() {
        for column in Column::ALL {
            if let Some(attribute) = column.attribute() {
                assert_eq!(column.disclosure(), attribute.disclosure(), "{column}");
            }
        }
    }

    #[test]
    fn every_confidential_attribute_has_a_confidential_column() {
        for attribute in Attribute::ALL {
            let column = Column::ALL
                .iter()
                .find(|column| column.attribute() == Some(*attribute));
            let column = column.unwrap_or_else(|| panic!("{attribute} has no column"));
            assert_eq!(column.disclosure(), attribute.disclosure());
        }
    }

    #[test]
    fn the_public_gets_public_columns_only() {
        let public = choose(None, Figures::Withheld).unwrap();
        assert!(public
            .iter()
            .all(|column| column.disclosure() == Disclosure::Public));
        assert!(public.contains(&Column::Name));
        assert!(!public.contains(&Column::Employees));
        assert!(!public.contains(&Column::Prn));
        let staff = choose(None, Figures::Banded).unwrap();
        assert_eq!(staff, Column::ALL);
    }

    #[test]
    fn a_column_list_is_read_in_order_and_checked() {
        let chosen = choose(Some("name, stat_id"), Figures::Exact).unwrap();
        assert_eq!(chosen, [Column::Name, Column::StatId]);
        assert!(matches!(
            choose(Some("name,colour"), Figures::Exact),
            Err(ColumnsError::Unknown(name)) if name == "colour"
        ));
        assert!(matches!(
            choose(Some("name,name"), Figures::Exact),
            Err(ColumnsError::Repeated(_))
        ));
        assert!(matches!(
            choose(Some("turnover"), Figures::Withheld),
            Err(ColumnsError::Confidential(_))
        ));
        assert_eq!(
            choose(Some(" , "), Figures::Exact),
            Err(ColumnsError::Empty)
        );
    }

    #[test]
    fn index_is_the_position_in_a_full_row() {
        for (position, column) in Column::ALL.iter().enumerate() {
            assert_eq!(column.index(), position);
        }
    }
}
