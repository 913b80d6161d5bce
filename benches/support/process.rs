//! Running the real `sanaw` binary as its own process, so that its wall time
//! and peak memory are its own and not the bench's.
//!
//! Std only. `run` is the helper of `loads.rs`, kept here so that more than
//! one bench can use it.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary gave.
pub struct Finished {
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// The process's peak resident memory, in KiB.
    pub peak_kib: u64,
    /// The most anonymous memory (heap, stacks) seen resident, in KiB: the
    /// peak without the pages of files it maps (an SQLite file read through
    /// a memory map is page cache, shared and reclaimable).
    pub peak_anon_kib: u64,
}

/// Runs `sanaw ARGS` against the data folder to completion; panics (with
/// the arguments) if it fails, since every later step needs its result.
pub fn run(data: &Path, args: &[&str]) -> Finished {
    let started = Instant::now();
    let mut child = sanaw(data, args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sanaw binary runs");
    let (mut peak_kib, mut peak_anon_kib) = (0, 0);
    // VmHWM is the process's own high-water mark: the last reading is the
    // peak. RssAnon has no mark of its own: its peak is the most polled.
    while child.try_wait().expect("waiting for sanaw").is_none() {
        peak_kib = peak_kib.max(peak_rss_kib(child.id()).unwrap_or(0));
        peak_anon_kib = peak_anon_kib.max(status_kib(child.id(), "RssAnon:").unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().expect("sanaw output");
    assert!(output.status.success(), "sanaw {args:?} failed");
    Finished {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        elapsed,
        peak_kib,
        peak_anon_kib,
    }
}

/// Starts `sanaw serve` on a loopback port; the caller stops it.
pub fn serve(data: &Path, port: u16) -> Child {
    sanaw(data, &["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .expect("sanaw serve starts")
}

/// The binary with the data folder set and nothing inherited that would
/// point it elsewhere (a developer's `DATABASE_URL`).
fn sanaw(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command
        .args(args)
        .env("SANAW_DATA_DIR", data)
        .env_remove("DATABASE_URL")
        .env_remove("SANAW_ADDR")
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit());
    command
}

/// A free loopback port (the listener is closed at once; the server binds it
/// again a moment later, which is fine on a machine nothing else races for).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The peak resident memory of a running process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// A size line of a running process's `/proc/PID/status`, in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// KiB as MiB, for printing.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
