//! Streaming CSV exports: written page by page, never held whole in memory.

pub mod columns;
pub mod frames;
pub mod links;
pub mod row;
pub mod sheet;
pub mod units;

use crate::store::StoreError;

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
