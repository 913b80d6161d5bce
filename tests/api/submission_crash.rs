//! A kill -9 of `sanaw serve` while agencies submit: every submission that
//! was answered is there after the restart (its retry is answered from the
//! store, and the feed has its change), and none is half there.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};

use sanaw::config::Settings;
use sanaw::domain::access::{Agency, Role};
use sanaw::store::schema::{change_log, submissions};
use sanaw::store::{tokens, Database};

use crate::binary::Server;
use crate::harness::ScratchDatabase;

/// A stored submission: its id, HTTP status and answer.
type StoredRow = (i64, i32, String);

/// An acknowledged submission: key, body and answer.
type Acked = (String, Value, Value);

async fn post(
    client: &awc::Client,
    server: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Option<(u16, Value, bool)> {
    let mut response = client
        .post(format!("{server}/api/v1/submissions"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Idempotency-Key", key))
        .send_json(body)
        .await
        .ok()?;
    let replayed = response
        .headers()
        .get("Idempotent-Replayed")
        .is_some_and(|value| value == "true");
    let status = response.status().as_u16();
    let answer = response.json().await.ok()?;
    Some((status, answer, replayed))
}

#[actix_web::test]
async fn after_kill_9_under_submissions_every_answered_one_is_there_and_none_is_half() {
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
    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;
    let mut units = Vec::new();
    for number in 0..10 {
        let birth = json!({"event": "register", "effective_date": "2020-01-01",
            "unit": {"name": format!("Berk {number}"), "reg_number": format!("KB-{number}")}});
        let (status, answer, _) = post(
            &client,
            &server.address,
            &token,
            &format!("birth-{number}"),
            &birth,
        )
        .await
        .expect("answered");
        assert_eq!(status, 200, "{answer}");
        units.push(answer["stat_id"].as_str().expect("stat_id").to_owned());
    }
    let acked: Rc<RefCell<Vec<Acked>>> = Rc::default();
    let mut senders = Vec::new();
    for sender in 0..8 {
        let (acked, units, token, address) = (
            acked.clone(),
            units.clone(),
            token.clone(),
            server.address.clone(),
        );
        senders.push(actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            for round in 0.. {
                let key = format!("amend-{sender}-{round}");
                let body = json!({"event": "amend", "effective_date": "2024-01-01",
                    "stat_id": units[(sender + round) % units.len()],
                    "changes": {"address": format!("Köçe {sender}-{round}")}});
                let Some((status, answer, _)) = post(&client, &address, &token, &key, &body).await
                else {
                    return;
                };
                assert_eq!(status, 200, "{answer}");
                acked.borrow_mut().push((key, body, answer));
            }
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    server.kill_9();
    for sender in senders {
        let _ = sender.await;
    }
    let acked = acked.take();
    assert!(
        acked.len() >= 8,
        "too few submissions before the kill: {}",
        acked.len()
    );

    let server = Server::start(folder.path(), url);
    server.wait_until_up(&client).await;
    let db = Database::open(&settings.database).expect("the database");
    let (rows, origins): (Vec<StoredRow>, Vec<Option<String>>) = {
        let mut conn = db.reader().expect("a connection");
        let rows = submissions::table
            .select((
                submissions::id,
                submissions::http_status,
                submissions::response,
            ))
            .load(&mut conn)
            .expect("submissions");
        let origins = change_log::table
            .filter(change_log::origin_kind.eq("submission"))
            .select(change_log::origin_ref)
            .load(&mut conn)
            .expect("changes");
        (rows, origins)
    };
    // Every stored submission has its answer, and every submitted change its submission.
    for (id, status, response) in &rows {
        assert!(
            *status == 200 && !response.is_empty(),
            "submission {id} is half there"
        );
    }
    let ids: Vec<String> = rows
        .iter()
        .map(|(id, _, _)| format!("submission:{id}"))
        .collect();
    for origin in &origins {
        let origin = origin.as_deref().unwrap_or_default();
        assert!(
            ids.iter().any(|id| id == origin),
            "{origin} changed the register without its submission"
        );
    }
    // Every answered submission is there: its retry is answered from the store.
    for (key, body, answer) in &acked {
        let (status, again, replayed) = post(&client, &server.address, &token, key, body)
            .await
            .expect("answered");
        assert_eq!((status, &again), (200, answer), "{key}");
        assert!(replayed, "{key} was lost: its retry was applied anew");
        let id = answer["submission_id"].as_i64().expect("an id");
        assert!(origins
            .iter()
            .any(|o| o.as_deref() == Some(format!("submission:{id}").as_str())));
    }
    eprintln!(
        "{} submissions answered before the kill, all kept",
        acked.len()
    );
    server.kill_9();
}
