//! Starts a mock server on port 0 and speaks each agency's wire format to it.

use mocks::{ApiKeys, Fixtures, MockConfig, MockServer};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// Has tax records in and out of the window, two units, a housing-fund account and two
/// bank accounts.
pub const FULL: &str = "110105198003150012";
/// Has bank accounts only.
pub const BANK_ONLY: &str = "110105198511200020";
/// Has a fixture fault at every agency but the bank: tax garbage, real estate
/// unavailable, housing fund timeout.
pub const FAULTY: &str = "500103197001010038";
/// Has a bank timeout fault in the fixture.
pub const BANK_TIMEOUT: &str = "500103195607080066";
/// Valid, and absent from the fixtures.
pub const UNKNOWN: &str = "110105199912310057";

pub const FIXTURES: &str = r#"{ "persons": [
  { "id_number": "110105198003150012",
    "tax": [
      {"period": "2025-10", "category": "wages", "amount": "5000.00"},
      {"period": "2026-10", "category": "labor_remuneration", "amount": "1234.5"},
      {"period": "2025-11", "category": "wages", "amount": "5000.00"},
      {"period": "2026-01", "category": "wages", "amount": "5000"},
      {"period": "2026-11", "category": "wages", "amount": "5000.00"} ],
    "real_estate": [
      {"unit_id": "500103001001GB00001F00010001", "usage": "residential", "area_m2": "89.50", "share": "0.5"},
      {"unit_id": "U-2", "usage": "commercial", "area_m2": "120", "share": "0.3333"} ],
    "housing_fund": {"status": "normal", "balance": "12345.00", "monthly_deposit": "1200.00",
                     "contribution_rate": "0.12", "last_deposit_period": "2026-10"},
    "bank": [
      {"institution": "Bank A", "product": "demand", "balance": "1000.00", "currency": "CNY"},
      {"institution": "Bank B", "product": "wealth", "balance": "250000.5", "currency": "CNY"} ] },
  { "id_number": "110105198511200020",
    "bank": [ {"institution": "Bank C", "product": "time", "balance": "88.80", "currency": "CNY"} ] },
  { "id_number": "500103197001010038",
    "tax": [ {"period": "2026-01", "category": "wages", "amount": "3000.00"} ],
    "faults": {"tax": "garbage", "real_estate": "unavailable", "housing_fund": "timeout"} },
  { "id_number": "500103195607080066", "faults": {"bank": "timeout"} }
] }"#;

pub struct TestMocks {
    pub server: MockServer,
    pub client: reqwest::Client,
    pub keys: ApiKeys,
}

pub async fn spawn() -> TestMocks {
    spawn_with(|_| {}).await
}

/// Starts a server on the test fixtures, after `adjust` changed the default config.
pub async fn spawn_with(adjust: impl FnOnce(&mut MockConfig)) -> TestMocks {
    let fixtures = Fixtures::from_json(FIXTURES).unwrap();
    let mut config = MockConfig::new(fixtures);
    adjust(&mut config);
    let keys = config.api_keys.clone();
    let server = MockServer::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().unwrap();
    TestMocks { server, client, keys }
}

/// A status and the body as text and (when it parses) as JSON.
pub struct Answer {
    pub status: StatusCode,
    pub text: String,
    pub json: Option<Value>,
}

impl TestMocks {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url(), path)
    }

    /// Adds the right key for `key` and a consent reference.
    pub fn authorized(&self, builder: RequestBuilder, key: &str) -> RequestBuilder {
        builder.header("X-Api-Key", key).header("X-Consent-Ref", "c-001")
    }

    pub fn tax_request(&self, id: &str, query: &str) -> RequestBuilder {
        let url = self.url(&format!("/tax/v1/persons/{id}/income?{query}"));
        self.authorized(self.client.get(url), &self.keys.tax)
    }

    pub fn real_estate_request(&self, body: &Value) -> RequestBuilder {
        self.authorized(self.client.post(self.url("/bdc/api/query")).json(body), &self.keys.real_estate)
    }

    pub fn housing_fund_request(&self, id: &str) -> RequestBuilder {
        let url = self.url(&format!("/gjj/v2/account?sfzh={id}"));
        self.authorized(self.client.get(url), &self.keys.housing_fund)
    }

    pub fn bank_submit_request(&self, ids: &[&str]) -> RequestBuilder {
        let requests: Vec<Value> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| serde_json::json!({"id_number": id, "ref": format!("r-{i}")}))
            .collect();
        let url = self.url("/bank/v1/deposit-inquiries");
        self.authorized(
            self.client.post(url).json(&serde_json::json!({ "requests": requests })),
            &self.keys.bank,
        )
    }

    pub fn bank_poll_request(&self, inquiry_id: &str) -> RequestBuilder {
        let url = self.url(&format!("/bank/v1/deposit-inquiries/{inquiry_id}"));
        self.authorized(self.client.get(url), &self.keys.bank)
    }

    /// Submits an inquiry and returns its id.
    pub async fn bank_submit(&self, ids: &[&str]) -> String {
        let answer = send(self.bank_submit_request(ids)).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
        answer.json.unwrap()["inquiry_id"].as_str().unwrap().to_owned()
    }

    pub async fn tax(&self, id: &str) -> Answer {
        send(self.tax_request(id, "from=2025-11&to=2026-10")).await
    }

    pub async fn real_estate(&self, id: &str) -> Answer {
        send(self.real_estate_request(&serde_json::json!({"zjhm": id, "cxyt": "dibao"}))).await
    }

    pub async fn housing_fund(&self, id: &str) -> Answer {
        send(self.housing_fund_request(id)).await
    }

    pub async fn control(&self, body: Value) -> StatusCode {
        self.client.post(self.url("/__control/faults")).json(&body).send().await.unwrap().status()
    }
}

pub async fn send(builder: RequestBuilder) -> Answer {
    let response = builder.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).ok();
    Answer { status, text, json }
}

/// Whether the request is still unanswered after `millis`.
pub async fn hangs(builder: RequestBuilder, millis: u64) -> bool {
    let request = builder.timeout(std::time::Duration::from_millis(millis)).send();
    matches!(request.await, Err(err) if err.is_timeout())
}
