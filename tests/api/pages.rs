//! The web pages over the real HTTP stack, as a browser without scripts
//! sees them: cookies kept, redirects not followed. The same scenarios
//! run in a real Chromium, with its scripts, in `tests/e2e/pages.mjs`.

use std::collections::BTreeMap;

use sanaw::domain::access::Role;

use crate::harness::{justice, spawn_app, statistics, TestApp};
use crate::search::indexed;

/// A browser: a cookie jar over the app's HTTP client.
struct Browser<'a> {
    app: &'a TestApp,
    client: awc::Client,
    cookies: BTreeMap<String, String>,
    language: Option<&'static str>,
}

/// What a page answered.
struct Page {
    status: u16,
    headers: awc::http::header::HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the first `name="csrf" value="…"` on the page.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a csrf token") + marker.len();
        self.body[start..start + 32].to_owned()
    }
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            client: awc::Client::builder().disable_redirects().finish(),
            cookies: BTreeMap::new(),
            language: None,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.app.address));
        self.send(request, None, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).expect("form");
        let request = self
            .client
            .post(format!("{}{path}", self.app.address))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
        self.send(request, Some(body.into_bytes()), None).await
    }

    async fn send(
        &mut self,
        mut request: awc::ClientRequest,
        body: Option<Vec<u8>>,
        csrf_header: Option<&str>,
    ) -> Page {
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request = request.insert_header(("Cookie", jar.join("; ")));
        }
        if let Some(language) = self.language {
            request = request.insert_header(("Accept-Language", language));
        }
        if let Some(token) = csrf_header {
            request = request.insert_header(("X-CSRF-Token", token));
        }
        let mut response = request
            .send_body(body.unwrap_or_default())
            .await
            .expect("request sent");
        for cookie in response.headers().get_all("set-cookie") {
            let text = cookie.to_str().expect("ascii cookie");
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.body().limit(8 * 1024 * 1024).await.expect("body");
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).expect("utf-8 page"),
        }
    }

    /// Sends a justice extract as the loads page's script does.
    async fn upload(&mut self, extract: &str, csrf: Option<&str>) -> Page {
        let request = self
            .client
            .post(format!(
                "{}/loads/upload?source=justice&file_name=j.csv",
                self.app.address
            ))
            .insert_header(("Content-Type", "text/csv"));
        self.send(request, Some(extract.as_bytes().to_vec()), csrf)
            .await
    }

    /// Signs in through the form with a fresh token of `role`.
    async fn sign_in(&mut self, role: Role) {
        let token = self.app.token(role).await;
        let form = self.get("/login").await;
        let csrf = form.csrf();
        let signed = self
            .post(
                "/login",
                &[("csrf", &csrf), ("token", &token), ("next", "/")],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
    }
}

/// `<script>alert(1)</script>` as the templates escape it.
const ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

#[actix_web::test]
async fn a_search_page_lists_hits_as_text_and_links_them_to_their_units() {
    let app = spawn_app().await;
    let (stat_id, _) = app
        .legal_unit(justice(
            "K-1",
            "<script>alert(1)</script> Hyzmat HJ",
            "2015-01-01",
        ))
        .await;
    indexed(&app).await;
    let mut browser = Browser::new(&app);

    let page = browser.get("/search?q=Hyzmat").await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page
        .header("content-security-policy")
        .contains("default-src 'self'"));
    assert!(
        page.body.contains(&format!("href=\"/units/{stat_id}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains(ESCAPED), "{}", page.body);
    assert!(
        !page.body.contains("<script>alert"),
        "the name is text, never markup"
    );
    assert!(page.body.contains("class=\"hit\""));

    let unit = browser.get(&format!("/units/{stat_id}")).await;
    assert_eq!(unit.status, 200, "{}", unit.body);
    assert!(
        unit.body.contains(&format!("id=\"unit-name\">{ESCAPED}")),
        "{}",
        unit.body
    );
    assert!(!unit.body.contains("<script>alert"));
}

#[actix_web::test]
async fn the_unit_page_shows_sources_conflicts_links_and_withholds_figures_from_the_public() {
    let app = spawn_app().await;
    let (stat_id, enterprise) = app
        .legal_unit(justice("K-2", "Altyn Ýol HJ", "2015-01-01"))
        .await;
    app.write(move |writer| writer.record(stat_id, &statistics(321, "62.01", "2016-01-01")))
        .await;
    let mut public = Browser::new(&app);
    public.language = Some("en");

    let page = public.get(&format!("/units/{stat_id}")).await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Altyn Ýol HJ"));
    assert!(
        page.body.contains("source-justice"),
        "a badge names each value's source"
    );
    assert!(
        !page.body.contains("321"),
        "employees are confidential: {}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "data-kind=\"enterprise\" href=\"/units/{enterprise}\""
        )),
        "the enterprise is a link: {}",
        page.body
    );
    let before = public
        .get(&format!("/units/{stat_id}?as_of=2015-06-01"))
        .await;
    assert!(before.body.contains("value=\"2015-06-01\""));
    let attributes = &before.body[before.body.find("attributes-title").expect("attributes")
        ..before.body.find("id=\"links\"").expect("links")];
    assert!(
        !attributes.contains("62.01"),
        "the survey came later: {attributes}"
    );
    assert!(page.body.contains("62.01"), "and is there now");

    let mut staff = Browser::new(&app);
    staff.sign_in(Role::Statistician).await;
    let full = staff.get(&format!("/units/{stat_id}")).await;
    assert!(
        full.body.contains("321"),
        "staff see employees: {}",
        full.body
    );
    indexed(&app).await;
    let found = public.get("/search?q=Altyn").await;
    assert!(
        found.body.contains(&format!("/units/{stat_id}")),
        "{}",
        found.body
    );
    assert!(
        !found.body.contains("size_class="),
        "no size class facet for the public"
    );
    let counted = staff.get("/search?q=Altyn").await;
    assert!(
        counted.body.contains("size_class=large"),
        "staff count by size: {}",
        counted.body
    );
    let missing = public.get("/units/100000001").await;
    assert!(
        missing.status == 400 || missing.status == 404,
        "{}",
        missing.status
    );
    assert!(missing.header("content-type").starts_with("text/html"));
}

#[actix_web::test]
async fn the_language_follows_accept_language_then_the_switch() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.language = Some("ru-RU,ru;q=0.9,en;q=0.5");
    assert!(browser.get("/").await.body.contains("<html lang=\"ru\">"));
    browser.language = Some("de");
    assert!(browser.get("/").await.body.contains("<html lang=\"tk\">"));

    let switched = browser
        .get("/language?lang=en&back=%2Fsearch%3Fq%3Dx")
        .await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.header("location"), "/search?q=x");
    assert!(browser.get("/").await.body.contains("<html lang=\"en\">"));

    let elsewhere = browser
        .get("/language?lang=ru&back=%2F%2Fevil.example")
        .await;
    assert_eq!(
        elsewhere.header("location"),
        "/",
        "never a redirect to another site"
    );
    let unknown = browser.get("/language?lang=xx").await;
    assert_eq!(unknown.status, 400);
}

#[actix_web::test]
async fn staff_pages_need_a_session_opened_by_a_form_with_its_csrf_token() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);

    let review = browser.get("/review").await;
    assert_eq!(review.status, 303);
    assert_eq!(review.header("location"), "/login?next=%2Freview");
    assert_eq!(browser.get("/loads").await.status, 303);

    let form = browser.get("/login").await;
    let csrf = form.csrf();
    let token = app.token(Role::Statistician).await;
    let forged = browser
        .post(
            "/login",
            &[("csrf", "0".repeat(32).as_str()), ("token", &token)],
        )
        .await;
    assert_eq!(forged.status, 403, "a form without this browser's token");
    let wrong = browser
        .post("/login", &[("csrf", &csrf), ("token", "sanaw_nonsense")])
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("id=\"login\""), "the form again");

    let signed = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("token", &token), ("next", "/review")],
        )
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.header("location"), "/review");
    let cookie = signed.header("set-cookie");
    assert!(cookie.starts_with("sanaw_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(&token),
        "the cookie is a session, not the token"
    );
    assert_eq!(browser.get("/review").await.status, 200);
    assert_eq!(browser.get("/loads").await.status, 200);

    let signed_out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(
        browser.get("/review").await.status,
        303,
        "the session has ended"
    );

    let mut analyst = Browser::new(&app);
    analyst.sign_in(Role::Analyst).await;
    assert_eq!(
        analyst.get("/review").await.status,
        403,
        "analysts do not review"
    );
}

#[actix_web::test]
async fn a_revoked_token_ends_its_sessions() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(Role::Statistician).await;
    assert_eq!(browser.get("/review").await.status, 200);

    app.db
        .write(|conn| {
            let id = sanaw::store::tokens::list(conn)?[0].id;
            sanaw::store::tokens::revoke(conn, id)
        })
        .await
        .expect("revoked");

    assert_eq!(browser.get("/review").await.status, 303);
}

#[actix_web::test]
async fn a_review_decision_on_the_page_is_the_apis_decision_and_the_next_item_follows() {
    let app = spawn_app().await;
    let token = app.token(Role::Statistician).await;
    app.load_done(
        "source=statistics",
        "name;employees;reference_year\nZzyzx Qwrtp;12;2024\nVlakh Brzdt;5;2024\n",
        &token,
    )
    .await;
    let (_, queue) = app.get("/api/v1/review", Some(&token)).await;
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2, "{queue}");
    let mut browser = Browser::new(&app);
    browser.sign_in(Role::Statistician).await;

    let first = browser.get("/review").await;
    assert!(
        first.body.contains(&format!("data-id=\"{}\"", ids[0])),
        "{}",
        first.body
    );
    assert!(
        first
            .body
            .contains(&format!("href=\"/review?item={}\"", ids[1])),
        "J goes there"
    );
    assert!(first.body.contains("Zzyzx Qwrtp"), "the row is shown");
    let csrf = first.csrf();
    let forged = browser
        .post(
            &format!("/review/{}", ids[0]),
            &[("csrf", "f".repeat(32).as_str()), ("decision", "reject")],
        )
        .await;
    assert_eq!(forged.status, 403);

    let decided = browser
        .post(
            &format!("/review/{}", ids[0]),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("note", "a test row"),
            ],
        )
        .await;

    assert_eq!(decided.status, 303, "{}", decided.body);
    let next = browser.get(decided.header("location")).await;
    assert!(
        next.body.contains(&format!("data-id=\"{}\"", ids[1])),
        "{}",
        next.body
    );
    let (_, rejected) = app
        .get("/api/v1/review?status=rejected", Some(&token))
        .await;
    assert_eq!(rejected["items"][0]["id"], ids[0], "{rejected}");
    assert_eq!(
        rejected["items"][0]["note"], "a test row",
        "the note is kept"
    );
    let both = browser
        .post(
            &format!("/review/{}", ids[1]),
            &[
                ("csrf", &csrf),
                ("link", "100000011"),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(both.status, 400, "one decision at a time: {}", both.body);
    assert!(both.body.contains("decision"), "the field is named");
    let again = browser
        .post(
            &format!("/review/{}", ids[0]),
            &[("csrf", &csrf), ("decision", "create")],
        )
        .await;
    assert_eq!(again.status, 409, "decided once");
    assert!(again.header("content-type").starts_with("text/html"));
}

#[actix_web::test]
async fn an_upload_from_the_loads_page_becomes_a_load_with_its_report_and_rejections() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(Role::Statistician).await;
    let page = browser.get("/loads").await;
    assert_eq!(page.status, 200);
    let csrf =
        page.body[page.body.find("data-csrf=\"").expect("the upload form") + 11..][..32].to_owned();
    let extract = "reg_number,name,legal_form_code,registration_date,address,region\n\
        K-9,Täze Ýol HJ,ES,2019-02-03,\"Aşgabat, jaý 1\",TM-S\n\
        K-10,Bozuk,ES,not-a-date,,TM-S\n";
    let refused = browser.upload(extract, None).await;
    assert_eq!(refused.status, 403, "no csrf header: {}", refused.body);
    let accepted = browser.upload(extract, Some(&csrf)).await;

    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let answer: serde_json::Value = serde_json::from_str(&accepted.body).expect("json");
    let location = answer["location"].as_str().expect("location").to_owned();
    let load_id = answer["load_id"].as_i64().expect("id");
    assert_eq!(location, format!("/loads/{load_id}"));
    let staff = app.token(Role::Statistician).await;
    app.wait_for_load(load_id, &staff).await;
    let load = browser.get(&location).await;
    assert!(load.body.contains("id=\"report\""), "{}", load.body);
    assert!(
        load.body.contains("not-a-date") || load.body.contains("registration_date"),
        "{}",
        load.body
    );
    let csv = browser
        .get(&format!("/loads/{load_id}/rejections.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body.starts_with("line,column,reason\n3,"),
        "{}",
        csv.body
    );
    let listed = browser.get("/loads").await;
    assert!(listed.body.contains(&format!("href=\"/loads/{load_id}\"")));
}
