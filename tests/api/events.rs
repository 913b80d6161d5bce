//! The registration events besides births and amendments: deaths and
//! returns, reorganisations, branches and control, each as the unit's
//! history, links and status show it afterwards.

use serde_json::{json, Value};

use crate::harness::{spawn_app, TestApp};
use sanaw::domain::access::Agency;

struct Agent<'a> {
    app: &'a TestApp,
    token: String,
    sent: usize,
}

impl Agent<'_> {
    /// Submits an event and expects it accepted; returns the answer.
    async fn accepted(&mut self, event: Value) -> Value {
        self.sent += 1;
        let answer = self
            .app
            .submit(&event, &self.token, &format!("e-{}", self.sent), None)
            .await;
        assert_eq!(answer.status, 200, "{event} → {}", answer.body);
        assert_eq!(answer.body["outcome"], "accepted", "{}", answer.body);
        answer.body
    }

    async fn born(&mut self, name: &str, reg_number: &str) -> String {
        let answer = self
            .accepted(json!({"event": "register", "effective_date": "2020-01-01",
                "unit": {"name": name, "reg_number": reg_number, "region": "TM-A"}}))
            .await;
        answer["stat_id"].as_str().expect("stat_id").to_owned()
    }
}

async fn attribute(app: &TestApp, stat_id: &str, as_of: &str, name: &str) -> Value {
    let (status, unit) = app
        .get(&format!("/api/v1/units/{stat_id}?as_of={as_of}"), None)
        .await;
    assert_eq!(status, 200, "{unit}");
    unit["attributes"][name]["value"].clone()
}

async fn event_kinds(app: &TestApp, stat_id: &str) -> Vec<(String, String)> {
    let (_, history) = app
        .get(&format!("/api/v1/units/{stat_id}/history"), None)
        .await;
    history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| {
            let role = event["units"]
                .as_array()
                .and_then(|units| units.iter().find(|u| u["stat_id"] == stat_id))
                .map(|u| u["role"].as_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            (event["kind"].as_str().unwrap_or_default().to_owned(), role)
        })
        .collect()
}

async fn links(app: &TestApp, stat_id: &str, as_of: &str) -> Vec<(String, String)> {
    let (_, links) = app
        .get(
            &format!("/api/v1/units/{stat_id}/links?as_of={as_of}"),
            None,
        )
        .await;
    links["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap_or_default().to_owned(),
                l["stat_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_liquidated_unit_can_be_reactivated() {
    let app = spawn_app().await;
    let mut justice = Agent {
        app: &app,
        token: app.agency_token(Agency::Justice).await,
        sent: 0,
    };
    let unit = justice.born("Ýene Gel", "E-1").await;
    justice
        .accepted(json!({"event": "liquidate", "effective_date": "2023-03-31", "stat_id": unit}))
        .await;
    justice
        .accepted(json!({"event": "reactivate", "effective_date": "2024-01-15", "stat_id": unit}))
        .await;
    assert_eq!(
        attribute(&app, &unit, "2023-06-01", "status").await,
        "liquidated"
    );
    assert_eq!(
        attribute(&app, &unit, "2024-06-01", "status").await,
        "active"
    );
    assert_eq!(
        attribute(&app, &unit, "2024-06-01", "death_date").await,
        Value::Null
    );
    let kinds = event_kinds(&app, &unit).await;
    for expected in ["birth", "death", "reactivation"] {
        assert!(kinds.iter().any(|(kind, _)| kind == expected), "{kinds:?}");
    }
    // Reactivating what is alive is refused.
    let again = app
        .submit(
            &json!({"event": "reactivate", "effective_date": "2024-06-01", "stat_id": unit}),
            &justice.token,
            "again",
            None,
        )
        .await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (422, Some("unit_alive")),
        "{}",
        again.body
    );
}

#[actix_web::test]
async fn a_take_over_ends_the_absorbed_and_records_the_survivor() {
    let app = spawn_app().await;
    let mut justice = Agent {
        app: &app,
        token: app.agency_token(Agency::Justice).await,
        sent: 0,
    };
    let survivor = justice.born("Uly Kärhana", "M-1").await;
    let absorbed = justice.born("Kiçi Kärhana", "M-2").await;
    let answer = justice
        .accepted(json!({"event": "take_over", "effective_date": "2024-07-01",
                         "units": [absorbed], "survivor": survivor}))
        .await;
    assert_eq!(answer["stat_id"], survivor.as_str());
    assert_eq!(
        attribute(&app, &absorbed, "2024-07-02", "status").await,
        "reorganised"
    );
    assert_eq!(
        attribute(&app, &absorbed, "2024-06-30", "status").await,
        Value::Null
    );
    assert!(event_kinds(&app, &absorbed)
        .await
        .contains(&("take_over".into(), "predecessor".into())));
    assert!(event_kinds(&app, &survivor)
        .await
        .contains(&("take_over".into(), "successor".into())));
    // The absorbed unit is gone: amending it after the date is refused.
    let late = app
        .submit(
            &json!({"event": "amend", "effective_date": "2024-08-01", "stat_id": absorbed,
                        "changes": {"address": "x"}}),
            &justice.token,
            "late",
            None,
        )
        .await;
    assert_eq!(late.status, 422, "{}", late.body);
}

#[actix_web::test]
async fn a_split_off_and_a_break_up_create_their_new_units() {
    let app = spawn_app().await;
    let mut justice = Agent {
        app: &app,
        token: app.agency_token(Agency::Justice).await,
        sent: 0,
    };
    let parent = justice.born("Ene Kompaniýa", "S-1").await;
    let split = justice
        .accepted(
            json!({"event": "split_off", "effective_date": "2024-02-01", "stat_id": parent,
                         "unit": {"name": "Çaga Kompaniýa", "reg_number": "S-2"}}),
        )
        .await;
    let child = split["stat_id"].as_str().expect("the new unit").to_owned();
    assert_ne!(child, parent);
    assert_eq!(
        attribute(&app, &child, "2024-02-01", "birth_date").await,
        "2024-02-01"
    );
    assert!(event_kinds(&app, &child)
        .await
        .contains(&("split_off".into(), "successor".into())));
    assert_eq!(
        attribute(&app, &parent, "2024-03-01", "status").await,
        Value::Null
    );
    let broken = justice
        .accepted(
            json!({"event": "break_up", "effective_date": "2024-09-01", "stat_id": parent,
                         "units": [{"name": "Bölek Bir"}, {"name": "Bölek Iki"}]}),
        )
        .await;
    let parts = broken["created"].as_array().expect("created").clone();
    // Two legal units, each with its enterprise.
    assert_eq!(parts.len(), 4, "{broken}");
    assert_eq!(
        attribute(&app, &parent, "2024-09-02", "status").await,
        "reorganised"
    );
    assert!(event_kinds(&app, &parent)
        .await
        .contains(&("break_up".into(), "predecessor".into())));
}

#[actix_web::test]
async fn a_branch_opens_and_closes_under_its_legal_unit() {
    let app = spawn_app().await;
    let mut justice = Agent {
        app: &app,
        token: app.agency_token(Agency::Justice).await,
        sent: 0,
    };
    let parent = justice.born("Şahamça Eýesi", "B-1").await;
    let opened = justice
        .accepted(json!({"event": "open_local_unit", "effective_date": "2024-04-01", "stat_id": parent,
                         "unit": {"name": "Şahamça Mary", "address": "Mary, Baýram han 3", "region": "TM-M"}}))
        .await;
    let branch = opened["stat_id"].as_str().expect("the branch").to_owned();
    let (_, unit) = app.get(&format!("/api/v1/units/{branch}"), None).await;
    assert_eq!(unit["kind"], "local_unit");
    assert!(links(&app, &branch, "2024-05-01")
        .await
        .contains(&("local_unit_of".into(), parent.clone())));
    justice
        .accepted(
            json!({"event": "close_local_unit", "effective_date": "2024-10-01", "stat_id": branch}),
        )
        .await;
    assert!(links(&app, &branch, "2024-10-02").await.is_empty());
    assert!(links(&app, &branch, "2024-09-30")
        .await
        .contains(&("local_unit_of".into(), parent.clone())));
    assert_eq!(
        attribute(&app, &branch, "2024-10-02", "status").await,
        "liquidated"
    );
    // A legal unit is not a branch.
    let wrong = app
        .submit(&json!({"event": "close_local_unit", "effective_date": "2024-10-01", "stat_id": parent}), &justice.token, "wrong", None)
        .await;
    assert_eq!(
        (wrong.status, wrong.body["code"].as_str()),
        (422, Some("unit_kind_mismatch"))
    );
}

#[actix_web::test]
async fn control_links_put_units_in_one_enterprise_group_and_end() {
    let app = spawn_app().await;
    let mut justice = Agent {
        app: &app,
        token: app.agency_token(Agency::Justice).await,
        sent: 0,
    };
    let parent = justice.born("Holding", "G-1").await;
    let daughter = justice.born("Gyz Kärhana", "G-2").await;
    let set = justice
        .accepted(
            json!({"event": "set_control", "effective_date": "2024-01-01",
                         "stat_id": daughter, "controller": parent}),
        )
        .await;
    let group = set["created"][0].as_str().expect("a new group").to_owned();
    let member = ("group_member".to_owned(), group.clone());
    assert!(links(&app, &daughter, "2024-02-01").await.contains(&member));
    assert!(links(&app, &parent, "2024-02-01").await.contains(&member));
    justice
        .accepted(
            json!({"event": "end_control", "effective_date": "2025-01-01", "stat_id": daughter}),
        )
        .await;
    assert!(!links(&app, &daughter, "2025-02-01").await.contains(&member));
    assert!(links(&app, &parent, "2025-02-01").await.contains(&member));
    let none = app
        .submit(
            &json!({"event": "end_control", "effective_date": "2025-03-01", "stat_id": daughter}),
            &justice.token,
            "none",
            None,
        )
        .await;
    assert_eq!(
        (none.status, none.body["code"].as_str()),
        (422, Some("no_change"))
    );
}
