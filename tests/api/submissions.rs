//! Agencies submit registration events: answers, idempotency, versions, roles.

use serde_json::{json, Value};

use crate::harness::{spawn_app, spawn_app_with, TestApp};
use sanaw::domain::access::{Agency, Role};

/// A justice birth of a company; returns its stat_id.
async fn born(app: &TestApp, token: &str, key: &str, name: &str, reg_number: &str) -> String {
    let answer = app
        .submit(
            &json!({"event": "register", "effective_date": "2024-01-10",
                "unit": {"name": name, "reg_number": reg_number, "legal_form": "HJ",
                         "region": "TM-S", "address": format!("Aşgabat, {name} köçesi 1")}}),
            token,
            key,
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["outcome"], "accepted");
    answer.body["stat_id"]
        .as_str()
        .expect("a stat_id")
        .to_owned()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_registered_unit_is_served_and_found_by_search() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let stat_id = born(&app, &justice, "b-1", "Täze Ýol Gurluşyk", "R-100").await;
    let (status, unit) = app.get(&format!("/api/v1/units/{stat_id}"), None).await;
    assert_eq!(status, 200, "{unit}");
    assert_eq!(unit["attributes"]["name"]["value"], "Täze Ýol Gurluşyk");
    assert_eq!(unit["attributes"]["name"]["source"], "justice");
    assert_eq!(unit["attributes"]["name"]["origin"]["kind"], "submission");
    // The indexer follows the change log: the unit turns up without a reindex.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, found) = app.get("/api/v1/units?q=gurlusyk", None).await;
        let hits = found["results"].as_array().cloned().unwrap_or_default();
        if hits.iter().any(|hit| hit["stat_id"] == stat_id.as_str()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never found: {found}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn an_agency_statement_outranked_by_a_higher_source_is_kept_and_said() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let tax = app.agency_token(Agency::Tax).await;
    let stat_id = born(&app, &justice, "b-1", "Ak Ýol", "R-200").await;
    let answer = app
        .submit(
            &json!({"event": "amend", "effective_date": "2025-03-01", "stat_id": stat_id,
                    "changes": {"name": "Ak Ýol Plus", "turnover": "1234.50"}}),
            &tax,
            "a-1",
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Justice speaks first for names, tax for turnover (docs/SOURCES.md).
    assert_eq!(names(&answer.body["shown"]), ["turnover"]);
    assert_eq!(names(&answer.body["outranked"]), ["name"]);
    let staff = app.token(Role::Statistician).await;
    let (_, unit) = app
        .get(&format!("/api/v1/units/{stat_id}"), Some(&staff))
        .await;
    assert_eq!(unit["attributes"]["name"]["value"], "Ak Ýol");
    assert_eq!(unit["attributes"]["name"]["conflict"], true);
    assert_eq!(
        unit["attributes"]["name"]["others"][0]["value"],
        "Ak Ýol Plus"
    );
    assert_eq!(unit["attributes"]["turnover"]["value"], "1234.50");
    // The public never sees the figure, not even through the answer's unit.
    let (_, public) = app.get(&format!("/api/v1/units/{stat_id}"), None).await;
    assert!(public["attributes"].get("turnover").is_none(), "{public}");
}

#[actix_web::test]
async fn a_statisticians_correction_needs_a_reason_and_outranks_the_sources() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let staff = app.token(Role::Statistician).await;
    let stat_id = born(&app, &justice, "b-1", "Gül Zer", "R-300").await;
    let change = json!({"event": "amend", "effective_date": "2025-01-01", "stat_id": stat_id,
                        "changes": {"name": "Gülzer"}});
    let refused = app.submit(&change, &staff, "c-1", None).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["field"], "reason");
    let mut with_reason = change.clone();
    with_reason["reason"] = json!("spelling confirmed with the founder");
    let answer = app.submit(&with_reason, &staff, "c-2", None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(names(&answer.body["shown"]), ["name"]);
    let (_, unit) = app.get(&format!("/api/v1/units/{stat_id}"), None).await;
    assert_eq!(unit["attributes"]["name"]["value"], "Gülzer");
    assert_eq!(unit["attributes"]["name"]["source"], "register");
}

#[actix_web::test]
async fn the_same_key_and_body_is_answered_again_and_changes_nothing() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let stat_id = born(&app, &justice, "b-1", "Nurly Ýol", "R-400").await;
    let change = json!({"event": "amend", "effective_date": "2025-02-01", "stat_id": stat_id,
                        "changes": {"address": "Mary, Gurbansoltan eje 5"}});
    let first = app.submit(&change, &justice, "k-1", None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!first.replayed);
    let changes = app.change_count().await;
    let again = app.submit(&change, &justice, "k-1", None).await;
    assert_eq!((again.status, &again.body), (200, &first.body));
    assert!(again.replayed);
    assert_eq!(app.change_count().await, changes);
    let other = json!({"event": "amend", "effective_date": "2025-02-01", "stat_id": stat_id,
                       "changes": {"address": "Daşoguz"}});
    let reused = app.submit(&other, &justice, "k-1", None).await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    assert_eq!(app.change_count().await, changes);
    // Keys belong to the agency: another agency's same key is its own.
    let tax = app.agency_token(Agency::Tax).await;
    let theirs = app.submit(&other, &tax, "k-1", None).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
}

#[actix_web::test]
async fn one_key_sent_by_many_clients_at_once_makes_one_change() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let change = json!({"event": "register", "effective_date": "2024-05-05",
                        "unit": {"name": "Bir Gezek", "reg_number": "R-500", "region": "TM-B"}});
    let units_before = app.unit_count().await;
    let sends = (0..8).map(|_| app.submit(&change, &justice, "same", None));
    let answers = futures_util::future::join_all(sends).await;
    let first = &answers[0];
    for answer in &answers {
        assert_eq!((answer.status, &answer.body), (200, &first.body));
    }
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1);
    // A legal unit and its enterprise: one birth.
    assert_eq!(app.unit_count().await, units_before + 2);
}

#[actix_web::test]
async fn a_stale_if_match_is_refused_and_of_two_racing_amends_one_wins() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let stat_id = born(&app, &justice, "b-1", "Bäsdeş", "R-600").await;
    let etag = app.etag(&stat_id).await;
    let amend = |address: &str| {
        json!({"event": "amend", "effective_date": "2025-02-01", "stat_id": stat_id,
               "changes": {"address": address}})
    };
    let (one, two) = (amend("Balkanabat 1"), amend("Balkanabat 2"));
    let (a, b) = futures_util::join!(
        app.submit(&one, &justice, "r-1", Some(&etag)),
        app.submit(&two, &justice, "r-2", Some(&etag)),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", a.body, b.body);
    let loser = if a.status == 412 { &a } else { &b };
    assert_eq!(loser.body["code"], "precondition_failed");
    assert_eq!(loser.body["errors"][0]["field"], "If-Match");
    // The winner's version is the unit's ETag now; with it the loser succeeds.
    let winner = if a.status == 200 { &a } else { &b };
    let fresh = app.etag(&stat_id).await;
    assert_eq!(fresh, format!("\"{}\"", winner.body["version"]));
    let retry = app
        .submit(&amend("Balkanabat 3"), &justice, "r-3", Some(&fresh))
        .await;
    assert_eq!(retry.status, 200, "{}", retry.body);
}

#[actix_web::test]
async fn a_retroactive_amend_goes_into_history_at_its_date() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let stat_id = born(&app, &justice, "b-1", "Köne At", "R-700").await;
    for (key, date, name) in [
        ("h-1", "2025-06-01", "Täze At"),
        ("h-2", "2024-06-01", "Orta At"),
    ] {
        let answer = app
            .submit(
                &json!({"event": "amend", "effective_date": date, "stat_id": stat_id,
                        "changes": {"name": name}}),
                &justice,
                key,
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    for (as_of, name) in [
        ("2024-03-01", "Köne At"),
        ("2024-12-31", "Orta At"),
        ("2025-07-01", "Täze At"),
    ] {
        let (_, unit) = app
            .get(&format!("/api/v1/units/{stat_id}?as_of={as_of}"), None)
            .await;
        assert_eq!(unit["attributes"]["name"]["value"], name, "as of {as_of}");
    }
}

#[actix_web::test]
async fn a_batch_answers_each_event_in_order_and_a_refused_one_changes_nothing() {
    let app = spawn_app_with(|settings| settings.json_limit = 1 << 20).await;
    let justice = app.agency_token(Agency::Justice).await;
    let stat_id = born(&app, &justice, "b-1", "Toplum", "R-800").await;
    let batch = json!([
        {"event": "amend", "effective_date": "2025-01-01", "stat_id": stat_id, "changes": {"address": "Türkmenabat"}},
        {"event": "amend", "effective_date": "2025-01-01", "stat_id": "100000012", "changes": {"address": "x"}},
        {"event": "liquidate", "effective_date": "2025-09-30", "stat_id": stat_id},
        {"event": "explode", "effective_date": "2025-01-01"},
    ]);
    let answer = app.submit(&batch, &justice, "batch-1", None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results = answer.body["results"].as_array().expect("results");
    let outcomes: Vec<&str> = results
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["accepted", "rejected", "accepted", "rejected"]);
    assert_eq!(results[1]["errors"][0]["code"], "stat_id_check_digit");
    assert_eq!(results[3]["errors"][0]["code"], "unknown_event");
    let (_, unit) = app
        .get(&format!("/api/v1/units/{stat_id}?as_of=2025-10-01"), None)
        .await;
    assert_eq!(unit["attributes"]["status"]["value"], "liquidated");
    assert_eq!(unit["attributes"]["death_date"]["value"], "2025-09-30");
    // 1,001 events is one too many, and nothing of it is kept.
    let version = app.register_version().await;
    let event = json!({"event": "amend", "effective_date": "2025-01-01", "stat_id": stat_id, "changes": {"address": "y"}});
    let too_many = Value::Array(vec![event; 1_001]);
    let refused = app.submit(&too_many, &justice, "batch-2", None).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body["code"], "batch_too_large");
    assert_eq!(app.register_version().await, version);
}

/// Sends raw bytes as a submission.
async fn send_raw(
    app: &TestApp,
    token: &str,
    body: &'static str,
    content_type: &str,
) -> (u16, Value) {
    let mut response = app
        .client
        .post(format!("{}/api/v1/submissions", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Idempotency-Key", "raw"))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let bytes = response.body().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn bad_input_gets_a_problem_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let justice = app.agency_token(Agency::Justice).await;
    let tax = app.agency_token(Agency::Tax).await;
    let alive = born(&app, &justice, "b-1", "Diri", "R-900").await;
    let dead = born(&app, &justice, "b-2", "Öli", "R-901").await;
    let killed = app
        .submit(
            &json!({"event": "liquidate", "effective_date": "2024-12-31", "stat_id": dead}),
            &justice,
            "b-3",
            None,
        )
        .await;
    assert_eq!(killed.status, 200, "{}", killed.body);
    let version = app.register_version().await;
    let nobody = sanaw::domain::stat_id::StatId::from_unit_number(5_000_000).to_string();
    let far = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).to_string();
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"event": "amend", "effective_date": 20250101, "stat_id": alive, "changes": {"name": "x"}}),
            400,
            "invalid_parameter",
            "effective_date",
        ),
        (
            json!({"event": "amend", "effective_date": "2025-01-01", "stat_id": alive, "changes": {"employees": "many"}}),
            400,
            "invalid_parameter",
            "changes.employees",
        ),
        (
            json!({"event": "teleport", "effective_date": "2025-01-01"}),
            400,
            "unknown_event",
            "event",
        ),
        (
            json!({"event": "liquidate", "effective_date": "2025-01-01", "stat_id": "12345"}),
            400,
            "stat_id_malformed",
            "stat_id",
        ),
        (
            json!({"event": "liquidate", "effective_date": "2025-01-01", "stat_id": "100000012"}),
            400,
            "stat_id_check_digit",
            "stat_id",
        ),
        (
            json!({"event": "liquidate", "effective_date": "2025-01-01", "stat_id": nobody}),
            404,
            "unit_not_found",
            "stat_id",
        ),
        (
            json!({"event": "liquidate", "effective_date": far, "stat_id": alive}),
            400,
            "date_beyond_horizon",
            "effective_date",
        ),
        (
            json!({"event": "liquidate", "effective_date": "2023-01-01", "stat_id": alive}),
            422,
            "date_before_birth",
            "effective_date",
        ),
        (
            json!({"event": "merge", "effective_date": "2025-01-01", "units": [alive], "survivor": alive}),
            422,
            "into_itself",
            "survivor",
        ),
        (
            json!({"event": "amend", "effective_date": "2025-06-01", "stat_id": dead, "changes": {"name": "Zombi"}}),
            422,
            "unit_not_alive",
            "stat_id",
        ),
        (
            json!({"event": "amend", "effective_date": "2025-06-01", "stat_id": alive, "source": "justice", "changes": {"name": "x"}}),
            403,
            "other_agency",
            "source",
        ),
        (
            json!({"event": "amend", "effective_date": "2025-06-01", "stat_id": alive, "changes": {"name": "x"}, "colour": "red"}),
            400,
            "unknown_value",
            "colour",
        ),
    ];
    for (index, (body, status, code, field)) in cases.into_iter().enumerate() {
        let answer = app.submit(&body, &tax, &format!("bad-{index}"), None).await;
        assert_eq!(answer.status, status, "{body} → {}", answer.body);
        let errors = answer.body["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            errors
                .iter()
                .any(|e| e["code"] == code && e["field"] == field),
            "{body} → {}",
            answer.body
        );
    }
    let (status, body) = send_raw(&app, &tax, "{\"event\": \"amend\",", "application/json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_body")),
        "{body}"
    );
    let (status, body) = send_raw(&app, &tax, "event=amend", "text/plain").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    let huge =
        Box::leak(format!("[{}]", vec!["{\"event\":\"amend\"}"; 2_000].join(",")).into_boxed_str());
    let (status, body) = send_raw(&app, &tax, huge, "application/json").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("body_too_large")),
        "{body}"
    );
    assert_eq!(app.register_version().await, version);
}

#[actix_web::test]
async fn submissions_need_a_key_and_a_role_that_may_submit() {
    let app = spawn_app().await;
    let event =
        json!({"event": "liquidate", "effective_date": "2025-01-01", "stat_id": "100000011"});
    let (status, body) = app.post_json("/api/v1/submissions", &event, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_required"))
    );
    let analyst = app.token(Role::Analyst).await;
    let answer = app.submit(&event, &analyst, "k", None).await;
    assert_eq!(
        (answer.status, answer.body["code"].as_str()),
        (403, Some("role_forbidden"))
    );
    let tax = app.agency_token(Agency::Tax).await;
    let (status, body) = app
        .post_json("/api/v1/submissions", &event, Some(&tax))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    let bad_key = app.submit(&event, &tax, "no spaces please", None).await;
    assert_eq!(bad_key.status, 400, "{}", bad_key.body);
    let bad_etag = app.submit(&event, &tax, "k2", Some("yesterday")).await;
    assert_eq!(
        bad_etag.body["errors"][0]["field"], "If-Match",
        "{}",
        bad_etag.body
    );
}
