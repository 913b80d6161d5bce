//! Reconciliation: recognising the same enterprise across the sources.
//!
//! `normalise` turns a name as any source writes it into comparable tokens;
//! the search index uses the same code, so that what the matcher considers
//! equal, search finds.

pub mod block;
pub mod matcher;
pub mod normalise;
pub mod score;
pub mod similarity;
