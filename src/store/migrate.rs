//! Schema migrations, embedded in the binary: one folder per backend,
//! because the SQL types differ (see `migrations/`).

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{AnyConnection, StoreError, StoreResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration.
pub fn run(conn: &mut AnyConnection) -> StoreResult<()> {
    let applied = match conn {
        AnyConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE).map(|v| v.len()),
        AnyConnection::Postgresql(inner) => inner.run_pending_migrations(POSTGRES).map(|v| v.len()),
    }
    .map_err(|error| StoreError::Migration(error.to_string()))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}
