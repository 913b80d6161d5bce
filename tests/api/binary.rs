//! The real `sanaw` binary, serving on a free port: for what only a real
//! process shows (a kill -9, a restart on another database).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary serving on its own data folder and database.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts `sanaw serve` on a free port over a data folder and database.
    pub fn start(data_dir: &std::path::Path, database_url: Option<&str>) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_sanaw"));
        command
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("SANAW_DATA_DIR", data_dir)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null());
        match database_url {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        let child = command.spawn().expect("sanaw serve starts");
        Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// GETs a path; the JSON body of a 200, or none.
    pub async fn get(&self, client: &awc::Client, path: &str) -> Option<serde_json::Value> {
        let mut response = client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .ok()?;
        if response.status() != 200 {
            return None;
        }
        response.json().limit(4 * 1024 * 1024).await.ok()
    }

    /// Waits until `/health` answers 200.
    pub async fn wait_until_up(&self, client: &awc::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.get(client, "/health").await.is_none() {
            assert!(Instant::now() < deadline, "sanaw serve never answered");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, like a power cut.
    pub fn kill_9(self) {
        drop(self);
    }
}

impl Drop for Server {
    /// SIGKILL, also when a failed assertion unwinds: a server left running
    /// would hold the test's output open and the run would never end.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
