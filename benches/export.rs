//! Exports at scale (issue 19): the units export and frozen frames of a
//! register of a million entities, next to PostgreSQL's `COPY … TO STDOUT`.
//!
//! What it does, in order:
//! 1. Generates extracts with `support/generator.rs` and loads justice, tax
//!    and statistics through the real `sanaw load` (or reuses a kept folder).
//! 2. `sanaw export units` to a file, as its own process: rows/s and peak
//!    RSS. The same with `--columns stat_id,name` (less to write), and with
//!    `--region TM-L` (most units filtered out: the walk's own cost).
//! 3. Starts `sanaw serve` and downloads `GET /api/v1/export/units.csv`
//!    as an analyst, plain and with gzip: time to first byte, rows/s, bytes,
//!    and the server's peak RSS (memory flat: compare with a run at another
//!    `BENCH_ENTITIES`).
//! 4. Freezes a frame of every unit (`POST /api/v1/frames`), then downloads
//!    it whole (its stored bytes) and banded (re-read cell by cell).
//! 5. With `BENCH_PG_URL`: copies the exported rows into a PostgreSQL table
//!    and times `COPY (SELECT … ORDER BY stat_id) TO STDOUT (FORMAT csv,
//!    HEADER)` through `psql` to /dev/null: the flat table's ceiling. Prints
//!    the ratio.
//!
//! Environment: `BENCH_ENTITIES` (default 100,000; the issue's figure is
//! 1,000,000), `BENCH_SEED` (7), `BENCH_REUSE=<folder>` (a folder kept by an
//! earlier run with `BENCH_KEEP=1`: generation and loads are skipped),
//! `BENCH_PG_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`),
//! `BENCH_ONLY_CLI=1` stops after step 2.
//!
//! `cargo bench --bench export`

#[path = "support/generator.rs"]
mod generator;
#[path = "support/process.rs"]
mod process;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let reuse = std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from);
    let root = reuse.clone().unwrap_or_else(|| folder.path().to_path_buf());
    let data = root.join("data");
    if reuse.is_none() {
        generate_and_load(&root, &data);
    }
    let rows = cli_exports(&root, &data);
    if std::env::var("BENCH_ONLY_CLI").is_ok_and(|v| v == "1") {
        return;
    }
    let analyst = token(&data, &["--role", "analyst"]);
    let port = process::free_port();
    let mut server = process::serve(&data, port);
    let address = format!("127.0.0.1:{port}");
    wait_until_up(&address);
    http_exports(&address, &analyst, rows);
    frames(&address, &analyst, rows);
    let peak = process::peak_rss_kib(server.id()).unwrap_or(0);
    println!(
        "server peak RSS over the run: {:.0} MiB",
        process::mib(peak)
    );
    let _ = server.kill();
    let _ = server.wait();
    if let Ok(url) = std::env::var("BENCH_PG_URL") {
        copy_to_stdout(&url, &root.join("units.csv"), rows);
    }
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", folder.keep().display());
    }
}

/// Generates the extracts and loads each one with the real binary.
fn generate_and_load(root: &Path, data: &Path) {
    let config = generator::Config {
        entities: env_or("BENCH_ENTITIES", 100_000),
        seed: env_or("BENCH_SEED", 7),
    };
    let summary = generator::generate(root, &config).expect("extracts generated");
    println!("generated {} entities", summary.entities);
    for source in ["justice", "tax", "statistics"] {
        let file = root.join(format!("{source}.csv"));
        let run = process::run(data, &["load", "--source", source, file.to_str().unwrap()]);
        println!("load {source:>10}: {:.1} s", run.elapsed.as_secs_f64());
    }
}

/// `sanaw export units` three ways; returns the full export's row count.
fn cli_exports(root: &Path, data: &Path) -> u64 {
    let full = root.join("units.csv");
    let mut rows = 0;
    for (what, extra) in [
        ("every column", vec![]),
        ("stat_id,name", vec!["--columns", "stat_id,name"]),
        ("region TM-L", vec!["--region", "TM-L"]),
    ] {
        let output = if extra.is_empty() {
            full.clone()
        } else {
            root.join("units-part.csv")
        };
        let mut args = vec!["export", "units", "--output", output.to_str().unwrap()];
        args.extend(extra);
        let run = process::run(data, &args);
        let written = count_rows(&output);
        let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        if what == "every column" {
            rows = written;
        }
        println!(
            "sanaw export units ({what}): {written} rows, {:.0} MB in {:.2} s = {:.0} rows/s, \
             peak RSS {:.0} MiB (of which anonymous {:.0} MiB; the rest is the mapped database file)",
            bytes as f64 / 1e6,
            run.elapsed.as_secs_f64(),
            written as f64 / run.elapsed.as_secs_f64(),
            process::mib(run.peak_kib),
            process::mib(run.peak_anon_kib)
        );
    }
    rows
}

/// Data rows of a CSV file (records after the header).
fn count_rows(path: &Path) -> u64 {
    let mut reader = csv::Reader::from_path(path).expect("the export");
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while reader.read_byte_record(&mut record).expect("a record") {
        rows += 1;
    }
    rows
}

/// A token made with `sanaw token create`.
fn token(data: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "create"];
    all.extend(args);
    process::run(data, &all).stdout.trim().to_owned()
}

fn wait_until_up(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if exchange(address, "GET", "/health", &[], b"").is_ok_and(|a| a.status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("sanaw serve did not come up");
}

/// The units export over HTTP, plain and gzip.
fn http_exports(address: &str, token: &str, rows: u64) {
    let bearer = format!("Authorization: Bearer {token}");
    for (what, encoding) in [("plain", None), ("gzip", Some("Accept-Encoding: gzip"))] {
        let mut headers = vec![bearer.clone()];
        headers.extend(encoding.map(str::to_owned));
        let answer = exchange(address, "GET", "/api/v1/export/units.csv", &headers, b"")
            .expect("the export");
        assert_eq!(answer.status, 200);
        println!(
            "GET /api/v1/export/units.csv ({what}): first byte {:.1} ms, {rows} rows, {:.0} MB in {:.2} s = {:.0} rows/s",
            answer.first_byte.as_secs_f64() * 1e3,
            answer.bytes as f64 / 1e6,
            answer.elapsed.as_secs_f64(),
            rows as f64 / answer.elapsed.as_secs_f64()
        );
    }
}

/// Freezes a frame of every unit and downloads it whole and banded.
fn frames(address: &str, token: &str, rows: u64) {
    let bearer = format!("Authorization: Bearer {token}");
    let today = chrono::Utc::now().date_naive();
    let name = format!("bench-{}", std::process::id());
    let body = format!(r#"{{"name":"{name}","reference_date":"{today}"}}"#);
    let headers = [bearer.clone(), "Content-Type: application/json".to_owned()];
    let frozen =
        exchange(address, "POST", "/api/v1/frames", &headers, body.as_bytes()).expect("the frame");
    assert_eq!(
        frozen.status,
        201,
        "{}",
        String::from_utf8_lossy(&frozen.body)
    );
    let described: serde_json::Value =
        serde_json::from_slice(&frozen.body).expect("a frame description");
    let count = described["unit_count"].as_u64().unwrap_or_default();
    println!(
        "POST /api/v1/frames: {count} units frozen in {:.2} s = {:.0} units/s (export had {rows})",
        frozen.elapsed.as_secs_f64(),
        count as f64 / frozen.elapsed.as_secs_f64()
    );

    for (what, query) in [("whole, raw", "?raw=true"), ("banded", "")] {
        let path = format!("/api/v1/frames/{name}/units.csv{query}");
        let answer =
            exchange(address, "GET", &path, std::slice::from_ref(&bearer), b"").expect("the frame");
        assert_eq!(answer.status, 200);
        println!(
            "GET /api/v1/frames/…/units.csv ({what}): first byte {:.1} ms, {:.0} MB in {:.2} s = {:.0} rows/s",
            answer.first_byte.as_secs_f64() * 1e3,
            answer.bytes as f64 / 1e6,
            answer.elapsed.as_secs_f64(),
            count as f64 / answer.elapsed.as_secs_f64()
        );
    }
}

/// One answer, read to the end of the connection.
struct Answer {
    status: u16,
    first_byte: Duration,
    elapsed: Duration,
    /// Bytes received after the headers (chunk framing included).
    bytes: u64,
    /// The first 64 KiB after the headers.
    body: Vec<u8>,
}

/// One request on a fresh connection, closed by the server after the answer;
/// the body is counted, not kept (past its first 64 KiB).
fn exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[String],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(address)?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let started = Instant::now();
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut buffer = vec![0_u8; 256 * 1024];
    let mut first_byte = None;
    let mut head = Vec::new();
    let mut kept = Vec::new();
    let mut bytes = 0_u64;
    loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        first_byte.get_or_insert_with(|| started.elapsed());
        let mut chunk = &buffer[..read];
        if !head.ends_with(b"\r\n\r\n") {
            let end = find_end_of_head(&head, chunk);
            head.extend_from_slice(&chunk[..end]);
            chunk = &chunk[end..];
        }
        bytes += chunk.len() as u64;
        if kept.len() < 64 * 1024 {
            kept.extend_from_slice(chunk);
        }
    }
    let elapsed = started.elapsed();
    let status = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    // A Content-Length answer (JSON) is its body as it is; a chunked one
    // (CSV) is only counted.
    Ok(Answer {
        status,
        first_byte: first_byte.unwrap_or(elapsed),
        elapsed,
        bytes,
        body: kept,
    })
}

/// How much of `chunk` still belongs to the head begun in `head`.
fn find_end_of_head(head: &[u8], chunk: &[u8]) -> usize {
    let mut joined = head.to_vec();
    for (at, byte) in chunk.iter().enumerate() {
        joined.push(*byte);
        if joined.ends_with(b"\r\n\r\n") {
            return at + 1;
        }
    }
    chunk.len()
}

/// PostgreSQL's COPY of the same rows from a flat table, through psql.
fn copy_to_stdout(server: &str, units: &Path, rows: u64) {
    let header = std::fs::read_to_string(units)
        .ok()
        .and_then(|text| text.lines().next().map(str::to_owned))
        .expect("the export's header");
    let columns: Vec<String> = header.split(',').map(|c| format!("{c} text")).collect();
    psql(server, "DROP TABLE IF EXISTS bench_units");
    psql(
        server,
        &format!("CREATE UNLOGGED TABLE bench_units ({})", columns.join(", ")),
    );
    psql(
        server,
        &format!(
            "\\copy bench_units FROM '{}' WITH (FORMAT csv, HEADER)",
            units.display()
        ),
    );
    psql(server, "CREATE INDEX ON bench_units (stat_id)");
    psql(server, "VACUUM ANALYZE bench_units");
    let started = Instant::now();
    let status = Command::new("psql")
        .args([
            server,
            "-q",
            "-c",
            "COPY (SELECT * FROM bench_units ORDER BY stat_id) TO STDOUT WITH (FORMAT csv, HEADER)",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success());
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "PostgreSQL COPY (SELECT … ORDER BY stat_id) TO STDOUT, flat table: {rows} rows in {elapsed:.2} s = {:.0} rows/s",
        rows as f64 / elapsed
    );
    psql(server, "DROP TABLE bench_units");
}

fn psql(server: &str, command: &str) {
    let status = Command::new("psql")
        .args([server, "-q", "-v", "ON_ERROR_STOP=1", "-c", command])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql {command}");
}
