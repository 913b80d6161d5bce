//! Health, the OpenAPI document and the offline API docs.

use crate::harness::spawn_app;

#[actix_web::test]
async fn health_answers_ok_once_database_and_index_are_usable() {
    let app = spawn_app().await;
    let (status, body) = app.get("/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let expected = if app.database_url.is_some() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[actix_web::test]
async fn the_served_openapi_document_is_the_one_in_the_repository() {
    let app = spawn_app().await;
    let (status, served) = app.get("/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(served["openapi"], "3.1.0");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("openapi/openapi.json"))
            .unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
    for route in [
        "/api/v1/units/{stat_id}",
        "/api/v1/units/{stat_id}/history",
        "/api/v1/units/{stat_id}/links",
        "/health",
    ] {
        assert!(served["paths"][route].is_object(), "{route} undocumented");
    }
}

#[actix_web::test]
async fn the_api_docs_work_without_internet() {
    let app = spawn_app().await;
    let mut page = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains("swagger-ui"));
    // Every script and stylesheet comes from this server, none from a CDN.
    for reference in html
        .split(['"', '\''])
        .filter(|s| s.ends_with(".js") || s.ends_with(".css"))
    {
        assert!(!reference.contains("://"), "external asset {reference}");
        let url = format!(
            "{}/docs/{}",
            app.address,
            reference.trim_start_matches("./")
        );
        let asset = app.client.get(&url).send().await.unwrap();
        assert_eq!(asset.status().as_u16(), 200, "{url}");
    }
    let redirect = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert!(redirect.status().is_redirection() || redirect.status().is_success());
}
