//! The units export: streamed CSV as of any date, by role, spreadsheet-safe,
//! the same bytes from the command line.

use std::io::Read;

use sanaw::domain::access::Role;
use sanaw::domain::attribute::Disclosure;
use sanaw::domain::stat_id::StatId;
use sanaw::export::columns::Column;

use crate::harness::{day, justice, spawn_app, statistics, tax, TestApp};
use crate::search::indexed;

/// A CSV answer: status, headers that matter, and the body.
pub struct Csv {
    pub status: u16,
    pub version: Option<i64>,
    pub encoding: Option<String>,
    pub body: Vec<u8>,
}

impl Csv {
    /// The body's rows (header first), parsed.
    pub fn rows(&self) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&self.body[..])
            .records()
            .map(|record| {
                record
                    .expect("a CSV record")
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect()
    }

    /// The body as JSON (a problem), or null.
    pub fn problem(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// GETs a CSV path with an optional token and Accept-Encoding.
pub async fn fetch(app: &TestApp, path: &str, token: Option<&str>, gzip: bool) -> Csv {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if gzip {
        request = request.insert_header(("Accept-Encoding", "gzip"));
    }
    let mut response = request.send().await.expect("request sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let version = header("Register-Version").and_then(|v| v.parse().ok());
    let encoding = header("Content-Encoding");
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(256 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    Csv {
        status,
        version,
        encoding,
        body,
    }
}

/// Three firms: one alive with every source, one born in 2022, one
/// liquidated in 2021. Returns their legal units' stat_ids.
async fn register(app: &TestApp) -> [StatId; 3] {
    let (alive, _) = app.legal_unit(justice("A1", "Ak ýol", "2010-01-01")).await;
    app.write(move |writer| {
        writer.record(alive, &statistics(42, "62.10", "2010-01-01"))?;
        writer.record(alive, &tax("123456789012", "Ak ýol", "2010-01-01"))
    })
    .await;
    let (young, _) = app.legal_unit(justice("B2", "Bereket", "2022-03-01")).await;
    let (dead, _) = app
        .legal_unit(justice("C3", "Gurbanly", "2012-05-01"))
        .await;
    let mut death = justice("C3", "Gurbanly", "2021-06-30");
    death.values.status = Some("liquidated".into());
    death.values.death_date = Some(day("2021-06-30"));
    death.values.birth_date = Some(day("2012-05-01"));
    app.write(move |writer| writer.record(dead, &death)).await;
    [alive, young, dead]
}

fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let at = rows[0].iter().position(|c| c == name).expect(name);
    rows[1..].iter().map(|row| row[at].as_str()).collect()
}

#[actix_web::test]
async fn units_are_exported_as_of_a_date_with_the_dead_on_request() {
    let app = spawn_app().await;
    let [alive, young, dead] = register(&app).await;
    let token = app.token(Role::Statistician).await;

    let today = fetch(&app, "/api/v1/export/units.csv", Some(&token), false).await;
    assert_eq!(today.status, 200);
    assert_eq!(today.version, Some(app.register_version().await));
    let rows = today.rows();
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(rows[0], header, "staff get every column");
    let ids = column(&rows, "stat_id");
    // Each firm's legal unit and its enterprise; the dead one left out.
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids.contains(&alive.to_string().as_str()));
    assert!(ids.contains(&young.to_string().as_str()));
    assert!(!ids.contains(&dead.to_string().as_str()));
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(ids, sorted, "stat_id order");

    let in_2020 = fetch(
        &app,
        "/api/v1/export/units.csv?as_of=2020-01-01&columns=stat_id,status,death_date",
        Some(&token),
        false,
    )
    .await
    .rows();
    let ids = column(&in_2020, "stat_id");
    assert!(!ids.contains(&young.to_string().as_str()), "not yet born");
    assert!(
        ids.contains(&dead.to_string().as_str()),
        "still alive in 2020"
    );

    let with_dead = fetch(
        &app,
        "/api/v1/export/units.csv?include_dead=true&columns=stat_id,status,death_date",
        Some(&token),
        false,
    )
    .await
    .rows();
    let row = with_dead
        .iter()
        .find(|row| row[0] == dead.to_string())
        .expect("the dead firm, on request");
    assert_eq!(row[1..], ["liquidated", "2021-06-30"]);
}

#[actix_web::test]
async fn the_public_gets_public_columns_and_analysts_size_classes_unless_granted() {
    let app = spawn_app().await;
    let [alive, ..] = register(&app).await;
    let public = fetch(&app, "/api/v1/export/units.csv", None, false).await;
    assert_eq!(public.status, 200);
    let rows = public.rows();
    for name in &rows[0] {
        let column: Column = name.parse().expect("a column");
        assert_eq!(
            column.disclosure(),
            Disclosure::Public,
            "{name} served to the public"
        );
    }
    let text = String::from_utf8(public.body.clone()).unwrap();
    assert!(!text.contains("123456.78"), "{text}");

    let asked = fetch(
        &app,
        "/api/v1/export/units.csv?columns=turnover",
        None,
        false,
    )
    .await;
    assert_eq!(asked.status, 401, "{}", asked.problem());
    let agency = app.token(Role::Agency).await;
    let asked = fetch(
        &app,
        "/api/v1/export/units.csv?columns=employees",
        Some(&agency),
        false,
    )
    .await;
    assert_eq!(asked.status, 403, "{}", asked.problem());

    let figures = "/api/v1/export/units.csv?columns=stat_id,employees,turnover";
    let analyst = app.token(Role::Analyst).await;
    let banded = fetch(&app, figures, Some(&analyst), false).await.rows();
    let row = banded
        .iter()
        .find(|row| row[0] == alive.to_string())
        .unwrap();
    assert_eq!(row[1..], ["10-49", "0-2m"]);

    let admin = app.token(Role::Admin).await;
    let (status, created) = app
        .post_json(
            "/api/v1/tokens",
            &serde_json::json!({"role": "analyst", "exact_figures": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["exact_figures"], true);
    let granted = created["token"].as_str().unwrap();
    let exact = fetch(&app, figures, Some(granted), false).await.rows();
    let row = exact
        .iter()
        .find(|row| row[0] == alive.to_string())
        .unwrap();
    assert_eq!(row[1..], ["42", "123456.78"]);

    let (status, refused) = app
        .post_json(
            "/api/v1/tokens",
            &serde_json::json!({"role": "admin", "exact_figures": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 400, "only analysts take the grant: {refused}");
}

#[actix_web::test]
async fn cells_a_spreadsheet_would_run_are_neutralised_unless_raw() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice(
            "F1",
            "=HYPERLINK(\"http://x\",\"Ak\")",
            "2015-01-01",
        ))
        .await;
    let mut formula = justice("F1", "=HYPERLINK(\"http://x\",\"Ak\")", "2015-01-01");
    formula.values.address = Some("+993 12 345678, @office".into());
    app.write(move |writer| writer.record(unit, &formula)).await;
    let path = "/api/v1/export/units.csv?columns=stat_id,name,address";
    let safe = fetch(&app, path, None, false).await.rows();
    assert_eq!(safe[1][1], "'=HYPERLINK(\"http://x\",\"Ak\")");
    assert_eq!(safe[1][2], "'+993 12 345678, @office");
    let raw = fetch(&app, &format!("{path}&raw=true"), None, false)
        .await
        .rows();
    assert_eq!(raw[1][1], "=HYPERLINK(\"http://x\",\"Ak\")");
    assert_eq!(raw[1][2], "+993 12 345678, @office");
}

#[actix_web::test]
async fn gzip_is_sent_when_accepted_and_holds_the_same_bytes() {
    let app = spawn_app().await;
    register(&app).await;
    let token = app.token(Role::Admin).await;
    let plain = fetch(&app, "/api/v1/export/units.csv", Some(&token), false).await;
    assert_eq!(plain.encoding, None);
    let zipped = fetch(&app, "/api/v1/export/units.csv", Some(&token), true).await;
    assert_eq!(zipped.encoding.as_deref(), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_end(&mut unzipped)
        .expect("gzip");
    assert_eq!(unzipped, plain.body);
}

/// Runs `sanaw` against the app's database; returns its exit code and stdout.
pub fn sanaw(app: &TestApp, args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sanaw"));
    command
        .args(args)
        .env("SANAW_DATA_DIR", &app.data_dir)
        .env("RUST_LOG", "warn");
    match &app.database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let output = command.output().expect("sanaw runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), output.stdout, stderr)
}

#[actix_web::test]
async fn the_command_line_writes_the_bytes_the_api_serves() {
    let app = spawn_app().await;
    register(&app).await;
    let admin = app.token(Role::Admin).await;
    for options in [
        vec![],
        vec!["--as-of", "2020-01-01", "--include-dead"],
        vec![
            "--columns",
            "name,stat_id,employees",
            "--region",
            "TM-S",
            "--raw",
        ],
    ] {
        let query: Vec<String> = options
            .iter()
            .enumerate()
            .filter(|(_, word)| word.starts_with("--"))
            .map(|(at, flag)| {
                let name = flag.trim_start_matches("--").replace('-', "_");
                match options.get(at + 1).filter(|next| !next.starts_with("--")) {
                    Some(value) => format!("{name}={value}"),
                    None => format!("{name}=true"),
                }
            })
            .collect();
        let path = format!("/api/v1/export/units.csv?{}", query.join("&"));
        let served = fetch(&app, &path, Some(&admin), false).await;
        assert_eq!(served.status, 200, "{}", served.problem());
        let mut args = vec!["export", "units"];
        args.extend(options.iter().copied());
        let (code, written, stderr) = sanaw(&app, &args);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(served.body).unwrap(),
            "{options:?}"
        );
    }
    let (code, _, stderr) = sanaw(&app, &["export", "units", "--columns", "colour"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown column \"colour\""), "{stderr}");
}

#[actix_web::test]
async fn filters_and_the_query_box_narrow_the_export() {
    let app = spawn_app().await;
    let [alive, young, _] = register(&app).await;
    let mut elsewhere = justice("D4", "Ak ýol Lebap", "2011-01-01");
    elsewhere.values.region = Some("TM-L".into());
    let (lebap, _) = app.legal_unit(elsewhere).await;
    indexed(&app).await;
    let ids = |rows: Vec<Vec<String>>| -> Vec<String> {
        rows.into_iter().skip(1).map(|row| row[0].clone()).collect()
    };
    let by_region = fetch(
        &app,
        "/api/v1/export/units.csv?columns=stat_id&region=TM-L&kind=legal_unit",
        None,
        false,
    )
    .await;
    assert_eq!(ids(by_region.rows()), [lebap.to_string()]);
    let by_name = fetch(
        &app,
        "/api/v1/export/units.csv?columns=stat_id&kind=legal_unit&q=ak%20yol",
        None,
        false,
    )
    .await;
    let mut expected = vec![alive.to_string(), lebap.to_string()];
    expected.sort();
    assert_eq!(ids(by_name.rows()), expected);
    assert!(!ids(by_name.rows()).contains(&young.to_string()));
    let by_section = fetch(
        &app,
        "/api/v1/export/units.csv?columns=stat_id&activity=K&kind=legal_unit",
        None,
        false,
    )
    .await;
    assert_eq!(ids(by_section.rows()), [alive.to_string()]);
}

#[actix_web::test]
async fn bad_export_parameters_get_precise_problems() {
    let app = spawn_app().await;
    for (query, field, code) in [
        ("as_of=2024-02-30", "as_of", "invalid_date"),
        ("as_of=1700-01-01", "as_of", "date_out_of_range"),
        ("columns=name,colour", "columns", "unknown_column"),
        ("columns=name,name", "columns", "unknown_column"),
        ("include_dead=yes", "include_dead", "unknown_value"),
        ("raw=1", "raw", "unknown_value"),
        ("region=XX", "region", "unknown_value"),
        ("colour=red", "colour", "unknown_parameter"),
    ] {
        let answer = fetch(
            &app,
            &format!("/api/v1/export/units.csv?{query}"),
            None,
            false,
        )
        .await;
        assert_eq!(answer.status, 400, "{query}");
        let problem = answer.problem();
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{query}: {problem}");
    }
}

#[actix_web::test]
async fn every_unit_carries_a_uniform_permanent_random_number_that_never_changes() {
    let app = spawn_app().await;
    let first = app
        .write(|writer| {
            let mut units = Vec::new();
            for n in 0..1_500 {
                let statement = justice(&format!("P{n}"), &format!("Firm {n}"), "2015-01-01");
                units.push(writer.create_legal_unit(&statement)?.0);
            }
            Ok(units[0])
        })
        .await;
    let admin = app.token(Role::Admin).await;
    let path = "/api/v1/export/units.csv?columns=stat_id,prn&kind=legal_unit";
    let before = fetch(&app, path, Some(&admin), false).await.rows();
    let mut numbers: Vec<f64> = before[1..]
        .iter()
        .map(|row| row[1].parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 1_500);
    assert!(numbers.iter().all(|x| (0.0..1.0).contains(x)));
    let gap = sanaw::domain::prn::uniformity_gap(&mut numbers);
    assert!(
        gap < sanaw::domain::prn::uniformity_limit(1_500),
        "not uniform: {gap}"
    );

    let renamed = justice("P0", "Firm Zero", "2016-01-01");
    app.write(move |writer| writer.record(first, &renamed))
        .await;
    let after = fetch(&app, path, Some(&admin), false).await.rows();
    assert_eq!(
        after, before,
        "a change to a unit leaves its number as it was"
    );
}
