//! A statistician and the public read a unit, its history and its links.

use sanaw::domain::access::Role;
use sanaw::domain::attribute::Attribute;
use sanaw::domain::attribute::Disclosure;
use sanaw::domain::event::{EventKind, EventRole};
use sanaw::domain::link::LinkKind;
use sanaw::domain::stat_id::StatId;
use sanaw::domain::unit::UnitKind;

use crate::harness::{day, justice, spawn_app, statistics, tax};

#[actix_web::test]
async fn a_statistician_sees_every_attribute_with_its_source() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("A1234567", "Ak ýol", "2020-01-15"))
        .await;
    app.write(move |w| {
        w.record(unit, &tax("123456789012", "Ak yol HJ", "2020-02-01"))?;
        w.record(unit, &statistics(42, "62.10", "2024-01-01"))
    })
    .await;
    let token = app.token(Role::Statistician).await;

    let (status, body) = app
        .get(&format!("/api/v1/units/{unit}"), Some(&token))
        .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stat_id"], unit.to_string());
    assert_eq!(body["kind"], "legal_unit");
    assert_eq!(body["disclosure"], "full");
    let attributes = &body["attributes"];
    assert_eq!(attributes["name"]["value"], "Ak ýol");
    assert_eq!(attributes["name"]["source"], "justice");
    assert_eq!(attributes["name"]["others"][0]["source"], "tax");
    assert_eq!(attributes["name"]["others"][0]["value"], "Ak yol HJ");
    assert_eq!(attributes["tin"]["value"], "123456789012");
    assert_eq!(attributes["tin"]["source"], "tax");
    // Statistics outranks tax for the activity, and the class refines the division.
    assert_eq!(attributes["activity"]["value"], "62.10");
    assert_eq!(
        attributes["activity"]["label"],
        "Computer programming activities"
    );
    assert_eq!(attributes["activity"]["conflict"], false);
    assert_eq!(attributes["legal_form"]["label"], "Hojalyk jemgyýeti");
    assert_eq!(attributes["region"]["label"], "Aşgabat");
    assert_eq!(attributes["employees"]["value"], 42);
    assert_eq!(attributes["turnover"]["value"], "123456.78");
    assert_eq!(attributes["vat_registered"]["value"], true);
    assert_eq!(attributes["birth_date"]["value"], "2020-01-15");
    assert_eq!(attributes["employees"]["origin"]["kind"], "load");
    assert!(attributes["employees"]["recorded_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert!(body["register_version"].as_i64().unwrap() >= 1);
    // Different names from justice and tax are a conflict, listed on the unit.
    assert_eq!(body["conflicts"], serde_json::json!(["name"]));
}

#[actix_web::test]
async fn the_public_never_sees_confidential_figures_and_is_told_so() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("B7654321", "Bereket", "2019-05-01"))
        .await;
    app.write(move |w| {
        w.record(unit, &tax("000000000042", "Bereket", "2019-06-01"))?;
        w.record(unit, &statistics(7, "47.11", "2024-01-01"))
    })
    .await;
    let agency = app.token(Role::Agency).await;

    for token in [None, Some(agency.as_str())] {
        let (status, body) = app.get(&format!("/api/v1/units/{unit}"), token).await;
        assert_eq!(status, 200);
        assert_eq!(body["disclosure"], "public");
        let attributes = body["attributes"].as_object().unwrap();
        assert_eq!(attributes["name"]["value"], "Bereket");
        // Every attribute the API serves is classified; confidential ones are absent, not zero.
        for key in attributes.keys() {
            let attribute: Attribute = key.parse().expect("every served attribute is classified");
            assert_eq!(attribute.disclosure(), Disclosure::Public, "{key} leaked");
        }
        for hidden in [
            "employees",
            "turnover",
            "turnover_year",
            "tax_status",
            "vat_registered",
        ] {
            assert!(
                !attributes.contains_key(hidden),
                "{hidden} served to the public"
            );
            assert!(body["withheld"]
                .as_array()
                .unwrap()
                .contains(&hidden.into()));
        }
        let text = body.to_string();
        assert!(!text.contains("\"7\"") && !text.contains(":7,") && !text.contains("123456.78"));
    }
}

#[actix_web::test]
async fn as_of_gives_the_unit_as_it_was_and_history_lists_every_change() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("C1111111", "Altyn", "2018-03-01"))
        .await;
    let mut renamed = justice("C1111111", "Altyn Ýyldyz", "2018-03-01");
    renamed.valid_from = day("2024-07-01");
    app.write(move |w| w.record(unit, &renamed)).await;
    let token = app.token(Role::Analyst).await;

    let (_, before) = app
        .get(
            &format!("/api/v1/units/{unit}?as_of=2024-06-30"),
            Some(&token),
        )
        .await;
    let (_, after) = app
        .get(
            &format!("/api/v1/units/{unit}?as_of=2024-07-01"),
            Some(&token),
        )
        .await;
    let (_, today) = app
        .get(&format!("/api/v1/units/{unit}"), Some(&token))
        .await;
    let (_, unborn) = app
        .get(
            &format!("/api/v1/units/{unit}?as_of=2010-01-01"),
            Some(&token),
        )
        .await;

    assert_eq!(before["attributes"]["name"]["value"], "Altyn");
    assert_eq!(before["attributes"]["name"]["valid_to"], "2024-07-01");
    assert_eq!(after["attributes"]["name"]["value"], "Altyn Ýyldyz");
    assert_eq!(today["attributes"]["name"]["value"], "Altyn Ýyldyz");
    assert_eq!(unborn["attributes"], serde_json::json!({}));

    let (status, history) = app
        .get(&format!("/api/v1/units/{unit}/history"), Some(&token))
        .await;
    assert_eq!(status, 200);
    let changes = history["changes"].as_array().unwrap();
    // The first version (now superseded), then the rename: a copy of the first
    // ending the day the new name starts, and the new version.
    assert_eq!(changes.len(), 3, "{history}");
    assert_eq!(changes[1]["valid_to"], "2024-07-01");
    assert_eq!(changes[1]["changed"], serde_json::json!({}));
    assert_eq!(changes[0]["changed"]["name"], "Altyn");
    assert!(changes[0]["superseded_at"].is_string());
    let rename = changes
        .iter()
        .find(|c| c["valid_from"] == "2024-07-01")
        .expect("the rename is in the history");
    assert_eq!(
        rename["changed"],
        serde_json::json!({"name": "Altyn Ýyldyz"})
    );
    assert_eq!(
        rename["origin"],
        serde_json::json!({"kind": "load", "ref": "test"})
    );
    assert!(rename["seq"].as_i64() > changes[0]["seq"].as_i64());
    assert!(rename["recorded_at"].is_string());
}

#[actix_web::test]
async fn history_withholds_confidential_changes_from_the_public() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("D2222222", "Ynam", "2021-01-01"))
        .await;
    app.write(move |w| w.record(unit, &statistics(99, "01.11", "2024-01-01")))
        .await;

    let (_, public) = app
        .get(&format!("/api/v1/units/{unit}/history"), None)
        .await;
    let token = app.token(Role::Statistician).await;
    let (_, full) = app
        .get(&format!("/api/v1/units/{unit}/history"), Some(&token))
        .await;

    assert!(!public.to_string().contains("employees"));
    assert!(full.to_string().contains("\"employees\":99"));
}

/// A tax statement changing only turnover must not show, to the public,
/// that or when it happened: no entry, and no `superseded_at` pointing at it.
#[actix_web::test]
async fn public_history_does_not_reveal_when_a_confidential_figure_changed() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("D3333333", "Bagtyýar", "2021-01-01"))
        .await;
    app.write(move |w| w.record(unit, &tax("123456789012", "Bagtyýar", "2022-01-01")))
        .await;
    let mut raised = tax("123456789012", "Bagtyýar", "2023-06-01");
    raised.values.turnover = Some(99_999_999);
    app.write(move |w| w.record(unit, &raised)).await;

    let path = format!("/api/v1/units/{unit}/history");
    let token = app.token(Role::Statistician).await;
    let (_, full) = app.get(&path, Some(&token)).await;
    let (_, public) = app.get(&path, None).await;
    let changes = |history: &serde_json::Value| history["changes"].as_array().unwrap().clone();
    let raise = changes(&full)
        .into_iter()
        .find(|entry| entry["changed"]["turnover"] == "999999.99")
        .unwrap_or_else(|| panic!("staff see the raise: {full}"));
    let public_changes = changes(&public);
    assert_eq!(
        public_changes.len(),
        2,
        "justice and tax's first word: {public}"
    );
    for entry in &public_changes {
        assert!(!entry["changed"].as_object().unwrap().is_empty(), "{entry}");
        assert_ne!(entry["seq"], raise["seq"], "{entry}");
        assert_ne!(entry["superseded_at"], raise["recorded_at"], "{entry}");
        assert_ne!(entry["recorded_at"], raise["recorded_at"], "{entry}");
    }
}

#[actix_web::test]
async fn dates_outside_1800_to_2100_are_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("D4444444", "Gadymy", "2021-01-01"))
        .await;
    for (path, field) in [
        (format!("/api/v1/units/{unit}?as_of=0001-01-01"), "as_of"),
        (
            format!("/api/v1/units/{unit}/links?as_of=2101-01-01"),
            "as_of",
        ),
        (
            "/api/v1/units?registered_from=1799-12-31".to_owned(),
            "registered_from",
        ),
    ] {
        let (status, problem) = app.get(&path, None).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["code"], "date_out_of_range", "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
    let (status, _) = app
        .get(&format!("/api/v1/units/{unit}?as_of=1800-01-01"), None)
        .await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn links_connect_legal_unit_enterprise_local_unit_and_group() {
    let app = spawn_app().await;
    let (legal_unit, enterprise) = app
        .legal_unit(justice("E3333333", "Nusaý", "2015-01-01"))
        .await;
    let (local, group) = app
        .write(move |w| {
            let local = w.create_unit(UnitKind::LocalUnit)?;
            w.link(LinkKind::LocalUnitOf, local, legal_unit, day("2016-01-01"))?;
            let group = w.create_unit(UnitKind::EnterpriseGroup)?;
            w.link(LinkKind::GroupMember, legal_unit, group, day("2020-01-01"))?;
            w.event(
                EventKind::Birth,
                day("2015-01-01"),
                &[(legal_unit, EventRole::Subject)],
                None,
            )?;
            Ok((local, group))
        })
        .await;

    let (status, body) = app
        .get(
            &format!("/api/v1/units/{legal_unit}/links?as_of=2021-01-01"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let related: Vec<(String, String, String)> = body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["related_as"].as_str().unwrap().to_owned(),
                l["stat_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(related.contains(&(
        "enterprise_of".into(),
        "whole".into(),
        enterprise.to_string()
    )));
    assert!(related.contains(&("local_unit_of".into(), "part".into(), local.to_string())));
    assert!(related.contains(&("group_member".into(), "whole".into(), group.to_string())));

    // Before the group existed, the link is not there.
    let (_, early) = app
        .get(
            &format!("/api/v1/units/{legal_unit}/links?as_of=2017-01-01"),
            None,
        )
        .await;
    assert_eq!(early["links"].as_array().unwrap().len(), 2);

    // The enterprise shows its legal unit's name and links back to it.
    let (_, from_enterprise) = app
        .get(&format!("/api/v1/units/{enterprise}/links"), None)
        .await;
    assert_eq!(
        from_enterprise["links"][0]["stat_id"],
        legal_unit.to_string()
    );
    assert_eq!(from_enterprise["links"][0]["name"], "Nusaý");
    let (_, enterprise_view) = app.get(&format!("/api/v1/units/{enterprise}"), None).await;
    assert_eq!(enterprise_view["kind"], "enterprise");
    assert_eq!(enterprise_view["attributes"]["name"]["value"], "Nusaý");

    let (_, history) = app
        .get(&format!("/api/v1/units/{legal_unit}/history"), None)
        .await;
    assert_eq!(history["events"][0]["kind"], "birth");
    assert_eq!(history["events"][0]["units"][0]["role"], "subject");
}

#[actix_web::test]
async fn bad_requests_get_clear_problems() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("F4444444", "Gülzemin", "2015-01-01"))
        .await;
    let good = unit.to_string();
    let mut typo = good.clone().into_bytes();
    typo.swap(3, 4);
    if typo == good.as_bytes() {
        typo[3] = if typo[3] == b'9' { b'0' } else { typo[3] + 1 };
    }
    let typo = String::from_utf8(typo).unwrap();
    let unknown = StatId::from_unit_number(999_999).to_string();

    let cases = [
        (format!("/api/v1/units/{typo}"), None, 400, Some("stat_id")),
        ("/api/v1/units/12345".to_owned(), None, 400, Some("stat_id")),
        (format!("/api/v1/units/{unknown}"), None, 404, None),
        (
            format!("/api/v1/units/{good}?as_of=31.12.2024"),
            None,
            400,
            Some("as_of"),
        ),
        (
            format!("/api/v1/units/{good}?as_of=2024-02-30"),
            None,
            400,
            Some("as_of"),
        ),
        (
            format!("/api/v1/units/{good}?asof=2024-01-01"),
            None,
            400,
            Some("asof"),
        ),
        (
            format!("/api/v1/units/{good}"),
            Some("sanaw_not_a_real_token"),
            401,
            None,
        ),
        ("/api/v1/no-such-thing".to_owned(), None, 404, None),
    ];
    for (path, token, expected, field) in cases {
        let mut request = app.client.get(format!("{}{path}", app.address));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{path}");
        let content_type = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(content_type, "application/problem+json", "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], expected, "{path}");
        assert!(body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:sanaw:problem:"));
        assert!(!body["detail"].as_str().unwrap().is_empty());
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        }
    }
}

#[actix_web::test]
async fn a_malformed_authorization_header_is_refused_not_ignored() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("G5555555", "Sahy", "2015-01-01"))
        .await;
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "token-without-scheme"] {
        let response = app
            .client
            .get(format!("{}/api/v1/units/{unit}", app.address))
            .insert_header(("Authorization", header))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{header}");
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            "Bearer"
        );
    }
}
