//! `spawn_app()` and one `TestApp` method per endpoint.

use crate::database::{Backend, TestDatabase};
use hub::auth::{MintRequest, Role, mint_token};
use hub::settings::Settings;
use hub::startup::{Application, mock_api_keys};
use mocks::{Fixtures, Latency, MockConfig, MockServer};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub mocks: MockServer,
    pub settings: Settings,
    /// The app's own store, for checks a caller cannot make through the API.
    pub store: hub::store::Store,
    /// The app's use cases, for what no endpoint triggers (the data lifecycle).
    pub services: hub::service::Services,
    /// Keeps the test's database alive for its duration (dropped afterwards); `None`
    /// when the app shares another app's database.
    pub _database: Option<TestDatabase>,
}

/// A last change to the settings of a test app.
pub type Configure = Box<dyn FnOnce(&mut Settings) + Send>;

pub struct Options {
    pub backend: Backend,
    pub fixtures: Fixtures,
    pub agency_timeout_ms: u64,
    pub latency: Latency,
    /// Verification workers; 0 makes an API-only instance.
    pub workers: usize,
    /// Use this database (another app's) instead of a fresh one.
    pub shared_store_url: Option<String>,
    /// `cache.redis_url`: `None` keeps the in-process cache.
    pub redis_url: Option<String>,
    /// Every agency's `cache_ttl_s`; `None` keeps the configured default.
    pub cache_ttl_s: Option<u64>,
    /// Last changes to the settings, after the mocks' address is filled in.
    pub configure: Option<Configure>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            fixtures: Fixtures::demo(),
            agency_timeout_ms: 1000,
            latency: Latency::none(),
            workers: 4,
            shared_store_url: None,
            redis_url: None,
            cache_ttl_s: None,
            configure: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn_app_with(Options { backend, ..Options::default() }).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let database = match options.shared_store_url {
        Some(_) => None,
        None => Some(TestDatabase::create(options.backend).await),
    };
    let mut settings = Settings::embedded_defaults().unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = options.workers;
    settings.store.url = match (&database, options.shared_store_url) {
        (Some(database), _) => database.url().to_owned(),
        (None, Some(url)) => url,
        (None, None) => unreachable!("a database is created when none is shared"),
    };
    settings.webhooks.allowed_hosts = vec!["127.0.0.1".into()];
    settings.webhooks.first_backoff_ms = 50;
    settings.policy.dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/policies");
    settings.agencies.embedded_mocks = false;
    if let Some(url) = options.redis_url {
        settings.cache.redis_url = url;
    }
    let mock_config = MockConfig {
        fixtures: options.fixtures,
        api_keys: mock_api_keys(&settings),
        latency: options.latency,
        error_rate_permille: 0,
        bank_ready_ms: 0,
        seed: 7,
    };
    let mocks = MockServer::start(mock_config, ([127, 0, 0, 1], 0).into()).await.unwrap();
    for agency in hub::domain::Agency::ALL {
        let config = settings.agencies.get_mut(agency);
        config.base_url = mocks.base_url();
        config.timeout_ms = options.agency_timeout_ms;
        if let Some(ttl) = options.cache_ttl_s {
            config.cache_ttl_s = ttl;
        }
    }
    if let Some(configure) = options.configure {
        configure(&mut settings);
    }
    let application = Application::build(settings.clone()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store().clone();
    let services = application.services().clone();
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, client, mocks, settings, store, services, _database: database }
}

impl TestApp {
    pub fn token(&self, role: Role, regions: &[&str], sub: &str) -> String {
        let regions: Vec<String> = regions.iter().map(|r| (*r).to_owned()).collect();
        let request = MintRequest { sub, role, regions: &regions, ttl: Duration::from_secs(600) };
        mint_token(&self.settings.auth, &request).unwrap()
    }

    pub fn admin_token(&self) -> String {
        self.token(Role::Admin, &["1", "2", "3", "4", "5", "6"], "test-admin")
    }

    /// POST /api/v1/applications with an optional `?wait=`.
    pub async fn submit(&self, body: &Value, wait: Option<u64>, token: &str) -> reqwest::Response {
        let url = match wait {
            Some(seconds) => format!("{}/api/v1/applications?wait={seconds}", self.address),
            None => format!("{}/api/v1/applications", self.address),
        };
        self.client.post(url).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// Submits with `?wait=10` as admin and returns the finished application.
    pub async fn verify(&self, body: &Value) -> Value {
        let response = self.submit(body, Some(10), &self.admin_token()).await;
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "expected a finished application, got {json}");
        assert_eq!(json["status"], "completed", "{json}");
        json
    }

    pub async fn get_application(&self, id: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/applications/{id}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn list_applications(&self, query: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/applications?{query}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// POST /api/v1/applications/{id}/reviews.
    pub async fn review(&self, id: &str, decision: &str, note: &str, token: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/applications/{id}/reviews", self.address))
            .bearer_auth(token)
            .json(&serde_json::json!({ "decision": decision, "note": note }))
            .send()
            .await
            .unwrap()
    }

    /// POST /api/v1/applications/{id}/replay.
    pub async fn replay(&self, id: &str, token: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/applications/{id}/replay", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// POST /api/v1/consents/{id}/revoke, naming the intake system when `intake` is given.
    pub async fn revoke_consent(&self, id: &str, intake: Option<&str>, token: &str) -> reqwest::Response {
        let query = intake.map(|i| format!("?intake={i}")).unwrap_or_default();
        self.client
            .post(format!("{}/api/v1/consents/{id}/revoke{query}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// POST /api/v1/beneficiaries.
    pub async fn import_beneficiary(&self, entry: &Value, token: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/beneficiaries", self.address))
            .bearer_auth(token)
            .json(entry)
            .send()
            .await
            .unwrap()
    }

    /// GET /api/v1/beneficiaries?{query}.
    pub async fn list_beneficiaries(&self, query: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/beneficiaries?{query}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// PUT /api/v1/beneficiaries/{id}/consents.
    pub async fn renew_consents(&self, id: &str, consents: &Value, token: &str) -> reqwest::Response {
        self.client
            .put(format!("{}/api/v1/beneficiaries/{id}/consents", self.address))
            .bearer_auth(token)
            .json(&serde_json::json!({ "consents": consents }))
            .send()
            .await
            .unwrap()
    }

    /// GET /api/v1/audit?{query}.
    pub async fn audit_search(&self, query: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/audit?{query}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// GET /api/v1/audit/verify.
    pub async fn audit_verify(&self, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1/audit/verify", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Runs `statements` on the app's database directly (to break it on purpose).
    pub async fn execute_sql(&self, statements: &[&str]) {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.settings.store.url).await.unwrap();
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(&mut connection).await.unwrap();
        }
    }

    /// The first column of the first row of `sql`, read from the app's database directly.
    pub async fn query_text(&self, sql: &str) -> String {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.settings.store.url).await.unwrap();
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut connection).await.unwrap();
        row.try_get::<String, _>(0).unwrap()
    }

    /// Every audit row about `application`, read from the store (not through the API, so
    /// reading them adds none).
    pub async fn audit_rows_of(&self, application: &str) -> Vec<hub::audit::AuditRow> {
        self.store.audit_search(Some(application), None, None, 10_000).await.unwrap()
    }
}

/// The demo households shipped with the mocks, with their expected outcomes.
pub fn demo_applications() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mocks/fixtures/demo_applications.json");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

/// A valid one-person application for an ID number absent from every fixture
/// (so every agency answers "nothing on record").
pub fn unknown_person_body() -> Value {
    serde_json::json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "王五", "id_number": "500103198001010016", "relation": "applicant" } ] },
        "consents": [
            { "id": "c-unknown", "id_number": "500103198001010016",
              "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": "dibao",
              "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "2030-11-20T09:00:00+08:00",
              "evidence_ref": "scan-unknown" } ]
    })
}

/// A valid one-person application for `person`, under a consent of their own (consent ids
/// are the intake system's and name one person's terms: reusing one for another person is
/// refused).
pub fn one_person_body(person: &str) -> Value {
    let mut body = unknown_person_body();
    body["household"]["members"][0]["id_number"] = serde_json::json!(person);
    body["consents"][0]["id_number"] = serde_json::json!(person);
    body["consents"][0]["id"] = serde_json::json!(format!("c-{person}"));
    body
}
