//! `sanaw demo`: a fresh data folder with the bundled sample extracts
//! loaded, for a first look.
//!
//! The three sample extracts (`fixtures/sources/`) go through the same loads
//! as any agency file, justice first, so that the tour shows real
//! reconciliation: units built from three sources, conflicts, branches,
//! liquidations, and a review queue with something in it.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::source::Source;
use crate::ingest::load::{self, LoadError, Options, Progress, Report};
use crate::reconcile::matcher::Thresholds;
use crate::store::Database;

/// The sample extracts, in the order an office would usually load them.
const SAMPLES: [(Source, &str, &[u8]); 3] = [
    (
        Source::Justice,
        "justice.csv",
        include_bytes!("../fixtures/sources/justice.csv"),
    ),
    (
        Source::Tax,
        "tax.csv",
        include_bytes!("../fixtures/sources/tax.csv"),
    ),
    (
        Source::Statistics,
        "statistics.csv",
        include_bytes!("../fixtures/sources/statistics.csv"),
    ),
];
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
    /// A bundled sample is unreadable.
    #[error("bundled sample: {0}")]
    Sample(String),
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

/// A statistician's token for the demo's pages: the demo folder is a
/// throwaway, so its one token may be printed for the visitor to sign in with.
pub fn statistician_token(db: &Database) -> Result<String, DemoError> {
    let mut conn = db.writer()?;
    let label = Some("demo statistician");
    Ok(crate::store::tokens::create(
        &mut conn,
        crate::domain::access::Role::Statistician,
        None,
        label,
    )?)
}

/// Loads the sample extracts with the service's thresholds; returns their reports.
pub fn seed(db: &Database, thresholds: Thresholds) -> Result<Vec<Report>, DemoError> {
    let mut conn = db.writer()?;
    let effective_date = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a valid date");
    let mut reports = Vec::new();
    for (source, name, bytes) in SAMPLES {
        let options = Options {
            source,
            dry_run: false,
            effective_date,
            encoding: None,
            thresholds,
            injected_panic: None,
        };
        let input = std::io::Cursor::new(bytes);
        let report = load::start(
            &mut conn,
            input,
            &options,
            name,
            "demo",
            Arc::new(Progress::default()),
        )
        .map_err(|error| match error {
            LoadError::Store(error) => DemoError::Store(error),
            LoadError::File(error) => DemoError::Sample(error.to_string()),
        })?;
        reports.push(report);
    }
    Ok(reports)
}
