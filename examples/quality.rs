//! Measures a links export against the generator's truth:
//! `cargo run --release --example quality -- TRUTH.csv LINKS.csv [--mistakes N]`.

#[path = "../benches/support/quality.rs"]
mod quality;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: quality TRUTH.csv LINKS.csv [--mistakes N]";

/// The command line: the two files, and how many mistakes to list.
struct Args {
    truth: PathBuf,
    links: PathBuf,
    mistakes: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut files, mut mistakes) = (Vec::new(), 0);
    while let Some(arg) = args.next() {
        if arg == "--mistakes" {
            let value = args.next().ok_or("--mistakes needs a value")?;
            mistakes = value.parse().map_err(|e| format!("--mistakes: {e}"))?;
        } else if arg.starts_with("--") {
            return Err(format!("unknown argument {arg}"));
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    match <[PathBuf; 2]>::try_from(files) {
        Ok([truth, links]) => Ok(Args {
            truth,
            links,
            mistakes,
        }),
        Err(_) => Err("expected TRUTH.csv and LINKS.csv".to_string()),
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    let q = quality::evaluate(&args.truth, &args.links)?;
    println!("{}", quality::report(&q));
    if args.mistakes > 0 {
        for line in quality::mistakes(&args.truth, &args.links, args.mistakes)? {
            println!("{line}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quality: {error}");
            ExitCode::FAILURE
        }
    }
}
