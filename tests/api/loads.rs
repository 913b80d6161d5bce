//! Extract uploads over HTTP: the sample extracts, retries, dry runs,
//! who may load what, the links export and the justice register's
//! branches, liquidations and mergers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sanaw::domain::access::{Agency, Role};

use crate::harness::{assert_whole, data_rows, spawn_app, LinkRow, TestApp};

const JUSTICE: &[u8] = include_bytes!("../../fixtures/sources/justice.csv");
const TAX: &[u8] = include_bytes!("../../fixtures/sources/tax.csv");
const STATISTICS: &[u8] = include_bytes!("../../fixtures/sources/statistics.csv");

/// The three samples, in the order a register is usually built.
const SAMPLES: [(&str, &[u8], u8); 3] = [
    ("justice", JUSTICE, b','),
    ("tax", TAX, b','),
    ("statistics", STATISTICS, b';'),
];

/// The methods docs/CONTRACT.md allows in the links export.
const METHODS: [&str; 7] = [
    "stat_id",
    "tin",
    "reg_number",
    "fuzzy",
    "new",
    "review",
    "manual",
];

/// Loads the three samples; returns their reports by source.
async fn load_samples(app: &TestApp, token: &str) -> BTreeMap<&'static str, serde_json::Value> {
    let mut reports = BTreeMap::new();
    for (source, bytes, _) in SAMPLES {
        let report = app
            .load_done(&format!("source={source}"), bytes.to_vec(), token)
            .await;
        reports.insert(source, report);
    }
    reports
}

/// Every source an attribute of the unit comes from, chosen or not.
fn sources_of(unit: &serde_json::Value) -> BTreeSet<String> {
    let mut sources = BTreeSet::new();
    for attribute in unit["attributes"].as_object().expect("attributes").values() {
        sources.insert(attribute["source"].as_str().unwrap().to_owned());
        for other in attribute["others"].as_array().into_iter().flatten() {
            sources.insert(other["source"].as_str().unwrap().to_owned());
        }
    }
    sources
}

/// The open review items, counted by the API.
async fn open_reviews(app: &TestApp, token: &str) -> i64 {
    let (status, page) = app.get("/api/v1/review", Some(token)).await;
    assert_eq!(status, 200, "{page}");
    page["open"].as_i64().expect("open count")
}

/// A demographic event: kind, date, and each unit with its role.
type Event = (String, String, Vec<(String, String)>);

fn rows_of<'a>(links: &'a [LinkRow], source: &str) -> Vec<&'a LinkRow> {
    links.iter().filter(|row| row.source == source).collect()
}

#[actix_web::test]
async fn the_three_samples_load_and_a_unit_gathers_what_each_source_says() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;

    let reports = load_samples(&app, &token).await;

    for (source, bytes, delimiter) in SAMPLES {
        let report = &reports[source];
        assert_eq!(report["source"], source);
        assert_eq!(report["dry_run"], false);
        assert_eq!(
            report["rows_read"].as_u64(),
            Some(data_rows(bytes, delimiter)),
            "{source}: {report}"
        );
        assert!(report["accepted"].as_u64().unwrap() > 0, "{source}");
        assert_whole(&app, report, &token).await;
    }
    // A fresh register: every justice row is a new unit, tax and
    // statistics find many of them.
    assert_eq!(
        reports["justice"]["units_created"],
        reports["justice"]["accepted"]
    );
    assert!(reports["tax"]["units_updated"].as_u64().unwrap() > 0);
    assert!(reports["statistics"]["units_updated"].as_u64().unwrap() > 0);

    // What the tax file says of each taxpayer, by tin.
    let mut tax_file = csv::Reader::from_reader(TAX);
    let columns = tax_file.headers().unwrap().clone();
    let column = |name: &str| columns.iter().position(|c| c.trim() == name).unwrap();
    let (tin, turnover) = (column("tin"), column("turnover"));
    let turnovers: HashMap<String, String> = tax_file
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[tin].trim().to_owned(), r[turnover].trim().to_owned()))
        .collect();

    // Tax rows linked to a unit that justice created.
    let links = app.links_export();
    let linked: Vec<&LinkRow> = rows_of(&links, "tax")
        .into_iter()
        .filter(|row| ["tin", "reg_number", "fuzzy"].contains(&row.method.as_str()))
        .collect();
    assert!(
        !linked.is_empty(),
        "no tax row was linked to a justice unit"
    );
    let by_statistics: BTreeSet<&str> = rows_of(&links, "statistics")
        .iter()
        .map(|row| row.unit_id.as_str())
        .collect();
    let mut seen_all_three = false;
    for row in linked.iter().take(25) {
        let (status, unit) = app
            .get(&format!("/api/v1/units/{}", row.unit_id), Some(&token))
            .await;
        assert_eq!(status, 200, "{unit}");
        assert_eq!(unit["kind"], "legal_unit");
        let sources = sources_of(&unit);
        assert!(
            sources.contains("tax") && sources.contains("justice"),
            "tax line {} ({}): {sources:?}",
            row.line,
            row.source_key
        );
        let attributes = &unit["attributes"];
        // Source priority: justice names the unit, tax gives the tin and turnover.
        assert_eq!(attributes["name"]["source"], "justice", "{unit}");
        assert_eq!(attributes["tin"]["source"], "tax", "{unit}");
        assert_eq!(attributes["tin"]["value"], row.source_key.as_str());
        let expected = &turnovers[&row.source_key];
        if !expected.is_empty() {
            let shown: f64 = attributes["turnover"]["value"]
                .as_str()
                .expect("turnover as a decimal string")
                .parse()
                .unwrap();
            let sent: f64 = expected.replace([' ', ','], "").parse().unwrap();
            assert!((shown - sent).abs() < 0.005, "{shown} vs {expected}");
            assert_eq!(attributes["turnover"]["source"], "tax");
        }
        if by_statistics.contains(row.unit_id.as_str()) {
            assert!(sources.contains("statistics"), "{sources:?}");
            seen_all_three = true;
        }
    }
    if !seen_all_three {
        // None of the first units had a statistics row: look for one that has.
        let row = linked
            .iter()
            .find(|row| by_statistics.contains(row.unit_id.as_str()))
            .expect("a unit found by tax and statistics");
        let (_, unit) = app
            .get(&format!("/api/v1/units/{}", row.unit_id), Some(&token))
            .await;
        assert_eq!(
            sources_of(&unit),
            BTreeSet::from(["justice".into(), "statistics".into(), "tax".into()])
        );
    }
}

#[actix_web::test]
async fn loading_the_same_file_again_never_duplicates() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    load_samples(&app, &token).await;
    let units = app.unit_count().await;
    let version = app.register_version().await;
    let open = open_reviews(&app, &token).await;
    let before = app.links_export();

    for (source, bytes, _) in SAMPLES {
        let report = app
            .load_done(&format!("source={source}"), bytes.to_vec(), &token)
            .await;
        assert_whole(&app, &report, &token).await;
        assert_eq!(report["units_created"], 0, "{source}: {report}");
        assert_eq!(report["units_updated"], 0, "{source}: {report}");
        assert_eq!(report["review_opened"], 0, "{source}: {report}");
        let previous = rows_of(&before, source);
        let reviewed = previous.iter().filter(|r| r.method == "review").count() as u64;
        assert_eq!(report["accepted"].as_u64(), Some(previous.len() as u64));
        // Rows still in review join their open item; every other row finds
        // its unit as it left it.
        assert_eq!(
            report["review_pending"].as_u64(),
            Some(reviewed),
            "{report}"
        );
        assert_eq!(
            report["units_unchanged"].as_u64(),
            Some(previous.len() as u64 - reviewed),
            "{report}"
        );
    }

    assert_eq!(app.unit_count().await, units, "a retry created units");
    assert_eq!(
        app.register_version().await,
        version,
        "a retry changed the register"
    );
    assert_eq!(open_reviews(&app, &token).await, open);
    let after = app.links_export();
    assert_eq!(after.len(), before.len());
    let distinct = |rows: &[LinkRow]| -> BTreeSet<String> {
        rows.iter()
            .map(|row| row.unit_id.clone())
            .filter(|u| !u.is_empty())
            .collect()
    };
    assert_eq!(distinct(&after), distinct(&before));
    // Each row went to the same unit (or stayed in review) the second time.
    for (first, again) in before.iter().zip(&after) {
        assert_eq!(
            (&first.source, first.line, &first.source_key, &first.unit_id),
            (&again.source, again.line, &again.source_key, &again.unit_id)
        );
        assert_ne!(
            first.load_id, again.load_id,
            "the export shows the latest load"
        );
    }
}

#[actix_web::test]
async fn a_dry_run_reports_what_a_load_would_do_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let version = app.register_version().await;
    let units = app.unit_count().await;

    let dry = app
        .load("source=justice&dry_run=true", JUSTICE.to_vec(), &token)
        .await;
    assert_eq!(dry["status"], "done", "{dry}");
    assert_eq!(dry["dry_run"], true);
    let dry = dry["report"].clone();
    assert_eq!(dry["dry_run"], true);
    assert!(dry["units_created"].as_u64().unwrap() > 0, "{dry}");
    assert_eq!(dry["units_created"], dry["accepted"]);
    assert_whole(&app, &dry, &token).await;

    assert_eq!(app.register_version().await, version);
    assert_eq!(app.unit_count().await, units);
    assert!(
        app.links_export().is_empty(),
        "a dry run is not a latest load"
    );

    // The real load then does what the dry run said.
    let real = app
        .load_done("source=justice", JUSTICE.to_vec(), &token)
        .await;
    assert_eq!(real["dry_run"], false);
    let counts = [
        "rows_read",
        "accepted",
        "rejected",
        "units_created",
        "units_updated",
        "units_unchanged",
        "links",
        "review_opened",
        "review_pending",
        "conflicts",
    ];
    for count in counts {
        assert_eq!(real[count], dry[count], "{count}");
    }
    assert!(app.unit_count().await > units);

    // The same for a load that matches against a register and opens review items.
    let version = app.register_version().await;
    let units = app.unit_count().await;
    let open = open_reviews(&app, &token).await;
    let links = app.links_export();
    let dry = app
        .load_done("source=tax&dry_run=true", TAX.to_vec(), &token)
        .await;
    assert_eq!(app.register_version().await, version);
    assert_eq!(app.unit_count().await, units);
    assert_eq!(open_reviews(&app, &token).await, open);
    assert_eq!(app.links_export(), links);
    let real = app.load_done("source=tax", TAX.to_vec(), &token).await;
    for count in counts {
        assert_eq!(real[count], dry[count], "{count}");
    }
    assert!(app.register_version().await > version);
}

#[actix_web::test]
async fn who_may_upload_and_read_loads() {
    let app = spawn_app().await;
    let tax_agency = app.token(Role::Agency).await;
    let justice_agency = app.agency_token(Agency::Justice).await;
    let analyst = app.token(Role::Analyst).await;
    let statistician = app.token(Role::Statistician).await;
    let admin = app.token(Role::Admin).await;
    let tax_file = b"tin,name\n012345678901,Ak yol\n".to_vec();
    let justice_file = b"reg_number,name,registration_date\nA1,Ak yol,2020-01-01\n".to_vec();

    // An agency loads its own source only.
    let (status, problem) = app
        .upload("source=justice", justice_file.clone(), Some(&tax_agency))
        .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["code"], "other_agency");
    assert!(
        problem["detail"].as_str().unwrap().contains("tax"),
        "{problem}"
    );
    let (status, problem) = app
        .upload("source=justice", justice_file.clone(), Some(&analyst))
        .await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = app
        .upload("source=justice", justice_file.clone(), None)
        .await;
    assert_eq!(status, 401, "{problem}");
    let (status, _) = app
        .upload(
            "source=tax",
            tax_file.clone(),
            Some("sanaw_not_a_real_token"),
        )
        .await;
    assert_eq!(status, 401);
    // None of the refused uploads became a load.
    let (_, list) = app.get("/api/v1/loads", Some(&statistician)).await;
    assert_eq!(list, serde_json::json!([]));

    let own = app.load("source=tax", tax_file.clone(), &tax_agency).await;
    assert_eq!(own["status"], "done", "{own}");
    let justice_load = app
        .load("source=justice", justice_file.clone(), &justice_agency)
        .await;
    assert_eq!(justice_load["status"], "done", "{justice_load}");
    for token in [&statistician, &admin] {
        let load = app
            .load("source=justice", justice_file.clone(), token)
            .await;
        assert_eq!(load["status"], "done", "{load}");
    }
    let (own_id, justice_id) = (
        own["id"].as_i64().unwrap(),
        justice_load["id"].as_i64().unwrap(),
    );

    // Reading: an agency sees its own source's loads; the justice load is
    // not there for the tax agency (404, not 403: it does not learn it exists).
    let (status, _) = app
        .get(&format!("/api/v1/loads/{own_id}"), Some(&tax_agency))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get(
            &format!("/api/v1/loads/{own_id}/rejections"),
            Some(&tax_agency),
        )
        .await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .get(&format!("/api/v1/loads/{justice_id}"), Some(&tax_agency))
        .await;
    assert_eq!(status, 404, "{problem}");
    let (status, _) = app
        .get(
            &format!("/api/v1/loads/{justice_id}/rejections"),
            Some(&tax_agency),
        )
        .await;
    assert_eq!(status, 404);
    let (status, list) = app.get("/api/v1/loads", Some(&tax_agency)).await;
    assert_eq!(status, 200);
    let sources: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["tax"]);
    let (_, list) = app.get("/api/v1/loads", Some(&statistician)).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
    // Analysts read loads; the public does not.
    let (status, _) = app
        .get(&format!("/api/v1/loads/{justice_id}"), Some(&analyst))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get(&format!("/api/v1/loads/{justice_id}"), None).await;
    assert_eq!(status, 401);
    let (status, _) = app.get("/api/v1/loads/999999", Some(&statistician)).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn upload_parameters_are_checked() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let file = b"tin,name\n012345678901,Ak yol\n".to_vec();
    for (query, field) in [
        ("source=customs", "source"),
        ("source=register", "source"),
        ("source=tax&effective_date=31.12.2024", "effective_date"),
        ("source=tax&effective_date=2024-02-30", "effective_date"),
        ("source=tax&dryrun=true", "dryrun"),
        ("file_name=x.csv", "source"),
    ] {
        let (status, problem) = app.upload(query, file.clone(), Some(&token)).await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let load = app
        .load(
            "source=tax&effective_date=2024-06-30&file_name=nalog.csv",
            file,
            &token,
        )
        .await;
    assert_eq!(load["effective_date"], "2024-06-30");
    assert_eq!(load["file_name"], "nalog.csv");
    assert_eq!(load["report"]["effective_date"], "2024-06-30");
}

#[actix_web::test]
async fn the_links_export_has_a_row_per_accepted_row_of_each_latest_load() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    // An earlier tax load that a later one replaces in the export.
    app.load_done(
        "source=tax",
        b"tin,name\n999999999999,Gone\n".to_vec(),
        &token,
    )
    .await;
    let reports = load_samples(&app, &token).await;

    let links = app.links_export();
    let accepted: u64 = reports
        .values()
        .map(|r| r["accepted"].as_u64().unwrap())
        .sum();
    assert_eq!(links.len() as u64, accepted);
    for (source, report) in &reports {
        let rows = rows_of(&links, source);
        assert_eq!(
            rows.len() as u64,
            report["accepted"].as_u64().unwrap(),
            "{source}"
        );
        let load_id = report["load_id"].as_i64().unwrap();
        assert!(rows.iter().all(|row| row.load_id == load_id), "{source}");
        // The methods counted in the report are the methods exported.
        let mut methods: BTreeMap<String, u64> = BTreeMap::new();
        for row in &rows {
            *methods.entry(row.method.clone()).or_default() += 1;
        }
        assert_eq!(serde_json::json!(methods), report["links"], "{source}");
        let lines: BTreeSet<u64> = rows.iter().map(|row| row.line).collect();
        assert_eq!(lines.len(), rows.len(), "{source}: a line twice");
        let rows_read = report["rows_read"].as_u64().unwrap();
        assert!(
            lines.iter().all(|line| (2..=rows_read + 1).contains(line)),
            "{source}"
        );
    }
    assert!(!links.iter().any(|row| row.source_key == "999999999999"));
    for row in &links {
        assert!(METHODS.contains(&row.method.as_str()), "{row:?}");
        assert_eq!(row.method == "review", row.unit_id.is_empty(), "{row:?}");
        if !row.unit_id.is_empty() {
            assert!(row.unit_id.len() == 9 && row.unit_id.bytes().all(|b| b.is_ascii_digit()));
        }
        if !row.score.is_empty() {
            row.score.parse::<f64>().expect("a numeric score");
        }
        match row.source.as_str() {
            "justice" | "tax" => assert!(!row.source_key.is_empty(), "{row:?}"),
            "statistics" => {}
            other => panic!("source {other}"),
        }
    }
    assert!(links.iter().any(|row| row.method == "review"));
    // The exported units exist.
    for row in links.iter().filter(|r| !r.unit_id.is_empty()).step_by(40) {
        let (status, _) = app
            .get(&format!("/api/v1/units/{}", row.unit_id), None)
            .await;
        assert_eq!(status, 200, "{row:?}");
    }

    // A failed load does not replace the latest done one in the export.
    let failed = app
        .load("source=tax", b"name,region\nX,TM-S\n".to_vec(), &token)
        .await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(app.links_export(), links);
}

#[actix_web::test]
async fn branches_liquidations_and_mergers_become_links_and_events() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    // The branch and the merged entity come before the entity they name.
    let file = "reg_number,tin,name,legal_form_code,registration_date,status,liquidation_date,address,region,parent_reg_number,successor_reg_number\n\
        B-100,,Altyn Sapak HJ Mary şahamçasy,,07.06.2005,registered,,\"Mary, Magtymguly köçesi, jaý 3\",TM-M,p-100 ,\n\
        M-300,300000000003,Gök Depe HJ,ES,2004-01-01,reorganised,01.03.2018,\"Ahal, Änew, jaý 8\",TM-A,,P-100\n\
        P-100,100000000001,Altyn Sapak HJ,ES,2001-02-03,registered,,\"Aşgabat, Azady köçesi, jaý 1\",TM-S,,\n\
        L-200,200000000002,Ýaşyl Ýaýla HJ,ES,2003-01-01,liquidated,2015-05-05,\"Lebap, Türkmenabat, jaý 5\",TM-L,,\n";

    let report = app.load_done("source=justice", file, &token).await;
    assert_whole(&app, &report, &token).await;
    assert_eq!(report["accepted"], 4, "{report}");
    assert_eq!(report["units_created"], 4);
    assert_eq!(report["notes"], serde_json::json!([]));
    let links = app.links_export();
    let unit = |key: &str| {
        links
            .iter()
            .find(|row| row.source_key == key)
            .unwrap_or_else(|| panic!("{key} in the links export: {links:?}"))
            .unit_id
            .clone()
    };
    let (branch, merged, parent, liquidated) =
        (unit("B-100"), unit("M-300"), unit("P-100"), unit("L-200"));

    // The branch is a local unit of its parent, from its registration.
    let (_, view) = app
        .get(&format!("/api/v1/units/{branch}"), Some(&token))
        .await;
    assert_eq!(view["kind"], "local_unit", "{view}");
    let (status, related) = app
        .get(&format!("/api/v1/units/{branch}/links"), None)
        .await;
    assert_eq!(status, 200);
    let related = related["links"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0]["kind"], "local_unit_of");
    assert_eq!(related[0]["related_as"], "whole");
    assert_eq!(related[0]["stat_id"], parent.as_str());
    assert_eq!(related[0]["unit_kind"], "legal_unit");
    assert_eq!(related[0]["valid_from"], "2005-06-07");
    let (_, from_parent) = app
        .get(&format!("/api/v1/units/{parent}/links"), None)
        .await;
    assert!(
        from_parent["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "local_unit_of"
                && l["related_as"] == "part"
                && l["stat_id"] == branch.as_str()),
        "{from_parent}"
    );
    let (_, early) = app
        .get(
            &format!("/api/v1/units/{parent}/links?as_of=2004-01-01"),
            None,
        )
        .await;
    assert!(!early.to_string().contains(&branch), "{early}");

    let events = |history: &serde_json::Value| -> Vec<Event> {
        history["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["date"].as_str().unwrap().to_owned(),
                    e["units"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|u| {
                            (
                                u["stat_id"].as_str().unwrap().to_owned(),
                                u["role"].as_str().unwrap().to_owned(),
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    };
    let history = |stat_id: String| {
        let app = &app;
        async move {
            let (status, body) = app
                .get(&format!("/api/v1/units/{stat_id}/history"), None)
                .await;
            assert_eq!(status, 200, "{body}");
            events(&body)
        }
    };
    let subject = |id: &str| vec![(id.to_owned(), "subject".to_owned())];
    let merger = vec![
        (merged.clone(), "predecessor".to_owned()),
        (parent.clone(), "successor".to_owned()),
    ];

    // A liquidated entity is born and dies on the justice register's dates.
    let liquidated_events = history(liquidated.clone()).await;
    assert!(liquidated_events.contains(&(
        "birth".into(),
        "2003-01-01".into(),
        subject(&liquidated)
    )));
    assert!(
        liquidated_events.contains(&("death".into(), "2015-05-05".into(), subject(&liquidated))),
        "{liquidated_events:?}"
    );
    // A successor number is a merger into the successor, on the end date.
    let merged_events = history(merged.clone()).await;
    assert!(
        merged_events.contains(&("merger".into(), "2018-03-01".into(), merger.clone())),
        "{merged_events:?}"
    );
    let parent_events = history(parent.clone()).await;
    assert!(parent_events.contains(&("birth".into(), "2001-02-03".into(), subject(&parent))));
    assert!(parent_events.contains(&("merger".into(), "2018-03-01".into(), merger)));
    assert!(
        !parent_events.iter().any(|e| e.0 == "death"),
        "{parent_events:?}"
    );
    let branch_events = history(branch.clone()).await;
    assert_eq!(
        branch_events,
        [("birth".into(), "2005-06-07".into(), subject(&branch))]
    );

    // Loading the file again adds no second link or event.
    let again = app.load_done("source=justice", file, &token).await;
    assert_eq!(again["units_created"], 0);
    assert_eq!(history(merged.clone()).await, merged_events);
    assert_eq!(history(parent.clone()).await, parent_events);
    let (_, related) = app
        .get(&format!("/api/v1/units/{branch}/links"), None)
        .await;
    assert_eq!(related["links"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_branch_of_an_unknown_parent_is_noted() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    let file = "reg_number,name,registration_date,parent_reg_number,successor_reg_number\n\
        B-1,Bereket şahamçasy,2010-01-01,NOPE-1,\n\
        C-1,Ynam,2010-01-01,,NOPE-2\n";
    let report = app.load_done("source=justice", file, &token).await;
    assert_whole(&app, &report, &token).await;
    assert_eq!(report["accepted"], 2);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("line 2") && notes.contains("NOPE-1"),
        "{notes}"
    );
    assert!(
        notes.contains("line 3") && notes.contains("NOPE-2"),
        "{notes}"
    );
}

#[actix_web::test]
async fn uploads_queue_and_run_one_after_another_in_order() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    // Both uploads are answered before either load has run.
    let (status, justice) = app
        .upload("source=justice", JUSTICE.to_vec(), Some(&token))
        .await;
    assert_eq!(status, 202, "{justice}");
    let (status, tax) = app.upload("source=tax", TAX.to_vec(), Some(&token)).await;
    assert_eq!(status, 202, "{tax}");
    let justice = app
        .wait_for_load(justice["load_id"].as_i64().unwrap(), &token)
        .await;
    let tax = app
        .wait_for_load(tax["load_id"].as_i64().unwrap(), &token)
        .await;
    assert_eq!(justice["status"], "done", "{justice}");
    assert_eq!(tax["status"], "done", "{tax}");
    // The tax load ran after the justice load had committed: it found its units.
    let links = &tax["report"]["links"];
    let found = links["tin"].as_u64().unwrap_or(0) + links["reg_number"].as_u64().unwrap_or(0);
    assert!(found > 0, "{links}");
    assert!(tax["finished_at"].as_str() >= justice["finished_at"].as_str());
}

#[actix_web::test]
async fn an_agency_sees_the_role_of_staff_not_their_names() {
    let app = spawn_app().await;
    let agency = app.token(Role::Agency).await;
    let statistician = app
        .db
        .write(|conn| {
            sanaw::store::tokens::create(conn, Role::Statistician, None, Some("Aýna Gurbanowa"))
        })
        .await
        .expect("a token");
    let load = app
        .load(
            "source=tax",
            b"tin,name\n012345678901,Ak yol\n".to_vec(),
            &statistician,
        )
        .await;
    let id = load["id"].as_i64().unwrap();
    assert!(
        load["requested_by"].as_str().unwrap().contains("Aýna"),
        "{load}"
    );

    let (status, seen) = app.get(&format!("/api/v1/loads/{id}"), Some(&agency)).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["requested_by"], "statistician", "{seen}");
    let (_, listed) = app.get("/api/v1/loads", Some(&agency)).await;
    assert!(!listed.to_string().contains("Aýna"), "{listed}");
    // Timestamps are RFC 3339 with their offset, UTC.
    for moment in [&seen["created_at"], &seen["finished_at"]] {
        let text = moment.as_str().unwrap();
        assert!(text.ends_with('Z'), "{text}");
        chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    }
}

/// `sanaw` with its data folder and database, as a test runs it.
fn sanaw(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command.args(args).env("SANAW_DATA_DIR", &app.data_dir);
    match &app.database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
        .env_remove("SANAW_LINK_THRESHOLD")
        .env_remove("SANAW_REVIEW_THRESHOLD")
        .output()
        .expect("sanaw runs")
}

#[actix_web::test]
async fn the_command_line_refuses_settings_that_cannot_be_used_with_exit_2() {
    let app = spawn_app().await;
    let file = app.data_dir.join("tax.csv");
    std::fs::write(&file, "tin,name\n012345678901,Ak yol\n").unwrap();
    let path = file.to_str().unwrap();
    for (args, says) in [
        (
            vec!["load", "--source", "tax", path, "--review-threshold", "20"],
            "review threshold",
        ),
        (vec!["serve", "--search-threads", "0"], "--search-threads"),
        (
            vec![
                "load",
                "--source",
                "tax",
                path,
                "--effective-date",
                "0001-01-01",
            ],
            "1800-01-01 to 2100-12-31",
        ),
    ] {
        let output = sanaw(&app, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(app.unit_count().await, 0);
    let output = sanaw(
        &app,
        &["load", "--source", "tax", path, "--link-threshold", "20"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(app.unit_count().await, 2, "a legal unit and its enterprise");
}
