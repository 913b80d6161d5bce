//! sanaw: an online Statistical Business Register.

pub mod domain;
pub mod store;
