//! Agency adapters: one module per agency, each speaking that agency's own wire format
//! (DESIGN §6) and returning one normalized [`AgencyFacts`] value.
//!
//! The rest of the hub sees only [`AgencyAdapter`] and the normalized types; adding an
//! agency is one module here plus its config section. Adapters never log raw ID numbers
//! or request URLs (the tax URL carries the ID number).

use crate::domain::{Agency, AgencyFacts, IdNumber, Program, YearMonth};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

pub mod bank;
pub mod coalescer;
pub mod housing_fund;
pub mod http_client;
pub mod real_estate;
pub mod tax;
mod wire;

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod retry_tests;
#[cfg(test)]
mod test_support;

/// One question to one agency about one person.
#[derive(Debug, Clone)]
pub struct AgencyQuery {
    pub id_number: IdNumber,
    /// The consent the query is made under, sent as `X-Consent-Ref`.
    pub consent_ref: String,
    /// The purpose of the query (the program), for agencies that record it.
    pub purpose: Program,
    /// The income window, inclusive (used by the tax agency).
    pub window: (YearMonth, YearMonth),
    /// An end earlier than the agency's own timeout (the application's deadline, or the
    /// time already spent waiting for a bulkhead slot); `None` = the timeout alone.
    pub deadline: Option<tokio::time::Instant>,
}

/// Why a query produced no facts. Maps onto a source status in the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    #[error("no answer within the deadline")]
    Timeout,
    #[error("agency unavailable: {0}")]
    Unavailable(String),
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The hub declined to call the agency, to protect it or itself.
    #[error("not sent: {}", .0.as_str())]
    Rejected(Rejection),
}

/// Why the hub declined to call an agency (see [`crate::resilience`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The agency's circuit breaker is open.
    CircuitOpen,
    /// Every bulkhead slot stayed taken for as long as the query could wait.
    BulkheadFull,
    /// The agency's rate limit (or its `Retry-After`) has no slot before the deadline.
    RateLimited,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CircuitOpen => "circuit_open",
            Self::BulkheadFull => "bulkhead_full",
            Self::RateLimited => "rate_limited",
        }
    }
}

impl AdapterError {
    pub fn status(&self) -> crate::domain::SourceStatus {
        use crate::domain::SourceStatus;
        match self {
            Self::Timeout => SourceStatus::Timeout,
            Self::Unavailable(_) | Self::Rejected(_) => SourceStatus::Unavailable,
            Self::Malformed(_) => SourceStatus::Malformed,
        }
    }

    /// A cause more specific than the status, for the report's `missing[].cause`.
    pub fn cause(&self) -> Option<&'static str> {
        match self {
            Self::Rejected(rejection) => Some(rejection.as_str()),
            Self::Timeout | Self::Unavailable(_) | Self::Malformed(_) => None,
        }
    }
}

/// Where and how to reach one agency.
#[derive(Debug, Clone)]
pub struct AgencyEndpoint {
    /// Scheme, host, port and an optional path prefix, without a trailing slash;
    /// the adapter appends the agency's own path (e.g. `/tax/v1/persons/…`).
    pub base_url: String,
    /// Sent as `X-Api-Key`.
    pub api_key: String,
    /// The whole query's deadline, including every poll of an asynchronous agency.
    pub timeout: Duration,
    /// Rate limit and retries of every request (the default: neither).
    pub outbound: crate::resilience::Outbound,
}

/// A client for one agency. Implementations must finish within `endpoint.timeout`, or by
/// `query.deadline` when that comes first (returning [`AdapterError::Timeout`] when it
/// passes), and never panic on any answer.
pub trait AgencyAdapter: Send + Sync {
    fn agency(&self) -> Agency;
    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>>;

    /// Several queries as one call: the facts in the order of `queries`, or one error for
    /// the whole batch (an agency that answers in bulk fails in bulk). The batch ends by
    /// the earliest of its queries' deadlines.
    ///
    /// The default, for agencies without a bulk API, runs [`Self::query`] for each query
    /// at once and fails with the first error (the others are then dropped unfinished),
    /// so it behaves like a bulk call. Only the bank is batched in practice (see
    /// [`coalescer`]), and it overrides this with one inquiry.
    fn query_batch<'a>(
        &'a self,
        queries: &'a [AgencyQuery],
    ) -> BoxFuture<'a, Result<Vec<AgencyFacts>, AdapterError>> {
        let earliest = earliest_deadline(queries);
        Box::pin(async move {
            let each = queries.iter().map(|query| self.query(query));
            let all = futures::future::try_join_all(each);
            match earliest {
                Some(deadline) => {
                    tokio::time::timeout_at(deadline, all).await.unwrap_or(Err(AdapterError::Timeout))
                }
                None => all.await,
            }
        })
    }
}

/// The earliest deadline among `queries`, if any has one.
pub fn earliest_deadline(queries: &[AgencyQuery]) -> Option<tokio::time::Instant> {
    queries.iter().filter_map(|query| query.deadline).min()
}

/// One adapter per agency, all sharing `client` (one connection pool for the process).
pub fn build_all(
    client: &reqwest::Client,
    endpoints: impl Fn(Agency) -> AgencyEndpoint,
) -> Vec<Arc<dyn AgencyAdapter>> {
    Agency::ALL
        .into_iter()
        .map(|agency| -> Arc<dyn AgencyAdapter> {
            let (client, endpoint) = (client.clone(), endpoints(agency));
            match agency {
                Agency::Tax => Arc::new(tax::TaxAdapter::new(client, endpoint)),
                Agency::RealEstate => Arc::new(real_estate::RealEstateAdapter::new(client, endpoint)),
                Agency::HousingFund => Arc::new(housing_fund::HousingFundAdapter::new(client, endpoint)),
                Agency::Bank => Arc::new(bank::BankAdapter::new(client, endpoint)),
            }
        })
        .collect()
}
