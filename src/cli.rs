//! The `sanaw` command line (see CONTRACT.md): flags win over the environment.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::domain::access::{Agency, Role};
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
    /// API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Prints the OpenAPI document (the source of `openapi/openapi.json`).
    Openapi,
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
            let summary = crate::demo::seed(&db)?;
            tracing::info!(units = summary, folder = %demo_dir.display(), "demo data loaded");
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
        Command::Openapi => {
            println!("{}", crate::api::openapi().to_pretty_json()?);
        }
    }
    Ok(ExitCode::SUCCESS)
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
