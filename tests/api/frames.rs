//! Frozen frames: identical bytes forever, described, refused precisely.

use sanaw::domain::access::Role;
use sha2::{Digest, Sha256};

use crate::export::{fetch, sanaw};
use crate::harness::{day, justice, spawn_app, statistics, TestApp};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn freeze(app: &TestApp, body: serde_json::Value, token: &str) -> (u16, serde_json::Value) {
    app.post_json("/api/v1/frames", &body, Some(token)).await
}

#[actix_web::test]
async fn a_frame_keeps_its_bytes_through_corrections_and_reloads() {
    let app = spawn_app().await;
    let (first, _) = app.legal_unit(justice("A1", "Ak ýol", "2010-01-01")).await;
    app.write(move |w| w.record(first, &statistics(42, "62.10", "2010-01-01")))
        .await;
    app.legal_unit(justice("B2", "Bereket", "2015-01-01")).await;
    let analyst = app.token(Role::Analyst).await;
    let (status, frame) = freeze(
        &app,
        serde_json::json!({"name": "sbs-2024", "reference_date": "2024-12-31"}),
        &analyst,
    )
    .await;
    assert_eq!(status, 201, "{frame}");
    assert_eq!(frame["unit_count"], 4);
    assert_eq!(frame["reference_date"], "2024-12-31");
    assert!(
        frame["frozen_by"].as_str().unwrap().contains("analyst"),
        "{frame}"
    );

    let admin = app.token(Role::Admin).await;
    let whole = "/api/v1/frames/sbs-2024/units.csv?raw=true";
    let before = fetch(&app, whole, Some(&admin), false).await;
    assert_eq!(before.status, 200, "{}", before.problem());
    assert_eq!(
        sha256(&before.body),
        frame["checksum"],
        "the checksum is the whole frame's"
    );
    let banded_before = fetch(
        &app,
        "/api/v1/frames/sbs-2024/units.csv",
        Some(&analyst),
        false,
    )
    .await;
    let live_before = fetch(
        &app,
        "/api/v1/export/units.csv?as_of=2024-12-31&raw=true",
        Some(&admin),
        false,
    )
    .await;

    // A correction to the same period, a unit born in it, and a reload.
    let mut renamed = justice("A1", "Ak ýol Holding", "2010-01-01");
    renamed.values.employees = None;
    app.write(move |w| w.record(first, &renamed)).await;
    app.write(move |w| w.record(first, &statistics(300, "62.10", "2020-01-01")))
        .await;
    app.legal_unit(justice("C3", "Täze", "2018-01-01")).await;
    let statistician = app.token(Role::Statistician).await;
    let extract =
        "reg_number,name,registration_date\nA1,Ak ýol Holding,2010-01-01\nD4,Dostluk,2016-01-01\n";
    app.load_done(
        "source=justice&effective_date=2016-01-01",
        extract.as_bytes().to_vec(),
        &statistician,
    )
    .await;

    let after = fetch(&app, whole, Some(&admin), false).await;
    assert_eq!(after.body, before.body, "a frame's bytes never change");
    let banded_after = fetch(
        &app,
        "/api/v1/frames/sbs-2024/units.csv",
        Some(&analyst),
        false,
    )
    .await;
    assert_eq!(banded_after.body, banded_before.body);
    let live_after = fetch(
        &app,
        "/api/v1/export/units.csv?as_of=2024-12-31&raw=true",
        Some(&admin),
        false,
    )
    .await;
    assert_ne!(
        live_after.body, live_before.body,
        "the live register did change"
    );

    let (code, written, stderr) = sanaw(&app, &["export", "frame", "sbs-2024", "--raw"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        written, before.body,
        "the command line writes the same bytes"
    );
    let (code, _, _) = sanaw(&app, &["export", "frame", "nope"]);
    assert_eq!(code, 1);
}

#[actix_web::test]
async fn frames_are_listed_and_described_and_take_filters() {
    let app = spawn_app().await;
    app.legal_unit(justice("A1", "Ak ýol", "2010-01-01")).await;
    let mut lebap = justice("B2", "Bereket", "2011-01-01");
    lebap.values.region = Some("TM-L".into());
    app.legal_unit(lebap).await;
    let token = app.token(Role::Statistician).await;
    let (status, frame) = freeze(
        &app,
        serde_json::json!({"name": "lebap.2023", "reference_date": "2023-06-30",
            "filters": {"region": "TM-L", "kind": "legal_unit"}}),
        &token,
    )
    .await;
    assert_eq!(status, 201, "{frame}");
    assert_eq!(frame["unit_count"], 1);
    assert_eq!(frame["filters"]["region"], "TM-L");
    let (status, listed) = app.get("/api/v1/frames", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["name"], "lebap.2023");
    let (status, described) = app.get("/api/v1/frames/lebap.2023", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(described, frame);
    let rows = fetch(
        &app,
        "/api/v1/frames/lebap.2023/units.csv?columns=name,region",
        Some(&token),
        false,
    )
    .await
    .rows();
    assert_eq!(rows, [vec!["name", "region"], vec!["Bereket", "TM-L"]]);
    let _ = day("2023-06-30");
}

#[actix_web::test]
async fn bad_frame_requests_get_precise_problems() {
    let app = spawn_app().await;
    let token = app.token(Role::Analyst).await;
    let good = serde_json::json!({"name": "f1", "reference_date": "2024-01-01"});
    assert_eq!(freeze(&app, good.clone(), &token).await.0, 201);
    for (body, status, field, code) in [
        (good.clone(), 409, "name", "frame_exists"),
        (
            serde_json::json!({"name": "f2", "reference_date": "2024-13-01"}),
            400,
            "reference_date",
            "invalid_date",
        ),
        (
            serde_json::json!({"name": "a b", "reference_date": "2024-01-01"}),
            400,
            "name",
            "invalid_parameter",
        ),
        (
            serde_json::json!({"name": "f3", "reference_date": "2024-01-01", "filters": {"region": "XX"}}),
            400,
            "filters.region",
            "unknown_value",
        ),
        (
            serde_json::json!({"name": "f4", "reference_date": "2024-01-01", "filters": {"colour": "red"}}),
            400,
            "colour",
            "invalid_body",
        ),
    ] {
        let (got, problem) = freeze(&app, body.clone(), &token).await;
        assert_eq!(got, status, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
        assert_eq!(
            problem["code"]
                .as_str()
                .or(problem["errors"][0]["code"].as_str()),
            Some(code),
            "{body}: {problem}"
        );
    }
    let (status, problem) = app.get("/api/v1/frames/nope", Some(&token)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("frame_not_found"))
    );
    let missing = fetch(&app, "/api/v1/frames/nope/units.csv", Some(&token), false).await;
    assert_eq!(missing.status, 404);
    let unknown = fetch(
        &app,
        "/api/v1/frames/f1/units.csv?columns=colour",
        Some(&token),
        false,
    )
    .await;
    assert_eq!(unknown.problem()["code"], "unknown_column");
    let (status, _) = app.get("/api/v1/frames", None).await;
    assert_eq!(status, 401, "frames are for staff and analysts");
    let agency = app.token(Role::Agency).await;
    assert_eq!(freeze(&app, good, &agency).await.0, 403);
}
