//! The tax agency: monthly taxable income by category over the query's income window.
//!
//! `GET /tax/v1/persons/{id_number}/income?from=YYYY-MM&to=YYYY-MM`; an unknown taxpayer
//! is a 404 `{"error":"taxpayer_not_found"}`, which means no income, not a failure.

use super::http_client::{Call, agency_url, unexpected_status};
use super::wire::{amount, dashed_month, decode, malformed};
use super::{AdapterError, AgencyAdapter, AgencyEndpoint, AgencyQuery};
use crate::domain::facts::{IncomeCategory, TaxFacts, TaxRecord};
use crate::domain::{Agency, AgencyFacts};
use futures::future::BoxFuture;
use reqwest::StatusCode;
use serde::Deserialize;

pub struct TaxAdapter {
    client: reqwest::Client,
    endpoint: AgencyEndpoint,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIncome {
    records: Vec<WireRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRecord {
    period: String,
    item: String,
    income: String,
}

/// A 404 body; only `taxpayer_not_found` means "no records".
#[derive(Deserialize)]
struct WireError {
    error: String,
}

impl TaxAdapter {
    pub fn new(client: reqwest::Client, endpoint: AgencyEndpoint) -> Self {
        Self { client, endpoint }
    }

    #[tracing::instrument(skip_all, fields(agency = "tax"))]
    async fn fetch(&self, query: &AgencyQuery) -> Result<TaxFacts, AdapterError> {
        let call = Call::start(&self.client, &self.endpoint, &query.consent_ref).within(query.deadline);
        call.bounded(self.exchange(&call, query)).await
    }

    async fn exchange(&self, call: &Call<'_>, query: &AgencyQuery) -> Result<TaxFacts, AdapterError> {
        let (from, to) = (query.window.0.to_string(), query.window.1.to_string());
        let url = agency_url(
            &self.endpoint.base_url,
            &["tax", "v1", "persons", query.id_number.expose(), "income"],
            &[("from", &from), ("to", &to)],
        )?;
        let answer = call.get(url).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return match decode::<WireError>(&answer.body, "tax 404") {
                Ok(body) if body.error == "taxpayer_not_found" => Ok(TaxFacts::default()),
                // A 404 without the agency's marker is a wrong path or a proxy, not an answer.
                _ => Err(unexpected_status(answer.status)),
            };
        }
        let wire: WireIncome = decode(&answer.success()?, "tax income")?;
        let records = wire.records.into_iter().map(normalize).collect::<Result<Vec<_>, _>>()?;
        let in_window = |record: &TaxRecord| (query.window.0..=query.window.1).contains(&record.period);
        let before = records.len();
        let records: Vec<_> = records.into_iter().filter(in_window).collect();
        if records.len() != before {
            // Months outside the window would be counted as income the policy never asked about.
            tracing::warn!(dropped = before - records.len(), "tax agency returned months outside the window");
        }
        Ok(TaxFacts { records })
    }
}

fn normalize(record: WireRecord) -> Result<TaxRecord, AdapterError> {
    let category = match record.item.as_str() {
        "wages" => IncomeCategory::Wages,
        "labor_remuneration" => IncomeCategory::LaborRemuneration,
        "business" => IncomeCategory::Business,
        "property_rental" => IncomeCategory::PropertyRental,
        "other" => IncomeCategory::Other,
        _ => return Err(malformed("tax record item is not a known income category")),
    };
    Ok(TaxRecord {
        period: dashed_month(&record.period, "tax record period")?,
        category,
        amount: amount(&record.income, "tax record income")?,
    })
}

impl AgencyAdapter for TaxAdapter {
    fn agency(&self) -> Agency {
        Agency::Tax
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move { self.fetch(query).await.map(AgencyFacts::Tax) })
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

    const PATH: &str = "/tax/v1/persons/11010519491231002X/income";

    async fn answering(template: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET")).and(path(PATH)).respond_with(template).mount(&server).await;
        server
    }

    async fn ask(server: &MockServer, timeout: Duration) -> Result<AgencyFacts, AdapterError> {
        TaxAdapter::new(client(), endpoint(server, timeout)).query(&query()).await
    }

    fn ok(body: serde_json::Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(body)
    }

    #[tokio::test]
    async fn sends_the_exact_request() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(PATH))
            .and(query_param("from", "2025-11"))
            .and(query_param("to", "2026-10"))
            .and(header("X-Api-Key", API_KEY))
            .and(header("X-Consent-Ref", CONSENT_REF))
            .and(header("Accept", "application/json"))
            .respond_with(ok(json!({"records": []})))
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(ask(&server, Duration::from_secs(5)).await, Ok(AgencyFacts::Tax(TaxFacts::default())));
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests[0].url.query(), Some("from=2025-11&to=2026-10"));
    }

    #[tokio::test]
    async fn normalizes_a_good_answer_exactly() {
        let server = answering(ok(json!({"records": [
            {"period": "2026-01", "item": "wages", "income": "5000.00"},
            {"period": "2025-11", "item": "labor_remuneration", "income": "800.5"},
            {"period": "2026-10", "item": "property_rental", "income": "0"},
            {"period": "2026-02", "item": "business", "income": "12.34"},
            {"period": "2026-03", "item": "other", "income": "1"}
        ]})))
        .await;
        let AgencyFacts::Tax(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else { panic!() };
        let record =
            |y, m, category, amount| TaxRecord { period: YearMonth::new(y, m).unwrap(), category, amount };
        assert_eq!(
            facts.records,
            vec![
                record(2026, 1, IncomeCategory::Wages, dec!(5000.00)),
                record(2025, 11, IncomeCategory::LaborRemuneration, dec!(800.5)),
                record(2026, 10, IncomeCategory::PropertyRental, dec!(0)),
                record(2026, 2, IncomeCategory::Business, dec!(12.34)),
                record(2026, 3, IncomeCategory::Other, dec!(1)),
            ]
        );
        assert_eq!(facts.records[0].amount.to_string(), "5000.00");
    }

    #[tokio::test]
    async fn drops_months_outside_the_window() {
        let server = answering(ok(json!({"records": [
            {"period": "2025-10", "item": "wages", "income": "9000.00"},
            {"period": "2026-10", "item": "wages", "income": "5000.00"},
            {"period": "2026-11", "item": "wages", "income": "9000.00"}
        ]})))
        .await;
        let AgencyFacts::Tax(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else { panic!() };
        assert_eq!(facts.records.len(), 1);
        assert_eq!(facts.records[0].period, YearMonth::new(2026, 10).unwrap());
    }

    #[tokio::test]
    async fn an_unknown_taxpayer_has_no_records() {
        let server =
            answering(ResponseTemplate::new(404).set_body_json(json!({"error": "taxpayer_not_found"}))).await;
        assert_eq!(ask(&server, Duration::from_secs(5)).await, Ok(AgencyFacts::Tax(TaxFacts::default())));
    }

    #[tokio::test]
    async fn any_other_404_is_a_failure() {
        let server = answering(ResponseTemplate::new(404).set_body_string("Not Found")).await;
        assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
        let server = answering(ResponseTemplate::new(404).set_body_json(json!({"error": "no_route"}))).await;
        assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
    }

    #[tokio::test]
    async fn agency_errors_are_unavailable() {
        for status in [500, 503, 429, 401] {
            let server = answering(ResponseTemplate::new(status)).await;
            let result = ask(&server, Duration::from_secs(5)).await;
            assert!(is_unavailable(result.clone()), "{status}: {result:?}");
            let AdapterError::Unavailable(reason) = result.unwrap_err() else { unreachable!() };
            assert!(!reason.contains("1101") && !reason.contains("http"), "{reason}");
        }
    }

    #[tokio::test]
    async fn a_slow_agency_times_out() {
        let server = answering(ok(json!({"records": []})).set_delay(Duration::from_secs(3))).await;
        assert_times_out(ask(&server, SHORT_TIMEOUT)).await;
    }

    #[tokio::test]
    async fn malformed_bodies_are_rejected() {
        let bodies = [
            json!({"records": [{"period": "2026-01", "item": "salary", "income": "5000.00"}]}),
            json!({"records": [{"period": "2026-01", "item": "wages", "income": "-5000.00"}]}),
            json!({"records": [{"period": "2026-01", "item": "wages", "income": 5000.0}]}),
            json!({"records": [{"period": "2026-01", "item": "wages", "income": "5k"}]}),
            json!({"records": [{"period": "202601", "item": "wages", "income": "1.00"}]}),
            json!({"records": [{"period": "2026-01", "item": "wages", "income": "1.00", "extra": 1}]}),
            json!({"rows": []}),
        ];
        for body in bodies {
            let server = answering(ok(body.clone())).await;
            assert!(is_malformed(ask(&server, Duration::from_secs(5)).await), "{body}");
        }
        let server = answering(ResponseTemplate::new(200).set_body_string("<html>")).await;
        assert!(is_malformed(ask(&server, Duration::from_secs(5)).await));
    }
}
