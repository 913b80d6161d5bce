//! The database: connection pools, migrations, reference data, and the
//! queries of the register. Every query is written once for both backends.

pub mod audit;
pub mod connection;
pub mod dates;
pub mod demography;
pub mod feed;
pub mod frames;
pub mod loads;
pub mod migrate;
pub mod reference;
pub mod register;
pub mod review;
pub mod schema;
pub mod sessions;
pub mod snapshot;
pub mod tokens;
pub mod units;

use std::time::Duration;

use diesel::r2d2::Pool;

use connection::Connector;
pub use connection::{AnyConnection, Location};

/// Everything that can go wrong in the store. Callers map it to a user answer
/// once (see `api::error`); nothing here knows about HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection could be had from the pool.
    #[error("database connection: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A query failed.
    #[error("database query: {0}")]
    Query(#[from] diesel::result::Error),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migration(String),
    /// A bundled reference table could not be read.
    #[error("reference data {file}: {reason}")]
    Reference {
        /// Which fixture.
        file: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored value is not one the register writes.
    #[error("unexpected value in {column}: {value:?}")]
    Corrupt {
        /// Table and column.
        column: &'static str,
        /// The value found.
        value: String,
    },
    /// The data folder could not be created.
    #[error("data folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Every `stat_id` has been handed out.
    #[error("no stat_id left to hand out")]
    IdsExhausted,
    /// A dry run's changes were discarded on purpose (never shown to users).
    #[error("dry run: changes discarded")]
    DryRun,
    /// A guarded update found its row changed by another writer first.
    #[error("{0}")]
    Stale(String),
    /// The caller gave the write up (a thread feeding it failed); nothing of it committed.
    #[error("the write was abandoned: {0}")]
    Abandoned(String),
    /// A value could not be encoded for storage.
    #[error("encoding a stored value: {0}")]
    Encode(String),
    /// The blocking worker running the query went away.
    #[error("database worker stopped")]
    Worker,
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// The register's database: one writer, a pool of readers.
///
/// SQLite allows one writer at a time, so the writer pool has one connection
/// and writes queue for it instead of failing with "database is locked".
#[derive(Clone)]
pub struct Database {
    readers: Pool<Connector>,
    writer: Pool<Connector>,
    location: Location,
}

impl Database {
    /// Opens (creating if needed) the database, migrates it and loads the
    /// bundled reference data.
    pub fn open(location: &Location) -> StoreResult<Self> {
        if let Location::Sqlite(path) = location {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
        }
        let writers = match location {
            Location::Sqlite(_) => 1,
            Location::Postgres(_) => 4,
        };
        let writer = Pool::builder()
            .max_size(writers)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(Connector::new(location.clone(), false))?;
        {
            let mut conn = writer.get()?;
            migrate::run(&mut conn)?;
            reference::load(&mut conn)?;
        }
        let readers = Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(Connector::new(location.clone(), true))?;
        Ok(Database {
            readers,
            writer,
            location: location.clone(),
        })
    }

    /// Where the database lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Runs a read on a blocking thread, off the async workers.
    pub async fn read<T, F>(&self, query: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        run_blocking(move || query(&mut *pool.get()?)).await
    }

    /// Runs a write on a blocking thread, off the async workers.
    pub async fn write<T, F>(&self, change: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.writer.clone();
        run_blocking(move || change(&mut *pool.get()?)).await
    }

    /// A read connection for synchronous callers (the command line).
    pub fn reader(&self) -> StoreResult<diesel::r2d2::PooledConnection<Connector>> {
        Ok(self.readers.get()?)
    }

    /// The write connection for synchronous callers (the command line).
    pub fn writer(&self) -> StoreResult<diesel::r2d2::PooledConnection<Connector>> {
        Ok(self.writer.get()?)
    }
}

async fn run_blocking<T, F>(work: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    actix_web::rt::task::spawn_blocking(work)
        .await
        .map_err(|_| StoreError::Worker)?
}
