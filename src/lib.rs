//! sanaw: an online Statistical Business Register.
//!
//! `domain` is the register's vocabulary and rules, without I/O; `store`
//! keeps it in SQLite or PostgreSQL; `search` is the derived index; `api`
//! serves it over HTTP; `cli` is the `sanaw` command.

pub mod api;
pub mod background;
pub mod changes;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod export;
pub mod ingest;
pub mod lookup;
pub mod pages;
pub mod reconcile;
pub mod search;
pub mod startup;
pub mod stats;
pub mod store;
pub mod telemetry;
