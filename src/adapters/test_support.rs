//! Fixtures shared by the adapter tests: a query, an endpoint pointing at a wiremock
//! server, and timing helpers that allow a generous margin.

use super::{AdapterError, AgencyEndpoint, AgencyQuery};
use crate::domain::{IdNumber, Program, YearMonth};
use std::time::{Duration, Instant};

/// The DESIGN example person (valid check character).
pub const ID: &str = "11010519491231002X";
/// Another valid person, for answers about the wrong person.
pub const OTHER_ID: &str = "110105198001010016";
pub const API_KEY: &str = "test-key";
pub const CONSENT_REF: &str = "consent-42";

/// Short enough to keep the suite fast, long enough for a loaded CI machine.
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(200);

pub fn query() -> AgencyQuery {
    AgencyQuery {
        id_number: IdNumber::parse_structure(ID).unwrap(),
        consent_ref: CONSENT_REF.into(),
        purpose: Program::Dibao,
        window: (YearMonth::new(2025, 11).unwrap(), YearMonth::new(2026, 10).unwrap()),
        deadline: None,
    }
}

pub fn endpoint(server: &wiremock::MockServer, timeout: Duration) -> AgencyEndpoint {
    AgencyEndpoint { base_url: server.uri(), api_key: API_KEY.into(), timeout, outbound: Default::default() }
}

pub fn client() -> reqwest::Client {
    super::http_client::build("hub-test/0").unwrap()
}

pub fn is_malformed<T: std::fmt::Debug>(result: Result<T, AdapterError>) -> bool {
    matches!(result, Err(AdapterError::Malformed(_)))
}

pub fn is_unavailable<T: std::fmt::Debug>(result: Result<T, AdapterError>) -> bool {
    matches!(result, Err(AdapterError::Unavailable(_)))
}

/// Runs `call` and asserts it timed out, no later than the deadline plus a wide margin.
pub async fn assert_times_out<T: std::fmt::Debug>(call: impl Future<Output = Result<T, AdapterError>>) {
    let started = Instant::now();
    let result = call.await;
    let elapsed = started.elapsed();
    assert_eq!(result.unwrap_err(), AdapterError::Timeout);
    assert!(elapsed < SHORT_TIMEOUT + Duration::from_millis(1500), "took {elapsed:?}");
}
