//! Who is calling: the bearer token, checked against the stored hashes.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::{ApiError, Code};
use super::AppState;
use crate::domain::access::{Caller, Role};
use crate::store::tokens;

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
            let caller = state
                .db
                .read(move |conn| tokens::authenticate(conn, &secret))
                .await?;
            caller.ok_or_else(|| ApiError::new(Code::TokenInvalid, "unknown or revoked token"))
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
