//! Applying one submitted event: the checks that need the register, then
//! the change, all inside a register write.
//!
//! Every check comes before the first write, so a refused event leaves
//! nothing behind even though it shares its transaction with others.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::event::{Event, Fault, Refusal, Submitted};
use super::Actor;
use crate::domain::access::{Agency, Role};
use crate::domain::attribute::{Attribute, Values};
use crate::domain::event::{EventKind, EventRole};
use crate::domain::link::LinkKind;
use crate::domain::source::Source;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::{resolve, Record};
use crate::domain::unit::{UnitKind, UnitStatus};
use crate::ingest::load::{candidate_views, PendingStatement};
use crate::reconcile::matcher::{Proposal, RowKeys, Thresholds};
use crate::reconcile::score::Profile;
use crate::store::register::{Statement, Writer};
use crate::store::review::{self, ReviewItem, ReviewStatus};
use crate::store::schema::{review_items, unit_links};
use crate::store::{loads, units, AnyConnection, StoreError, StoreResult};

/// What applying needs besides the event.
pub struct Context<'a> {
    /// Who submits.
    pub actor: &'a Actor,
    /// The matcher's thresholds, as for loads.
    pub thresholds: &'a Thresholds,
    /// Units whose names resemble a new unit's (the search index's
    /// candidates), and the change the index is current up to.
    pub similar: &'a dyn Fn(&Values) -> (Vec<i64>, i64),
    /// The submission's id.
    pub submission: i64,
    /// The event's number in its submission, from 1.
    pub number: usize,
    /// The agency the event speaks for, if it names one.
    pub source: Option<Agency>,
}

impl Context<'_> {
    /// The source the event's statements are recorded under: the agency
    /// named, an agency's own, or for staff the register's (a manual
    /// correction, which outranks them all).
    pub fn source(&self) -> Source {
        match (self.source, self.actor.role, self.actor.agency) {
            (Some(agency), _, _) => agency.source(),
            (None, Role::Agency, Some(agency)) => agency.source(),
            _ => Source::Register,
        }
    }
}

/// How one event ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Recorded.
    Accepted(Accepted),
    /// The unit could not be identified with confidence: a statistician decides.
    Review(Sent),
    /// Refused, with every fault; nothing was recorded.
    Rejected(Vec<Refusal>),
}

/// What an accepted event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The unit the event is about (a new unit for births and branches).
    pub stat_id: StatId,
    /// The unit's version after the event (its ETag).
    pub version: i64,
    /// Units the event created.
    pub created: Vec<StatId>,
    /// Attributes that now show the submitter's statement.
    pub shown: Vec<Attribute>,
    /// Attributes where a higher-priority source still shows another value;
    /// the statement is kept and the conflict is visible on the unit.
    pub outranked: Vec<Attribute>,
    /// For a birth matched to a unit the register had: by which means.
    pub matched: Option<&'static str>,
}

/// An event sent to review.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The review item.
    pub review_id: i64,
    /// Why the matcher would not decide.
    pub reason: String,
    /// The candidates it weighed, best first.
    pub candidates: Vec<StatId>,
}

/// At most this many units changed since the index's last catch-up are
/// added to a birth's candidates (the index is a fraction of a second behind;
/// right after a bulk load it may be far behind, and name matching then
/// relies on what the index has).
const NOT_YET_INDEXED: i64 = 2_000;

type Checked<T> = StoreResult<Result<T, Refusal>>;

/// Applies one event inside a register write.
pub fn apply(
    writer: &mut Writer,
    context: &Context,
    submitted: &Submitted,
) -> StoreResult<Outcome> {
    let own = context
        .actor
        .agency
        .filter(|_| context.actor.role == Role::Agency);
    if let (Some(own), Some(named)) = (own, submitted.source) {
        if own != named {
            return Ok(Outcome::Rejected(vec![Refusal::new(
                Fault::OtherSource,
                "source",
                format!("a {own} token speaks for {own} only, not {named}"),
            )]));
        }
    }
    if context.source() == Source::Register && submitted.reason.is_none() {
        return Ok(Outcome::Rejected(vec![Refusal::new(
            Fault::ReasonRequired,
            "reason",
            "a statistician's change is a manual correction: say why",
        )]));
    }
    let date = submitted.effective_date;
    let result = match &submitted.event {
        Event::Register { values } => return register(writer, context, date, values),
        Event::Amend {
            unit,
            changed,
            values,
        } => amend(writer, context, submitted, *unit, changed, values),
        Event::Liquidate { unit } => cease(writer, context, submitted, *unit, UnitKind::LegalUnit),
        Event::Reactivate { unit } => reactivate(writer, context, submitted, *unit),
        Event::Merge {
            kind,
            absorbed,
            survivor,
        } => merge(writer, context, date, *kind, absorbed, *survivor),
        Event::SplitOff { unit, values } => split_off(writer, context, date, *unit, values),
        Event::BreakUp { unit, parts } => break_up(writer, context, date, *unit, parts),
        Event::OpenLocalUnit { unit, values } => {
            open_local_unit(writer, context, date, *unit, values)
        }
        Event::CloseLocalUnit { unit } => {
            cease(writer, context, submitted, *unit, UnitKind::LocalUnit)
        }
        Event::SetControl { unit, controller } => set_control(writer, date, *unit, *controller),
        Event::EndControl { unit } => end_control(writer, date, *unit),
    }?;
    Ok(match result {
        Ok(accepted) => Outcome::Accepted(accepted),
        Err(refusal) => Outcome::Rejected(vec![refusal]),
    })
}

/// A unit as the checks see it.
struct Found {
    stat_id: StatId,
    records: Vec<Record>,
}

impl Found {
    /// Whether the unit is alive on a date: not liquidated or reorganised,
    /// and no death on or before it.
    fn alive_on(&self, date: NaiveDate) -> bool {
        let mut alive = true;
        for resolved in resolve(&self.records, date) {
            let value = resolved.chosen.value;
            match resolved.attribute {
                Attribute::Status => {
                    let dead = [UnitStatus::Liquidated, UnitStatus::Reorganised].map(|status| {
                        crate::domain::attribute::Value::Text(status.as_str().into())
                    });
                    alive &= !dead.contains(&value);
                }
                Attribute::DeathDate => {
                    alive &= !matches!(value, crate::domain::attribute::Value::Date(death) if death <= date);
                }
                _ => {}
            }
        }
        alive
    }

    /// The earliest birth date any source gives.
    fn birth(&self) -> Option<NaiveDate> {
        self.records
            .iter()
            .filter(|record| record.superseded_at.is_none())
            .filter_map(|record| record.values.birth_date)
            .min()
    }

    /// What `source` says of the unit on `date`, and the key of its chain.
    fn stated_by(&self, source: Source, date: NaiveDate) -> (Values, Option<String>) {
        self.records
            .iter()
            .filter(|record| record.source == source && record.holds_on(date))
            .max_by_key(|record| (record.valid_from, record.recorded_at))
            .map(|record| (record.values.clone(), record.source_key.clone()))
            .unwrap_or_default()
    }
}

/// The unit named in `field`, of one of `kinds`.
fn find(
    conn: &mut AnyConnection,
    field: &str,
    stat_id: StatId,
    kinds: &[UnitKind],
) -> Checked<Found> {
    let Some(unit) = units::find(conn, stat_id)? else {
        return Ok(Err(Refusal::new(
            Fault::UnitNotFound,
            field,
            format!("no unit {stat_id} in the register"),
        )));
    };
    if !kinds.contains(&unit.kind) {
        let expected: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        return Ok(Err(Refusal::new(
            Fault::WrongKind,
            field,
            format!(
                "{stat_id} is a {}: expected a {}",
                unit.kind,
                expected.join(" or ")
            ),
        )));
    }
    let records = units::current_records(conn, &[stat_id.unit_number()])?;
    Ok(Ok(Found { stat_id, records }))
}

/// The unit, alive on the date and born by then.
fn find_alive(
    conn: &mut AnyConnection,
    field: &str,
    stat_id: StatId,
    kinds: &[UnitKind],
    date: NaiveDate,
) -> Checked<Found> {
    let found = match find(conn, field, stat_id, kinds)? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Some(birth) = found.birth().filter(|birth| date < *birth) {
        return Ok(Err(Refusal::new(
            Fault::BeforeBirth,
            "effective_date",
            format!("{date} is before {stat_id} was born ({birth})"),
        )));
    }
    if !found.alive_on(date) {
        return Ok(Err(Refusal::new(
            Fault::NotAlive,
            field,
            format!("{stat_id} is not alive on {date}: it was liquidated or reorganised"),
        )));
    }
    Ok(Ok(found))
}

/// Refuses an event whose sender saw an older version of the unit.
fn check_version(conn: &mut AnyConnection, submitted: &Submitted, stat_id: StatId) -> Checked<()> {
    let Some(expected) = submitted.if_match else {
        return Ok(Ok(()));
    };
    let current = units::version(conn, stat_id)?;
    if current == expected {
        return Ok(Ok(()));
    }
    Ok(Err(Refusal::new(
        Fault::Stale,
        "If-Match",
        format!("{stat_id} is at version {current}, not {expected}: read it again"),
    )))
}

macro_rules! checked {
    ($checked:expr) => {
        match $checked? {
            Ok(value) => value,
            Err(refusal) => return Ok(Err(refusal)),
        }
    };
}

fn amend(
    writer: &mut Writer,
    context: &Context,
    submitted: &Submitted,
    stat_id: StatId,
    changed: &[Attribute],
    values: &Values,
) -> Checked<Accepted> {
    let date = submitted.effective_date;
    let kinds = [UnitKind::LegalUnit, UnitKind::LocalUnit];
    let found = checked!(find_alive(
        writer.connection(),
        "stat_id",
        stat_id,
        &kinds,
        date
    ));
    checked!(check_version(writer.connection(), submitted, stat_id));
    let source = context.source();
    let (mut stated, source_key) = found.stated_by(source, date);
    for attribute in changed {
        stated.copy(*attribute, values);
    }
    let statement = Statement {
        source,
        source_key,
        valid_from: date,
        values: stated,
    };
    writer.record(stat_id, &statement)?;
    amended(writer, &found, statement, changed)
}

/// The answer for an amend, from the records read before it and the
/// statement it recorded: the hot path of submissions reads the unit once.
fn amended(
    writer: &mut Writer,
    found: &Found,
    statement: Statement,
    set: &[Attribute],
) -> Checked<Accepted> {
    let version = match writer.seq_of(found.stat_id) {
        Some(seq) => seq,
        None => units::version(writer.connection(), found.stat_id)?,
    };
    let date = statement.valid_from;
    let mut records: Vec<Record> = found
        .records
        .iter()
        .filter(|record| !(record.source == statement.source && record.holds_on(date)))
        .cloned()
        .collect();
    records.push(Record {
        source: statement.source,
        source_key: statement.source_key,
        valid_from: date,
        valid_to: None,
        recorded_at: writer.now(),
        superseded_at: None,
        seq: version,
        origin: writer.origin().clone(),
        values: statement.values,
    });
    let (shown, outranked) = standing(&records, statement.source, set, date);
    Ok(Ok(Accepted {
        stat_id: found.stat_id,
        version,
        created: Vec::new(),
        shown,
        outranked,
        matched: None,
    }))
}

/// Of the attributes `set`, those that show `source`'s value on `date`, and
/// those where a higher-priority source's value shows instead.
fn standing(
    records: &[Record],
    source: Source,
    set: &[Attribute],
    date: NaiveDate,
) -> (Vec<Attribute>, Vec<Attribute>) {
    let mut shown = Vec::new();
    let mut outranked = Vec::new();
    for resolved in resolve(records, date) {
        if !set.contains(&resolved.attribute) {
            continue;
        }
        if resolved.chosen.record.source == source {
            shown.push(resolved.attribute);
        } else if resolved
            .others
            .iter()
            .any(|other| other.record.source == source)
        {
            outranked.push(resolved.attribute);
        }
    }
    (shown, outranked)
}

/// A death: a legal unit liquidated, or a branch closed (its link to its
/// legal unit ends that day).
fn cease(
    writer: &mut Writer,
    context: &Context,
    submitted: &Submitted,
    stat_id: StatId,
    kind: UnitKind,
) -> Checked<Accepted> {
    let date = submitted.effective_date;
    let found = checked!(find_alive(
        writer.connection(),
        "stat_id",
        stat_id,
        &[kind],
        date
    ));
    checked!(check_version(writer.connection(), submitted, stat_id));
    die(writer, context, &found, date, UnitStatus::Liquidated)?;
    if kind == UnitKind::LocalUnit {
        if let Some(parent) = current_whole(writer.connection(), LinkKind::LocalUnitOf, stat_id)? {
            writer.end_link(LinkKind::LocalUnitOf, stat_id, parent, date)?;
        }
    }
    writer.event(
        EventKind::Death,
        date,
        &[(stat_id, EventRole::Subject)],
        None,
    )?;
    let set = [Attribute::Status, Attribute::DeathDate];
    accepted(writer, stat_id, context.source(), &set, date, Vec::new())
}

/// Records that a unit ceased on a date, with the status it ceased in.
fn die(
    writer: &mut Writer,
    context: &Context,
    found: &Found,
    date: NaiveDate,
    status: UnitStatus,
) -> StoreResult<()> {
    let source = context.source();
    let (mut stated, source_key) = found.stated_by(source, date);
    stated.status = Some(status.as_str().to_owned());
    stated.death_date = Some(date);
    let statement = Statement {
        source,
        source_key,
        valid_from: date,
        values: stated,
    };
    writer.record(found.stat_id, &statement)?;
    Ok(())
}

fn reactivate(
    writer: &mut Writer,
    context: &Context,
    submitted: &Submitted,
    stat_id: StatId,
) -> Checked<Accepted> {
    let date = submitted.effective_date;
    let found = checked!(find(
        writer.connection(),
        "stat_id",
        stat_id,
        &[UnitKind::LegalUnit, UnitKind::LocalUnit]
    ));
    if found.alive_on(date) {
        return Ok(Err(Refusal::new(
            Fault::Alive,
            "stat_id",
            format!("{stat_id} is alive on {date}: there is nothing to reactivate"),
        )));
    }
    checked!(check_version(writer.connection(), submitted, stat_id));
    let source = context.source();
    let (mut stated, source_key) = found.stated_by(source, date);
    stated.status = Some(UnitStatus::Active.as_str().to_owned());
    stated.death_date = None;
    let statement = Statement {
        source,
        source_key,
        valid_from: date,
        values: stated,
    };
    writer.record(stat_id, &statement)?;
    writer.event(
        EventKind::Reactivation,
        date,
        &[(stat_id, EventRole::Subject)],
        None,
    )?;
    accepted(
        writer,
        stat_id,
        source,
        &[Attribute::Status, Attribute::DeathDate],
        date,
        Vec::new(),
    )
}

fn merge(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    kind: EventKind,
    absorbed: &[StatId],
    survivor: StatId,
) -> Checked<Accepted> {
    let legal = [UnitKind::LegalUnit];
    checked!(find_alive(
        writer.connection(),
        "survivor",
        survivor,
        &legal,
        date
    ));
    let mut ceasing = Vec::with_capacity(absorbed.len());
    for (index, stat_id) in absorbed.iter().enumerate() {
        let field = format!("units[{index}]");
        ceasing.push(checked!(find_alive(
            writer.connection(),
            &field,
            *stat_id,
            &legal,
            date
        )));
    }
    let mut involved = vec![(survivor, EventRole::Successor)];
    for found in &ceasing {
        die(writer, context, found, date, UnitStatus::Reorganised)?;
        involved.push((found.stat_id, EventRole::Predecessor));
    }
    writer.event(kind, date, &involved, None)?;
    accepted(writer, survivor, context.source(), &[], date, Vec::new())
}

/// Creates a legal unit and its enterprise, born on the date.
fn born(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    values: &Values,
) -> StoreResult<(StatId, StatId)> {
    let mut values = values.clone();
    values.birth_date.get_or_insert(date);
    let statement = Statement {
        source: context.source(),
        source_key: chain_key(context.source(), &values),
        valid_from: date,
        values,
    };
    writer.create_legal_unit(&statement)
}

fn split_off(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    parent: StatId,
    values: &Values,
) -> Checked<Accepted> {
    checked!(find_alive(
        writer.connection(),
        "stat_id",
        parent,
        &[UnitKind::LegalUnit],
        date
    ));
    let (new, enterprise) = born(writer, context, date, values)?;
    let involved = [
        (parent, EventRole::Predecessor),
        (new, EventRole::Successor),
    ];
    writer.event(EventKind::SplitOff, date, &involved, None)?;
    accepted(
        writer,
        new,
        context.source(),
        &settable(values),
        date,
        vec![new, enterprise],
    )
}

fn break_up(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    parent: StatId,
    parts: &[Values],
) -> Checked<Accepted> {
    let found = checked!(find_alive(
        writer.connection(),
        "stat_id",
        parent,
        &[UnitKind::LegalUnit],
        date
    ));
    die(writer, context, &found, date, UnitStatus::Reorganised)?;
    let mut involved = vec![(parent, EventRole::Predecessor)];
    let mut created = Vec::with_capacity(parts.len());
    for values in parts {
        let (new, enterprise) = born(writer, context, date, values)?;
        involved.push((new, EventRole::Successor));
        created.extend([new, enterprise]);
    }
    writer.event(EventKind::BreakUp, date, &involved, None)?;
    accepted(
        writer,
        parent,
        context.source(),
        &[Attribute::Status, Attribute::DeathDate],
        date,
        created,
    )
}

fn open_local_unit(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    parent: StatId,
    values: &Values,
) -> Checked<Accepted> {
    checked!(find_alive(
        writer.connection(),
        "stat_id",
        parent,
        &[UnitKind::LegalUnit],
        date
    ));
    let branch = writer.create_unit(UnitKind::LocalUnit)?;
    let mut values = values.clone();
    values.birth_date.get_or_insert(date);
    let statement = Statement {
        source: context.source(),
        source_key: chain_key(context.source(), &values),
        valid_from: date,
        values: values.clone(),
    };
    writer.record_new(branch, &statement);
    writer.link(LinkKind::LocalUnitOf, branch, parent, date)?;
    writer.event(
        EventKind::Birth,
        date,
        &[(branch, EventRole::Subject)],
        None,
    )?;
    accepted(
        writer,
        branch,
        context.source(),
        &settable(&values),
        date,
        vec![branch],
    )
}

fn set_control(
    writer: &mut Writer,
    date: NaiveDate,
    stat_id: StatId,
    controller: StatId,
) -> Checked<Accepted> {
    let legal = [UnitKind::LegalUnit];
    checked!(find_alive(
        writer.connection(),
        "stat_id",
        stat_id,
        &legal,
        date
    ));
    checked!(find_alive(
        writer.connection(),
        "controller",
        controller,
        &legal,
        date
    ));
    let mut created = Vec::new();
    let group = match current_whole(writer.connection(), LinkKind::GroupMember, controller)? {
        Some(group) => group,
        None => {
            let group = writer.create_unit(UnitKind::EnterpriseGroup)?;
            writer.link(LinkKind::GroupMember, controller, group, date)?;
            created.push(group);
            group
        }
    };
    if let Some(old) = current_whole(writer.connection(), LinkKind::GroupMember, stat_id)? {
        if old == group {
            return Ok(Err(Refusal::new(
                Fault::NoChange,
                "controller",
                format!("{stat_id} is already in the group of {controller} ({group})"),
            )));
        }
        writer.end_link(LinkKind::GroupMember, stat_id, old, date)?;
    }
    writer.link(LinkKind::GroupMember, stat_id, group, date)?;
    let version = writer.seq_of(stat_id).unwrap_or_default();
    Ok(Ok(Accepted {
        stat_id,
        version,
        created,
        shown: Vec::new(),
        outranked: Vec::new(),
        matched: None,
    }))
}

fn end_control(writer: &mut Writer, date: NaiveDate, stat_id: StatId) -> Checked<Accepted> {
    checked!(find(
        writer.connection(),
        "stat_id",
        stat_id,
        &[UnitKind::LegalUnit]
    ));
    let Some(group) = current_whole(writer.connection(), LinkKind::GroupMember, stat_id)? else {
        return Ok(Err(Refusal::new(
            Fault::NoChange,
            "stat_id",
            format!("{stat_id} is not in an enterprise group"),
        )));
    };
    writer.end_link(LinkKind::GroupMember, stat_id, group, date)?;
    let version = writer.seq_of(stat_id).unwrap_or_default();
    Ok(Ok(Accepted {
        stat_id,
        version,
        created: Vec::new(),
        shown: Vec::new(),
        outranked: Vec::new(),
        matched: None,
    }))
}

/// The whole a part is linked to now by an open link of this kind.
fn current_whole(
    conn: &mut AnyConnection,
    kind: LinkKind,
    part: StatId,
) -> StoreResult<Option<StatId>> {
    let whole: Option<i64> = unit_links::table
        .filter(unit_links::kind.eq(kind.as_str()))
        .filter(unit_links::from_unit.eq(part.unit_number()))
        .filter(unit_links::superseded_at.is_null())
        .filter(unit_links::valid_to.is_null())
        .order(unit_links::id.desc())
        .select(unit_links::to_unit)
        .first(conn)
        .optional()?;
    Ok(whole.map(StatId::from_unit_number))
}

/// The attributes a set of values gives.
fn settable(values: &Values) -> Vec<Attribute> {
    Attribute::ALL
        .iter()
        .copied()
        .filter(|attribute| values.get(*attribute).is_some())
        .collect()
}

/// The key a source's chain of records is known under (tax: tin, justice: reg_number).
fn chain_key(source: Source, values: &Values) -> Option<String> {
    match source {
        Source::Tax => values.tin.clone(),
        Source::Justice => values.reg_number.clone(),
        Source::Statistics | Source::Register => None,
    }
}

/// The answer for an accepted event: the unit's new version, and which of
/// the attributes the event set now show the source's value.
fn accepted(
    writer: &mut Writer,
    stat_id: StatId,
    source: Source,
    set: &[Attribute],
    date: NaiveDate,
    created: Vec<StatId>,
) -> Checked<Accepted> {
    writer.flush()?;
    let version = match writer.seq_of(stat_id) {
        Some(seq) => seq,
        None => units::version(writer.connection(), stat_id)?,
    };
    let records = units::current_records(writer.connection(), &[stat_id.unit_number()])?;
    let (shown, outranked) = standing(&records, source, set, date);
    Ok(Ok(Accepted {
        stat_id,
        version,
        created,
        shown,
        outranked,
        matched: None,
    }))
}

/// A birth: matched like a load's row, so that a unit the register already
/// has (from another source) is not created twice.
fn register(
    writer: &mut Writer,
    context: &Context,
    date: NaiveDate,
    values: &Values,
) -> StoreResult<Outcome> {
    let source = context.source();
    let mut values = values.clone();
    values.birth_date.get_or_insert(date);
    let key = chain_key(source, &values);
    let mut ids = loads::units_with_identifiers(
        writer.connection(),
        values.tin.as_deref(),
        values.reg_number.as_deref(),
    )?;
    let (similar, indexed) = (context.similar)(&values);
    ids.extend(similar);
    // Units changed since the index last caught up are not searchable yet.
    ids.extend(units::changed_since(
        writer.connection(),
        indexed,
        NOT_YET_INDEXED,
    )?);
    ids.sort_unstable();
    ids.dedup();
    let known = loads::known_of(writer.connection(), &ids)?;
    let profile = Profile::new(
        values.name.as_deref().unwrap_or_default(),
        values.address.as_deref(),
        values.region.as_deref(),
        values.activity.as_deref(),
        values.legal_form.as_deref(),
        values.birth_date,
    )
    .with_identifiers(values.tin.as_deref(), values.reg_number.as_deref());
    let keys = RowKeys {
        unit: None,
        tin: values.tin.clone(),
        reg_number: values.reg_number.clone(),
    };
    let matched = known.propose(
        source,
        key.as_deref(),
        &keys,
        &profile,
        context.thresholds,
        true,
    );
    let statement = Statement {
        source,
        source_key: key,
        valid_from: date,
        values,
    };
    let all = settable(&statement.values);
    match matched.proposal {
        Proposal::Link { unit, method, .. } => {
            let stat_id = StatId::from_unit_number(unit);
            writer.record(stat_id, &statement)?;
            let answer = accepted(writer, stat_id, source, &all, date, Vec::new())?;
            Ok(match answer {
                Ok(accepted) => Outcome::Accepted(Accepted {
                    matched: Some(method.as_str()),
                    ..accepted
                }),
                Err(refusal) => Outcome::Rejected(vec![refusal]),
            })
        }
        Proposal::New { .. } => {
            let (legal_unit, enterprise) = writer.create_legal_unit(&statement)?;
            writer.event(
                EventKind::Birth,
                date,
                &[(legal_unit, EventRole::Subject)],
                None,
            )?;
            let answer = accepted(
                writer,
                legal_unit,
                source,
                &all,
                date,
                vec![legal_unit, enterprise],
            )?;
            Ok(match answer {
                Ok(accepted) => Outcome::Accepted(accepted),
                Err(refusal) => Outcome::Rejected(vec![refusal]),
            })
        }
        Proposal::Review { reason } => {
            let candidates = candidate_views(&matched.candidates);
            let review_id = open_review(writer, context, &statement, &reason, &candidates)?;
            Ok(Outcome::Review(Sent {
                review_id,
                reason,
                candidates: candidates.iter().map(|c| c.stat_id).collect(),
            }))
        }
    }
}

/// Opens a review item for a submitted birth: it names the submission,
/// and `line` is the event's number in it.
fn open_review(
    writer: &mut Writer,
    context: &Context,
    statement: &Statement,
    reason: &str,
    candidates: &[crate::ingest::load::CandidateView],
) -> StoreResult<i64> {
    let encode = |e: serde_json::Error| StoreError::Encode(e.to_string());
    let next: Option<i64> = review_items::table
        .select(diesel::dsl::max(review_items::id))
        .first(writer.connection())?;
    let id = next.unwrap_or_default() + 1;
    let pending = PendingStatement {
        source_key: statement.source_key.clone(),
        first_valid_from: statement.valid_from,
        valid_from: statement.valid_from,
        values: statement.values.clone(),
    };
    let values = &statement.values;
    let fingerprint = match &statement.source_key {
        Some(key) => key.clone(),
        None => format!(
            "~submission:{}:{}|{}",
            context.submission,
            context.number,
            values.name.as_deref().unwrap_or_default()
        ),
    };
    let item = ReviewItem {
        id,
        load_id: None,
        submission_id: Some(context.submission),
        line: context.number as i64,
        source: statement.source.as_str().to_owned(),
        source_key: statement.source_key.clone(),
        fingerprint,
        reason: format!("submission {}: {reason}", context.submission),
        statement: serde_json::to_string(&pending).map_err(encode)?,
        candidates: serde_json::to_string(candidates).map_err(encode)?,
        status: ReviewStatus::Open.as_str().to_owned(),
        unit_id: None,
        decided_by: None,
        decided_at: None,
        note: None,
        created_at: writer.now(),
    };
    review::insert(writer.connection(), &[item])?;
    Ok(id)
}
