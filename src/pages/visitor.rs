//! Who is looking at a page: their session, their language, their CSRF token.
//!
//! The session is a random secret in an HttpOnly, SameSite=Strict cookie,
//! stored hashed (`store::sessions`). Forms that change something carry a
//! CSRF token that must equal the `sanaw_csrf` cookie (the double-submit
//! pattern): another site can make a browser send the cookie, but cannot
//! read it to put it in the form.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::language::{Lang, Texts};
use crate::api::error::{ApiError, Code};
use crate::api::AppState;
use crate::domain::access::{Caller, Role};
use crate::domain::audit::hex;
use crate::store::sessions;

/// The session cookie.
pub const SESSION: &str = "sanaw_session";
/// The CSRF cookie.
pub const CSRF: &str = "sanaw_csrf";
/// The chosen language's cookie.
pub const LANGUAGE: &str = "sanaw_lang";

/// The person behind a page request.
pub struct Visitor {
    /// Their token's caller, `Public` when not signed in.
    pub caller: Caller,
    /// The language pages are shown in.
    pub lang: Lang,
    /// The CSRF token their forms carry.
    pub csrf: String,
    /// Whether the CSRF cookie is new and must be set on the answer.
    pub new_csrf: bool,
    /// Whether the request came over TLS: cookies are then `Secure`.
    pub secure: bool,
    /// The path and query asked for, to come back to after signing in.
    pub here: String,
}

impl Visitor {
    /// The catalogue of their language.
    pub fn texts(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// Whether they are register staff (admin or statistician).
    pub fn is_staff(&self) -> bool {
        self.caller.has_any(&[Role::Admin, Role::Statistician])
    }

    /// Refuses a form whose CSRF token is not the cookie's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ApiError> {
        let matches = !self.new_csrf
            && sent.len() == self.csrf.len()
            && sent
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0_u8, |differ, (a, b)| differ | (a ^ b))
                == 0;
        if matches {
            return Ok(());
        }
        Err(ApiError::new(
            Code::CsrfMismatch,
            "the form's csrf token does not match this browser's; reload the page and send it again",
        ))
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure over TLS.
    pub fn cookie(&self, name: &str, value: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
        )
    }
}

impl FromRequest for Visitor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Visitor, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = cookie(request, SESSION).map(str::to_owned);
        let csrf = cookie(request, CSRF)
            .filter(|value| value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_owned);
        let lang = cookie(request, LANGUAGE)
            .and_then(Lang::of_tag)
            .unwrap_or_else(|| {
                let accept = request
                    .headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                Lang::negotiate(accept)
            });
        let secure = request.connection_info().scheme() == "https";
        let here = match request.query_string() {
            "" => request.path().to_owned(),
            query => format!("{}?{query}", request.path()),
        };
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let caller = match (session, state) {
                (Some(secret), Some(state)) if secret.len() <= 128 => state
                    .db
                    .read(move |conn| sessions::caller(conn, &secret))
                    .await?
                    .unwrap_or(Caller::Public),
                _ => Caller::Public,
            };
            let (csrf, new_csrf) = match csrf {
                Some(csrf) => (csrf, false),
                None => (random_hex(), true),
            };
            Ok(Visitor {
                caller,
                lang,
                csrf,
                new_csrf,
                secure,
                here,
            })
        })
    }
}

/// A cookie's value from the `Cookie` header.
pub fn cookie<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// 16 random bytes as 32 hex digits.
fn random_hex() -> String {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).expect("operating system random source");
    hex(&bytes)
}
