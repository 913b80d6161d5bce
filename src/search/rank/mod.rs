//! Ranking: what a match scores, the orders results come in and where a
//! page starts, and the collectors that keep the best units and count the
//! facets. Uses only `index`.

pub mod cursor;
pub mod facets;
pub mod order;
pub mod score;
pub mod top;
