//! Reference data shipped in fixtures/ and loaded at migration time.

use crate::harness::spawn_app;

#[actix_web::test]
async fn a_nace_division_lists_its_groups() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/classifications/nace/62", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["level"], 2);
    // NACE Rev. 2.1 moved programming from section J to K.
    assert_eq!(body["parent"]["code"], "K");
    let children: Vec<&str> = body["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["62.1", "62.2", "62.9"]);
}

#[actix_web::test]
async fn a_nace_class_is_found_with_or_without_its_dot() {
    let app = spawn_app().await;
    for code in ["62.10", "6210"] {
        let (status, body) = app
            .get(&format!("/api/v1/classifications/nace/{code}"), None)
            .await;
        assert_eq!(status, 200, "{code}");
        assert_eq!(body["code"], "62.10");
        assert_eq!(body["title"], "Computer programming activities");
        assert_eq!(body["level"], 4);
        assert_eq!(body["parent"]["code"], "62.1");
        assert_eq!(body["children"], serde_json::json!([]));
    }
    let (_, sections) = app.get("/api/v1/classifications/nace", None).await;
    assert_eq!(sections.as_array().unwrap().len(), 22);
}

#[actix_web::test]
async fn isic_codes_are_served_too() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/classifications/isic/0111", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["scheme"], "isic");
    assert_eq!(body["parent"]["code"], "011");
    let (_, sections) = app.get("/api/v1/classifications/isic", None).await;
    assert_eq!(sections.as_array().unwrap().len(), 21);
}

#[actix_web::test]
async fn unknown_and_malformed_codes_are_told_apart() {
    let app = spawn_app().await;
    let (unknown, _) = app.get("/api/v1/classifications/nace/99.99", None).await;
    let (malformed, body) = app.get("/api/v1/classifications/nace/6x", None).await;
    assert_eq!(unknown, 404);
    assert_eq!(malformed, 400);
    assert_eq!(body["errors"][0]["field"], "code");
}

#[actix_web::test]
async fn legal_forms_and_regions_are_listed() {
    let app = spawn_app().await;
    let (_, forms) = app.get("/api/v1/legal-forms", None).await;
    let individual = forms
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "IE")
        .expect("individual entrepreneur");
    assert_eq!(individual["name_ru"], "Индивидуальный предприниматель");
    assert!(individual["abbreviations"]
        .as_array()
        .unwrap()
        .contains(&"ИП".into()));
    let (_, regions) = app.get("/api/v1/regions", None).await;
    assert_eq!(regions.as_array().unwrap().len(), 6);
}
