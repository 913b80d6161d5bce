//! Building the running service: the one function `main` and the tests share.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, HttpServer};

use crate::api::{self, AppState};
use crate::background::Background;
use crate::changes::desk::{Desk, Similar, Staff};
use crate::config::Settings;
use crate::domain::attribute::Values;
use crate::ingest::queue::{LoadQueue, LoadSettings};
use crate::search;
use crate::search::index::indexer;
use crate::search::query::{Filters, SearchRequest};
use crate::search::rank::order::Sort;
use crate::search::workers::SearchWorkers;
use crate::search::{SearchError, SearchIndex};
use crate::store::reference::Labels;
use crate::store::{Database, StoreError};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index could not be opened.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The search threads could not be started.
    #[error("cannot start the search threads: {source}")]
    Threads {
        /// Why.
        source: std::io::Error,
    },
}

/// A built, bound, not yet running service.
pub struct Application {
    server: Server,
    port: u16,
    db: Database,
}

impl Application {
    /// Opens the database (migrating it) and the index, and binds the address.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let location = settings.database.clone();
        let db = actix_web::rt::task::spawn_blocking(move || Database::open(&location))
            .await
            .map_err(|_| StoreError::Worker)??;
        let labels = db.read(Labels::load).await?;
        let background = Background::default();
        let index = SearchIndex::open(&settings.index_dir())?;
        indexer::follow(db.clone(), &index, settings.index_dir(), &background)?;
        let bind_error = |source| StartupError::Bind {
            addr: settings.addr.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let load_settings = LoadSettings {
            thresholds: settings.thresholds,
            injected_panic: settings.injected_panic.clone(),
        };
        let queue = LoadQueue::start(
            db.clone(),
            settings.uploads_dir(),
            load_settings,
            &background,
        )?;
        queue.resume(&db)?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let search_threads = settings.search_threads.unwrap_or(cores);
        let searches = SearchWorkers::start(search_threads, 64 * search_threads)
            .map_err(|source| StartupError::Threads { source })?;
        let staff = Staff {
            db: db.clone(),
            thresholds: settings.thresholds,
            similar: similar_names(index.clone()),
        };
        let desk =
            Desk::start(staff, &background).map_err(|source| StartupError::Threads { source })?;
        let state = web::Data::new(AppState {
            db: db.clone(),
            index,
            searches,
            labels,
            json_limit: settings.json_limit,
            upload_limit: settings.upload_limit,
            loads: queue,
            background,
            desk,
            horizon_days: settings.horizon_days,
            heartbeat: settings.heartbeat,
            tokens: api::auth::TokenCache::default(),
            // Each holds a reader connection (of 8) for its whole length.
            downloads: api::download::DownloadSlots::new(3),
            demography: crate::stats::demography::Cache::default(),
            thresholds: settings.thresholds,
        });
        let mut server = HttpServer::new(move || api::app(state.clone()));
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener).map_err(bind_error)?.run();
        tracing::info!(port, "sanaw listening");
        Ok(Application { server, port, db })
    }

    /// The port it listens on (useful when the address asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database it serves, for callers that seed or inspect it.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Serves until the process is told to stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// How many units the search index proposes as a new unit's candidates.
const SIMILAR: usize = 16;

/// Units whose names resemble a new unit's, from the search index: the
/// candidates a submitted birth is matched against, besides those sharing
/// its identifiers.
fn similar_names(index: SearchIndex) -> Similar {
    Box::new(move |values: &Values| {
        let indexed = index.version();
        let Some(name) = values.name.as_deref() else {
            return (Vec::new(), indexed);
        };
        let request = SearchRequest {
            text: name.to_owned(),
            filters: Filters::default(),
            limit: SIMILAR,
            sort: Sort::Relevance,
            after: None,
            confidential: false,
            complete: false,
            every_unit: false,
            reach: None,
        };
        match search::query::search(&index, &request) {
            Ok(hits) => (
                hits.iter().map(|hit| hit.stat_id.unit_number()).collect(),
                indexed,
            ),
            Err(error) => {
                // Matching goes on with the units sharing an identifier.
                tracing::warn!(%error, "no name candidates for a submitted birth");
                (Vec::new(), indexed)
            }
        }
    })
}
