//! The housing-provident-fund centre (住房公积金): a person's account, if any.
//!
//! `GET /gjj/v2/account?sfzh={id}` → `{"found":true,"zhzt":"01","yjce_fen":120000,…}`
//! with amounts in integer fen; `{"found":false}` means the person has no account.

use super::http_client::{Call, agency_url};
use super::wire::{compact_month, decode, malformed, percent};
use super::{AdapterError, AgencyAdapter, AgencyEndpoint, AgencyQuery};
use crate::domain::facts::{HousingFundAccount, HousingFundFacts, HousingFundStatus};
use crate::domain::{Agency, AgencyFacts};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde::Deserialize;

pub struct HousingFundAdapter {
    client: reqwest::Client,
    endpoint: AgencyEndpoint,
}

/// The account fields are optional on the wire because `{"found":false}` carries none;
/// `found: true` requires all but `zjjcny` (an account may never have had a deposit).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireAccount {
    found: bool,
    zhzt: Option<String>,
    yjce_fen: Option<i64>,
    zhye_fen: Option<i64>,
    jcbl: Option<String>,
    zjjcny: Option<String>,
}

impl HousingFundAdapter {
    pub fn new(client: reqwest::Client, endpoint: AgencyEndpoint) -> Self {
        Self { client, endpoint }
    }

    #[tracing::instrument(skip_all, fields(agency = "housing_fund"))]
    async fn fetch(&self, query: &AgencyQuery) -> Result<HousingFundFacts, AdapterError> {
        let call = Call::start(&self.client, &self.endpoint, &query.consent_ref).within(query.deadline);
        call.bounded(self.exchange(&call, query)).await
    }

    async fn exchange(&self, call: &Call<'_>, query: &AgencyQuery) -> Result<HousingFundFacts, AdapterError> {
        let url = agency_url(
            &self.endpoint.base_url,
            &["gjj", "v2", "account"],
            &[("sfzh", query.id_number.expose())],
        )?;
        let wire: WireAccount = decode(&call.get(url).await?.success()?, "housing-fund account")?;
        if !wire.found {
            return Ok(HousingFundFacts { account: None });
        }
        Ok(HousingFundFacts { account: Some(normalize(wire)?) })
    }
}

fn normalize(wire: WireAccount) -> Result<HousingFundAccount, AdapterError> {
    let missing = |field: &str| malformed(format!("housing-fund account without {field}"));
    let status = match wire.zhzt.as_deref().ok_or_else(|| missing("zhzt"))? {
        "01" => HousingFundStatus::Normal,
        "02" => HousingFundStatus::Sealed,
        "03" => HousingFundStatus::Closed,
        _ => return Err(malformed("housing-fund account status is not 01, 02 or 03")),
    };
    let contribution_rate =
        percent(&wire.jcbl.ok_or_else(|| missing("jcbl"))?, "housing-fund contribution rate")?;
    if contribution_rate > Decimal::ONE {
        return Err(malformed("housing-fund contribution rate is above 100%"));
    }
    Ok(HousingFundAccount {
        status,
        balance: yuan(wire.zhye_fen.ok_or_else(|| missing("zhye_fen"))?, "housing-fund balance")?,
        monthly_deposit: yuan(
            wire.yjce_fen.ok_or_else(|| missing("yjce_fen"))?,
            "housing-fund monthly deposit",
        )?,
        contribution_rate,
        last_deposit_period: wire
            .zjjcny
            .map(|text| compact_month(&text, "housing-fund last deposit month"))
            .transpose()?,
    })
}

/// Integer fen to yuan: an exact shift of the decimal point (120000 → 1200.00).
fn yuan(fen: i64, field: &str) -> Result<Decimal, AdapterError> {
    if fen < 0 {
        return Err(malformed(format!("{field} is negative")));
    }
    Ok(Decimal::new(fen, 2))
}

impl AgencyAdapter for HousingFundAdapter {
    fn agency(&self) -> Agency {
        Agency::HousingFund
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move { self.fetch(query).await.map(AgencyFacts::HousingFund) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::test_support::*;
    use crate::domain::YearMonth;
    use rust_decimal_macros::dec;
    use serde_json::json;
    use std::time::Duration;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn answering(template: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET")).and(path("/gjj/v2/account")).respond_with(template).mount(&server).await;
        server
    }

    async fn ask(server: &MockServer, timeout: Duration) -> Result<AgencyFacts, AdapterError> {
        HousingFundAdapter::new(client(), endpoint(server, timeout)).query(&query()).await
    }

    fn ok(body: serde_json::Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(body)
    }

    fn account() -> serde_json::Value {
        json!({"found": true, "zhzt": "01", "yjce_fen": 120000, "zhye_fen": 1234500, "jcbl": "12%", "zjjcny": "202610"})
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut body = account();
        body[field] = value;
        body
    }

    #[tokio::test]
    async fn sends_the_exact_request() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/gjj/v2/account"))
            .and(query_param("sfzh", ID))
            .and(header("X-Api-Key", API_KEY))
            .and(header("X-Consent-Ref", CONSENT_REF))
            .and(header("Accept", "application/json"))
            .respond_with(ok(json!({"found": false})))
            .expect(1)
            .mount(&server)
            .await;
        ask(&server, Duration::from_secs(5)).await.unwrap();
        assert_eq!(server.received_requests().await.unwrap()[0].url.query(), Some("sfzh=11010519491231002X"));
    }

    #[tokio::test]
    async fn normalizes_a_good_answer_exactly() {
        let server = answering(ok(account())).await;
        let AgencyFacts::HousingFund(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else {
            panic!()
        };
        let account = facts.account.unwrap();
        assert_eq!(
            account,
            HousingFundAccount {
                status: HousingFundStatus::Normal,
                balance: dec!(12345.00),
                monthly_deposit: dec!(1200.00),
                contribution_rate: dec!(0.12),
                last_deposit_period: YearMonth::new(2026, 10),
            }
        );
        assert_eq!(account.monthly_deposit.to_string(), "1200.00");
        assert_eq!(account.balance.to_string(), "12345.00");
    }

    #[tokio::test]
    async fn reads_every_status_and_a_missing_last_deposit() {
        for (code, status) in [("02", HousingFundStatus::Sealed), ("03", HousingFundStatus::Closed)] {
            let mut body = with("zhzt", json!(code));
            body["zjjcny"] = json!(null);
            let server = answering(ok(body)).await;
            let AgencyFacts::HousingFund(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else {
                panic!()
            };
            let account = facts.account.unwrap();
            assert_eq!((account.status, account.last_deposit_period), (status, None));
        }
        let mut body = account();
        body.as_object_mut().unwrap().remove("zjjcny");
        let server = answering(ok(body)).await;
        let AgencyFacts::HousingFund(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else {
            panic!()
        };
        assert_eq!(facts.account.unwrap().last_deposit_period, None);
    }

    #[tokio::test]
    async fn a_person_without_an_account_has_none() {
        let server = answering(ok(json!({"found": false}))).await;
        let facts = ask(&server, Duration::from_secs(5)).await;
        assert_eq!(facts, Ok(AgencyFacts::HousingFund(HousingFundFacts { account: None })));
    }

    #[tokio::test]
    async fn agency_errors_are_unavailable() {
        for status in [500, 503, 429, 404] {
            let server = answering(ResponseTemplate::new(status)).await;
            assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await), "{status}");
        }
    }

    #[tokio::test]
    async fn a_slow_centre_times_out() {
        let server = answering(ok(account()).set_delay(Duration::from_secs(3))).await;
        assert_times_out(ask(&server, SHORT_TIMEOUT)).await;
    }

    #[tokio::test]
    async fn malformed_bodies_are_rejected() {
        let bodies = [
            with("zhzt", json!("04")),
            with("zhzt", json!(1)),
            with("yjce_fen", json!(-1)),
            with("zhye_fen", json!(12345.5)),
            with("zhye_fen", json!("1234500")),
            with("jcbl", json!("0.12")),
            with("jcbl", json!("120%")),
            with("zjjcny", json!("2026-10")),
            with("zjjcny", json!("202613")),
            with("unexpected", json!(1)),
            json!({"found": true}),
            json!({"zhzt": "01"}),
        ];
        for body in bodies {
            let server = answering(ok(body.clone())).await;
            assert!(is_malformed(ask(&server, Duration::from_secs(5)).await), "{body}");
        }
    }
}
