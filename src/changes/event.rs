//! The events an agency or a statistician submits, read from JSON.
//!
//! Reading is pure: it checks the shape and every value, and collects every
//! fault with the field it is in, so one answer names them all. What needs
//! the register (does the unit exist, is it alive) is checked when the event
//! is applied (`changes::apply`).

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value as Json};

use crate::domain::access::Agency;
use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::attribute::{Attribute, Values};
use crate::domain::calendar::{self, BadDay};
use crate::domain::event::EventKind;
use crate::domain::stat_id::{StatId, StatIdError};
use crate::domain::unit::{TaxStatus as TaxWord, UnitStatus};
use crate::ingest::mapping::{reg_number, sector, tin, word};
use crate::ingest::value;
use crate::reconcile::normalise;

/// The longest text value or reason kept.
pub const MAX_TEXT: usize = 1_000;
/// Most units one merge or break-up names.
pub const MAX_PARTS: usize = 100;

/// What a submitted event asks the register to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A birth: a new legal unit (with its enterprise).
    Register {
        /// What the source says about it.
        values: Values,
    },
    /// Some attributes of a unit change.
    Amend {
        /// The unit.
        unit: StatId,
        /// The attributes the event sets (a `null` clears one).
        changed: Vec<Attribute>,
        /// Their new values.
        values: Values,
    },
    /// A death.
    Liquidate {
        /// The unit.
        unit: StatId,
    },
    /// A dead or inactive unit lives again.
    Reactivate {
        /// The unit.
        unit: StatId,
    },
    /// Units cease and a survivor absorbs them (`merge` or `take_over`).
    Merge {
        /// `Merger` or `TakeOver`.
        kind: EventKind,
        /// The units that cease.
        absorbed: Vec<StatId>,
        /// The unit that lives on.
        survivor: StatId,
    },
    /// A new legal unit splits off from one that lives on.
    SplitOff {
        /// The unit it splits from.
        unit: StatId,
        /// The new unit.
        values: Values,
    },
    /// A unit ceases and new ones take its place.
    BreakUp {
        /// The unit that ceases.
        unit: StatId,
        /// The new units.
        parts: Vec<Values>,
    },
    /// A branch opens: a local unit of a legal unit.
    OpenLocalUnit {
        /// The legal unit it belongs to.
        unit: StatId,
        /// The branch.
        values: Values,
    },
    /// A branch closes.
    CloseLocalUnit {
        /// The local unit.
        unit: StatId,
    },
    /// A legal unit comes under the control of another (an enterprise group).
    SetControl {
        /// The controlled legal unit.
        unit: StatId,
        /// The controlling legal unit.
        controller: StatId,
    },
    /// A legal unit leaves its enterprise group.
    EndControl {
        /// The legal unit.
        unit: StatId,
    },
}

/// The event names a submission may use.
pub const EVENT_NAMES: &[&str] = &[
    "register",
    "amend",
    "liquidate",
    "reactivate",
    "merge",
    "take_over",
    "split_off",
    "break_up",
    "open_local_unit",
    "close_local_unit",
    "set_control",
    "end_control",
];

/// An event with its date and what comes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// What happens.
    pub event: Event,
    /// The day it takes effect in the world.
    pub effective_date: NaiveDate,
    /// Why (required of a statistician's correction).
    pub reason: Option<String>,
    /// The unit version the sender saw (`If-Match`, or the event's `if_match`).
    pub if_match: Option<i64>,
    /// Whose statement it is, when staff submit for an agency; an agency's
    /// own source when absent, the register's (a correction) for staff.
    pub source: Option<Agency>,
}

/// Why an event is refused, by kind, so that the API can give each its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A required field is absent.
    Missing,
    /// A value of the wrong type or form.
    Invalid,
    /// A word not among those accepted.
    UnknownValue,
    /// A text too long.
    TooLong,
    /// An event name the register does not know.
    UnknownEvent,
    /// Not nine digits.
    StatIdMalformed,
    /// A mistyped stat_id.
    StatIdCheckDigit,
    /// Not YYYY-MM-DD.
    InvalidDate,
    /// Outside 1800–2100.
    DateOutOfRange,
    /// Further in the future than the horizon.
    BeyondHorizon,
    /// A unit merged into itself.
    IntoItself,
    /// No such unit.
    UnitNotFound,
    /// A unit of the wrong kind for the event.
    WrongKind,
    /// The unit is dead (liquidated or reorganised).
    NotAlive,
    /// Reactivating a unit that is alive.
    Alive,
    /// A date before the unit's birth.
    BeforeBirth,
    /// The unit changed since the sender's version.
    Stale,
    /// A statistician's correction without a reason.
    ReasonRequired,
    /// Nothing would change.
    NoChange,
    /// An agency speaking for another agency's source.
    OtherSource,
}

/// One fault: its kind, the field it is in, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The kind.
    pub fault: Fault,
    /// The field, as a path within the event (`changes.name`).
    pub field: String,
    /// What is wrong, in words.
    pub reason: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(fault: Fault, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Refusal {
            fault,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What reading needs to know besides the JSON.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    /// Today, for the horizon.
    pub today: NaiveDate,
    /// How many days ahead an effective date may be.
    pub horizon_days: i64,
    /// Whether an activity code is in NACE Rev. 2.1.
    pub known_activity: &'a dyn Fn(&str) -> bool,
}

/// Reads one event, naming every fault.
pub fn read(json: &Json, rules: &Rules) -> Result<Submitted, Vec<Refusal>> {
    let Some(object) = json.as_object() else {
        return Err(vec![Refusal::new(
            Fault::Invalid,
            "body",
            "expected an event: a JSON object with `event`",
        )]);
    };
    let mut fields = Fields::new(object);
    let name = fields.text("event", true);
    let effective_date = fields.date("effective_date", rules);
    let reason = fields.text("reason", false);
    let if_match = fields.version("if_match");
    let source = fields.agency("source");
    let event = match name.as_deref() {
        None => None,
        Some(name) => read_event(name, &mut fields, rules),
    };
    fields.refuse_unknown();
    match (event, effective_date) {
        (Some(event), Some(effective_date)) if fields.faults.is_empty() => Ok(Submitted {
            event,
            effective_date,
            reason,
            if_match,
            source,
        }),
        _ => Err(fields.faults),
    }
}

fn read_event(name: &str, fields: &mut Fields, rules: &Rules) -> Option<Event> {
    let event = match name {
        "register" => Event::Register {
            values: fields.unit_values("unit", rules)?,
        },
        "amend" => {
            let unit = fields.stat_id("stat_id");
            let (changed, values) = fields.changes("changes", rules)?;
            Event::Amend {
                unit: unit?,
                changed,
                values,
            }
        }
        "liquidate" => Event::Liquidate {
            unit: fields.stat_id("stat_id")?,
        },
        "reactivate" => Event::Reactivate {
            unit: fields.stat_id("stat_id")?,
        },
        "merge" | "take_over" => {
            let absorbed = fields.stat_ids("units");
            let survivor = fields.stat_id("survivor");
            let (absorbed, survivor) = (absorbed?, survivor?);
            if absorbed.contains(&survivor) {
                fields.fault(
                    Fault::IntoItself,
                    "survivor",
                    "a unit cannot be merged into itself",
                );
                return None;
            }
            let kind = if name == "merge" {
                EventKind::Merger
            } else {
                EventKind::TakeOver
            };
            Event::Merge {
                kind,
                absorbed,
                survivor,
            }
        }
        "split_off" => {
            let unit = fields.stat_id("stat_id");
            let values = fields.unit_values("unit", rules);
            Event::SplitOff {
                unit: unit?,
                values: values?,
            }
        }
        "break_up" => {
            let unit = fields.stat_id("stat_id");
            let parts = fields.parts("units", rules);
            Event::BreakUp {
                unit: unit?,
                parts: parts?,
            }
        }
        "open_local_unit" => {
            let unit = fields.stat_id("stat_id");
            let values = fields.unit_values("unit", rules);
            Event::OpenLocalUnit {
                unit: unit?,
                values: values?,
            }
        }
        "close_local_unit" => Event::CloseLocalUnit {
            unit: fields.stat_id("stat_id")?,
        },
        "set_control" => {
            let unit = fields.stat_id("stat_id");
            let controller = fields.stat_id("controller");
            let (unit, controller) = (unit?, controller?);
            if unit == controller {
                fields.fault(
                    Fault::IntoItself,
                    "controller",
                    "a unit cannot control itself",
                );
                return None;
            }
            Event::SetControl { unit, controller }
        }
        "end_control" => Event::EndControl {
            unit: fields.stat_id("stat_id")?,
        },
        _ => {
            fields.fault(
                Fault::UnknownEvent,
                "event",
                format!(
                    "unknown event {name:?}: expected one of {}",
                    EVENT_NAMES.join(", ")
                ),
            );
            return None;
        }
    };
    Some(event)
}

/// The fields of one JSON object, read once each, with faults collected.
struct Fields<'j> {
    object: &'j Map<String, Json>,
    read: Vec<&'static str>,
    faults: Vec<Refusal>,
}

impl<'j> Fields<'j> {
    fn new(object: &'j Map<String, Json>) -> Self {
        Fields {
            object,
            read: Vec::new(),
            faults: Vec::new(),
        }
    }

    fn fault(&mut self, fault: Fault, field: impl Into<String>, reason: impl Into<String>) {
        self.faults.push(Refusal::new(fault, field, reason));
    }

    /// The field's value, noting that the event uses it; `None` when absent
    /// or null, with a fault when required.
    fn take(&mut self, name: &'static str, required: bool) -> Option<&'j Json> {
        self.read.push(name);
        match self.object.get(name) {
            Some(Json::Null) | None if required => {
                self.fault(Fault::Missing, name, "required");
                None
            }
            Some(Json::Null) | None => None,
            Some(value) => Some(value),
        }
    }

    fn text(&mut self, name: &'static str, required: bool) -> Option<String> {
        let value = self.take(name, required)?;
        let Some(text) = value.as_str() else {
            self.fault(Fault::Invalid, name, "expected a string");
            return None;
        };
        if text.chars().count() > MAX_TEXT {
            self.fault(
                Fault::TooLong,
                name,
                format!("at most {MAX_TEXT} characters"),
            );
            return None;
        }
        Some(text.to_owned())
    }

    fn date(&mut self, name: &'static str, rules: &Rules) -> Option<NaiveDate> {
        let text = self.text(name, true)?;
        match check_date(&text, Some(rules)) {
            Ok(date) => Some(date),
            Err((fault, reason)) => {
                self.fault(fault, name, reason);
                None
            }
        }
    }

    fn agency(&mut self, name: &'static str) -> Option<Agency> {
        let text = self.text(name, false)?;
        match text.parse() {
            Ok(agency) => Some(agency),
            Err(_) => {
                self.fault(
                    Fault::UnknownValue,
                    name,
                    "expected tax, justice or statistics",
                );
                None
            }
        }
    }

    fn version(&mut self, name: &'static str) -> Option<i64> {
        let value = self.take(name, false)?;
        match value.as_i64().filter(|v| *v >= 1) {
            Some(version) => Some(version),
            None => {
                self.fault(
                    Fault::Invalid,
                    name,
                    "expected a unit version: a whole number from 1",
                );
                None
            }
        }
    }

    fn stat_id(&mut self, name: &'static str) -> Option<StatId> {
        let text = self.text(name, true)?;
        match check_stat_id(&text) {
            Ok(id) => Some(id),
            Err((fault, reason)) => {
                self.fault(fault, name, reason);
                None
            }
        }
    }

    fn stat_ids(&mut self, name: &'static str) -> Option<Vec<StatId>> {
        let value = self.take(name, true)?;
        let Some(items) = value
            .as_array()
            .filter(|a| (1..=MAX_PARTS).contains(&a.len()))
        else {
            self.fault(
                Fault::Invalid,
                name,
                format!("expected 1 to {MAX_PARTS} stat_ids"),
            );
            return None;
        };
        let mut ids = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let field = format!("{name}[{index}]");
            match item
                .as_str()
                .ok_or((Fault::Invalid, "expected a string".to_owned()))
                .and_then(check_stat_id)
            {
                Ok(id) if ids.contains(&id) => {
                    self.fault(Fault::Invalid, field, "named twice");
                }
                Ok(id) => ids.push(id),
                Err((fault, reason)) => self.fault(fault, field, reason),
            }
        }
        (ids.len() == items.len()).then_some(ids)
    }

    fn unit_values(&mut self, name: &'static str, rules: &Rules) -> Option<Values> {
        let value = self.take(name, true)?;
        let Some(object) = value.as_object() else {
            self.fault(Fault::Invalid, name, "expected an object of attributes");
            return None;
        };
        let (_, values) = self.attributes(name, object, rules)?;
        if values.name.is_none() {
            self.fault(Fault::Missing, format!("{name}.name"), "required");
            return None;
        }
        Some(values)
    }

    fn parts(&mut self, name: &'static str, rules: &Rules) -> Option<Vec<Values>> {
        let value = self.take(name, true)?;
        let Some(items) = value
            .as_array()
            .filter(|a| (2..=MAX_PARTS).contains(&a.len()))
        else {
            self.fault(
                Fault::Invalid,
                name,
                format!("expected 2 to {MAX_PARTS} new units"),
            );
            return None;
        };
        let mut parts = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let field = format!("{name}[{index}]");
            let Some(object) = item.as_object() else {
                self.fault(Fault::Invalid, field, "expected an object of attributes");
                continue;
            };
            let Some((_, values)) = self.attributes(&field, object, rules) else {
                continue;
            };
            if values.name.is_none() {
                self.fault(Fault::Missing, format!("{field}.name"), "required");
                continue;
            }
            parts.push(values);
        }
        (parts.len() == items.len()).then_some(parts)
    }

    fn changes(&mut self, name: &'static str, rules: &Rules) -> Option<(Vec<Attribute>, Values)> {
        let value = self.take(name, true)?;
        let Some(object) = value.as_object() else {
            self.fault(Fault::Invalid, name, "expected an object of attributes");
            return None;
        };
        if object.is_empty() {
            self.fault(
                Fault::Missing,
                name,
                "name at least one attribute to change",
            );
            return None;
        }
        let (changed, values) = self.attributes(name, object, rules)?;
        if changed.contains(&Attribute::Name) && values.name.is_none() {
            self.fault(
                Fault::Invalid,
                format!("{name}.name"),
                "a unit keeps a name: it cannot be cleared",
            );
            return None;
        }
        Some((changed, values))
    }

    /// Reads an object of attributes; `null` clears one.
    fn attributes(
        &mut self,
        path: &str,
        object: &Map<String, Json>,
        rules: &Rules,
    ) -> Option<(Vec<Attribute>, Values)> {
        let before = self.faults.len();
        let mut values = Values::default();
        let mut changed = Vec::new();
        for (key, json) in object {
            let field = format!("{path}.{key}");
            let Some(attribute) = attribute_named(key) else {
                self.fault(
                    Fault::UnknownValue,
                    field,
                    format!(
                        "not an attribute a submission sets: expected one of {}",
                        SETTABLE.join(", ")
                    ),
                );
                continue;
            };
            changed.push(attribute);
            if json.is_null() {
                continue;
            }
            if let Err((fault, reason)) = set(&mut values, attribute, json, rules) {
                self.fault(fault, field, reason);
            }
        }
        (self.faults.len() == before).then_some((changed, values))
    }

    fn refuse_unknown(&mut self) {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !self.read.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.fault(Fault::UnknownValue, key, "not a field of this event");
        }
    }
}

/// The attributes a submission may set, by their JSON names.
pub const SETTABLE: &[&str] = &[
    "name",
    "legal_form",
    "tin",
    "reg_number",
    "activity_code",
    "institutional_sector",
    "address",
    "region",
    "status",
    "birth_date",
    "employees",
    "turnover",
    "turnover_year",
    "tax_status",
    "vat_registered",
];

/// The attribute behind a JSON name; the death date is set by `liquidate` only.
fn attribute_named(name: &str) -> Option<Attribute> {
    if !SETTABLE.contains(&name) {
        return None;
    }
    if name == "activity_code" {
        return Some(Attribute::Activity);
    }
    name.parse().ok()
}

type Checked<T> = Result<T, (Fault, String)>;

/// Sets one attribute from its JSON value, checked as an extract's field is.
fn set(values: &mut Values, attribute: Attribute, json: &Json, rules: &Rules) -> Checked<()> {
    use Attribute::*;
    let text = || -> Checked<String> {
        let text = json
            .as_str()
            .ok_or((Fault::Invalid, "expected a string".to_owned()))?;
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err((
                Fault::Invalid,
                "empty: send null to clear a value".to_owned(),
            ));
        }
        if collapsed.chars().count() > MAX_TEXT {
            return Err((Fault::TooLong, format!("at most {MAX_TEXT} characters")));
        }
        Ok(collapsed)
    };
    let invalid = |reason: String| (Fault::Invalid, reason);
    match attribute {
        Name => values.name = Some(text()?),
        Address => values.address = Some(text()?),
        Tin => values.tin = Some(tin(&text()?).map_err(invalid)?),
        RegNumber => values.reg_number = Some(reg_number(&text()?).map_err(invalid)?),
        InstitutionalSector => {
            values.institutional_sector = Some(sector(&text()?).map_err(invalid)?)
        }
        LegalForm => {
            let given = text()?;
            let code = normalise::legal_form(&given).ok_or((
                Fault::UnknownValue,
                format!("{given:?} is not a legal form (see /api/v1/legal-forms)"),
            ))?;
            values.legal_form = Some(code.to_owned());
        }
        Region => {
            let given = text()?;
            let region = normalise::region(&given).ok_or((
                Fault::UnknownValue,
                format!("{given:?} is not a region (see /api/v1/regions)"),
            ))?;
            values.region = Some(region.code.to_owned());
        }
        Activity => {
            let given = text()?;
            let code = canonical_code(Scheme::Nace, &given).map_err(|e| invalid(e.to_string()))?;
            if !(rules.known_activity)(&code) {
                return Err((
                    Fault::UnknownValue,
                    format!("{code} is not a NACE Rev. 2.1 code"),
                ));
            }
            values.activity = Some(code);
        }
        Status => {
            values.status =
                Some(word::<UnitStatus>(&text()?).map_err(|e| (Fault::UnknownValue, e))?)
        }
        TaxStatus => {
            values.tax_status =
                Some(word::<TaxWord>(&text()?).map_err(|e| (Fault::UnknownValue, e))?)
        }
        BirthDate => values.birth_date = Some(check_date(&text()?, None)?),
        DeathDate => values.death_date = Some(check_date(&text()?, None)?),
        Employees => {
            let count = json.as_i64().filter(|n| (0..=10_000_000).contains(n));
            values.employees =
                Some(count.ok_or(invalid("expected a whole number from 0 to 10000000".into()))?);
        }
        Turnover => {
            let text = match json {
                Json::String(text) => text.clone(),
                Json::Number(number) => number.to_string(),
                _ => return Err(invalid("expected an amount, e.g. \"1234.50\"".into())),
            };
            values.turnover = Some(value::money(&text).map_err(invalid)?);
        }
        TurnoverYear => {
            let year = json.as_i64().filter(|y| (1800..=2100).contains(y));
            values.turnover_year =
                Some(year.ok_or(invalid("expected a year from 1800 to 2100".into()))? as i32);
        }
        VatRegistered => {
            values.vat_registered = Some(
                json.as_bool()
                    .ok_or(invalid("expected true or false".into()))?,
            );
        }
    }
    Ok(())
}

/// A date as YYYY-MM-DD within the register's span, and when `rules` are
/// given, no further ahead than the horizon.
fn check_date(text: &str, rules: Option<&Rules>) -> Checked<NaiveDate> {
    let date = calendar::parse(text).map_err(|bad| match bad {
        BadDay::Form(reason) => (Fault::InvalidDate, reason),
        BadDay::Range(reason) => (Fault::DateOutOfRange, reason),
    })?;
    let Some(rules) = rules else {
        return Ok(date);
    };
    let horizon = rules.today + Duration::days(rules.horizon_days);
    if date > horizon {
        return Err((
            Fault::BeyondHorizon,
            format!(
                "{date} is more than {} days ahead: the register takes future dates up to {horizon}",
                rules.horizon_days
            ),
        ));
    }
    Ok(date)
}

fn check_stat_id(text: &str) -> Checked<StatId> {
    if text.len() != 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            Fault::StatIdMalformed,
            format!("{:?} is not a stat_id: expected nine digits", cut(text)),
        ));
    }
    StatId::parse(text).map_err(|error| match error {
        StatIdError::CheckDigit => (Fault::StatIdCheckDigit, error.to_string()),
        _ => (Fault::StatIdMalformed, error.to_string()),
    })
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules_today(mut check: impl FnMut(Rules)) {
        let known = |code: &str| code == "62.10" || code == "47.11";
        check(Rules {
            today: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            horizon_days: 30,
            known_activity: &known,
        });
    }

    fn faults(json: Json) -> Vec<(Fault, String)> {
        let mut found = Vec::new();
        rules_today(|rules| {
            found = read(&json, &rules)
                .unwrap_err()
                .into_iter()
                .map(|r| (r.fault, r.field))
                .collect();
        });
        found
    }

    fn ok(json: Json) -> Submitted {
        let mut found = None;
        rules_today(|rules| found = Some(read(&json, &rules).unwrap()));
        found.unwrap()
    }

    #[test]
    fn the_contracts_register_event_reads() {
        let submitted = ok(json!({"event": "register", "effective_date": "2025-01-15",
            "unit": {"tin": "123456789012", "reg_number": "A1234567", "name": "Ak  ýol", "legal_form": "ES",
                     "region": "TM-S", "address": "Aşgabat ş., Magtymguly şaýoly 45", "activity_code": "6210"}}));
        let Event::Register { values } = submitted.event else {
            panic!("a register event");
        };
        assert_eq!(values.name.as_deref(), Some("Ak ýol"));
        assert_eq!(values.activity.as_deref(), Some("62.10"));
        assert_eq!(values.region.as_deref(), Some("TM-S"));
    }

    #[test]
    fn an_amend_names_what_it_sets_and_null_clears() {
        let submitted = ok(json!({"event": "amend", "effective_date": "2025-03-01",
            "stat_id": "100000011", "changes": {"name": "Ak ýol Plus", "address": null, "turnover": "1234.5"}}));
        let Event::Amend {
            changed, values, ..
        } = submitted.event
        else {
            panic!("an amend");
        };
        assert_eq!(
            changed,
            vec![Attribute::Address, Attribute::Name, Attribute::Turnover]
        );
        assert_eq!(values.address, None);
        assert_eq!(values.turnover, Some(123_450));
    }

    #[test]
    fn every_fault_is_named_with_its_field() {
        let found = faults(json!({"event": "amend", "effective_date": "2027-06-01",
            "stat_id": "100000012", "changes": {"employees": -1, "colour": "red", "activity_code": "99.99"},
            "extra": 1}));
        assert!(
            found.contains(&(Fault::BeyondHorizon, "effective_date".into())),
            "{found:?}"
        );
        assert!(found.contains(&(Fault::StatIdCheckDigit, "stat_id".into())));
        assert!(found.contains(&(Fault::Invalid, "changes.employees".into())));
        assert!(found.contains(&(Fault::UnknownValue, "changes.colour".into())));
        assert!(found.contains(&(Fault::UnknownValue, "changes.activity_code".into())));
        assert!(found.contains(&(Fault::UnknownValue, "extra".into())));
    }

    #[test]
    fn unknown_events_and_self_merges_are_refused() {
        assert_eq!(
            faults(json!({"event": "explode", "effective_date": "2025-01-01"})),
            vec![(Fault::UnknownEvent, "event".into())]
        );
        let found = faults(json!({"event": "merge", "effective_date": "2025-01-01",
            "units": ["100000011"], "survivor": "100000011"}));
        assert_eq!(found, vec![(Fault::IntoItself, "survivor".into())]);
    }

    #[test]
    fn missing_fields_and_wrong_types_are_named() {
        let found =
            faults(json!({"event": "register", "effective_date": 20250101, "unit": {"tin": 5}}));
        assert!(
            found.contains(&(Fault::Invalid, "effective_date".into())),
            "{found:?}"
        );
        assert!(found.contains(&(Fault::Invalid, "unit.tin".into())));
        assert_eq!(faults(json!([1])), vec![(Fault::Invalid, "body".into())]);
        let found = faults(json!({"event": "liquidate"}));
        assert!(found.contains(&(Fault::Missing, "stat_id".into())));
        assert!(found.contains(&(Fault::Missing, "effective_date".into())));
    }

    #[test]
    fn a_date_within_the_horizon_is_taken() {
        let submitted = ok(
            json!({"event": "liquidate", "effective_date": "2027-01-05", "stat_id": "100000011"}),
        );
        assert_eq!(
            submitted.effective_date,
            NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()
        );
    }
}
