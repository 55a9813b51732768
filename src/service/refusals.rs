//! The audit of refused requests, written so that refusals can never slow served ones.
//!
//! A refused authorization (bad or missing token, a role or region that does not allow the
//! request) is queued to one background writer through a bounded queue, never written by
//! the request itself and never through a task per refusal. When the queue is full the
//! refusal is only counted, and once a minute (and at shutdown) the writer appends one
//! summary row saying how many refusals were not recorded one by one — so the log stays
//! honest about its own gaps. Refusals answered 429 by the per-address throttle are
//! counted the same way.

use crate::audit::{AuditEvent, actions};
use crate::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Refusals waiting for the writer; beyond this they are counted, not queued.
pub const QUEUE_CAPACITY: usize = 1024;
/// Most rows the writer appends in one transaction.
const MOST_PER_APPEND: usize = 256;
/// How often the count of unrecorded refusals becomes a summary row.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// The requests' side: queue a refusal, or count one that is not recorded on its own.
#[derive(Clone)]
pub struct RefusalLog {
    queue: mpsc::Sender<AuditEvent>,
    unrecorded: Arc<AtomicU64>,
}

/// The writer's side, handed to [`RefusalWriter::run`].
pub struct RefusalWriter {
    queue: mpsc::Receiver<AuditEvent>,
    unrecorded: Arc<AtomicU64>,
    store: Store,
    summary_every: Duration,
}

impl RefusalLog {
    /// A log whose queue holds `capacity` refusals, and the writer that empties it.
    pub fn new(store: Store, capacity: usize, summary_every: Duration) -> (Self, RefusalWriter) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let unrecorded = Arc::new(AtomicU64::new(0));
        let log = Self { queue: sender, unrecorded: unrecorded.clone() };
        let writer = RefusalWriter { queue: receiver, unrecorded, store, summary_every };
        (log, writer)
    }

    /// Queues `event` for the writer; when the queue is full it is only counted.
    pub fn record(&self, event: AuditEvent) {
        match self.queue.try_send(event) {
            Ok(()) => metrics::counter!("hub_refusals_total", "outcome" => "queued").increment(1),
            Err(_) => self.count_unrecorded("queue_full"),
        }
    }

    /// A refusal that will not have a row of its own (`reason` is a metric label).
    pub fn count_unrecorded(&self, reason: &'static str) {
        self.unrecorded.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("hub_refusals_total", "outcome" => reason).increment(1);
    }
}

impl RefusalWriter {
    /// Appends queued refusals in batches, and a summary row every `summary_every` when
    /// some were not recorded; on `stop`, writes what is queued and the last summary.
    pub async fn run(mut self, stop: CancellationToken) {
        let mut summary = tokio::time::interval(self.summary_every);
        summary.tick().await; // the first tick is immediate
        loop {
            tokio::select! {
                received = self.queue.recv() => match received {
                    Some(first) => self.append_batch(first).await,
                    None => break,
                },
                _ = summary.tick() => self.append_summary().await,
                _ = stop.cancelled() => break,
            }
        }
        self.queue.close();
        while let Some(event) = self.queue.recv().await {
            self.append_batch(event).await;
        }
        self.append_summary().await;
    }

    async fn append_batch(&mut self, first: AuditEvent) {
        let mut batch = vec![first];
        while batch.len() < MOST_PER_APPEND {
            match self.queue.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        if let Err(error) = self.store.append_audit(&batch).await {
            tracing::error!(error = ?error, rows = batch.len(), "could not audit refused requests");
            self.unrecorded.fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
    }

    async fn append_summary(&mut self) {
        let count = self.unrecorded.swap(0, Ordering::Relaxed);
        if count == 0 {
            return;
        }
        let event = unrecorded_summary(count);
        if let Err(error) = self.store.append_audit(&[event]).await {
            tracing::error!(error = ?error, count, "could not record the count of unrecorded refusals");
            // Counted again, so the next summary carries them.
            self.unrecorded.fetch_add(count, Ordering::Relaxed);
        }
    }
}

/// The row that stands for `count` refusals without a row of their own.
fn unrecorded_summary(count: u64) -> AuditEvent {
    AuditEvent {
        actor_sub: "hub".into(),
        actor_role: "system".into(),
        action: actions::AUTHORIZATION_FAILURES_UNRECORDED,
        application_id: None,
        subject: None,
        agency: None,
        consent_id: None,
        outcome: format!(
            "{count} refused requests not recorded one by one (queue full or address throttled)"
        ),
    }
}

#[cfg(test)]
mod tests;
