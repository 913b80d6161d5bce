//! The pages' stylesheet, script and icon, compiled into the binary: no
//! CDN, no download, nothing to install beside it. Each is linked with its
//! content's hash in the URL, so a browser may keep it for a year and still
//! never run an old script against a new page.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use crate::domain::audit::sha256_hex;

/// Each asset: its name, its content type and its bytes.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "sanaw.css",
        "text/css; charset=utf-8",
        include_str!("assets/sanaw.css"),
    ),
    (
        "sanaw.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/sanaw.js"),
    ),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
];

/// The versioned URL of an asset, e.g. `/assets/sanaw.css?v=1f2e…`.
pub fn url(name: &str) -> &'static str {
    static URLS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let urls = URLS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(name, _, body)| {
                let version = &sha256_hex(body.as_bytes())[..16];
                (*name, format!("/assets/{name}?v={version}"))
            })
            .collect()
    });
    urls.iter()
        .find(|(known, _)| *known == name)
        .map_or("/assets/missing", |(_, url)| url.as_str())
}

/// An asset, cacheable for a year (its URL changes with its content).
#[get("/assets/{name}")]
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(known, _, _)| *known == *name) else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(*body)
}
