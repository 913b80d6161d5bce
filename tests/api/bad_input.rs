//! Real extracts are messy: one test per rule of docs/SOURCES.md's common rules,
//! each over an HTTP upload. Every load must account for every row
//! (read = accepted + rejected) and name the line and reason of each
//! rejected one; a file that cannot be read fails whole and changes nothing.

use serde_json::json;

use sanaw::domain::access::Role;

use crate::harness::{assert_whole, spawn_app, TestApp};

/// A fresh register with a statistician's token.
async fn setup() -> (TestApp, String) {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    (app, token)
}

/// Loads a file of a source, checks the report adds up and that the links
/// export has one row per accepted row; returns the report.
async fn load(
    app: &TestApp,
    token: &str,
    source: &str,
    file: impl Into<Vec<u8>>,
) -> serde_json::Value {
    let report = app
        .load_done(&format!("source={source}"), file, token)
        .await;
    assert_whole(app, &report, token).await;
    let exported = app
        .links_export()
        .into_iter()
        .filter(|row| row.source == source)
        .count() as u64;
    assert_eq!(Some(exported), report["accepted"].as_u64(), "{report}");
    report
}

/// The unit the links export gives a source key.
fn unit_of(app: &TestApp, key: &str) -> String {
    let links = app.links_export();
    let row = links
        .iter()
        .find(|row| row.source_key == key)
        .unwrap_or_else(|| panic!("{key} not in the links export: {links:?}"));
    assert!(!row.unit_id.is_empty(), "{row:?}");
    row.unit_id.clone()
}

/// A unit's attributes as a statistician sees them.
async fn attributes(app: &TestApp, token: &str, stat_id: &str) -> serde_json::Value {
    let (status, unit) = app
        .get(&format!("/api/v1/units/{stat_id}"), Some(token))
        .await;
    assert_eq!(status, 200, "{unit}");
    unit["attributes"].clone()
}

/// The rejections of a report as (line, column, reason).
fn rejections(report: &serde_json::Value) -> Vec<(u64, Option<String>, String)> {
    report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["column"].as_str().map(str::to_owned),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Windows-1251 bytes of a text of ASCII, Russian letters and « ».
fn windows_1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'А'..='я' => 0xC0 + (c as u32 - 'А' as u32) as u8,
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            '№' => 0xB9,
            other => panic!("{other:?} is not in this table"),
        })
        .collect()
}

/// Asserts a load failed whole, with an error containing `expected`, and
/// that the register is as it was.
async fn assert_fails(app: &TestApp, token: &str, source: &str, file: Vec<u8>, expected: &[&str]) {
    let version = app.register_version().await;
    let units = app.unit_count().await;
    let links = app.links_export();
    let load = app.load(&format!("source={source}"), file, token).await;
    assert_eq!(load["status"], "failed", "{load}");
    let error = load["error"].as_str().expect("an error");
    for word in expected {
        assert!(error.contains(word), "{error:?} should name {word:?}");
    }
    assert_eq!(load["report"], serde_json::Value::Null);
    assert_eq!(app.register_version().await, version);
    assert_eq!(app.unit_count().await, units);
    assert_eq!(app.links_export(), links);
    let id = load["id"].as_i64().unwrap();
    let (status, page) = app
        .get(&format!("/api/v1/loads/{id}/rejections"), Some(token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"], json!([]));
}

#[actix_web::test]
async fn a_windows_1251_file_loads_with_its_cyrillic_names_intact() {
    let (app, token) = setup().await;
    let text = "reg_number,name,registration_date,address,region\n\
        R-1251,ХО «Ак йол»,2015-03-04,\"г. Ашхабад, ул. Магтымгулы, д.45\",Ашхабад\n\
        R-1252,ИП Оразов А.Б.,2016-05-06,\"Мары, ул. Пушкина, д.3\",Мары\n";
    let bytes = windows_1251(text);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "not UTF-8 by accident"
    );

    let report = load(&app, &token, "justice", bytes).await;
    assert_eq!(report["accepted"], 2, "{report}");
    let first = attributes(&app, &token, &unit_of(&app, "R-1251")).await;
    assert_eq!(first["name"]["value"], "ХО «Ак йол»");
    assert_eq!(
        first["address"]["value"],
        "г. Ашхабад, ул. Магтымгулы, д.45"
    );
    assert_eq!(first["region"]["value"], "TM-S");
    let second = attributes(&app, &token, &unit_of(&app, "R-1252")).await;
    assert_eq!(second["name"]["value"], "ИП Оразов А.Б.");
    assert_eq!(second["region"]["value"], "TM-M");
}

/// Legacy exports often begin with rows in Latin letters only; the
/// Cyrillic ones come later. The upload API has no encoding parameter, so
/// detection must not stop at the first bytes.
#[actix_web::test]
async fn a_windows_1251_file_whose_cyrillic_starts_late_still_loads() {
    let (app, token) = setup().await;
    let mut text = String::from("reg_number,name,registration_date,address,region\n");
    for n in 0..800 {
        text.push_str(&format!(
            "LAT-{n:04},Bereket {n} HJ,2015-03-04,\"Asgabat, Azady kochesi, jay {n}, ofis {n}\",TM-S\n"
        ));
    }
    assert!(text.len() > 64 * 1024);
    text.push_str("CYR-1,ХО «Ак йол»,2015-03-04,\"г. Ашхабад, ул. Магтымгулы, д.45\",Ашхабад\n");

    let report = load(&app, &token, "justice", windows_1251(&text)).await;
    assert_eq!(report["rejected"], 0, "{:?}", rejections(&report));
    let unit = attributes(&app, &token, &unit_of(&app, "CYR-1")).await;
    assert_eq!(unit["name"]["value"], "ХО «Ак йол»");
}

#[actix_web::test]
async fn a_semicolon_file_with_decimal_commas_and_spaced_thousands() {
    let (app, token) = setup().await;
    let file = "tin;name;address;turnover;turnover_year\n\
        012345678901;Ak ýol;\"Aşgabat; Azady 1\";1 234 567,89;2024\n\
        000000000042;Bereket;Mary;53794.9;2024\n\
        123456789012;Ynam;Daşoguz;1\u{a0}000;2024\n\
        223456789012;Nusaý;Lebap;;2024\n\
        323456789012;Gülzemin;Ahal;12,345;2024\n";
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["accepted"], 4, "{report}");
    assert_eq!(
        rejections(&report),
        [(6, Some("turnover".into()), rejections(&report)[0].2.clone())]
    );
    assert!(rejections(&report)[0].2.contains("12,345"));

    let first = attributes(&app, &token, &unit_of(&app, "012345678901")).await;
    assert_eq!(first["turnover"]["value"], "1234567.89");
    assert_eq!(first["tin"]["value"], "012345678901", "leading zeros kept");
    assert_eq!(
        first["address"]["value"], "Aşgabat; Azady 1",
        "a quoted delimiter"
    );
    let second = attributes(&app, &token, &unit_of(&app, "000000000042")).await;
    assert_eq!(second["turnover"]["value"], "53794.90");
    let third = attributes(&app, &token, &unit_of(&app, "123456789012")).await;
    assert_eq!(third["turnover"]["value"], "1000.00");
    // Empty is unknown, not zero.
    let fourth = attributes(&app, &token, &unit_of(&app, "223456789012")).await;
    assert!(fourth.get("turnover").is_none(), "{fourth}");
    assert_eq!(fourth["turnover_year"]["value"], 2024);
}

#[actix_web::test]
async fn dates_in_both_forms_and_bad_dates_rejected_with_their_column() {
    let (app, token) = setup().await;
    let file = "reg_number,name,registration_date,status,liquidation_date\n\
        D-1,Altyn,26.09.2008,liquidated,01.02.2020\n\
        D-2,Kümüş,2008-09-26,registered,\n\
        D-3,Demir,31.02.2020,registered,\n\
        D-4,Mis,09/26/2008,registered,\n\
        D-5,Gurşun,2010-01-01,liquidated,2020-13-01\n";
    let report = load(&app, &token, "justice", file).await;
    assert_eq!(report["accepted"], 2, "{report}");
    let rejected: Vec<(u64, Option<String>)> = rejections(&report)
        .into_iter()
        .map(|(line, column, reason)| {
            assert!(reason.contains("date"), "{reason}");
            (line, column)
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (4, Some("registration_date".into())),
            (5, Some("registration_date".into())),
            (6, Some("liquidation_date".into())),
        ]
    );
    let dotted = attributes(&app, &token, &unit_of(&app, "D-1")).await;
    assert_eq!(dotted["birth_date"]["value"], "2008-09-26");
    assert_eq!(dotted["death_date"]["value"], "2020-02-01");
    let iso = attributes(&app, &token, &unit_of(&app, "D-2")).await;
    assert_eq!(iso["birth_date"]["value"], "2008-09-26");
}

/// A file with quoted fields spanning lines, rows separated by `newline`.
async fn check_quoted_newlines(newline: &str) {
    let (app, token) = setup().await;
    let file = [
        "tin,name,address",
        "100000000001,Ak ýol,\"Aşgabat,",
        "Azady köçesi 1\"",
        "100000000002,\"Bereket \"\"Plus\"\"\",Mary",
        "12345,Short tin,Ahal",
        "100000000003,Ynam,\"line one",
        "line two",
        "line three\"",
        "100000000004,,Lebap",
        "100000000005,Nusaý,Balkan",
        "",
    ]
    .join(newline);
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["rows_read"], 6, "{newline:?}: {report}");
    let rejected: Vec<(u64, Option<String>)> = rejections(&report)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert_eq!(
        rejected,
        [(5, Some("tin".into())), (9, Some("name".into()))],
        "{newline:?}"
    );
    let lines: Vec<(u64, String)> = app
        .links_export()
        .into_iter()
        .map(|row| (row.line, row.source_key))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "100000000001".into()),
            (4, "100000000002".into()),
            (6, "100000000003".into()),
            (10, "100000000005".into()),
        ],
        "{newline:?}"
    );
    let first = attributes(&app, &token, &unit_of(&app, "100000000001")).await;
    let address = first["address"]["value"].as_str().unwrap();
    assert!(
        address.starts_with("Aşgabat,") && address.ends_with("Azady köçesi 1"),
        "{address:?}"
    );
    let second = attributes(&app, &token, &unit_of(&app, "100000000002")).await;
    assert_eq!(second["name"]["value"], "Bereket \"Plus\"");
}

#[actix_web::test]
async fn quoted_newlines_keep_later_line_numbers_right() {
    check_quoted_newlines("\n").await;
}

#[actix_web::test]
async fn quoted_newlines_keep_line_numbers_right_in_a_crlf_file() {
    check_quoted_newlines("\r\n").await;
}

#[actix_web::test]
async fn a_byte_order_mark_and_a_loose_header_are_read() {
    let (app, token) = setup().await;
    // BOM, upper case, spaces, another order, a column the contract does not know.
    let file = "\u{feff} TIN ; Inspector ;NAME;Activity_Code ;legal_form\n\
        100000000007;Aman;Ak ýol;6210;Hojalyk jemgyýeti\n\
        100000000008;Jeren;Bereket;47.11;ХО\n";
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(report["rejected"], 0);
    let first = attributes(&app, &token, &unit_of(&app, "100000000007")).await;
    assert_eq!(first["tin"]["value"], "100000000007");
    assert_eq!(first["name"]["value"], "Ak ýol");
    assert_eq!(first["activity"]["value"], "62.10", "6210 read as a class");
    assert_eq!(first["legal_form"]["value"], "ES");
    let second = attributes(&app, &token, &unit_of(&app, "100000000008")).await;
    assert_eq!(
        second["legal_form"]["value"], "ES",
        "a Russian abbreviation"
    );
    assert_eq!(second["activity"]["value"], "47.11");
}

#[actix_web::test]
async fn regions_by_code_or_name_and_unknown_ones_noted() {
    let (app, token) = setup().await;
    let file = "tin,name,region\n\
        100000000011,Bir,TM-L\n\
        100000000012,Iki,Daşoguz\n\
        100000000013,Üç,Дашогуз\n\
        100000000014,Dört,Atlantis\n";
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(
        report["accepted"], 4,
        "an unknown region is allowed: {report}"
    );
    for (key, region) in [
        ("100000000011", json!("TM-L")),
        ("100000000012", json!("TM-D")),
        ("100000000013", json!("TM-D")),
    ] {
        let unit = attributes(&app, &token, &unit_of(&app, key)).await;
        assert_eq!(unit["region"]["value"], region, "{key}");
    }
    let unknown = attributes(&app, &token, &unit_of(&app, "100000000014")).await;
    assert!(unknown.get("region").is_none(), "{unknown}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("line 5") && notes.contains("Atlantis"),
        "{notes}"
    );
}

#[actix_web::test]
async fn identifiers_are_strings_and_registration_numbers_compare_trimmed_and_upper_cased() {
    let (app, token) = setup().await;
    load(
        &app,
        &token,
        "justice",
        "reg_number,name,registration_date\n a-77 ,Gök Depe HJ,2010-01-01\n",
    )
    .await;
    let unit = unit_of(&app, "A-77");
    let report = load(
        &app,
        &token,
        "tax",
        "tin,name,reg_number\n\
         000000000077,Gok Depe,A-77\n\
         77,Short,\n\
         0000000000770,Long,\n\
         00000000007X,Letter,\n",
    )
    .await;
    assert_eq!(report["links"], json!({"reg_number": 1}), "{report}");
    let rejected: Vec<(u64, Option<String>)> = rejections(&report)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert_eq!(
        rejected,
        [
            (3, Some("tin".into())),
            (4, Some("tin".into())),
            (5, Some("tin".into()))
        ]
    );
    assert_eq!(unit_of(&app, "000000000077"), unit);
    let attributes = attributes(&app, &token, &unit).await;
    assert_eq!(attributes["tin"]["value"], "000000000077");
}

#[actix_web::test]
async fn a_tax_row_without_its_tin_is_rejected() {
    let (app, token) = setup().await;
    let report = load(
        &app,
        &token,
        "tax",
        "tin,name\n100000000021,Keyed\n,Keyless\n  ,Blank key\n",
    )
    .await;
    assert_eq!(report["accepted"], 1, "{report}");
    let rejected: Vec<(u64, Option<String>)> = rejections(&report)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert_eq!(rejected, [(3, Some("tin".into())), (4, Some("tin".into()))]);
}

#[actix_web::test]
async fn a_justice_row_without_its_registration_number_is_rejected() {
    let (app, token) = setup().await;
    let report = load(
        &app,
        &token,
        "justice",
        "reg_number,name,registration_date\nJ-1,Keyed,2010-01-01\n,Keyless,2010-01-01\n",
    )
    .await;
    assert_eq!(report["accepted"], 1, "{report}");
    let rejected: Vec<(u64, Option<String>)> = rejections(&report)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert_eq!(rejected, [(3, Some("reg_number".into()))]);
}

#[actix_web::test]
async fn a_missing_required_column_fails_the_load_and_names_the_column() {
    let (app, token) = setup().await;
    // Something in the register first, so "unchanged" means something.
    load(&app, &token, "tax", "tin,name\n100000000031,Ak ýol\n").await;
    for (source, file, missing) in [
        ("tax", "name,region\nAk ýol,TM-S\n", vec!["tin"]),
        ("tax", "tin,region\n100000000032,TM-S\n", vec!["name"]),
        (
            "justice",
            "reg_number,name\nJ-2,Bereket\n",
            vec!["registration_date"],
        ),
        (
            "statistics",
            "name;employees\nYnam;3\n",
            vec!["reference_year"],
        ),
        (
            "statistics",
            "tin;stat_id\n1;2\n",
            vec!["name", "reference_year"],
        ),
    ] {
        let mut expected = vec!["missing required column"];
        expected.extend(missing);
        assert_fails(&app, &token, source, file.as_bytes().to_vec(), &expected).await;
    }
}

#[actix_web::test]
async fn a_wrong_column_count_rejects_that_row_only() {
    let (app, token) = setup().await;
    let file = "tin,name,region\n\
        100000000041,Bir,TM-S\n\
        100000000042,Iki\n\
        100000000043,Üç,TM-S,extra\n\
        100000000044,Dört,TM-M\n";
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(
        rejections(&report),
        [
            (3, None, "expected 3 fields, found 2".into()),
            (4, None, "expected 3 fields, found 4".into()),
        ]
    );
    unit_of(&app, "100000000041");
    unit_of(&app, "100000000044");
}

#[actix_web::test]
async fn an_over_long_field_is_rejected_naming_its_column() {
    let (app, token) = setup().await;
    let file = format!(
        "tin,name,address\n\
         100000000051,Bir,{}\n\
         100000000052,Iki,{}\n\
         100000000053,{},Ahal\n",
        "x".repeat(1_001),
        // A thousand characters, two bytes each: the limit is in characters.
        "ý".repeat(1_000),
        "n".repeat(5_000),
    );
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["accepted"], 1, "{report}");
    let rejected = rejections(&report);
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        (rejected[0].0, rejected[0].1.as_deref()),
        (2, Some("address"))
    );
    assert_eq!((rejected[1].0, rejected[1].1.as_deref()), (4, Some("name")));
    assert!(
        rejected.iter().all(|r| r.2.contains("1000")),
        "{rejected:?}"
    );
    let kept = attributes(&app, &token, &unit_of(&app, "100000000052")).await;
    assert_eq!(
        kept["address"]["value"].as_str().unwrap().chars().count(),
        1_000
    );
}

#[actix_web::test]
async fn an_empty_upload_or_file_is_refused_clearly() {
    let (app, token) = setup().await;
    // No bytes at all: refused at once.
    let (status, problem) = app.upload("source=tax", Vec::new(), Some(&token)).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "body");
    assert!(
        problem["detail"].as_str().unwrap().contains("empty"),
        "{problem}"
    );
    // Bytes but no header: the load fails.
    for file in [&b" \n\r\n"[..], b"\xEF\xBB\xBF", b"\n\n\n"] {
        assert_fails(&app, &token, "tax", file.to_vec(), &["empty", "header"]).await;
    }
    // A header and no rows: a load of nothing.
    let report = load(&app, &token, "tax", "tin,name\n").await;
    assert_eq!(report["rows_read"], 0);
    assert_eq!(report["accepted"], 0);
}

#[actix_web::test]
async fn binary_garbage_is_refused_as_not_text() {
    let (app, token) = setup().await;
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend((0..2_000_u32).map(|i| (i * 7919 % 251) as u8));
    let mut spreadsheet = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    spreadsheet.extend([0_u8; 512]);
    for file in [
        zip,
        spreadsheet,
        b"tin,name\n100000000061,A\x00B\n".to_vec(),
    ] {
        assert_fails(&app, &token, "tax", file, &["not text"]).await;
    }
}

/// A NUL byte past the part of the file that is sniffed: the row must not
/// be stored with it (PostgreSQL cannot store it at all).
#[actix_web::test]
async fn a_nul_byte_late_in_the_file_does_not_get_into_the_register() {
    let (app, token) = setup().await;
    let mut text = String::from("tin,name,address\n");
    for n in 0..1_000 {
        text.push_str(&format!(
            "{:012},Bereket {n},\"Aşgabat, Azady köçesi, jaý {n}, ofis {n}\"\n",
            100_000_000_000_u64 + n
        ));
    }
    assert!(text.len() > 64 * 1024);
    text.push_str("999999999999,Broken\u{0}Name,Ahal\n");
    let load = app.load("source=tax", text.into_bytes(), &token).await;
    match load["status"].as_str() {
        Some("failed") => {
            assert!(
                load["error"].as_str().unwrap().contains("not text"),
                "{load}"
            )
        }
        _ => {
            let report = &load["report"];
            assert_whole(&app, report, &token).await;
            assert_eq!(report["accepted"], 1_000, "{report}");
            assert_eq!(rejections(report)[0].0, 1_002, "{report}");
        }
    }
}

#[actix_web::test]
async fn a_duplicate_key_in_one_file_rejects_the_later_row_naming_the_first() {
    let (app, token) = setup().await;
    let report = load(
        &app,
        &token,
        "tax",
        "tin,name\n100000000071,Bir\n100000000072,Iki\n100000000071,Bir again\n",
    )
    .await;
    assert_eq!(report["accepted"], 2, "{report}");
    let rejected = rejections(&report);
    assert_eq!((rejected[0].0, rejected[0].1.as_deref()), (4, Some("tin")));
    assert!(rejected[0].2.contains("line 2"), "{rejected:?}");
    // The first row is the one loaded.
    let unit = attributes(&app, &token, &unit_of(&app, "100000000071")).await;
    assert_eq!(unit["name"]["value"], "Bir");

    // Registration numbers are the same key whatever their case and spaces.
    let report = load(
        &app,
        &token,
        "justice",
        "reg_number,name,registration_date\nab-1,Bir,2010-01-01\nX-2,Iki,2010-01-01\n AB-1 ,Üç,2011-01-01\n",
    )
    .await;
    let rejected = rejections(&report);
    assert_eq!(rejected.len(), 1, "{report}");
    assert_eq!(
        (rejected[0].0, rejected[0].1.as_deref()),
        (4, Some("reg_number"))
    );
    assert!(rejected[0].2.contains("line 2"), "{rejected:?}");
}

#[actix_web::test]
async fn rejections_are_paged_and_served_as_csv() {
    let (app, token) = setup().await;
    let mut file = String::from("tin,name\n");
    for n in 0..5 {
        file.push_str(&format!("bad{n},Row {n}\n100000000{n:03},Good {n}\n"));
    }
    let report = load(&app, &token, "tax", file).await;
    assert_eq!(report["rejected"], 5);
    let id = report["load_id"].as_i64().unwrap();
    let (_, first) = app
        .get(
            &format!("/api/v1/loads/{id}/rejections?limit=2"),
            Some(&token),
        )
        .await;
    let lines = |page: &serde_json::Value| -> Vec<u64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(lines(&first), [2, 4]);
    assert_eq!(first["next_after"], 4);
    let (_, second) = app
        .get(
            &format!("/api/v1/loads/{id}/rejections?limit=2&after=4"),
            Some(&token),
        )
        .await;
    assert_eq!(lines(&second), [6, 8]);
    let (_, last) = app
        .get(
            &format!("/api/v1/loads/{id}/rejections?limit=2&after=8"),
            Some(&token),
        )
        .await;
    assert_eq!(lines(&last), [10]);
    assert_eq!(last["next_after"], serde_json::Value::Null);
    for limit in ["0", "1001"] {
        let (status, problem) = app
            .get(
                &format!("/api/v1/loads/{id}/rejections?limit={limit}"),
                Some(&token),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(problem["errors"][0]["field"], "limit");
    }
}

/// A dry run is how an agency checks a file: its rejections must be there
/// to read, like a real load's.
#[actix_web::test]
async fn a_dry_run_keeps_its_rejections() {
    let (app, token) = setup().await;
    let file = "tin,name\n100000000081,Good\nbad,Bad\n";
    let report = app.load_done("source=tax&dry_run=true", file, &token).await;
    assert_eq!(report["rejected"], 1, "{report}");
    assert_whole(&app, &report, &token).await;
}
