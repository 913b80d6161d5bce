//! The review queue in the database: rows the matcher would not decide.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::insert_batched;
use super::loads::Rejection;
use super::schema::{load_rows, review_items};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::text_enum;

text_enum! {
    /// Where a review item stands.
    ReviewStatus {
        /// Waiting for a statistician.
        Open => "open",
        /// Linked to an existing unit.
        Linked => "linked",
        /// A new unit was created for the row.
        Created => "created",
        /// The row was rejected.
        Rejected => "rejected",
    }
}

/// A review item as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = review_items, treat_none_as_default_value = false)]
pub struct ReviewItem {
    /// Its id.
    pub id: i64,
    /// The load that last brought the row, if a load did.
    pub load_id: Option<i64>,
    /// The submission that brought it, if one did.
    pub submission_id: Option<i64>,
    /// The row's line in that load's file, or the event's number in the submission.
    pub line: i64,
    /// The source.
    pub source: String,
    /// The row's key, if it had one.
    pub source_key: Option<String>,
    /// The row's identity across extracts.
    pub fingerprint: String,
    /// Why the matcher would not decide.
    pub reason: String,
    /// The statement the row makes, as JSON.
    pub statement: String,
    /// The candidates with their evidence, as JSON.
    pub candidates: String,
    /// A [`ReviewStatus`] word.
    pub status: String,
    /// The unit it was linked to or created.
    pub unit_id: Option<i64>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
    /// The decider's note.
    pub note: Option<String>,
    /// When it was opened.
    pub created_at: NaiveDateTime,
}

/// Opens review items (ids chosen by the caller, who holds the write lock).
pub fn insert(conn: &mut AnyConnection, items: &[ReviewItem]) -> StoreResult<()> {
    insert_batched!(conn, review_items::table, items, 64)?;
    Ok(())
}

/// Points an open item at the latest load's version of its row.
pub fn refresh(
    conn: &mut AnyConnection,
    id: i64,
    load_id: i64,
    line: i64,
    reason: &str,
    statement: &str,
    candidates: &str,
) -> StoreResult<()> {
    diesel::update(review_items::table.find(id))
        .set((
            review_items::reason.eq(reason),
            review_items::load_id.eq(load_id),
            review_items::line.eq(line),
            review_items::statement.eq(statement),
            review_items::candidates.eq(candidates),
        ))
        .execute(conn)?;
    Ok(())
}

/// Items with a status, oldest first, after an id (cursor paging).
pub fn list(
    conn: &mut AnyConnection,
    status: ReviewStatus,
    source: Option<&str>,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<ReviewItem>> {
    let mut query = review_items::table
        .filter(review_items::status.eq(status.as_str()))
        .filter(review_items::id.gt(after))
        .into_boxed();
    if let Some(source) = source {
        query = query.filter(review_items::source.eq(source.to_owned()));
    }
    Ok(query
        .order(review_items::id)
        .limit(limit)
        .select(ReviewItem::as_select())
        .load(conn)?)
}

/// The ids of the items of a status just before and just after `id`: the
/// review page's previous and next.
pub fn neighbours(
    conn: &mut AnyConnection,
    status: ReviewStatus,
    id: i64,
) -> StoreResult<(Option<i64>, Option<i64>)> {
    let previous = review_items::table
        .filter(review_items::status.eq(status.as_str()))
        .filter(review_items::id.lt(id))
        .select(diesel::dsl::max(review_items::id))
        .first::<Option<i64>>(conn)?;
    let next = review_items::table
        .filter(review_items::status.eq(status.as_str()))
        .filter(review_items::id.gt(id))
        .select(diesel::dsl::min(review_items::id))
        .first::<Option<i64>>(conn)?;
    Ok((previous, next))
}

/// How many items have a status.
pub fn count(conn: &mut AnyConnection, status: ReviewStatus) -> StoreResult<i64> {
    Ok(review_items::table
        .filter(review_items::status.eq(status.as_str()))
        .count()
        .get_result(conn)?)
}

/// One item.
pub fn find(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ReviewItem>> {
    Ok(review_items::table
        .find(id)
        .select(ReviewItem::as_select())
        .first(conn)
        .optional()?)
}

/// Records a decision on an open item, and on the load rows waiting for it.
///
/// Only an open item is decided: if another decision got there first the
/// write fails as stale, and the caller's transaction rolls back whole.
pub fn decide(
    conn: &mut AnyConnection,
    id: i64,
    status: ReviewStatus,
    unit_id: Option<i64>,
    decided_by: &str,
    note: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let decided = diesel::update(
        review_items::table
            .find(id)
            .filter(review_items::status.eq(ReviewStatus::Open.as_str())),
    )
    .set((
        review_items::status.eq(status.as_str()),
        review_items::unit_id.eq(unit_id),
        review_items::decided_by.eq(decided_by),
        review_items::decided_at.eq(now),
        review_items::note.eq(note),
    ))
    .execute(conn)?;
    if decided == 0 {
        return Err(StoreError::Stale(format!(
            "review item {id} was decided by another request"
        )));
    }
    if status != ReviewStatus::Rejected {
        diesel::update(load_rows::table.filter(load_rows::review_id.eq(id)))
            .set((
                load_rows::unit_id.eq(unit_id),
                load_rows::method.eq("manual"),
            ))
            .execute(conn)?;
        return Ok(());
    }
    // A rejected row is no longer an accepted one: it leaves the links
    // export and joins its load's rejections.
    let waiting: Vec<(i64, i64)> = load_rows::table
        .filter(load_rows::review_id.eq(id))
        .select((load_rows::load_id, load_rows::line))
        .load(conn)?;
    diesel::delete(load_rows::table.filter(load_rows::review_id.eq(id))).execute(conn)?;
    // No name: agencies read their loads' rejections, not who works the register.
    let reason = format!("rejected in review (item {id})");
    let rejections: Vec<Rejection> = waiting
        .into_iter()
        .map(|(load_id, line)| Rejection {
            load_id,
            line,
            column_name: None,
            reason: reason.clone(),
        })
        .collect();
    super::loads::insert_rejections(conn, &rejections)
}
