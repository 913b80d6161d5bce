//! Benchmark: writing units through the register's write path, then reading
//! them over HTTP from the real `sanaw serve` with concurrent clients.
//!
//! `cargo bench --bench unit_reads` (env: BENCH_UNITS, default 200000;
//! BENCH_CLIENTS, default 16; BENCH_SECONDS, default 10). Prints write rate,
//! read throughput, p50/p99 latency and the server's peak memory.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use sanaw::domain::access::Role;
use sanaw::domain::attribute::Values;
use sanaw::domain::source::{Origin, OriginKind, Source};
use sanaw::domain::stat_id::StatId;
use sanaw::store::register::{self, Statement};
use sanaw::store::{tokens, Database, Location};

const BATCH: usize = 5_000;
const STREETS: [&str; 6] = [
    "Magtymguly şaýoly",
    "Azady köçesi",
    "Bitarap Türkmenistan şaýoly",
    "Oguzhan köçesi",
    "Andalyp köçesi",
    "Garaşsyzlyk şaýoly",
];
const WORDS: [&str; 12] = [
    "Ak",
    "ýol",
    "Bereket",
    "Altyn",
    "Ynam",
    "Nusaý",
    "Miras",
    "Döwlet",
    "Sahy",
    "Gülzemin",
    "Täze",
    "Ýyldyz",
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let units = env_number("BENCH_UNITS", 200_000);
    let clients = env_number("BENCH_CLIENTS", 16);
    let seconds = env_number("BENCH_SECONDS", 10) as u64;
    let dir = tempfile::tempdir().expect("temporary folder");
    let location = Location::Sqlite(dir.path().join("sanaw.db"));
    let db = Database::open(&location).expect("database");

    let started = Instant::now();
    let mut written = 0;
    while written < units {
        let count = BATCH.min(units - written);
        let first = written;
        let mut conn = db.writer().expect("writer");
        register::write(
            &mut conn,
            Origin::new(OriginKind::Load, "bench"),
            |writer| {
                for number in first..first + count {
                    let (unit, _) = writer.create_legal_unit(&justice(number))?;
                    writer.record(unit, &tax(number))?;
                    writer.record(unit, &statistics(number))?;
                }
                Ok(())
            },
        )
        .expect("write batch");
        written += count;
    }
    let write_secs = started.elapsed().as_secs_f64();
    println!(
        "write: {units} legal units (+{units} enterprises, {} statements) in {write_secs:.1} s = {:.0} units/s, {:.0} statements/s",
        units * 3,
        units as f64 / write_secs,
        (units * 3) as f64 / write_secs
    );
    let token = tokens::create(
        &mut db.writer().unwrap(),
        Role::Statistician,
        None,
        Some("bench"),
    )
    .unwrap();
    drop(db);

    let port = free_port();
    let mut server = start_server(dir.path(), port);
    let address = format!("http://127.0.0.1:{port}");
    wait_until_healthy(&address);
    let latencies =
        actix_web::rt::System::new().block_on(load(address, token, units, clients, seconds));
    let peak_kib = peak_rss_kib(server.id());
    server.kill().ok();
    server.wait().ok();
    report(&latencies, seconds, clients, peak_kib);
}

fn day(number: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(1995, 1, 1).unwrap() + Days::days((number * 37 % 10_000) as i64)
}

fn justice(number: usize) -> Statement {
    Statement {
        source: Source::Justice,
        source_key: Some(format!("B{number:07}")),
        valid_from: day(number),
        values: Values {
            name: Some(format!(
                "{} {} {number}",
                WORDS[number % 12],
                WORDS[number / 12 % 12]
            )),
            legal_form: Some("ES".into()),
            reg_number: Some(format!("B{number:07}")),
            region: Some(["TM-A", "TM-B", "TM-D", "TM-L", "TM-M", "TM-S"][number % 6].into()),
            address: Some(format!("{}, jaý {}", STREETS[number % 6], number % 200)),
            status: Some("active".into()),
            birth_date: Some(day(number)),
            ..Values::default()
        },
    }
}

fn tax(number: usize) -> Statement {
    Statement {
        source: Source::Tax,
        source_key: Some(format!("{:012}", number * 7 + 100_000_000_000)),
        valid_from: day(number),
        values: Values {
            tin: Some(format!("{:012}", number * 7 + 100_000_000_000)),
            name: Some(format!(
                "{} {} {number} HJ",
                WORDS[number % 12],
                WORDS[number / 12 % 12]
            )),
            activity: Some("47".into()),
            turnover: Some((number as i64 % 100_000) * 10_000),
            turnover_year: Some(2024),
            tax_status: Some("active".into()),
            ..Values::default()
        },
    }
}

fn statistics(number: usize) -> Statement {
    Statement {
        source: Source::Statistics,
        source_key: None,
        valid_from: NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .max(day(number)),
        values: Values {
            activity: Some("47.11".into()),
            employees: Some((number % 250) as i64 + 1),
            institutional_sector: Some("S11".into()),
            ..Values::default()
        },
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sanaw"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("SANAW_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("sanaw serve starts")
}

fn wait_until_healthy(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let port = address.rsplit(':').next().unwrap();
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not start");
}

async fn load(
    address: String,
    token: String,
    units: usize,
    clients: usize,
    seconds: u64,
) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for client_number in 0..clients {
        let address = address.clone();
        let token = token.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(10))
                .finish();
            let mut latencies = Vec::new();
            let mut state = client_number as u64 * 2_654_435_761 + 1;
            while Instant::now() < deadline {
                // xorshift: a cheap, repeatable spread over all legal units (odd internal numbers).
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let legal_unit = (state % units as u64) as i64 * 2 + 1;
                let url = format!(
                    "{address}/api/v1/units/{}",
                    StatId::from_unit_number(legal_unit)
                );
                let sent = Instant::now();
                let mut response = client
                    .get(url)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send()
                    .await
                    .expect("request");
                let body = response.body().await.expect("body");
                assert!(response.status().is_success() && !body.is_empty());
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn report(latencies: &[Duration], seconds: u64, clients: usize, peak_kib: Option<u64>) {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let percentile = |p: f64| sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)];
    println!(
        "read GET /api/v1/units/{{stat_id}}: {} requests, {clients} clients, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sorted.len(),
        sorted.len() as f64 / seconds as f64,
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
        sorted.last().unwrap().as_secs_f64() * 1e3,
    );
    if let Some(kib) = peak_kib {
        println!("server peak RSS: {:.1} MiB", kib as f64 / 1024.0);
    }
}
