//! Liveness and readiness.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Code, Problem};
use super::AppState;
use crate::store::{units, Location};

/// The service is usable.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200 answer.
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
    /// The register version (last change sequence number).
    pub register_version: i64,
    /// Units in the search index.
    pub indexed_units: u64,
}

#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "Database, index and background threads are usable", body = Health),
        (status = 500, description = "A background thread (loads, the index follower) has stopped", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy: retry shortly", body = Problem, content_type = "application/problem+json"),
    )
)]
/// Answers 200 once the database and the search index are usable and the
/// background threads run; a stopped one is a 500 that names it.
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    // Why it stopped was logged when it did; a panic's words stay there.
    if let Some((thread, _)) = state.background.stopped().into_iter().next() {
        return Err(ApiError::new(
            Code::WorkerStopped,
            format!("the {thread} thread has stopped; the service log says why"),
        ));
    }
    let register_version = state.db.read(units::register_version).await?;
    let database = match state.db.location() {
        Location::Sqlite(_) => "sqlite",
        Location::Postgres(_) => "postgresql",
    };
    Ok(web::Json(Health {
        status: "ok",
        database,
        register_version,
        indexed_units: state.index.num_docs(),
    }))
}
