//! The search index: derived from the database, kept under the data folder.
//!
//! It can always be rebuilt from the database (`sanaw reindex`) and follows
//! the change log: each commit records the last change-log seq it holds.
//! Names are indexed as `reconcile::normalise` folds them, the same code the
//! matcher uses, so a query in either script meets a name in the other.
//!
//! Three layers, each using only those below it:
//! - `index`: the tantivy index, what is filed for a unit and how
//!   (`document`, `keys`, `person`, `indexer`), and what searches keep per
//!   segment (`postings`, `lists`, `table`, `likeness`);
//! - `rank`: what a match scores (`score`, the one place the ranking is
//!   defined), the orders and their cursors, the top-k and facet collectors;
//! - `query`: the clauses a query box is made of (`word`, `spellings`,
//!   `most_words`, `person`, `letters`, `filter`) and the search itself.
//!
//! `workers` runs searches on their own threads.

pub mod index;
pub mod query;
pub mod rank;
pub mod workers;

pub use index::{Fields, SearchError, SearchIndex};
