//! The web pages at scale (issue 21): how fast the search and unit pages
//! answer a statistician on a large register, next to the JSON the API
//! gives for the same request.
//!
//! What it does:
//! 1. Takes a register: the folder `BENCH_REUSE` names (as `cargo bench
//!    --bench search` keeps it with `BENCH_KEEP=1`, e.g. at 1,000,000
//!    entities), else generates `BENCH_ENTITIES` entities and loads them
//!    through the real `sanaw load`.
//! 2. Picks `BENCH_TARGETS` legal units spread over the register (`sanaw
//!    export units`, every n-th row) and starts `sanaw serve`.
//! 3. For each of: the search page `/search?q=<name>`, the same search as
//!    JSON `/api/v1/units?q=<name>`, the search page for the name's first
//!    word (a broad query: many hits, full facets), the unit page
//!    `/units/<stat_id>` (attributes, history and links), the same unit as
//!    JSON — asks every target once from one client (no queueing: the
//!    server's own time to answer, p50/p99; a page is rendered whole before
//!    its first byte leaves, so this is its time to first byte plus the
//!    transfer over loopback), then drives it with `BENCH_CLIENTS` clients
//!    for `BENCH_SECONDS` (throughput, p50/p99). Prints the server's peak RSS.
//!
//! `cargo bench --bench web_pages` (env: `BENCH_REUSE`, `BENCH_ENTITIES`
//! default 20,000, `BENCH_SEED` 7, `BENCH_TARGETS` 2,000, `BENCH_CLIENTS`
//! 16, `BENCH_SECONDS` 10).

#[path = "support/drive.rs"]
mod drive;
#[path = "support/generator.rs"]
mod generator;
#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;
#[path = "support/queries.rs"]
mod queries;
#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::time::{Duration, Instant};

use drive::Summary;
use server::Server;

/// The bound on the search and unit pages' first byte.
const TARGET: &str = "target: first byte at most 50 ms";

/// How a target is written for a sampled `(stat_id, name)`.
type Target = fn(&(String, String)) -> String;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let kept = std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from);
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let root = kept.clone().unwrap_or_else(|| scratch.path().to_owned());
    let data = root.join("data");
    match &kept {
        Some(folder) => println!("reusing the register in {}", folder.display()),
        None => server::generate_and_load(
            &root,
            &data,
            env_or("BENCH_ENTITIES", 20_000),
            env_or("BENCH_SEED", 7),
        ),
    }
    let units = sample(&root, &data, env_or("BENCH_TARGETS", 2_000));
    println!("{} legal units sampled as targets", units.len());
    let server = Server::start(&data);
    let clients = env_or("BENCH_CLIENTS", 16);
    let duration = Duration::from_secs(env_or("BENCH_SECONDS", 10));

    let kinds: [(&str, Target); 5] = [
        ("search page, whole name", |(_, name)| {
            format!("/search?q={}", queries::percent(name))
        }),
        ("search API, whole name", |(_, name)| {
            format!("/api/v1/units?q={}", queries::percent(name))
        }),
        ("search page, first word", |(_, name)| {
            let word = name.split_whitespace().next().unwrap_or(name);
            format!("/search?q={}", queries::percent(word))
        }),
        ("unit page", |(id, _)| format!("/units/{id}")),
        ("unit API", |(id, _)| format!("/api/v1/units/{id}")),
    ];
    for (label, target) in &kinds {
        let targets: Vec<String> = units.iter().map(target).collect();
        let alone = one_client(&server, &targets);
        println!("{label}, one client, each target once: {alone} ({TARGET})");
        let loaded = many_clients(&server, &targets, clients, duration);
        println!(
            "{label}, {clients} clients for {} s: {loaded}",
            duration.as_secs()
        );
    }
    println!(
        "server peak RSS: {:.0} MiB",
        process::mib(server.stop().unwrap_or(0))
    );
}

/// Every n-th legal unit of the register, with its name: `(stat_id, name)`.
fn sample(root: &Path, data: &Path, wanted: usize) -> Vec<(String, String)> {
    let file = root.join("legal-units.csv");
    let output = file.to_str().expect("a UTF-8 path");
    let columns = ["--kind", "legal_unit", "--columns", "stat_id,name"];
    process::run(
        data,
        &[&["export", "units", "--output", output][..], &columns[..]].concat(),
    );
    let mut reader = csv::Reader::from_path(&file).expect("the export is readable");
    let rows: Vec<(String, String)> = reader
        .records()
        .filter_map(Result::ok)
        .filter(|row| !row[1].is_empty())
        .map(|row| (row[0].to_owned(), row[1].to_owned()))
        .collect();
    let step = (rows.len() / wanted.max(1)).max(1);
    rows.into_iter().step_by(step).take(wanted).collect()
}

/// Each target once, one after the other.
fn one_client(server: &Server, targets: &[String]) -> Summary {
    let mut client = http::Client::new(&server.address);
    let mut latencies = Vec::with_capacity(targets.len());
    let mut errors = 0;
    let started = Instant::now();
    for target in targets {
        let sent = Instant::now();
        match client.get(target) {
            Ok(response) if response.status == 200 => latencies.push(sent.elapsed()),
            _ => errors += 1,
        }
    }
    drive::summarise(&mut latencies, errors, started.elapsed())
}

/// Closed-loop clients, round-robin over the targets.
fn many_clients(
    server: &Server,
    targets: &[String],
    clients: usize,
    duration: Duration,
) -> Summary {
    drive::concurrently(
        clients,
        duration,
        |_| http::Client::new(&server.address),
        |client, index, n| {
            let target = &targets[(index * 7919 + n) % targets.len()];
            Some(
                client
                    .get(target)
                    .is_ok_and(|response| response.status == 200),
            )
        },
    )
}
