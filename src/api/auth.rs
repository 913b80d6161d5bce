//! Who is calling: the bearer token, checked against the stored hashes.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::{ApiError, Code};
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::audit::sha256_hex;
use crate::store::tokens;

/// How long a checked token is trusted without asking the database again.
/// Revoking through the API clears the cache at once; this bounds how long
/// another process's revocation (a second server on the same database)
/// takes to be seen.
const TRUSTED_FOR: Duration = Duration::from_secs(5);
/// Most tokens remembered; beyond, the cache starts again empty.
const CACHED_TOKENS: usize = 10_000;

/// Tokens recently found valid, by the SHA-256 of their secret: a
/// submission or search then costs no database read to authenticate.
#[derive(Default)]
pub struct TokenCache {
    known: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl TokenCache {
    fn get(&self, secret: &str) -> Option<Caller> {
        let known = self.known.lock().ok()?;
        let (caller, checked) = known.get(&sha256_hex(secret.as_bytes()))?;
        (checked.elapsed() < TRUSTED_FOR).then(|| caller.clone())
    }

    fn put(&self, secret: &str, caller: &Caller) {
        let Ok(mut known) = self.known.lock() else {
            return;
        };
        if known.len() >= CACHED_TOKENS {
            known.clear();
        }
        known.insert(
            sha256_hex(secret.as_bytes()),
            (caller.clone(), Instant::now()),
        );
    }

    /// Forgets every token: after a revocation.
    pub fn clear(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.clear();
        }
    }
}

/// Tokens are 70 characters; anything much longer is not one of ours.
const MAX_TOKEN_LENGTH: usize = 256;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    /// No `Authorization` header means a public caller; a header that is
    /// present but wrong is refused rather than silently treated as public.
    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = request.headers().get(header::AUTHORIZATION).cloned();
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(header) = header else {
                return Ok(Caller::Public);
            };
            let secret = bearer_secret(&header)?;
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            if let Some(caller) = state.tokens.get(&secret) {
                return Ok(caller);
            }
            let looked_up = secret.clone();
            let caller = state
                .db
                .read(move |conn| tokens::authenticate(conn, &looked_up))
                .await?
                .ok_or_else(|| ApiError::new(Code::TokenInvalid, "unknown or revoked token"))?;
            state.tokens.put(&secret, &caller);
            Ok(caller)
        })
    }
}

fn bearer_secret(header: &header::HeaderValue) -> Result<String, ApiError> {
    let malformed = || {
        ApiError::new(
            Code::TokenInvalid,
            "the Authorization header must be `Bearer TOKEN`",
        )
    };
    let text = header.to_str().map_err(|_| malformed())?;
    let (scheme, secret) = text.trim().split_once(' ').ok_or_else(malformed)?;
    let secret = secret.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || secret.is_empty() {
        return Err(malformed());
    }
    if secret.len() > MAX_TOKEN_LENGTH {
        return Err(ApiError::new(
            Code::TokenInvalid,
            "unknown or revoked token",
        ));
    }
    Ok(secret.to_owned())
}

/// Refuses callers without one of the roles: 401 without a token, 403 with the wrong one.
pub fn require(caller: &Caller, roles: &'static [Role]) -> Result<(), ApiError> {
    match caller {
        Caller::Public => Err(ApiError::new(
            Code::TokenRequired,
            "this needs a token: send `Authorization: Bearer TOKEN`",
        )),
        _ if caller.has_any(roles) => Ok(()),
        _ => Err(ApiError::forbidden(roles)),
    }
}
