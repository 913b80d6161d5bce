//! One connection type for both backends, and the pool that opens them.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

/// A connection to SQLite or PostgreSQL; queries are written once for both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// The server backend, for scale.
    Postgresql(PgConnection),
    /// The embedded default.
    Sqlite(SqliteConnection),
}

/// Where the register's database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

/// Opens connections of the configured backend for an r2d2 pool.
///
/// The backend is chosen explicitly rather than by trying each in turn
/// (diesel's default), because SQLite accepts any string as a file name.
#[derive(Debug, Clone)]
pub struct Connector {
    location: Location,
    read_only: bool,
}

impl Connector {
    /// A connector for writers (`read_only` false) or readers.
    pub fn new(location: Location, read_only: bool) -> Self {
        Connector {
            location,
            read_only,
        }
    }
}

impl diesel::r2d2::ManageConnection for Connector {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match &self.location {
            Location::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError),
            Location::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers go on while the one writer writes; the busy
                // timeout makes a second process (a CLI load) wait, not fail.
                // `synchronous = FULL` syncs the log at every commit: a load or
                // decision reported done survives a power cut. A load is one
                // commit, so this costs it one sync; NORMAL could lose the
                // last commits (though never corrupt the file).
                let mut pragmas = String::from(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                );
                if self.read_only {
                    pragmas.push_str(" PRAGMA query_only = ON;");
                } else {
                    // A bulk load updates big indexes; a larger page cache
                    // (128 MiB) keeps them from being re-read for every batch.
                    pragmas.push_str(" PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;");
                }
                conn.batch_execute(&pragmas)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection given back while its thread unwinds from a panic, or
    /// with a transaction still open, is closed rather than reused: the
    /// next write on it would run inside that transaction, as a savepoint
    /// that never commits, and vanish.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        std::thread::panicking() || conn.is_broken()
    }
}

/// Runs `$body` with `$conn` bound to the concrete backend connection.
///
/// Diesel's multi-backend type does not support multi-row `INSERT`, which
/// bulk writes need; this expands the same statement once per backend.
macro_rules! on_backend {
    ($conn:expr, $inner:ident => $body:expr) => {
        match $conn {
            $crate::store::AnyConnection::Sqlite($inner) => $body,
            $crate::store::AnyConnection::Postgresql($inner) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Inserts `$rows` into `$table` in multi-row statements of `$per_statement`
/// rows, then the few left over one by one.
///
/// Every statement has one of two fixed shapes, so diesel prepares each
/// once per connection and reuses it; statements of varying row counts were
/// re-parsed on every batch, about a tenth of a bulk load's time. Keep
/// `$per_statement` times the row's columns under SQLite's 32,766 binds.
macro_rules! insert_batched {
    ($conn:expr, $table:expr, $rows:expr, $per_statement:literal) => {{
        let mut chunks = $rows.chunks_exact($per_statement);
        let mut result: diesel::QueryResult<()> = Ok(());
        for chunk in &mut chunks {
            let full: &[_; $per_statement] = chunk
                .try_into()
                .expect("chunks_exact yields full chunks");
            if let Err(error) = $crate::store::connection::on_backend!(
                $conn, c => diesel::insert_into($table).values(full).execute(c)
            ) {
                result = Err(error);
                break;
            }
        }
        if result.is_ok() {
            for row in chunks.remainder() {
                let one: &[_; 1] = std::slice::from_ref(row)
                    .try_into()
                    .expect("one row");
                if let Err(error) = $crate::store::connection::on_backend!(
                    $conn, c => diesel::insert_into($table).values(one).execute(c)
                ) {
                    result = Err(error);
                    break;
                }
            }
        }
        result
    }};
}
pub(crate) use insert_batched;
