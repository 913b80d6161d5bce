//! Loads at scale: generated extracts through the real `sanaw load`, then the
//! links export scored against the generator's ground truth.
//!
//! `BENCH_ENTITIES` (default 100,000; the figure is 1,000,000),
//! `BENCH_SEED` (default 7), `BENCH_KEEP=1` keeps the folder. Each load runs
//! as its own process so its peak memory can be read from /proc.

#[path = "support/generator.rs"]
mod generator;
#[path = "support/quality.rs"]
mod quality;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the binary to completion; returns its stdout, wall time and peak RSS in KiB.
fn run(data: &Path, args: &[&str]) -> (String, Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanaw"))
        .args(args)
        .env("SANAW_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the sanaw binary runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    // VmHWM is the process's own high-water mark: the last reading is the peak.
    while child.try_wait().expect("waiting for sanaw").is_none() {
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| high_water_kib(&s))
        {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().expect("sanaw output");
    assert!(output.status.success(), "sanaw {args:?} failed");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        elapsed,
        peak,
    )
}

fn high_water_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let entities: usize = env_or("BENCH_ENTITIES", 100_000);
    let seed: u64 = env_or("BENCH_SEED", 7);
    let folder = tempfile::tempdir().expect("a temporary folder");
    let root = folder.path();
    let data = root.join("data");
    let started = Instant::now();
    let summary = generator::generate(root, &generator::Config { entities, seed })
        .expect("extracts generated");
    println!(
        "generated {entities} entities (seed {seed}): justice {}, tax {}, statistics {} rows in {:.1} s",
        summary.justice_rows,
        summary.tax_rows,
        summary.statistics_rows,
        started.elapsed().as_secs_f64()
    );
    let mut total_rows = 0_u64;
    let mut total_time = Duration::ZERO;
    let mut peak_all = 0;
    for source in ["justice", "tax", "statistics"] {
        let file = root.join(format!("{source}.csv"));
        let file = file.to_str().expect("a UTF-8 path");
        let (json, elapsed, peak) = run(&data, &["load", "--source", source, file, "--json"]);
        let report: serde_json::Value = serde_json::from_str(&json).expect("a JSON report");
        let rows = report["rows_read"].as_u64().unwrap_or_default();
        let t = &report["timings"];
        println!(
            "{source:>10}: {rows} rows in {:.1} s = {:.0} rows/s, peak RSS {} MiB \
             (snapshot {:.1} s, parse+match {:.1} s beside the writer, write {:.1} s, finish+commit {:.1} s); \
             created {}, updated {}, links {}, review opened {}, conflicts {}, rejected {}",
            elapsed.as_secs_f64(),
            rows as f64 / elapsed.as_secs_f64(),
            peak / 1024,
            t["snapshot"].as_f64().unwrap_or_default(),
            t["parse_and_match"].as_f64().unwrap_or_default(),
            t["write"].as_f64().unwrap_or_default(),
            report["seconds"].as_f64().unwrap_or_default()
                - t["snapshot"].as_f64().unwrap_or_default()
                - t["write"].as_f64().unwrap_or_default(),
            report["units_created"],
            report["units_updated"],
            report["links"],
            report["review_opened"],
            report["conflicts"],
            report["rejected"],
        );
        total_rows += rows;
        total_time += elapsed;
        peak_all = peak_all.max(peak);
    }
    println!(
        "end to end: {total_rows} rows in {:.1} s = {:.0} rows/s, peak RSS {} MiB",
        total_time.as_secs_f64(),
        total_rows as f64 / total_time.as_secs_f64(),
        peak_all / 1024
    );
    let links = root.join("links.csv");
    let links_arg = links.to_str().expect("a UTF-8 path");
    let (_, export_time, _) = run(&data, &["export", "links", "--output", links_arg]);
    println!("links exported in {:.1} s", export_time.as_secs_f64());
    let truth = root.join("truth.csv");
    let scored = quality::evaluate(&truth, &links).expect("links scored");
    println!("{}", quality::report(&scored));
    for mistake in quality::mistakes(&truth, &links, 15).expect("mistakes listed") {
        println!("  {mistake}");
    }
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", folder.keep().display());
    }
}
