//! A long read of the whole register (an export, the demography walk) in one
//! snapshot, so that it reflects one register version however long it runs.

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};

use super::units::register_version;
use super::{AnyConnection, StoreError};

/// The most of an SQLite file mapped into memory (SQLite's own ceiling).
const MAPPED_BYTES: i64 = 0x7fff_0000;

/// Runs `work` in one read transaction (PostgreSQL: repeatable read) and
/// gives it the register version the snapshot holds. On SQLite the file is
/// read through a memory map meanwhile: a walk fetches record rows
/// scattered over the file, one page each, and the read calls were a third
/// of its time at a million units. The connection goes back to the pool as
/// the pool made it.
pub fn read<T, E>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection, i64) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
{
    mapped(conn, true)?;
    let done = conn.transaction(|conn| {
        if let AnyConnection::Postgresql(pg) = conn {
            // Read committed would let a load land between two pages.
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(pg)?;
        }
        let version = register_version(conn)?;
        work(conn, version)
    });
    let restored = mapped(conn, false);
    let value = done?;
    restored?;
    Ok(value)
}

/// SQLite: reads the file through a memory map (`on`), or with a read call
/// per page (off, the pool's setting). PostgreSQL: nothing.
fn mapped(conn: &mut AnyConnection, on: bool) -> Result<(), StoreError> {
    let AnyConnection::Sqlite(sqlite) = conn else {
        return Ok(());
    };
    let bytes = if on { MAPPED_BYTES } else { 0 };
    sqlite.batch_execute(&format!("PRAGMA mmap_size = {bytes}"))?;
    Ok(())
}
