//! Loads as tasks: uploads wait in a queue for the one loading thread.
//!
//! An upload is saved to `uploads/{load_id}.csv` in the data folder before
//! its load is queued, so a load interrupted by a restart is simply run
//! again: its transaction never committed, so nothing of it is in the register.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use chrono::Utc;

use super::load::{self, Options, Progress};
use crate::domain::source::Source;
use crate::reconcile::matcher::Thresholds;
use crate::store::loads::{self, LoadStatus};
use crate::store::{Database, StoreError, StoreResult};

/// The queue of loads waiting for the loading thread.
#[derive(Clone)]
pub struct LoadQueue {
    sender: Sender<i64>,
    uploads: PathBuf,
}

impl LoadQueue {
    /// Starts the loading thread, and requeues loads a restart interrupted.
    pub fn start(db: Database, uploads: PathBuf, thresholds: Thresholds) -> StoreResult<Self> {
        std::fs::create_dir_all(&uploads).map_err(|source| StoreError::Folder {
            path: uploads.display().to_string(),
            source,
        })?;
        let (sender, receiver) = channel::<i64>();
        let queue = LoadQueue { sender, uploads };
        let worker = queue.clone();
        std::thread::Builder::new()
            .name("sanaw-loads".into())
            .spawn(move || {
                for load_id in receiver {
                    worker.run(&db, load_id, thresholds);
                }
            })
            .map_err(|source| StoreError::Folder {
                path: "load thread".into(),
                source,
            })?;
        Ok(queue)
    }

    /// Where an upload is kept until its load has run.
    pub fn upload_path(&self, load_id: i64) -> PathBuf {
        self.uploads.join(format!("{load_id}.csv"))
    }

    /// Queues a load whose upload is saved.
    pub fn submit(&self, load_id: i64) {
        // The loading thread only stops with the process.
        let _ = self.sender.send(load_id);
    }

    /// Requeues the loads that were waiting or running when the service
    /// stopped and whose upload is still there.
    pub fn resume(&self, db: &Database) -> StoreResult<()> {
        let mut conn = db.writer()?;
        for record in loads::unfinished(&mut conn)? {
            if self.upload_path(record.id).exists() {
                tracing::info!(load_id = record.id, "load requeued after a restart");
                self.submit(record.id);
            }
        }
        Ok(())
    }

    fn run(&self, db: &Database, load_id: i64, thresholds: Thresholds) {
        let path = self.upload_path(load_id);
        let span = tracing::info_span!("load", load_id);
        let _entered = span.enter();
        match self.try_run(db, load_id, &path, thresholds) {
            Ok(()) => tracing::info!("load finished"),
            Err(error) => tracing::error!(error = %error, "load failed"),
        }
        if let Err(error) = std::fs::remove_file(&path) {
            tracing::warn!(error = %error, path = %path.display(), "upload not removed");
        }
    }

    fn try_run(
        &self,
        db: &Database,
        load_id: i64,
        path: &Path,
        thresholds: Thresholds,
    ) -> Result<(), load::LoadError> {
        let mut conn = db.writer()?;
        let Some(record) = loads::find(&mut conn, load_id)? else {
            return Ok(());
        };
        let source: Source = record.source.parse().map_err(|_| StoreError::Corrupt {
            column: "loads.source",
            value: record.source.clone(),
        })?;
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) => {
                let message = format!("the upload is gone: {error}");
                let now = Utc::now().naive_utc();
                loads::set_status(
                    &mut conn,
                    load_id,
                    LoadStatus::Failed,
                    None,
                    Some(&message),
                    now,
                )?;
                return Ok(());
            }
        };
        let options = Options {
            source,
            dry_run: record.dry_run,
            effective_date: record.effective_date,
            encoding: match record.encoding.as_deref().and_then(|e| e.parse().ok()) {
                Some(given) => Some(given),
                None => crate::ingest::extract::detect_file(path).unwrap_or(None),
            },
            thresholds,
        };
        let input = std::io::BufReader::with_capacity(1 << 20, file);
        load::run(
            &mut conn,
            load_id,
            input,
            &options,
            Arc::new(Progress::default()),
        )?;
        Ok(())
    }
}
