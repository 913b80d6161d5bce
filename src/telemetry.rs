//! Logging: `tracing` to standard error, level from `RUST_LOG` (default:
//! the service's own lines at `info`, tantivy's at `warn`).

use tracing_subscriber::EnvFilter;

/// What is logged when `RUST_LOG` is not set: tantivy reports every segment
/// it writes or merges at info, which drowns the service's own lines.
const DEFAULT_FILTER: &str = "info,tantivy=warn";

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
