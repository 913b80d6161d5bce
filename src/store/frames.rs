//! Frozen frames: their descriptions and their rows, written once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::on_backend;
use super::schema::{frame_units, frames};
use super::{AnyConnection, StoreResult};

/// A frame as described to its readers.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = frames)]
pub struct Frame {
    /// Row id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// The date its units are shown as of.
    pub reference_date: NaiveDate,
    /// The filters it was frozen with, as JSON.
    pub filters: String,
    /// Whether units dead on the reference date are in it.
    pub include_dead: bool,
    /// When it was frozen.
    pub frozen_at: NaiveDateTime,
    /// Who froze it.
    pub frozen_by: String,
    /// The register version it reflects.
    pub register_version: i64,
    /// How many units it holds.
    pub unit_count: i64,
    /// SHA-256 of its full, exact, raw CSV.
    pub checksum: String,
}

/// A frame about to be frozen: everything but its id.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = frames)]
pub struct NewFrame {
    /// Its unique name.
    pub name: String,
    /// The date its units are shown as of.
    pub reference_date: NaiveDate,
    /// The filters, as JSON.
    pub filters: String,
    /// Whether dead units are in it.
    pub include_dead: bool,
    /// When it was frozen.
    pub frozen_at: NaiveDateTime,
    /// Who froze it.
    pub frozen_by: String,
    /// The register version it reflects.
    pub register_version: i64,
    /// How many units it holds (set when its rows are written).
    pub unit_count: i64,
    /// Its checksum (set when its rows are written).
    pub checksum: String,
}

/// One stored chunk of a frame's CSV: position 0 is the header, then a page
/// of units each, in stat_id order.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = frame_units)]
pub struct FrameChunk {
    /// The frame.
    pub frame_id: i64,
    /// Its place: 0 the header, then 1, 2, ….
    pub position: i64,
    /// CSV lines, each ending CRLF.
    pub rows: String,
}

/// Whether a frame has this name.
pub fn exists(conn: &mut AnyConnection, name: &str) -> StoreResult<bool> {
    let found = frames::table
        .filter(frames::name.eq(name))
        .select(frames::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Stores a frame's description; returns its id.
pub fn insert(conn: &mut AnyConnection, frame: &NewFrame) -> StoreResult<i64> {
    let id = on_backend!(conn, c => diesel::insert_into(frames::table)
        .values(frame)
        .returning(frames::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

/// Stores one chunk of a frame's CSV.
pub fn insert_chunk(conn: &mut AnyConnection, chunk: &FrameChunk) -> StoreResult<()> {
    diesel::insert_into(frame_units::table)
        .values(chunk)
        .execute(conn)?;
    Ok(())
}

/// Records a frame's unit count and checksum once its rows are stored.
pub fn finish(conn: &mut AnyConnection, id: i64, count: i64, checksum: &str) -> StoreResult<()> {
    diesel::update(frames::table.find(id))
        .set((frames::unit_count.eq(count), frames::checksum.eq(checksum)))
        .execute(conn)?;
    Ok(())
}

/// Every frame, newest first.
pub fn list(conn: &mut AnyConnection) -> StoreResult<Vec<Frame>> {
    Ok(frames::table
        .order(frames::id.desc())
        .select(Frame::as_select())
        .load(conn)?)
}

/// The frame with this name.
pub fn find(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<Frame>> {
    Ok(frames::table
        .filter(frames::name.eq(name))
        .select(Frame::as_select())
        .first(conn)
        .optional()?)
}

/// A frame's chunk at `position` (0 is the header), if it has one.
pub fn chunk(
    conn: &mut AnyConnection,
    frame_id: i64,
    position: i64,
) -> StoreResult<Option<String>> {
    Ok(frame_units::table
        .find((frame_id, position))
        .select(frame_units::rows)
        .first(conn)
        .optional()?)
}
