//! Extracts built to hurt the service: a row far past any real one, dates
//! no enterprise has. Each is a rejection of its line; the rest loads.

use sanaw::domain::access::Agency;

use crate::harness::{assert_whole, spawn_app};

/// A justice extract with an 8 MiB row (a quoted name over many lines)
/// and an impossible registration date, each between good rows.
#[actix_web::test]
async fn a_huge_row_and_an_impossible_date_are_rejections_of_their_lines() {
    let app = spawn_app().await;
    let token = app.agency_token(Agency::Justice).await;
    let huge_name = format!("{}\n", "Bereket ".repeat(128)).repeat(8 * 1024);
    let lines_in_name = huge_name.matches('\n').count() as u64;
    let file = format!(
        "reg_number,name,registration_date\n\
         H-1,Altyn,2008-09-26\n\
         H-2,\"{huge_name}\",2008-09-26\n\
         H-3,Kümüş,01.01.1800\n\
         H-4,Demir,0001-01-01\n\
         H-5,Mis,31.12.2100\n"
    );
    assert!(file.len() > 8 << 20, "{} bytes", file.len());
    let load = app.load("source=justice", file, &token).await;
    assert_eq!(load["status"], "done", "{load}");
    let report = &load["report"];
    assert_whole(&app, report, &token).await;
    assert_eq!(report["rows_read"], 5, "{report}");
    assert_eq!(report["accepted"], 3, "{report}");
    let rejections = report["rejections"].as_array().unwrap();
    assert_eq!(rejections.len(), 2, "{report}");
    assert_eq!(rejections[0]["line"], 3);
    assert_eq!(rejections[0]["column"], serde_json::Value::Null);
    assert_eq!(
        rejections[0]["reason"],
        "the row is longer than 65536 bytes"
    );
    assert_eq!(rejections[1]["line"], 5 + lines_in_name);
    assert_eq!(rejections[1]["column"], "registration_date");
    assert_eq!(
        rejections[1]["reason"],
        "0001-01-01 is outside the dates the register accepts (1800-01-01 to 2100-12-31)"
    );
    let mut linked: Vec<(u64, String)> = app
        .links_export()
        .into_iter()
        .map(|row| (row.line, row.source_key))
        .collect();
    linked.sort();
    assert_eq!(
        linked,
        [
            (2, "H-1".to_owned()),
            (4 + lines_in_name, "H-3".to_owned()),
            (6 + lines_in_name, "H-5".to_owned()),
        ]
    );
}
