//! Tokens: created once, stored hashed, checked on every call.

use diesel::prelude::*;
use sanaw::domain::access::Role;
use sanaw::store::schema::api_tokens;

use crate::harness::spawn_app;

#[actix_web::test]
async fn token_create_prints_a_token_once_and_stores_only_its_hash() {
    let app = spawn_app().await;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command
        .args([
            "token",
            "create",
            "--role",
            "statistician",
            "--label",
            "Aýna",
        ])
        .env("SANAW_DATA_DIR", &app.data_dir)
        .env("RUST_LOG", "warn");
    match &app.database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let output = command.output().expect("sanaw runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let secret = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(
        secret.starts_with("sanaw_") && secret.len() > 40,
        "{secret}"
    );

    let stored: Vec<String> = app
        .db
        .read(|conn| {
            Ok(api_tokens::table
                .select(api_tokens::token_hash)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], secret);
    assert!(!stored[0].contains(&secret[6..]));

    let (status, body) = app.get("/health", Some(&secret)).await;
    assert_eq!(status, 200, "{body}");
    let (_, unit_body) = app.get("/api/v1/tokens", Some(&secret)).await;
    assert_eq!(unit_body["status"], 403);
}

#[actix_web::test]
async fn token_create_refuses_bad_arguments_with_exit_code_2() {
    let app = spawn_app().await;
    for args in [
        vec!["token", "create", "--role", "superuser"],
        vec!["token", "create", "--role", "agency"],
        vec!["token", "create", "--role", "analyst", "--agency", "tax"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sanaw"))
            .args(&args)
            .env("SANAW_DATA_DIR", &app.data_dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[actix_web::test]
async fn only_admins_manage_tokens() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let statistician = app.token(Role::Statistician).await;
    let url = format!("{}/api/v1/tokens", app.address);
    let body =
        serde_json::json!({"role": "agency", "agency": "justice", "label": "justice ministry"});

    let anonymous = app.client.post(&url).send_json(&body).await.unwrap();
    let forbidden = app
        .client
        .post(&url)
        .insert_header(("Authorization", format!("Bearer {statistician}")))
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(forbidden.status().as_u16(), 403);

    let mut created = app
        .client
        .post(&url)
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let agency_token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["agency"], "justice");

    let (_, listed) = app.get("/api/v1/tokens", Some(&admin)).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert!(!serde_json::Value::from(listed.clone())
        .to_string()
        .contains(&agency_token));
    let id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(listed[0]["agency"], "justice");

    // Used once, the token is remembered as valid; revoking must forget it.
    let (status, _) = app.get("/api/v1/regions", Some(&agency_token)).await;
    assert_eq!(status, 200);
    let revoked = app
        .client
        .delete(format!("{url}/{id}"))
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    let (status, _) = app.get("/api/v1/regions", Some(&agency_token)).await;
    assert_eq!(status, 401, "a revoked token stops working");
}

#[actix_web::test]
async fn token_bodies_are_validated_and_size_limited() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let url = format!("{}/api/v1/tokens", app.address);
    let post = |body: String| {
        app.client
            .post(&url)
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .insert_header(("Content-Type", "application/json"))
            .send_body(body)
    };
    let cases = [
        (r#"{"role": "root"}"#.to_owned(), 400, "body"),
        (r#"{"role": "agency"}"#.to_owned(), 400, "agency"),
        (
            r#"{"role": "analyst", "colour": "red"}"#.to_owned(),
            400,
            "colour",
        ),
        ("{not json".to_owned(), 400, "body"),
        (
            format!(r#"{{"role": "analyst", "label": "{}"}}"#, "x".repeat(300)),
            400,
            "label",
        ),
    ];
    for (body, status, field) in cases {
        let mut response = post(body.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let huge = format!(
        r#"{{"role": "analyst", "label": "{}"}}"#,
        "x".repeat(100_000)
    );
    let response = post(huge).await.unwrap();
    assert_eq!(response.status().as_u16(), 413);
}
