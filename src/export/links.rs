//! The links file of docs/CONTRACT.md: which unit each accepted row of the latest
//! load of each source was linked to, and how.

use std::io::Write;

use super::ExportError;
use crate::domain::source::Source;
use crate::domain::stat_id::StatId;
use crate::store::loads;
use crate::store::AnyConnection;

/// The header, exactly as docs/CONTRACT.md gives it.
pub const HEADER: [&str; 7] = [
    "source",
    "source_key",
    "line",
    "load_id",
    "unit_id",
    "method",
    "score",
];

/// Rows read from the database per query.
const PAGE: i64 = 10_000;

/// Writes the links file; returns how many rows it wrote.
pub fn write(conn: &mut AnyConnection, output: impl Write) -> Result<u64, ExportError> {
    let mut csv = csv::Writer::from_writer(output);
    csv.write_record(HEADER)?;
    let mut written = 0;
    for source in [Source::Justice, Source::Tax, Source::Statistics] {
        let Some(load_id) = loads::latest_done(conn, source)? else {
            continue;
        };
        let mut after = 0;
        loop {
            let page = loads::rows_page(conn, load_id, after, PAGE)?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.line;
            for row in &page {
                let unit = row
                    .unit_id
                    .map(|id| StatId::from_unit_number(id).to_string())
                    .unwrap_or_default();
                let score = row.score.map(|s| format!("{s:.2}")).unwrap_or_default();
                csv.write_record([
                    source.as_str(),
                    row.source_key.as_deref().unwrap_or_default(),
                    &row.line.to_string(),
                    &load_id.to_string(),
                    &unit,
                    &row.method,
                    &score,
                ])?;
                written += 1;
            }
        }
    }
    csv.flush().map_err(csv::Error::from)?;
    Ok(written)
}
