//! Load progress: a redrawn status line on a terminal, log lines otherwise.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::ingest::load::Progress;

/// A running progress display; [`Display::stop`] ends it.
pub struct Display {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Starts showing the progress of a load over a file of `total` bytes.
pub fn show(progress: Arc<Progress>, total: u64) -> Display {
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let terminal = std::io::stderr().is_terminal();
    let thread = std::thread::spawn(move || {
        let started = Instant::now();
        let tick = if terminal {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(10)
        };
        let mut last = Instant::now();
        while !finished.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() < tick {
                continue;
            }
            last = Instant::now();
            let line = status(&progress, total, started.elapsed());
            if terminal {
                eprint!("\r{line}\x1b[K");
                let _ = std::io::stderr().flush();
            } else {
                tracing::info!(progress = %line, "loading");
            }
        }
        if terminal {
            eprint!("\r\x1b[K");
        }
    });
    Display {
        done,
        thread: Some(thread),
    }
}

impl Display {
    /// Stops the display and clears its line.
    pub fn stop(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn status(progress: &Progress, total: u64, elapsed: Duration) -> String {
    let rows = progress.rows.load(Ordering::Relaxed);
    let bytes = progress.bytes.load(Ordering::Relaxed);
    let seconds = elapsed.as_secs_f64().max(0.001);
    let rate = rows as f64 / seconds;
    let share = if total > 0 {
        bytes as f64 / total as f64
    } else {
        0.0
    };
    let eta = if share > 0.0 && share < 1.0 {
        format!("{:.0} s", seconds / share - seconds)
    } else {
        "—".to_owned()
    };
    format!(
        "{rows} rows read  {rate:.0} rows/s  {:.0}% of the file  ETA {eta}",
        share * 100.0
    )
}
