//! A kill -9 at any moment: the real `sanaw serve` is killed while loads
//! write and the index follows them; after a restart the index holds
//! exactly the units the database holds, no more and no fewer.

use std::time::{Duration, Instant};

use sanaw::config::Settings;
use sanaw::domain::access::{Agency, Role};
use sanaw::store::{tokens, units, Database};

use crate::binary::Server;
use crate::harness::ScratchDatabase;

/// A justice extract of `rows` companies, numbered from `first`.
fn extract(first: usize, rows: usize) -> Vec<u8> {
    let mut csv = String::from(
        "reg_number,tin,name,legal_form_code,registration_date,status,liquidation_date,\
         address,region,parent_reg_number,successor_reg_number\n",
    );
    for number in first..first + rows {
        csv.push_str(&format!(
            "K{number:07},,«Kesgin {number}» HJ,ES,2015-01-01,registered,,\
             \"Magtymguly şaýoly {number}\",TM-S,,\n"
        ));
    }
    csv.into_bytes()
}

/// A small random-number source: the moments of the kills. The seed is
/// printed so that a failing run can be repeated.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[actix_web::test]
async fn after_kill_9_at_random_moments_the_index_holds_exactly_the_committed_units() {
    let folder = tempfile::tempdir().expect("a folder");
    let database = ScratchDatabase::create();
    let url = database.as_ref().map(|database| database.url.as_str());
    let settings =
        Settings::new(folder.path().to_path_buf(), url, "127.0.0.1:0").expect("settings");
    let token = {
        let db = Database::open(&settings.database).expect("the database");
        let mut conn = db.writer().expect("a connection");
        tokens::create(
            &mut conn,
            Role::Agency,
            Some(Agency::Justice),
            Some("crash"),
        )
        .expect("a token")
    };
    let client = awc::Client::default();
    let mut seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |since| since.subsec_nanos());
            u64::from(nanos) | 1
        });
    eprintln!("kill moments from CRASH_SEED={seed}");
    for round in 0..5 {
        let server = Server::start(folder.path(), url);
        server.wait_until_up(&client).await;
        // Each round sends new companies and, overlapping, the last round's
        // again: a retry after a crash must not make duplicates either.
        let body = extract(round * 300, 600);
        let response = client
            .post(format!("{}/api/v1/loads?source=justice", server.address))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", "text/csv"))
            .send_body(body)
            .await
            .expect("the upload is answered");
        assert_eq!(response.status(), 202);
        let wait = next_random(&mut seed) % 1_500;
        actix_web::rt::time::sleep(Duration::from_millis(wait)).await;
        server.kill_9();
    }

    // The restarted service runs the loads the kills interrupted; then it is still.
    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;
    loads_finished(&server, &client, &token).await;
    let db = Database::open(&settings.database).expect("the database");
    let committed: Vec<String> = {
        let mut conn = db.reader().expect("a connection");
        let ids = units::ids_after(&mut conn, 0, 1_000_000).expect("unit ids");
        ids.into_iter()
            .map(|id| sanaw::domain::stat_id::StatId::from_unit_number(id).to_string())
            .collect()
    };
    assert!(
        !committed.is_empty(),
        "no load committed anything: kill later"
    );
    let indexed = indexed_units(&server, &client, &db).await;
    let mut expected = committed.clone();
    expected.sort();
    assert_eq!(
        indexed.len(),
        expected.len(),
        "index and database disagree on how many units"
    );
    assert_eq!(indexed, expected);
    server.kill_9();
}

/// Waits until no load is queued or running.
async fn loads_finished(server: &Server, client: &awc::Client, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut response = client
            .get(format!("{}/api/v1/loads", server.address))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
            .expect("the loads are listed");
        let body: serde_json::Value = response
            .json()
            .limit(4 * 1024 * 1024)
            .await
            .expect("a list");
        let text = body.to_string();
        if !text.contains("\"queued\"") && !text.contains("\"running\"") {
            assert!(text.contains("\"done\""), "no load finished: {text}");
            return;
        }
        assert!(Instant::now() < deadline, "loads still running: {text}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every unit the index holds, once it has caught up with the database.
async fn indexed_units(server: &Server, client: &awc::Client, db: &Database) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let version = {
            let mut conn = db.reader().expect("a connection");
            units::register_version(&mut conn).expect("the register version")
        };
        let index = server.get(client, "/api/v1/units?limit=1").await;
        if index.is_some_and(|body| body["index_version"].as_i64() == Some(version)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the index never caught up to {version}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let mut found = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = server
            .get(
                client,
                &format!("/api/v1/units?sort=name&limit=100{cursor}"),
            )
            .await
            .expect("a page of units");
        for hit in body["results"].as_array().expect("results") {
            found.push(hit["stat_id"].as_str().expect("a stat_id").to_owned());
            // A legal unit's hit holds its one-to-one enterprise too.
            if let Some(enterprise) = hit["enterprise"].as_str() {
                found.push(enterprise.to_owned());
            }
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    found.sort();
    found
}
