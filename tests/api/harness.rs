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
    /// The PostgreSQL server and database to drop afterwards, when on PostgreSQL.
    drop_database: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    /// Leaves a developer's PostgreSQL server as it was.
    fn drop(&mut self) {
        let Some((server_url, name)) = &self.drop_database else {
            return;
        };
        if let Ok(mut admin) = PgConnection::establish(server_url) {
            // FORCE ends the still-running test server's connections.
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Starts the application on port 0 with a fresh database.
pub async fn spawn_app() -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        sanaw::telemetry::init();
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let server_url = std::env::var("SANAW_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let fresh = server_url.as_deref().map(fresh_postgres_database);
    let database_url = fresh.as_ref().map(|(url, _)| url.clone());
    let drop_database = server_url.zip(fresh.map(|(_, name)| name));
    let mut settings = Settings::new(
        dir.path().to_path_buf(),
        database_url.as_deref(),
        "127.0.0.1:0",
    )
    .expect("settings");
    settings.workers = Some(1);
    settings.json_limit = 16 * 1024;
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
        drop_database,
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
