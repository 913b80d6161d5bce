//! The `sanaw` command line (see CONTRACT.md): flags win over the environment.

mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::domain::access::{Agency, Role};
use crate::domain::source::Source;
use crate::ingest::extract::Encoding;
use crate::ingest::load::{LoadError, Options, Progress};
use crate::reconcile::matcher::Thresholds;
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
    /// Loads one agency extract (format: SOURCES.md) and prints the load report.
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
    #[arg(long)]
    effective_date: Option<NaiveDate>,
    /// Match score at or above which a row is linked.
    #[arg(long, env = "SANAW_LINK_THRESHOLD")]
    link_threshold: Option<f64>,
    /// Match score at or above which a row goes to review rather than a new unit.
    #[arg(long, env = "SANAW_REVIEW_THRESHOLD")]
    review_threshold: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ExportKind {
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
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "sanaw failed");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { ref addr } => {
            let settings = Settings::new(cli.data_dir.clone(), cli.database_url.as_deref(), addr)?;
            serve(settings)?;
        }
        Command::Demo {
            ref addr,
            ref demo_dir,
        } => {
            if cli.database_url.is_some() {
                tracing::warn!("demo ignores DATABASE_URL: it always runs on its own SQLite file");
            }
            crate::demo::prepare_folder(demo_dir)?;
            let settings = Settings::new(demo_dir.clone(), None, addr)?;
            let db = Database::open(&settings.database)?;
            for report in crate::demo::seed(&db)? {
                tracing::info!(
                    source = %report.source,
                    rows = report.rows_read,
                    units_created = report.units_created,
                    review = report.review_opened,
                    "demo extract loaded"
                );
            }
            tracing::info!(folder = %demo_dir.display(), "demo data loaded");
            serve(settings)?;
        }
        Command::Token {
            action:
                TokenAction::Create {
                    role,
                    agency,
                    label,
                },
        } => {
            if let Err(error) = crate::api::tokens::check_agency(role, agency) {
                eprintln!("error: {error}");
                return Ok(ExitCode::from(2));
            }
            let settings = Settings::new(cli.data_dir.clone(), cli.database_url.as_deref(), "")?;
            let db = Database::open(&settings.database)?;
            let secret = tokens::create(&mut *db.writer()?, role, agency, label.as_deref())?;
            eprintln!("created a {role} token; it is shown once, only its hash is stored:");
            println!("{secret}");
        }
        Command::Load(ref args) => {
            let settings = Settings::new(cli.data_dir.clone(), cli.database_url.as_deref(), "")?;
            return load(&settings, args);
        }
        Command::Export {
            what: ExportKind::Links { ref output },
        } => {
            let settings = Settings::new(cli.data_dir.clone(), cli.database_url.as_deref(), "")?;
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
        Command::Reindex => {
            let settings = Settings::new(cli.data_dir.clone(), cli.database_url.as_deref(), "")?;
            reindex(&settings)?;
        }
        Command::Openapi => {
            println!("{}", crate::api::openapi().to_pretty_json()?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = Database::open(&settings.database)?;
    let index = crate::search::SearchIndex::open(&settings.index_dir())?;
    let mut indexer = crate::search::indexer::Indexer::for_rebuild(&index)
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
    let mut thresholds = Thresholds::default();
    thresholds.link = args.link_threshold.unwrap_or(thresholds.link);
    thresholds.review = args.review_threshold.unwrap_or(thresholds.review);
    if thresholds.review > thresholds.link {
        eprintln!("error: the review threshold must not exceed the link threshold");
        return Ok(ExitCode::from(2));
    }
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
        thresholds,
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
