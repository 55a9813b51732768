//! The officers' core flow in headless Chromium, without help from JavaScript on the pages:
//! sign in, open the list, open a report, record a decision and see it; an officer of another
//! region gets the not-found page; a form posted without its CSRF token is refused.
//!
//! With `HUB_SCREENSHOTS=1` the first test also writes `docs/screenshots/list.png` and
//! `report.png` (the README shows them).

use crate::helpers::{TestApp, demo_applications, spawn_app};
use crate::ui::verified_in;
use crate::webdriver::{Browser, available};
use hub::auth::Role;
use std::path::PathBuf;

async fn sign_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.goto(&format!("{}/ui/login", app.address)).await;
    browser.type_into("#token", token).await;
    browser.click("form[action='/ui/login'] button[type=submit]").await;
    // Wait for the list: navigating away earlier would abandon the sign-in.
    browser.text_once_it_shows("核对申请列表").await;
}

/// Every demo household, so the list looks like an office's; the report shown is one whose
/// bank query timed out (an officer's typical case).
async fn seed(app: &TestApp) -> String {
    let mut chosen = None;
    for demo in demo_applications() {
        let finished = app.verify(&demo["application"]).await;
        if demo["name"] == "needs_review_bank_timeout" {
            chosen = finished["id"].as_str().map(str::to_owned);
        }
    }
    chosen.unwrap()
}

#[tokio::test]
async fn an_officer_signs_in_opens_a_report_and_records_a_decision() {
    if !available("an_officer_signs_in_opens_a_report_and_records_a_decision") {
        return;
    }
    let app = spawn_app().await;
    let screenshots = std::env::var_os("HUB_SCREENSHOTS").is_some();
    let id = if screenshots { seed(&app).await } else { verified_in(&app, "500103").await };
    let browser = Browser::start().await;
    sign_in(&browser, &app, &app.token(Role::Officer, &["50"], "officer-cq")).await;

    let list = browser.text_once_it_shows("核对申请列表").await;
    assert!(browser.url().await.ends_with("/ui/applications"), "signed in, the list opens");
    assert!(list.contains("核对申请列表") && list.contains("officer-cq"));
    assert!(list.contains("500103********"), "applicants, masked");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    if screenshots {
        browser.screenshot(&dir.join("list.png")).await;
    }

    browser.click(&format!("a[href='/ui/applications/{id}']")).await;
    let report = browser.text_once_it_shows("规则核算过程").await;
    assert!(browser.title().await.starts_with("核对报告"));
    assert!(
        report.contains("核对结论") && report.contains("规则核算过程") && report.contains("各部门数据来源")
    );

    browser.click("#decision-approve").await;
    let note = "银行存款查询超时，已由申请人提供存折原件核实，余额与申报一致，同意。";
    browser.type_into("#note", note).await;
    browser.click("form.review-form button[type=submit]").await;
    let decided = browser.text_once_it_shows(note).await;
    assert!(browser.url().await.contains(&format!("/ui/applications/{id}")), "back on the report");
    assert!(decided.contains(note), "the note is on the report");
    assert!(decided.contains("批准") && decided.contains("officer-cq"), "with the decision and who made it");
    if screenshots {
        browser.screenshot(&dir.join("report.png")).await;
    }
    browser.quit().await;
}

#[tokio::test]
async fn another_regions_officer_sees_not_found_and_a_post_without_csrf_is_refused() {
    if !available("another_regions_officer_sees_not_found_and_a_post_without_csrf_is_refused") {
        return;
    }
    let app = spawn_app().await;
    let id = verified_in(&app, "500103").await;
    let browser = Browser::start().await;

    sign_in(&browser, &app, &app.token(Role::Officer, &["11"], "officer-bj")).await;
    browser.goto(&format!("{}/ui/applications/{id}", app.address)).await;
    let refused = browser.text_once_it_shows("没有找到该申请").await;
    assert!(refused.contains("没有找到该申请"), "the not-found page: {refused}");
    assert!(!refused.contains("500103********0110"));

    // The same officer's own session, but the form's CSRF field removed before posting.
    sign_in(&browser, &app, &app.token(Role::Officer, &["50"], "officer-cq")).await;
    browser.goto(&format!("{}/ui/applications/{id}", app.address)).await;
    browser.script("document.querySelector('form.review-form input[name=csrf]').remove()").await;
    browser.click("#decision-approve").await;
    browser.type_into("#note", "forged").await;
    browser.click("form.review-form button[type=submit]").await;
    assert!(browser.text_once_it_shows("请求被拒绝").await.contains("请求被拒绝"), "refused");
    assert!(app.store.reviews(id.parse().unwrap()).await.unwrap().is_empty(), "nothing recorded");
    browser.quit().await;
}
