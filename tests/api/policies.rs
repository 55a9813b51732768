//! Policy parameters over time: the published view, reload (API and SIGHUP), a running
//! verification keeping its parameters across a reload, applications judged by their
//! `as_of`, and the officers' pages naming the policy and explaining the rules in Chinese.

use crate::helpers::{Options, TestApp, demo_applications, spawn_app_with, unknown_person_body};
use crate::ui::Officer;
use hub::auth::Role;
use mocks::Latency;
use serde_json::Value;
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;

const DEFAULT: &str = include_str!("../../config/policies/default.toml");

/// A policy directory holding the shipped `default.toml` (plus `default_extra`) and `files`.
fn policy_dir(default_extra: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("default.toml"), format!("{DEFAULT}{default_extra}")).unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

async fn spawn_with_policies(dir: &TempDir, options: Options) -> TestApp {
    let path = dir.path().to_owned();
    spawn_app_with(Options { configure: Some(Box::new(move |s| s.policy.dir = path)), ..options }).await
}

/// Waits until `probe` gives something, for at most `budget`.
async fn eventually<T, F: Future<Output = Option<T>>>(budget: Duration, mut probe: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + budget;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "not reached within {budget:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl TestApp {
    /// GET /api/v1/policies?{query}
    async fn policies(&self, query: &str, token: &str) -> reqwest::Response {
        let url = format!("{}/api/v1/policies?{query}", self.address);
        self.client.get(url).bearer_auth(token).send().await.unwrap()
    }

    async fn published(&self, region: &str, as_of: &str) -> Value {
        let response = self.policies(&format!("region={region}&as_of={as_of}"), &self.admin_token()).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// POST /api/v1/admin/policies/reload
    async fn reload_policies(&self, token: &str) -> reqwest::Response {
        let url = format!("{}/api/v1/admin/policies/reload", self.address);
        self.client.post(url).bearer_auth(token).send().await.unwrap()
    }
}

#[tokio::test]
async fn the_published_parameters_say_where_each_value_came_from() {
    let change = "\n[[changes]]\neffective_from = \"2026-07-01\"\ndibao_monthly_urban = \"760.00\"\n";
    let dir = policy_dir(change, &[("50.toml", "dibao_monthly_rural = \"600.00\"\n")]);
    let app = spawn_with_policies(&dir, Options::default()).await;
    let intake = app.token(Role::Intake, &["50"], "intake-cq");
    let response = app.policies("region=500103&as_of=2026-07-01", &intake).await;
    assert_eq!(response.status(), 200, "any authenticated role may read the parameters");
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["region"], "500103");
    assert_eq!(published["as_of"], "2026-07-01");
    assert_eq!(published["parameters"]["dibao_monthly_urban"], "760");
    assert_eq!(published["parameters"]["dibao_monthly_rural"], "600");
    assert_eq!(
        published["origins"]["dibao_monthly_urban"],
        serde_json::json!({"file": "default.toml", "effective_from": "2026-07-01"})
    );
    assert_eq!(
        published["origins"]["dibao_monthly_rural"],
        serde_json::json!({"file": "50.toml", "effective_from": null})
    );
    assert_eq!(
        published["origins"]["tekun_multiplier"],
        serde_json::json!({"file": "default.toml", "effective_from": null})
    );
    assert_eq!(published["name"], "Region 50 parameters, effective 2026-07-01");
    assert_eq!(published["name_zh"], "行政区划 50 政策参数（2026-07-01 起施行）");
    assert!(published["policy_version"].as_str().unwrap().starts_with("sha256:"));
    let day_before = app.published("500103", "2026-06-30").await;
    assert_eq!(day_before["parameters"]["dibao_monthly_urban"], "740");
    assert_ne!(day_before["policy_version"], published["policy_version"]);

    let anonymous =
        app.client.get(format!("{}/api/v1/policies?region=500103", app.address)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let bad = app.policies("region=50&as_of=2026-13-01", &intake).await;
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["region", "as_of"]);
}

#[tokio::test]
async fn a_reload_swaps_a_good_set_and_refuses_a_bad_one_naming_file_and_key() {
    let dir = policy_dir("", &[]);
    let app = spawn_with_policies(&dir, Options::default()).await;
    let before = app.published("500103", "2026-11-24").await;
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"800.00\"\n");
    assert_eq!(app.published("500103", "2026-11-24").await, before, "nothing changes before a reload");

    let officer = app.token(Role::Officer, &["50"], "officer-cq");
    assert_eq!(app.reload_policies(&officer).await.status(), 403, "administrators only");
    let response = app.reload_policies(&app.admin_token()).await;
    assert_eq!(response.status(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(
        summary["files"],
        serde_json::json!([{"file": "50.toml", "changes": 0}, {"file": "default.toml", "changes": 0}])
    );
    let swapped = app.published("500103", "2026-11-24").await;
    assert_eq!(swapped["parameters"]["dibao_monthly_urban"], "800");

    write(dir.path(), "50.toml", "dibao_monthly_urban = \"820.00\"\n");
    write(dir.path(), "5001.toml", "[[changes]]\neffective_from = \"2027-01-01\"\ntekun_multiplier = 1.4\n");
    let refused = app.reload_policies(&app.admin_token()).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: Value = refused.json().await.unwrap();
    let field = problem["errors"][0]["field"].as_str().unwrap();
    assert!(field.ends_with("5001.toml: changes[0].tekun_multiplier"), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("must be written as a string"), "{problem}");
    assert_eq!(
        app.published("500103", "2026-11-24").await,
        swapped,
        "the running set stays, 50.toml's edit included"
    );

    let metrics =
        app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    for outcome in ["applied", "refused"] {
        let line = format!("hub_policy_reloads_total{{outcome=\"{outcome}\"}}");
        assert!(metrics.lines().any(|l| l.starts_with(&line)), "{line} missing");
    }
}

#[tokio::test]
async fn a_verification_running_during_a_reload_finishes_with_the_parameters_it_started_with() {
    let dir = policy_dir("", &[]);
    let app = spawn_with_policies(&dir, Options { agency_timeout_ms: 20_000, ..Options::default() }).await;
    let old = app.published("500103", "2026-11-24").await["policy_version"].clone();
    let body = demo_applications().into_iter().find(|d| d["application"]["region"] == "500103").unwrap()["application"]
        .clone();
    let state = app.mocks.state();
    state.set_latency(Latency::parse("1500").unwrap());
    state.reset_counts();
    let accepted: Value = app.submit(&body, None, &app.admin_token()).await.json().await.unwrap();
    let id = accepted["id"].as_str().unwrap().to_owned();
    // The agencies count a query when it arrives, so from here the verification is running:
    // it took its parameters before it asked anyone.
    eventually(Duration::from_secs(10), || async { (state.total_calls("tax") > 0).then_some(()) }).await;
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"800.00\"\n");
    assert_eq!(app.reload_policies(&app.admin_token()).await.status(), 200);
    state.set_latency(Latency::none());
    let new = app.published("500103", "2026-11-24").await["policy_version"].clone();
    assert_ne!(new, old);

    let finished = eventually(Duration::from_secs(30), || async {
        let json: Value = app.get_application(&id, &app.admin_token()).await.json().await.unwrap();
        (json["status"] == "completed").then_some(json)
    })
    .await;
    assert_eq!(finished["report"]["policy_version"], old, "the version it started with");
    assert_eq!(finished["report"]["standard_monthly"], "740.00");
    let after = app.verify(&body).await;
    assert_eq!(
        (&after["report"]["policy_version"], &after["report"]["standard_monthly"]),
        (&new, &"800.00".into())
    );
}

/// A page's text with the entities the templates write turned back into characters.
fn unescaped(html: &str) -> String {
    html.replace("&#60;", "<").replace("&lt;", "<").replace("&#38;", "&").replace("&amp;", "&")
}

/// The unknown person's application on another date (consents signed before it).
fn on(as_of: &str) -> Value {
    let mut body = unknown_person_body();
    body["as_of"] = as_of.into();
    body["consents"][0]["signed_at"] = "2026-10-01T09:00:00+08:00".into();
    body
}

#[tokio::test]
async fn an_application_is_judged_by_the_parameters_in_force_on_its_as_of() {
    let change = "\n[[changes]]\neffective_from = \"2026-11-01\"\ndibao_monthly_urban = \"780.00\"\n";
    let dir = policy_dir(change, &[]);
    let app = spawn_with_policies(&dir, Options::default()).await;
    let before = app.verify(&on("2026-10-31")).await;
    let from = app.verify(&on("2026-11-01")).await;
    assert_eq!(before["report"]["standard_monthly"], "740.00");
    assert_eq!(
        before["report"]["policy_source"],
        serde_json::json!({"region_prefix": null, "effective_from": null})
    );
    assert_eq!(from["report"]["standard_monthly"], "780.00");
    assert_eq!(from["report"]["suggested_monthly_benefit"], "780.00");
    assert_eq!(from["report"]["policy_source"]["effective_from"], "2026-11-01");
    assert_eq!(
        from["report"]["policy_version"],
        app.published("500103", "2026-11-01").await["policy_version"]
    );
    assert_ne!(before["report"]["policy_version"], from["report"]["policy_version"]);
}

#[cfg(unix)]
#[tokio::test]
async fn a_hangup_signal_reloads_the_parameters() {
    let dir = policy_dir("", &[]);
    let app = spawn_with_policies(&dir, Options::default()).await;
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"810.00\"\n");
    let status =
        std::process::Command::new("kill").args(["-HUP", &std::process::id().to_string()]).status().unwrap();
    assert!(status.success());
    eventually(Duration::from_secs(10), || async {
        let published = app.published("500103", "2026-11-24").await;
        (published["parameters"]["dibao_monthly_urban"] == "810").then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_report_page_names_the_policy_explains_the_rules_in_the_pages_language_and_links_the_parameters()
{
    let dir = policy_dir("", &[("50.toml", "dibao_monthly_rural = \"600.00\"\n")]);
    let app = spawn_with_policies(&dir, Options::default()).await;
    let demo = demo_applications().into_iter().find(|d| d["name"] == "dibao_a_elderly_couple").unwrap();
    let id = app.verify(&demo["application"]).await["id"].as_str().unwrap().to_owned();
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["50"], "officer-cq")).await;

    let (status, chinese) = officer.get(&format!("/ui/applications/{id}")).await;
    assert_eq!(status, 200);
    let chinese = unescaped(&chinese);
    for expected in [
        "行政区划 50 政策参数",                         // the policy's readable name
        "人均月收入 150.00 元，低于低保标准 740.00 元", // the banner's deciding reason
        "人均收入低于低保标准",                         // a rule named for what passed
        "人均月收入 150.00 元 < 低保标准 740.00 元",    // its arithmetic in Chinese
        "/ui/policies?region=500103&as_of=2026-11-24&version=sha256%3A",
    ] {
        assert!(chinese.contains(expected), "{expected} missing from the Chinese page");
    }
    assert!(!chinese.contains("per-capita 150.00"), "no English arithmetic on the Chinese page");
    let (_, english) = officer.get(&format!("/ui/applications/{id}?lang=en")).await;
    let english = unescaped(&english);
    for expected in [
        "Region 50 parameters",
        "Per-capita income below the standard",
        "per-capita 150.00 < standard 740.00",
    ] {
        assert!(english.contains(expected), "{expected} missing from the English page");
    }

    let (status, parameters) = officer.get("/ui/policies?region=500103&as_of=2026-11-24").await;
    assert_eq!(status, 200);
    for expected in [
        "农村低保标准（元/人·月）",
        "600.00",
        "50.toml",
        "default.toml",
        "税务、不动产登记、住房公积金、银行存款",
    ] {
        assert!(parameters.contains(expected), "{expected} missing from the parameters page");
    }
    let (status, _) = officer.get("/ui/policies?region=5001").await;
    assert_eq!(status, 422, "a region that is not a 6-digit code is refused");
}
