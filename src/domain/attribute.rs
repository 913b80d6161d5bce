//! The attributes a unit has, how each is disclosed, and their values.

use chrono::NaiveDate;

use super::text_enum;

text_enum! {
    /// One attribute of a unit. Every attribute the register serves or exports
    /// is listed here, and `disclosure` classifies each: adding one without
    /// deciding who may see it does not compile.
    Attribute {
        /// Name as registered.
        Name => "name",
        /// Legal form code (see `/api/v1/legal-forms`).
        LegalForm => "legal_form",
        /// Taxpayer number, 12 digits.
        Tin => "tin",
        /// State registration number from the justice register.
        RegNumber => "reg_number",
        /// Principal activity, a NACE Rev. 2.1 code.
        Activity => "activity",
        /// SNA/ESA institutional sector (S11…S15).
        InstitutionalSector => "institutional_sector",
        /// Address as free text.
        Address => "address",
        /// ISO 3166-2:TM region code.
        Region => "region",
        /// Legal status: active, in_liquidation, liquidated, reorganised, inactive.
        Status => "status",
        /// Birth: the registration date.
        BirthDate => "birth_date",
        /// Death: the liquidation or deregistration date.
        DeathDate => "death_date",
        /// Average number of persons employed.
        Employees => "employees",
        /// Annual turnover in manats.
        Turnover => "turnover",
        /// The year the turnover is for.
        TurnoverYear => "turnover_year",
        /// Status with the tax service: active, suspended, deregistered.
        TaxStatus => "tax_status",
        /// Registered for VAT.
        VatRegistered => "vat_registered",
    }
}

/// Who may see an attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// Anyone, without a token.
    Public,
    /// Register staff only (statistical confidentiality, tax secrecy).
    Confidential,
}

impl Attribute {
    /// The disclosure class of this attribute.
    pub fn disclosure(self) -> Disclosure {
        use Attribute::*;
        match self {
            Name | LegalForm | Tin | RegNumber | Activity | InstitutionalSector | Address
            | Region | Status | BirthDate | DeathDate => Disclosure::Public,
            Employees | Turnover | TurnoverYear | TaxStatus | VatRegistered => {
                Disclosure::Confidential
            }
        }
    }
}

/// One attribute value, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text: names, codes, addresses.
    Text(String),
    /// A whole number: employees, years.
    Integer(i64),
    /// Money in minor units (1/100 manat), so that sums are exact.
    Money(i64),
    /// A calendar date.
    Date(NaiveDate),
    /// Yes or no.
    Bool(bool),
}

impl Value {
    /// The JSON form: money as a decimal string (`"1234.50"`), dates as ISO 8601.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(text) => serde_json::Value::from(text.as_str()),
            Value::Integer(number) => serde_json::Value::from(*number),
            Value::Money(minor) => serde_json::Value::from(format_money(*minor)),
            Value::Date(date) => serde_json::Value::from(date.to_string()),
            Value::Bool(flag) => serde_json::Value::from(*flag),
        }
    }

    /// Whether two sources' values say the same thing for this attribute.
    ///
    /// Text is compared without regard to case and spacing; activity codes
    /// agree when one refines the other (`47` and `47.73`), because a source
    /// that only knows the division does not contradict one that knows the class.
    pub fn agrees_with(&self, other: &Value, attribute: Attribute) -> bool {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) if attribute == Attribute::Activity => {
                a.starts_with(b.as_str()) || b.starts_with(a.as_str())
            }
            (Value::Text(a), Value::Text(b)) => loose_text(a) == loose_text(b),
            _ => self == other,
        }
    }
}

fn loose_text(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formats minor units as a decimal amount with two places.
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// What one source says about a unit: each attribute, or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Values {
    pub name: Option<String>,
    pub legal_form: Option<String>,
    pub tin: Option<String>,
    pub reg_number: Option<String>,
    pub activity: Option<String>,
    pub institutional_sector: Option<String>,
    pub address: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
    pub employees: Option<i64>,
    pub turnover: Option<i64>,
    pub turnover_year: Option<i32>,
    pub tax_status: Option<String>,
    pub vat_registered: Option<bool>,
}

impl Values {
    /// The value of one attribute, if this source gave one.
    pub fn get(&self, attribute: Attribute) -> Option<Value> {
        use Attribute::*;
        let text = |field: &Option<String>| field.clone().map(Value::Text);
        match attribute {
            Name => text(&self.name),
            LegalForm => text(&self.legal_form),
            Tin => text(&self.tin),
            RegNumber => text(&self.reg_number),
            Activity => text(&self.activity),
            InstitutionalSector => text(&self.institutional_sector),
            Address => text(&self.address),
            Region => text(&self.region),
            Status => text(&self.status),
            BirthDate => self.birth_date.map(Value::Date),
            DeathDate => self.death_date.map(Value::Date),
            Employees => self.employees.map(Value::Integer),
            Turnover => self.turnover.map(Value::Money),
            TurnoverYear => self.turnover_year.map(|year| Value::Integer(year.into())),
            TaxStatus => text(&self.tax_status),
            VatRegistered => self.vat_registered.map(Value::Bool),
        }
    }

    /// Whether this source gave a value for the attribute (without copying it).
    pub fn has(&self, attribute: Attribute) -> bool {
        use Attribute::*;
        match attribute {
            Name => self.name.is_some(),
            LegalForm => self.legal_form.is_some(),
            Tin => self.tin.is_some(),
            RegNumber => self.reg_number.is_some(),
            Activity => self.activity.is_some(),
            InstitutionalSector => self.institutional_sector.is_some(),
            Address => self.address.is_some(),
            Region => self.region.is_some(),
            Status => self.status.is_some(),
            BirthDate => self.birth_date.is_some(),
            DeathDate => self.death_date.is_some(),
            Employees => self.employees.is_some(),
            Turnover => self.turnover.is_some(),
            TurnoverYear => self.turnover_year.is_some(),
            TaxStatus => self.tax_status.is_some(),
            VatRegistered => self.vat_registered.is_some(),
        }
    }

    /// Takes one attribute's value (or its absence) from `other`.
    pub fn copy(&mut self, attribute: Attribute, other: &Values) {
        use Attribute::*;
        match attribute {
            Name => self.name.clone_from(&other.name),
            LegalForm => self.legal_form.clone_from(&other.legal_form),
            Tin => self.tin.clone_from(&other.tin),
            RegNumber => self.reg_number.clone_from(&other.reg_number),
            Activity => self.activity.clone_from(&other.activity),
            InstitutionalSector => self
                .institutional_sector
                .clone_from(&other.institutional_sector),
            Address => self.address.clone_from(&other.address),
            Region => self.region.clone_from(&other.region),
            Status => self.status.clone_from(&other.status),
            BirthDate => self.birth_date = other.birth_date,
            DeathDate => self.death_date = other.death_date,
            Employees => self.employees = other.employees,
            Turnover => self.turnover = other.turnover,
            TurnoverYear => self.turnover_year = other.turnover_year,
            TaxStatus => self.tax_status.clone_from(&other.tax_status),
            VatRegistered => self.vat_registered = other.vat_registered,
        }
    }

    /// The attributes whose values differ between `self` and `newer`.
    pub fn changed_in(&self, newer: &Values) -> Vec<Attribute> {
        Attribute::ALL
            .iter()
            .copied()
            .filter(|attribute| self.get(*attribute) != newer.get(*attribute))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_formatted_exactly() {
        assert_eq!(format_money(5_379_494), "53794.94");
        assert_eq!(format_money(5), "0.05");
        assert_eq!(format_money(-150), "-1.50");
    }

    #[test]
    fn confidential_attributes_are_the_figures() {
        let confidential: Vec<_> = Attribute::ALL
            .iter()
            .filter(|a| a.disclosure() == Disclosure::Confidential)
            .map(|a| a.as_str())
            .collect();
        assert_eq!(
            confidential,
            [
                "employees",
                "turnover",
                "turnover_year",
                "tax_status",
                "vat_registered"
            ]
        );
    }

    #[test]
    fn activity_codes_agree_when_one_refines_the_other() {
        let division = Value::Text("47".into());
        let class = Value::Text("47.73".into());
        let other = Value::Text("46.21".into());
        assert!(division.agrees_with(&class, Attribute::Activity));
        assert!(!class.agrees_with(&other, Attribute::Activity));
    }

    #[test]
    fn names_agree_regardless_of_case_and_spacing() {
        let a = Value::Text("Ak  ýol".into());
        let b = Value::Text("AK ÝOL".into());
        assert!(a.agrees_with(&b, Attribute::Name));
    }

    #[test]
    fn copy_takes_every_attribute_and_its_absence() {
        let full = Values {
            name: Some("Ak ýol".into()),
            employees: Some(3),
            vat_registered: Some(true),
            ..Values::default()
        };
        let mut copied = Values {
            address: Some("gone".into()),
            ..Values::default()
        };
        for attribute in Attribute::ALL {
            copied.copy(*attribute, &full);
        }
        assert_eq!(copied, full);
    }

    #[test]
    fn changed_in_lists_only_differences() {
        let old = Values {
            name: Some("Ak ýol".into()),
            employees: Some(3),
            ..Values::default()
        };
        let new = Values {
            name: Some("Ak ýol Plus".into()),
            employees: Some(3),
            ..Values::default()
        };
        assert_eq!(old.changed_in(&new), vec![Attribute::Name]);
    }
}
