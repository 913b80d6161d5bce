//! A statistician's review decision: link the row to a unit, create one for
//! it, or reject it, in one register write with its audit entry.

use super::Actor;
use crate::domain::event::{EventKind, EventRole};
use crate::domain::source::{Origin, OriginKind, Source};
use crate::domain::stat_id::StatId;
use crate::domain::unit::UnitKind;
use crate::ingest::load::PendingStatement;
use crate::store::register::{self, Statement};
use crate::store::review::{self, ReviewItem, ReviewStatus};
use crate::store::{units, AnyConnection, StoreError, StoreResult};

/// What a decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The row is about this legal unit.
    Link(StatId),
    /// The row is about a unit the register lacks: create it.
    Create,
    /// The row is unusable.
    Reject,
}

/// Why a decision was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such item.
    NoItem(i64),
    /// Another decision came first.
    Decided(String),
    /// The unit a link names does not exist.
    NoUnit(StatId),
    /// The unit a link names is not a legal unit.
    NotLegalUnit(StatId),
}

/// Applies a decision in one register write.
///
/// The item is read and checked inside the write, under the register's
/// lock: of two decisions on one item, or a decision and a load that brings
/// the item's row again, the second waits and then sees the first's outcome.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    verdict: Verdict,
    note: Option<&str>,
    request: &[u8],
) -> StoreResult<Result<ReviewItem, Refused>> {
    let origin = Origin::new(OriginKind::Review, format!("review:{id}"));
    register::write(conn, origin, |writer| {
        let item = match open_item(writer.connection(), id, verdict)? {
            Ok(item) => item,
            Err(refused) => return Ok(Err(refused)),
        };
        let before = writer.last_seq();
        let statement = pending_statement(&item)?;
        let (status, unit) = match verdict {
            Verdict::Link(stat_id) => {
                writer.record(stat_id, &statement)?;
                (ReviewStatus::Linked, Some(stat_id))
            }
            Verdict::Create => {
                let (legal_unit, _) = writer.create_legal_unit(&statement)?;
                let birth = statement.values.birth_date.unwrap_or(statement.valid_from);
                writer.event(
                    EventKind::Birth,
                    birth,
                    &[(legal_unit, EventRole::Subject)],
                    None,
                )?;
                (ReviewStatus::Created, Some(legal_unit))
            }
            Verdict::Reject => (ReviewStatus::Rejected, None),
        };
        let now = writer.now();
        let unit_id = unit.map(StatId::unit_number);
        review::decide(
            writer.connection(),
            id,
            status,
            unit_id,
            &actor.name,
            note,
            now,
        )?;
        let mut draft = actor.audit(
            "review",
            format!("review:{id}"),
            request,
            status.as_str().to_owned(),
        );
        draft.seqs = (writer.last_seq() > before).then(|| (before + 1, writer.last_seq()));
        writer.audit(draft);
        let decided = review::find(writer.connection(), id)?.ok_or(StoreError::Corrupt {
            column: "review_items.id",
            value: id.to_string(),
        })?;
        Ok(Ok(decided))
    })
}

/// The item, if it exists and is open, and the unit a link names is a legal unit.
fn open_item(
    conn: &mut AnyConnection,
    id: i64,
    verdict: Verdict,
) -> StoreResult<Result<ReviewItem, Refused>> {
    let Some(item) = review::find(conn, id)? else {
        return Ok(Err(Refused::NoItem(id)));
    };
    if item.status != ReviewStatus::Open.as_str() {
        return Ok(Err(Refused::Decided(format!(
            "review item {id} was already decided: {}",
            item.status
        ))));
    }
    let Verdict::Link(stat_id) = verdict else {
        return Ok(Ok(item));
    };
    match units::find(conn, stat_id)? {
        Some(unit) if unit.kind == UnitKind::LegalUnit => Ok(Ok(item)),
        Some(_) => Ok(Err(Refused::NotLegalUnit(stat_id))),
        None => Ok(Err(Refused::NoUnit(stat_id))),
    }
}

/// The statement the item's row makes, as the register records it.
fn pending_statement(item: &ReviewItem) -> StoreResult<Statement> {
    let source: Source = item.source.parse().map_err(|_| StoreError::Corrupt {
        column: "review_items.source",
        value: item.source.clone(),
    })?;
    let pending: PendingStatement =
        serde_json::from_str(&item.statement).map_err(|e| StoreError::Encode(e.to_string()))?;
    Ok(Statement {
        source,
        source_key: pending.source_key,
        valid_from: pending.first_valid_from,
        values: pending.values,
    })
}
