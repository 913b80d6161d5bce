//! The service's background threads (the loading thread, the search index
//! follower) and whether each still runs, for `/health`.
//!
//! A thread that stops, by panicking or otherwise, is recorded with its
//! reason: a service whose loads silently never run is worse than one that
//! says it is broken.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// The background threads of one service, by name.
#[derive(Debug, Clone, Default)]
pub struct Background {
    /// Each thread's name, and why it stopped once it has.
    threads: Arc<Mutex<BTreeMap<&'static str, Option<String>>>>,
}

impl Background {
    /// Starts `work` on a thread of its own, watched under `name`.
    pub fn spawn(
        &self,
        name: &'static str,
        work: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<()> {
        self.set(name, None);
        let watched = self.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let reason = match catch_unwind(AssertUnwindSafe(work)) {
                    Ok(()) => "it ended".to_owned(),
                    Err(panic) => format!("it panicked: {}", panic_message(panic.as_ref())),
                };
                tracing::error!(thread = name, %reason, "background thread stopped");
                watched.set(name, Some(reason));
            });
        if let Err(error) = spawned {
            self.set(name, Some(format!("it could not start: {error}")));
            return Err(error);
        }
        Ok(())
    }

    /// The threads that have stopped, with why.
    pub fn stopped(&self) -> Vec<(&'static str, String)> {
        self.lock()
            .iter()
            .filter_map(|(name, stopped)| Some((*name, stopped.clone()?)))
            .collect()
    }

    fn set(&self, name: &'static str, stopped: Option<String>) {
        self.lock().insert(name, stopped);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Option<String>>> {
        // The map is whole after any panic: every change is one insert.
        self.threads.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a panic said, when it said it as text.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).to_owned();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    "a panic without a message".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for_stop(background: &Background) -> Vec<(&'static str, String)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let stopped = background.stopped();
            if !stopped.is_empty() || Instant::now() > deadline {
                return stopped;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_panicking_thread_is_reported_with_its_message() {
        let background = Background::default();
        background
            .spawn("loads", || panic!("the queue broke"))
            .unwrap();
        let stopped = wait_for_stop(&background);
        assert_eq!(
            stopped,
            [("loads", "it panicked: the queue broke".to_owned())]
        );
    }

    #[test]
    fn a_running_thread_is_not_reported() {
        let background = Background::default();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        background
            .spawn("indexer", move || {
                let _ = hold.recv();
            })
            .unwrap();
        assert!(background.stopped().is_empty());
        release.send(()).unwrap();
        assert_eq!(wait_for_stop(&background)[0].1, "it ended");
    }
}
