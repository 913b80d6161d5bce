//! A test's way to make a load panic at a chosen row, to prove that a
//! panic anywhere in a load loses nothing and stops nothing else.
//!
//! Only code can set one (the integration tests, through
//! `config::Settings::injected_panic`); no flag, variable or request does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where in a load the panic is raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// On the thread that reads and matches rows.
    Matching,
    /// On the thread that writes the register, inside its transaction.
    Writing,
}

/// A panic waiting to happen once, at one line of one stage.
#[derive(Debug, Clone)]
pub struct InjectedPanic {
    stage: Stage,
    line: u64,
    armed: Arc<AtomicBool>,
}

impl InjectedPanic {
    /// A panic at `line` (header = 1) in `stage`, raised by the first load that gets there.
    pub fn at(stage: Stage, line: u64) -> Self {
        InjectedPanic {
            stage,
            line,
            armed: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Panics if this is the stage and line, the first time only.
    pub fn fire(&self, stage: Stage, line: u64) {
        if stage == self.stage && line == self.line && self.armed.swap(false, Ordering::SeqCst) {
            panic!("injected panic at line {line} while {stage:?}");
        }
    }
}

/// Fires `injected`, if there is one.
pub fn check(injected: Option<&InjectedPanic>, stage: Stage, line: u64) {
    if let Some(injected) = injected {
        injected.fire(stage, line);
    }
}
