//! Token administration, for administrators.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::require;
use super::error::{ApiError, Code, Problem};
use super::params::parse_id;
use super::AppState;
use crate::domain::access::{Agency, Caller, Role};
use crate::store::tokens::{self, TokenInfo};

const ADMIN: &[Role] = &[Role::Admin];
const MAX_LABEL: usize = 200;

/// A token to create: its role, and for an agency token, and only for it,
/// the agency it speaks for (so the document states the rule, not prose).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "role", rename_all = "lowercase", deny_unknown_fields)]
pub enum NewToken {
    /// Manages tokens and everything else.
    Admin {
        /// Who or what it is for (up to 200 characters).
        #[schema(max_length = 200)]
        label: Option<String>,
    },
    /// Works the register: reads everything, decides reviews.
    Statistician {
        /// Who or what it is for (up to 200 characters).
        #[schema(max_length = 200)]
        label: Option<String>,
    },
    /// Reads and exports; employees and turnover as size classes unless granted exact figures.
    Analyst {
        /// Who or what it is for (up to 200 characters).
        #[schema(max_length = 200)]
        label: Option<String>,
        /// Exact employees and turnover in exports instead of size classes (default false).
        #[serde(default)]
        exact_figures: bool,
    },
    /// An agency's system, for its own source.
    Agency {
        /// The agency it speaks for.
        agency: Agency,
        /// Who or what it is for (up to 200 characters).
        #[schema(max_length = 200)]
        label: Option<String>,
    },
}

impl NewToken {
    /// The role, agency, label and exact-figures grant it asks for.
    fn parts(self) -> (Role, Option<Agency>, Option<String>, bool) {
        match self {
            NewToken::Admin { label } => (Role::Admin, None, label, false),
            NewToken::Statistician { label } => (Role::Statistician, None, label, false),
            NewToken::Analyst {
                label,
                exact_figures,
            } => (Role::Analyst, None, label, exact_figures),
            NewToken::Agency { agency, label } => (Role::Agency, Some(agency), label, false),
        }
    }
}

/// A created token: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, to send as `Authorization: Bearer …`. Not stored; keep it safe.
    pub token: String,
    /// What it allows.
    pub role: Role,
    /// The agency it speaks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<Agency>,
    /// Whether it sees exact employees and turnover (staff always do; analysts when granted).
    pub exact_figures: bool,
}

/// Checks that only analysts' tokens ask for the exact-figures grant: the
/// other roles already see exact figures, or never may.
pub fn check_grant(role: Role, exact_figures: bool) -> Result<(), ApiError> {
    if !exact_figures || role == Role::Analyst {
        return Ok(());
    }
    Err(ApiError::invalid(
        "exact_figures",
        "only analysts' tokens take the exact-figures grant",
    ))
}

/// Checks that agency tokens, and only they, name their agency.
pub fn check_agency(role: Role, agency: Option<Agency>) -> Result<(), ApiError> {
    match (role, agency) {
        (Role::Agency, None) => Err(ApiError::field(
            Code::MissingValue,
            "agency",
            "an agency token must name its agency: tax, justice or statistics",
        )),
        (Role::Agency, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(ApiError::invalid(
            "agency",
            "only agency tokens have an agency",
        )),
    }
}

#[utoipa::path(
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; the secret is in the body, once", body = CreatedToken),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JSON body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Creates a token (admin only).
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    require(&caller, ADMIN)?;
    let (role, agency, label, exact_figures) = body.into_inner().parts();
    let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    if label
        .as_ref()
        .is_some_and(|l| l.chars().count() > MAX_LABEL)
    {
        return Err(ApiError::field(
            Code::TooLong,
            "label",
            format!("at most {MAX_LABEL} characters"),
        ));
    }
    let token = state
        .db
        .write(move |conn| {
            let grant = tokens::Grant {
                role,
                agency,
                label: label.as_deref(),
                exact_figures,
            };
            tokens::create_granted(conn, grant)
        })
        .await?;
    tracing::info!(role = role.as_str(), "token created");
    Ok(HttpResponse::Created().json(CreatedToken {
        token,
        role,
        agency,
        exact_figures: exact_figures || matches!(role, Role::Admin | Role::Statistician),
    }))
}

#[utoipa::path(
    tag = "tokens",
    responses(
        (status = 200, description = "Every token, newest first (never the secrets)", body = Vec<TokenInfo>),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Lists tokens (admin only).
#[get("/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<TokenInfo>>, ApiError> {
    require(&caller, ADMIN)?;
    Ok(web::Json(state.db.read(tokens::list).await?))
}

#[utoipa::path(
    tag = "tokens",
    params(("id" = i64, Path, minimum = 1, description = "The token's id from the list")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Not a token id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Revokes a token (admin only); it stops working at once.
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require(&caller, ADMIN)?;
    let id = parse_id("id", &path)?;
    let revoked = state.db.write(move |conn| tokens::revoke(conn, id)).await?;
    if !revoked {
        return Err(ApiError::not_found(Code::TokenNotFound, "token", id));
    }
    // Whatever this process remembers as valid, it checks again.
    state.tokens.clear();
    Ok(HttpResponse::NoContent().finish())
}
