//! Streaming CSV exports: written page by page, never held whole in memory.

pub mod columns;
pub mod frames;
pub mod links;
pub mod row;
pub mod sheet;
pub mod units;

use std::io::Write;

use crate::store::StoreError;

/// A CSV writer in the dialect of every analysts' export and statistic:
/// RFC 4180, records ending in CRLF.
pub fn writer<W: Write>(output: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(output)
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the register failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("writing the export: {0}")]
    Write(#[from] csv::Error),
}

impl From<diesel::result::Error> for ExportError {
    fn from(error: diesel::result::Error) -> Self {
        ExportError::Store(StoreError::from(error))
    }
}

impl From<std::io::Error> for ExportError {
    fn from(error: std::io::Error) -> Self {
        ExportError::Write(csv::Error::from(error))
    }
}
