//! `sanaw demo`: a fresh data folder with sample units, for a first look.
//!
//! The sample enterprises are those behind the bundled sample extracts
//! (`fixtures/sources/entities.csv`). Each gets what the three sources would
//! say about it, a birth, and for some a rename or a liquidation, so that
//! attributes, sources, conflicts, history and links all have something to show.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Duration, NaiveDate};

use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::attribute::Values;
use crate::domain::event::{EventKind, EventRole};
use crate::domain::link::LinkKind;
use crate::domain::source::{Origin, OriginKind, Source};
use crate::domain::stat_id::StatId;
use crate::domain::unit::UnitKind;
use crate::store::register::{self, Statement, Writer};
use crate::store::{Database, StoreResult};

const ENTITIES: &str = include_str!("../fixtures/sources/entities.csv");
/// Marks a folder as made by `sanaw demo`, so only such a folder is ever emptied.
const MARKER: &str = ".sanaw-demo";

/// Why the demo cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The folder exists and was not made by the demo: refuse to touch it.
    #[error("{0} exists and is not a demo folder; choose another with --demo-dir")]
    NotADemoFolder(String),
    /// The folder cannot be prepared.
    #[error("demo folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The bundled sample is unreadable.
    #[error("bundled sample: {0}")]
    Sample(#[from] csv::Error),
    /// Writing the sample failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Empties an earlier demo folder or creates a new one.
pub fn prepare_folder(dir: &Path) -> Result<(), DemoError> {
    let folder_error = |source| DemoError::Folder {
        path: dir.display().to_string(),
        source,
    };
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            return Err(DemoError::NotADemoFolder(dir.display().to_string()));
        }
        std::fs::remove_dir_all(dir).map_err(folder_error)?;
    }
    std::fs::create_dir_all(dir).map_err(folder_error)?;
    std::fs::write(dir.join(MARKER), "made by sanaw demo\n").map_err(folder_error)?;
    Ok(())
}

#[derive(Debug, serde::Deserialize)]
struct Entity {
    entity: String,
    name: String,
    legal_form: String,
    region: String,
    tin: String,
    reg_number: String,
    activity: String,
    dead: u8,
    parent: String,
}

/// Writes the sample units; returns how many units the register then holds.
pub fn seed(db: &Database) -> Result<i64, DemoError> {
    let entities: Vec<Entity> = csv::Reader::from_reader(ENTITIES.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()?;
    let mut conn = db.writer()?;
    register::write(
        &mut conn,
        Origin::new(OriginKind::System, "demo"),
        |writer| {
            let mut legal_units: HashMap<&str, StatId> = HashMap::new();
            for (number, entity) in entities.iter().enumerate() {
                let legal_unit = seed_entity(writer, number as i64, entity)?;
                legal_units.insert(entity.entity.as_str(), legal_unit);
            }
            for entity in entities.iter().filter(|e| !e.parent.is_empty()) {
                if let Some(parent) = legal_units.get(entity.parent.as_str()) {
                    let local = writer.create_unit(UnitKind::LocalUnit)?;
                    writer.link(LinkKind::LocalUnitOf, local, *parent, date(2015, 1, 1))?;
                }
            }
            Ok(())
        },
    )?;
    Ok(crate::store::units::count(&mut *db.reader()?)?)
}

fn seed_entity(writer: &mut Writer, number: i64, entity: &Entity) -> StoreResult<StatId> {
    let birth = date(1995, 1, 1) + Duration::days(number * 97 % 10_000);
    let death = (entity.dead == 1).then(|| birth + Duration::days(2_000));
    let activity = canonical_code(Scheme::Nace, &entity.activity).ok();
    let renamed = number % 25 == 7;
    let first_name = if renamed {
        format!("{} (former name)", entity.name)
    } else {
        entity.name.clone()
    };
    let justice = Statement {
        source: Source::Justice,
        source_key: Some(entity.reg_number.clone()),
        valid_from: birth,
        values: Values {
            name: Some(first_name),
            legal_form: Some(entity.legal_form.clone()),
            reg_number: Some(entity.reg_number.clone()),
            region: Some(entity.region.clone()),
            status: Some(
                if death.is_some() {
                    "liquidated"
                } else {
                    "active"
                }
                .into(),
            ),
            birth_date: Some(birth),
            death_date: death,
            ..Values::default()
        },
    };
    let (legal_unit, _enterprise) = writer.create_legal_unit(&justice)?;
    writer.event(
        EventKind::Birth,
        birth,
        &[(legal_unit, EventRole::Subject)],
        None,
    )?;
    if renamed {
        let mut rename = justice.clone();
        rename.valid_from = date(2023, 1, 1).max(birth + Duration::days(1));
        rename.values.name = Some(entity.name.clone());
        writer.record(legal_unit, &rename)?;
    }
    let tax = Statement {
        source: Source::Tax,
        source_key: Some(entity.tin.clone()),
        valid_from: birth,
        values: Values {
            tin: Some(entity.tin.clone()),
            name: Some(entity.name.to_uppercase()),
            activity: activity.as_ref().map(|code| code[..2].to_owned()),
            tax_status: Some(
                if death.is_some() {
                    "deregistered"
                } else {
                    "active"
                }
                .into(),
            ),
            turnover: Some((number * 7_919 % 1_000_000 + 1_000) * 100),
            turnover_year: Some(2024),
            vat_registered: Some(number % 3 == 0),
            ..Values::default()
        },
    };
    writer.record(legal_unit, &tax)?;
    if death.is_none() {
        let statistics = Statement {
            source: Source::Statistics,
            source_key: None,
            valid_from: date(2024, 1, 1).max(birth),
            values: Values {
                activity,
                employees: Some(number % 50 + 1),
                institutional_sector: Some("S11".into()),
                ..Values::default()
            },
        };
        writer.record(legal_unit, &statistics)?;
    }
    if let Some(death) = death {
        writer.event(
            EventKind::Death,
            death,
            &[(legal_unit, EventRole::Subject)],
            None,
        )?;
    }
    Ok(legal_unit)
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}
