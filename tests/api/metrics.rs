//! `/metrics` tells an operator what the hub is doing: requests by route and status,
//! applications by verdict, the queue — with no personal data in any label.

use crate::helpers::{demo_applications, spawn_app};
use std::time::Duration;

/// The value of the first sample line starting with `prefix` (name and labels).
fn sample(metrics: &str, prefix: &str) -> Option<f64> {
    metrics.lines().find(|line| line.starts_with(prefix))?.rsplit(' ').next()?.parse().ok()
}

#[tokio::test]
async fn requests_verdicts_and_the_queue_are_counted_without_personal_data() {
    let app = spawn_app().await;
    let demo = &demo_applications()[0];
    let verdict = demo["expect"]["verdict"].as_str().unwrap();
    app.verify(&demo["application"]).await;
    // An unknown id: the label is the route template, not the path.
    app.get_application("0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12", &app.admin_token()).await;
    app.client.get(format!("{}/no/such/path/11010519491231002X", app.address)).send().await.unwrap();

    // The store is sampled at start and every 15 s: wait for a sample that saw the verdict.
    let started = std::time::Instant::now();
    let metrics = loop {
        let metrics = reqwest::get(format!("{}/metrics", app.address)).await.unwrap().text().await.unwrap();
        let completed = format!("hub_applications{{status=\"completed\",verdict=\"{verdict}\"}}");
        if sample(&metrics, &completed) == Some(1.0) || started.elapsed() > Duration::from_secs(40) {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    let submitted = r#"hub_http_requests_total{method="POST",route="/api/v1/applications",status="200"}"#;
    assert_eq!(sample(&metrics, submitted), Some(1.0), "{metrics}");
    let not_found = r#"hub_http_requests_total{method="GET",route="/api/v1/applications/{id}",status="404"}"#;
    assert_eq!(sample(&metrics, not_found), Some(1.0));
    let unmatched = r#"hub_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    assert_eq!(sample(&metrics, unmatched), Some(1.0));
    assert!(metrics.contains(r#"hub_http_request_duration_seconds_bucket{method="POST",route="/api/v1/applications",status="200",le="0.5"}"#));
    let verified = format!("hub_verifications_total{{program=\"dibao\",verdict=\"{verdict}\"}}");
    assert_eq!(sample(&metrics, &verified), Some(1.0), "{metrics}");
    assert_eq!(sample(&metrics, r#"hub_applications_accepted_total{program="dibao"}"#), Some(1.0));
    let completed = format!("hub_applications{{status=\"completed\",verdict=\"{verdict}\"}}");
    assert_eq!(sample(&metrics, &completed), Some(1.0), "{metrics}");
    assert_eq!(sample(&metrics, r#"hub_queue_depth{status="queued"}"#), Some(0.0));
    assert_eq!(sample(&metrics, "hub_queue_oldest_job_age_seconds"), Some(0.0));

    for member in demo["application"]["household"]["members"].as_array().unwrap() {
        let id = member["id_number"].as_str().unwrap();
        assert!(!metrics.contains(id) && !metrics.contains(&id[..14]), "an ID number in the metrics");
    }
    assert!(!metrics.contains("11010519491231002X"), "a path became a label");
}

#[tokio::test]
async fn cache_hits_and_misses_are_counted_per_agency() {
    let app = spawn_app().await;
    app.verify(&crate::helpers::unknown_person_body()).await;
    app.verify(&crate::helpers::unknown_person_body()).await;
    let metrics = reqwest::get(format!("{}/metrics", app.address)).await.unwrap().text().await.unwrap();
    for agency in ["tax", "real_estate", "housing_fund", "bank"] {
        let misses = sample(&metrics, &format!("hub_cache_misses_total{{agency=\"{agency}\"}}"));
        let hits = sample(&metrics, &format!("hub_cache_hits_total{{agency=\"{agency}\"}}"));
        assert_eq!(
            (misses, hits),
            (Some(1.0), Some(1.0)),
            "{agency}: one live answer, then one from the cache"
        );
    }
}
