//! Frozen frames: the register as known at one moment, for a reference
//! date, kept byte for byte. Survey samples are drawn from a frame, and a
//! sample must be reproducible years later, whatever was corrected since.

use std::io::Write;

use chrono::{SubsecRound, Utc};
use diesel::Connection;
use sha2::{Digest, Sha256};

use super::columns::Column;
use super::sheet::{Layout, Sheet};
use super::units::{Selection, Walk};
use super::ExportError;
use crate::domain::audit::hex;
use crate::store::frames::{self, Frame, FrameChunk, NewFrame};
use crate::store::{units, AnyConnection, StoreError};

/// Why a frame was not frozen.
#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    /// The name is taken: a frame is never replaced.
    #[error("a frame named {0:?} exists already")]
    Exists(String),
    /// Reading the register or storing the frame failed.
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl From<diesel::result::Error> for FreezeError {
    fn from(error: diesel::result::Error) -> Self {
        FreezeError::Export(ExportError::from(error))
    }
}

impl From<StoreError> for FreezeError {
    fn from(error: StoreError) -> Self {
        FreezeError::Export(ExportError::Store(error))
    }
}

/// A frame to freeze.
#[derive(Debug, Clone)]
pub struct Freeze<'a> {
    /// Its unique name.
    pub name: &'a str,
    /// Its units: `as_of` is the reference date.
    pub selection: &'a Selection,
    /// The filters as JSON, to describe it.
    pub filters: String,
    /// Who freezes it.
    pub frozen_by: String,
}

/// Freezes a frame in one transaction on the writer: every selected unit's
/// full row, exact and raw, stored a page per chunk, with the SHA-256 of it all.
pub fn freeze(conn: &mut AnyConnection, freeze: Freeze) -> Result<Frame, FreezeError> {
    conn.transaction(|conn| {
        if frames::exists(conn, freeze.name)? {
            return Err(FreezeError::Exists(freeze.name.to_owned()));
        }
        let new = NewFrame {
            name: freeze.name.to_owned(),
            reference_date: freeze.selection.as_of,
            filters: freeze.filters.clone(),
            include_dead: freeze.selection.include_dead,
            frozen_at: Utc::now().naive_utc().trunc_subsecs(6),
            frozen_by: freeze.frozen_by.clone(),
            register_version: units::register_version(conn)?,
            unit_count: 0,
            checksum: String::new(),
        };
        let id = frames::insert(conn, &new)?;
        let mut digest = Sha256::new();
        let header = header_line()?;
        digest.update(header.as_bytes());
        store(conn, id, 0, header)?;
        let mut walk = Walk::new(conn, freeze.selection)?;
        let (mut position, mut count) = (0, 0);
        loop {
            let mut csv = super::writer(Vec::new());
            let page = walk.next_page(conn, &mut |row| Ok(csv.write_byte_record(row)?))?;
            let Some(rows) = page else { break };
            let bytes = csv
                .into_inner()
                .map_err(|error| ExportError::from(error.into_error()))?;
            if rows == 0 {
                continue;
            }
            digest.update(&bytes);
            position += 1;
            count += rows as i64;
            // Every cell came from a text column, so the page is UTF-8.
            store(
                conn,
                id,
                position,
                String::from_utf8_lossy(&bytes).into_owned(),
            )?;
        }
        frames::finish(conn, id, count, &hex(&digest.finalize()))?;
        // The row was inserted in this transaction: it is there.
        let frozen = frames::find(conn, freeze.name)?;
        frozen.ok_or(FreezeError::from(diesel::result::Error::NotFound))
    })
}

fn store(
    conn: &mut AnyConnection,
    frame_id: i64,
    position: i64,
    rows: String,
) -> Result<(), StoreError> {
    frames::insert_chunk(
        conn,
        &FrameChunk {
            frame_id,
            position,
            rows,
        },
    )
}

/// The header of a full row, as a frame stores it.
fn header_line() -> Result<String, ExportError> {
    let mut csv = super::writer(Vec::new());
    csv.write_record(Column::ALL.iter().map(|column| column.as_str()))?;
    let bytes = csv
        .into_inner()
        .map_err(|error| ExportError::from(error.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes a frame's units as CSV for one caller; returns the row count.
/// The whole frame (every column, exact, raw) is the stored bytes as they
/// are; any other sheet is read from them, so it never changes either.
pub fn write<W: Write>(
    conn: &mut AnyConnection,
    frame: &Frame,
    sheet: &Sheet,
    mut output: W,
) -> Result<u64, ExportError> {
    let header = frames::chunk(conn, frame.id, 0)?.unwrap_or_default();
    if sheet.is_whole() && header == header_line()? {
        output.write_all(header.as_bytes())?;
        let mut position = 1;
        while let Some(rows) = frames::chunk(conn, frame.id, position)? {
            output.write_all(rows.as_bytes())?;
            position += 1;
        }
        output.flush()?;
        return Ok(frame.unit_count as u64);
    }
    let layout = Layout::of_header(&parse(&header).next().transpose()?.unwrap_or_default());
    let mut csv = super::writer(output);
    sheet.header(&mut csv)?;
    let mut scratch = Vec::new();
    let mut written = 0;
    let mut position = 1;
    while let Some(rows) = frames::chunk(conn, frame.id, position)? {
        for row in parse(&rows) {
            sheet.row(&mut csv, &row?, &layout, &mut scratch)?;
            written += 1;
        }
        position += 1;
    }
    csv.flush()?;
    Ok(written)
}

/// The records of stored CSV text.
fn parse(text: &str) -> impl Iterator<Item = csv::Result<csv::ByteRecord>> + '_ {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_byte_records()
}
