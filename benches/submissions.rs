//! Submissions at scale (issue 18): agencies amending a register of a
//! million entities through `POST /api/v1/submissions`, and what follows a
//! change: the feed, search and the audit trail.
//!
//! What it does, per backend (SQLite, and PostgreSQL with `BENCH_PG_URL`):
//! 1. Generates extracts with `support/generator.rs` (once) and loads
//!    justice, tax and statistics through the real `sanaw load`.
//! 2. Starts `sanaw serve` and drives it with `BENCH_CLIENTS` (16)
//!    closed-loop tax clients for `BENCH_SECONDS` (20), each amending the
//!    turnover of a random legal unit with its own idempotency key. Every
//!    answer is sent only once its change has committed (`synchronous =
//!    FULL` on SQLite); afterwards the submissions stored are counted
//!    against the answers received.
//! 3. Accept → searchable: 20 justice renames, each to a word nobody else
//!    has, timed from the answer until search finds the new name.
//! 4. Feed replay: `GET /api/v1/changes` pages of 1,000 from seq 0, and the
//!    same feed as Server-Sent Events, each for `BENCH_REPLAY_SECONDS` (20)
//!    or to the end: changes/s.
//! 5. `sanaw audit verify` over a trail grown to `BENCH_AUDIT` (1,000,000)
//!    entries with the register's own hash chaining.
//!
//! Environment: `BENCH_ENTITIES` (default 100,000; the issue's figure is
//! 1,000,000), `BENCH_SEED` (7), `BENCH_CLIENTS`, `BENCH_SECONDS`,
//! `BENCH_REPLAY_SECONDS`, `BENCH_AUDIT`, `BENCH_PG_URL` (a server URL
//! ending in `/postgres`; a fresh database is made there),
//! `BENCH_SQLITE=0` skips SQLite, `BENCH_KEEP=1` keeps the folder.
//!
//! `cargo bench --bench submissions`

#[path = "support/drive.rs"]
mod drive;
#[path = "support/generator.rs"]
mod generator;
#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use sanaw::domain::stat_id::StatId;
use sanaw::domain::unit::UnitKind;
use sanaw::store::audit::Draft;
use sanaw::store::schema::{source_records, submissions, units};
use sanaw::store::{Database, Location};

use drive::ms;

const TARGET: &str = "issue, SQLite on this machine: ≥ 2,000 accepted/s with p99 ≤ 50 ms";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Settings {
    entities: usize,
    seed: u64,
    clients: usize,
    seconds: u64,
    replay_seconds: u64,
    audit: usize,
}

fn main() {
    let settings = Settings {
        entities: env_or("BENCH_ENTITIES", 100_000),
        seed: env_or("BENCH_SEED", 7),
        clients: env_or("BENCH_CLIENTS", 16),
        seconds: env_or("BENCH_SECONDS", 20),
        replay_seconds: env_or("BENCH_REPLAY_SECONDS", 20),
        audit: env_or("BENCH_AUDIT", 1_000_000),
    };
    let folder = tempfile::tempdir().expect("a temporary folder");
    let root = folder.path();
    let started = Instant::now();
    let summary = generator::generate(
        root,
        &generator::Config {
            entities: settings.entities,
            seed: settings.seed,
        },
    )
    .expect("extracts generated");
    println!(
        "generated {} entities: justice {}, tax {}, statistics {} rows in {:.1} s",
        summary.entities,
        summary.justice_rows,
        summary.tax_rows,
        summary.statistics_rows,
        started.elapsed().as_secs_f64()
    );
    if env_or("BENCH_SQLITE", 1) != 0 {
        backend("SQLite", root, None, &settings);
    }
    if let Ok(server) = std::env::var("BENCH_PG_URL") {
        let url = fresh_pg_database(&server);
        backend("PostgreSQL", root, Some(&url), &settings);
    }
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", folder.keep().display());
    }
}

/// Every measurement on one backend.
fn backend(name: &str, root: &Path, url: Option<&str>, settings: &Settings) {
    println!("\n== {name} ==");
    let data = root.join(format!("data-{}", name.to_lowercase()));
    for source in ["justice", "tax", "statistics"] {
        let file = root.join(format!("{source}.csv"));
        let run = sanaw(
            &data,
            url,
            &["load", "--source", source, file.to_str().unwrap(), "--json"],
        );
        println!("load {source:>10}: {:.1} s", run.1.as_secs_f64());
    }
    let tax = sanaw(
        &data,
        url,
        &["token", "create", "--role", "agency", "--agency", "tax"],
    )
    .0;
    let justice = sanaw(
        &data,
        url,
        &["token", "create", "--role", "agency", "--agency", "justice"],
    )
    .0;
    let location = match url {
        Some(url) => Location::Postgres(url.to_owned()),
        None => Location::Sqlite(data.join("sanaw.db")),
    };
    let db = Database::open(&location).expect("the register");
    let legal_units = living_legal_units(&db);
    println!("{} living legal units", legal_units.len());
    let port = process::free_port();
    let address = format!("127.0.0.1:{port}");
    let server = Serving(serve(&data, url, port));
    wait_until_indexed(&address);

    amend_throughput(&address, tax.trim(), &legal_units, settings, &db);
    accept_to_searchable(&address, justice.trim(), &legal_units);
    feed_replay(&address, settings);
    sse_replay(&address, settings);
    let peak = process::peak_rss_kib(server.0.id()).unwrap_or(0);
    drop(server);
    println!("server peak RSS: {:.0} MiB", process::mib(peak));
    audit_verify(&data, url, &db, settings.audit);
}

/// Legal units no source says are dead: the ones an amend is accepted for.
fn living_legal_units(db: &Database) -> Vec<String> {
    let mut conn = db.reader().expect("a connection");
    let dead: std::collections::HashSet<i64> = source_records::table
        .filter(source_records::superseded_at.is_null())
        .filter(
            source_records::death_date
                .is_not_null()
                .or(source_records::status.eq_any(["liquidated", "reorganised"])),
        )
        .select(source_records::unit_id)
        .load::<i64>(&mut conn)
        .expect("dead units")
        .into_iter()
        .collect();
    units::table
        .filter(units::kind.eq(UnitKind::LegalUnit.as_str()))
        .select(units::id)
        .load::<i64>(&mut conn)
        .expect("legal units")
        .into_iter()
        .filter(|id| !dead.contains(id))
        .map(|id| StatId::from_unit_number(id).to_string())
        .collect()
}

/// Runs `sanaw ARGS`; its stdout and wall time.
fn sanaw(data: &Path, url: Option<&str>, args: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let output = command(data, url, args).output().expect("sanaw runs");
    assert!(
        output.status.success(),
        "sanaw {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        started.elapsed(),
    )
}

fn command(data: &Path, url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command
        .args(args)
        .env("SANAW_DATA_DIR", data)
        .env_remove("SANAW_ADDR")
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped());
    match url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
}

fn serve(data: &Path, url: Option<&str>, port: u16) -> Child {
    command(
        data,
        url,
        &["serve", "--addr", &format!("127.0.0.1:{port}")],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::inherit())
    .spawn()
    .expect("sanaw serve starts")
}

/// The server, stopped when dropped (also when a step panics).
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn json(client: &mut http::Client, target: &str) -> Option<serde_json::Value> {
    let response = client.get(target).ok()?;
    (response.status == 200)
        .then(|| serde_json::from_slice(&response.body).ok())
        .flatten()
}

fn wait_until_indexed(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut client = http::Client::new(address);
    while Instant::now() < deadline {
        let version = json(&mut client, "/health").and_then(|h| h["register_version"].as_i64());
        let indexed =
            json(&mut client, "/api/v1/units?limit=1").and_then(|f| f["index_version"].as_i64());
        if version.is_some() && version == indexed {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("sanaw serve was not ready within 600 s");
}

/// A small random-number source per client.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Closed-loop tax clients amending random units; then every answer is
/// checked against the submissions the database holds.
fn amend_throughput(
    address: &str,
    token: &str,
    units: &[String],
    settings: &Settings,
    db: &Database,
) {
    let stored = || -> i64 {
        submissions::table
            .count()
            .get_result(&mut *db.reader().expect("a connection"))
            .expect("count")
    };
    let before = stored();
    let auth = format!("Authorization: Bearer {token}");
    // Today: every living unit is born by then.
    let today = chrono::Utc::now().date_naive();
    let summary = drive::concurrently(
        settings.clients,
        Duration::from_secs(settings.seconds),
        |client| (http::Client::new(address), client as u64 * 7_919 + 1),
        |(http, seed), client, n| {
            let unit = &units[(next_random(seed) % units.len() as u64) as usize];
            let body = format!(
                r#"{{"event":"amend","effective_date":"{today}","stat_id":"{unit}","changes":{{"turnover":"{}.00"}}}}"#,
                client * 1_000_000 + n + 1
            );
            let headers = [auth.clone(), format!("Idempotency-Key: bench-{client}-{n}")];
            let response = http
                .post_json("/api/v1/submissions", &headers, body.as_bytes())
                .ok()?;
            Some(response.status == 200)
        },
    );
    let after = stored();
    println!(
        "amend submissions, {} clients, {} s: {:.0} accepted/s, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors ({TARGET})",
        settings.clients,
        settings.seconds,
        summary.per_second,
        ms(summary.p50),
        ms(summary.p90),
        ms(summary.p99),
        ms(summary.max),
        summary.errors
    );
    println!(
        "durability: {} answered, {} stored (stored ≥ answered: a client may stop waiting after the commit)",
        summary.ok,
        after - before
    );
    assert!(
        after - before >= summary.ok as i64,
        "an answered submission is not stored"
    );
}

/// From the answer to a rename until search finds the new name.
fn accept_to_searchable(address: &str, token: &str, units: &[String]) {
    let mut client = http::Client::new(address);
    let mut waits = Vec::new();
    let auth = format!("Authorization: Bearer {token}");
    let today = chrono::Utc::now().date_naive();
    for n in 0..20 {
        // Nine letters of their own per rename, so that no two renames are a typo apart.
        let word: String = (0..9_usize)
            .map(|i| char::from(b'a' + ((n * 7 + i * 11 + n * i * 5) % 26) as u8))
            .collect();
        let word = format!("Zq{word}");
        let unit = &units[(n * 7_919) % units.len()];
        let body = format!(
            r#"{{"event":"amend","effective_date":"{today}","stat_id":"{unit}","changes":{{"name":"{word} HJ"}}}}"#
        );
        let headers = [auth.clone(), format!("Idempotency-Key: rename-{n}")];
        let response = client
            .post_json("/api/v1/submissions", &headers, body.as_bytes())
            .expect("answered");
        assert_eq!(
            response.status,
            200,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        let accepted = Instant::now();
        loop {
            let found = json(&mut client, &format!("/api/v1/units?q={word}&limit=10"))
                .is_some_and(|f| f.to_string().contains(unit.as_str()));
            if found {
                waits.push(accepted.elapsed());
                break;
            }
            assert!(
                accepted.elapsed() < Duration::from_secs(30),
                "{word} never found"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let summary = drive::summarise(&mut waits, 0, Duration::from_secs(1));
    println!(
        "accepted → searchable (20 renames): p50 {:.0} ms, max {:.0} ms",
        ms(summary.p50),
        ms(summary.max)
    );
}

/// Pages of the feed from seq 0.
fn feed_replay(address: &str, settings: &Settings) {
    let mut client = http::Client::new(address);
    let started = Instant::now();
    let (mut after, mut changes) = (0_i64, 0_usize);
    while started.elapsed() < Duration::from_secs(settings.replay_seconds) {
        let page = json(
            &mut client,
            &format!("/api/v1/changes?after={after}&limit=1000"),
        )
        .expect("a page");
        let found = page["changes"].as_array().map_or(0, Vec::len);
        if found == 0 {
            break;
        }
        changes += found;
        after = page["next_after"].as_i64().expect("next_after");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "feed replay (pages of 1,000 from seq 0): {changes} changes in {seconds:.1} s = {:.0} changes/s",
        changes as f64 / seconds
    );
}

/// The Server-Sent Events stream from seq 0.
fn sse_replay(address: &str, settings: &Settings) {
    let mut stream = std::net::TcpStream::connect(address).expect("connected");
    write!(
        stream,
        "GET /api/v1/changes/stream HTTP/1.1\r\nHost: {address}\r\nLast-Event-ID: 0\r\n\r\n"
    )
    .expect("request sent");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let started = Instant::now();
    let mut events = 0_usize;
    let mut line = String::new();
    while started.elapsed() < Duration::from_secs(settings.replay_seconds) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.starts_with("id: ") => events += 1,
            Ok(_) if line.starts_with(": heartbeat") => break,
            Ok(_) => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "feed replay (Server-Sent Events from seq 0): {events} changes in {seconds:.1} s = {:.0} changes/s",
        events as f64 / seconds
    );
}

/// Grows the trail to `entries` with the register's own chaining, then
/// times `sanaw audit verify`.
fn audit_verify(data: &Path, url: Option<&str>, db: &Database, entries: usize) {
    let started = Instant::now();
    let now = chrono::Utc::now().naive_utc();
    let mut conn = db.writer().expect("a connection");
    let mut written = 0;
    while written < entries {
        let batch = (entries - written).min(20_000);
        let drafts = (0..batch)
            .map(|n| Draft {
                actor: "bench (token 1, agency)".into(),
                role: "agency".into(),
                agency: Some("tax".into()),
                action: "submission".into(),
                subject: format!("submission:{}", written + n),
                request_hash: sanaw::domain::audit::sha256_hex(format!("{n}").as_bytes()),
                seqs: Some((1, 1)),
                outcome: "accepted 1, review 0, rejected 0".into(),
            })
            .collect();
        conn.transaction(|conn| sanaw::store::audit::append(conn, now, drafts))
            .expect("entries appended");
        written += batch;
    }
    drop(conn);
    println!(
        "audit trail grown by {written} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (out, took) = sanaw(data, url, &["audit", "verify"]);
    println!(
        "sanaw audit verify: {} ({:.1} s wall)",
        out.trim(),
        took.as_secs_f64()
    );
}

/// A fresh database on the PostgreSQL server the URL names.
fn fresh_pg_database(server: &str) -> String {
    use diesel::connection::SimpleConnection;
    let mut admin = diesel::PgConnection::establish(server).expect("the PostgreSQL server");
    let name = format!("sanaw_bench_{}", std::process::id());
    // Two statements: neither may run inside a transaction block.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .expect("no database of that name");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("a fresh database");
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /DATABASE");
    format!("{base}/{name}")
}
