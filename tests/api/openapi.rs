//! The API description: served at /api/v1/openapi.json exactly as committed in
//! docs/openapi.json, every operation's errors documented as problem details, a docs page
//! whose assets the hub serves itself, and errors that really are problem details.
//!
//! After an intended API change: `UPDATE_OPENAPI=1 cargo nextest run openapi` (or
//! `cargo run -q -- openapi > docs/openapi.json`).

use crate::helpers::spawn_app;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json")
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/api/v1/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let served = response.text().await.unwrap();
    assert_eq!(served, hub::api::openapi::to_pretty_json(), "the served document is the generated one");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(committed_path(), &served).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == served,
        "docs/openapi.json differs from the API the code describes: regenerate it with \
         `UPDATE_OPENAPI=1 cargo nextest run openapi` and review the diff"
    );
    let document: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
}

#[tokio::test]
async fn every_operation_documents_its_errors_as_problem_details() {
    let document: Value = serde_json::from_str(&hub::api::openapi::to_pretty_json()).unwrap();
    let responses = &document["components"]["responses"];
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(operation["operationId"].is_string(), "{name} has no operationId");
            assert!(operation["summary"].is_string(), "{name} has no summary");
            let statuses = operation["responses"].as_object().unwrap();
            let secured =
                operation["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
                assert!(secured, "{name} must require a bearer token");
                for status in ["401", "429", "500"] {
                    assert!(statuses.contains_key(status), "{name} does not document {status}");
                }
            }
            for (status, response) in statuses {
                // Client errors everywhere and server errors of the API are problem details
                // (a probe's 503 is its own JSON).
                let problem =
                    status.starts_with('4') || (status.starts_with('5') && path.starts_with("/api/"));
                if !problem {
                    continue;
                }
                let reference = response["$ref"].as_str().unwrap_or_default();
                let resolved = &responses[reference.rsplit('/').next().unwrap()];
                let content = &resolved["content"]["application/problem+json"];
                assert!(content["schema"]["$ref"].is_string(), "{name} {status} is not a problem response");
                assert!(content["example"]["request_id"].is_string(), "{name} {status} has no example");
            }
        }
    }
    assert!(operations >= 12, "every operation is described ({operations})");
}

/// Every `#[get("…")]`-style route in `src/api/` (and `/metrics`), as (method, path).
fn routes_in_the_code() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("src/api"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.push(root.join("src/metrics.rs"));
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            for rest in text.split(&format!("#[{method}(\"")).skip(1) {
                let path = rest.split('"').next().unwrap().to_owned();
                if path != "/docs" {
                    routes.push((method.to_owned(), path));
                }
            }
        }
    }
    routes
}

#[test]
fn every_route_of_the_api_is_in_the_document() {
    let document: Value = serde_json::from_str(&hub::api::openapi::to_pretty_json()).unwrap();
    let routes = routes_in_the_code();
    assert!(routes.len() >= 12, "the routes were found: {routes:?}");
    for (method, path) in routes {
        assert!(
            document["paths"][&path][&method].is_object(),
            "{method} {path} is served but not described: annotate it with #[utoipa::path] \
             and list it in `ApiDoc` (src/api/openapi/mod.rs)"
        );
    }
}

#[tokio::test]
async fn the_docs_page_is_served_with_its_own_assets() {
    let app = spawn_app().await;
    let redirect = app.client.get(format!("{}/docs", app.address)).send().await.unwrap();
    assert_eq!(redirect.status(), 301);
    let page = app.client.get(format!("{}/docs/", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let sources: Vec<&str> = html.split("src=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(sources.len() >= 2, "the page loads its scripts: {html}");
    for source in sources {
        assert!(source.starts_with("./"), "{source} would be fetched from elsewhere");
        let url = format!("{}/docs/{}", app.address, source.trim_start_matches("./"));
        let asset = app.client.get(&url).send().await.unwrap();
        assert_eq!(asset.status(), 200, "{url}");
        assert!(!asset.bytes().await.unwrap().is_empty(), "{url} is empty");
    }
    let initializer =
        app.client.get(format!("{}/docs/swagger-initializer.js", app.address)).send().await.unwrap();
    assert!(initializer.text().await.unwrap().contains("/api/v1/openapi.json"));
}

#[tokio::test]
async fn the_documented_example_application_is_accepted() {
    let app = spawn_app().await;
    let example = hub::api::openapi::body::application_example();
    let response = app.submit(&example, None, &app.admin_token()).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
}

/// Checks a response is problem details carrying its request id and path.
async fn assert_problem(response: reqwest::Response, status: u16, path: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], status, "{problem}");
    assert_eq!(problem["request_id"], request_id.as_str(), "{problem}");
    assert_eq!(problem["instance"], path, "{problem}");
    for field in ["type", "title", "detail"] {
        assert!(problem[field].is_string(), "{field} missing in {problem}");
    }
    problem
}

#[tokio::test]
async fn every_kind_of_error_is_problem_details_with_a_request_id() {
    let app = spawn_app().await;
    let token = app.admin_token();
    let url = |path: &str| format!("{}{path}", app.address);
    let reviews = "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12/reviews";

    let unknown_route = app.client.get(url("/api/v2/nothing")).send().await.unwrap();
    assert_problem(unknown_route, 404, "/api/v2/nothing").await;

    let wrong_method =
        app.client.delete(url("/api/v1/applications")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(wrong_method.headers()["allow"], "GET, POST");
    assert_problem(wrong_method, 405, "/api/v1/applications").await;

    let too_large = app
        .client
        .post(url("/api/v1/applications"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_problem(too_large, 413, "/api/v1/applications").await;

    let not_json =
        app.client.post(url(reviews)).bearer_auth(&token).body("decision=approve").send().await.unwrap();
    assert_problem(not_json, 415, reviews).await;

    let bad_review = app
        .client
        .post(url(reviews))
        .bearer_auth(&token)
        .json(&serde_json::json!({"decision": 1}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad_review, 422, reviews).await;
    assert_eq!(problem["errors"][0]["field"], "body");

    let bad_page =
        app.client.get(url("/api/v1/applications?page=x")).bearer_auth(&token).send().await.unwrap();
    let problem = assert_problem(bad_page, 422, "/api/v1/applications").await;
    assert_eq!(problem["errors"][0]["field"], "page");

    let no_token = app.client.get(url("/api/v1/audit/verify")).send().await.unwrap();
    assert_problem(no_token, 401, "/api/v1/audit/verify").await;
}

#[tokio::test]
async fn an_unready_hub_says_why_as_problem_details() {
    let app = spawn_app().await;
    app.store.close().await;
    let response = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    let problem = assert_problem(response, 503, "/readyz").await;
    assert_eq!(problem["store"], "unreachable", "{problem}");
    assert!(problem["agencies"].is_object(), "{problem}");
}
