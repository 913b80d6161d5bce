//! The write path: bitemporal records, idempotence, the ordered change log.

use diesel::prelude::*;
use sanaw::domain::source::{Origin, OriginKind};
use sanaw::store::register::{self, Recorded};
use sanaw::store::schema::{change_log, source_records};

use crate::harness::{day, justice, spawn_app, tax};

#[actix_web::test]
async fn saying_the_same_thing_twice_changes_nothing() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("H6666666", "Döwlet", "2010-01-01"))
        .await;
    let statement = tax("111111111111", "Döwlet", "2010-02-01");
    let again = statement.clone();
    let first = app.write(move |w| w.record(unit, &statement)).await;
    let version = app
        .db
        .read(sanaw::store::units::register_version)
        .await
        .unwrap();
    let second = app.write(move |w| w.record(unit, &again)).await;
    let version_after = app
        .db
        .read(sanaw::store::units::register_version)
        .await
        .unwrap();

    assert!(matches!(first, Recorded::Changed(_)));
    assert_eq!(second, Recorded::Unchanged);
    assert_eq!(
        version, version_after,
        "an unchanged write takes no sequence number"
    );
    let records: i64 = app
        .db
        .read(|conn| Ok(source_records::table.count().get_result(conn)?))
        .await
        .unwrap();
    assert_eq!(records, 2);
}

#[actix_web::test]
async fn the_change_log_is_ordered_and_names_the_changed_fields() {
    let app = spawn_app().await;
    let (unit, enterprise) = app
        .legal_unit(justice("J7777777", "Miras", "2012-01-01"))
        .await;
    let mut amended = justice("J7777777", "Miras Plus", "2012-01-01");
    amended.valid_from = day("2025-03-01");
    app.write(move |w| w.record(unit, &amended)).await;

    let log: Vec<(i64, i64, String, String)> = app
        .db
        .read(|conn| {
            Ok(change_log::table
                .order(change_log::seq)
                .select((
                    change_log::seq,
                    change_log::unit_id,
                    change_log::kind,
                    change_log::changed_fields,
                ))
                .load(conn)?)
        })
        .await
        .unwrap();
    let seqs: Vec<i64> = log.iter().map(|entry| entry.0).collect();
    assert_eq!(seqs, [1, 2, 3], "one entry per unit per write, gap-free");
    assert_eq!(log[0].1, unit.unit_number());
    assert_eq!(log[0].2, "created");
    assert_eq!(log[1].1, enterprise.unit_number());
    let last: serde_json::Value = serde_json::from_str(&log[2].3).unwrap();
    assert_eq!(log[2].2, "updated");
    assert_eq!(last, serde_json::json!(["name"]));
}

#[actix_web::test]
async fn a_failed_write_leaves_nothing_behind() {
    let app = spawn_app().await;
    let before = app
        .db
        .read(sanaw::store::units::register_version)
        .await
        .unwrap();
    let result = app
        .db
        .write(|conn| {
            register::write(conn, Origin::new(OriginKind::Load, "doomed"), |w| {
                w.create_legal_unit(&justice("K8888888", "Half", "2020-01-01"))?;
                Err::<(), _>(sanaw::store::StoreError::Worker)
            })
        })
        .await;
    assert!(result.is_err());
    let after = app
        .db
        .read(sanaw::store::units::register_version)
        .await
        .unwrap();
    let units = app.db.read(sanaw::store::units::count).await.unwrap();
    assert_eq!((before, units), (after, 0));
}

#[actix_web::test]
async fn a_late_statement_about_an_earlier_period_fills_it_without_overwriting() {
    let app = spawn_app().await;
    let (unit, _) = app
        .legal_unit(justice("L9999999", "Täze", "2022-01-01"))
        .await;
    let mut earlier = justice("L9999999", "Köne", "2015-01-01");
    earlier.values.birth_date = Some(day("2015-01-01"));
    app.write(move |w| w.record(unit, &earlier)).await;

    let (_, old) = app
        .get(&format!("/api/v1/units/{unit}?as_of=2016-01-01"), None)
        .await;
    let (_, new) = app
        .get(&format!("/api/v1/units/{unit}?as_of=2023-01-01"), None)
        .await;
    assert_eq!(old["attributes"]["name"]["value"], "Köne");
    assert_eq!(old["attributes"]["name"]["valid_to"], "2022-01-01");
    assert_eq!(new["attributes"]["name"]["value"], "Täze");
}
