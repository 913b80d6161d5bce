//! Settings, from flags and the environment (flags win; see CONTRACT.md).

use std::path::PathBuf;

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
    pub workers: Option<usize>,
    /// Largest JSON request body accepted, in bytes.
    pub json_limit: usize,
    /// Largest extract upload accepted, in bytes.
    pub upload_limit: u64,
    /// The matcher's thresholds for loads run by the service.
    pub thresholds: Thresholds,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `DATABASE_URL` names a database the register cannot use.
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite://, got {0:?}")]
    DatabaseUrl(String),
}

impl Settings {
    /// Settings for a data folder, an optional `DATABASE_URL` and an address.
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
            workers: None,
            json_limit: 256 * 1024,
            upload_limit: 2 * 1024 * 1024 * 1024,
            thresholds: Thresholds::default(),
        })
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
}
