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

#[actix_web::test]
async fn a_method_a_route_does_not_have_is_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("PUT", "/api/v1/units/100000011", "GET"),
        ("DELETE", "/api/v1/loads", "GET, POST"),
        ("POST", "/health", "GET"),
        ("PATCH", "/api/v1/tokens/7", "DELETE"),
    ] {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut response = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(
            response.headers().get("allow").unwrap(),
            allow,
            "{method} {path}"
        );
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "method_not_allowed");
    }
    let (status, problem) = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "route_not_found");
}

#[actix_web::test]
async fn every_answer_says_its_content_type_is_not_to_be_sniffed() {
    let app = spawn_app().await;
    for path in [
        "/health",
        "/api/v1/units/12345",
        "/openapi.json",
        "/nowhere",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers().get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
    }
}

#[actix_web::test]
async fn the_description_lists_every_problem_code_with_its_status() {
    let document = sanaw::api::openapi();
    let description = document.info.description.expect("a description");
    for code in sanaw::api::error::Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.status());
        assert!(description.contains(&row), "{row} missing");
    }
}
