//! The change feed: every change replayed in order with its origin and new
//! values, filtered, withheld where confidential, and streamed live.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::harness::{spawn_app, spawn_app_with, TestApp};
use sanaw::domain::access::{Agency, Role};

const ALTYN_JUSTICE: &str = "reg_number,name,legal_form_code,registration_date,address,region\n\
    K-500,Altyn Çeşme HJ,ES,2010-01-01,\"Aşgabat, Azady köçesi, jaý 1\",TM-S\n";

async fn all_changes(app: &TestApp, query: &str, token: Option<&str>) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("/api/v1/changes?limit=1000&{query}"), token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["changes"].as_array().expect("changes").clone()
}

fn field<'a>(change: &'a Value, name: &str) -> Option<&'a Value> {
    change["fields"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == name)
}

/// A load, a submission sent to review and decided, and an amend: the three doors.
async fn three_doors(app: &TestApp) -> (String, String) {
    let staff = app.token(Role::Statistician).await;
    app.load_done("source=justice", ALTYN_JUSTICE, &staff).await;
    let statistics = app.agency_token(Agency::Statistics).await;
    let survey = app
        .submit(
            &json!({"event": "register", "effective_date": "2024-01-01",
                    "unit": {"name": "Altyn Çeşme", "employees": 37, "institutional_sector": "S11"}}),
            &statistics,
            "survey-1",
            None,
        )
        .await;
    assert_eq!(survey.status, 202, "{}", survey.body);
    assert_eq!(survey.body["outcome"], "review");
    let candidate = survey.body["candidates"][0]
        .as_str()
        .expect("a candidate")
        .to_owned();
    let item = survey.body["review_id"].clone();
    let (status, decided) = app
        .post_json(
            &format!("/api/v1/review/{item}"),
            &json!({"decision": "link", "stat_id": candidate}),
            Some(&staff),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    let justice = app.agency_token(Agency::Justice).await;
    let amend = app
        .submit(
            &json!({"event": "amend", "effective_date": "2025-01-01", "stat_id": candidate,
                    "changes": {"address": "Aşgabat, Bitarap köçesi 7"}}),
            &justice,
            "amend-1",
            None,
        )
        .await;
    assert_eq!(amend.status, 200, "{}", amend.body);
    (candidate, staff)
}

#[actix_web::test]
async fn the_feed_replays_every_change_from_every_door_with_its_values() {
    let app = spawn_app().await;
    let (unit, staff) = three_doors(&app).await;
    let changes = all_changes(&app, "after=0", Some(&staff)).await;
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gapless, in order"
    );
    for change in &changes {
        assert!(!change["fields"].as_array().unwrap().is_empty(), "{change}");
    }
    let origins: Vec<&str> = changes
        .iter()
        .map(|c| c["origin"]["kind"].as_str().unwrap())
        .collect();
    for door in ["load", "review", "submission"] {
        assert!(origins.contains(&door), "{origins:?}");
    }
    let decided = changes
        .iter()
        .find(|c| c["origin"]["kind"] == "review")
        .unwrap();
    assert_eq!(decided["stat_id"], unit.as_str());
    assert_eq!(decided["source"], "statistics");
    assert_eq!(field(decided, "employees").unwrap()["value"], 37);
    let amended = changes
        .iter()
        .find(|c| c["origin"]["kind"] == "submission")
        .unwrap();
    assert_eq!(
        field(amended, "address").unwrap()["value"],
        "Aşgabat, Bitarap köçesi 7"
    );
    let created = changes.iter().find(|c| c["kind"] == "created").unwrap();
    assert_eq!(field(created, "name").unwrap()["value"], "Altyn Çeşme HJ");
    // The public sees that employees changed, never how many.
    let public = all_changes(&app, "after=0", None).await;
    let withheld = public
        .iter()
        .find(|c| c["origin"]["kind"] == "review")
        .unwrap();
    let employees = field(withheld, "employees").unwrap();
    assert_eq!(employees["withheld"], true);
    assert!(employees.get("value").is_none(), "{employees}");
}

#[actix_web::test]
async fn the_feed_filters_by_unit_kind_and_source_and_pages_on() {
    let app = spawn_app().await;
    let (unit, _) = three_doors(&app).await;
    let everything = all_changes(&app, "", None).await;
    let of_unit = all_changes(&app, &format!("unit={unit}"), None).await;
    assert!(of_unit.len() >= 3 && of_unit.len() < everything.len());
    assert!(of_unit.iter().all(|c| c["stat_id"] == unit.as_str()));
    let statistics = all_changes(&app, "source=statistics", None).await;
    assert_eq!(statistics.len(), 1);
    let created = all_changes(&app, "kind=created", None).await;
    assert!(created.iter().all(|c| c["kind"] == "created") && !created.is_empty());
    let (_, first) = app.get("/api/v1/changes?limit=2", None).await;
    assert_eq!(first["changes"].as_array().unwrap().len(), 2);
    let next = first["next_after"].as_i64().unwrap();
    let (_, second) = app
        .get(&format!("/api/v1/changes?after={next}&limit=2"), None)
        .await;
    assert_eq!(second["changes"][0]["seq"].as_i64().unwrap(), next + 1);
    for bad in [
        "after=-1",
        "limit=0",
        "limit=1001",
        "unit=12",
        "kind=deleted",
        "source=bank",
        "colour=red",
    ] {
        let (status, body) = app.get(&format!("/api/v1/changes?{bad}"), None).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

/// Reads a stream until `wanted` shows up in what arrived, or fails after 10 s.
async fn read_until(
    response: &mut awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    >,
    wanted: &str,
) -> String {
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(wanted) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let chunk = actix_web::rt::time::timeout(left, response.next())
            .await
            .unwrap_or_else(|_| panic!("{wanted:?} never came; got {seen}"))
            .expect("the stream goes on")
            .expect("a chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

#[actix_web::test]
async fn the_stream_resumes_after_last_event_id_and_sends_new_changes_and_heartbeats() {
    let app = spawn_app_with(|settings| settings.heartbeat = Duration::from_millis(200)).await;
    let (unit, _) = three_doors(&app).await;
    let version = app.register_version().await;
    let mut replay = app
        .client
        .get(format!("{}/api/v1/changes/stream", app.address))
        .insert_header(("Last-Event-ID", (version - 1).to_string()))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(replay.status(), 200);
    assert_eq!(
        replay.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let first = read_until(&mut replay, &format!("id: {version}\n")).await;
    assert!(
        !first.contains(&format!("id: {}\n", version - 1)),
        "resumed after, not at: {first}"
    );
    assert!(first.contains("event: change\ndata: {"), "{first}");
    // Idle, it says it is alive; then a new change arrives by itself.
    read_until(&mut replay, ": heartbeat\n\n").await;
    let justice = app.agency_token(Agency::Justice).await;
    let amend = app
        .submit(
            &json!({"event": "amend", "effective_date": "2025-06-01", "stat_id": unit,
                    "changes": {"name": "Altyn Çeşme Täze"}}),
            &justice,
            "live-1",
            None,
        )
        .await;
    assert_eq!(amend.status, 200, "{}", amend.body);
    let live = read_until(&mut replay, "Altyn Çeşme Täze").await;
    assert!(live.contains(&format!("id: {}\n", version + 1)), "{live}");
    // With a limit the stream ends after that many changes.
    let mut two = app
        .client
        .get(format!(
            "{}/api/v1/changes/stream?after=1&limit=2",
            app.address
        ))
        .send()
        .await
        .expect("the stream opens");
    let body = two.body().await.expect("the stream ends");
    let text = String::from_utf8_lossy(&body);
    assert_eq!(text.matches("\nevent: change\n").count(), 2, "{text}");
    assert!(
        text.starts_with("id: 2\n") && text.contains("id: 3\n"),
        "{text}"
    );
    let bad = app
        .client
        .get(format!("{}/api/v1/changes/stream", app.address))
        .insert_header(("Last-Event-ID", "yesterday"))
        .send()
        .await
        .expect("answered");
    assert_eq!(bad.status(), 400);
}
