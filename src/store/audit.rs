//! The audit trail in the database: appended inside register writes, read
//! by admins and agencies, and verified end to end.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::insert_batched;
use super::schema::{audit_head, audit_log};
use super::{AnyConnection, StoreResult};
use crate::domain::audit::{AuditEntry, ChainCheck, ChainFault};

/// An entry before it has its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Who: the token's label, or `token N`.
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// The agency an agency token speaks for.
    pub agency: Option<String>,
    /// What was done.
    pub action: String,
    /// Through which act.
    pub subject: String,
    /// SHA-256 of the request.
    pub request_hash: String,
    /// The change-log sequence numbers it wrote, first and last.
    pub seqs: Option<(i64, i64)>,
    /// How it ended.
    pub outcome: String,
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub id: i64,
    /// When.
    pub at: NaiveDateTime,
    /// Who.
    pub actor: String,
    /// Their role.
    pub role: String,
    /// Their agency.
    pub agency: Option<String>,
    /// What.
    pub action: String,
    /// Through which act.
    pub subject: String,
    /// SHA-256 of the request.
    pub request_hash: String,
    /// First change-log seq written.
    pub first_seq: Option<i64>,
    /// Last change-log seq written.
    pub last_seq: Option<i64>,
    /// How it ended.
    pub outcome: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl AuditRow {
    /// The entry the hash covers.
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at: stamp(self.at),
            actor: self.actor.clone(),
            role: self.role.clone(),
            agency: self.agency.clone(),
            action: self.action.clone(),
            subject: self.subject.clone(),
            request_hash: self.request_hash.clone(),
            seqs: self.first_seq.zip(self.last_seq),
            outcome: self.outcome.clone(),
        }
    }
}

/// The time as the hash covers it: both backends keep microseconds.
fn stamp(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Appends entries to the chain. Call it inside a register write, which
/// holds the register's lock: appends never interleave.
pub fn append(conn: &mut AnyConnection, at: NaiveDateTime, drafts: Vec<Draft>) -> StoreResult<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let (mut last_id, mut last_hash) = audit_head::table
        .select((audit_head::last_id, audit_head::last_hash))
        .first::<(i64, String)>(conn)?;
    let mut rows = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let entry = AuditEntry {
            id: last_id + 1,
            at: stamp(at),
            actor: draft.actor,
            role: draft.role,
            agency: draft.agency,
            action: draft.action,
            subject: draft.subject,
            request_hash: draft.request_hash,
            seqs: draft.seqs,
            outcome: draft.outcome,
        };
        let hash = entry.chain_hash(&last_hash);
        rows.push(AuditRow {
            id: entry.id,
            at,
            actor: entry.actor,
            role: entry.role,
            agency: entry.agency,
            action: entry.action,
            subject: entry.subject,
            request_hash: entry.request_hash,
            first_seq: entry.seqs.map(|(first, _)| first),
            last_seq: entry.seqs.map(|(_, last)| last),
            outcome: entry.outcome,
            prev_hash: std::mem::replace(&mut last_hash, hash.clone()),
            hash,
        });
        last_id += 1;
    }
    insert_batched!(conn, audit_log::table, rows, 64)?;
    diesel::update(audit_head::table)
        .set((
            audit_head::last_id.eq(last_id),
            audit_head::last_hash.eq(last_hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Entries after an id, oldest first; only one agency's when given.
pub fn list(
    conn: &mut AnyConnection,
    agency: Option<&str>,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .filter(audit_log::id.gt(after))
        .into_boxed();
    if let Some(agency) = agency {
        query = query.filter(audit_log::agency.eq(agency.to_owned()));
    }
    Ok(query
        .order(audit_log::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// What a verification found: the entries checked and the newest hash, or
/// the first fault.
pub type Verified = Result<(i64, String), ChainFault>;

/// Reads the whole chain in order, streaming, and checks every link.
pub fn verify(conn: &mut AnyConnection) -> StoreResult<Verified> {
    let (head_id, head_hash) = audit_head::table
        .select((audit_head::last_id, audit_head::last_hash))
        .first::<(i64, String)>(conn)?;
    let mut check = ChainCheck::default();
    let rows = audit_log::table
        .order(audit_log::id)
        .select(AuditRow::as_select())
        .load_iter::<AuditRow, diesel::connection::DefaultLoadingMode>(conn)?;
    for row in rows {
        let row = row?;
        if let Err(fault) = check.next(&row.entry(), &row.prev_hash, &row.hash) {
            return Ok(Err(fault));
        }
    }
    Ok(check.finish(head_id, &head_hash))
}
