//! The Reconciliation Service API (OpenRefine): manifest, queries scored by
//! the loaders' matcher, suggest, preview, data extension, CORS.

use std::time::{Duration, Instant};

use sanaw::domain::access::Role;
use sanaw::domain::stat_id::StatId;
use serde_json::{json, Value};

use crate::harness::{justice, spawn_app, statistics, tax, TestApp};
use crate::search::percent;

/// A response's status, body as JSON (or as text) and headers.
struct Answer {
    status: u16,
    json: Value,
    text: String,
    headers: awc::http::header::HeaderMap,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn finish(mut response: awc::ClientResponse) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.body().limit(16 * 1024 * 1024).await.expect("body");
    Answer {
        status,
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&body).into_owned(),
        headers,
    }
}

/// A request with an optional token, sent with `body` (none for a GET).
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Option<String>,
    token: Option<&str>,
) -> Answer {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .timeout(Duration::from_secs(60));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(content_type) = content_type {
        request = request.insert_header(("Content-Type", content_type));
    }
    let response = match body {
        Some(body) => request.send_body(body).await,
        None => request.send().await,
    };
    finish(response.expect("request sent")).await
}

async fn get(app: &TestApp, path: &str) -> Answer {
    send(app, "GET", path, None, None, None).await
}

/// POSTs a form field holding JSON, as OpenRefine does.
async fn form(app: &TestApp, field: &str, json: &str, token: Option<&str>) -> Answer {
    let body = format!("{field}={}", percent(json));
    send(
        app,
        "POST",
        "/api/v1/reconcile",
        Some("application/x-www-form-urlencoded"),
        Some(body),
        token,
    )
    .await
}

/// Reconciles `queries` and asserts the answer is 200.
async fn reconcile(app: &TestApp, queries: Value) -> Value {
    let answer = form(app, "queries", &queries.to_string(), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

/// Waits until the index holds the register's latest change.
async fn indexed(app: &TestApp) {
    let version = app.register_version().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = app.get("/api/v1/units?limit=1", None).await;
        if body["index_version"].as_i64() == Some(version) {
            return;
        }
        assert!(Instant::now() < deadline, "the index never caught up");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A register of a few companies, two of them namesakes told apart by tin.
struct Register {
    gulzemin: StatId,
    bereket_one: StatId,
    bereket_two: StatId,
}

const TIN_ONE: &str = "111111111111";
const TIN_TWO: &str = "222222222222";

async fn register(app: &TestApp) -> Register {
    let (gulzemin, _) = app
        .legal_unit(justice("J7000001", "Gülzemin Sowda", "2015-01-01"))
        .await;
    app.legal_unit(justice("J7000002", "Nurly Ýol", "2015-01-01"))
        .await;
    let (bereket_one, _) = app
        .legal_unit(justice("J7000003", "Bereket", "2016-01-01"))
        .await;
    let (bereket_two, _) = app
        .legal_unit(justice("J7000004", "Bereket", "2016-01-01"))
        .await;
    app.write(move |w| {
        w.record(gulzemin, &statistics(12, "62.01", "2020-01-01"))?;
        w.record(
            gulzemin,
            &tax("333333333333", "Gülzemin Sowda", "2020-01-01"),
        )?;
        w.record(bereket_one, &tax(TIN_ONE, "Bereket", "2020-01-01"))?;
        w.record(bereket_two, &tax(TIN_TWO, "Bereket", "2020-01-01"))
    })
    .await;
    indexed(app).await;
    Register {
        gulzemin,
        bereket_one,
        bereket_two,
    }
}

/// A well-formed stat_id the register does not have.
fn absent() -> String {
    StatId::from_unit_number(999_999).to_string()
}

fn ids(result: &Value) -> Vec<String> {
    result["result"]
        .as_array()
        .expect("result")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

#[actix_web::test]
async fn the_manifest_tells_openrefine_what_the_service_does() {
    let app = spawn_app().await;
    let answer = get(&app, "/api/v1/reconcile").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let manifest = &answer.json;
    assert_eq!(manifest["versions"], json!(["0.2"]));
    assert!(manifest["name"].as_str().is_some());
    assert!(manifest["identifierSpace"].as_str().is_some());
    assert!(manifest["schemaSpace"].as_str().is_some());
    assert_eq!(manifest["defaultTypes"][0]["id"], "legal_unit");
    let view = manifest["view"]["url"].as_str().expect("view url");
    assert!(
        view.starts_with("http://127.0.0.1:") && view.ends_with("/api/v1/units/{{id}}"),
        "{view}"
    );
    let preview = manifest["preview"]["url"].as_str().expect("preview url");
    assert!(preview.ends_with("/api/v1/reconcile/preview?id={{id}}"));
    assert_eq!(
        manifest["suggest"]["entity"]["service_path"],
        "/suggest/entity"
    );
    assert_eq!(
        manifest["extend"]["propose_properties"]["service_path"],
        "/extend/propose"
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[actix_web::test]
async fn a_misspelt_name_finds_its_unit_first_and_evidence_makes_it_a_match() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let answer = reconcile(
        &app,
        json!({
            "q0": {"query": "Gulzemin Sowdaa", "limit": 3},
            "q1": {"query": "Гюлземин Совда", "type": "legal_unit", "properties": [
                {"pid": "address", "v": "Aşgabat ş., Magtymguly şaýoly 45"},
                {"pid": "region", "v": "TM-S"},
                {"pid": "activity", "v": "62.01"},
            ]},
            "q2": {"query": "Täze Zaman"},
        }),
    )
    .await;
    let first = &answer["q0"]["result"][0];
    assert_eq!(first["id"], register.gulzemin.to_string(), "{answer}");
    assert_eq!(first["name"], "Gülzemin Sowda");
    assert_eq!(
        first["type"],
        json!([{"id": "legal_unit", "name": "Legal unit"}])
    );
    assert!(
        first["description"].as_str().unwrap().contains("62.01"),
        "{first}"
    );
    assert!(answer["q0"]["result"].as_array().unwrap().len() <= 3);
    let score = first["score"].as_f64().expect("a score");
    assert!((0.0..=100.0).contains(&score));

    let evidenced = &answer["q1"]["result"][0];
    assert_eq!(evidenced["id"], register.gulzemin.to_string(), "{answer}");
    assert_eq!(
        evidenced["match"], true,
        "name, address and region agree: {answer}"
    );
    assert!(evidenced["score"].as_f64().unwrap() > score);

    assert!(
        answer["q2"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["match"] == false),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_tin_makes_the_right_namesake_win() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let answer = reconcile(
        &app,
        json!({
            "alone": {"query": "Bereket"},
            "one": {"query": "Bereket", "properties": [{"pid": "tin", "v": TIN_ONE}]},
            "two": {"query": "Bereket", "properties": [{"pid": "tin", "v": TIN_TWO}]},
            "by_tin_only": {"query": "", "properties": [{"pid": "tin", "v": [TIN_TWO]}]},
            "tin_as_name": {"query": TIN_ONE},
        }),
    )
    .await;
    let alone = ids(&answer["alone"]);
    assert!(
        alone.contains(&register.bereket_one.to_string()),
        "{answer}"
    );
    assert!(
        alone.contains(&register.bereket_two.to_string()),
        "{answer}"
    );
    assert!(
        answer["alone"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["match"] == false),
        "namesakes alone are no match: {answer}"
    );
    for (key, expected) in [
        ("one", register.bereket_one),
        ("two", register.bereket_two),
        ("by_tin_only", register.bereket_two),
        ("tin_as_name", register.bereket_one),
    ] {
        let first = &answer[key]["result"][0];
        assert_eq!(first["id"], expected.to_string(), "{key}: {answer}");
        assert_eq!(first["match"], true, "{key}");
        assert_eq!(first["score"], 100.0, "{key}");
        let matches = answer[key]["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["match"] == true)
            .count();
        assert_eq!(matches, 1, "{key}");
    }
}

#[actix_web::test]
async fn a_batch_of_many_queries_is_answered_in_one_request_also_as_json() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let queries: serde_json::Map<String, Value> = (0..400)
        .map(|at| {
            let name = ["Gülzemin Sowda", "Nurly Yol", "Bereket", "Nothing Here"][at % 4];
            (format!("q{at}"), json!({"query": name, "limit": 2}))
        })
        .collect();
    let answer = reconcile(&app, Value::Object(queries.clone())).await;
    let answered = answer.as_object().expect("an object");
    assert_eq!(answered.len(), 400);
    for at in (0..400).step_by(4) {
        let first = &answer[format!("q{at}")]["result"][0];
        assert_eq!(first["id"], register.gulzemin.to_string());
    }

    let as_json = json!({"queries": queries});
    let (status, body) = app.post_json("/api/v1/reconcile", &as_json, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, answer, "the JSON body answers as the form does");
}

#[actix_web::test]
async fn bad_input_gets_a_precise_400() {
    let app = spawn_app().await;
    let unknown = form(
        &app,
        "queries",
        r#"{"q0": {"query": "a"}, "q3": {"query": "b", "properties": [{"pid": "colour", "v": "red"}]}}"#,
        None,
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.json["code"], "unknown_property");
    assert_eq!(
        unknown.json["errors"][0]["field"],
        "queries.q3.properties[0].pid"
    );
    assert_eq!(
        unknown.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(unknown.header("access-control-allow-origin"), Some("*"));

    let malformed = form(&app, "queries", r#"{"q0": {"query": "#, None).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json["code"], "invalid_body");
    assert_eq!(malformed.json["errors"][0]["field"], "queries");

    let many: serde_json::Map<String, Value> = (0..1001)
        .map(|at| (format!("q{at}"), json!({"query": "x"})))
        .collect();
    let too_many = form(&app, "queries", &Value::Object(many).to_string(), None).await;
    assert_eq!(too_many.status, 400);
    assert_eq!(too_many.json["code"], "too_many_queries");
    assert!(too_many.json["detail"].as_str().unwrap().contains("1000"));

    let limit = form(
        &app,
        "queries",
        r#"{"q0": {"query": "a", "limit": 26}}"#,
        None,
    )
    .await;
    assert_eq!(limit.json["errors"][0]["field"], "queries.q0.limit");

    let nothing = send(
        &app,
        "POST",
        "/api/v1/reconcile",
        Some("application/x-www-form-urlencoded"),
        Some("callback=x".to_owned()),
        None,
    )
    .await;
    assert_eq!(nothing.status, 400);

    let csv = send(
        &app,
        "POST",
        "/api/v1/reconcile",
        Some("text/csv"),
        Some("a,b".to_owned()),
        None,
    )
    .await;
    assert_eq!(csv.status, 415);
}

#[actix_web::test]
async fn an_extension_fetches_activities_and_withholds_turnover_from_the_public() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let asked = json!({
        "ids": [register.gulzemin.to_string(), register.bereket_one.to_string(), absent()],
        "properties": [{"id": "activity"}, {"id": "turnover"}, {"id": "tin"}],
    })
    .to_string();
    let public = form(&app, "extend", &asked, None).await;
    assert_eq!(public.status, 200, "{}", public.text);
    let gulzemin = register.gulzemin.to_string();
    assert_eq!(
        public.json["meta"][0],
        json!({"id": "activity", "name": "Activity (NACE)"})
    );
    assert_eq!(public.json["meta"].as_array().unwrap().len(), 3);
    assert_eq!(
        public.json["rows"][&gulzemin]["activity"],
        json!([{"str": "62.01"}])
    );
    assert_eq!(
        public.json["rows"][&gulzemin]["tin"],
        json!([{"str": "333333333333"}])
    );
    assert_eq!(public.json["rows"][&gulzemin]["turnover"], json!([]));
    assert_eq!(public.json["withheld"], json!(["turnover"]));
    assert!(!public.text.contains("123456"), "{}", public.text);
    assert_eq!(public.json["rows"][absent()]["activity"], json!([]));

    let analyst = app.token(Role::Analyst).await;
    let staff = form(&app, "extend", &asked, Some(&analyst)).await;
    assert_eq!(staff.status, 200, "{}", staff.text);
    assert_eq!(
        staff.json["rows"][&gulzemin]["turnover"],
        json!([{"float": 123456.78}])
    );
    assert!(staff.json.get("withheld").is_none());

    let unknown = form(
        &app,
        "extend",
        &json!({"ids": [gulzemin], "properties": [{"id": "colour"}]}).to_string(),
        None,
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json["code"], "unknown_property");
    assert_eq!(
        unknown.json["errors"][0]["field"],
        "extend.properties[0].id"
    );

    let (status, proposed) = app
        .get("/api/v1/reconcile/extend/propose?type=legal_unit", None)
        .await;
    assert_eq!(status, 200);
    let proposed: Vec<&str> = proposed["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(proposed.contains(&"activity"));
    assert!(!proposed.contains(&"turnover"));
    let (_, for_staff) = app
        .get("/api/v1/reconcile/extend/propose", Some(&analyst))
        .await;
    assert!(for_staff.to_string().contains("\"turnover\""));
}

#[actix_web::test]
async fn suggestions_follow_the_typing_and_properties_are_suggested() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let (status, body) = app
        .get("/api/v1/reconcile/suggest/entity?prefix=G%C3%BClz", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"][0]["id"], register.gulzemin.to_string());
    assert_eq!(body["result"][0]["name"], "Gülzemin Sowda");
    assert!(body["result"][0]["description"].is_string());

    let (status, body) = app
        .get("/api/v1/reconcile/suggest/property?prefix=act", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"][0]["id"], "activity");
    let (_, turnover) = app
        .get("/api/v1/reconcile/suggest/property?prefix=turn", None)
        .await;
    assert_eq!(
        turnover["result"],
        json!([]),
        "confidential: not for the public"
    );
}

#[actix_web::test]
async fn a_preview_shows_a_name_with_markup_as_text() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice(
            "J7000009",
            "<script>alert('x')</script> & Co",
            "2015-01-01",
        ))
        .await;
    let answer = get(&app, &format!("/api/v1/reconcile/preview?id={unit}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(!answer.text.contains("<script"), "{}", answer.text);
    assert!(
        answer
            .text
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"),
        "{}",
        answer.text
    );
    assert!(answer.text.contains(&unit.to_string()));
    assert!(answer
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));

    let missing = get(&app, &format!("/api/v1/reconcile/preview?id={}", absent())).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let malformed = get(&app, "/api/v1/reconcile/preview?id=12").await;
    assert_eq!(malformed.status, 400);
}

#[actix_web::test]
async fn only_the_reconciliation_routes_answer_other_origins() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/reconcile",
        "/api/v1/reconcile/suggest/entity?prefix=a",
        "/api/v1/reconcile/extend/propose",
    ] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    for path in ["/api/v1/units", "/health"] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("access-control-allow-origin"), None, "{path}");
    }

    let preflight = send(&app, "OPTIONS", "/api/v1/reconcile", None, None, None).await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let methods = preflight.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let headers = preflight.header("access-control-allow-headers").unwrap();
    assert!(headers.contains("Content-Type"), "{headers}");

    let elsewhere = send(&app, "OPTIONS", "/api/v1/units", None, None, None).await;
    assert_ne!(elsewhere.status, 204);
    assert_eq!(elsewhere.header("access-control-allow-origin"), None);
}
