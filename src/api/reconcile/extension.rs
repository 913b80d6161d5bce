//! Data extension: the values of chosen properties for matched units, as
//! the unit page shows them today; confidential ones only for register staff.

use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use utoipa::{IntoParams, ToSchema};

use super::queries::{Extension, MAX_BATCH};
use super::{type_named, Named};
use crate::api::error::{ApiError, Code, FieldError, Problem};
use crate::api::params::parse_stat_id_in;
use crate::api::AppState;
use crate::domain::access::Caller;
use crate::domain::attribute::{Attribute, Value};
use crate::domain::survivorship;
use crate::domain::unit::UnitKind;
use crate::store::units::{self, Versions};

/// One property asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ExtendProperty {
    /// The property's id (see `/api/v1/reconcile/extend/propose`).
    #[schema(value_type = Attribute)]
    pub id: String,
}

/// A data extension: units and the properties to fetch for them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ExtendRequest {
    /// The units' stat_ids, at most 1,000.
    #[schema(max_items = 1000, value_type = Vec<String>)]
    pub ids: Vec<String>,
    /// The properties, in the order the columns should have.
    pub properties: Vec<ExtendProperty>,
}

/// The values of one property of one unit: none, or one.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub enum Cell {
    /// Text and codes.
    #[serde(rename = "str")]
    Str(String),
    /// Whole numbers (employees, years).
    #[serde(rename = "int")]
    Int(i64),
    /// Money, in manats.
    #[serde(rename = "float")]
    Float(f64),
    /// Dates, as midnight UTC.
    #[serde(rename = "date")]
    Date(String),
    /// Yes or no.
    #[serde(rename = "bool")]
    Bool(bool),
}

/// The properties' values per unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionAnswer {
    /// The columns: each property asked, in order.
    pub meta: Vec<Named>,
    /// Per stat_id, per property, its values (empty: none known, or withheld).
    #[schema(value_type = BTreeMap<String, BTreeMap<String, Vec<Cell>>>)]
    pub rows: BTreeMap<String, BTreeMap<String, Vec<Json>>>,
    /// Properties asked for that this caller may not see: their values are left empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<Attribute>,
}

/// Fetches the values asked for; each id must be a stat_id, an id the
/// register lacks gets empty values.
pub async fn extend(
    state: &web::Data<AppState>,
    caller: &Caller,
    asked: Extension,
) -> Result<ExtensionAnswer, ApiError> {
    let mut faults = Vec::new();
    let mut ids = Vec::with_capacity(asked.ids.len());
    for (at, id) in asked.ids.iter().enumerate() {
        match parse_stat_id_in(&format!("extend.ids[{at}]"), id) {
            Ok(stat_id) => ids.push((id.clone(), stat_id)),
            Err(error) => faults.extend(error.problem().errors),
        }
    }
    if !faults.is_empty() {
        faults.truncate(50);
        return Err(ApiError::fields(faults));
    }
    let (shown, withheld): (Vec<Attribute>, Vec<Attribute>) = asked
        .properties
        .iter()
        .partition(|attribute| caller.may_see(attribute.disclosure()));
    let today = Utc::now().date_naive();
    let read: Vec<(String, BTreeMap<String, Vec<Json>>)> = state
        .db
        .read(move |conn| {
            ids.into_iter()
                .map(|(id, stat_id)| {
                    let found = units::with_records(conn, stat_id, Versions::HoldingOn(today))?;
                    let records = found.map(|found| found.records).unwrap_or_default();
                    Ok((id, row(&records, &shown, today)))
                })
                .collect()
        })
        .await?;
    let mut rows = BTreeMap::new();
    for (id, mut values) in read {
        for attribute in &withheld {
            values.insert(attribute.as_str().to_owned(), Vec::new());
        }
        rows.insert(id, values);
    }
    Ok(ExtensionAnswer {
        meta: asked.properties.iter().map(|a| property(*a)).collect(),
        rows,
        withheld,
    })
}

/// One unit's values of the properties shown, as the unit page resolves them.
fn row(
    records: &[survivorship::Record],
    shown: &[Attribute],
    today: chrono::NaiveDate,
) -> BTreeMap<String, Vec<Json>> {
    let resolved = survivorship::resolve(records, today);
    shown
        .iter()
        .map(|attribute| {
            let values = resolved
                .iter()
                .find(|r| r.attribute == *attribute)
                .map(|r| vec![cell(&r.chosen.value)])
                .unwrap_or_default();
            (attribute.as_str().to_owned(), values)
        })
        .collect()
}

/// A value as the protocol types it.
pub fn cell(value: &Value) -> Json {
    match value {
        Value::Text(text) => json!({ "str": text }),
        Value::Integer(number) => json!({ "int": number }),
        // Minor units to manats: a spreadsheet wants a number.
        Value::Money(minor) => json!({ "float": *minor as f64 / 100.0 }),
        Value::Date(day) => json!({ "date": format!("{day}T00:00:00Z") }),
        Value::Bool(flag) => json!({ "bool": flag }),
    }
}

/// The properties this caller may fetch, in the catalogue's order.
pub fn visible(caller: &Caller) -> impl Iterator<Item = Attribute> + '_ {
    Attribute::ALL
        .iter()
        .copied()
        .filter(|attribute| caller.may_see(attribute.disclosure()))
}

/// A property as a column: its id and name.
pub fn property(attribute: Attribute) -> Named {
    Named {
        id: attribute.as_str().to_owned(),
        name: property_name(attribute).to_owned(),
    }
}

/// A property's name for people.
pub fn property_name(attribute: Attribute) -> &'static str {
    match attribute {
        Attribute::Name => "Name",
        Attribute::LegalForm => "Legal form",
        Attribute::Tin => "Taxpayer number (TIN)",
        Attribute::RegNumber => "Registration number",
        Attribute::Activity => "Activity (NACE)",
        Attribute::InstitutionalSector => "Institutional sector",
        Attribute::Address => "Address",
        Attribute::Region => "Region",
        Attribute::Status => "Status",
        Attribute::BirthDate => "Registration date",
        Attribute::DeathDate => "Liquidation date",
        Attribute::Employees => "Persons employed",
        Attribute::Turnover => "Turnover (manat)",
        Attribute::TurnoverYear => "Turnover year",
        Attribute::TaxStatus => "Tax status",
        Attribute::VatRegistered => "VAT registered",
    }
}

/// What a property holds, for property suggestions.
pub fn property_description(attribute: Attribute) -> &'static str {
    match attribute.disclosure() {
        crate::domain::attribute::Disclosure::Public => "public",
        crate::domain::attribute::Disclosure::Confidential => "confidential: register staff only",
    }
}

/// The type whose properties are proposed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposeParams {
    /// A unit kind (default `legal_unit`).
    #[serde(rename = "type")]
    #[param(rename = "type", inline, value_type = Option<UnitKind>)]
    kind: Option<String>,
    /// How many properties at most (default all).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// The properties a type's units can be extended with.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposed {
    /// The type.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// Its properties.
    pub properties: Vec<Named>,
    /// The limit applied, if one was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[utoipa::path(
    tag = "reconcile",
    params(ProposeParams),
    responses(
        (status = 200, description = "The properties this caller may fetch", body = Proposed),
        (status = 400, description = "An unknown type or a limit out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// The properties a data extension can fetch: public ones for everybody,
/// confidential ones (employees, turnover…) for register staff too.
#[get("/reconcile/extend/propose")]
pub async fn propose(
    caller: Caller,
    params: web::Query<ProposeParams>,
) -> Result<web::Json<Proposed>, ApiError> {
    let params = params.into_inner();
    let mut errors = Vec::new();
    let kind = match params.kind.as_deref().map(str::parse::<UnitKind>) {
        None => UnitKind::LegalUnit,
        Some(Ok(kind)) => kind,
        Some(Err(unknown)) => {
            errors.push(FieldError::coded(
                Code::UnknownValue,
                "type",
                unknown.to_string(),
            ));
            UnitKind::LegalUnit
        }
    };
    let limit = match params.limit.as_deref().map(str::parse::<usize>) {
        None => None,
        Some(Ok(limit)) if (1..=MAX_BATCH).contains(&limit) => Some(limit),
        Some(_) => {
            errors.push(FieldError::coded(
                Code::OutOfRange,
                "limit",
                format!("must be a whole number from 1 to {MAX_BATCH}"),
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let properties = visible(&caller)
        .take(limit.unwrap_or(usize::MAX))
        .map(property)
        .collect();
    Ok(web::Json(Proposed {
        kind: type_named(kind).id,
        properties,
        limit,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn values_take_the_protocols_types() {
        assert_eq!(cell(&Value::Text("62.01".into())), json!({"str": "62.01"}));
        assert_eq!(cell(&Value::Integer(12)), json!({"int": 12}));
        assert_eq!(cell(&Value::Money(123_456)), json!({"float": 1234.56}));
        let day = NaiveDate::from_ymd_opt(2015, 3, 1).unwrap();
        assert_eq!(
            cell(&Value::Date(day)),
            json!({"date": "2015-03-01T00:00:00Z"})
        );
        assert_eq!(cell(&Value::Bool(true)), json!({"bool": true}));
    }

    #[test]
    fn the_public_is_proposed_public_properties_only() {
        let public: Vec<Attribute> = visible(&Caller::Public).collect();
        assert!(public.contains(&Attribute::Activity));
        assert!(!public.contains(&Attribute::Turnover));
        assert!(!public.contains(&Attribute::Employees));
    }
}
