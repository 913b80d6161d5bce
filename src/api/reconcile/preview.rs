//! A unit's preview: the small HTML card a reconciliation client shows
//! in a frame beside a candidate. Every value is escaped: names come from
//! agencies' files and from anyone who submits.

use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::error::{ApiError, Code, Problem};
use crate::api::params::parse_stat_id_in;
use crate::api::AppState;
use crate::domain::access::Caller;
use crate::domain::attribute::{Attribute, Value};
use crate::domain::survivorship;
use crate::store::reference::Labels;
use crate::store::units::{self, Versions};

/// Which unit.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    /// The unit's stat_id.
    #[param(pattern = "^[1-9][0-9]{8}$", example = "100000011")]
    id: String,
}

/// The attributes a preview shows, in order, after the name.
const SHOWN: [Attribute; 7] = [
    Attribute::LegalForm,
    Attribute::Status,
    Attribute::Activity,
    Attribute::Address,
    Attribute::Region,
    Attribute::Tin,
    Attribute::RegNumber,
];

#[utoipa::path(
    tag = "reconcile",
    params(PreviewParams),
    responses(
        (status = 200, description = "An HTML fragment describing the unit", body = String, content_type = "text/html"),
        (status = 400, description = "Not a stat_id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// A unit's preview card (HTML): name, stat_id, legal form, status,
/// activity, address, region and identifiers; public values only.
#[get("/reconcile/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    _caller: Caller,
    params: web::Query<PreviewParams>,
) -> Result<HttpResponse, ApiError> {
    let stat_id = parse_stat_id_in("id", &params.id)?;
    let today = Utc::now().date_naive();
    let found = state
        .db
        .read(move |conn| units::with_records(conn, stat_id, Versions::HoldingOn(today)))
        .await?
        .ok_or_else(|| ApiError::not_found(Code::UnitNotFound, "unit", stat_id))?;
    let resolved = survivorship::resolve(&found.records, today);
    let value = |attribute: Attribute| {
        resolved
            .iter()
            .find(|r| r.attribute == attribute)
            .map(|r| shown(attribute, &r.chosen.value, &state.labels))
    };
    let name = value(Attribute::Name).unwrap_or_default();
    let mut html = format!(
        "<div style=\"font:13px/1.4 sans-serif;padding:4px\"><strong>{}</strong> <code>{}</code><br><small>{}</small>",
        escape(&name),
        stat_id,
        found.unit.kind
    );
    for attribute in SHOWN {
        if let Some(text) = value(attribute) {
            html.push_str(&format!(
                "<br><small>{}:</small> {}",
                escape(super::extension::property_name(attribute)),
                escape(&text)
            ));
        }
    }
    html.push_str("</div>");
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // Shown in another site's frame: it may style itself, never run anything.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(html))
}

/// A public value as text, a code with its title.
fn shown(attribute: Attribute, value: &Value, labels: &Labels) -> String {
    let text = match value.to_json() {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    };
    match labels.of(attribute, &text) {
        Some(title) => format!("{text} {title}"),
        None => text,
    }
}

/// Text made safe to place in HTML, inside elements or quoted attributes.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_name_is_shown_not_run() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"Co\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"
        );
    }
}
