//! The officers' pages over plain HTTP: sign-in and its cookie, region scope, the report,
//! review decisions, CSRF, language and accessibility basics. (The same flows in a real
//! browser are in `ui_browser.rs`.)

use crate::helpers::{TestApp, demo_applications, spawn_app};
use hub::auth::Role;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

/// A browser's worth of state for one officer: the session cookie and the page's CSRF token.
pub struct Officer<'a> {
    app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

/// The value of a hidden field, as a form on the page carries it.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A form body as a browser sends it (`application/x-www-form-urlencoded`).
pub fn form(pairs: &[(&str, &str)]) -> (reqwest::header::HeaderName, &'static str, String) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    (reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded", body)
}

trait FormExt {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormExt for reqwest::RequestBuilder {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        let (name, value, body) = form(pairs);
        self.header(name, value).body(body)
    }
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// GETs the sign-in form: its nonce cookie and CSRF token.
pub async fn login_form(app: &TestApp) -> (String, String) {
    let response = app.client.get(format!("{}/ui/login", app.address)).send().await.unwrap();
    let nonce =
        set_cookies(&response).iter().find(|c| c.starts_with("hub_login=")).map(|c| cookie_pair(c)).unwrap();
    (nonce, hidden(&response.text().await.unwrap(), "csrf"))
}

pub async fn post_login(app: &TestApp, token: &str, extra_headers: &[(&str, &str)]) -> reqwest::Response {
    let (nonce, csrf) = login_form(app).await;
    let mut request = app
        .client
        .post(format!("{}/ui/login", app.address))
        .header(COOKIE, nonce)
        .form_body(&[("csrf", csrf.as_str()), ("token", token), ("next", "/ui/applications")]);
    for (name, value) in extra_headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

impl<'a> Officer<'a> {
    pub async fn sign_in(app: &'a TestApp, token: &str) -> Self {
        let response = post_login(app, token, &[]).await;
        assert_eq!(response.status(), 303, "sign-in redirects to the list");
        let cookie =
            set_cookies(&response).iter().find(|c| c.starts_with("hub_session=")).map(|c| cookie_pair(c));
        let mut officer = Self { app, cookie: cookie.expect("a session cookie"), csrf: String::new() };
        let (_, list) = officer.get("/ui/applications").await;
        officer.csrf = hidden(&list, "csrf");
        officer
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .app
            .client
            .get(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .form_body(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn decide(&self, id: &str, decision: &str, note: &str) -> reqwest::Response {
        let path = format!("/ui/applications/{id}/review");
        self.post(&path, &[("csrf", &self.csrf), ("decision", decision), ("note", note)]).await
    }
}

/// Verifies the first demo household of `region` and returns its id.
pub async fn verified_in(app: &TestApp, region: &str) -> String {
    let demo = demo_applications().into_iter().find(|d| d["application"]["region"] == region).unwrap();
    app.verify(&demo["application"]).await["id"].as_str().unwrap().to_owned()
}

/// Every raw ID number of the demo households: none may ever appear on a page.
fn raw_id_numbers() -> Vec<String> {
    demo_applications()
        .iter()
        .flat_map(|d| d["application"]["household"]["members"].as_array().unwrap().clone())
        .map(|m: Value| m["id_number"].as_str().unwrap().to_owned())
        .collect()
}

/// The `<main>` part of a page (without the header's language link, which names the path).
fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap();
    let end = html.find("</main>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_that_lasts_as_long_as_the_token() {
    let app = spawn_app().await;
    let token = app.token(Role::Officer, &["50"], "officer-cq");
    let response = post_login(&app, &token, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/ui/applications");
    let session = set_cookies(&response).into_iter().find(|c| c.starts_with("hub_session=")).unwrap();
    assert!(session.starts_with(&format!("hub_session={token};")), "the cookie is the token itself");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui"] {
        assert!(session.contains(attribute), "{attribute} missing: {session}");
    }
    assert!(!session.contains("Secure"), "plain http without a TLS proxy: {session}");
    let max_age: i64 = session.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((500..=600).contains(&max_age), "the token lives 600 s: Max-Age={max_age}");

    let behind_tls = post_login(&app, &token, &[("X-Forwarded-Proto", "https")]).await;
    let session = set_cookies(&behind_tls).into_iter().find(|c| c.starts_with("hub_session=")).unwrap();
    assert!(session.contains("Secure"), "over TLS the cookie is Secure: {session}");
}

#[tokio::test]
async fn only_officers_and_admins_with_a_valid_token_sign_in() {
    let app = spawn_app().await;
    let intake = post_login(&app, &app.token(Role::Intake, &["50"], "intake-1"), &[]).await;
    assert_eq!(intake.status(), 403);
    assert!(set_cookies(&intake).iter().all(|c| !c.starts_with("hub_session=")));
    assert!(intake.text().await.unwrap().contains("只有核对员和管理员可以登录"));
    let auditor = post_login(&app, &app.token(Role::Auditor, &["50"], "auditor-1"), &[]).await;
    assert_eq!(auditor.status(), 403);

    let forged = post_login(&app, "not.a.jwt", &[]).await;
    assert_eq!(forged.status(), 401);
    assert!(forged.text().await.unwrap().contains("令牌无效或已过期"));

    // Without a session every page leads to the sign-in form, and back afterwards.
    let anonymous =
        app.client.get(format!("{}/ui/applications?verdict=eligible", app.address)).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[LOCATION], "/ui/login?next=%2Fui%2Fapplications%3Fverdict%3Deligible");
    let root = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(root.headers()[LOCATION], "/ui/applications");
}

#[tokio::test]
async fn the_list_shows_only_the_officers_regions_with_masked_ids_and_filters() {
    let app = spawn_app().await;
    let chongqing = verified_in(&app, "500103").await;
    let beijing = verified_in(&app, "110105").await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    let (status, list) = officer.get("/ui/applications").await;
    assert_eq!(status, 200);
    assert!(list.contains(&chongqing) && !list.contains(&beijing), "only region 50 is listed");
    assert!(list.contains("500103********0110"), "the applicant is shown masked");
    assert!(list.contains("符合条件") && list.contains("最低生活保障"));
    for raw in raw_id_numbers() {
        assert!(!list.contains(&raw), "a raw ID number is on the list");
    }
    let (_, ineligible) = officer.get("/ui/applications?verdict=ineligible").await;
    assert!(!ineligible.contains(&chongqing), "the verdict filter applies");
    let (_, tekun) = officer.get("/ui/applications?program=tekun").await;
    assert!(!tekun.contains(&chongqing), "the programme filter applies");
    let (_, beijing_asked) = officer.get("/ui/applications?region=11").await;
    assert!(!beijing_asked.contains(&beijing), "asking for another region shows nothing of it");
    let (status, bad) = officer.get("/ui/applications?region=abc&from=yesterday").await;
    assert_eq!(status, 200);
    assert!(bad.contains("行政区划代码应为") && bad.contains("日期格式应为"), "bad filters are named");
}

#[tokio::test]
async fn a_report_shows_the_household_and_its_arithmetic_and_the_view_is_audited() {
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    let (status, report) = officer.get(&format!("/ui/applications/{id}")).await;
    assert_eq!(status, 200);
    for expected in [
        "符合条件",
        "低保 A 类",
        "1180.00",               // suggested benefit: 2 × 740.00 − 300.00
        "= 300.00 ÷ 2",          // P = T ÷ n, redone by hand
        "500103********0110",    // members masked
        "income_below_standard", // the rule trace
        "c-demo01-1",            // the consent used
        "sha256:",               // the policy version
        "录入审核决定",
    ] {
        assert!(report.contains(expected), "{expected} missing from the report");
    }
    for raw in raw_id_numbers() {
        assert!(!report.contains(&raw), "a raw ID number is on the report");
    }
    let rows = app.store.audit_search(Some(&id), None, None, 100).await.unwrap();
    assert!(
        rows.iter().any(|r| r.action == "report_view" && r.actor_sub == "officer-cq"),
        "opening the report wrote a report_view row"
    );
    let (status, trail) = officer.get(&format!("/ui/applications/{id}/audit")).await;
    assert_eq!(status, 200);
    assert!(trail.contains("部门数据查询") && trail.contains("查看报告") && trail.contains("officer-cq"));
    assert!(
        trail.contains("500103********0110") && trail.contains("c-demo01-1"),
        "who was queried, under which consent"
    );
}

#[tokio::test]
async fn another_regions_report_is_the_same_not_found_page_as_an_unknown_id_and_is_audited() {
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let beijing = Officer::sign_in(&app, &app.token(Role::Officer, &["11"], "officer-bj")).await;
    let (status, refused) = beijing.get(&format!("/ui/applications/{id}")).await;
    assert_eq!(status, 404);
    assert!(refused.contains("没有找到该申请"));
    let (unknown_status, unknown) =
        beijing.get("/ui/applications/01900000-0000-7000-8000-000000000000").await;
    assert_eq!(unknown_status, 404);
    assert_eq!(main_of(&refused), main_of(&unknown), "existence must not leak");
    let (status, _) = beijing.get(&format!("/ui/applications/{id}/audit")).await;
    assert_eq!(status, 404);
    let decided = beijing.decide(&id, "approve", "looks fine").await;
    assert_eq!(decided.status(), 404);
    assert!(app.store.reviews(id.parse().unwrap()).await.unwrap().is_empty());

    // The refusal is audited in the background: poll for it (bounded).
    let mut audited = false;
    for _ in 0..100 {
        let rows = app.store.audit_search(Some(&id), None, None, 100).await.unwrap();
        assert!(
            !rows.iter().any(|r| r.action == "report_view" && r.actor_sub == "officer-bj"),
            "no report was shown"
        );
        if rows.iter().any(|r| r.action == "authorization_failure" && r.actor_sub == "officer-bj") {
            audited = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(audited, "the out-of-scope attempt is in the audit log");
}

#[tokio::test]
async fn a_decision_is_shown_with_who_and_when_and_needs_a_return_before_another() {
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;

    let missing_note = officer.decide(&id, "approve", "   ").await;
    assert_eq!(missing_note.status(), 422);
    assert!(missing_note.text().await.unwrap().contains("请填写审核意见"));

    let approved = officer.decide(&id, "approve", "收入与申报一致，同意").await;
    assert_eq!(approved.status(), 303);
    assert_eq!(approved.headers()[LOCATION], format!("/ui/applications/{id}#reviews").as_str());
    let (_, report) = officer.get(&format!("/ui/applications/{id}")).await;
    assert!(
        report.contains("收入与申报一致，同意") && report.contains("officer-cq") && report.contains("批准")
    );
    assert!(report.contains("只能先退回后再重新决定"), "the form now offers only a return");

    let again = officer.decide(&id, "reject", "再次决定").await;
    assert_eq!(again.status(), 409);
    let again = again.text().await.unwrap();
    assert!(again.contains("请先退回后再重新决定") && again.contains("再次决定"), "refused, the note kept");

    assert_eq!(officer.decide(&id, "return", "补充银行流水").await.status(), 303);
    assert_eq!(officer.decide(&id, "reject", "存款超标").await.status(), 303);
    let decisions: Vec<String> = app
        .store
        .reviews(id.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decision.as_str().to_owned())
        .collect();
    assert_eq!(decisions, ["approve", "return", "reject"]);
    let rows = app.store.audit_search(Some(&id), None, None, 100).await.unwrap();
    let decided: Vec<_> = rows.iter().filter(|r| r.action == "review_decision").collect();
    let applicant = decided.last().and_then(|r| r.subject.clone());
    assert!(applicant.is_some(), "decisions name the household's members: {decided:?}");
    assert_eq!(decided.iter().filter(|r| r.subject == applicant).count(), 3, "every decision is audited");
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    let path = format!("/ui/applications/{id}/review");
    let without = officer.post(&path, &[("decision", "approve"), ("note", "forged")]).await;
    assert_eq!(without.status(), 403);
    assert!(without.text().await.unwrap().contains("缺少有效的安全令牌"));
    let other_session = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-2")).await;
    let foreign =
        officer.post(&path, &[("csrf", &other_session.csrf), ("decision", "approve"), ("note", "x")]).await;
    assert_eq!(foreign.status(), 403, "a token of another session does not do");
    assert!(app.store.reviews(id.parse().unwrap()).await.unwrap().is_empty(), "nothing was recorded");

    let logout = officer.post("/ui/logout", &[]).await;
    assert_eq!(logout.status(), 403);
    let login = app
        .client
        .post(format!("{}/ui/login", app.address))
        .form_body(&[("token", app.token(Role::Officer, &["50"], "x").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403, "the sign-in form is protected too");
}

#[tokio::test]
async fn english_is_one_click_away_and_remembered() {
    let app = spawn_app().await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    let response = app
        .client
        .get(format!("{}/ui/applications?lang=en", app.address))
        .header(COOKIE, &officer.cookie)
        .send()
        .await
        .unwrap();
    let lang = set_cookies(&response).into_iter().find(|c| c.starts_with("hub_lang=en")).expect("remembered");
    let page = response.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">") && page.contains("Verification applications"));
    let both = format!("{}; {}", officer.cookie, cookie_pair(&lang));
    let next =
        app.client.get(format!("{}/ui/applications", app.address)).header(COOKIE, both).send().await.unwrap();
    assert!(next.text().await.unwrap().contains("Sign out"), "later pages stay in English");
    let (_, chinese) = officer.get("/ui/applications").await;
    assert!(chinese.contains("<html lang=\"zh-CN\">") && chinese.contains("退出登录"), "Chinese by default");
}

#[tokio::test]
async fn forms_are_labelled_tables_have_headers_and_nothing_comes_from_elsewhere() {
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    let (_, login) = (
        200,
        app.client.get(format!("{}/ui/login", app.address)).send().await.unwrap().text().await.unwrap(),
    );
    let (_, list) = officer.get("/ui/applications").await;
    let (_, report) = officer.get(&format!("/ui/applications/{id}")).await;
    let (_, trail) = officer.get(&format!("/ui/applications/{id}/audit")).await;
    for (name, page) in [("login", &login), ("list", &list), ("report", &report), ("audit", &trail)] {
        for control in page.split('<').skip(1).filter(|t| {
            (t.starts_with("input ") || t.starts_with("select ") || t.starts_with("textarea "))
                && !t.contains("type=\"hidden\"")
        }) {
            let id = control.split("id=\"").nth(1).and_then(|r| r.split('"').next());
            let id = id.unwrap_or_else(|| panic!("{name}: a form field without an id: <{control}"));
            assert!(page.contains(&format!("for=\"{id}\"")), "{name}: field {id} has no label");
        }
        let tables = page.matches("<table").count();
        assert!(page.matches("<th").count() >= tables, "{name}: a table without headers");
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "{name}: an outside resource");
    }
    let css = app.client.get(format!("{}/ui/static/ui.css", app.address)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.text().await.unwrap().contains("@media print"), "the print stylesheet is served by the hub");
}
