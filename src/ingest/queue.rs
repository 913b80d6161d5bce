//! Loads as tasks: uploads wait in a queue for the one loading thread.
//!
//! An upload arrives into `uploads/{load_id}.part` while its load is
//! `receiving`; only once it is whole and synced to disk is it renamed to
//! `uploads/{load_id}.csv` and its load `queued`. So a file cut short (the
//! client went away, the service was killed) is never loaded: at start-up
//! a load still `receiving` is marked failed. A load interrupted while it
//! ran changed nothing (its transaction never committed) and is run again,
//! but only once: a load that kills the process every time is then failed
//! instead of killing every restart.
//!
//! A panic while a load runs fails that load, with its reason, and the
//! thread goes on with the next one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use chrono::Utc;

use super::extract::FileError;
use super::fault::InjectedPanic;
use super::load::{self, LoadError, Options, Progress, INTERNAL_FAILURE};
use crate::background::{panic_message, Background};
use crate::domain::source::Source;
use crate::reconcile::matcher::Thresholds;
use crate::store::loads::{self, LoadRecord, LoadStatus};
use crate::store::{Database, StoreError, StoreResult};

/// How many times a load is started before it is given up: the first run,
/// and one more after a restart that interrupted it.
const MAX_ATTEMPTS: i32 = 2;

/// The queue of loads waiting for the loading thread.
#[derive(Clone)]
pub struct LoadQueue {
    sender: Sender<i64>,
    uploads: PathBuf,
}

/// How the loading thread runs each load.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// The matcher's thresholds, as configured for the whole service.
    pub thresholds: Thresholds,
    /// A panic a test injects; `None` otherwise.
    pub injected_panic: Option<InjectedPanic>,
}

/// The loading thread is gone: nothing queued will run.
#[derive(Debug, thiserror::Error)]
#[error("the loading thread has stopped")]
pub struct QueueStopped;

impl LoadQueue {
    /// Starts the loading thread, watched by `background`.
    pub fn start(
        db: Database,
        uploads: PathBuf,
        settings: LoadSettings,
        background: &Background,
    ) -> StoreResult<Self> {
        std::fs::create_dir_all(&uploads).map_err(|source| StoreError::Folder {
            path: uploads.display().to_string(),
            source,
        })?;
        let (sender, receiver) = channel::<i64>();
        let queue = LoadQueue { sender, uploads };
        let worker = queue.clone();
        background
            .spawn("loads", move || {
                for load_id in receiver {
                    worker.run(&db, load_id, &settings);
                }
            })
            .map_err(|source| StoreError::Folder {
                path: "load thread".into(),
                source,
            })?;
        Ok(queue)
    }

    /// Where an upload is kept, once whole, until its load has run.
    pub fn upload_path(&self, load_id: i64) -> PathBuf {
        self.uploads.join(format!("{load_id}.csv"))
    }

    /// Where an upload arrives, before it is whole.
    pub fn partial_path(&self, load_id: i64) -> PathBuf {
        self.uploads.join(format!("{load_id}.part"))
    }

    /// Queues a load whose upload is saved.
    pub fn submit(&self, load_id: i64) -> Result<(), QueueStopped> {
        self.sender.send(load_id).map_err(|_| QueueStopped)
    }

    /// Settles the loads the last run of the service left unfinished: an
    /// upload that was still arriving failed; a queued load, or one that
    /// was running and has a start left, is queued again.
    pub fn resume(&self, db: &Database) -> StoreResult<()> {
        let mut conn = db.writer()?;
        for record in loads::unfinished(&mut conn)? {
            let id = record.id;
            let upload = self.upload_path(id);
            match self.verdict(&record, upload.exists()) {
                Ok(()) => {
                    tracing::info!(load_id = id, "load requeued after a restart");
                    if self.submit(id).is_err() {
                        return Err(StoreError::Worker);
                    }
                }
                Err(reason) => {
                    tracing::warn!(load_id = id, %reason, "load failed after a restart");
                    let now = Utc::now().naive_utc();
                    loads::set_status(&mut conn, id, LoadStatus::Failed, None, Some(&reason), now)?;
                    remove(&upload);
                    remove(&self.partial_path(id));
                }
            }
        }
        Ok(())
    }

    /// Whether an unfinished load may run again, or why not.
    fn verdict(&self, record: &LoadRecord, upload_exists: bool) -> Result<(), String> {
        if record.status == LoadStatus::Receiving.as_str() {
            return Err(
                "the upload was cut short (the service stopped while it arrived); \
                        nothing of it was loaded: send the file again"
                    .to_owned(),
            );
        }
        if !upload_exists {
            return Err("the upload is gone from the data folder; send the file again".to_owned());
        }
        if record.attempts >= MAX_ATTEMPTS {
            return Err(format!(
                "the service stopped during this load {} times; it is not tried again \
                 (nothing of it was written)",
                record.attempts
            ));
        }
        Ok(())
    }

    /// Runs one load; a panic fails that load and nothing else.
    fn run(&self, db: &Database, load_id: i64, settings: &LoadSettings) {
        let path = self.upload_path(load_id);
        let span = tracing::info_span!("load", load_id);
        let _entered = span.enter();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.try_run(db, load_id, &path, settings)
        }));
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(load::failure_reason(load_id, &error)),
            Err(panic) => {
                let message = panic_message(panic.as_ref());
                tracing::error!(panic = %message, "load panicked");
                Some(INTERNAL_FAILURE.to_owned())
            }
        };
        if let Some(reason) = failure {
            mark_failed(db, load_id, &reason);
        }
        tracing::info!("load finished");
        remove(&path);
    }

    /// Runs a load; errors are those before the load itself began.
    fn try_run(
        &self,
        db: &Database,
        load_id: i64,
        path: &Path,
        settings: &LoadSettings,
    ) -> Result<(), LoadError> {
        // Before the connection is taken: a failure is recorded on it by `run`.
        let file = std::fs::File::open(path).map_err(|e| LoadError::File(FileError::Io(e)))?;
        let mut conn = db.writer()?;
        let Some(record) = loads::find(&mut conn, load_id)? else {
            return Ok(());
        };
        let source: Source = record.source.parse().map_err(|_| StoreError::Corrupt {
            column: "loads.source",
            value: record.source.clone(),
        })?;
        loads::start_attempt(&mut conn, load_id)?;
        let options = Options {
            source,
            dry_run: record.dry_run,
            effective_date: record.effective_date,
            encoding: match record.encoding.as_deref().and_then(|e| e.parse().ok()) {
                Some(given) => Some(given),
                None => crate::ingest::extract::detect_file(path).unwrap_or(None),
            },
            thresholds: settings.thresholds,
            injected_panic: settings.injected_panic.clone(),
        };
        let input = std::io::BufReader::with_capacity(1 << 20, file);
        // `load::run` records the load's outcome, a failure included.
        let _recorded = load::run(
            &mut conn,
            load_id,
            input,
            &options,
            Arc::new(Progress::default()),
        );
        Ok(())
    }
}

/// Records a failure on a fresh connection: the one the load held may have
/// been closed by its panic.
fn mark_failed(db: &Database, load_id: i64, reason: &str) {
    let marked = db.writer().and_then(|mut conn| {
        let now = Utc::now().naive_utc();
        loads::set_status(
            &mut conn,
            load_id,
            LoadStatus::Failed,
            None,
            Some(reason),
            now,
        )
    });
    if let Err(error) = marked {
        tracing::error!(%error, "a failed load could not be marked failed");
    }
}

/// Removes an upload's file if it is there.
fn remove(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(%error, path = %path.display(), "upload not removed"),
    }
}
