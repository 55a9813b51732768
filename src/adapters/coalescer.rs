//! [`BankCoalescer`]: natural batching of bank queries into deposit inquiries.
//!
//! The coalescer owns the queue of bank queries waiting for an inquiry and the count of
//! inquiries in flight; the wrapped adapter (the resilient bank adapter) still owns the
//! breaker, the bulkhead, the rate limit and the wire format.
//!
//! No linger: a query goes out at once, alone, while fewer than `max_inflight`
//! inquiries are running. Beyond that it waits, and each inquiry that ends starts the
//! next one with up to `max_persons` waiting queries (one person at most once: a second
//! query about someone waits for the following inquiry). Nothing is delayed at low load,
//! and under re-check load inquiries grow by themselves.
//!
//! The bank fails a whole inquiry for one bad person. So an inquiry of several persons
//! gets half of the remaining time of its earliest query, and if it ends in `Timeout`,
//! `Unavailable` or `Malformed`, each of its persons is asked again alone, with their own
//! remaining time: one person's fault costs the others time, never their answer. A
//! refusal by the hub itself (`Rejected`) is not split: it would only multiply refused
//! calls. Every query keeps its own deadline, waiting included, and is never sent past it.
//!
//! Waiting for a place in an inquiry takes the place of waiting for a bulkhead slot, and
//! is bounded the same way (`bulkhead_max_wait_ms`, then `bulkhead_full`): a slow bank
//! holds a few job workers, not all of them.

use super::{AdapterError, AgencyAdapter, AgencyQuery, Rejection};
use crate::domain::{Agency, AgencyFacts, IdNumber};
use crate::resilience::health::AgencyHealth;
use futures::future::BoxFuture;
use serde::Deserialize;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// The batching keys of `[agencies.bank]`; other agencies' sections may carry them too,
/// and nothing reads them there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BatchSettings {
    /// The most persons in one inquiry; 1 = every query is its own inquiry.
    pub batch_max_persons: usize,
    /// Inquiries running at once before further queries wait and group.
    pub batch_max_inflight: usize,
}

/// Absent keys mean no batching: exactly the behaviour before batching existed.
impl Default for BatchSettings {
    fn default() -> Self {
        Self { batch_max_persons: 1, batch_max_inflight: 4 }
    }
}

/// How long bank queries may take and wait, and how they group.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The bank's query deadline (`timeout_ms`), waiting here included.
    pub timeout: Duration,
    /// The longest wait for a place in an inquiry (`bulkhead_max_wait_ms`, as for a
    /// bulkhead slot): past it, a query still waiting is refused as `bulkhead_full`.
    pub max_wait: Duration,
    pub batch: BatchSettings,
}

type Reply = oneshot::Sender<Result<AgencyFacts, AdapterError>>;

pub struct BankCoalescer {
    shared: Arc<Shared>,
}

/// What the coalescer and its running inquiries share.
struct Shared {
    inner: Arc<dyn AgencyAdapter>,
    /// A query's deadline when it brings none earlier: the agency's timeout from its
    /// arrival, so that waiting here counts against it as waiting for a bulkhead slot does.
    timeout: Duration,
    /// Waiting here replaces waiting for a bulkhead slot, so it is bounded the same way:
    /// a slow bank then holds a bounded number of job workers, not all of them.
    max_wait: Duration,
    max_persons: usize,
    max_inflight: usize,
    /// Where refusals are counted, next to the guards' own (`/readyz`, `/metrics`).
    health: Arc<AgencyHealth>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Oldest first, so that no query is passed over for long.
    waiting: VecDeque<Waiting>,
    in_flight: usize,
    /// Names each waiting query, so that its caller can withdraw it.
    last_ticket: u64,
    /// The coalescer was dropped: no inquiry starts any more.
    closed: bool,
}

/// A query waiting for an inquiry, and where its answer goes.
struct Waiting {
    ticket: u64,
    /// With its deadline always set.
    query: AgencyQuery,
    deadline: Instant,
    reply: Reply,
}

impl BankCoalescer {
    /// Batches the queries to `inner` (which must be the bank's, behind its guards);
    /// refusals are counted in `health`. Limits below 1 count as 1.
    pub fn new(inner: Arc<dyn AgencyAdapter>, limits: Limits, health: Arc<AgencyHealth>) -> Self {
        let shared = Shared {
            inner,
            timeout: limits.timeout,
            max_wait: limits.max_wait,
            max_persons: limits.batch.batch_max_persons.max(1),
            max_inflight: limits.batch.batch_max_inflight.max(1),
            health,
            state: Mutex::new(State::default()),
        };
        Self { shared: Arc::new(shared) }
    }

    async fn ask(&self, query: &AgencyQuery) -> Result<AgencyFacts, AdapterError> {
        let shared = &self.shared;
        let now = Instant::now();
        let deadline = query.deadline.map_or(now + shared.timeout, |given| given.min(now + shared.timeout));
        let (reply, mut answer) = oneshot::channel();
        let query = AgencyQuery { deadline: Some(deadline), ..query.clone() };
        let ticket = lock(&shared.state).enqueue(query, deadline, reply);
        dispatch(shared);
        let give_up = deadline.min(now + shared.max_wait);
        if let Ok(answered) = tokio::time::timeout_at(give_up, &mut answer).await {
            return answered.unwrap_or_else(|_| Err(abandoned()));
        }
        if lock(&shared.state).withdraw(ticket) {
            if give_up == deadline {
                return Err(AdapterError::Timeout);
            }
            tracing::debug!(agency = "bank", cause = "bulkhead_full", "no place in an inquiry in time");
            shared.health.rejection(Rejection::BulkheadFull.as_str());
            return Err(AdapterError::Rejected(Rejection::BulkheadFull));
        }
        // Already in an inquiry, whose answer comes by the deadline.
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(answered) => answered.unwrap_or_else(|_| Err(abandoned())),
            Err(_) => Err(AdapterError::Timeout),
        }
    }
}

/// The answer of a query whose inquiry was dropped unanswered: only when the runtime
/// shuts down under a running inquiry.
fn abandoned() -> AdapterError {
    AdapterError::Unavailable("the bank inquiry was abandoned".into())
}

impl AgencyAdapter for BankCoalescer {
    fn agency(&self) -> Agency {
        self.shared.inner.agency()
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(self.ask(query))
    }

    /// A batch handed in whole is already grouped: it goes straight to the inner adapter.
    fn query_batch<'a>(
        &'a self,
        queries: &'a [AgencyQuery],
    ) -> BoxFuture<'a, Result<Vec<AgencyFacts>, AdapterError>> {
        self.shared.inner.query_batch(queries)
    }
}

/// Running inquiries end by their deadlines; none starts after this.
impl Drop for BankCoalescer {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.closed = true;
        state.waiting.clear();
    }
}

/// A poisoned lock only means a panic elsewhere; the queue is still consistent, since
/// nothing in it panics half-way through a change.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts an inquiry for the waiting queries while fewer than `max_inflight` run.
fn dispatch(shared: &Arc<Shared>) {
    // Outside a runtime (never in the hub) the queries wait and time out.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    let batches = {
        let mut state = lock(&shared.state);
        let mut batches = Vec::new();
        while !state.closed && state.in_flight < shared.max_inflight {
            let batch = state.take_batch(shared.max_persons, Instant::now());
            if batch.is_empty() {
                break;
            }
            state.in_flight += 1;
            batches.push(InFlight { shared: Arc::clone(shared), batch });
        }
        batches
    };
    // Spawned, so that the caller who happened to start an inquiry can leave without
    // cancelling it for the others.
    for inquiry in batches {
        runtime.spawn(inquiry.run());
    }
}

impl State {
    fn enqueue(&mut self, query: AgencyQuery, deadline: Instant, reply: Reply) -> u64 {
        self.last_ticket += 1;
        self.waiting.push_back(Waiting { ticket: self.last_ticket, query, deadline, reply });
        self.last_ticket
    }

    /// Takes the query out of the queue; `false` when it has left it for an inquiry.
    fn withdraw(&mut self, ticket: u64) -> bool {
        let position = self.waiting.iter().position(|w| w.ticket == ticket);
        position.and_then(|p| self.waiting.remove(p)).is_some()
    }

    /// Up to `max_persons` waiting queries, oldest first, one per person; answers the
    /// queries whose deadline has passed and forgets those whose caller left.
    fn take_batch(&mut self, max_persons: usize, now: Instant) -> Vec<Waiting> {
        let mut batch = Vec::new();
        let mut persons: HashSet<IdNumber> = HashSet::new();
        let mut kept = VecDeque::with_capacity(self.waiting.len());
        while let Some(waiting) = self.waiting.pop_front() {
            if batch.len() == max_persons {
                kept.push_back(waiting);
                kept.append(&mut self.waiting);
                break;
            }
            if waiting.reply.is_closed() {
                continue;
            }
            if waiting.deadline <= now {
                let _gone = waiting.reply.send(Err(AdapterError::Timeout));
                continue;
            }
            if persons.insert(waiting.query.id_number.clone()) {
                batch.push(waiting);
            } else {
                kept.push_back(waiting);
            }
        }
        self.waiting = kept;
        batch
    }
}

/// One inquiry's place among the `max_inflight`: given back when it is dropped, however
/// the inquiry ended (even cancelled by a runtime shutting down), and the next one starts.
struct InFlight {
    shared: Arc<Shared>,
    batch: Vec<Waiting>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.shared.state).in_flight -= 1;
        dispatch(&self.shared);
    }
}

impl InFlight {
    async fn run(mut self) {
        let mut batch = std::mem::take(&mut self.batch);
        let inner = Arc::clone(&self.shared.inner);
        let deadline = inquiry_deadline(&batch, Instant::now());
        let queries: Vec<AgencyQuery> =
            batch.iter().map(|w| AgencyQuery { deadline: Some(deadline), ..w.query.clone() }).collect();
        metrics::histogram!("hub_bank_inquiry_persons").record(queries.len() as f64);
        let result = tokio::select! {
            result = inner.query_batch(&queries) => result,
            () = all_gone(&mut batch) => return,
        };
        // The inquiry is over: the next one may start while failures are retried alone.
        drop(self);
        match result {
            Ok(facts) if facts.len() == batch.len() => {
                for (waiting, facts) in batch.into_iter().zip(facts) {
                    let _gone = waiting.reply.send(Ok(facts));
                }
            }
            Ok(_) => {
                split(&inner, batch, AdapterError::Malformed("bank answer of the wrong size".into())).await
            }
            Err(error) => split(&inner, batch, error).await,
        }
    }
}

/// The deadline of an inquiry: its earliest query's, or half of the time left until
/// then for an inquiry of several persons, so that its persons can still be asked alone.
fn inquiry_deadline(batch: &[Waiting], now: Instant) -> Instant {
    let earliest = batch.iter().map(|w| w.deadline).min().unwrap_or(now);
    if batch.len() > 1 { now + earliest.saturating_duration_since(now) / 2 } else { earliest }
}

/// Resolves once every caller of the batch has left (their application's deadline
/// passed): the inquiry is then dropped rather than left to hold a bulkhead slot.
async fn all_gone(batch: &mut [Waiting]) {
    futures::future::join_all(batch.iter_mut().map(|w| w.reply.closed())).await;
}

/// Hands `error` to every query of a failed inquiry or, when the bank may have failed it
/// for one person's sake, asks each of its persons again alone, all at once.
async fn split(inner: &Arc<dyn AgencyAdapter>, batch: Vec<Waiting>, error: AdapterError) {
    let one_person_may_be_at_fault = match error {
        AdapterError::Timeout | AdapterError::Unavailable(_) | AdapterError::Malformed(_) => true,
        // The hub refused the call: asking each person would be refused as many times.
        AdapterError::Rejected(_) => false,
    };
    if batch.len() == 1 || !one_person_may_be_at_fault {
        for waiting in batch {
            let _gone = waiting.reply.send(Err(error.clone()));
        }
        return;
    }
    tracing::debug!(
        persons = batch.len(),
        status = error.status().as_str(),
        "bank inquiry failed: asking its persons one by one"
    );
    metrics::counter!("hub_bank_inquiry_splits_total").increment(1);
    futures::future::join_all(batch.into_iter().map(|waiting| alone(inner, waiting))).await;
}

/// One person's own inquiry, straight through the inner adapter, by their own deadline.
async fn alone(inner: &Arc<dyn AgencyAdapter>, mut waiting: Waiting) {
    if Instant::now() >= waiting.deadline {
        let _gone = waiting.reply.send(Err(AdapterError::Timeout));
        return;
    }
    let result = tokio::select! {
        result = inner.query(&waiting.query) => result,
        () = waiting.reply.closed() => return,
    };
    let _gone = waiting.reply.send(result);
}

#[cfg(test)]
mod tests;
