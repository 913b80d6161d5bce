//! Streamed CSV downloads: the export runs on a blocking thread with its own
//! database connection and hands the response 64 KiB at a time through a
//! small channel, so the first bytes leave at once and memory stays flat
//! whatever the export's size.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use flate2::write::GzEncoder;
use flate2::Compression;
use tokio::sync::{mpsc, oneshot};

use super::error::{ApiError, Code};
use crate::export::ExportError;
use crate::store::{AnyConnection, Database};

/// Bytes gathered before they are handed to the response.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for a slow client before the export waits too.
const IN_FLIGHT: usize = 8;

/// How many downloads may run at once: each holds a database connection
/// for its whole length, and the pool must keep some for everyone else.
#[derive(Debug, Clone)]
pub struct DownloadSlots {
    running: Arc<AtomicUsize>,
    most: usize,
}

impl DownloadSlots {
    /// Room for `most` downloads at once.
    pub fn new(most: usize) -> Self {
        DownloadSlots {
            running: Arc::new(AtomicUsize::new(0)),
            most,
        }
    }

    fn take(&self) -> Result<Slot, ApiError> {
        let taken = self.running.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(self.running.clone());
        if taken >= self.most {
            return Err(ApiError::new(
                Code::ExportsBusy,
                format!(
                    "{} exports are running, the most at once; retry shortly",
                    self.most
                ),
            ));
        }
        Ok(slot)
    }
}

/// A running download's place; given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A CSV download about to start.
pub struct Download {
    /// The file name offered to the browser.
    pub file_name: String,
    /// Whether to compress: the client accepts gzip.
    pub gzip: bool,
}

/// Whether the request accepts a gzip-encoded answer (`q=0` refuses it).
pub fn accepts_gzip(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "") == "q=0" || p == "q=0.0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// What the export job is given: a way to say the register version before
/// the first byte, and where to write.
pub struct Job<'a> {
    version: Option<oneshot::Sender<Result<i64, ApiError>>>,
    /// Where the CSV goes.
    pub output: &'a mut dyn Write,
}

impl Job<'_> {
    /// Names the register version the export reflects; sent as a header.
    pub fn announce(&mut self, version: i64) {
        if let Some(sender) = self.version.take() {
            // A client gone before the headers is not the export's fault.
            let _ = sender.send(Ok(version));
        }
    }
}

impl Download {
    /// Runs `job` on a blocking thread with a read connection and streams
    /// what it writes. Errors before the job's announcement are answered as
    /// problems; later ones cut the response short (and are logged).
    pub async fn start<F>(
        self,
        db: &Database,
        slots: &DownloadSlots,
        job: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut AnyConnection, &mut Job) -> Result<u64, ExportError> + Send + 'static,
    {
        let slot = slots.take()?;
        let (version_sender, version) = oneshot::channel();
        let (chunks, receiver) = mpsc::channel::<Result<Bytes, io::Error>>(IN_FLIGHT);
        let db = db.clone();
        let gzip = self.gzip;
        actix_web::rt::task::spawn_blocking(move || {
            let _slot = slot;
            run(&db, gzip, chunks, version_sender, job);
        });
        let version = version
            .await
            .map_err(|_| ApiError::internal("the export stopped before it started"))??;
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let chunk = receiver.recv().await?;
            Some((chunk, receiver))
        });
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", self.file_name),
            ))
            .insert_header(("Register-Version", version.to_string()))
            .insert_header((header::VARY, "Accept-Encoding"));
        if gzip {
            response.insert_header((header::CONTENT_ENCODING, "gzip"));
        }
        Ok(response.streaming(stream))
    }
}

/// The blocking side: a connection, the job, and the end of the stream.
fn run<F>(
    db: &Database,
    gzip: bool,
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
    version: oneshot::Sender<Result<i64, ApiError>>,
    job: F,
) where
    F: FnOnce(&mut AnyConnection, &mut Job) -> Result<u64, ExportError>,
{
    let mut conn = match db.reader() {
        Ok(conn) => conn,
        Err(error) => {
            let _ = version.send(Err(ApiError::from(error)));
            return;
        }
    };
    let pipe = Pipe {
        buffer: Vec::with_capacity(CHUNK),
        chunks: chunks.clone(),
    };
    let mut output = if gzip {
        Output::Gzip(GzEncoder::new(pipe, Compression::fast()))
    } else {
        Output::Plain(pipe)
    };
    let mut job_state = Job {
        version: Some(version),
        output: &mut output,
    };
    let written = job(&mut conn, &mut job_state);
    let unsent = job_state.version.take();
    let result = written.and_then(|rows| Ok((rows, output.finish()?)));
    match (result, unsent) {
        (Ok((rows, ())), _) => tracing::info!(rows, "export streamed"),
        (Err(error), Some(unsent)) => {
            let _ = unsent.send(Err(export_problem(error)));
        }
        (Err(error), None) => {
            tracing::warn!(error = %error, "export cut short");
            let _ = chunks.blocking_send(Err(io::Error::other("export cut short")));
        }
    }
}

fn export_problem(error: ExportError) -> ApiError {
    match error {
        ExportError::Store(store) => ApiError::from(store),
        other => ApiError::internal(other.to_string()),
    }
}

/// The response body, as the export writes it.
enum Output {
    Plain(Pipe),
    Gzip(GzEncoder<Pipe>),
}

impl Output {
    /// Writes what is buffered (and gzip's trailer).
    fn finish(self) -> io::Result<()> {
        let mut pipe = match self {
            Output::Plain(pipe) => pipe,
            Output::Gzip(encoder) => encoder.finish()?,
        };
        pipe.flush()
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Output::Plain(pipe) => pipe.write(bytes),
            Output::Gzip(encoder) => encoder.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // Chunks leave when full or at the end; a flush mid-export
        // (the CSV writer's) must not send a small chunk.
        Ok(())
    }
}

/// Gathers bytes into chunks and hands each to the response.
struct Pipe {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl Pipe {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.chunks
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for Pipe {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn gzip_is_used_when_accepted_and_not_refused() {
        let accepts = |value: &str| {
            let request = TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request();
            accepts_gzip(&request)
        };
        assert!(accepts("gzip"));
        assert!(accepts("br, gzip;q=0.8"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn slots_refuse_beyond_the_most_and_come_back() {
        let slots = DownloadSlots::new(1);
        let first = slots.take().unwrap();
        assert_eq!(
            slots.take().err().map(|e| e.code()),
            Some(Code::ExportsBusy)
        );
        drop(first);
        assert!(slots.take().is_ok());
    }
}
