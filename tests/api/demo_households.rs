//! Every demo household (mocks/fixtures/demo_applications.json) gets the verdict and
//! figures written next to it; those expectations were derived by hand from DESIGN §5.

use crate::helpers::{demo_applications, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn every_demo_household_gets_its_expected_report() {
    let app = spawn_app().await;
    let demos = demo_applications();
    assert!(demos.len() >= 12, "at least 12 demo households");
    let mut failures = Vec::new();
    for demo in &demos {
        let name = demo["name"].as_str().unwrap();
        let json = app.verify(&demo["application"]).await;
        let report = &json["report"];
        let expect = &demo["expect"];
        for (key, wanted) in expect.as_object().unwrap() {
            let actual = match key.as_str() {
                "missing" => missing_by_index(report),
                "flags" => sorted(&report["flags"]),
                _ => report[key].clone(),
            };
            let wanted = if key == "flags" { sorted(wanted) } else { wanted.clone() };
            if actual != wanted {
                failures.push(format!("{name}: {key} expected {wanted}, got {actual}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The report's `missing` entries with the member written as its index in the household.
fn missing_by_index(report: &Value) -> Value {
    let masked: Vec<&str> = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id_number_masked"].as_str().unwrap())
        .collect();
    let entries = report["missing"].as_array().unwrap().iter().map(|m| {
        let index = masked.iter().position(|id| *id == m["member"].as_str().unwrap()).unwrap();
        serde_json::json!({"member_index": index, "agency": m["agency"], "cause": m["cause"]})
    });
    Value::Array(entries.collect())
}

fn sorted(value: &Value) -> Value {
    let mut items: Vec<String> =
        value.as_array().map(|a| a.iter().map(|v| v.to_string()).collect()).unwrap_or_default();
    items.sort();
    Value::Array(items.into_iter().map(|s| serde_json::from_str(&s).unwrap()).collect())
}
