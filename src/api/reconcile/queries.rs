//! Reading the JSON a reconciliation client sends (`queries`, `extend`),
//! every fault named with its path, e.g. `queries.q3.properties[0].pid`.

use serde_json::{Map, Value};

use crate::api::error::{Code, FieldError};
use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::attribute::Attribute;
use crate::domain::region;
use crate::domain::unit::UnitKind;
use crate::lookup::Lookup;

/// The most queries (or ids to extend) one request takes: OpenRefine sends
/// ten at a time by default, a script may send a sheet's thousand rows.
pub const MAX_BATCH: usize = 1000;
/// The most candidates one query may ask for.
pub const MAX_LIMIT: usize = 25;
/// Candidates when a query gives no `limit`.
pub const DEFAULT_LIMIT: usize = 5;
/// The longest query text accepted; a property value is cut to this length.
pub const MAX_TEXT: usize = 200;
/// The longest part of a client's key or field name an error repeats.
const MAX_KEY: usize = 64;
/// The most faults one answer lists: the first ones tell what is wrong.
const MAX_FAULTS: usize = 50;

/// The unit kinds a query's `type` may name: those the matcher scores.
pub const TYPES: [UnitKind; 2] = [UnitKind::LegalUnit, UnitKind::LocalUnit];

/// The properties a query may give as evidence, by `pid`.
pub const QUERY_PROPERTIES: [Attribute; 6] = [
    Attribute::Tin,
    Attribute::RegNumber,
    Attribute::Region,
    Attribute::Activity,
    Attribute::Address,
    Attribute::LegalForm,
];

/// A request's JSON text, parsed, or the fault naming `field`.
pub fn json(field: &str, text: &str) -> Result<Value, FieldError> {
    serde_json::from_str(text).map_err(|error| {
        FieldError::coded(Code::InvalidBody, field, format!("not valid JSON: {error}"))
    })
}

/// The queries of a batch, each with its key, in the order given; or every
/// fault found (the first [`MAX_FAULTS`]).
pub fn queries(value: &Value) -> Result<Vec<(String, Lookup)>, Vec<FieldError>> {
    let Some(map) = value.as_object() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            "queries",
            "must be a JSON object of queries by key, e.g. {\"q0\": {\"query\": \"…\"}}",
        )]);
    };
    if map.len() > MAX_BATCH {
        return Err(vec![FieldError::coded(
            Code::TooManyQueries,
            "queries",
            format!(
                "{} queries; one request takes at most {MAX_BATCH}",
                map.len()
            ),
        )]);
    }
    let mut faults = Vec::new();
    let mut lookups = Vec::with_capacity(map.len());
    for (key, query) in map {
        let field = format!("queries.{}", cut(key, MAX_KEY));
        match lookup(&field, query) {
            Ok(lookup) => lookups.push((key.clone(), lookup)),
            Err(mut found) => faults.append(&mut found),
        }
    }
    if faults.is_empty() {
        return Ok(lookups);
    }
    faults.truncate(MAX_FAULTS);
    Err(faults)
}

/// One query: `query`, and optionally `type`, `limit`, `properties`, `type_strict`.
fn lookup(field: &str, value: &Value) -> Result<Lookup, Vec<FieldError>> {
    let Some(query) = value.as_object() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            field,
            "must be an object with `query`",
        )]);
    };
    let mut faults = Vec::new();
    let mut lookup = Lookup {
        limit: DEFAULT_LIMIT,
        ..Lookup::default()
    };
    for (name, value) in query {
        let at = format!("{field}.{}", cut(name, MAX_KEY));
        let optional = matches!(
            name.as_str(),
            "type" | "limit" | "type_strict" | "properties"
        );
        if optional && value.is_null() {
            continue;
        }
        let read = match name.as_str() {
            "query" => text(&at, value).map(|text| lookup.name = text),
            "type" => kind(&at, value).map(|kind| lookup.kind = kind),
            "limit" => limit(&at, value).map(|limit| lookup.limit = limit),
            "type_strict" => type_strict(&at, value),
            "properties" => properties(&at, value, &mut lookup),
            _ => Err(vec![FieldError::coded(
                Code::UnknownParameter,
                &at,
                "a query takes query, type, limit, properties and type_strict",
            )]),
        };
        if let Err(mut found) = read {
            faults.append(&mut found);
        }
    }
    if !query.contains_key("query") {
        faults.push(FieldError::coded(
            Code::MissingValue,
            format!("{field}.query"),
            "every query needs its text (it may be empty when properties give a tin or reg_number)",
        ));
    }
    if faults.is_empty() {
        Ok(lookup)
    } else {
        Err(faults)
    }
}

/// A text of at most [`MAX_TEXT`] characters.
fn text(field: &str, value: &Value) -> Result<String, Vec<FieldError>> {
    let Some(text) = value.as_str() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            field,
            "must be a string",
        )]);
    };
    if text.chars().count() > MAX_TEXT {
        return Err(vec![FieldError::coded(
            Code::TooLong,
            field,
            format!("at most {MAX_TEXT} characters"),
        )]);
    }
    Ok(text.to_owned())
}

/// A unit kind the matcher scores.
fn kind(field: &str, value: &Value) -> Result<Option<UnitKind>, Vec<FieldError>> {
    if value.is_null() {
        return Ok(None);
    }
    let given = value.as_str().unwrap_or_default();
    match TYPES.iter().find(|kind| kind.as_str() == given) {
        Some(kind) => Ok(Some(*kind)),
        None => Err(vec![FieldError::coded(
            Code::UnknownValue,
            field,
            format!(
                "{:?} is not a type this service reconciles against: legal_unit or local_unit",
                cut(&value.to_string(), 32)
            ),
        )]),
    }
}

/// A limit from 1 to [`MAX_LIMIT`].
fn limit(field: &str, value: &Value) -> Result<usize, Vec<FieldError>> {
    match value.as_u64() {
        Some(limit) if (1..=MAX_LIMIT as u64).contains(&limit) => Ok(limit as usize),
        _ => Err(vec![FieldError::coded(
            Code::OutOfRange,
            field,
            format!("must be a whole number from 1 to {MAX_LIMIT}"),
        )]),
    }
}

/// `type_strict` as the protocol spells it; with one type per query, all three mean the same.
fn type_strict(field: &str, value: &Value) -> Result<(), Vec<FieldError>> {
    match value.as_str() {
        Some("any" | "all" | "should") => Ok(()),
        _ => Err(vec![FieldError::coded(
            Code::UnknownValue,
            field,
            "must be any, all or should",
        )]),
    }
}

/// `properties`: `[{"pid": …, "v": …}]`, each pid one of [`QUERY_PROPERTIES`].
fn properties(field: &str, value: &Value, lookup: &mut Lookup) -> Result<(), Vec<FieldError>> {
    let Some(list) = value.as_array() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            field,
            "must be an array of {\"pid\": …, \"v\": …}",
        )]);
    };
    let mut faults = Vec::new();
    for (at, property) in list.iter().enumerate() {
        let field = format!("{field}[{at}]");
        if let Err(mut found) = property_into(&field, property, lookup) {
            faults.append(&mut found);
        }
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(faults)
    }
}

/// One property, filed into the lookup; a value the register cannot read
/// (a region it does not have) adds no evidence rather than failing the batch.
fn property_into(field: &str, value: &Value, lookup: &mut Lookup) -> Result<(), Vec<FieldError>> {
    let Some(property) = value.as_object() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            field,
            "must be an object {\"pid\": …, \"v\": …}",
        )]);
    };
    if let Some(extra) = property
        .keys()
        .find(|key| !matches!(key.as_str(), "pid" | "v"))
    {
        return Err(vec![FieldError::coded(
            Code::UnknownParameter,
            format!("{field}.{}", cut(extra, MAX_KEY)),
            "a property takes pid and v",
        )]);
    }
    let attribute = property_id(&format!("{field}.pid"), property.get("pid"))?;
    let Some(value) = property_value(&format!("{field}.v"), property.get("v"))? else {
        return Ok(());
    };
    let slot = match attribute {
        Attribute::Tin => &mut lookup.tin,
        Attribute::RegNumber => &mut lookup.reg_number,
        Attribute::Region => &mut lookup.region,
        Attribute::Activity => &mut lookup.activity,
        Attribute::Address => &mut lookup.address,
        _ => &mut lookup.legal_form,
    };
    let value = match attribute {
        Attribute::Region => region_code(&value),
        Attribute::Activity => canonical_code(Scheme::Nace, &value).ok(),
        _ => Some(value),
    };
    // The first value of a property counts, as a row has one value per column.
    if slot.is_none() {
        *slot = value;
    }
    Ok(())
}

/// A `pid` naming one of the query properties.
fn property_id(field: &str, value: Option<&Value>) -> Result<Attribute, Vec<FieldError>> {
    let Some(value) = value else {
        return Err(vec![FieldError::coded(
            Code::MissingValue,
            field,
            "every property needs its pid",
        )]);
    };
    let given = value.as_str().unwrap_or_default();
    QUERY_PROPERTIES
        .iter()
        .copied()
        .find(|attribute| attribute.as_str() == given)
        .ok_or_else(|| {
            vec![FieldError::coded(
                Code::UnknownProperty,
                field,
                format!(
                    "{} is not a property queries take: {}",
                    cut(&value.to_string(), 32),
                    names(&QUERY_PROPERTIES)
                ),
            )]
        })
}

/// A property's value as text: a string, a number, a reconciled cell's
/// `{"id", "name"}` (its name), or a list of them (the first); empty is none.
fn property_value(field: &str, value: Option<&Value>) -> Result<Option<String>, Vec<FieldError>> {
    let Some(value) = value else {
        return Err(vec![FieldError::coded(
            Code::MissingValue,
            field,
            "every property needs its value v",
        )]);
    };
    let wrong = || {
        vec![FieldError::coded(
            Code::InvalidBody,
            field,
            "must be a string, a number, {\"id\", \"name\"} or a list of strings",
        )]
    };
    let text = match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Array(values) => {
            if !values.iter().all(Value::is_string) {
                return Err(wrong());
            }
            values.first().and_then(Value::as_str).map(str::to_owned)
        }
        Value::Object(cell) => {
            let fits = cell.iter().all(|(key, value)| {
                matches!(key.as_str(), "id" | "name") && (value.is_string() || value.is_null())
            });
            if !fits {
                return Err(wrong());
            }
            cell.get("name")
                .and_then(Value::as_str)
                .or_else(|| cell.get("id").and_then(Value::as_str))
                .map(str::to_owned)
        }
        Value::Null | Value::Bool(_) => return Err(wrong()),
    };
    // No identifier, code or address is longer; what is beyond adds no evidence.
    Ok(text
        .map(|t| cut(t.trim(), MAX_TEXT))
        .filter(|t| !t.is_empty()))
}

/// A region by its code or its name in either language, in any letter case.
fn region_code(text: &str) -> Option<String> {
    let folded = text.trim().to_lowercase();
    region::REGIONS
        .iter()
        .find(|region| {
            region.code.to_lowercase() == folded
                || region.name_tk.to_lowercase() == folded
                || region.name_ru.to_lowercase() == folded
        })
        .map(|region| region.code.to_owned())
}

/// What a data extension asks for: the units' ids and the properties' ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// The units, as given.
    pub ids: Vec<String>,
    /// The properties, in the order asked.
    pub properties: Vec<Attribute>,
}

/// Reads `extend`: `{"ids": [...], "properties": [{"id": …}, …]}`.
pub fn extension(value: &Value) -> Result<Extension, Vec<FieldError>> {
    let Some(map) = value.as_object() else {
        return Err(vec![FieldError::coded(
            Code::InvalidBody,
            "extend",
            "must be a JSON object {\"ids\": [...], \"properties\": [{\"id\": …}]}",
        )]);
    };
    let mut faults = Vec::new();
    if let Some(extra) = map
        .keys()
        .find(|key| !matches!(key.as_str(), "ids" | "properties"))
    {
        faults.push(FieldError::coded(
            Code::UnknownParameter,
            format!("extend.{}", cut(extra, MAX_KEY)),
            "an extension takes ids and properties",
        ));
    }
    let ids = extension_ids(map, &mut faults);
    let properties = extension_properties(map, &mut faults);
    if !faults.is_empty() {
        faults.truncate(MAX_FAULTS);
        return Err(faults);
    }
    Ok(Extension { ids, properties })
}

/// `extend.ids`: at most [`MAX_BATCH`] strings.
fn extension_ids(map: &Map<String, Value>, faults: &mut Vec<FieldError>) -> Vec<String> {
    let Some(list) = map.get("ids").and_then(Value::as_array) else {
        faults.push(FieldError::coded(
            Code::MissingValue,
            "extend.ids",
            "must be an array of stat_ids",
        ));
        return Vec::new();
    };
    if list.len() > MAX_BATCH {
        faults.push(FieldError::coded(
            Code::TooManyQueries,
            "extend.ids",
            format!("{} ids; one request takes at most {MAX_BATCH}", list.len()),
        ));
        return Vec::new();
    }
    let mut ids = Vec::with_capacity(list.len());
    for (at, id) in list.iter().enumerate() {
        match id.as_str() {
            Some(id) => ids.push(id.to_owned()),
            None => faults.push(FieldError::coded(
                Code::InvalidBody,
                format!("extend.ids[{at}]"),
                "must be a stat_id as a string",
            )),
        }
    }
    ids
}

/// `extend.properties`: `[{"id": …}]`, each an attribute.
fn extension_properties(map: &Map<String, Value>, faults: &mut Vec<FieldError>) -> Vec<Attribute> {
    let Some(list) = map.get("properties").and_then(Value::as_array) else {
        faults.push(FieldError::coded(
            Code::MissingValue,
            "extend.properties",
            "must be an array of {\"id\": …}",
        ));
        return Vec::new();
    };
    let mut properties = Vec::new();
    for (at, property) in list.iter().enumerate().take(MAX_BATCH) {
        let field = format!("extend.properties[{at}].id");
        if let Some(extra) = property
            .as_object()
            .and_then(|fields| fields.keys().find(|key| key.as_str() != "id"))
        {
            faults.push(FieldError::coded(
                Code::UnknownParameter,
                format!("extend.properties[{at}].{}", cut(extra, MAX_KEY)),
                "a property takes id",
            ));
            continue;
        }
        let given = property.get("id").and_then(Value::as_str);
        match given.and_then(|id| id.parse::<Attribute>().ok()) {
            Some(attribute) if !properties.contains(&attribute) => properties.push(attribute),
            Some(_) => {}
            None => faults.push(FieldError::coded(
                Code::UnknownProperty,
                field,
                format!(
                    "{} is not a property: {}",
                    cut(given.unwrap_or("(none)"), 32),
                    names(Attribute::ALL)
                ),
            )),
        }
    }
    properties
}

/// Property ids, comma-separated, for an error's reason.
fn names(attributes: &[Attribute]) -> String {
    attributes
        .iter()
        .map(|attribute| attribute.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most `chars` characters of a text, for an error message.
fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(faults: &[FieldError]) -> Vec<(&str, Code)> {
        faults.iter().map(|f| (f.field.as_str(), f.code)).collect()
    }

    #[test]
    fn a_query_with_properties_becomes_a_lookup() {
        let value = json!({"q0": {
            "query": "Ak ýol", "type": "legal_unit", "limit": 3, "type_strict": "any",
            "properties": [
                {"pid": "tin", "v": "123456789012"},
                {"pid": "region", "v": "Ahal"},
                {"pid": "activity", "v": ["6201"]},
                {"pid": "address", "v": {"id": "x", "name": "Magtymguly 45"}},
                {"pid": "legal_form", "v": ""},
            ]
        }});
        let read = queries(&value).unwrap();
        let (key, lookup) = &read[0];
        assert_eq!(key, "q0");
        assert_eq!(lookup.name, "Ak ýol");
        assert_eq!(lookup.kind, Some(UnitKind::LegalUnit));
        assert_eq!(lookup.limit, 3);
        assert_eq!(lookup.tin.as_deref(), Some("123456789012"));
        assert_eq!(lookup.region.as_deref(), Some("TM-A"));
        assert_eq!(lookup.activity.as_deref(), Some("62.01"));
        assert_eq!(lookup.address.as_deref(), Some("Magtymguly 45"));
        assert_eq!(lookup.legal_form, None, "empty is no evidence");
    }

    #[test]
    fn every_fault_is_named_by_its_path() {
        let value = json!({
            "q0": {"query": "a", "properties": [{"pid": "colour", "v": "red"}]},
            "q1": {"query": 5, "limit": 26, "type": "enterprise", "extra": 1},
            "q2": {"limit": 2},
            "q3": "Ak ýol",
        });
        let faults = queries(&value).unwrap_err();
        assert_eq!(
            fields(&faults),
            [
                ("queries.q0.properties[0].pid", Code::UnknownProperty),
                ("queries.q1.extra", Code::UnknownParameter),
                ("queries.q1.limit", Code::OutOfRange),
                ("queries.q1.query", Code::InvalidBody),
                ("queries.q1.type", Code::UnknownValue),
                ("queries.q2.query", Code::MissingValue),
                ("queries.q3", Code::InvalidBody),
            ]
        );
        assert!(faults[0].reason.contains("tin, reg_number"), "{faults:?}");
    }

    #[test]
    fn a_batch_over_the_cap_is_refused_naming_the_cap() {
        let many: Map<String, Value> = (0..=MAX_BATCH)
            .map(|at| (format!("q{at}"), json!({"query": "x"})))
            .collect();
        let faults = queries(&Value::Object(many)).unwrap_err();
        assert_eq!(fields(&faults), [("queries", Code::TooManyQueries)]);
        assert!(faults[0].reason.contains("1000"));
    }

    #[test]
    fn malformed_json_names_its_field() {
        let fault = json("queries", "{\"q0\": {\"query\": ").unwrap_err();
        assert_eq!(
            (fault.field.as_str(), fault.code),
            ("queries", Code::InvalidBody)
        );
        assert!(queries(&json!([1])).is_err());
    }

    #[test]
    fn an_extension_names_unknown_properties_and_bad_ids() {
        let value =
            json!({"ids": ["100000018", 7], "properties": [{"id": "activity"}, {"id": "colour"}]});
        let faults = extension(&value).unwrap_err();
        assert_eq!(
            fields(&faults),
            [
                ("extend.ids[1]", Code::InvalidBody),
                ("extend.properties[1].id", Code::UnknownProperty),
            ]
        );
        let fine = extension(
            &json!({"ids": ["100000018"], "properties": [{"id": "turnover"}, {"id": "turnover"}]}),
        )
        .unwrap();
        assert_eq!(fine.properties, [Attribute::Turnover]);
    }
}
