//! No raw ID number in any log line: run a varied workload with every log line captured
//! (debug level, JSON with span fields) and scan for every ID number the run used.

use crate::helpers::{Options, demo_applications, spawn_app_with};
use hub::auth::Role;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every 18-character ID number anywhere in `value`.
fn id_numbers(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.len() == 18 && hub::domain::IdNumber::parse_structure(text).is_ok() => {
            found.push(text.to_uppercase())
        }
        Value::Array(items) => items.iter().for_each(|v| id_numbers(v, found)),
        Value::Object(map) => map.values().for_each(|v| id_numbers(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn no_log_line_contains_a_raw_id_number() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("this test owns the process's subscriber");

    let app = spawn_app_with(Options { agency_timeout_ms: 300, ..Options::default() }).await;
    let demos = demo_applications();
    let mut ids = Vec::new();
    for demo in &demos {
        id_numbers(&demo["application"], &mut ids);
        app.verify(&demo["application"]).await;
    }
    // Refusals, a bad body quoting an ID number, an audit search by ID number, an ID number
    // in a URL, a revocation.
    let body = &demos[0]["application"];
    let officer = app.token(Role::Officer, &["11"], "officer-elsewhere");
    let first: Value = app.submit(body, Some(10), &app.admin_token()).await.json().await.unwrap();
    app.get_application(first["id"].as_str().unwrap(), &officer).await;
    let mut bad = body.clone();
    bad["household"]["members"][0]["id_number"] = json!("110105194912310021");
    ids.push("110105194912310021".into());
    app.submit(&bad, None, &app.admin_token()).await;
    let auditor = app.token(Role::Auditor, &["1"], "auditor");
    app.client
        .get(format!("{}/api/v1/audit?subject_id_number={}", app.address, ids[0]))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    // A caller who puts an ID number in a URL: the logged path masks it.
    app.get_application(&ids[0], &app.admin_token()).await;
    let consent = body["consents"][0]["id"].as_str().unwrap();
    app.client
        .post(format!("{}/api/v1/consents/{consent}/revoke", app.address))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.lines().count() > 100, "the workload was logged");
    assert!(logs.contains("request completed"));
    assert_request_lines_identify_the_request(&logs);
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 30, "the workload used many ID numbers");
    for id in &ids {
        let leaked: Vec<&str> = logs
            .lines()
            .filter(|line| line.contains(id.as_str()) || line.contains(&id.to_lowercase()))
            .collect();
        assert!(leaked.is_empty(), "a log line holds a raw ID number: {}", leaked[0]);
    }
}

/// Each request's closing line carries its request id, route template, path, status,
/// latency and the caller's `sub`; a path holding an ID number is logged masked.
fn assert_request_lines_identify_the_request(logs: &str) {
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request completed")
        .collect();
    let read = lines
        .iter()
        .find(|line| line["span"]["route"] == "/api/v1/applications" && line["fields"]["status"] == 200)
        .expect("a logged submission answered with its verdict");
    let span = &read["span"];
    assert_eq!(span["caller"], "test-admin", "{read}");
    assert!(span["request_id"].as_str().is_some_and(|id| id.len() == 36), "{read}");
    assert_eq!(span["path"], "/api/v1/applications", "the query string is not logged: {read}");
    assert!(read["fields"]["latency_ms"].is_number(), "{read}");
    let masked =
        lines.iter().any(|line| line["span"]["path"].as_str().is_some_and(|p| p.contains("********")));
    assert!(masked, "the ID number put in a URL was logged masked");
}
