//! The audit trail's entries and the hash chain that makes them tamper-evident.
//!
//! Each entry's hash covers its own fields and the hash of the entry before,
//! so changing, deleting or reordering any entry changes every hash after
//! it. Whoever keeps the newest hash somewhere else (`sanaw audit verify`
//! prints it) can also tell a rewritten chain from the one they saw.

use sha2::{Digest, Sha256};

/// One entry: who did what, when, through which act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its position in the chain, from 1, without gaps.
    pub id: i64,
    /// When, RFC 3339 in UTC with microseconds.
    pub at: String,
    /// Who: the token's label, or `token N` when it has none.
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// The agency an agency token speaks for.
    pub agency: Option<String>,
    /// What was done: `submission`, `load`, `review`, `token.create`, …
    pub action: String,
    /// Through which act: `submission:12`, `load:3`, `review:5`, `token:7`.
    pub subject: String,
    /// SHA-256 of the request that asked for it.
    pub request_hash: String,
    /// The first and last change-log sequence numbers it wrote, if any.
    pub seqs: Option<(i64, i64)>,
    /// How it ended, in a few words (`accepted 3, rejected 1`).
    pub outcome: String,
}

impl AuditEntry {
    /// The entry's hash, given the previous entry's (empty for the first).
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        let (first, last) = match self.seqs {
            Some((first, last)) => (first.to_string(), last.to_string()),
            None => (String::new(), String::new()),
        };
        let fields = [
            prev_hash,
            &self.id.to_string(),
            &self.at,
            &self.actor,
            &self.role,
            self.agency.as_deref().unwrap_or_default(),
            &self.action,
            &self.subject,
            &self.request_hash,
            &first,
            &last,
            &self.outcome,
        ];
        // Length-prefixed, so that no two different entries hash the same
        // text by moving characters between neighbouring fields.
        for field in fields {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        hex(&hasher.finalize())
    }
}

/// SHA-256 of some bytes, as lowercase hex: the request hash of an entry.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes (a digest) as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Where a stored chain first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// An entry is missing before this id (deleted), or ids are out of order.
    Gap {
        /// The id expected next.
        expected: i64,
        /// The id found.
        found: i64,
    },
    /// This entry's stored previous hash is not the hash of the entry before.
    Broken {
        /// The entry.
        id: i64,
    },
    /// This entry's fields do not hash to its stored hash (edited).
    Altered {
        /// The entry.
        id: i64,
    },
    /// The chain ends before (or after) where the register says it does.
    Truncated {
        /// The last id the register recorded.
        head: i64,
        /// The last id found.
        found: i64,
    },
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainFault::Gap { expected, found } => write!(
                f,
                "audit entry {expected} is missing: the next entry found is {found}"
            ),
            ChainFault::Broken { id } => write!(
                f,
                "audit entry {id} does not follow the entry before it (moved, or the one before was changed)"
            ),
            ChainFault::Altered { id } => {
                write!(f, "audit entry {id} was altered: its hash does not match")
            }
            ChainFault::Truncated { head, found } => write!(
                f,
                "the audit trail should end at entry {head} but ends at {found}"
            ),
        }
    }
}

/// Checks a chain one entry at a time, in id order.
#[derive(Debug, Default)]
pub struct ChainCheck {
    last_id: i64,
    last_hash: String,
}

impl ChainCheck {
    /// Checks the next entry with its stored previous hash and hash.
    pub fn next(
        &mut self,
        entry: &AuditEntry,
        prev_hash: &str,
        hash: &str,
    ) -> Result<(), ChainFault> {
        if entry.id != self.last_id + 1 {
            return Err(ChainFault::Gap {
                expected: self.last_id + 1,
                found: entry.id,
            });
        }
        if prev_hash != self.last_hash {
            return Err(ChainFault::Broken { id: entry.id });
        }
        if entry.chain_hash(prev_hash) != hash {
            return Err(ChainFault::Altered { id: entry.id });
        }
        self.last_id = entry.id;
        self.last_hash = hash.to_owned();
        Ok(())
    }

    /// Checks that the chain ends where the register's head says.
    pub fn finish(self, head_id: i64, head_hash: &str) -> Result<(i64, String), ChainFault> {
        if self.last_id != head_id || self.last_hash != head_hash {
            return Err(ChainFault::Truncated {
                head: head_id,
                found: self.last_id,
            });
        }
        Ok((self.last_id, self.last_hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, outcome: &str) -> AuditEntry {
        AuditEntry {
            id,
            at: "2026-12-06T10:00:00.000000Z".into(),
            actor: "tax-gateway".into(),
            role: "agency".into(),
            agency: Some("tax".into()),
            action: "submission".into(),
            subject: format!("submission:{id}"),
            request_hash: sha256_hex(b"{}"),
            seqs: Some((id, id)),
            outcome: outcome.into(),
        }
    }

    fn chain(entries: &[AuditEntry]) -> Vec<(AuditEntry, String, String)> {
        let mut prev = String::new();
        entries
            .iter()
            .map(|e| {
                let hash = e.chain_hash(&prev);
                let row = (e.clone(), prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn check(rows: &[(AuditEntry, String, String)]) -> Result<(), ChainFault> {
        let mut check = ChainCheck::default();
        for (entry, prev, hash) in rows {
            check.next(entry, prev, hash)?;
        }
        let last = rows
            .last()
            .map_or((0, String::new()), |r| (r.0.id, r.2.clone()));
        check.finish(last.0, &last.1).map(|_| ())
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(&[
            entry(1, "accepted"),
            entry(2, "accepted"),
            entry(3, "rejected"),
        ]);
        assert_eq!(check(&rows), Ok(()));
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut rows = chain(&[
            entry(1, "accepted"),
            entry(2, "accepted"),
            entry(3, "rejected"),
        ]);
        rows[1].0.outcome = "rejected".into();
        assert_eq!(check(&rows), Err(ChainFault::Altered { id: 2 }));
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let mut rows = chain(&[entry(1, "a"), entry(2, "b"), entry(3, "c")]);
        rows.remove(1);
        assert_eq!(
            check(&rows),
            Err(ChainFault::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn swapped_entries_are_found_even_with_ids_renumbered() {
        let mut rows = chain(&[entry(1, "a"), entry(2, "b"), entry(3, "c")]);
        rows.swap(1, 2);
        rows[1].0.id = 2;
        rows[2].0.id = 3;
        assert!(matches!(check(&rows), Err(ChainFault::Broken { id: 2 })));
    }

    #[test]
    fn a_deleted_newest_entry_is_found_by_the_head() {
        let rows = chain(&[entry(1, "a"), entry(2, "b")]);
        let mut check = ChainCheck::default();
        check.next(&rows[0].0, &rows[0].1, &rows[0].2).unwrap();
        let fault = check.finish(2, &rows[1].2).unwrap_err();
        assert_eq!(fault, ChainFault::Truncated { head: 2, found: 1 });
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let mut a = entry(1, "x");
        let mut b = entry(1, "x");
        a.actor = "ab".into();
        a.role = "c".into();
        b.actor = "a".into();
        b.role = "bc".into();
        assert_ne!(a.chain_hash(""), b.chain_hash(""));
    }
}
