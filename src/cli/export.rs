//! `sanaw export units` and `sanaw export frame`: the HTTP exports' bytes,
//! written by the same code, as a caller seeing exact figures gets them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::api::export::flag;
use crate::api::search::{check_filters, FilterWords};
use crate::config::Settings;
use crate::domain::access::Figures;
use crate::export::columns;
use crate::export::sheet::Sheet;
use crate::export::units::{self as unit_export, Selection};
use crate::store::{frames as stored, Database};

/// The options of `sanaw export units`: those of the HTTP export.
#[derive(Debug, clap::Args)]
pub(super) struct UnitsExportArgs {
    /// The units as shown on this day (YYYY-MM-DD); default today (UTC).
    #[arg(long)]
    as_of: Option<String>,
    /// Comma-separated column names, in the order wanted; default every column.
    #[arg(long)]
    columns: Option<String>,
    /// Include units dead on the as-of day, with their death dates.
    #[arg(long)]
    include_dead: bool,
    /// Exact cell values: no neutralising of formula-like cells.
    #[arg(long)]
    raw: bool,
    /// Unit kind.
    #[arg(long)]
    kind: Option<String>,
    /// Legal status on the as-of day.
    #[arg(long)]
    status: Option<String>,
    /// Region code, e.g. TM-S.
    #[arg(long)]
    region: Option<String>,
    /// NACE code at any level, or a section letter.
    #[arg(long)]
    activity: Option<String>,
    /// Legal form code.
    #[arg(long)]
    legal_form: Option<String>,
    /// Institutional sector code.
    #[arg(long)]
    sector: Option<String>,
    /// Size class by persons employed.
    #[arg(long)]
    size_class: Option<String>,
    /// Registered on or after this day.
    #[arg(long)]
    registered_from: Option<String>,
    /// Registered on or before this day.
    #[arg(long)]
    registered_to: Option<String>,
    /// The file to write; `-` or none: standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Writes the units export; exit 2 on a bad option.
pub(super) fn units(settings: &Settings, args: &UnitsExportArgs) -> anyhow::Result<ExitCode> {
    let mut errors = Vec::new();
    let filters = check_filters(
        FilterWords {
            kind: args.kind.clone(),
            status: args.status.clone(),
            region: args.region.clone(),
            activity: args.activity.clone(),
            legal_form: args.legal_form.clone(),
            sector: args.sector.clone(),
            size_class: args.size_class.clone(),
            registered_from: args.registered_from.clone(),
            registered_to: args.registered_to.clone(),
        },
        &mut errors,
    );
    let as_of = crate::api::export::as_of(args.as_of.clone(), &mut errors);
    let raw = flag(args.raw.then_some("true"), "--raw", &mut errors);
    if let Some(error) = errors.first() {
        eprintln!(
            "error: --{}: {}",
            error.field.replace('_', "-"),
            error.reason
        );
        return Ok(ExitCode::from(2));
    }
    let Some(sheet) = sheet(args.columns.as_deref(), raw) else {
        return Ok(ExitCode::from(2));
    };
    let selection = Selection {
        as_of,
        filters,
        include_dead: args.include_dead,
        only: None,
    };
    let db = Database::open(&settings.database)?;
    let mut conn = db.reader()?;
    let rows = with_output(args.output.as_deref(), |output| {
        Ok(crate::store::snapshot::read(&mut conn, |conn, _| {
            unit_export::write(conn, &selection, &sheet, output)
        })?)
    })?;
    tracing::info!(rows, %as_of, "units exported");
    Ok(ExitCode::SUCCESS)
}

/// Writes a frame's units; exit 1 when there is no such frame, 2 on a bad option.
pub(super) fn frame(
    settings: &Settings,
    name: &str,
    columns: Option<&str>,
    raw: bool,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let Some(sheet) = sheet(columns, raw) else {
        return Ok(ExitCode::from(2));
    };
    let db = Database::open(&settings.database)?;
    let mut conn = db.reader()?;
    let Some(frame) = stored::find(&mut conn, name)? else {
        eprintln!("error: no frame named {name:?}");
        return Ok(ExitCode::from(1));
    };
    let rows = with_output(output, |output| {
        Ok(crate::export::frames::write(
            &mut conn, &frame, &sheet, output,
        )?)
    })?;
    tracing::info!(rows, frame = name, "frame exported");
    Ok(ExitCode::SUCCESS)
}

/// The sheet of a caller seeing exact figures; `None` (reported) for a bad column list.
fn sheet(asked: Option<&str>, raw: bool) -> Option<Sheet> {
    match columns::choose(asked, Figures::Exact) {
        Ok(columns) => Some(Sheet {
            columns,
            figures: Figures::Exact,
            raw,
        }),
        Err(error) => {
            eprintln!("error: --columns: {error}");
            None
        }
    }
}

/// Runs `write` on the file named (created), or on standard output.
fn with_output(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    match path.filter(|path| path.as_os_str() != "-") {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut output = std::io::BufWriter::with_capacity(1 << 16, file);
            let rows = write(&mut output)?;
            output.flush()?;
            Ok(rows)
        }
        None => {
            let mut output = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let rows = write(&mut output)?;
            output.flush()?;
            Ok(rows)
        }
    }
}
