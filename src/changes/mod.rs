//! What happens when the register changes: the one path that loads, review
//! decisions and submissions share.
//!
//! Every change is a register write (`store::register::write`): one
//! transaction under the register's lock that records what a source says
//! bitemporally with its origin, writes one change-log entry per unit
//! touched (the change feed), and appends its audit entry to the hash chain.
//! This module holds the rules of each door: [`apply`] for submitted
//! events, [`decision`] for review decisions, and [`desk`], the single
//! writer that commits submissions in groups. Loads (`ingest::load`) take
//! the same write path for their bulk rows.

pub mod apply;
pub mod decision;
pub mod desk;
pub mod event;

use crate::domain::access::{Caller, Role};
use crate::domain::audit::sha256_hex;
use crate::store::audit::Draft;

/// Who asks for a change, as the audit trail records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's row id.
    pub token: i64,
    /// How the audit trail and review decisions name them:
    /// `LABEL (token N, ROLE)`.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The agency an agency token speaks for.
    pub agency: Option<crate::domain::access::Agency>,
}

impl Actor {
    /// The actor behind a caller with a token; `None` for the public.
    pub fn of(caller: &Caller) -> Option<Actor> {
        match caller {
            Caller::Public => None,
            Caller::Token {
                id,
                role,
                agency,
                label,
                ..
            } => Some(Actor {
                token: *id,
                name: match label {
                    Some(label) => format!("{label} (token {id}, {role})"),
                    None => format!("token {id} ({role})"),
                },
                role: *role,
                agency: *agency,
            }),
        }
    }

    /// An audit entry of this actor's, for an act and the request behind it.
    pub fn audit(&self, action: &str, subject: String, request: &[u8], outcome: String) -> Draft {
        Draft {
            actor: self.name.clone(),
            role: self.role.as_str().to_owned(),
            agency: self.agency.map(|agency| agency.as_str().to_owned()),
            action: action.to_owned(),
            subject,
            request_hash: sha256_hex(request),
            seqs: None,
            outcome,
        }
    }
}
