//! The web pages statisticians work in: search, a unit's whole story, the
//! review queue and the loads, in Turkmen, Russian and English.
//!
//! Pages are rendered on the server from templates checked at compile time
//! (`templates/`, askama): every value is HTML-escaped, and every page works
//! without scripts. One small script of our own (`assets/sanaw.js`) adds
//! search as you type, the review keys and the upload's progress. Pages call
//! the same use cases as the API (`api::units::read_unit`, `api::search::find`,
//! `api::review::decide`, `api::loads::accept`, …): there is no second path
//! to the data, so a page shows exactly what the API would to the same person.

pub mod account;
pub mod assets;
pub mod language;
pub mod loads;
pub mod review;
pub mod search;
pub mod unit;
pub mod visitor;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::api::error::{ApiError, Code};
use crate::domain::access::Caller;
use language::{Lang, Texts};
use visitor::{Visitor, CSRF};

/// The pages' paths and methods, for the 404/405 answers of the API's fallback.
pub const PATHS: [(&str, &[&str]); 13] = [
    ("/", &["GET"]),
    ("/search", &["GET"]),
    ("/units/{stat_id}", &["GET"]),
    ("/review", &["GET"]),
    ("/review/{id}", &["POST"]),
    ("/loads", &["GET"]),
    ("/loads/upload", &["POST"]),
    ("/loads/{id}", &["GET"]),
    ("/loads/{id}/rejections.csv", &["GET"]),
    ("/login", &["GET", "POST"]),
    ("/logout", &["POST"]),
    ("/language", &["GET"]),
    ("/assets/{name}", &["GET"]),
];

/// Registers every page.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(search::search_page)
        .service(unit::unit_page)
        .service(review::review_page)
        .service(review::decide_page)
        .service(loads::loads_page)
        .service(loads::upload_extract)
        .service(loads::rejections_csv)
        .service(loads::load_page)
        .service(account::login_form)
        .service(account::sign_in)
        .service(account::sign_out)
        .service(account::switch_language)
        .service(assets::asset);
}

/// What every page's frame shows: language, account, navigation.
pub struct Chrome {
    /// The page's language code, for `<html lang>`.
    pub lang: &'static str,
    /// The signed-in person's label, or their role.
    pub who: Option<String>,
    /// Whether the review and loads pages are theirs.
    pub staff: bool,
    /// The CSRF token of the page's forms.
    pub csrf: String,
    /// Which section of the navigation is current.
    pub section: &'static str,
    /// Where "sign in" goes, coming back here.
    pub login: String,
    /// The language switch.
    pub languages: Vec<LanguageLink>,
    /// The stylesheet's URL.
    pub css: &'static str,
    /// The script's URL.
    pub js: &'static str,
    /// The icon's URL.
    pub icon: &'static str,
}

/// One language of the switch.
pub struct LanguageLink {
    /// Its code.
    pub code: &'static str,
    /// Its name in itself.
    pub name: &'static str,
    /// Switches to it and comes back.
    pub href: String,
    /// Whether the page is in it.
    pub current: bool,
}

impl Chrome {
    /// The frame of a page in `section` for this visitor.
    pub fn of(visitor: &Visitor, section: &'static str) -> Chrome {
        let who = match &visitor.caller {
            Caller::Public => None,
            Caller::Token { label, role, .. } => {
                Some(label.clone().unwrap_or_else(|| role.as_str().to_owned()))
            }
        };
        let languages = Lang::ALL
            .into_iter()
            .map(|lang| LanguageLink {
                code: lang.code(),
                name: lang.name(),
                href: format!(
                    "/language?{}",
                    query(&[("lang", lang.code()), ("back", &visitor.here)])
                ),
                current: lang == visitor.lang,
            })
            .collect();
        Chrome {
            lang: visitor.lang.code(),
            who,
            staff: visitor.is_staff(),
            csrf: visitor.csrf.clone(),
            section,
            login: format!("/login?{}", query(&[("next", &visitor.here)])),
            languages,
            css: assets::url("sanaw.css"),
            js: assets::url("sanaw.js"),
            icon: assets::url("icon.svg"),
        }
    }
}

/// A query string of `pairs`, percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A rendered page, with the headers every page sends.
pub fn html(visitor: &Visitor, status: StatusCode, page: &impl Template) -> HttpResponse {
    let body = match page.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(error = %error, "page failed to render");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Cookie, Accept-Language"));
    if visitor.new_csrf {
        response.append_header((
            header::SET_COOKIE,
            visitor.cookie(CSRF, &visitor.csrf, 60 * 60 * 24 * 365),
        ));
    }
    response.body(body)
}

/// Reads a query string or a form body, a fault naming what is wrong:
/// a page's bad input gets a page saying so, not a bare 400.
pub fn decode<T: serde::de::DeserializeOwned>(text: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(text).map_err(|error| {
        ApiError::new(
            Code::InvalidParameter,
            format!("the form or query: {error}"),
        )
    })
}

/// A `303 See Other` to a path of ours.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A local path to come back to, or `/`: never another site (`//host`, `/\host`).
pub fn local_path(wanted: Option<&str>) -> String {
    match wanted {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A handler's outcome as a page: a sign-in for a page that needs one, an
/// error page for any other fault (server faults logged here, once).
pub fn answer(visitor: &Visitor, outcome: Result<HttpResponse, ApiError>) -> HttpResponse {
    let error = match outcome {
        Ok(response) => return response,
        Err(error) => error,
    };
    if error.code() == Code::TokenRequired && visitor.caller == Caller::Public {
        return see_other(&format!("/login?{}", query(&[("next", &visitor.here)])));
    }
    let problem = error.problem();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = ?error, code = problem.code, "page failed");
    }
    let texts = visitor.texts();
    let page = ErrorPage {
        page: Chrome::of(visitor, ""),
        t: texts,
        heading: texts
            .find(&format!("problem-{}", problem.code))
            .unwrap_or_else(|| texts.get("error-title"))
            .to_owned(),
        detail: problem.detail,
        fields: problem
            .errors
            .into_iter()
            .map(|error| (error.field, error.reason))
            .collect(),
    };
    html(visitor, status, &page)
}

/// A page saying what went wrong.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Chrome,
    t: &'static Texts,
    heading: String,
    detail: String,
    fields: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::language::Lang;
    use crate::domain::attribute::Attribute;
    use crate::domain::event::{EventKind, EventRole};
    use crate::domain::link::LinkKind;
    use crate::domain::size_class::SizeClass;
    use crate::domain::source::{OriginKind, Source};
    use crate::domain::unit::{UnitKind, UnitStatus};
    use crate::store::loads::LoadStatus;

    /// The templates and the code that fill them, where texts are asked for by key.
    const SOURCES: [&str; 14] = [
        include_str!("templates/base.html"),
        include_str!("templates/error.html"),
        include_str!("templates/search.html"),
        include_str!("templates/unit.html"),
        include_str!("templates/review.html"),
        include_str!("templates/loads.html"),
        include_str!("templates/load.html"),
        include_str!("templates/login.html"),
        include_str!("search.rs"),
        include_str!("unit.rs"),
        include_str!("review.rs"),
        include_str!("loads.rs"),
        include_str!("account.rs"),
        include_str!("mod.rs"),
    ];

    /// Every literal key in `source` after one of the callers' openings.
    fn keys_in(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for opening in ["t.get(\"", "texts.get(\"", ".with(\""] {
            for (at, _) in source.match_indices(opening) {
                let rest = &source[at + opening.len()..];
                let key: String = rest.chars().take_while(|c| *c != '"').collect();
                keys.push(key);
            }
        }
        keys
    }

    /// Each coded value a page names in words, as `prefix-value`.
    fn coded_keys() -> Vec<String> {
        let mut keys = Vec::new();
        let mut add = |prefix: &str, values: Vec<&str>| {
            keys.extend(values.into_iter().map(|value| format!("{prefix}-{value}")));
        };
        add(
            "attribute",
            Attribute::ALL.iter().map(|a| a.as_str()).collect(),
        );
        add("kind", UnitKind::ALL.iter().map(|k| k.as_str()).collect());
        add(
            "status",
            UnitStatus::ALL.iter().map(|s| s.as_str()).collect(),
        );
        add(
            "size_class",
            SizeClass::ALL.iter().map(|s| s.as_str()).collect(),
        );
        add("event", EventKind::ALL.iter().map(|e| e.as_str()).collect());
        add("role", EventRole::ALL.iter().map(|r| r.as_str()).collect());
        add("source", Source::ALL.iter().map(|s| s.as_str()).collect());
        add(
            "origin",
            OriginKind::ALL.iter().map(|o| o.as_str()).collect(),
        );
        add(
            "load-status",
            LoadStatus::ALL.iter().map(|s| s.as_str()).collect(),
        );
        add(
            "link-whole",
            LinkKind::ALL.iter().map(|l| l.as_str()).collect(),
        );
        add(
            "link-part",
            LinkKind::ALL.iter().map(|l| l.as_str()).collect(),
        );
        add(
            "level",
            vec!["exact", "close", "partial", "disagree", "missing"],
        );
        let facets = [
            "region",
            "activity",
            "legal_form",
            "status",
            "kind",
            "size_class",
        ];
        add("facet", facets.to_vec());
        keys
    }

    #[test]
    fn every_text_a_page_asks_for_is_in_every_catalogue() {
        let wanted: BTreeSet<String> = SOURCES
            .iter()
            .flat_map(|source| keys_in(source))
            .filter(|key| !key.is_empty() && !key.contains('{'))
            .chain(coded_keys())
            .collect();
        assert!(
            wanted.len() > 150,
            "the scan found the keys: {}",
            wanted.len()
        );
        for lang in Lang::ALL {
            let missing: Vec<&String> = wanted
                .iter()
                .filter(|key| lang.texts().find(key).is_none())
                .collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        }
    }
}
