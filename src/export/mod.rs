//! Streaming CSV exports: written page by page, never held whole in memory.

pub mod links;
