//! Reference data: activity classifications, legal forms, regions.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{self, ApiError, Problem};
use super::AppState;
use crate::domain::access::Caller;
use crate::domain::activity::{canonical_code, Scheme};
use crate::domain::region::REGIONS;
use crate::store::reference::{self, Code};

/// A code in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeBrief {
    /// The code, e.g. `62.10` or `J`.
    pub code: String,
    /// Its title.
    pub title: String,
    /// 1 section, 2 division, 3 group, 4 class.
    pub level: i32,
}

impl From<Code> for CodeBrief {
    fn from(code: Code) -> Self {
        CodeBrief {
            code: code.code,
            title: code.title,
            level: code.level,
        }
    }
}

/// A code with its place in the hierarchy.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// `nace` or `isic`.
    pub scheme: Scheme,
    /// The code in the scheme's canonical spelling.
    pub code: String,
    /// Its title.
    pub title: String,
    /// 1 section, 2 division, 3 group, 4 class.
    pub level: i32,
    /// The code one level up; absent for sections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<CodeBrief>,
    /// The codes one level down; empty for classes.
    pub children: Vec<CodeBrief>,
}

#[utoipa::path(
    tag = "reference",
    params(("code" = String, Path, pattern = r"^([A-Za-z]|[0-9]{2}|[0-9]{2}\.?[0-9]{1,2})$", description = "A NACE Rev. 2.1 code at any level: `J`, `62`, `62.1`, `62.10` or `6210`")),
    responses(
        (status = 200, description = "The code", body = CodeView),
        (status = 400, description = "Not a code", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such code", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// A NACE Rev. 2.1 code with title, level, parent and children.
#[get("/classifications/nace/{code}")]
pub async fn get_nace(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CodeView>, ApiError> {
    code_view(state, Scheme::Nace, &path).await
}

#[utoipa::path(
    tag = "reference",
    params(("code" = String, Path, pattern = "^([A-Za-z]|[0-9]{2,4})$", description = "An ISIC Rev. 4 code at any level: `J`, `62`, `620`, `6201`")),
    responses(
        (status = 200, description = "The code", body = CodeView),
        (status = 400, description = "Not a code", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such code", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// An ISIC Rev. 4 code with title, level, parent and children.
#[get("/classifications/isic/{code}")]
pub async fn get_isic(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<CodeView>, ApiError> {
    code_view(state, Scheme::Isic, &path).await
}

async fn code_view(
    state: web::Data<AppState>,
    scheme: Scheme,
    text: &str,
) -> Result<web::Json<CodeView>, ApiError> {
    let code = canonical_code(scheme, text)
        .map_err(|e| ApiError::field(error::Code::ActivityCodeMalformed, "code", e.to_string()))?;
    let wanted = code.clone();
    let found = state
        .db
        .read(move |conn| reference::code_in_context(conn, scheme, &wanted))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(error::Code::CodeNotFound, "classification code", &code)
        })?;
    Ok(web::Json(CodeView {
        scheme,
        code: found.code.code,
        title: found.code.title,
        level: found.code.level,
        parent: found.parent.map(CodeBrief::from),
        children: found.children.into_iter().map(CodeBrief::from).collect(),
    }))
}

#[utoipa::path(
    tag = "reference",
    responses(
        (status = 200, description = "The sections of NACE Rev. 2.1", body = Vec<CodeBrief>),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// The top level of NACE Rev. 2.1: its sections.
#[get("/classifications/nace")]
pub async fn list_nace(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<web::Json<Vec<CodeBrief>>, ApiError> {
    let sections = state
        .db
        .read(|conn| reference::sections(conn, Scheme::Nace))
        .await?;
    Ok(web::Json(
        sections.into_iter().map(CodeBrief::from).collect(),
    ))
}

#[utoipa::path(
    tag = "reference",
    responses(
        (status = 200, description = "The sections of ISIC Rev. 4", body = Vec<CodeBrief>),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// The top level of ISIC Rev. 4: its sections.
#[get("/classifications/isic")]
pub async fn list_isic(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<web::Json<Vec<CodeBrief>>, ApiError> {
    let sections = state
        .db
        .read(|conn| reference::sections(conn, Scheme::Isic))
        .await?;
    Ok(web::Json(
        sections.into_iter().map(CodeBrief::from).collect(),
    ))
}

/// A legal form of Turkmenistan.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalFormView {
    /// Its code, as used in the `legal_form` attribute.
    pub code: String,
    /// Name in Turkmen.
    pub name_tk: String,
    /// Name in Russian.
    pub name_ru: String,
    /// Abbreviations seen in agency extracts.
    pub abbreviations: Vec<String>,
    /// `legal_person`, `individual`, `non_profit` or `branch`.
    pub kind: String,
}

#[utoipa::path(
    tag = "reference",
    responses(
        (status = 200, description = "Every legal form", body = Vec<LegalFormView>),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// The legal forms of Turkmenistan with their names and abbreviations.
#[get("/legal-forms")]
pub async fn list_legal_forms(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<web::Json<Vec<LegalFormView>>, ApiError> {
    let forms = state.db.read(reference::all_legal_forms).await?;
    let views = forms
        .into_iter()
        .map(|form| LegalFormView {
            code: form.code,
            name_tk: form.name_tk,
            name_ru: form.name_ru,
            abbreviations: form.abbreviations.split('|').map(str::to_owned).collect(),
            kind: form.kind,
        })
        .collect();
    Ok(web::Json(views))
}

/// A region of Turkmenistan.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    /// ISO 3166-2:TM code.
    pub code: &'static str,
    /// Name in Turkmen.
    pub name_tk: &'static str,
    /// Name in Russian.
    pub name_ru: &'static str,
}

#[utoipa::path(
    tag = "reference",
    responses(
        (status = 200, description = "Every region", body = Vec<RegionView>),
        (status = 401, description = "A token was sent but is malformed, unknown or revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
/// The regions of Turkmenistan (ISO 3166-2:TM).
#[get("/regions")]
pub async fn list_regions(_caller: Caller) -> web::Json<Vec<RegionView>> {
    web::Json(
        REGIONS
            .iter()
            .map(|r| RegionView {
                code: r.code,
                name_tk: r.name_tk,
                name_ru: r.name_ru,
            })
            .collect(),
    )
}
