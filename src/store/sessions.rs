//! Signed-in sessions of the web pages: a random secret in a cookie, kept
//! here only as its SHA-256, speaking for the token it was opened with.

use chrono::{Duration, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::web_sessions;
use super::{tokens, AnyConnection, StoreResult};
use crate::domain::access::Caller;
use crate::domain::audit::{hex, sha256_hex};

/// How long a session lasts: a working day, then sign in again.
pub const LIFETIME: Duration = Duration::hours(12);

/// Opens a session for a live token's secret; `None` when the token is unknown or revoked.
pub fn open(conn: &mut AnyConnection, token_secret: &str) -> StoreResult<Option<String>> {
    let Some(Caller::Token { id, .. }) = tokens::authenticate(conn, token_secret)? else {
        return Ok(None);
    };
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("operating system random source");
    let secret = hex(&bytes);
    let now = now();
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::session_hash.eq(sha256_hex(secret.as_bytes())),
            web_sessions::token_id.eq(id),
            web_sessions::created_at.eq(now),
            web_sessions::expires_at.eq(now + LIFETIME),
        ))
        .execute(conn)?;
    Ok(Some(secret))
}

/// The caller a session speaks for, if it is open, unexpired and its token live.
pub fn caller(conn: &mut AnyConnection, secret: &str) -> StoreResult<Option<Caller>> {
    let token: Option<i64> = web_sessions::table
        .filter(web_sessions::session_hash.eq(sha256_hex(secret.as_bytes())))
        .filter(web_sessions::expires_at.gt(now()))
        .select(web_sessions::token_id)
        .first(conn)
        .optional()?;
    match token {
        Some(id) => tokens::caller_by_id(conn, id),
        None => Ok(None),
    }
}

/// Ends a session, and sweeps away every expired one.
pub fn close(conn: &mut AnyConnection, secret: &str) -> StoreResult<()> {
    diesel::delete(
        web_sessions::table.filter(
            web_sessions::session_hash
                .eq(sha256_hex(secret.as_bytes()))
                .or(web_sessions::expires_at.le(now())),
        ),
    )
    .execute(conn)?;
    Ok(())
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
