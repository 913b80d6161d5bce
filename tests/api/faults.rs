//! Faults lose nothing: a panic in a load, an upload cut short by kill -9,
//! concurrent uploads, an index that is not its database's, a stopped
//! background thread. Each test fails without the fix it stands for.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

use sanaw::config::{Settings, Tuning};
use sanaw::domain::access::Role;
use sanaw::ingest::fault::{InjectedPanic, Stage};
use sanaw::ingest::load::INTERNAL_FAILURE;
use sanaw::store::{loads, tokens, Database};

use crate::binary::Server;
use crate::harness::{spawn_app, spawn_app_with, ScratchDatabase, TestApp};

/// A justice extract of `rows` companies, numbered from `first`.
fn companies(first: usize, rows: usize) -> Vec<u8> {
    let mut csv = String::from("reg_number,name,registration_date,address,region\n");
    for number in first..first + rows {
        csv.push_str(&format!(
            "F{number:07},«Berk {number}» HJ,2015-01-01,\"Magtymguly şaýoly {number}\",TM-S\n"
        ));
    }
    csv.into_bytes()
}

/// An app whose loads panic once, at line 3 of `stage`.
async fn app_panicking_while(stage: Stage) -> (TestApp, String) {
    let app = spawn_app_with(|settings| {
        settings.injected_panic = Some(InjectedPanic::at(stage, 3));
    })
    .await;
    let token = app.token(Role::Statistician).await;
    (app, token)
}

/// A panic fails its load whole, with a reason; the next load runs and commits.
async fn check_a_panic_loses_nothing(stage: Stage) {
    let (app, token) = app_panicking_while(stage).await;
    let version = app.register_version().await;

    let failed = app.load("source=justice", companies(0, 5), &token).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"], INTERNAL_FAILURE);
    assert_eq!(failed["report"], serde_json::Value::Null);
    assert_eq!(app.unit_count().await, 0, "nothing of the load committed");
    assert_eq!(app.register_version().await, version);

    // The loading thread goes on, and what it writes next commits: readers
    // (other connections) see it.
    let report = app
        .load_done("source=justice", companies(0, 5), &token)
        .await;
    assert_eq!(report["units_created"], 5, "{report}");
    assert_eq!(app.unit_count().await, 10, "5 legal units, 5 enterprises");
    let (status, health) = app.get("/health", None).await;
    assert_eq!(status, 200, "{health}");
}

#[actix_web::test]
async fn a_panic_while_matching_fails_the_load_and_the_next_one_runs() {
    check_a_panic_loses_nothing(Stage::Matching).await;
}

#[actix_web::test]
async fn a_panic_inside_the_write_fails_the_load_and_later_writes_commit() {
    check_a_panic_loses_nothing(Stage::Writing).await;
}

#[actix_web::test]
async fn concurrent_uploads_each_get_their_own_load() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let uploads = (0..6).map(|n| app.upload("source=justice", companies(n * 10, 10), Some(&token)));
    let answers = futures_util::future::join_all(uploads).await;
    let mut ids: Vec<i64> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 202, "{body}");
            body["load_id"].as_i64().expect("a load id")
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "two uploads shared a load id");
    for id in ids {
        let load = app.wait_for_load(id, &token).await;
        assert_eq!(load["status"], "done", "{load}");
    }
    assert_eq!(app.unit_count().await, 120);
}

#[actix_web::test]
async fn an_upload_links_with_the_thresholds_the_service_was_given() {
    let justice = "reg_number,name,legal_form_code,registration_date,address,region\n\
        K-500,Altyn Çeşme HJ,ES,2010-01-01,\"Aşgabat, Azady köçesi, jaý 1\",TM-S\n";
    // Too little to link by default: it waits for review.
    let survey = "name;employees;institutional_sector;reference_year\nAltyn Çeşme;37;S11;2024\n";
    for (tuning, method) in [
        (Tuning::default(), "review"),
        (
            Tuning {
                link_threshold: Some(1.0),
                review_threshold: Some(0.0),
                ..Tuning::default()
            },
            "fuzzy",
        ),
    ] {
        let app = spawn_app_with(|settings: &mut Settings| {
            *settings = settings.clone().tuned(&tuning).expect("valid thresholds");
        })
        .await;
        let token = app.token(Role::Statistician).await;
        app.load_done("source=justice", justice, &token).await;
        let report = app.load_done("source=statistics", survey, &token).await;
        assert_eq!(report["links"], json!({ method: 1 }), "{report}");
    }
}

#[actix_web::test]
async fn health_fails_when_a_background_thread_has_stopped() {
    let app = spawn_app().await;
    let (status, _) = app.get("/health", None).await;
    assert_eq!(status, 200);
    // The index follower ends when its folder is gone.
    std::fs::remove_dir_all(app.data_dir.join("index")).expect("the index folder");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, problem) = app.get("/health", None).await;
        if status == 500 {
            assert_eq!(problem["code"], "worker_stopped", "{problem}");
            assert!(problem["detail"]
                .as_str()
                .unwrap()
                .contains("search-indexer"));
            return;
        }
        assert!(Instant::now() < deadline, "/health still {status}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A token created straight in a database, before any server runs.
fn token_in(settings: &Settings, role: Role) -> String {
    let db = Database::open(&settings.database).expect("the database");
    let mut conn = db.writer().expect("a connection");
    tokens::create(&mut conn, role, None, Some("faults")).expect("a token")
}

/// The files waiting in the uploads folder, with their sizes.
fn uploads(folder: &std::path::Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(folder.join("uploads")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| {
            let size = entry.metadata().map_or(0, |m| m.len());
            (entry.file_name().to_string_lossy().into_owned(), size)
        })
        .collect()
}

#[actix_web::test]
async fn an_upload_cut_short_by_kill_9_is_failed_not_loaded() {
    let folder = tempfile::tempdir().expect("a folder");
    let database = ScratchDatabase::create();
    let url = database.as_ref().map(|database| database.url.as_str());
    let settings = Settings::new(folder.path().to_path_buf(), url, "").expect("settings");
    let token = token_in(&settings, Role::Statistician);
    let client = awc::Client::default();
    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;

    // Announce 4 MB, send 2.5 MB, and keep the connection open.
    let body = companies(0, 50_000);
    let address = server.address.trim_start_matches("http://").to_owned();
    let mut connection = std::net::TcpStream::connect(&address).expect("a connection");
    let head = format!(
        "POST /api/v1/loads?source=justice HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    connection.write_all(head.as_bytes()).expect("the head");
    connection
        .write_all(&body[..2_500_000])
        .expect("part of the body");
    // Kill once more than a megabyte of it is on disk.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !uploads(folder.path())
        .iter()
        .any(|(_, size)| *size > 1 << 20)
    {
        assert!(
            Instant::now() < deadline,
            "the upload never reached the disk"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_9();
    drop(connection);

    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;
    let db = Database::open(&settings.database).expect("the database");
    let load = {
        let mut conn = db.reader().expect("a connection");
        let all = loads::recent(&mut conn, 10).expect("the loads");
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_iter().next().unwrap()
    };
    assert_eq!(load.status, "failed", "{load:?}");
    let error = load.error.unwrap_or_default();
    assert!(error.contains("cut short"), "{error}");
    let units = db
        .read(sanaw::store::units::count)
        .await
        .expect("a unit count");
    assert_eq!(units, 0, "nothing of the cut upload was loaded");
    assert_eq!(uploads(folder.path()), [], "no upload left behind");
    server.kill_9();
}

#[actix_web::test]
async fn an_index_not_of_its_database_is_rebuilt() {
    let folder = tempfile::tempdir().expect("a folder");
    let first = ScratchDatabase::create();
    let second = ScratchDatabase::create();
    let (first_url, second_url) = match (&first, &second) {
        (Some(first), Some(second)) => (first.url.clone(), second.url.clone()),
        _ => {
            let path = |name: &str| format!("sqlite://{}", folder.path().join(name).display());
            (path("first.db"), path("second.db"))
        }
    };
    let client = awc::Client::default();
    let settings =
        Settings::new(folder.path().to_path_buf(), Some(&first_url), "").expect("settings");
    let token = token_in(&settings, Role::Statistician);

    let server = Server::start(folder.path(), Some(&first_url));
    server.wait_until_up(&client).await;
    let response = client
        .post(format!("{}/api/v1/loads?source=justice", server.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(companies(0, 20))
        .await
        .expect("an answer");
    assert_eq!(response.status(), 202);
    wait_until_indexed(&server, &client, 40).await;
    server.kill_9();

    // The same data folder, its index, pointed at an empty database.
    let server = Server::start(folder.path(), Some(&second_url));
    server.wait_until_up(&client).await;
    let health = server.get(&client, "/health").await.expect("health");
    assert_eq!(health["indexed_units"], 0, "{health}");
    let found = server
        .get(&client, "/api/v1/units?q=Berk")
        .await
        .expect("a search");
    assert_eq!(found["total"], 0, "units of another database: {found}");
    server.kill_9();

    // Back on the first database: rebuilt again, all its units there.
    let server = Server::start(folder.path(), Some(&first_url));
    server.wait_until_up(&client).await;
    wait_until_indexed(&server, &client, 40).await;
    server.kill_9();
}

/// Waits until the server's index holds `units` units.
async fn wait_until_indexed(server: &Server, client: &awc::Client, units: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = server.get(client, "/health").await.expect("health");
        if health["indexed_units"] == units {
            return;
        }
        assert!(Instant::now() < deadline, "never indexed {units}: {health}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_load_the_service_died_in_twice_is_not_started_again() {
    let folder = tempfile::tempdir().expect("a folder");
    let database = ScratchDatabase::create();
    let url = database.as_ref().map(|database| database.url.as_str());
    let settings = Settings::new(folder.path().to_path_buf(), url, "").expect("settings");
    let db = Database::open(&settings.database).expect("the database");
    // Two loads the service was running when it died: one started once, one twice.
    let mut ids = Vec::new();
    for starts in [1, 2] {
        let mut conn = db.writer().expect("a connection");
        let id = loads::create(
            &mut conn,
            &loads::NewLoad {
                source: sanaw::domain::source::Source::Justice,
                file_name: None,
                dry_run: false,
                effective_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                encoding: None,
                requested_by: None,
                status: loads::LoadStatus::Queued,
                now: chrono::Utc::now().naive_utc(),
            },
        )
        .expect("a load");
        for _ in 0..starts {
            loads::start_attempt(&mut conn, id).expect("a start");
        }
        let uploads = settings.uploads_dir();
        std::fs::create_dir_all(&uploads).expect("the uploads folder");
        std::fs::write(
            uploads.join(format!("{id}.csv")),
            companies(starts * 100, 3),
        )
        .expect("the upload");
        ids.push(id);
    }
    drop(db);

    let client = awc::Client::default();
    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;
    let db = Database::open(&settings.database).expect("the database");
    let deadline = Instant::now() + Duration::from_secs(30);
    let (once, twice) = loop {
        let mut conn = db.reader().expect("a connection");
        let once = loads::find(&mut conn, ids[0]).unwrap().unwrap();
        let twice = loads::find(&mut conn, ids[1]).unwrap().unwrap();
        if once.status == "done" || once.status == "failed" {
            break (once, twice);
        }
        assert!(Instant::now() < deadline, "the requeued load never ran");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(once.status, "done", "started once: run again {once:?}");
    assert_eq!(twice.status, "failed", "{twice:?}");
    assert!(twice.error.unwrap().contains("not tried again"));
    let units = db.read(sanaw::store::units::count).await.unwrap();
    assert_eq!(units, 6, "only the load started once wrote its 3 companies");
    server.kill_9();
}
