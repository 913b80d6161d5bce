//! The review queue over HTTP: rows the matcher would not decide, the
//! statistician's decision, and later loads remembering it.

use serde_json::json;

use sanaw::domain::access::Role;
use sanaw::domain::stat_id::StatId;

use crate::harness::{assert_whole, spawn_app, LinkRow, TestApp};

/// A keyless survey row whose name is like nothing in the register.
const STRANGER: &str = "name;employees;reference_year\nZzyzx Qwrtp Vlakh;12;2024\n";

/// A justice unit, and a keyless survey row naming it without its legal
/// form, address or region: a candidate, but not enough to link.
const ALTYN_JUSTICE: &str = "reg_number,name,legal_form_code,registration_date,address,region\n\
    K-500,Altyn Çeşme HJ,ES,2010-01-01,\"Aşgabat, Azady köçesi, jaý 1\",TM-S\n";
const ALTYN_SURVEY: &str =
    "name;employees;institutional_sector;reference_year\nAltyn Çeşme;37;S11;2024\n";

/// The statistics rows of the links export.
fn statistics_links(app: &TestApp) -> Vec<LinkRow> {
    app.links_export()
        .into_iter()
        .filter(|row| row.source == "statistics")
        .collect()
}

/// The stat_id the links export gives a row's key.
fn unit_of(app: &TestApp, key: &str) -> String {
    app.links_export()
        .into_iter()
        .find(|row| row.source_key == key)
        .unwrap_or_else(|| panic!("{key} in the links export"))
        .unit_id
}

/// The open review items.
async fn open_items(app: &TestApp, token: &str) -> serde_json::Value {
    let (status, page) = app.get("/api/v1/review", Some(token)).await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn decide(
    app: &TestApp,
    id: &serde_json::Value,
    decision: serde_json::Value,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    app.post_json(&format!("/api/v1/review/{id}"), &decision, token)
        .await
}

#[actix_web::test]
async fn a_row_matching_nothing_waits_for_review_and_create_makes_its_unit() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done("source=justice", ALTYN_JUSTICE, &token).await;
    let units = app.unit_count().await;

    let report = app.load_done("source=statistics", STRANGER, &token).await;
    assert_whole(&app, &report, &token).await;
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["review_opened"], 1);
    assert_eq!(report["units_created"], 0, "not silently a new unit");
    assert_eq!(report["links"], json!({"review": 1}));
    assert_eq!(app.unit_count().await, units);
    let load_id = report["load_id"].clone();
    let exported = statistics_links(&app);
    assert_eq!(exported.len(), 1);
    assert_eq!(
        (
            exported[0].line,
            exported[0].method.as_str(),
            exported[0].unit_id.as_str()
        ),
        (2, "review", "")
    );

    let page = open_items(&app, &token).await;
    assert_eq!(page["open"], 1, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["source"], "statistics");
    assert_eq!(item["source_key"], serde_json::Value::Null);
    assert_eq!(item["load_id"], load_id);
    assert_eq!(item["line"], 2);
    assert_eq!(item["status"], "open");
    assert_eq!(item["stat_id"], serde_json::Value::Null);
    assert_eq!(item["row"]["name"], "Zzyzx Qwrtp Vlakh");
    assert_eq!(item["row"]["employees"], 12);
    assert!(
        !item["reason"].as_str().unwrap().is_empty(),
        "the reason is given: {item}"
    );
    for candidate in item["candidates"].as_array().unwrap() {
        assert!(candidate["score"].as_f64().unwrap() < 14.0, "{candidate}");
    }

    let (status, decided) = decide(
        &app,
        &item["id"],
        json!({"decision": "create"}),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "created");
    assert!(
        decided["decided_by"]
            .as_str()
            .unwrap()
            .contains("statistician"),
        "{decided}"
    );
    assert!(decided["decided_at"].is_string());
    let stat_id = decided["stat_id"]
        .as_str()
        .expect("the new unit")
        .to_owned();
    assert!(app.unit_count().await > units);

    let (status, unit) = app
        .get(&format!("/api/v1/units/{stat_id}"), Some(&token))
        .await;
    assert_eq!(status, 200, "{unit}");
    assert_eq!(unit["kind"], "legal_unit");
    assert_eq!(unit["attributes"]["name"]["value"], "Zzyzx Qwrtp Vlakh");
    assert_eq!(unit["attributes"]["name"]["source"], "statistics");
    assert_eq!(unit["attributes"]["employees"]["value"], 12);
    assert_eq!(unit["attributes"]["name"]["origin"]["kind"], "review");
    let (_, history) = app
        .get(&format!("/api/v1/units/{stat_id}/history"), None)
        .await;
    assert_eq!(history["events"][0]["kind"], "birth", "{history}");

    assert_eq!(open_items(&app, &token).await["open"], 0);
    let (_, created) = app.get("/api/v1/review?status=created", Some(&token)).await;
    assert_eq!(
        created["items"][0]["stat_id"],
        stat_id.as_str(),
        "{created}"
    );
    // The export follows the decision.
    let exported = statistics_links(&app);
    assert_eq!(
        (exported[0].method.as_str(), exported[0].unit_id.as_str()),
        ("manual", stat_id.as_str())
    );

    // The next extract with the same row: the decision is remembered.
    let units = app.unit_count().await;
    let version = app.register_version().await;
    let again = app.load_done("source=statistics", STRANGER, &token).await;
    assert_whole(&app, &again, &token).await;
    assert_eq!(again["review_opened"], 0, "{again}");
    assert_eq!(again["review_pending"], 0);
    assert_eq!(again["units_created"], 0);
    assert_eq!(again["units_unchanged"], 1);
    assert_eq!(again["links"], json!({"manual": 1}));
    assert_eq!(app.unit_count().await, units);
    assert_eq!(app.register_version().await, version);
    let exported = statistics_links(&app);
    assert_eq!(exported[0].load_id, again["load_id"].as_i64().unwrap());
    assert_eq!(
        (exported[0].method.as_str(), exported[0].unit_id.as_str()),
        ("manual", stat_id.as_str())
    );
    assert_eq!(open_items(&app, &token).await["open"], 0);

    // Next year's survey: the same enterprise with more staff. The decision
    // still holds, and the unit is updated.
    let next_year = STRANGER.replace(";12;", ";15;");
    let later = app.load_done("source=statistics", next_year, &token).await;
    assert_whole(&app, &later, &token).await;
    assert_eq!(later["links"], json!({"manual": 1}), "{later}");
    assert_eq!(later["review_opened"], 0);
    assert_eq!(later["units_updated"], 1);
    let (_, unit) = app
        .get(&format!("/api/v1/units/{stat_id}"), Some(&token))
        .await;
    assert_eq!(unit["attributes"]["employees"]["value"], 15);
    assert_eq!(app.unit_count().await, units);
}

#[actix_web::test]
async fn linking_a_reviewed_row_gives_the_unit_its_survey_record() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done("source=justice", ALTYN_JUSTICE, &token).await;
    let unit = unit_of(&app, "K-500");

    let report = app
        .load_done("source=statistics", ALTYN_SURVEY, &token)
        .await;
    assert_eq!(report["review_opened"], 1, "{report}");
    let page = open_items(&app, &token).await;
    let item = &page["items"][0];
    // The justice unit is offered, with the evidence for it.
    let candidate = &item["candidates"][0];
    assert_eq!(candidate["stat_id"], unit.as_str(), "{item}");
    assert_eq!(candidate["name"], "Altyn Çeşme HJ");
    let evidence = candidate["evidence"].as_array().unwrap();
    let name = evidence
        .iter()
        .find(|e| e["field"] == "name")
        .expect("name evidence");
    assert!(
        name["level"].is_string() && name["similarity"].is_number() && name["weight"].is_number()
    );
    let (_, before) = app
        .get(&format!("/api/v1/units/{unit}"), Some(&token))
        .await;
    assert!(before["attributes"].get("employees").is_none(), "{before}");

    let (status, decided) = decide(
        &app,
        &item["id"],
        json!({"decision": "link", "stat_id": unit, "note": "same enterprise"}),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "linked");
    assert_eq!(decided["stat_id"], unit.as_str());
    assert_eq!(decided["note"], "same enterprise");

    let (_, after) = app
        .get(&format!("/api/v1/units/{unit}"), Some(&token))
        .await;
    let attributes = &after["attributes"];
    assert_eq!(attributes["employees"]["value"], 37, "{after}");
    assert_eq!(attributes["employees"]["source"], "statistics");
    assert_eq!(attributes["institutional_sector"]["value"], "S11");
    // Justice still names the unit; the survey's spelling is kept beside it.
    assert_eq!(attributes["name"]["value"], "Altyn Çeşme HJ");
    assert!(
        attributes["name"]["others"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["source"] == "statistics" && o["value"] == "Altyn Çeşme"),
        "{after}"
    );

    let again = app
        .load_done("source=statistics", ALTYN_SURVEY, &token)
        .await;
    assert_whole(&app, &again, &token).await;
    assert_eq!(again["links"], json!({"manual": 1}), "{again}");
    assert_eq!(again["review_opened"], 0);
    assert_eq!(again["units_unchanged"], 1);
    let exported = statistics_links(&app);
    assert_eq!(exported[0].unit_id, unit);
}

#[actix_web::test]
async fn a_rejected_row_is_rejected_by_later_loads() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done("source=statistics", STRANGER, &token).await;
    let units = app.unit_count().await;
    let item = open_items(&app, &token).await["items"][0].clone();

    let (status, decided) = decide(
        &app,
        &item["id"],
        json!({"decision": "reject", "note": "a survey test record"}),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "rejected");
    assert_eq!(decided["stat_id"], serde_json::Value::Null);
    assert_eq!(decided["note"], "a survey test record");
    assert_eq!(app.unit_count().await, units);

    let again = app.load_done("source=statistics", STRANGER, &token).await;
    assert_whole(&app, &again, &token).await;
    assert_eq!(again["rejected"], 1, "{again}");
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["review_opened"], 0);
    let rejection = &again["rejections"][0];
    assert_eq!(rejection["line"], 2);
    assert!(
        rejection["reason"].as_str().unwrap().contains("review"),
        "{rejection}"
    );
    assert_eq!(open_items(&app, &token).await["open"], 0);
    assert_eq!(app.unit_count().await, units);
}

/// docs/CONTRACT.md: `unit_id` is empty only while a row is in review. A row
/// rejected in review is no longer in review, and has no unit.
#[actix_web::test]
async fn a_row_rejected_in_review_is_not_exported_as_a_manual_link_without_a_unit() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done("source=statistics", STRANGER, &token).await;
    let item = open_items(&app, &token).await["items"][0].clone();
    let (status, _) = decide(
        &app,
        &item["id"],
        json!({"decision": "reject"}),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);

    for row in app.links_export() {
        assert!(
            !row.unit_id.is_empty() || row.method == "review",
            "a link with neither a unit nor review: {row:?}"
        );
    }
}

#[actix_web::test]
async fn decisions_and_queue_reads_are_checked() {
    let app = spawn_app().await;
    let statistician = app.token(Role::Statistician).await;
    let admin = app.token(Role::Admin).await;
    let analyst = app.token(Role::Analyst).await;
    let agency = app.token(Role::Agency).await;
    app.load_done("source=justice", ALTYN_JUSTICE, &statistician)
        .await;
    let unit = unit_of(&app, "K-500");
    let (_, related) = app.get(&format!("/api/v1/units/{unit}/links"), None).await;
    let enterprise = related["links"][0]["stat_id"].as_str().unwrap().to_owned();
    assert_eq!(related["links"][0]["kind"], "enterprise_of");
    let survey = "name;reference_year\nZzyzx Qwrtp Vlakh;2024\nÝxxqwv Bbbzrt;2024\n";
    let report = app
        .load_done("source=statistics", survey, &statistician)
        .await;
    assert_eq!(report["review_opened"], 2, "{report}");
    let page = open_items(&app, &statistician).await;
    let first = page["items"][0]["id"].clone();
    let second = page["items"][1]["id"].clone();

    // Who may read the queue and decide.
    for (token, expected) in [(None, 401), (Some(&analyst), 403), (Some(&agency), 403)] {
        let (status, _) = app.get("/api/v1/review", token.map(String::as_str)).await;
        assert_eq!(status, expected);
        let (status, _) = decide(
            &app,
            &first,
            json!({"decision": "create"}),
            token.map(String::as_str),
        )
        .await;
        assert_eq!(status, expected);
    }

    let unknown_unit = StatId::from_unit_number(999_999).to_string();
    for (body, expected, field) in [
        (json!({"decision": "merge"}), 400, Some("decision")),
        (json!({"decision": ""}), 400, Some("decision")),
        (json!({"decision": "link"}), 400, Some("stat_id")),
        (
            json!({"decision": "link", "stat_id": "12345"}),
            400,
            Some("stat_id"),
        ),
        (
            json!({"decision": "link", "stat_id": enterprise}),
            400,
            Some("stat_id"),
        ),
        (
            json!({"decision": "create", "stat_id": unit}),
            400,
            Some("stat_id"),
        ),
        (json!({"decision": "reject", "why": "x"}), 400, Some("why")),
        (
            json!({"decision": "link", "stat_id": unknown_unit}),
            404,
            None,
        ),
    ] {
        let (status, problem) = decide(&app, &first, body.clone(), Some(&statistician)).await;
        assert_eq!(status, expected, "{body}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
        }
    }
    let (status, _) = decide(
        &app,
        &json!(999_999),
        json!({"decision": "create"}),
        Some(&statistician),
    )
    .await;
    assert_eq!(status, 404);
    // Nothing above decided anything.
    assert_eq!(open_items(&app, &statistician).await["open"], 2);

    let (status, decided) = decide(&app, &first, json!({"decision": "create"}), Some(&admin)).await;
    assert_eq!(status, 200, "{decided}");
    let units = app.unit_count().await;
    for body in [
        json!({"decision": "reject"}),
        json!({"decision": "create"}),
        json!({"decision": "link", "stat_id": unit}),
    ] {
        let (status, problem) = decide(&app, &first, body.clone(), Some(&statistician)).await;
        assert_eq!(status, 409, "{body}: {problem}");
    }
    assert_eq!(
        app.unit_count().await,
        units,
        "a second decision changed the register"
    );
    let (_, created) = app
        .get("/api/v1/review?status=created", Some(&statistician))
        .await;
    assert_eq!(created["items"].as_array().unwrap().len(), 1);
    assert_eq!(created["items"][0]["stat_id"], decided["stat_id"]);
    assert_eq!(created["items"][0]["status"], "created");

    // Filters and paging.
    let (_, decided_second) = decide(
        &app,
        &second,
        json!({"decision": "reject"}),
        Some(&statistician),
    )
    .await;
    assert_eq!(decided_second["status"], "rejected");
    let third = app
        .load_done(
            "source=statistics",
            "name;reference_year\nQqqvv Xyzzy;2024\nWwwzzk Pfftq;2024\n",
            &statistician,
        )
        .await;
    assert_eq!(third["review_opened"], 2, "{third}");
    let (_, page) = app.get("/api/v1/review?limit=1", Some(&statistician)).await;
    assert_eq!(page["open"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next_after"].clone();
    assert_eq!(next, page["items"][0]["id"]);
    let (_, rest) = app
        .get(
            &format!("/api/v1/review?limit=1&after={next}"),
            Some(&statistician),
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["items"][0]["id"].as_i64() > next.as_i64());
    assert_eq!(rest["next_after"], serde_json::Value::Null);
    let (_, tax_only) = app
        .get("/api/v1/review?source=tax", Some(&statistician))
        .await;
    assert_eq!(tax_only["items"], json!([]));
    let (_, rejected) = app
        .get(
            "/api/v1/review?status=rejected&source=statistics",
            Some(&statistician),
        )
        .await;
    assert_eq!(rejected["items"][0]["id"], second);
    for (query, field) in [
        ("status=maybe", "status"),
        ("source=customs", "source"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
    ] {
        let (status, problem) = app
            .get(&format!("/api/v1/review?{query}"), Some(&statistician))
            .await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

/// Decisions racing each other, and a load bringing the item's row again:
/// exactly one decision applies, the others are told it was decided.
#[actix_web::test]
async fn of_concurrent_decisions_on_one_item_exactly_one_applies() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done("source=statistics", STRANGER, &token).await;
    let item = open_items(&app, &token).await["items"][0]["id"].clone();
    let units = app.unit_count().await;

    let decisions =
        (0..8).map(|_| decide(&app, &item, json!({"decision": "create"}), Some(&token)));
    let reload = app.load("source=statistics", STRANGER, &token);
    let (answers, reloaded) =
        futures_util::future::join(futures_util::future::join_all(decisions), reload).await;

    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    for (status, problem) in answers.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(*status, 409, "{problem}");
        assert_eq!(problem["code"], "review_item_decided", "{problem}");
    }
    assert_eq!(reloaded["status"], "done", "{reloaded}");
    assert_eq!(
        app.unit_count().await,
        units + 2,
        "one legal unit and its enterprise"
    );
    assert_eq!(open_items(&app, &token).await["open"], 0);
}
