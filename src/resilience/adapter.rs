//! [`ResilientAdapter`]: any [`AgencyAdapter`] behind its agency's circuit breaker and
//! bulkhead, under one deadline that also covers the waiting, with every call counted.
//!
//! A batch ([`AgencyAdapter::query_batch`]) is one call like any other: one breaker
//! permit, one bulkhead slot, one health record, whatever its size. The rate limit is
//! per HTTP request (in [`Outbound`](super::Outbound)), so an inquiry of 50 persons
//! costs its submit and polls, not 50 of each.

use super::AgencyGuards;
use crate::adapters::{AdapterError, AgencyAdapter, AgencyQuery, Rejection, earliest_deadline};
use crate::domain::{Agency, AgencyFacts};
use futures::future::BoxFuture;
use std::future::Future;
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
        self.guarded(query.deadline, |deadline| async move {
            let query = AgencyQuery { deadline: Some(deadline), ..query.clone() };
            self.inner.query(&query).await
        })
        .await
    }

    async fn call_batch(&self, queries: &[AgencyQuery]) -> Result<Vec<AgencyFacts>, AdapterError> {
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        self.guarded(earliest_deadline(queries), |deadline| async move {
            let queries: Vec<AgencyQuery> =
                queries.iter().map(|q| AgencyQuery { deadline: Some(deadline), ..q.clone() }).collect();
            self.inner.query_batch(&queries).await
        })
        .await
    }

    /// Runs `send` (handed the call's deadline: the agency's timeout from now, or `given`
    /// when earlier) once the breaker and the bulkhead let it through, and records how
    /// it ended.
    async fn guarded<T, F>(
        &self,
        given: Option<Instant>,
        send: impl FnOnce(Instant) -> F,
    ) -> Result<T, AdapterError>
    where
        F: Future<Output = Result<T, AdapterError>>,
    {
        let guards = &self.guards;
        let own = Instant::now() + guards.timeout;
        let deadline = given.map_or(own, |given| given.min(own));
        let Ok(permit) = guards.breaker.acquire() else {
            return Err(self.reject(Rejection::CircuitOpen));
        };
        // An unused permit is dropped here, so a refused call does not count as a trial.
        let Ok(_slot) = guards.bulkhead.enter(deadline).await else {
            return Err(self.reject(Rejection::BulkheadFull));
        };
        let started = Instant::now();
        let result =
            tokio::time::timeout_at(deadline, send(deadline)).await.unwrap_or(Err(AdapterError::Timeout));
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

    fn query_batch<'a>(
        &'a self,
        queries: &'a [AgencyQuery],
    ) -> BoxFuture<'a, Result<Vec<AgencyFacts>, AdapterError>> {
        Box::pin(self.call_batch(queries))
    }
}
