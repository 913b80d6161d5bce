//! Search: the index follows the register, queries meet names in any spelling.

use std::time::{Duration, Instant};

use sanaw::domain::access::Role;
use sanaw::domain::stat_id::StatId;
use sanaw::domain::unit::UnitKind;
use sanaw::search::index::indexer::Indexer;
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
pub async fn indexed(app: &TestApp) {
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

/// Percent-encodes a query parameter value.
pub fn percent(text: &str) -> String {
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
    let (_, body) = search(&app, "q=Altyn&kind=legal_unit").await;
    assert_eq!(
        body["facets"]["activity"],
        serde_json::json!([{"value": "C", "count": 1}, {"value": "K", "count": 1}]),
        "activity counted by NACE section"
    );
    assert_eq!(found(&app, "q=Altyn&region=TM-S").await.len(), 2);
    assert_eq!(
        found(&app, "q=Altyn&region=tm-s").await.len(),
        2,
        "any letter case"
    );
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
        "enterprise",
        "legal_unit",
        "status",
        "region",
        "activity",
        "legal_form",
        "registered",
        "highlights",
        "matched",
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
        ("q=x&sort=size".to_owned(), "sort"),
        (
            "q=x&registered_from=2020-13-01".to_owned(),
            "registered_from",
        ),
        ("q=x&registered_to=yesterday".to_owned(), "registered_to"),
        (
            "q=x&registered_from=2021-01-01&registered_to=2020-01-01".to_owned(),
            "registered_from",
        ),
        ("q=x&size_class=huge".to_owned(), "size_class"),
        (format!("q=x&legal_form={}", "L".repeat(17)), "legal_form"),
        (format!("q=x&sector={}", "0".repeat(17)), "sector"),
        ("q=x&registered_to=2101-01-01".to_owned(), "registered_to"),
        ("q=x&registered_from=2024-1-1".to_owned(), "registered_from"),
        ("q=x&cursor=zz".to_owned(), "cursor"),
        ("q=x&cursor=".to_owned(), "cursor"),
    ];
    let statistician = app.token(Role::Statistician).await;
    for (query, field) in cases {
        let path = format!("/api/v1/units?{}", url_encode(&query));
        // A statistician, so that size_class is checked for its value, not refused.
        let (status, body) = app.get(&path, Some(&statistician)).await;
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
        let mut indexer = Indexer::for_rebuild(&rebuilt).expect("the writer");
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
    assert_eq!(
        hits.len(),
        1,
        "the legal unit and its enterprise, as one hit"
    );
    assert_eq!(hits[0].stat_id, first);
    assert!(hits[0].enterprise.is_some(), "{hits:?}");
    let hits = query::search(&index, &request("Нурлы йол")).expect("search");
    assert!(hits.iter().any(|hit| hit.stat_id == second));
    let unknown = StatId::from_unit_number(999);
    assert!(hits.iter().all(|hit| hit.stat_id != unknown));
}

/// Every page of a search, following `next_cursor`; `between` runs after the first page.
async fn all_pages<F, Fut>(app: &TestApp, query: &str, between: F) -> Vec<serde_json::Value>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut between = Some(between);
    let mut hits = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match &cursor {
            Some(cursor) => format!("{query}&limit=3&cursor={cursor}"),
            None => format!("{query}&limit=3"),
        };
        let (status, body) = search(app, &page).await;
        assert_eq!(status, 200, "{page}: {body}");
        let results = body["results"].as_array().expect("results").clone();
        assert!(results.len() <= 3);
        hits.extend(results);
        if let Some(change) = between.take() {
            change().await;
            indexed(app).await;
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return hits,
        }
    }
}

fn ids(hits: &[serde_json::Value]) -> Vec<String> {
    hits.iter()
        .map(|hit| hit["stat_id"].as_str().expect("stat_id").to_owned())
        .collect()
}

#[actix_web::test]
async fn pages_follow_the_cursor_in_every_order_while_the_register_changes() {
    let app = spawn_app().await;
    let names = [
        ("Bereket Gurluşyk", "2011-05-01"),
        ("Bereket Ak Ýol", "2019-02-01"),
        ("Bereket Hyzmat", "2015-07-01"),
        ("Bereket Söwda Merkezi", "2013-01-01"),
        ("Bereket Nusaý", "2017-03-01"),
        ("Bereket Dokma", "2016-09-01"),
        ("Bereket Zer", "2014-04-01"),
    ];
    let mut first = Vec::new();
    for (at, (name, registered)) in names.iter().enumerate() {
        let reg_number = format!("J80000{at:02}");
        let (unit, _) = app.legal_unit(justice(&reg_number, name, registered)).await;
        first.push(unit.to_string());
    }
    indexed(&app).await;
    let orders = ["relevance", "name", "registered", "-registered"];
    for (serial, sort) in orders.into_iter().enumerate() {
        let query = format!("q=Bereket&kind=legal_unit&sort={sort}");
        // After the first page, a unit that sorts before the cursor and one
        // that sorts after it in every order arrive.
        let hits = all_pages(&app, &query, || async {
            for (name, registered) in [("Bereket Aba", "2010-01-01"), ("Bereket Zyn", "2020-01-01")]
            {
                let reg_number = format!("J81{serial:02}{}", &registered[..4]);
                app.legal_unit(justice(&reg_number, name, registered)).await;
            }
        })
        .await;
        let found = ids(&hits);
        let mut unique = found.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            found.len(),
            "{sort}: a unit repeats: {found:?}"
        );
        for unit in &first {
            assert!(found.contains(unit), "{sort}: {unit} skipped: {found:?}");
        }
        let keys: Vec<String> = hits
            .iter()
            .map(|hit| match sort {
                "name" => {
                    sanaw::reconcile::normalise::name(hit["name"].as_str().unwrap_or_default())
                        .key()
                }
                _ => hit["registered"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        let mut ordered = keys.clone();
        match sort {
            "name" | "registered" => ordered.sort(),
            "-registered" => ordered.sort_by(|a, b| b.cmp(a)),
            _ => ordered = keys.clone(),
        }
        assert_eq!(keys, ordered, "{sort}: out of order");
        if sort == "relevance" {
            let scores: Vec<f64> = hits
                .iter()
                .filter_map(|hit| hit["score"].as_f64())
                .collect();
            assert_eq!(scores.len(), hits.len());
            assert!(
                scores.windows(2).all(|pair| pair[0] >= pair[1]),
                "{scores:?}"
            );
        }
    }

    // A cursor belongs to its query: other words, filters or order are refused.
    let (_, body) = search(&app, "q=Bereket&kind=legal_unit&limit=2").await;
    let cursor = body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    for other in [
        format!("q=Bereket Zer&kind=legal_unit&cursor={cursor}"),
        format!("q=Bereket&cursor={cursor}"),
        format!("q=Bereket&kind=legal_unit&sort=name&cursor={cursor}"),
    ] {
        let (status, body) = search(&app, &other).await;
        assert_eq!(status, 400, "{other}: {body}");
        assert!(body.to_string().contains("another query"), "{body}");
    }
    let (status, _) = search(
        &app,
        &format!("q=Bereket&kind=legal_unit&limit=5&cursor={cursor}"),
    )
    .await;
    assert_eq!(status, 200, "the page size may change between pages");
}

#[actix_web::test]
async fn size_class_is_a_filter_and_a_facet_for_confidential_roles_only() {
    let app = spawn_app().await;
    let (small, _) = app
        .legal_unit(justice("J9000001", "Ýaşyl Meýdan", "2015-01-01"))
        .await;
    let (large, _) = app
        .legal_unit(justice("J9000002", "Ýaşyl Bag", "2015-01-01"))
        .await;
    app.write(move |w| w.record(small, &statistics(12, "01.11", "2020-01-01")))
        .await;
    app.write(move |w| w.record(large, &statistics(600, "01.11", "2020-01-01")))
        .await;
    indexed(&app).await;

    let analyst = app.token(Role::Analyst).await;
    let path = "/api/v1/units?q=Yasyl&kind=legal_unit";
    let (status, body) = app.get(path, Some(&analyst)).await;
    assert_eq!(status, 200, "{body}");
    let facet = &body["facets"]["size_class"];
    assert!(
        facet.to_string().contains(r#"{"count":1,"value":"large"}"#),
        "{facet}"
    );
    assert!(
        facet.to_string().contains(r#"{"count":1,"value":"small"}"#),
        "{facet}"
    );
    let (_, body) = app
        .get(&format!("{path}&size_class=large"), Some(&analyst))
        .await;
    assert_eq!(
        ids(body["results"].as_array().expect("results")),
        [large.to_string()]
    );

    // The public sees no size class, and may not filter by it.
    let (status, body) = app.get(path, None).await;
    assert_eq!(status, 200);
    assert!(body["facets"].get("size_class").is_none(), "{body}");
    assert_eq!(body["facets"]["kind"][0]["count"], 2);
    let (status, _) = app.get(&format!("{path}&size_class=large"), None).await;
    assert_eq!(status, 401);
    let agency = app.token(Role::Agency).await;
    let (status, _) = app
        .get(&format!("{path}&size_class=large"), Some(&agency))
        .await;
    assert_eq!(status, 403);
    let (_, body) = app.get(path, Some(&agency)).await;
    assert!(body["facets"].get("size_class").is_none(), "{body}");
}

#[actix_web::test]
async fn registration_dates_narrow_the_answer_and_matched_words_are_marked() {
    let app = spawn_app().await;
    let (older, _) = app
        .legal_unit(justice("J9100001", "ХО «Ак йол гурлушык»", "2012-06-30"))
        .await;
    let (newer, _) = app
        .legal_unit(justice("J9100002", "«Ak ýol» HJ", "2018-01-01"))
        .await;
    indexed(&app).await;

    let between =
        |from: &str, to: &str| format!("q=ak yol&registered_from={from}&registered_to={to}");
    assert_eq!(
        found(&app, &between("2012-06-30", "2012-06-30")).await,
        [older.to_string()]
    );
    assert_eq!(
        found(&app, &between("2012-07-01", "2030-01-01")).await,
        [newer.to_string()]
    );
    assert_eq!(
        found(&app, "q=ak yol&registered_to=2012-06-29").await.len(),
        0
    );
    assert_eq!(
        found(&app, "q=ak yol&registered_from=2010-01-01")
            .await
            .len(),
        2
    );

    let (_, body) = search(&app, "q=Ak yol gurlusyk&kind=legal_unit").await;
    let hit = &body["results"][0];
    assert_eq!(hit["stat_id"], older.to_string());
    assert_eq!(hit["registered"], "2012-06-30");
    // ХО «Ак йол гурлушык»: Ак at 4..6, йол at 7..10, гурлушык at 11..19.
    assert_eq!(
        hit["highlights"],
        serde_json::json!([{"start": 4, "end": 6}, {"start": 7, "end": 10}, {"start": 11, "end": 19}])
    );
}

#[actix_web::test]
async fn a_person_registered_by_initials_and_a_loan_word_in_russian_spelling_are_found() {
    let app = spawn_app().await;
    let (person, _) = app
        .legal_unit(justice("J9200001", "Orazow A.B.", "2015-01-01"))
        .await;
    // A namesake's given name and patronymic, in full, under another surname.
    app.legal_unit(justice("J9200002", "Nurow Aman Berdiýewiç", "2015-01-01"))
        .await;
    let (oil, _) = app
        .legal_unit(justice("J9200003", "«Ak Oil Trade» HJ", "2015-01-01"))
        .await;
    indexed(&app).await;

    for typed in [
        "Оразов Аман Бердыевич",
        "Оразоу Аман Бердыевич",
        "Orazow Aman",
    ] {
        assert_eq!(
            found(&app, &format!("q={typed}")).await[0],
            person.to_string(),
            "{typed}"
        );
    }
    assert_eq!(found(&app, "q=Ак Ойл Трейд").await[0], oil.to_string());
}

#[actix_web::test]
async fn a_full_name_ranks_those_it_agrees_with_above_namesakes_it_contradicts() {
    let app = spawn_app().await;
    // Same surname, given name and patronymic initial, but another patronymic.
    let (namesake, _) = app
        .legal_unit(justice("J9300001", "Orazow Aman Myradowiç", "2015-01-01"))
        .await;
    // Initials that spell legal forms (`B.K.` a joint venture, `O.` for `ОО`).
    let (initials, _) = app
        .legal_unit(justice("J9300002", "Orazow A.B.", "2015-01-01"))
        .await;
    let (joint, _) = app
        .legal_unit(justice("J9300003", "Annaýew B.K.", "2015-01-01"))
        .await;
    let (other_joint, _) = app
        .legal_unit(justice("J9300004", "Annaýew B.M.", "2015-01-01"))
        .await;
    // A unit whose sources tell it in part: together they say Myrat Kerimowiç.
    let (filled, _) = app
        .legal_unit(justice("J9300005", "Saparow M.", "2015-01-01"))
        .await;
    app.write(move |w| {
        w.record(
            filled,
            &tax("123456789013", "Сапаров Мырат Керимович", "2020-01-01"),
        )
    })
    .await;
    let (contradicted, _) = app
        .legal_unit(justice("J9300006", "Saparow M.", "2015-01-01"))
        .await;
    app.write(move |w| {
        w.record(
            contradicted,
            &tax("123456789014", "Сапаров Мырат Аманович", "2020-01-01"),
        )
    })
    .await;
    indexed(&app).await;

    // A typo in the patronymic: the initials agree, the namesake does not.
    let answer = found(&app, "q=Оразов Аман Бердиеивч").await;
    assert_eq!(answer[0], initials.to_string(), "{answer:?}");
    assert!(answer.contains(&namesake.to_string()), "{answer:?}");
    assert_eq!(
        found(&app, "q=Аннаев Бегли Керимович").await[0],
        joint.to_string()
    );
    assert_eq!(
        found(&app, "q=Annaýew Begli Mämmedowiç").await[0],
        other_joint.to_string()
    );
    // `Saparow M.` is filled in by the unit's other name, so the one whose
    // other name contradicts the query ranks below.
    let answer = found(&app, "q=Saparow Myrat Kerimowiç").await;
    assert_eq!(
        answer[..2],
        [filled.to_string(), contradicted.to_string()],
        "{answer:?}"
    );
}

#[actix_web::test]
async fn a_typo_on_the_first_letter_of_a_given_name_still_finds_the_person() {
    let app = spawn_app().await;
    // Agrees with the typed initial `M` and tells nothing else.
    let (initial, _) = app
        .legal_unit(justice("J9600001", "M. Çaryýew", "2015-01-01"))
        .await;
    // Told in full by one source, by initials by another.
    let (meant, _) = app
        .legal_unit(justice("J9600002", "Çaryýew Begli", "2015-01-01"))
        .await;
    app.write(move |w| w.record(meant, &tax("123456789015", "Чарыев Б.Т.", "2020-01-01")))
        .await;
    let (two_off, _) = app
        .legal_unit(justice(
            "J9600003",
            "Toýlyýewa Selbi Kakajanowna",
            "2015-01-01",
        ))
        .await;
    let (initials, _) = app
        .legal_unit(justice("J9600004", "S.K. Toýlyýewa", "2015-01-01"))
        .await;
    indexed(&app).await;

    // `Megli` for `Begli`: the first letter, which initials cannot forgive.
    let answer = found(&app, "q=Çaryýew Megli Taganowiç").await;
    assert_eq!(
        answer[..2],
        [meant.to_string(), initial.to_string()],
        "{answer:?}"
    );
    // `Ккааджановна` folds two letters from `kakajanowna`: a long name's allowance.
    let answer = found(&app, "q=Тойлыева Селби Ккааджановна").await;
    assert_eq!(
        answer[..2],
        [two_off.to_string(), initials.to_string()],
        "{answer:?}"
    );
}

#[actix_web::test]
async fn a_typo_in_a_russian_loan_word_and_a_cyrillic_digraph_still_find_the_unit() {
    let app = spawn_app().await;
    // Registered first, so that it would win a tie.
    app.legal_unit(justice("J9400002", "«Bereket Market 97» HJ", "2015-01-01"))
        .await;
    let (textile, _) = app
        .legal_unit(justice("J9400001", "«Bereket Textile 97» HJ", "2015-01-01"))
        .await;
    let (oguzhan, _) = app
        .legal_unit(justice("J9400003", "«Oguzhan Awaza» HJ", "2015-01-01"))
        .await;
    indexed(&app).await;

    // `Тектиль` is one letter from `Текстиль`, three from `tekstile`.
    assert_eq!(
        found(&app, "q=Берекет Тектиль 97").await[0],
        textile.to_string()
    );
    // `зх` folds as `zh` does; with a typo on top, the name is one edit away.
    assert_eq!(found(&app, "q=Огузхна Аваза").await, [oguzhan.to_string()]);
}

#[actix_web::test]
async fn a_word_beyond_its_typo_allowance_still_ranks_the_unit_whose_letters_it_shares() {
    let app = spawn_app().await;
    // Registered first, so that they would win a tie: each shares the two
    // words typed right and nothing with `Ýýla`.
    app.legal_unit(justice("J9500001", "«Dostluk älem azyk» HJ", "2015-01-01"))
        .await;
    app.legal_unit(justice(
        "J9500002",
        "«Älem dostluk şöhrat» HJ",
        "2015-01-01",
    ))
    .await;
    let (meant, _) = app
        .legal_unit(justice("J9500003", "«Ýaýla älem dostluk» HJ", "2015-01-01"))
        .await;
    indexed(&app).await;

    // `Ýýla` is two letters from `Ýaýla`: no word matches it, yet the unit
    // it was meant for shares its letters.
    let ranked = found(&app, "q=Ýýla älem dostluk").await;
    assert_eq!(ranked.len(), 3, "{ranked:?}");
    assert_eq!(ranked[0], meant.to_string());
}

#[actix_web::test]
async fn a_filter_adds_nothing_to_the_score_so_units_of_another_kind_cannot_shift_a_cursor() {
    let app = spawn_app().await;
    let mut legal = Vec::new();
    for at in 0..7 {
        let name = format!("Bereket Söwda {at}");
        let (unit, _) = app
            .legal_unit(justice(&format!("J95000{at:02}"), &name, "2015-01-01"))
            .await;
        legal.push(unit.to_string());
    }
    indexed(&app).await;
    // After the first page, local units arrive: as a term's statistics, the
    // share of `legal_unit` among all units falls.
    let hits = all_pages(&app, "q=Bereket&kind=legal_unit", || async {
        app.write(|writer| {
            for at in 0..20 {
                let local = writer.create_unit(UnitKind::LocalUnit)?;
                let name = format!("Nusaý dükany {at}");
                writer.record(
                    local,
                    &justice(&format!("L95000{at:02}"), &name, "2020-01-01"),
                )?;
            }
            Ok(())
        })
        .await;
    })
    .await;
    let found = ids(&hits);
    assert_eq!(found.len(), legal.len(), "skipped or repeated: {found:?}");
    for unit in &legal {
        assert!(found.contains(unit), "{unit} skipped: {found:?}");
    }
    let scores: Vec<f64> = hits
        .iter()
        .filter_map(|hit| hit["score"].as_f64())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] == pair[1]),
        "one query word matched alike scores alike: {scores:?}"
    );
}
