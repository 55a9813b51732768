//! [`ResilientAdapter`]: any [`AgencyAdapter`] behind its agency's circuit breaker and
//! bulkhead, under one deadline that also covers the waiting, with every call counted.

use super::AgencyGuards;
use crate::adapters::{AdapterError, AgencyAdapter, AgencyQuery, Rejection};
use crate::domain::{Agency, AgencyFacts};
use futures::future::BoxFuture;
use std::sync::Arc;
use tokio::time::Instant;

pub struct ResilientAdapter {
    inner: Arc<dyn AgencyAdapter>,
    guards: Arc<AgencyGuards>,
}

impl ResilientAdapter {
    pub fn new(inner: Arc<dyn AgencyAdapter>, guards: Arc<AgencyGuards>) -> Self {
        Self { inner, guards }
    }

    async fn call(&self, query: &AgencyQuery) -> Result<AgencyFacts, AdapterError> {
        let guards = &self.guards;
        let own = Instant::now() + guards.timeout;
        let deadline = query.deadline.map_or(own, |given| given.min(own));
        let Ok(permit) = guards.breaker.acquire() else {
            return Err(self.reject(Rejection::CircuitOpen));
        };
        // An unused permit is dropped here, so a refused call does not count as a trial.
        let Ok(_slot) = guards.bulkhead.enter(deadline).await else {
            return Err(self.reject(Rejection::BulkheadFull));
        };
        let started = Instant::now();
        let query = AgencyQuery { deadline: Some(deadline), ..query.clone() };
        let result = tokio::time::timeout_at(deadline, self.inner.query(&query))
            .await
            .unwrap_or(Err(AdapterError::Timeout));
        match &result {
            // Refused by the rate limit before anything was sent (counted there).
            Err(AdapterError::Rejected(_)) => drop(permit),
            Ok(_) => {
                permit.record(false);
                guards.health.call(started.elapsed(), "ok");
            }
            Err(error) => {
                // A malformed answer comes from an agency that is up: opening the breaker
                // would not help, so it is not counted as a failure there.
                permit.record(!matches!(error, AdapterError::Malformed(_)));
                guards.health.call(started.elapsed(), error.status().as_str());
            }
        }
        result
    }

    fn reject(&self, rejection: Rejection) -> AdapterError {
        tracing::debug!(agency = self.inner.agency().as_str(), cause = rejection.as_str(), "call refused");
        self.guards.health.rejection(rejection.as_str());
        AdapterError::Rejected(rejection)
    }
}

impl AgencyAdapter for ResilientAdapter {
    fn agency(&self) -> Agency {
        self.inner.agency()
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(self.call(query))
    }
}
