//! The search index: derived from the database, kept under the data folder.
//!
//! It can always be rebuilt from the database; the register core only needs
//! it to exist and open, searching comes with its own module.

use std::path::Path;

use tantivy::directory::MmapDirectory;
use tantivy::schema::{Schema, STORED, STRING, TEXT};
use tantivy::{Index, IndexReader, ReloadPolicy};

/// Why the index cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index folder cannot be created or read.
    #[error("search index folder {path}: {reason}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
    /// tantivy refused.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// The open search index and its reader.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let folder_error = |reason: String| SearchError::Folder {
            path: dir.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| folder_error(e.to_string()))?;
        let directory = MmapDirectory::open(dir).map_err(|e| folder_error(e.to_string()))?;
        let index = Index::open_or_create(directory, schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex { index, reader })
    }

    /// How many units the index holds; answering proves it is readable.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The underlying tantivy index.
    pub fn index(&self) -> &Index {
        &self.index
    }
}

fn schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_text_field("stat_id", STRING | STORED);
    builder.add_text_field("name", TEXT | STORED);
    builder.build()
}
