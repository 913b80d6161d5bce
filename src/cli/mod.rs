//! The `sanaw` command line (see docs/CONTRACT.md): flags win over the environment.

mod export;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};

use crate::config::{ConfigError, Settings, Tuning};
use crate::domain::access::{Agency, Role};
use crate::domain::source::Source;
use crate::ingest::extract::Encoding;
use crate::ingest::load::{LoadError, Options, Progress};
use crate::startup::Application;
use crate::store::{tokens, Database};

/// An online Statistical Business Register.
#[derive(Debug, Parser)]
#[command(name = "sanaw", version, about)]
pub struct Cli {
    /// The folder holding the SQLite file and the search index.
    #[arg(
        long,
        env = "SANAW_DATA_DIR",
        default_value = "./sanaw-data",
        global = true
    )]
    data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; unset means the SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Settings every command shares (`serve`, `demo` and `load` alike).
    #[command(flatten)]
    tuning: Tuning,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs migrations, opens the index and serves the API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SANAW_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// A fresh data folder with the bundled sample data, then serves.
    Demo {
        /// Address to listen on.
        #[arg(long, env = "SANAW_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// The demo's own data folder; emptied first if it holds an earlier demo.
        #[arg(long, default_value = "./sanaw-demo")]
        demo_dir: PathBuf,
    },
    /// Loads one agency extract (format: docs/SOURCES.md) and prints the load report.
    Load(LoadArgs),
    /// Writes an export as CSV.
    Export {
        #[command(subcommand)]
        what: ExportKind,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Rebuilds the search index from the database (stop `serve` first: the
    /// index has one writer).
    Reindex,
    /// Prints the OpenAPI document (the source of `openapi/openapi.json`).
    Openapi,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Checks the hash chain: exit 0 when intact, 1 naming the first bad entry.
    Verify,
}

/// `sanaw load`: exit 0 when the file was processed (even with rejected
/// rows), 1 when the file itself is unusable, 2 on bad arguments.
#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// tax, justice or statistics.
    #[arg(long)]
    source: Source,
    /// The extract.
    file: PathBuf,
    /// Report what would happen; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// utf-8 or windows-1251; detected when not given.
    #[arg(long)]
    encoding: Option<Encoding>,
    /// From when the extract's statements hold (YYYY-MM-DD); default today.
    #[arg(long, value_parser = register_day)]
    effective_date: Option<NaiveDate>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ExportKind {
    /// Units as CSV: the bytes of `GET /api/v1/export/units.csv` with the
    /// same options, as a caller seeing exact figures gets them.
    Units(Box<export::UnitsExportArgs>),
    /// A frozen frame's units: the bytes of `GET /api/v1/frames/NAME/units.csv`.
    Frame {
        /// The frame's name.
        name: String,
        /// Comma-separated column names; default every column.
        #[arg(long)]
        columns: Option<String>,
        /// Exact cell values: no neutralising of formula-like cells.
        #[arg(long)]
        raw: bool,
        /// The file to write; `-` or none: standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Which unit each row of the latest load of each source was linked to.
    Links {
        /// The file to write; `-` or none: standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Creates a token and prints it once; only its hash is stored.
    Create {
        /// admin, statistician, analyst or agency.
        #[arg(long)]
        role: Role,
        /// For agency tokens: tax, justice or statistics.
        #[arg(long)]
        agency: Option<Agency>,
        /// Who or what the token is for.
        #[arg(long)]
        label: Option<String>,
        /// For analysts: exact employees and turnover instead of size classes.
        #[arg(long)]
        exact_figures: bool,
    },
}

/// A date the register accepts, as a flag's value: the API's rule.
fn register_day(text: &str) -> Result<NaiveDate, String> {
    crate::api::params::parse_day("--effective-date", text).map_err(|error| error.reason)
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            // A setting that cannot be used is a bad argument (docs/CONTRACT.md).
            if error.downcast_ref::<ConfigError>().is_some() {
                return ExitCode::from(2);
            }
            tracing::error!(error = format!("{error:#}"), "sanaw failed");
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    /// The settings every command runs with, built once from flags and environment.
    fn settings(
        &self,
        data_dir: PathBuf,
        database_url: Option<&str>,
        addr: &str,
    ) -> Result<Settings, ConfigError> {
        Settings::new(data_dir, database_url, addr)?.tuned(&self.tuning)
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let database_url = cli.database_url.as_deref();
    match &cli.command {
        Command::Serve { addr } => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, addr)?;
            serve(settings)?;
        }
        Command::Demo { addr, demo_dir } => {
            if database_url.is_some() {
                tracing::warn!("demo ignores DATABASE_URL: it always runs on its own SQLite file");
            }
            let settings = cli.settings(demo_dir.clone(), None, addr)?;
            crate::demo::prepare_folder(demo_dir)?;
            let db = Database::open(&settings.database)?;
            for report in crate::demo::seed(&db, settings.thresholds)? {
                tracing::info!(
                    source = %report.source,
                    rows = report.rows_read,
                    units_created = report.units_created,
                    review = report.review_opened,
                    "demo extract loaded"
                );
            }
            tracing::info!(folder = %demo_dir.display(), "demo data loaded");
            let token = crate::demo::statistician_token(&db)?;
            eprintln!(
                "pages: http://{addr}/  — to review and load, sign in at /login with the demo statistician's token:\n{token}"
            );
            serve(settings)?;
        }
        Command::Token {
            action:
                TokenAction::Create {
                    role,
                    agency,
                    label,
                    exact_figures,
                },
        } => {
            let checked = crate::api::tokens::check_agency(*role, *agency)
                .and_then(|()| crate::api::tokens::check_grant(*role, *exact_figures));
            if let Err(error) = checked {
                eprintln!("error: {error}");
                return Ok(ExitCode::from(2));
            }
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            let db = Database::open(&settings.database)?;
            let grant = tokens::Grant {
                role: *role,
                agency: *agency,
                label: label.as_deref(),
                exact_figures: *exact_figures,
            };
            let secret = tokens::create_granted(&mut *db.writer()?, grant)?;
            eprintln!("created a {role} token; it is shown once, only its hash is stored:");
            println!("{secret}");
        }
        Command::Load(args) => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            return load(&settings, args);
        }
        Command::Export {
            what: ExportKind::Links { output },
        } => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            let db = Database::open(&settings.database)?;
            let rows = match output.as_deref().filter(|p| p.as_os_str() != "-") {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    crate::export::links::write(&mut *db.reader()?, std::io::BufWriter::new(file))?
                }
                None => crate::export::links::write(&mut *db.reader()?, std::io::stdout().lock())?,
            };
            tracing::info!(rows, "links exported");
        }
        Command::Export {
            what: ExportKind::Units(args),
        } => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            return export::units(&settings, args);
        }
        Command::Export {
            what:
                ExportKind::Frame {
                    name,
                    columns,
                    raw,
                    output,
                },
        } => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            return export::frame(&settings, name, columns.as_deref(), *raw, output.as_deref());
        }
        Command::Reindex => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            reindex(&settings)?;
        }
        Command::Openapi => {
            println!("{}", crate::api::openapi().to_pretty_json()?);
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => {
            let settings = cli.settings(cli.data_dir.clone(), database_url, "")?;
            return verify_audit(&settings);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sanaw audit verify`: reads the whole chain and checks every link.
fn verify_audit(settings: &Settings) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let db = Database::open(&settings.database)?;
    let verified = crate::store::audit::verify(&mut *db.reader()?)?;
    let seconds = started.elapsed().as_secs_f64();
    match verified {
        Ok((entries, head)) => {
            println!("audit trail intact: {entries} entries checked in {seconds:.2} s; newest hash {head}");
            Ok(ExitCode::SUCCESS)
        }
        Err(fault) => {
            eprintln!("audit trail broken: {fault}");
            Ok(ExitCode::from(1))
        }
    }
}

fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = Database::open(&settings.database)?;
    let index = crate::search::SearchIndex::open(&settings.index_dir())?;
    let mut indexer = crate::search::index::indexer::Indexer::for_rebuild(&index)
        .context("the search index is in use: stop `sanaw serve` first")?;
    let units = indexer.rebuild(&mut *db.reader()?)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "indexed {units} units in {seconds:.1} s ({:.0} units/s), up to change {}",
        units as f64 / seconds.max(1e-9),
        index.version()
    );
    Ok(())
}

fn load(settings: &Settings, args: &LoadArgs) -> anyhow::Result<ExitCode> {
    if args.source == Source::Register {
        eprintln!("error: --source must be tax, justice or statistics");
        return Ok(ExitCode::from(2));
    }
    let file = match std::fs::File::open(&args.file) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("error: cannot open {}: {error}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let total = file.metadata().map(|m| m.len()).unwrap_or_default();
    let options = Options {
        source: args.source,
        dry_run: args.dry_run,
        effective_date: args
            .effective_date
            .unwrap_or_else(|| Utc::now().date_naive()),
        encoding: match args.encoding {
            Some(given) => Some(given),
            None => crate::ingest::extract::detect_file(&args.file).unwrap_or(None),
        },
        thresholds: settings.thresholds,
        injected_panic: None,
    };
    let db = Database::open(&settings.database)?;
    let mut conn = db.writer()?;
    let file_name = args.file.display().to_string();
    let progress = Arc::new(Progress::default());
    let display = progress::show(progress.clone(), total);
    let outcome = crate::ingest::load::start(
        &mut conn,
        std::io::BufReader::with_capacity(1 << 20, file),
        &options,
        &file_name,
        "command line",
        progress,
    );
    display.stop();
    match outcome {
        Ok(report) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", crate::ingest::report::text(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(LoadError::File(error)) => {
            eprintln!("error: {}: {error}", args.file.display());
            Ok(ExitCode::from(1))
        }
        Err(LoadError::Store(error)) => Err(error.into()),
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(&settings).await?;
        eprintln!(
            "sanaw serves on http://{}  (API docs: /docs)",
            settings
                .addr
                .rsplit_once(':')
                .map_or(settings.addr.clone(), |(host, _)| {
                    format!("{host}:{}", application.port())
                })
        );
        application.run_until_stopped().await?;
        anyhow::Ok(())
    })
}
