//! Signing in and out, and choosing the language.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::language::{Lang, Texts};
use super::visitor::{Visitor, LANGUAGE, SESSION};
use super::{answer, decode, html, local_path, see_other, Chrome};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::store::sessions;

/// The sign-in form.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Chrome,
    t: &'static Texts,
    next: String,
    refused: bool,
}

/// Where to go after signing in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Next {
    next: Option<String>,
}

/// `GET /login`: the form.
#[get("/login")]
pub async fn login_form(visitor: Visitor, request: HttpRequest) -> HttpResponse {
    let query = match decode::<Next>(request.query_string().as_bytes()) {
        Ok(query) => query,
        Err(error) => return answer(&visitor, Err(error)),
    };
    let page = LoginPage {
        page: Chrome::of(&visitor, "login"),
        t: visitor.texts(),
        next: local_path(query.next.as_deref()),
        refused: false,
    };
    html(&visitor, StatusCode::OK, &page)
}

/// The sign-in form as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    token: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /login`: opens a session for a live token.
#[post("/login")]
pub async fn sign_in(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Bytes,
) -> HttpResponse {
    let outcome = match decode::<Credentials>(&body) {
        Ok(form) => open_session(&state, &visitor, form).await,
        Err(error) => Err(error),
    };
    answer(&visitor, outcome)
}

async fn open_session(
    state: &AppState,
    visitor: &Visitor,
    form: Credentials,
) -> Result<HttpResponse, ApiError> {
    visitor.check_csrf(&form.csrf)?;
    let next = local_path(form.next.as_deref());
    let token = form.token.trim().to_owned();
    let secret = if token.is_empty() || token.len() > 256 {
        None
    } else {
        state
            .db
            .write(move |conn| sessions::open(conn, &token))
            .await?
    };
    let Some(secret) = secret else {
        let page = LoginPage {
            page: Chrome::of(visitor, "login"),
            t: visitor.texts(),
            next,
            refused: true,
        };
        return Ok(html(visitor, StatusCode::UNAUTHORIZED, &page));
    };
    let lifetime = sessions::LIFETIME.num_seconds();
    let mut response = see_other(&next);
    response.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&visitor.cookie(SESSION, &secret, lifetime))
            .map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(response)
}

/// The sign-out form as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignOut {
    csrf: String,
}

/// `POST /logout`: ends the session.
#[post("/logout")]
pub async fn sign_out(
    state: web::Data<AppState>,
    visitor: Visitor,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let session = super::visitor::cookie(&request, SESSION).map(str::to_owned);
    let outcome = match decode::<SignOut>(&body) {
        Ok(form) => close_session(&state, &visitor, session, &form.csrf).await,
        Err(error) => Err(error),
    };
    answer(&visitor, outcome)
}

async fn close_session(
    state: &AppState,
    visitor: &Visitor,
    session: Option<String>,
    csrf: &str,
) -> Result<HttpResponse, ApiError> {
    visitor.check_csrf(csrf)?;
    if let Some(secret) = session {
        state
            .db
            .write(move |conn| sessions::close(conn, &secret))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .insert_header((header::SET_COOKIE, visitor.cookie(SESSION, "", 0)))
        .finish())
}

/// The language switch's request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Switch {
    lang: String,
    back: Option<String>,
}

/// `GET /language?lang=ru&back=/…`: remembers the language in a cookie and goes back.
#[get("/language")]
pub async fn switch_language(visitor: Visitor, request: HttpRequest) -> HttpResponse {
    let query = match decode::<Switch>(request.query_string().as_bytes()) {
        Ok(query) => query,
        Err(error) => return answer(&visitor, Err(error)),
    };
    let Some(lang) = Lang::of_tag(&query.lang) else {
        let error = ApiError::field(
            crate::api::error::Code::UnknownValue,
            "lang",
            "expected tk, ru or en",
        );
        return answer(&visitor, Err(error));
    };
    let cookie = format!(
        "{LANGUAGE}={}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        lang.code(),
        if visitor.secure { "; Secure" } else { "" }
    );
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(query.back.as_deref())))
        .insert_header((header::SET_COOKIE, cookie))
        .finish()
}
