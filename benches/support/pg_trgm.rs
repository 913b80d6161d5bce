//! The search most registers would build instead: PostgreSQL's `pg_trgm`
//! trigram similarity over a GIN index on the normalised names.
//!
//! One row per (unit, normalised name) in `bench_names`; a query is
//! normalised the same way and answered by
//! `WHERE name % $1 ORDER BY similarity(name, $1) DESC LIMIT 10`.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// `pg_trgm.similarity_threshold`: the extension's default. `%` keeps the
/// names at least this similar to the query; lower lets more typos and
/// transliteration slips through, at the cost of sorting more candidates.
pub const SIMILARITY_THRESHOLD: f64 = 0.3;

diesel::table! {
    bench_names (stat_id, name) {
        stat_id -> Text,
        name -> Text,
    }
}

#[derive(Insertable)]
#[diesel(table_name = bench_names)]
// COPY has no column defaults to fall back on.
#[diesel(treat_none_as_default_value = false)]
struct NameRow<'a> {
    stat_id: &'a str,
    name: &'a str,
}

/// Rows sent per `COPY` (bounds the memory of one statement).
const COPY_BATCH: usize = 100_000;

/// How long building the table took.
pub struct Built {
    /// Rows copied in.
    pub rows: usize,
    /// Creating the table and copying the rows.
    pub load: Duration,
    /// `CREATE INDEX … USING gin (name gin_trgm_ops)`.
    pub index: Duration,
    /// `ANALYZE`.
    pub analyze: Duration,
    /// The GIN index's size on disk, in bytes.
    pub index_bytes: i64,
}

/// A connection with the similarity threshold set.
pub fn connect(url: &str) -> ConnectionResult<PgConnection> {
    let mut conn = PgConnection::establish(url)?;
    conn.batch_execute(&format!(
        "SET pg_trgm.similarity_threshold = {SIMILARITY_THRESHOLD}"
    ))
    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// Creates `bench_names` afresh from (stat_id, normalised name) rows and
/// indexes it.
pub fn build(conn: &mut PgConnection, rows: &[(String, String)]) -> QueryResult<Built> {
    let started = Instant::now();
    conn.batch_execute(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;
         DROP TABLE IF EXISTS bench_names;
         CREATE TABLE bench_names (stat_id text NOT NULL, name text NOT NULL);",
    )?;
    for batch in rows.chunks(COPY_BATCH) {
        let batch: Vec<NameRow> = batch
            .iter()
            .map(|(stat_id, name)| NameRow { stat_id, name })
            .collect();
        diesel::copy_from(bench_names::table)
            .from_insertable(batch)
            .execute(conn)?;
    }
    let load = started.elapsed();
    let started = Instant::now();
    conn.batch_execute(
        "CREATE INDEX bench_names_trgm ON bench_names USING gin (name gin_trgm_ops)",
    )?;
    let index = started.elapsed();
    let started = Instant::now();
    conn.batch_execute("ANALYZE bench_names")?;
    let analyze = started.elapsed();
    let index_bytes = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "pg_relation_size('bench_names_trgm')",
    ))
    .get_result(conn)?;
    Ok(Built {
        rows: rows.len(),
        load,
        index,
        analyze,
        index_bytes,
    })
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    stat_id: String,
}

/// The stat_ids of the ten most similar names, best first, each unit once
/// (a unit with several names may fill more than one of the ten rows).
pub fn top10(conn: &mut PgConnection, normalised_query: &str) -> QueryResult<Vec<String>> {
    let rows: Vec<Found> = diesel::sql_query(
        "SELECT stat_id FROM bench_names WHERE name % $1 \
         ORDER BY similarity(name, $1) DESC LIMIT 10",
    )
    .bind::<Text, _>(normalised_query)
    .load(conn)?;
    let mut units: Vec<String> = Vec::with_capacity(rows.len());
    for row in rows {
        if !units.contains(&row.stat_id) {
            units.push(row.stat_id);
        }
    }
    Ok(units)
}
