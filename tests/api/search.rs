//! Search: the index follows the register, queries meet names in any spelling.

use std::time::{Duration, Instant};

use sanaw::domain::access::Role;
use sanaw::domain::stat_id::StatId;
use sanaw::search::indexer::Indexer;
use sanaw::search::query::{self, SearchRequest};
use sanaw::search::SearchIndex;

use crate::harness::{day, justice, spawn_app, statistics, tax, TestApp};

/// Searches over HTTP.
async fn search(app: &TestApp, query: &str) -> (u16, serde_json::Value) {
    let encoded: String = url_encode(query);
    app.get(&format!("/api/v1/units?{encoded}"), None).await
}

/// The stat_ids of the legal units a search returns, best first (each
/// legal unit's enterprise carries the same name and is found too).
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = search(app, &format!("{query}&kind=legal_unit")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|hit| hit["stat_id"].as_str().expect("stat_id").to_owned())
        .collect()
}

/// Waits until the index holds the register's latest change.
async fn indexed(app: &TestApp) {
    let version = app.register_version().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = search(app, "limit=1").await;
        if body["index_version"].as_i64() == Some(version) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the index never caught up to {version}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn url_encode(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => format!("{key}={}", percent(value)),
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn a_committed_unit_is_found_in_either_script_with_typos_and_by_identifiers() {
    let app = spawn_app().await;
    let (ak_yol, _) = app
        .legal_unit(justice("J1000001", "«Ak ýol» HJ", "2015-03-01"))
        .await;
    let (bereket, _) = app
        .legal_unit(justice("J1000002", "Bereket", "2016-03-01"))
        .await;
    let tin = "123456789012";
    app.write(move |w| w.record(ak_yol, &tax(tin, "ХО «Ак йол»", "2020-01-01")))
        .await;
    indexed(&app).await;

    let ak = ak_yol.to_string();
    assert_eq!(found(&app, "q=Ак йол").await[0], ak, "Cyrillic finds Latin");
    assert_eq!(
        found(&app, "q=Ak yol").await[0],
        ak,
        "without the diacritic"
    );
    assert_eq!(found(&app, "q=Ak ýoll").await[0], ak, "with a typo");
    assert_eq!(
        found(&app, "q=HJ Ak ýol").await[0],
        ak,
        "with the legal form"
    );
    assert_eq!(found(&app, "q=Ak ýo").await[0], ak, "while still typing");
    assert_eq!(found(&app, &format!("q={tin}")).await, [ak]);
    assert_eq!(found(&app, "q=J1000002").await, [bereket.to_string()]);
    assert_eq!(
        found(&app, &format!("q={bereket}")).await,
        [bereket.to_string()]
    );
    assert!(found(&app, "q=Nusay").await.is_empty());
}

#[actix_web::test]
async fn suggestions_follow_the_typing() {
    let app = spawn_app().await;
    let (gulzemin, _) = app
        .legal_unit(justice("J7000001", "Gülzemin Sowda", "2015-01-01"))
        .await;
    app.legal_unit(justice("J7000002", "Nurly Ýol", "2015-01-01"))
        .await;
    indexed(&app).await;
    for typed in ["Gü", "Gulz", "Гюлзем", "Gülzemin So", "Gylzemin Sow"] {
        let (status, body) = app
            .get(
                &format!(
                    "/api/v1/units/suggest?{}",
                    url_encode(&format!("q={typed}"))
                ),
                None,
            )
            .await;
        assert_eq!(status, 200, "{typed}: {body}");
        assert_eq!(body[0]["stat_id"], gulzemin.to_string(), "{typed}: {body}");
        assert_eq!(body[0]["name"], "Gülzemin Sowda");
    }
    let (status, body) = app.get("/api/v1/units/suggest?q=", None).await;
    assert_eq!((status, body), (200, serde_json::json!([])));
    let (status, body) = app.get("/api/v1/units/suggest?q=G&limit=21", None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("limit"));
}

#[actix_web::test]
async fn a_renamed_unit_is_found_by_its_former_name_and_its_new_one() {
    let app = spawn_app().await;
    let (unit, enterprise) = app
        .legal_unit(justice("J2000001", "Köne Döwür", "2012-01-01"))
        .await;
    let mut renamed = justice("J2000001", "Täze Döwür", "2012-01-01");
    renamed.valid_from = day("2024-06-01");
    app.write(move |w| w.record(unit, &renamed)).await;
    indexed(&app).await;

    assert_eq!(found(&app, "q=Köne Döwür").await, [unit.to_string()]);
    let (_, body) = search(&app, "q=Täze Döwür&kind=legal_unit").await;
    assert_eq!(body["results"][0]["stat_id"], unit.to_string());
    assert_eq!(
        body["results"][0]["name"], "Täze Döwür",
        "the name shown today"
    );
    // The rename touched the legal unit only; its enterprise follows it.
    let (_, body) = search(&app, "q=Täze Döwür&kind=enterprise").await;
    assert_eq!(body["results"][0]["stat_id"], enterprise.to_string());
    assert_eq!(body["results"][0]["name"], "Täze Döwür");
}

#[actix_web::test]
async fn filters_narrow_the_answer_and_activity_takes_a_subtree() {
    let app = spawn_app().await;
    let (software, _) = app
        .legal_unit(justice("J3000001", "Altyn Sanly", "2015-01-01"))
        .await;
    let (bakery, _) = app
        .legal_unit(justice("J3000002", "Altyn Çörek", "2015-01-01"))
        .await;
    app.write(move |w| w.record(software, &statistics(12, "62.10", "2020-01-01")))
        .await;
    app.write(move |w| w.record(bakery, &statistics(30, "10.71", "2020-01-01")))
        .await;
    indexed(&app).await;

    assert_eq!(
        found(&app, "q=Altyn&activity=62").await,
        [software.to_string()]
    );
    assert_eq!(
        found(&app, "q=Altyn&activity=10.71").await,
        [bakery.to_string()]
    );
    assert_eq!(
        found(&app, "q=Altyn&activity=C").await,
        [bakery.to_string()],
        "a NACE section"
    );
    // NACE Rev. 2.1 moved computer programming to section K.
    assert_eq!(
        found(&app, "activity=K").await,
        [software.to_string()],
        "no words: filters only"
    );
    assert_eq!(found(&app, "q=Altyn&region=TM-S").await.len(), 2);
    assert!(found(&app, "q=Altyn&region=TM-M").await.is_empty());
    assert!(found(&app, "q=Altyn&status=liquidated").await.is_empty());
    assert!(found(&app, "q=Altyn&legal_form=NOSUCHFORM")
        .await
        .is_empty());
}

#[actix_web::test]
async fn answers_hold_public_attributes_only_whoever_asks() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("J4000001", "Gizlin San", "2015-01-01"))
        .await;
    app.write(move |w| w.record(unit, &statistics(987_654, "62.10", "2020-01-01")))
        .await;
    app.write(move |w| w.record(unit, &tax("223456789012", "Gizlin San", "2020-01-01")))
        .await;
    indexed(&app).await;

    let statistician = app.token(Role::Statistician).await;
    let (status, body) = app.get("/api/v1/units?q=Gizlin", Some(&statistician)).await;
    assert_eq!(status, 200);
    let hit = body["results"][0].as_object().expect("a hit").clone();
    let allowed = [
        "stat_id",
        "name",
        "kind",
        "status",
        "region",
        "activity",
        "legal_form",
        "score",
    ];
    for key in hit.keys() {
        assert!(allowed.contains(&key.as_str()), "{key} in a search answer");
    }
    // Employees (987,654) and turnover (12,345,678) appear nowhere.
    let text = body.to_string();
    assert!(
        !text.contains("987654") && !text.contains("12345678"),
        "{text}"
    );
}

#[actix_web::test]
async fn bad_parameters_get_clear_problems_and_query_syntax_is_just_text() {
    let app = spawn_app().await;
    app.legal_unit(justice("J5000001", "Ynamly Hyzmat", "2015-01-01"))
        .await;
    indexed(&app).await;

    let long = "a".repeat(10_000);
    let cases = [
        (format!("q={long}"), "q"),
        ("q=x&limit=0".to_owned(), "limit"),
        ("q=x&limit=101".to_owned(), "limit"),
        ("q=x&limit=ten".to_owned(), "limit"),
        ("q=x&kind=company".to_owned(), "kind"),
        ("q=x&status=dead".to_owned(), "status"),
        ("q=x&region=TM-X".to_owned(), "region"),
        ("q=x&activity=6x".to_owned(), "activity"),
        ("q=x&colour=red".to_owned(), "colour"),
    ];
    for (query, field) in cases {
        let (status, body) = search(&app, &query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body.to_string().contains(field),
            "{field} not named: {body}"
        );
    }
    for syntax in [
        "\"Ynamly",
        "(Ynamly)",
        "Ynamly*",
        "name:Ynamly",
        "Ynamly~2",
        "",
    ] {
        let (status, body) = search(&app, &format!("q={syntax}")).await;
        assert_eq!(status, 200, "{syntax}: {body}");
    }
    assert_eq!(found(&app, "q=(Ynamly)").await.len(), 1);
}

#[actix_web::test]
async fn a_rebuilt_index_holds_every_unit_and_the_register_version() {
    let app = spawn_app().await;
    let (first, _) = app
        .legal_unit(justice("J6000001", "Gülzemin", "2015-01-01"))
        .await;
    let (second, _) = app
        .legal_unit(justice("J6000002", "Nurly Ýol", "2015-01-01"))
        .await;
    let version = app.register_version().await;
    // A second index beside the served one, so that its writer lock is free.
    let folder = tempfile::tempdir().expect("a folder");
    let index = SearchIndex::open(folder.path()).expect("index");
    let db = app.db.clone();
    let rebuilt = index.clone();
    let units = actix_web::rt::task::spawn_blocking(move || {
        let mut indexer = Indexer::new(&rebuilt).expect("the writer");
        indexer.rebuild(&mut db.reader().expect("a connection"))
    })
    .await
    .expect("rebuild ran")
    .expect("rebuild");
    assert_eq!(units, 4, "two legal units and their enterprises");
    assert_eq!(index.version(), version);
    let request = |text: &str| SearchRequest {
        text: text.to_owned(),
        limit: 10,
        ..SearchRequest::default()
    };
    let hits = query::search(&index, &request("Gulzemin")).expect("search");
    assert_eq!(hits.len(), 2, "the legal unit and its enterprise");
    assert!(hits.iter().any(|hit| hit.stat_id == first));
    let hits = query::search(&index, &request("Нурлы йол")).expect("search");
    assert!(hits.iter().any(|hit| hit.stat_id == second));
    let unknown = StatId::from_unit_number(999);
    assert!(hits.iter().all(|hit| hit.stat_id != unknown));
}
