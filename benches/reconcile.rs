//! Reconciliation at scale (issue 19): 1,000 spreadsheet rows in ONE
//! `POST /api/v1/reconcile`, answered in ≤ 1 s at 1,000,000 entities.
//!
//! What it does, in order:
//! 1. Generates extracts with `support/generator.rs` and loads justice, tax
//!    and statistics through the real `sanaw load` (or reuses a folder an
//!    earlier run of this bench or of `benches/search.rs` kept).
//! 2. Maps each generator entity to the unit most of its rows were linked
//!    to (`sanaw export links` joined with `truth.csv`).
//! 3. Draws rows of legal persons whose name no other entity shares: the
//!    clean name in either script with one typo in a word of five letters
//!    or more; a third carry the tin as a property, a third the region,
//!    the rest the name alone.
//! 4. Starts `sanaw serve`, sends batches of 1,000 such rows (each batch
//!    other entities: no answer comes from lists cached for the same row),
//!    one request each, and reports the wall time of each batch, top-1
//!    precision (the expected unit first), how many rows were called a
//!    match and how many of those were right.
//!
//! Environment: `BENCH_ENTITIES` (default 4,000; the figure is
//! 1,000,000), `BENCH_SEED` (7), `BENCH_BATCH` (1,000 rows a request),
//! `BENCH_BATCHES` (4), `BENCH_KEEP=1` keeps the folder, `BENCH_REUSE=<folder>`
//! starts from a kept folder.
//!
//! `cargo bench --bench reconcile`

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

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use queries::{Rng, Script};
use sanaw::domain::stat_id::StatId;
use sanaw::reconcile::normalise;
use serde_json::{json, Value};
use server::Server;

/// The target, printed beside the figure it applies to.
const TARGET: &str = "issue: 1,000 queries in one batch ≤ 1 s at 1,000,000 entities";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let entities: usize = env_or("BENCH_ENTITIES", 4_000);
    let seed: u64 = env_or("BENCH_SEED", 7);
    let batch: usize = env_or("BENCH_BATCH", 1_000);
    let batches: usize = env_or("BENCH_BATCHES", 4);
    let reuse = std::env::var_os("BENCH_REUSE").map(std::path::PathBuf::from);
    let folder = tempfile::tempdir().expect("a temporary folder");
    let root = reuse.as_deref().unwrap_or(folder.path());
    let data = root.join("data");
    match &reuse {
        Some(kept) => println!("reusing the extracts and register in {}", kept.display()),
        None => server::generate_and_load(root, &data, entities, seed),
    }
    let units = entity_units(root, &data);
    let rows = draw_rows(root, &units, seed, batch * batches);
    println!(
        "rows: {} drawn ({} with tin, {} with region, the rest by name alone)",
        rows.len(),
        rows.iter().filter(|r| r.tin.is_some()).count(),
        rows.iter().filter(|r| r.region.is_some()).count(),
    );
    let server = Server::start(&data);
    let mut client = http::Client::new(&server.address);
    for (number, part) in rows.chunks(batch).enumerate() {
        let measured = send_batch(&mut client, part);
        println!(
            "batch {}: {} rows in {:.0} ms ({TARGET}); top-1 {:.1}%; match {:.1}% of rows, {:.1}% of them right; load {}",
            number + 1,
            part.len(),
            measured.elapsed.as_secs_f64() * 1000.0,
            100.0 * measured.first as f64 / part.len() as f64,
            100.0 * measured.matched as f64 / part.len() as f64,
            100.0 * measured.matched_right as f64 / measured.matched.max(1) as f64,
            load_average(),
        );
    }
    println!(
        "server peak RSS: {:.0} MiB",
        process::mib(server.stop().unwrap_or(0))
    );
    if env_or("BENCH_KEEP", 0) == 1 {
        println!("kept {}", folder.keep().display());
    }
}

/// Each entity's unit: the one most of its linked rows went to.
fn entity_units(root: &Path, data: &Path) -> HashMap<String, i64> {
    let links = root.join("links.csv");
    process::run(
        data,
        &[
            "export",
            "links",
            "--output",
            links.to_str().expect("a UTF-8 path"),
        ],
    );
    let mut entity_of: HashMap<(String, String), String> = HashMap::new();
    for fields in csv_rows(&root.join("truth.csv")) {
        let [source, _, entity, line] = take::<4>(fields);
        entity_of.insert((source, line), entity);
    }
    let mut linked: HashMap<String, HashMap<i64, usize>> = HashMap::new();
    for fields in csv_rows(&links) {
        let [source, _, line, _, unit] = take::<5>(fields);
        let (Some(entity), Ok(stat_id)) = (entity_of.get(&(source, line)), StatId::parse(&unit))
        else {
            continue;
        };
        *linked
            .entry(entity.clone())
            .or_default()
            .entry(stat_id.unit_number())
            .or_default() += 1;
    }
    linked
        .into_iter()
        .filter_map(|(entity, per_unit)| {
            let total: usize = per_unit.values().sum();
            let (unit, rows) = per_unit
                .into_iter()
                .max_by_key(|(unit, rows)| (*rows, -unit))?;
            (2 * rows > total).then_some((entity, unit))
        })
        .collect()
}

/// One spreadsheet row and the unit it should find.
struct Row {
    name: String,
    tin: Option<String>,
    region: Option<String>,
    expected: String,
}

/// Rows of legal persons and entrepreneurs whose names no other entity shares.
fn draw_rows(root: &Path, units: &HashMap<String, i64>, seed: u64, wanted: usize) -> Vec<Row> {
    // entities.csv: entity,name,legal_form,region,tin,reg_number,activity,dead,parent
    let entities: Vec<[String; 9]> = csv_rows(&root.join("entities.csv"))
        .map(take::<9>)
        .collect();
    let mut names: HashMap<String, usize> = HashMap::new();
    for entity in &entities {
        *names.entry(key(&entity[1])).or_default() += 1;
    }
    let mut drawn: Vec<(u64, &[String; 9], i64)> = entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e[8].is_empty() && names.get(&key(&e[1])) == Some(&1))
        .filter_map(|(at, e)| Some((queries::mix(seed ^ at as u64), e, *units.get(&e[0])?)))
        .collect();
    drawn.sort_unstable_by_key(|(order, _, _)| *order);
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(wanted);
    for (order, entity, unit) in drawn {
        if rows.len() >= wanted {
            break;
        }
        let mut rng = Rng::new(seed, order);
        let script = if rng.below(2) == 0 {
            Script::Latin
        } else {
            Script::Cyrillic
        };
        let written = script.render(&entity[1]);
        let written_key = key(&written);
        let Some((typed, _)) = queries::with_typo(&mut rng, &written, |c| key(c) != written_key)
        else {
            continue;
        };
        if !seen.insert(unit) {
            continue;
        }
        let evidence = rng.below(3);
        rows.push(Row {
            name: typed,
            tin: (evidence == 0 && !entity[4].is_empty()).then(|| entity[4].clone()),
            region: (evidence == 1 && !entity[3].is_empty()).then(|| entity[3].clone()),
            expected: StatId::from_unit_number(unit).to_string(),
        });
    }
    rows
}

/// What one batch took and found.
struct Measured {
    elapsed: Duration,
    first: usize,
    matched: usize,
    matched_right: usize,
}

/// Sends one batch as one request and scores its answer.
fn send_batch(client: &mut http::Client, rows: &[Row]) -> Measured {
    let queries: serde_json::Map<String, Value> = rows
        .iter()
        .enumerate()
        .map(|(at, row)| {
            let mut properties = Vec::new();
            if let Some(tin) = &row.tin {
                properties.push(json!({"pid": "tin", "v": tin}));
            }
            if let Some(region) = &row.region {
                properties.push(json!({"pid": "region", "v": region}));
            }
            let query = json!({"query": row.name, "limit": 3, "properties": properties});
            (format!("q{at}"), query)
        })
        .collect();
    let body = serde_json::to_vec(&json!({ "queries": queries })).expect("JSON");
    let started = Instant::now();
    let response = client
        .post_json("/api/v1/reconcile", &[], &body)
        .expect("the batch is answered");
    let elapsed = started.elapsed();
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let answer: Value = serde_json::from_slice(&response.body).expect("a JSON answer");
    let mut measured = Measured {
        elapsed,
        first: 0,
        matched: 0,
        matched_right: 0,
    };
    for (at, row) in rows.iter().enumerate() {
        let result = &answer[format!("q{at}")]["result"];
        if result[0]["id"] == row.expected.as_str() {
            measured.first += 1;
        }
        let Some(candidates) = result.as_array() else {
            continue;
        };
        for candidate in candidates.iter().filter(|c| c["match"] == true) {
            measured.matched += 1;
            if candidate["id"] == row.expected.as_str() {
                measured.matched_right += 1;
            }
        }
    }
    measured
}

/// The machine's load averages, as `/proc/loadavg` has them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A name as the index compares it.
fn key(text: &str) -> String {
    normalise::name(text).key()
}

/// The rows of a CSV file after its header, streamed (the generator's
/// files quote no line break).
fn csv_rows(path: &Path) -> impl Iterator<Item = Vec<String>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)
        .unwrap_or_else(|error| panic!("{} cannot be read: {error}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .skip(1)
        .map(|line| split_csv(&line.expect("a CSV line")))
}

/// One CSV line's fields, with quoted fields unquoted.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The first N fields (missing ones empty).
fn take<const N: usize>(fields: Vec<String>) -> [String; N] {
    let mut fields = fields.into_iter();
    std::array::from_fn(|_| fields.next().unwrap_or_default())
}
