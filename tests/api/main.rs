//! Integration tests: the real HTTP stack on a real database.
//!
//! Every test gets a fresh SQLite file, or a fresh PostgreSQL database when
//! `SANAW_TEST_DATABASE_URL` names a server (see README). One test binary,
//! one link step.

mod audit;
mod bad_input;
mod binary;
mod changes;
mod classifications;
mod crash;
mod demography;
mod docs;
mod events;
mod export;
mod faults;
mod frames;
mod harness;
mod hostile;
mod loads;
mod pages;
mod reconcile;
mod register;
mod review;
mod search;
mod search_answers;
mod submission_crash;
mod submissions;
mod tokens;
mod units;
