//! Writes synthetic agency extracts with ground truth into a directory:
//! `cargo run --release --example generate -- --entities 1000 --seed 7 --out DIR`.

#[path = "../benches/support/generator.rs"]
mod generator;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: generate [--entities N] [--seed S] --out DIR";

/// The command line: how many entities, which seed, where to.
struct Args {
    entities: usize,
    seed: u64,
    out: PathBuf,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut entities, mut seed, mut out) = (1000, 7, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--entities" => entities = value()?.parse().map_err(|e| format!("--entities: {e}"))?,
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let out = out.ok_or("--out is required")?;
    Ok(Args {
        entities,
        seed,
        out,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let config = generator::Config {
        entities: args.entities,
        seed: args.seed,
    };
    let result =
        std::fs::create_dir_all(&args.out).and_then(|()| generator::generate(&args.out, &config));
    match result {
        Ok(summary) => {
            println!(
                "{} entities: justice {} rows, tax {} rows, statistics {} rows, in {:.1} s ({})",
                summary.entities,
                summary.justice_rows,
                summary.tax_rows,
                summary.statistics_rows,
                started.elapsed().as_secs_f64(),
                args.out.display(),
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("generate: {error}");
            ExitCode::FAILURE
        }
    }
}
