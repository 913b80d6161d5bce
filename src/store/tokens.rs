//! API tokens: created once, shown once, stored only as a hash.
//!
//! A token is 32 random bytes, so a plain SHA-256 of it cannot be reversed or
//! guessed; a slow password hash would only slow down every request.

use crate::domain::audit::{hex, sha256_hex};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::api_tokens;
use super::units::word;
use super::{AnyConnection, StoreResult};
use crate::domain::access::{Agency, Caller, Role};

/// The prefix of every token, so that a leaked one is recognisable in logs and scanners.
const PREFIX: &str = "sanaw_";

/// A token as listed for administrators (never the secret).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Row id, used to revoke it.
    pub id: i64,
    /// What it allows.
    pub role: Role,
    /// For agency tokens: the agency it speaks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<Agency>,
    /// Who or what it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// For analysts: whether it sees exact employees and turnover rather than size classes.
    pub exact_figures: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct TokenRow {
    id: i64,
    role: String,
    agency: Option<String>,
    label: Option<String>,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    exact_figures: bool,
}

impl TokenRow {
    fn into_info(self) -> StoreResult<TokenInfo> {
        Ok(TokenInfo {
            id: self.id,
            role: word("api_tokens.role", &self.role)?,
            agency: self
                .agency
                .as_deref()
                .map(|agency| word("api_tokens.agency", agency))
                .transpose()?,
            label: self.label,
            created_at: self.created_at.and_utc(),
            revoked_at: self.revoked_at.map(|at| at.and_utc()),
            exact_figures: self.exact_figures,
        })
    }
}

impl TokenRow {
    fn into_caller(self) -> StoreResult<Caller> {
        let info = self.into_info()?;
        Ok(Caller::Token {
            id: info.id,
            role: info.role,
            agency: info.agency,
            label: info.label,
            exact_figures: info.exact_figures,
        })
    }
}

/// What a new token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant<'a> {
    /// What it allows.
    pub role: Role,
    /// For agency tokens: the agency it speaks for.
    pub agency: Option<Agency>,
    /// Who or what it is for.
    pub label: Option<&'a str>,
    /// For analysts: exact employees and turnover instead of size classes.
    pub exact_figures: bool,
}

/// Creates a token without the exact-figures grant; returns its secret.
pub fn create(
    conn: &mut AnyConnection,
    role: Role,
    agency: Option<Agency>,
    label: Option<&str>,
) -> StoreResult<String> {
    let grant = Grant {
        role,
        agency,
        label,
        exact_figures: false,
    };
    create_granted(conn, grant)
}

/// Creates a token and returns its secret, which is not stored anywhere.
pub fn create_granted(conn: &mut AnyConnection, grant: Grant) -> StoreResult<String> {
    let Grant {
        role,
        agency,
        label,
        exact_figures,
    } = grant;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("operating system random source");
    let secret = format!("{PREFIX}{}", hex(&bytes));
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(hash(&secret)),
            api_tokens::role.eq(role.as_str()),
            api_tokens::agency.eq(agency.map(Agency::as_str)),
            api_tokens::label.eq(label),
            api_tokens::exact_figures.eq(exact_figures),
            api_tokens::created_at.eq(Utc::now().naive_utc().trunc_subsecs(6)),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// The caller a presented secret belongs to, if it is a live token.
pub fn authenticate(conn: &mut AnyConnection, secret: &str) -> StoreResult<Option<Caller>> {
    let row: Option<TokenRow> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?;
    row.map(TokenRow::into_caller).transpose()
}

/// The caller a live token speaks for, by its row id: a web session's.
pub fn caller_by_id(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<Caller>> {
    let row: Option<TokenRow> = api_tokens::table
        .find(id)
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?;
    row.map(TokenRow::into_caller).transpose()
}

/// Every token, newest first.
pub fn list(conn: &mut AnyConnection) -> StoreResult<Vec<TokenInfo>> {
    api_tokens::table
        .order(api_tokens::id.desc())
        .select(TokenRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TokenRow::into_info)
        .collect()
}

/// Revokes a token; false when there is no such live token.
pub fn revoke(conn: &mut AnyConnection, id: i64) -> StoreResult<bool> {
    let revoked = diesel::update(api_tokens::table.find(id))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(Utc::now().naive_utc().trunc_subsecs(6)))
        .execute(conn)?;
    Ok(revoked == 1)
}

fn hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
