//! The HTTP API: routes, the OpenAPI document, authentication and errors.

pub mod audit;
pub mod auth;
pub mod changes;
pub mod classifications;
pub mod document;
pub mod download;
pub mod error;
pub mod export;
pub mod fallback;
pub mod frames;
pub mod health;
pub mod loads;
pub mod params;
pub mod reconcile;
pub mod review;
pub mod search;
pub mod stats;
pub mod submissions;
pub mod tokens;
pub mod units;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse};
use tracing::Instrument;
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::background::Background;
use crate::ingest::queue::LoadQueue;
use crate::search::workers::SearchWorkers;
use crate::search::SearchIndex;
use crate::store::reference::Labels;
use crate::store::Database;
pub use document::openapi;
use document::ApiDoc;
use error::ApiError;
use fallback::Routes;

/// What every request handler can reach.
pub struct AppState {
    /// The register's database.
    pub db: Database,
    /// The search index.
    pub index: SearchIndex,
    /// The threads searches run on.
    pub searches: SearchWorkers,
    /// Titles of coded values.
    pub labels: Labels,
    /// Largest JSON body accepted.
    pub json_limit: usize,
    /// Largest extract upload accepted.
    pub upload_limit: u64,
    /// The queue of loads for the one loading thread.
    pub loads: LoadQueue,
    /// The background threads, watched for `/health`.
    pub background: Background,
    /// The single writer that commits submissions.
    pub desk: crate::changes::desk::Desk,
    /// How many days ahead a submitted event may take effect.
    pub horizon_days: i64,
    /// How long an idle change stream waits before a heartbeat.
    pub heartbeat: std::time::Duration,
    /// Tokens recently found valid.
    pub tokens: auth::TokenCache,
    /// Room for the CSV downloads running at once.
    pub downloads: download::DownloadSlots,
    /// The demography counts of the last register version asked for.
    pub demography: crate::stats::demography::Cache,
    /// The matcher's thresholds: reconciliation calls a match where a load links.
    pub thresholds: crate::reconcile::matcher::Thresholds,
}

/// Registers every documented route; `main` and the tests share it.
pub(crate) fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(health::health).service(
        scope::scope("/api/v1")
            .service(search::search_units)
            .service(search::suggest_units)
            .service(units::get_unit)
            .service(units::get_history)
            .service(units::get_links)
            .service(classifications::list_nace)
            .service(classifications::get_nace)
            .service(classifications::list_isic)
            .service(classifications::get_isic)
            .service(classifications::list_legal_forms)
            .service(classifications::list_regions)
            .service(loads::create_load)
            .service(loads::list_loads)
            .service(loads::get_load)
            .service(loads::get_rejections)
            .service(review::list_review)
            .service(review::decide_review)
            .service(submissions::submit)
            .service(changes::list_changes)
            .service(changes::stream_changes)
            .service(audit::list_audit)
            .service(export::export_units)
            .service(frames::create_frame)
            .service(frames::list_frames)
            .service(frames::get_frame)
            .service(frames::export_frame)
            .service(stats::demography)
            .service(tokens::create_token)
            .service(tokens::list_tokens)
            .service(tokens::revoke_token)
            .service(reconcile::manifest)
            .service(reconcile::reconcile)
            .service(reconcile::suggest_entity)
            .service(reconcile::suggest_property)
            .service(reconcile::extension::propose)
            .service(reconcile::preview::preview),
    );
}

/// Builds the whole application around its state.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.json_limit;
    let (app, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(json_limit)
                .error_handler(move |e, _| error::json_error(e, json_limit).into()),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| error::query_error(e).into()))
        .app_data(web::PathConfig::default().error_handler(|e, _| error::path_error(e).into()))
        .configure(routes)
        .split_for_parts();
    let document = document::finished(document);
    let routes = std::sync::Arc::new(Routes::of(&document));
    let served = document.clone();
    app.configure(crate::pages::routes)
        .route(
            "/openapi.json",
            web::get().to(move || {
                let document = served.clone();
                async move { HttpResponse::Ok().json(document) }
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(move |request: actix_web::HttpRequest| {
            let refused = routes.refuse(&request);
            async move { Err::<HttpResponse, ApiError>(refused) }
        }))
        .wrap(actix_web::middleware::from_fn(reconcile::cors::cors))
        .wrap(actix_web::middleware::from_fn(request_span))
        // Every answer says what it is: a browser must not sniff a CSV or a
        // problem document into something it would run.
        .wrap(
            actix_web::middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")),
        )
}

/// One span per request with method, path, status and latency.
async fn request_span(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.path(),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    async move {
        let response = next.call(request).await?;
        let span = tracing::Span::current();
        span.record("status", response.status().as_u16());
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
        tracing::info!("request finished");
        Ok(response)
    }
    .instrument(span)
    .await
}
