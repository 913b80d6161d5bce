//! Closed-loop load: N client threads, each sending its next request as soon
//! as the last one is answered, for a fixed time; then the latency
//! distribution and the throughput.
//!
//! Std only. One OS thread per client keeps the measurement free of any
//! async scheduler; with 16 clients on 2 cores the client threads compete
//! with the server for the CPU, as real clients on the same machine would.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::fmt;
use std::time::{Duration, Instant};

/// What one timed run gave.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Requests answered successfully.
    pub ok: usize,
    /// Requests that failed (an error status, or no answer).
    pub errors: usize,
    /// Successful requests per second of wall time.
    pub per_second: f64,
    /// Mean latency of the successful requests. With N closed-loop
    /// clients it is about N / throughput (Little's law).
    pub mean: Duration,
    /// Latency percentiles of the successful requests.
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// Runs `clients` threads for `duration`. Each thread gets its own state
/// from `connect(client)` and calls `send(&mut state, client, n)` for its
/// n-th request; `send` answers whether the request succeeded, or `None`
/// when that client has nothing more to send. Only successful requests
/// count in the latencies.
pub fn concurrently<C, Connect, Send>(
    clients: usize,
    duration: Duration,
    connect: Connect,
    send: Send,
) -> Summary
where
    Connect: Fn(usize) -> C + Sync,
    Send: Fn(&mut C, usize, usize) -> Option<bool> + Sync,
{
    let started = Instant::now();
    let deadline = started + duration;
    let per_client: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|client| {
                let (connect, send) = (&connect, &send);
                scope.spawn(move || {
                    let mut state = connect(client);
                    let mut latencies = Vec::with_capacity(1 << 16);
                    let mut errors = 0;
                    let mut n = 0;
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        match send(&mut state, client, n) {
                            Some(true) => latencies.push(sent.elapsed()),
                            Some(false) => errors += 1,
                            None => break,
                        }
                        n += 1;
                    }
                    (latencies, errors)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a client thread panicked"))
            .collect()
    });
    // The last answers arrive a little after the deadline: divide by the
    // time actually taken.
    let elapsed = started.elapsed();
    let errors = per_client.iter().map(|(_, e)| e).sum();
    let mut latencies: Vec<Duration> = per_client.into_iter().flat_map(|(l, _)| l).collect();
    summarise(&mut latencies, errors, elapsed)
}

/// Percentiles of a set of latencies (sorted in place).
pub fn summarise(latencies: &mut [Duration], errors: usize, elapsed: Duration) -> Summary {
    latencies.sort_unstable();
    let at = |p: f64| {
        if latencies.is_empty() {
            Duration::ZERO
        } else {
            latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]
        }
    };
    let total: Duration = latencies.iter().sum();
    Summary {
        mean: total / (latencies.len().max(1) as u32),
        ok: latencies.len(),
        errors,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: latencies.last().copied().unwrap_or_default(),
    }
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered, {:.0}/s, mean {:.2} ms, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms, errors {}",
            self.ok,
            self.per_second,
            ms(self.mean),
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max),
            self.errors
        )
    }
}
