//! Business demography: births, deaths and active units per year from
//! units built through real submissions and loads, by the EU rules.

use serde_json::{json, Value};

use crate::harness::{spawn_app, TestApp};
use sanaw::domain::access::{Agency, Role};

/// A justice agency submitting events.
struct Justice<'a> {
    app: &'a TestApp,
    token: String,
    sent: usize,
}

impl<'a> Justice<'a> {
    async fn new(app: &'a TestApp) -> Justice<'a> {
        Justice {
            app,
            token: app.agency_token(Agency::Justice).await,
            sent: 0,
        }
    }

    /// Submits an event and expects it accepted; returns the answer.
    async fn accepted(&mut self, event: Value) -> Value {
        self.sent += 1;
        let answer = self
            .app
            .submit(&event, &self.token, &format!("d-{}", self.sent), None)
            .await;
        assert_eq!(answer.status, 200, "{event} → {}", answer.body);
        assert_eq!(answer.body["outcome"], "accepted", "{}", answer.body);
        answer.body
    }

    /// Registers a company on a date; returns its stat_id.
    async fn born(&mut self, date: &str, unit: Value) -> String {
        let answer = self
            .accepted(json!({"event": "register", "effective_date": date, "unit": unit}))
            .await;
        answer["stat_id"].as_str().expect("stat_id").to_owned()
    }

    async fn event(&mut self, event: &str, date: &str, stat_id: &str) {
        self.accepted(json!({"event": event, "effective_date": date, "stat_id": stat_id}))
            .await;
    }
}

/// A company in a region, with an activity and a legal form.
fn company(name: &str, reg_number: &str, region: &str, activity: &str, form: &str) -> Value {
    json!({"name": name, "reg_number": reg_number, "region": region,
           "activity_code": activity, "legal_form": form})
}

/// GETs the demography answer; expects 200.
async fn demography(app: &TestApp, query: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/stats/demography?{query}"), None)
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// (year, births, deaths, active) of each entry of an answer, for one group.
fn counts(answer: &Value, group: Option<&str>) -> Vec<(i64, i64, i64, i64)> {
    answer["years"]
        .as_array()
        .expect("years")
        .iter()
        .filter(|entry| group.is_none_or(|group| entry["group"] == group))
        .map(|entry| {
            let number = |field: &str| entry[field].as_i64().expect(field);
            (
                number("year"),
                number("births"),
                number("deaths"),
                number("active"),
            )
        })
        .collect()
}

#[actix_web::test]
async fn births_deaths_and_active_units_follow_the_eu_rules() {
    let app = spawn_app().await;
    let mut justice = Justice::new(&app).await;
    // Liquidated for good: a birth in 2018, a death in 2020.
    let liquidated = justice
        .born(
            "2018-03-01",
            company("Ak Ýol", "L-1", "TM-S", "62.10", "ES"),
        )
        .await;
    justice.event("liquidate", "2020-06-30", &liquidated).await;
    // Back within two years: neither the death nor the return counts.
    let returned = justice
        .born(
            "2018-05-01",
            company("Bereket Söwda", "L-2", "TM-S", "47.11", "ES"),
        )
        .await;
    justice.event("liquidate", "2021-03-31", &returned).await;
    justice.event("reactivate", "2022-01-15", &returned).await;
    // Back after three years: the death stands and the return is a birth.
    let reborn = justice
        .born(
            "2015-01-10",
            company("Altyn Asyr Gurluşyk", "L-3", "TM-A", "62.10", "PE"),
        )
        .await;
    justice.event("liquidate", "2016-06-30", &reborn).await;
    justice.event("reactivate", "2019-09-01", &reborn).await;
    // Taken over: its closure is not a death.
    let survivor = justice
        .born(
            "2017-01-01",
            company("Nusaý Ulag", "L-4", "TM-A", "47.11", "ES"),
        )
        .await;
    let absorbed = justice
        .born(
            "2017-02-01",
            company("Miras Dokma", "L-5", "TM-L", "47.11", "ES"),
        )
        .await;
    justice
        .accepted(json!({"event": "take_over", "effective_date": "2021-07-01",
                         "units": [absorbed], "survivor": survivor}))
        .await;
    // Split off: a new unit, but not a birth.
    justice
        .accepted(json!({"event": "split_off", "effective_date": "2022-02-01", "stat_id": survivor,
                         "unit": {"name": "Täze Ýyldyz Logistika", "reg_number": "L-6", "region": "TM-A"}}))
        .await;
    // A branch is a local unit: not counted.
    justice
        .accepted(
            json!({"event": "open_local_unit", "effective_date": "2019-04-01", "stat_id": survivor,
                         "unit": {"name": "Nusaý Ulag Mary", "region": "TM-M"}}),
        )
        .await;

    let answer = demography(&app, "from=2015&to=2023").await;
    assert_eq!(answer["from"], 2015);
    assert_eq!(answer["to"], 2023);
    assert_eq!(answer["by"], Value::Null);
    assert_eq!(answer["unit_kind"], "legal_unit");
    assert_eq!(answer["units"], 6, "{answer}");
    assert_eq!(answer["register_version"], app.register_version().await);
    assert!(answer["years"][0].get("group").is_none(), "{answer}");
    assert_eq!(
        counts(&answer, None),
        [
            (2015, 1, 0, 1),
            (2016, 0, 1, 1),
            (2017, 2, 0, 2),
            (2018, 2, 0, 4),
            (2019, 1, 0, 5),
            (2020, 0, 1, 5),
            (2021, 0, 0, 4),
            (2022, 0, 0, 4),
            (2023, 0, 0, 4),
        ],
        "{answer}"
    );

    // Deaths of the last two full years and the current one may still be undone.
    let recent = demography(&app, "from=2022&to=2026").await;
    let finals: Vec<(i64, bool)> = recent["years"]
        .as_array()
        .expect("years")
        .iter()
        .map(|entry| {
            (
                entry["year"].as_i64().unwrap(),
                entry["deaths_final"] == true,
            )
        })
        .collect();
    let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()) as i64;
    for (year, last) in finals {
        assert_eq!(last, year + 2 < this_year, "{year}: {recent}");
    }
}

#[actix_web::test]
async fn a_liquidation_loaded_as_a_reorganisation_is_not_a_death() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let extract = "reg_number,name,legal_form_code,registration_date,status,liquidation_date,region,successor_reg_number\n\
        J-1,Gündogar Önümçilik,ES,2010-04-01,registered,,TM-B,\n\
        J-2,Günbatar Önümçilik,ES,2012-04-01,reorganised,2020-05-01,TM-B,J-1\n\
        J-3,Demirgazyk Söwda,ES,2012-06-01,liquidated,2020-08-01,TM-B,\n\
        J-4,Günorta Gurluşyk,ES,2013-01-01,reorganised,2020-09-01,TM-B,\n";
    app.load_done("source=justice", extract, &token).await;
    // J-2 names its successor (a merger event), J-4 only says `reorganised`.
    let answer = demography(&app, "from=2019&to=2021").await;
    assert_eq!(
        counts(&answer, None),
        [(2019, 0, 0, 4), (2020, 0, 1, 4), (2021, 0, 0, 1)],
        "{answer}"
    );
}

#[actix_web::test]
async fn a_liquidation_a_reload_takes_back_within_two_years_is_not_a_death() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let header =
        "reg_number,name,legal_form_code,registration_date,status,liquidation_date,region\n";
    let first = format!(
        "{header}J-1,Gündogar Önümçilik,ES,2010-04-01,registered,,TM-B\n\
         J-3,Demirgazyk Söwda,ES,2012-06-01,liquidated,2020-08-01,TM-B\n"
    );
    app.load_done("source=justice", first, &token).await;
    let died = demography(&app, "from=2020&to=2021").await;
    assert_eq!(counts(&died, None), [(2020, 0, 1, 2), (2021, 0, 0, 1)]);
    // The next extract says J-3 is registered again, from 2021-06-01, with
    // no reactivation event: the status it shows settles it.
    let second = format!(
        "{header}J-1,Gündogar Önümçilik,ES,2010-04-01,registered,,TM-B\n\
         J-3,Demirgazyk Söwda,ES,2012-06-01,registered,,TM-B\n"
    );
    app.load_done("source=justice&effective_date=2021-06-01", second, &token)
        .await;
    let back = demography(&app, "from=2020&to=2021").await;
    assert_eq!(
        counts(&back, None),
        [(2020, 0, 0, 2), (2021, 0, 0, 2)],
        "{back}"
    );
}

#[actix_web::test]
async fn counts_are_broken_down_by_region_section_and_legal_form() {
    let app = spawn_app().await;
    let mut justice = Justice::new(&app).await;
    justice
        .born(
            "2020-02-01",
            company("Ak Ýol", "R-1", "TM-S", "62.10", "ES"),
        )
        .await;
    let closed = justice
        .born(
            "2020-03-01",
            company("Bereket Söwda", "R-2", "TM-S", "47.11", "PE"),
        )
        .await;
    justice.event("liquidate", "2021-05-01", &closed).await;
    justice
        .born(
            "2021-04-01",
            company("Altyn Asyr", "R-3", "TM-A", "62.10", "ES"),
        )
        .await;
    justice
        .born(
            "2021-06-01",
            json!({"name": "Ynam Hyzmat", "reg_number": "R-4"}),
        )
        .await;

    let by_region = demography(&app, "from=2020&to=2021&by=region").await;
    assert_eq!(by_region["by"], "region");
    let groups: Vec<(i64, Value)> = by_region["years"]
        .as_array()
        .expect("years")
        .iter()
        .map(|entry| (entry["year"].as_i64().unwrap(), entry["group"].clone()))
        .collect();
    // By year, then by group; units without a region last, as null.
    assert_eq!(
        groups,
        [
            (2020, json!("TM-A")),
            (2020, json!("TM-S")),
            (2020, Value::Null),
            (2021, json!("TM-A")),
            (2021, json!("TM-S")),
            (2021, Value::Null),
        ],
        "{by_region}"
    );
    assert_eq!(
        counts(&by_region, Some("TM-S")),
        [(2020, 2, 0, 2), (2021, 0, 1, 2)]
    );
    assert_eq!(
        counts(&by_region, Some("TM-A")),
        [(2020, 0, 0, 0), (2021, 1, 0, 1)]
    );

    let by_section = demography(&app, "from=2021&to=2021&by=activity_section").await;
    // NACE Rev. 2.1 puts computer programming (62) in section K.
    assert_eq!(counts(&by_section, Some("K")), [(2021, 1, 0, 2)]);
    assert_eq!(counts(&by_section, Some("G")), [(2021, 0, 1, 1)]);

    let by_form = demography(&app, "from=2021&to=2021&by=legal_form").await;
    assert_eq!(counts(&by_form, Some("ES")), [(2021, 1, 0, 2)]);
    assert_eq!(counts(&by_form, Some("PE")), [(2021, 0, 1, 1)]);

    // The groups add up to the total.
    let total = demography(&app, "from=2021&to=2021").await;
    assert_eq!(counts(&total, None), [(2021, 2, 1, 4)]);
}

/// GETs a path with headers; returns status, content type and body text.
async fn raw(app: &TestApp, path: &str, accept: Option<&str>) -> (u16, String, String) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(accept) = accept {
        request = request.insert_header(("Accept", accept));
    }
    let mut response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("Content-Type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.body().await.expect("body");
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).expect("UTF-8"),
    )
}

#[actix_web::test]
async fn csv_comes_with_format_or_accept() {
    let app = spawn_app().await;
    let mut justice = Justice::new(&app).await;
    justice
        .born(
            "2020-02-01",
            company("Ak Ýol", "C-1", "TM-S", "62.10", "ES"),
        )
        .await;
    let (status, content_type, text) = raw(
        &app,
        "/api/v1/stats/demography?from=2019&to=2020&format=csv",
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(
        text,
        "year,births,deaths,active,deaths_final\r\n\
         2019,0,0,0,true\r\n\
         2020,1,0,1,true\r\n"
    );
    let (status, content_type, text) = raw(
        &app,
        "/api/v1/stats/demography?from=2020&to=2020&by=region",
        Some("text/csv"),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    assert_eq!(
        text,
        "year,region,births,deaths,active,deaths_final\r\n2020,TM-S,1,0,1,true\r\n"
    );
    // `format` wins over Accept.
    let (_, content_type, _) = raw(
        &app,
        "/api/v1/stats/demography?format=json",
        Some("text/csv"),
    )
    .await;
    assert_eq!(content_type, "application/json");
}

#[actix_web::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        ("from=abc", "from", "invalid_parameter"),
        ("to=2015.5", "to", "invalid_parameter"),
        ("from=1799", "from", "out_of_range"),
        ("to=2101", "to", "out_of_range"),
        ("from=2020&to=2019", "from", "out_of_range"),
        ("by=sector", "by", "unknown_value"),
        ("format=xml", "format", "unknown_value"),
        ("colour=red", "colour", "unknown_parameter"),
    ];
    for (query, field, code) in cases {
        let (status, body) = app
            .get(&format!("/api/v1/stats/demography?{query}"), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], code, "{query}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    // Without years: the last ten, to the current one.
    let answer = demography(&app, "").await;
    let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()) as i64;
    assert_eq!(answer["to"], this_year);
    assert_eq!(answer["from"], this_year - 9);
    assert_eq!(answer["years"].as_array().map(Vec::len), Some(10));
}
