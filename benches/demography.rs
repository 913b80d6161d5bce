//! Business demography at scale: how long one uncached
//! `GET /api/v1/stats/demography` takes (the walk of every legal unit that
//! fills the cache), and what a cached answer costs.
//!
//! 1. Generates extracts with `support/generator.rs` and loads justice, tax
//!    and statistics through the real `sanaw load` (skipped with
//!    `BENCH_REUSE=<folder>`: a folder this bench, `loads` or `search` kept).
//! 2. Opens the register and runs `stats::demography::compute`, the walk
//!    behind an uncached call, twice (the first reads from disk, the second
//!    mostly from the page cache), then the rows of every breakdown from the
//!    tables, the work of a cached call. Prints the wall and CPU times, the units walked,
//!    the process's peak memory, and the totals of the last ten years.
//!
//! Environment: `BENCH_ENTITIES` (default 100,000; the figure is
//! 1,000,000), `BENCH_SEED` (7), `BENCH_KEEP=1` keeps the folder,
//! `BENCH_REUSE=<folder>`, `BENCH_PG_URL=postgres://…/DB`: walk that
//! PostgreSQL register instead (loaded beforehand with `DATABASE_URL=…
//! sanaw load …`; nothing is generated).
//!
//! `cargo bench --bench demography`

#[path = "support/generator.rs"]
mod generator;
#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;
#[path = "support/server.rs"]
mod server;

use std::time::Instant;

use chrono::{Datelike, Utc};
use sanaw::domain::demography::Breakdown;
use sanaw::stats::demography::compute;
use sanaw::store::{Database, Location};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let entities: usize = env_or("BENCH_ENTITIES", 100_000);
    let seed: u64 = env_or("BENCH_SEED", 7);
    let folder = tempfile::tempdir().expect("a temporary folder");
    let reuse = std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from);
    let root = reuse.as_deref().unwrap_or(folder.path());
    let data = root.join("data");
    let postgres = std::env::var("BENCH_PG_URL").ok();
    match (&postgres, &reuse) {
        (Some(_), _) => println!("walking the PostgreSQL register of BENCH_PG_URL"),
        (None, Some(kept)) => println!("reusing the register in {}", kept.display()),
        (None, None) => server::generate_and_load(root, &data, entities, seed),
    }
    let location = match postgres {
        Some(url) => Location::Postgres(url),
        None => Location::Sqlite(data.join("sanaw.db")),
    };
    let db = Database::open(&location).expect("the register");
    let today = Utc::now().date_naive();
    let mut conn = db.reader().expect("a reader");
    for attempt in ["first", "second"] {
        let started = Instant::now();
        let cpu_before = cpu_seconds();
        let tables = compute(&mut conn, today).expect("demography computed");
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_before;
        println!(
            "{attempt} walk: {} legal units in {seconds:.2} s wall, {cpu:.2} s on the CPU = {:.0} units per CPU second (register version {}), peak RSS {:.0} MiB",
            tables.units,
            tables.units as f64 / cpu,
            tables.register_version,
            process::mib(own_peak_kib()),
        );
        if attempt == "second" {
            cached(&tables, today.year());
        }
    }
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", folder.keep().display());
    }
}

/// What a cached call does: the rows of a breakdown for ten years.
fn cached(tables: &sanaw::stats::demography::Tables, this_year: i32) {
    let from = this_year - 9;
    let started = Instant::now();
    let mut rows = 0;
    for by in [None]
        .into_iter()
        .chain(Breakdown::ALL.iter().copied().map(Some))
    {
        rows += tables.rows(by, from, this_year).len();
    }
    println!(
        "cached: {rows} rows of the four answers in {:.3} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    for row in tables.rows(None, from, this_year) {
        println!(
            "  {}: births {}, deaths {}{}, active {}",
            row.year,
            row.count.births,
            row.count.deaths,
            if row.deaths_final {
                ""
            } else {
                " (provisional)"
            },
            row.count.active
        );
    }
}

/// The time this thread has run on a CPU, in seconds: on a machine shared
/// with other work the wall time says more about the neighbours.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |nanos| nanos as f64 / 1e9)
}

/// This process's peak resident memory, in KiB.
fn own_peak_kib() -> u64 {
    process::peak_rss_kib(std::process::id()).unwrap_or(0)
}
