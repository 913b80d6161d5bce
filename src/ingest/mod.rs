//! Reading agency extracts (docs/SOURCES.md): the file, then its values.
//!
//! `extract` turns bytes of any accepted encoding and delimiter into rows
//! with their line numbers; `value` parses the fields of a row. Neither
//! touches the database: a bad row is reported with its line and reason and
//! never stops the rest of the file.

pub mod cp1251;
pub mod extract;
pub mod fault;
pub mod load;
pub mod mapping;
pub mod queue;
pub mod report;
pub mod value;
