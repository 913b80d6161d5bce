//! The load report as a person reads it on the command line.

use std::fmt::Write;

use super::load::Report;

/// Renders a report as plain text.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "dry run of load"
    } else {
        "load"
    };
    let _ = writeln!(out, "{verb} {} ({})", report.load_id, report.source);
    let _ = writeln!(out, "  rows read        {}", report.rows_read);
    let _ = writeln!(out, "  accepted         {}", report.accepted);
    let _ = writeln!(out, "  rejected         {}", report.rejected);
    let _ = writeln!(out, "  units created    {}", report.units_created);
    let _ = writeln!(out, "  units updated    {}", report.units_updated);
    let _ = writeln!(out, "  units unchanged  {}", report.units_unchanged);
    let links: Vec<String> = report
        .links
        .iter()
        .map(|(method, count)| format!("{method} {count}"))
        .collect();
    let _ = writeln!(out, "  links by method  {}", links.join(", "));
    let _ = writeln!(
        out,
        "  review           {} opened, {} already open",
        report.review_opened, report.review_pending
    );
    let _ = writeln!(out, "  id conflicts     {}", report.conflicts);
    let t = &report.timings;
    let _ = writeln!(
        out,
        "  time             {:.2} s ({:.0} rows/s): snapshot {:.2} s, parse and match {:.2} s, write {:.2} s, finish {:.2} s",
        report.seconds, report.rows_per_second, t.snapshot, t.parse_and_match, t.write, t.finish
    );
    section(
        &mut out,
        "rejected rows",
        report.rejected,
        report.rejections.iter().map(|r| match &r.column {
            Some(column) => format!("line {}: {column}: {}", r.line, r.reason),
            None => format!("line {}: {}", r.line, r.reason),
        }),
    );
    section(
        &mut out,
        "conflicts",
        report.conflicts,
        report.conflict_examples.iter().cloned(),
    );
    section(
        &mut out,
        "notes",
        report.notes.len() as u64,
        report.notes.iter().cloned(),
    );
    out
}

fn section(out: &mut String, title: &str, total: u64, lines: impl Iterator<Item = String>) {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title} ({total}):");
    for line in &lines {
        let _ = writeln!(out, "  {line}");
    }
    if total > lines.len() as u64 {
        let _ = writeln!(out, "  … and {} more", total - lines.len() as u64);
    }
}
