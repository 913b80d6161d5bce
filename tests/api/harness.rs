//! Spawning the application on a free port with a fresh database.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use sanaw::config::Settings;
use sanaw::domain::access::{Agency, Role};
use sanaw::domain::attribute::Values;
use sanaw::domain::source::{Origin, OriginKind, Source};
use sanaw::domain::stat_id::StatId;
use sanaw::startup::Application;
use sanaw::store::register::{self, Statement, Writer};
use sanaw::store::{tokens, Database, StoreResult};

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub db: Database,
    pub client: awc::Client,
    /// Passed to the `sanaw` binary when a test runs it against the same database.
    pub data_dir: std::path::PathBuf,
    pub database_url: Option<String>,
    _database: Option<ScratchDatabase>,
    _dir: tempfile::TempDir,
}

/// A PostgreSQL database of one test, dropped when the test ends.
pub struct ScratchDatabase {
    /// Its URL, for the application and for the `sanaw` binary.
    pub url: String,
    server_url: String,
    name: String,
}

impl ScratchDatabase {
    /// A fresh database on the server `SANAW_TEST_DATABASE_URL` names;
    /// none when the tests run on SQLite.
    pub fn create() -> Option<ScratchDatabase> {
        let server_url = std::env::var("SANAW_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())?;
        let (url, name) = fresh_postgres_database(&server_url);
        Some(ScratchDatabase {
            url,
            server_url,
            name,
        })
    }
}

impl Drop for ScratchDatabase {
    /// Leaves a developer's PostgreSQL server as it was.
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.server_url) {
            // FORCE ends the still-running test server's connections.
            let name = &self.name;
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Starts the application on port 0 with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with settings the test adjusts.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        sanaw::telemetry::init();
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let database = ScratchDatabase::create();
    let database_url = database.as_ref().map(|database| database.url.clone());
    let mut settings = Settings::new(
        dir.path().to_path_buf(),
        database_url.as_deref(),
        "127.0.0.1:0",
    )
    .expect("settings");
    settings.http_workers = Some(1);
    settings.json_limit = 16 * 1024;
    configure(&mut settings);
    let application = Application::build(&settings)
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let db = application.database().clone();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address,
        db,
        client: awc::Client::default(),
        data_dir: dir.path().to_path_buf(),
        database_url,
        _database: database,
        _dir: dir,
    }
}

/// Creates an empty database on the test server; returns its URL and name.
fn fresh_postgres_database(server_url: &str) -> (String, String) {
    let mut bytes = [0_u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    let name = format!(
        "sanaw_test_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut admin = PgConnection::establish(server_url).expect("connect to the test server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let (base, _) = server_url
        .rsplit_once('/')
        .expect("SANAW_TEST_DATABASE_URL ends in /DATABASE");
    (format!("{base}/{name}"), name)
}

impl TestApp {
    /// A token of a role, created directly in the database.
    pub async fn token(&self, role: Role) -> String {
        let agency = (role == Role::Agency).then_some(Agency::Tax);
        self.db
            .write(move |conn| tokens::create(conn, role, agency, Some("test")))
            .await
            .expect("token")
    }

    /// Runs a register write, as a load or submission would.
    pub async fn write<T, F>(&self, change: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    {
        self.db
            .write(move |conn| register::write(conn, Origin::new(OriginKind::Load, "test"), change))
            .await
            .expect("register write")
    }

    /// Creates a legal unit (with its enterprise) from a justice statement.
    pub async fn legal_unit(&self, statement: Statement) -> (StatId, StatId) {
        self.write(move |writer| writer.create_legal_unit(&statement))
            .await
    }

    /// GET a path, optionally with a token; returns status and JSON body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = self.client.get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.body().limit(16 * 1024 * 1024).await.expect("body");
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, json)
    }
}

/// A date from `YYYY-MM-DD`.
pub fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// A justice statement about a company.
pub fn justice(reg_number: &str, name: &str, valid_from: &str) -> Statement {
    Statement {
        source: Source::Justice,
        source_key: Some(reg_number.to_owned()),
        valid_from: day(valid_from),
        values: Values {
            name: Some(name.to_owned()),
            reg_number: Some(reg_number.to_owned()),
            legal_form: Some("ES".to_owned()),
            region: Some("TM-S".to_owned()),
            status: Some("active".to_owned()),
            birth_date: Some(day(valid_from)),
            address: Some("Aşgabat ş., Magtymguly şaýoly 45".to_owned()),
            ..Values::default()
        },
    }
}

/// A statistics statement with employees and activity.
pub fn statistics(employees: i64, activity: &str, valid_from: &str) -> Statement {
    Statement {
        source: Source::Statistics,
        source_key: None,
        valid_from: day(valid_from),
        values: Values {
            employees: Some(employees),
            activity: Some(activity.to_owned()),
            institutional_sector: Some("S11".to_owned()),
            ..Values::default()
        },
    }
}

/// A tax statement with turnover and tax status.
pub fn tax(tin: &str, name: &str, valid_from: &str) -> Statement {
    Statement {
        source: Source::Tax,
        source_key: Some(tin.to_owned()),
        valid_from: day(valid_from),
        values: Values {
            tin: Some(tin.to_owned()),
            name: Some(name.to_owned()),
            activity: Some("62".to_owned()),
            turnover: Some(12_345_678),
            turnover_year: Some(2024),
            tax_status: Some("active".to_owned()),
            vat_registered: Some(true),
            ..Values::default()
        },
    }
}

/// One row of the links export (docs/CONTRACT.md, `sanaw export links`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub source: String,
    pub source_key: String,
    pub line: u64,
    pub load_id: i64,
    pub unit_id: String,
    pub method: String,
    pub score: String,
}

impl TestApp {
    /// A token of an agency, for its own source.
    pub async fn agency_token(&self, agency: Agency) -> String {
        self.db
            .write(move |conn| tokens::create(conn, Role::Agency, Some(agency), Some("test")))
            .await
            .expect("agency token")
    }

    /// POSTs an extract to `/api/v1/loads?{query}`; returns status and JSON body.
    pub async fn upload(
        &self,
        query: &str,
        body: impl Into<Vec<u8>>,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .client
            .post(format!("{}/api/v1/loads?{query}", self.address))
            .insert_header(("Content-Type", "text/csv"));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = request.send_body(body.into()).await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.body().limit(16 * 1024 * 1024).await.expect("body");
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    /// Polls a load every 50 ms until it is `done` or `failed` (30 s at most).
    pub async fn wait_for_load(&self, load_id: i64, token: &str) -> serde_json::Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (status, body) = self
                .get(&format!("/api/v1/loads/{load_id}"), Some(token))
                .await;
            assert_eq!(status, 200, "polling load {load_id}: {body}");
            if body["status"] == "done" || body["status"] == "failed" {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "load {load_id} still {} after 30 s",
                body["status"]
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Uploads an extract, expects 202, and waits for the load to end;
    /// returns the load as `GET /api/v1/loads/{id}` shows it.
    pub async fn load(
        &self,
        query: &str,
        body: impl Into<Vec<u8>>,
        token: &str,
    ) -> serde_json::Value {
        let (status, accepted) = self.upload(query, body, Some(token)).await;
        assert_eq!(status, 202, "upload {query}: {accepted}");
        assert_eq!(accepted["status"], "queued", "{accepted}");
        let load_id = accepted["load_id"].as_i64().expect("a load id");
        assert_eq!(accepted["location"], format!("/api/v1/loads/{load_id}"));
        self.wait_for_load(load_id, token).await
    }

    /// Like [`TestApp::load`], and the load must be `done`; returns its report.
    pub async fn load_done(
        &self,
        query: &str,
        body: impl Into<Vec<u8>>,
        token: &str,
    ) -> serde_json::Value {
        let load = self.load(query, body, token).await;
        assert_eq!(load["status"], "done", "{load}");
        load["report"].clone()
    }

    /// The links export, parsed; asserts its header is the contract's.
    pub fn links_export(&self) -> Vec<LinkRow> {
        let mut out = Vec::new();
        {
            let mut conn = self.db.reader().expect("a reader");
            sanaw::export::links::write(&mut conn, &mut out).expect("links export");
        }
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            header,
            [
                "source",
                "source_key",
                "line",
                "load_id",
                "unit_id",
                "method",
                "score"
            ]
        );
        reader
            .records()
            .map(|record| {
                let record = record.expect("a links row");
                assert_eq!(record.len(), 7, "{record:?}");
                LinkRow {
                    source: record[0].to_owned(),
                    source_key: record[1].to_owned(),
                    line: record[2].parse().expect("line is a number"),
                    load_id: record[3].parse().expect("load_id is a number"),
                    unit_id: record[4].to_owned(),
                    method: record[5].to_owned(),
                    score: record[6].to_owned(),
                }
            })
            .collect()
    }

    /// How many units the register holds (legal units, enterprises, local units).
    pub async fn unit_count(&self) -> i64 {
        self.db
            .read(sanaw::store::units::count)
            .await
            .expect("unit count")
    }

    /// The register version `GET /health` reports.
    pub async fn register_version(&self) -> i64 {
        let (status, body) = self.get("/health", None).await;
        assert_eq!(status, 200, "{body}");
        body["register_version"].as_i64().expect("register_version")
    }

    /// POSTs JSON with a token; returns status and JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.post(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = request.send_json(body).await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.body().limit(16 * 1024 * 1024).await.expect("body");
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, json)
    }
}

/// The data rows of a CSV extract (records after the header, quoted
/// newlines included), counted independently of the loader.
pub fn data_rows(bytes: &[u8], delimiter: u8) -> u64 {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .count() as u64
}

/// Checks that a load's report adds up and that its rejections, as the API
/// serves them (JSON and CSV), are the report's: every row read was accepted
/// or rejected, every accepted row was linked, created or sent to review.
pub async fn assert_whole(app: &TestApp, report: &serde_json::Value, token: &str) {
    let count = |key: &str| {
        report[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {report}"))
    };
    let accepted = count("accepted");
    let rejected = count("rejected");
    assert_eq!(count("rows_read"), accepted + rejected, "{report}");
    let linked: u64 = report["links"]
        .as_object()
        .expect("links by method")
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(linked, accepted, "{report}");
    assert_eq!(
        count("units_created")
            + count("units_updated")
            + count("units_unchanged")
            + count("review_opened")
            + count("review_pending"),
        accepted,
        "{report}"
    );
    let listed = report["rejections"].as_array().expect("rejections");
    assert_eq!(listed.len() as u64, rejected.min(100), "{report}");
    for rejection in listed {
        assert!(rejection["line"].as_u64().unwrap() >= 2, "{rejection}");
        assert!(
            !rejection["reason"].as_str().unwrap().is_empty(),
            "{rejection}"
        );
    }
    if rejected > 100 {
        return;
    }
    let load_id = count("load_id");
    let (status, page) = app
        .get(&format!("/api/v1/loads/{load_id}/rejections"), Some(token))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(&page["items"], &report["rejections"], "served vs report");
    let mut response = app
        .client
        .get(format!("{}/api/v1/loads/{load_id}/rejections", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Accept", "text/csv"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.body().await.expect("body");
    let mut csv = csv::Reader::from_reader(body.as_ref());
    assert_eq!(
        csv.headers().expect("a header"),
        vec!["line", "column", "reason"]
    );
    let rows: Vec<(u64, String, String)> = csv
        .records()
        .map(|r| {
            let r = r.expect("a CSV rejection");
            (r[0].parse().unwrap(), r[1].to_owned(), r[2].to_owned())
        })
        .collect();
    let expected: Vec<(u64, String, String)> = listed
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["column"].as_str().unwrap_or_default().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, expected, "CSV rejections");
}

/// The answer to a submission: status, JSON body and whether it was a replay.
pub struct Submitted {
    pub status: u16,
    pub body: serde_json::Value,
    pub replayed: bool,
}

impl TestApp {
    /// POSTs a submission with a token, an idempotency key and optional headers.
    pub async fn submit(
        &self,
        body: &serde_json::Value,
        token: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Submitted {
        let mut request = self
            .client
            .post(format!("{}/api/v1/submissions", self.address))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Idempotency-Key", key));
        if let Some(etag) = if_match {
            request = request.insert_header(("If-Match", etag));
        }
        let mut response = request.send_json(body).await.expect("request sent");
        let status = response.status().as_u16();
        let replayed = response
            .headers()
            .get("Idempotent-Replayed")
            .is_some_and(|value| value == "true");
        let bytes = response.body().limit(16 * 1024 * 1024).await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Submitted {
            status,
            body,
            replayed,
        }
    }

    /// A unit's ETag, as `GET /api/v1/units/{stat_id}` gives it.
    pub async fn etag(&self, stat_id: &str) -> String {
        let response = self
            .client
            .get(format!("{}/api/v1/units/{stat_id}", self.address))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response
            .headers()
            .get("ETag")
            .expect("an ETag")
            .to_str()
            .expect("text")
            .to_owned()
    }

    /// How many change-log entries there are.
    pub async fn change_count(&self) -> i64 {
        let (status, body) = self.get("/api/v1/changes?limit=1000", None).await;
        assert_eq!(status, 200, "{body}");
        let mut count = body["changes"].as_array().expect("changes").len() as i64;
        let mut after = body["next_after"].as_i64().expect("next_after");
        loop {
            let (_, page) = self
                .get(&format!("/api/v1/changes?after={after}&limit=1000"), None)
                .await;
            let found = page["changes"].as_array().expect("changes").len() as i64;
            if found == 0 {
                return count;
            }
            count += found;
            after = page["next_after"].as_i64().expect("next_after");
        }
    }
}
