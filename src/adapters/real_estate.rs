//! The real-estate registry (不动产登记): the units a person holds a share of.
//!
//! `POST /bdc/api/query` `{"zjhm": id, "cxyt": purpose}` → `{"code":0,"data":[…]}`; any
//! other `code` is the registry failing. A person with no units is `code` 0 and `data: []`.

use super::http_client::{Call, agency_url};
use super::wire::{decode, json_number, malformed, percent};
use super::{AdapterError, AgencyAdapter, AgencyEndpoint, AgencyQuery};
use crate::domain::facts::{PropertyUnit, PropertyUsage, RealEstateFacts};
use crate::domain::{Agency, AgencyFacts};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub struct RealEstateAdapter {
    client: reqwest::Client,
    endpoint: AgencyEndpoint,
}

#[derive(Serialize)]
struct WireQuery<'a> {
    zjhm: &'a str,
    cxyt: &'a str,
}

/// The envelope is read leniently: error answers carry messages (and sometimes odd
/// `data`) in varying shapes, and only `code` decides. `data` is decoded strictly once
/// `code` says it is an answer.
#[derive(Deserialize)]
struct WireEnvelope {
    code: i64,
    #[serde(default)]
    data: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireUnit {
    bdcdyh: String,
    ghyt: String,
    /// Kept as its literal text so the area is never rounded through f64.
    jzmj: Box<RawValue>,
    qlbl: String,
}

impl RealEstateAdapter {
    pub fn new(client: reqwest::Client, endpoint: AgencyEndpoint) -> Self {
        Self { client, endpoint }
    }

    #[tracing::instrument(skip_all, fields(agency = "real_estate"))]
    async fn fetch(&self, query: &AgencyQuery) -> Result<RealEstateFacts, AdapterError> {
        let call = Call::start(&self.client, &self.endpoint, &query.consent_ref).within(query.deadline);
        call.bounded(self.exchange(&call, query)).await
    }

    async fn exchange(&self, call: &Call<'_>, query: &AgencyQuery) -> Result<RealEstateFacts, AdapterError> {
        let url = agency_url(&self.endpoint.base_url, &["bdc", "api", "query"], &[])?;
        let body = WireQuery { zjhm: query.id_number.expose(), cxyt: query.purpose.as_str() };
        let envelope: WireEnvelope =
            decode(&call.post_query(url, &body).await?.success()?, "real-estate answer")?;
        if envelope.code != 0 {
            // The registry's message may quote the request, so only the code is kept.
            return Err(AdapterError::Unavailable(format!("registry error code {}", envelope.code)));
        }
        let data = envelope.data.ok_or_else(|| malformed("real-estate answer has code 0 but no data"))?;
        let data: Vec<WireUnit> = decode(data.get().as_bytes(), "real-estate data")?;
        let units = data.into_iter().map(normalize).collect::<Result<_, _>>()?;
        Ok(RealEstateFacts { units })
    }
}

fn normalize(unit: WireUnit) -> Result<PropertyUnit, AdapterError> {
    if unit.bdcdyh.trim().is_empty() {
        return Err(malformed("real-estate unit has an empty unit number"));
    }
    let usage = match unit.ghyt.as_str() {
        "住宅" => PropertyUsage::Residential,
        "商业" => PropertyUsage::Commercial,
        "办公" => PropertyUsage::Office,
        "工业" => PropertyUsage::Industrial,
        "其他" => PropertyUsage::Other,
        _ => return Err(malformed("real-estate unit usage is not a known usage")),
    };
    let area_m2 = json_number(&unit.jzmj, "real-estate unit area")?;
    if area_m2.is_sign_negative() {
        return Err(malformed("real-estate unit area is negative"));
    }
    let share = percent(&unit.qlbl, "real-estate unit share")?;
    if share <= Decimal::ZERO || share > Decimal::ONE {
        return Err(malformed("real-estate unit share is not within (0%, 100%]"));
    }
    Ok(PropertyUnit { unit_id: unit.bdcdyh, usage, area_m2, share })
}

impl AgencyAdapter for RealEstateAdapter {
    fn agency(&self) -> Agency {
        Agency::RealEstate
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move { self.fetch(query).await.map(AgencyFacts::RealEstate) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::test_support::*;
    use rust_decimal_macros::dec;
    use serde_json::json;
    use std::time::Duration;
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn answering(template: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST")).and(path("/bdc/api/query")).respond_with(template).mount(&server).await;
        server
    }

    async fn ask(server: &MockServer, timeout: Duration) -> Result<AgencyFacts, AdapterError> {
        RealEstateAdapter::new(client(), endpoint(server, timeout)).query(&query()).await
    }

    /// Raw text, so the test controls exactly how each number is written.
    fn ok(body: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
    }

    #[tokio::test]
    async fn sends_the_exact_request() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/bdc/api/query"))
            .and(header("X-Api-Key", API_KEY))
            .and(header("X-Consent-Ref", CONSENT_REF))
            .and(header("Accept", "application/json"))
            .and(header("Content-Type", "application/json"))
            .and(body_json(json!({"zjhm": ID, "cxyt": "dibao"})))
            .respond_with(ok(r#"{"code":0,"data":[]}"#))
            .expect(1)
            .mount(&server)
            .await;
        let facts = ask(&server, Duration::from_secs(5)).await;
        assert_eq!(facts, Ok(AgencyFacts::RealEstate(RealEstateFacts::default())));
        assert_eq!(server.received_requests().await.unwrap()[0].url.query(), None);
    }

    #[tokio::test]
    async fn normalizes_a_good_answer_exactly() {
        let server = answering(ok(r#"{"code":0,"data":[
            {"bdcdyh":"U-1","ghyt":"住宅","jzmj":89.50,"qlbl":"50%"},
            {"bdcdyh":"U-2","ghyt":"商业","jzmj":0.1,"qlbl":"100%"},
            {"bdcdyh":"U-3","ghyt":"办公","jzmj":1.2e2,"qlbl":"33.33%"},
            {"bdcdyh":"U-4","ghyt":"工业","jzmj":1000,"qlbl":"12.5%"},
            {"bdcdyh":"U-5","ghyt":"其他","jzmj":12.345,"qlbl":"1%"}
        ]}"#))
        .await;
        let AgencyFacts::RealEstate(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else {
            panic!()
        };
        let unit =
            |id: &str, usage, area_m2, share| PropertyUnit { unit_id: id.into(), usage, area_m2, share };
        assert_eq!(
            facts.units,
            vec![
                unit("U-1", PropertyUsage::Residential, dec!(89.50), dec!(0.5)),
                unit("U-2", PropertyUsage::Commercial, dec!(0.1), dec!(1)),
                unit("U-3", PropertyUsage::Office, dec!(120), dec!(0.3333)),
                unit("U-4", PropertyUsage::Industrial, dec!(1000), dec!(0.125)),
                unit("U-5", PropertyUsage::Other, dec!(12.345), dec!(0.01)),
            ]
        );
        // Exact to the written digits: no binary-float detour.
        assert_eq!(facts.units[0].area_m2.to_string(), "89.50");
        assert_eq!(facts.units[1].area_m2.to_string(), "0.1");
    }

    #[tokio::test]
    async fn a_person_without_units_has_none() {
        let server = answering(ok(r#"{"code":0,"data":[]}"#)).await;
        let facts = ask(&server, Duration::from_secs(5)).await;
        assert_eq!(facts, Ok(AgencyFacts::RealEstate(RealEstateFacts::default())));
    }

    #[tokio::test]
    async fn a_nonzero_code_is_an_agency_error_whatever_else_it_says() {
        let server = answering(ok(r#"{"code":5001,"msg":"查询失败 11010519491231002X","data":null}"#)).await;
        let result = ask(&server, Duration::from_secs(5)).await;
        assert_eq!(result, Err(AdapterError::Unavailable("registry error code 5001".into())));
        let server = answering(ok(r#"{"code":-1,"data":"系统繁忙"}"#)).await;
        assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
        let server = answering(ResponseTemplate::new(503)).await;
        assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
    }

    #[tokio::test]
    async fn a_slow_registry_times_out() {
        let server = answering(ok(r#"{"code":0,"data":[]}"#).set_delay(Duration::from_secs(3))).await;
        assert_times_out(ask(&server, SHORT_TIMEOUT)).await;
    }

    #[tokio::test]
    async fn malformed_bodies_are_rejected() {
        let unit = |fields: &str| format!(r#"{{"code":0,"data":[{{{fields}}}]}}"#);
        let bodies = [
            unit(r#""bdcdyh":"U-1","ghyt":"车位","jzmj":89.5,"qlbl":"50%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":"89.5","qlbl":"50%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":-1,"qlbl":"50%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":89.5,"qlbl":"0%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":89.5,"qlbl":"150%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":89.5,"qlbl":"1/2""#),
            unit(r#""bdcdyh":"","ghyt":"住宅","jzmj":89.5,"qlbl":"50%""#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":89.5"#),
            unit(r#""bdcdyh":"U-1","ghyt":"住宅","jzmj":89.5,"qlbl":"50%","owner":"x""#),
            r#"{"code":0}"#.to_owned(),
            r#"{"data":[]}"#.to_owned(),
            "not json".to_owned(),
        ];
        for body in bodies {
            let server = answering(ok(&body)).await;
            assert!(is_malformed(ask(&server, Duration::from_secs(5)).await), "{body}");
        }
    }
}
