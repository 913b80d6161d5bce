//! Settings: built once, from flags and the environment (flags win; see
//! docs/CONTRACT.md), and the same for `serve`, `demo` and `load`, so a file
//! links the same way whichever door it comes through.

use std::path::PathBuf;

use crate::ingest::fault::InjectedPanic;
use crate::reconcile::matcher::Thresholds;
use crate::store::Location;

/// How the service is configured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The folder holding the SQLite file and the search index.
    pub data_dir: PathBuf,
    /// Where the database lives.
    pub database: Location,
    /// `HOST:PORT` to listen on; port 0 picks a free one (tests).
    pub addr: String,
    /// HTTP worker threads; `None` means one per core.
    pub http_workers: Option<usize>,
    /// Search threads; `None` means one per core.
    pub search_threads: Option<usize>,
    /// Largest JSON request body accepted, in bytes.
    pub json_limit: usize,
    /// Largest extract upload accepted, in bytes.
    pub upload_limit: u64,
    /// The matcher's thresholds, for every load however it arrives.
    pub thresholds: Thresholds,
    /// How many days ahead a submitted event's effective date may be.
    pub horizon_days: i64,
    /// How long an idle change stream waits before sending a heartbeat.
    pub heartbeat: std::time::Duration,
    /// A panic a test injects into loads (see `ingest::fault`); `None` otherwise.
    #[doc(hidden)]
    pub injected_panic: Option<InjectedPanic>,
}

/// The tunable part of the settings, as given by flag or environment (each
/// `None` keeps the default); every command takes them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Tuning {
    /// Match score at or above which a row is linked (default 14).
    #[arg(long, env = "SANAW_LINK_THRESHOLD", global = true)]
    pub link_threshold: Option<f64>,
    /// Match score at or above which a row goes to review rather than a new unit (default 8).
    #[arg(long, env = "SANAW_REVIEW_THRESHOLD", global = true)]
    pub review_threshold: Option<f64>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SANAW_HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,
    /// Search threads (default: one per core).
    #[arg(long, env = "SANAW_SEARCH_THREADS", global = true)]
    pub search_threads: Option<usize>,
    /// Largest JSON request body, in bytes (default 1 MiB).
    #[arg(long, env = "SANAW_JSON_LIMIT", global = true)]
    pub json_limit: Option<usize>,
    /// Largest extract upload, in bytes (default 2 GiB).
    #[arg(long, env = "SANAW_UPLOAD_LIMIT", global = true)]
    pub upload_limit: Option<u64>,
    /// How many days ahead a submitted event may take effect (default 366).
    #[arg(long, env = "SANAW_HORIZON_DAYS", global = true)]
    pub horizon_days: Option<u32>,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `DATABASE_URL` names a database the register cannot use.
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite://, got {0:?}")]
    DatabaseUrl(String),
    /// The thresholds contradict each other or are not numbers.
    #[error("the review threshold ({review}) must be a number no greater than the link threshold ({link})")]
    Thresholds {
        /// The link threshold.
        link: f64,
        /// The review threshold.
        review: f64,
    },
    /// A size or count outside what the service can work with.
    #[error("{name} must be between {min} and {max}, got {given}")]
    OutOfRange {
        /// The setting's flag name.
        name: &'static str,
        /// The value given.
        given: u64,
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
}

/// The default JSON body limit: a review decision or a batch of changes.
const JSON_LIMIT: usize = 1024 * 1024;
/// The default horizon: a registration announced up to a year ahead.
const HORIZON_DAYS: i64 = 366;
/// The default upload limit: a national extract of a million rows is about 300 MiB.
const UPLOAD_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

impl Settings {
    /// Default settings for a data folder, an optional `DATABASE_URL` and an address.
    pub fn new(
        data_dir: PathBuf,
        database_url: Option<&str>,
        addr: &str,
    ) -> Result<Self, ConfigError> {
        let database = database_location(&data_dir, database_url)?;
        Ok(Settings {
            data_dir,
            database,
            addr: addr.to_owned(),
            http_workers: None,
            search_threads: None,
            json_limit: JSON_LIMIT,
            upload_limit: UPLOAD_LIMIT,
            thresholds: Thresholds::default(),
            horizon_days: HORIZON_DAYS,
            heartbeat: std::time::Duration::from_secs(15),
            injected_panic: None,
        })
    }

    /// These settings with the tuning applied, each value checked once.
    pub fn tuned(mut self, tuning: &Tuning) -> Result<Self, ConfigError> {
        let link = tuning.link_threshold.unwrap_or(self.thresholds.link);
        let review = tuning.review_threshold.unwrap_or(self.thresholds.review);
        if !link.is_finite() || !review.is_finite() || review > link {
            return Err(ConfigError::Thresholds { link, review });
        }
        self.thresholds.link = link;
        self.thresholds.review = review;
        if let Some(workers) = tuning.http_workers {
            self.http_workers = Some(in_range("--http-workers", workers as u64, 1, 256)? as usize);
        }
        if let Some(threads) = tuning.search_threads {
            self.search_threads =
                Some(in_range("--search-threads", threads as u64, 1, 256)? as usize);
        }
        if let Some(limit) = tuning.json_limit {
            self.json_limit = in_range("--json-limit", limit as u64, 1024, 64 << 20)? as usize;
        }
        if let Some(limit) = tuning.upload_limit {
            self.upload_limit = in_range("--upload-limit", limit, 1024, 64 << 30)?;
        }
        if let Some(days) = tuning.horizon_days {
            self.horizon_days = in_range("--horizon-days", days.into(), 0, 3_660)? as i64;
        }
        Ok(self)
    }

    /// Where uploaded extracts wait for their load.
    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    /// Where the search index lives.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

fn in_range(name: &'static str, given: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
    if (min..=max).contains(&given) {
        return Ok(given);
    }
    Err(ConfigError::OutOfRange {
        name,
        given,
        min,
        max,
    })
}

/// Unset or empty means the embedded SQLite file in the data folder.
fn database_location(
    data_dir: &std::path::Path,
    url: Option<&str>,
) -> Result<Location, ConfigError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(Location::Sqlite(data_dir.join("sanaw.db")));
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Location::Postgres(url.to_owned()));
    }
    match url.strip_prefix("sqlite://") {
        Some(path) if !path.is_empty() => Ok(Location::Sqlite(PathBuf::from(path))),
        _ => Err(ConfigError::DatabaseUrl(url.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Settings {
        Settings::new(PathBuf::from("data"), None, "127.0.0.1:0").unwrap()
    }

    #[test]
    fn database_url_selects_the_backend() {
        let dir = PathBuf::from("data");
        assert_eq!(
            database_location(&dir, None).unwrap(),
            Location::Sqlite(dir.join("sanaw.db"))
        );
        assert_eq!(
            database_location(&dir, Some(" ")).unwrap(),
            Location::Sqlite(dir.join("sanaw.db"))
        );
        assert_eq!(
            database_location(&dir, Some("postgres://u@h/db")).unwrap(),
            Location::Postgres("postgres://u@h/db".into())
        );
        assert!(database_location(&dir, Some("mysql://x")).is_err());
    }

    #[test]
    fn thresholds_are_tuned_together_and_checked_once() {
        let tuning = Tuning {
            link_threshold: Some(20.0),
            ..Tuning::default()
        };
        let tuned = defaults().tuned(&tuning).unwrap();
        assert_eq!(tuned.thresholds.link, 20.0);
        assert_eq!(tuned.thresholds.review, Thresholds::default().review);
        let crossed = Tuning {
            review_threshold: Some(15.0),
            ..Tuning::default()
        };
        let error = defaults().tuned(&crossed).unwrap_err();
        assert!(error
            .to_string()
            .contains("no greater than the link threshold (14)"));
        let not_a_number = Tuning {
            link_threshold: Some(f64::NAN),
            ..Tuning::default()
        };
        assert!(defaults().tuned(&not_a_number).is_err());
    }

    #[test]
    fn limits_and_counts_must_be_usable() {
        let tuning = Tuning {
            upload_limit: Some(10 << 20),
            http_workers: Some(3),
            ..Tuning::default()
        };
        let tuned = defaults().tuned(&tuning).unwrap();
        assert_eq!(tuned.upload_limit, 10 << 20);
        assert_eq!(tuned.http_workers, Some(3));
        let zero = Tuning {
            search_threads: Some(0),
            ..Tuning::default()
        };
        let error = defaults().tuned(&zero).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--search-threads must be between 1 and 256, got 0"
        );
    }
}
