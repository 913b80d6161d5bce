//! The audit trail: who did what through which act, readable by admins and
//! by each agency for itself, and a chain that `sanaw audit verify` checks.

use std::process::Command;

use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::harness::{spawn_app, TestApp};
use sanaw::domain::access::{Agency, Role};

const JUSTICE: &str = "reg_number,name,legal_form_code,registration_date,address,region\n\
    A-1,Arassa Suw HJ,HJ,2015-05-05,\"Daşoguz, Nurmuhammet Andalyp 4\",TM-D\n";

async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, page) = app.get("/api/v1/audit?limit=1000", Some(token)).await;
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().expect("entries").clone()
}

/// Runs `sanaw audit verify` on the app's database: exit code and output.
fn verify(app: &TestApp) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command
        .args(["audit", "verify"])
        .env("SANAW_DATA_DIR", &app.data_dir)
        .env("RUST_LOG", "error");
    match &app.database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let output = command.output().expect("sanaw runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

async fn sql(app: &TestApp, statement: &'static str) {
    app.db
        .write(move |conn| Ok(diesel::sql_query(statement).execute(conn)?))
        .await
        .expect("the statement runs");
}

/// A load by the justice ministry, a tax amend and a tax amend refused.
async fn some_history(app: &TestApp) -> String {
    let justice = app.agency_token(Agency::Justice).await;
    let report = app.load_done("source=justice", JUSTICE, &justice).await;
    assert_eq!(report["units_created"], 1, "{report}");
    let stat_id = app.links_export()[0].unit_id.clone();
    let tax = app.agency_token(Agency::Tax).await;
    let amend = json!({"event": "amend", "effective_date": "2025-01-01", "stat_id": stat_id,
                       "changes": {"turnover": "99.00"}});
    assert_eq!(app.submit(&amend, &tax, "t-1", None).await.status, 200);
    let dead = json!({"event": "reactivate", "effective_date": "2025-01-01", "stat_id": stat_id});
    assert_eq!(app.submit(&dead, &tax, "t-2", None).await.status, 422);
    stat_id
}

#[actix_web::test]
async fn the_trail_says_who_did_what_through_which_act() {
    let app = spawn_app().await;
    some_history(&app).await;
    let admin = app.token(Role::Admin).await;
    let all = entries(&app, &admin).await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["load", "submission", "submission"]);
    let load = &all[0];
    assert_eq!(load["agency"], "justice");
    assert_eq!(load["subject"], "load:1");
    // The load's request hash is the file's SHA-256.
    assert_eq!(
        load["request_hash"],
        sanaw::domain::audit::sha256_hex(JUSTICE.as_bytes())
    );
    assert!(load["first_seq"].as_i64().unwrap() >= 1);
    assert!(all[1]["actor"].as_str().unwrap().contains("agency"));
    assert_eq!(all[1]["outcome"], "accepted 1, review 0, rejected 0");
    assert_eq!(all[2]["outcome"], "accepted 0, review 0, rejected 1");
    assert_eq!(all[2]["first_seq"], Value::Null);
    for pair in all.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    // An agency reads its own entries; others may not read the trail.
    let tax = app.agency_token(Agency::Tax).await;
    let own = entries(&app, &tax).await;
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|e| e["agency"] == "tax"));
    let analyst = app.token(Role::Analyst).await;
    assert_eq!(app.get("/api/v1/audit", Some(&analyst)).await.0, 403);
    assert_eq!(app.get("/api/v1/audit", None).await.0, 401);
}

#[actix_web::test]
async fn audit_verify_finds_an_altered_a_deleted_and_a_truncated_entry() {
    let app = spawn_app().await;
    some_history(&app).await;
    let (code, text) = verify(&app);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("3 entries"), "{text}");

    sql(
        &app,
        "UPDATE audit_log SET outcome = 'accepted 5, review 0, rejected 0' WHERE id = 2",
    )
    .await;
    let (code, text) = verify(&app);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("entry 2 was altered"), "{text}");
    sql(
        &app,
        "UPDATE audit_log SET outcome = 'accepted 1, review 0, rejected 0' WHERE id = 2",
    )
    .await;
    assert_eq!(verify(&app).0, 0);

    sql(
        &app,
        "UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE id = 1) WHERE id = 3",
    )
    .await;
    let (code, text) = verify(&app);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("entry 3"), "{text}");

    sql(&app, "DELETE FROM audit_log WHERE id = 2").await;
    let (code, text) = verify(&app);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("entry 2 is missing"), "{text}");
}

#[actix_web::test]
async fn deleting_the_newest_entries_is_found_too() {
    let app = spawn_app().await;
    some_history(&app).await;
    sql(&app, "DELETE FROM audit_log WHERE id = 3").await;
    let (code, text) = verify(&app);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("should end at entry 3 but ends at 2"),
        "{text}"
    );
}
