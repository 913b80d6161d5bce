//! A `sanaw serve` for a bench, and a register to serve: generated extracts
//! loaded through the real `sanaw load`.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use super::{generator, http, process};

/// Generates the extracts and loads each one with the real binary.
pub fn generate_and_load(root: &Path, data: &Path, entities: usize, seed: u64) {
    let started = Instant::now();
    let config = generator::Config { entities, seed };
    let summary = generator::generate(root, &config).expect("extracts generated");
    println!(
        "generated {} entities (seed {}): justice {}, tax {}, statistics {} rows in {:.1} s",
        summary.entities,
        seed,
        summary.justice_rows,
        summary.tax_rows,
        summary.statistics_rows,
        started.elapsed().as_secs_f64()
    );
    for source in ["justice", "tax", "statistics"] {
        let file = root.join(format!("{source}.csv"));
        let file = file.to_str().expect("a UTF-8 path");
        let run = process::run(data, &["load", "--source", source, file, "--json"]);
        let report: serde_json::Value =
            serde_json::from_str(&run.stdout).expect("a JSON load report");
        let rows = report["rows_read"].as_u64().unwrap_or_default();
        println!(
            "load {source:>10}: {rows} rows in {:.1} s = {:.0} rows/s, peak RSS {:.0} MiB; \
             created {}, links {}, review opened {}",
            run.elapsed.as_secs_f64(),
            rows as f64 / run.elapsed.as_secs_f64(),
            process::mib(run.peak_kib),
            report["units_created"],
            report["links"],
            report["review_opened"],
        );
    }
}

/// The running `sanaw serve`; killed when dropped, so a failing bench does
/// not leave it behind.
pub struct Server {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Server {
    /// Starts the server and waits until it answers and its index holds the
    /// register's last change.
    pub fn start(data: &Path) -> Server {
        let port = process::free_port();
        let started = Instant::now();
        let server = Server {
            child: process::serve(data, port),
            address: format!("127.0.0.1:{port}"),
        };
        server.wait_until_ready();
        println!(
            "sanaw serve ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        server
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(600);
        let mut client = http::Client::new(&self.address);
        while Instant::now() < deadline {
            if let Some(version) =
                json(&mut client, "/health").and_then(|health| health["register_version"].as_i64())
            {
                let indexed = json(&mut client, "/api/v1/units?limit=1")
                    .and_then(|found| found["index_version"].as_i64());
                if indexed == Some(version) {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("sanaw serve was not ready within 600 s");
    }

    /// Stops the server; returns its peak RSS in KiB.
    pub fn stop(mut self) -> Option<u64> {
        let peak = process::peak_rss_kib(self.child.id());
        self.child.kill().ok();
        self.child.wait().ok();
        peak
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // After stop() this finds the process gone, which is fine.
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A 200 answer's JSON, or `None`.
pub fn json(client: &mut http::Client, target: &str) -> Option<serde_json::Value> {
    let response = client.get(target).ok()?;
    (response.status == 200)
        .then(|| serde_json::from_slice(&response.body).ok())
        .flatten()
}
