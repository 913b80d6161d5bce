//! The OpenAPI document: its description (authentication, the problem
//! catalogue), its security scheme, and the routes utoipa collects.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use super::error::Code;

#[derive(OpenApi)]
#[openapi(
    info(title = "sanaw"),
    modifiers(&Described),
    tags(
        (name = "units", description = "Statistical units, their history and links"),
        (name = "reference", description = "Classifications, legal forms, regions"),
        (name = "loads", description = "Agency extracts: upload, follow the load, read its rejections"),
        (name = "review", description = "Rows the matcher was unsure of, for statisticians to decide"),
        (name = "submissions", description = "Agencies' registration events: births, amendments, deaths, reorganisations, branches, control"),
        (name = "changes", description = "The change feed: every change in order, as pages or Server-Sent Events"),
        (name = "audit", description = "Who did what to the register: a hash-chained, append-only trail"),
        (name = "exports", description = "Analysts' CSV exports: units as of any date, frozen survey frames"),
        (name = "tokens", description = "API tokens (administrators)"),
        (name = "stats", description = "Statistics over the whole register: business demography"),
        (name = "reconcile", description = "Reconciliation Service API v0.2 (OpenRefine): match a spreadsheet's rows to units, fetch their attributes; cross-origin"),
        (name = "service", description = "Health"),
    )
)]
pub(super) struct ApiDoc;

/// Adds the bearer scheme and the description, whose problem table is
/// written from the catalogue itself, so the two cannot differ.
struct Described;

impl utoipa::Modify for Described {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        openapi.info.description = Some(description());
    }
}

/// Completes the document once utoipa has collected every route's schemas.
pub(super) fn finished(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    if let Some(components) = document.components.as_mut() {
        for name in CLOSED_VARIANTS {
            close_variants(components, name);
        }
    }
    document
}

/// Request bodies that are tagged (or untagged) enums whose variants take no other fields.
const CLOSED_VARIANTS: [&str; 4] = ["Decision", "NewToken", "ReconcileForm", "ReconcileJson"];

/// Marks each variant of a tagged enum's schema `additionalProperties:
/// false`, as serde's `deny_unknown_fields` makes the server behave: utoipa
/// carries that attribute onto structs but not onto an enum's variants.
fn close_variants(components: &mut utoipa::openapi::Components, name: &str) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    use utoipa::openapi::RefOr;
    let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut(name) else {
        return;
    };
    for variant in &mut one_of.items {
        if let RefOr::T(Schema::Object(object)) = variant {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
}

const INTRODUCTION: &str = "\
Statistical Business Register: statistical units with their history, \
reconciled from the tax, justice and statistics extracts.

## Authentication

Send `Authorization: Bearer TOKEN`. Roles: `admin`, `statistician`, \
`analyst`, `agency`. An operation whose `security` includes the empty \
requirement `{}` also serves callers without a token, with public data \
only: no employees, turnover, tax status or VAT registration (those are \
withheld, never zero). Agency tokens see public data too. A token that is \
sent but malformed, unknown or revoked is refused with 401, never taken as \
public.

## Errors

Every error is `application/problem+json` (RFC 9457): `type` \
(`urn:sanaw:problem:CODE`), `title`, `status`, `detail`, `code`, and for \
invalid input `errors`, each `{field, reason, code}`. A 503 with \
`Retry-After` means busy, try again; any other 5xx is a fault, logged by \
the service. Timestamps are RFC 3339 in UTC (`Z`); dates are `YYYY-MM-DD` \
from 1800-01-01 to 2100-12-31.

| code | status | meaning |
| --- | --- | --- |
";

fn description() -> String {
    let mut text = INTRODUCTION.to_owned();
    for code in Code::ALL {
        text.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.status(),
            code.title()
        ));
    }
    text
}

/// The OpenAPI document, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes)
        .split_for_parts();
    finished(document)
}
