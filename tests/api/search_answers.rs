//! Search answers as a statistician reads them (issue 20): one hit per
//! firm, never an empty page while the unit is within reach, exact names
//! first.

use sanaw::domain::link::LinkKind;
use sanaw::domain::unit::UnitKind;

use crate::harness::{day, justice, spawn_app, statistics, TestApp};
use crate::search::{indexed, percent};

/// A search's JSON answer; asserts it is a 200.
async fn answer(app: &TestApp, query: &str) -> serde_json::Value {
    let (status, body) = app.get(&format!("/api/v1/units?{query}"), None).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// The hits of a query box (percent-encoded here), best first.
async fn hits(app: &TestApp, text: &str) -> Vec<serde_json::Value> {
    let body = answer(app, &format!("q={}", percent(text))).await;
    body["results"].as_array().expect("results").clone()
}

fn stat_ids(hits: &[serde_json::Value]) -> Vec<String> {
    hits.iter()
        .map(|hit| hit["stat_id"].as_str().expect("stat_id").to_owned())
        .collect()
}

#[actix_web::test]
async fn a_legal_unit_and_its_one_enterprise_are_one_hit_naming_both() {
    let app = spawn_app().await;
    let (legal, enterprise) = app
        .legal_unit(justice("J2000001", "«Gülzeman» HJ", "2015-01-01"))
        .await;
    indexed(&app).await;

    let found = hits(&app, "Gülzeman").await;
    assert_eq!(stat_ids(&found), [legal.to_string()], "{found:?}");
    assert_eq!(found[0]["kind"], "legal_unit");
    assert_eq!(found[0]["enterprise"], enterprise.to_string());
    // By the enterprise's own stat_id, the same one hit.
    let by_enterprise = hits(&app, &enterprise.to_string()).await;
    assert_eq!(stat_ids(&by_enterprise), [legal.to_string()]);
    assert_eq!(by_enterprise[0]["matched"], "identifier");
    // Asked by kind, each is its own hit, naming the other.
    let body = answer(&app, "q=G%C3%BClzeman&kind=enterprise").await;
    assert_eq!(body["results"][0]["stat_id"], enterprise.to_string());
    assert_eq!(body["results"][0]["legal_unit"], legal.to_string());
    // Facets and the total count hits as shown.
    let body = answer(&app, "q=G%C3%BClzeman").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["facets"]["kind"][0]["value"], "legal_unit");
    assert_eq!(body["facets"]["kind"].as_array().map(Vec::len), Some(1));
    let (_, suggested) = app.get("/api/v1/units/suggest?q=G%C3%BClzem", None).await;
    let suggested = suggested.as_array().expect("suggestions").clone();
    assert_eq!(suggested.len(), 1, "{suggested:?}");

    // A second legal unit joins the enterprise: it is no longer one-to-one,
    // so the enterprise is its own hit again and no legal unit names it.
    app.write(move |w| {
        let second = w.create_unit(UnitKind::LegalUnit)?;
        w.record(
            second,
            &justice("J2000002", "«Gülzeman Söwda» HJ", "2016-01-01"),
        )?;
        w.link(
            LinkKind::EnterpriseOf,
            second,
            enterprise,
            day("2016-01-01"),
        )
    })
    .await;
    indexed(&app).await;
    let found = hits(&app, "Gülzeman").await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found.iter().all(|hit| hit["enterprise"].is_null()),
        "{found:?}"
    );
    assert!(stat_ids(&found).contains(&enterprise.to_string()));
}

#[actix_web::test]
async fn a_misspelt_name_in_the_other_script_is_never_an_empty_page() {
    let app = spawn_app().await;
    let mut meant = Vec::new();
    for (at, name) in [
        "«Bilim 76» HJ",
        "«Awaza 89» HJ",
        "«Nusaý bereket» HJ",
        "«Altyn Engineering» HJ",
        "«Consulting Merkezi» HJ",
    ]
    .into_iter()
    .enumerate()
    {
        let (unit, _) = app
            .legal_unit(justice(&format!("J210000{at}"), name, "2015-01-01"))
            .await;
        meant.push(unit.to_string());
    }
    // Namesakes' neighbours, so that a query has something to be confused with.
    for (at, name) in ["«Bilim merkezi» HJ", "«Awaz» HJ", "«Bereket 76» HJ"]
        .into_iter()
        .enumerate()
    {
        app.legal_unit(justice(&format!("J210001{at}"), name, "2015-01-01"))
            .await;
    }
    indexed(&app).await;

    for (typed, unit) in [
        ("Biim 76", &meant[0]),
        ("Бим 76", &meant[0]),
        ("Awaa 89", &meant[1]),
        ("Нусай беекет", &meant[2]),
        ("Nusay beeket", &meant[2]),
        ("Алтын Енгинееринг", &meant[3]),
        ("Енгинееринг", &meant[3]),
        ("Цонсултинг", &meant[4]),
    ] {
        let found = hits(&app, typed).await;
        assert_eq!(stat_ids(&found).first(), Some(unit), "{typed}: {found:?}");
        let how = found[0]["matched"].as_str().unwrap_or_default();
        assert!(
            ["words", "spelling", "some_words", "letters"].contains(&how),
            "{typed}: matched {how}"
        );
    }
    // A word a letter off each of two words still lands on the unit, and is
    // labelled approximate.
    let found = hits(&app, "Biliim 67").await;
    assert_eq!(stat_ids(&found).first(), Some(&meant[0]), "{found:?}");
    // Nothing within reach: an empty page, not the whole register.
    assert!(hits(&app, "Qxzvj").await.is_empty());
}

#[actix_web::test]
async fn exact_names_come_before_closer_spellings_and_those_before_more_words() {
    let app = spawn_app().await;
    // Registered first, so that a tie would favour them.
    let (typo, _) = app
        .legal_unit(justice("J2200001", "HJ Bereekt", "2015-01-01"))
        .await;
    let (longer, _) = app
        .legal_unit(justice("J2200002", "«Bereket Ak Ýol» HJ", "2015-01-01"))
        .await;
    let (exact, _) = app
        .legal_unit(justice("J2200003", "«Bereket» HJ", "2015-01-01"))
        .await;
    let (shares_ak, _) = app
        .legal_unit(justice("J2200004", "«Ak» HJ", "2015-01-01"))
        .await;
    let (ak_yol, _) = app
        .legal_unit(justice("J2200005", "«Ak ýol» HJ", "2015-01-01"))
        .await;
    let (azyk_58, _) = app
        .legal_unit(justice("J2200006", "«Azyk 58» HJ", "2015-01-01"))
        .await;
    let (azyk_57, _) = app
        .legal_unit(justice("J2200007", "«Azyk 57» HJ", "2015-01-01"))
        .await;
    indexed(&app).await;

    let found = hits(&app, "bereket").await;
    assert_eq!(
        stat_ids(&found)[..3],
        [exact.to_string(), longer.to_string(), typo.to_string()],
        "{found:?}"
    );
    assert_eq!(found[0]["matched"], "name");
    assert_eq!(found[1]["matched"], "words");
    assert_eq!(found[2]["matched"], "spelling");

    let found = hits(&app, "Ак йол").await;
    assert_eq!(stat_ids(&found)[0], ak_yol.to_string(), "{found:?}");
    if let Some(other) = found
        .iter()
        .find(|hit| hit["stat_id"] == shares_ak.to_string())
    {
        assert!(
            other["score"].as_f64() < found[0]["score"].as_f64(),
            "{found:?}"
        );
    }

    let found = hits(&app, "Azyk 57").await;
    assert_eq!(
        stat_ids(&found)[..2],
        [azyk_57.to_string(), azyk_58.to_string()],
        "{found:?}"
    );
    assert!(found[0]["score"].as_f64() > found[1]["score"].as_f64());
}

#[actix_web::test]
async fn among_equals_active_and_complete_records_come_first() {
    let app = spawn_app().await;
    let mut dead = justice("J2300001", "«Gorkut» HJ", "2015-01-01");
    dead.values.status = Some("liquidated".to_owned());
    let (dead, _) = app.legal_unit(dead).await;
    let mut sparse = justice("J2300002", "«Gorkut» HJ", "2015-01-01");
    sparse.values.address = None;
    let (sparse, _) = app.legal_unit(sparse).await;
    let (complete, _) = app
        .legal_unit(justice("J2300003", "«Gorkut» HJ", "2015-01-01"))
        .await;
    app.write(move |w| w.record(complete, &statistics(12, "62.01", "2015-01-01")))
        .await;
    indexed(&app).await;

    let found = hits(&app, "Gorkut").await;
    assert_eq!(
        stat_ids(&found),
        [complete.to_string(), sparse.to_string(), dead.to_string()],
        "{found:?}"
    );
}

#[actix_web::test]
async fn an_approximate_answer_pages_on_at_the_reach_its_first_page_took() {
    let app = spawn_app().await;
    let mut units = Vec::new();
    for at in 0..12 {
        let name = format!("«Merkezi {}» HJ", ["Altyn", "Gök", "Ýaşyl"][at % 3]);
        let (unit, _) = app
            .legal_unit(justice(&format!("J24000{at:02}"), &name, "2015-01-01"))
            .await;
        units.push(unit.to_string());
    }
    indexed(&app).await;

    // No unit has `Qwrtx`: every word cannot match, any word can.
    let mut seen = Vec::new();
    let mut query = format!("q={}&limit=5", percent("Qwrtx merkezi"));
    for _ in 0..5 {
        let body = answer(&app, &query).await;
        assert_eq!(body["total"], 12, "{body}");
        for hit in body["results"].as_array().expect("results") {
            assert_eq!(hit["matched"], "some_words", "{hit}");
            seen.push(hit["stat_id"].as_str().expect("stat_id").to_owned());
        }
        let Some(cursor) = body["next_cursor"].as_str() else {
            break;
        };
        query = format!("q={}&limit=5&cursor={cursor}", percent("Qwrtx merkezi"));
    }
    seen.sort();
    units.sort();
    assert_eq!(seen, units, "every unit once, over three pages");
    // Without query text there is nothing to say of how a unit matched.
    let body = answer(&app, "kind=legal_unit&limit=1").await;
    assert!(body["results"][0]["matched"].is_null(), "{body}");
}
