//! The worker loop and the verification of one application.

use super::Completions;
use crate::broker::Broker;
use crate::domain::{Application, MemberEvidence};
use crate::policy::{self, PolicyBook, Report};
use crate::store::{ClaimedJob, Store};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

/// A job claimed this many times has crashed its worker repeatedly: stop retrying it.
const MAX_ATTEMPTS: i64 = 5;
/// How long a claimed job is ours; far longer than any application's deadline.
const LEASE: Duration = Duration::from_secs(120);
/// How often an idle worker looks for work it was not told about (e.g. expired leases).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Everything needed to turn an application into a report.
pub struct Verifier {
    pub broker: Broker,
    pub policies: Arc<PolicyBook>,
}

impl Verifier {
    /// Gathers the evidence and applies the region's policy.
    pub async fn verify(&self, application: &Application) -> (Report, Vec<MemberEvidence>) {
        let evidence = self.broker.gather(application, OffsetDateTime::now_utc()).await;
        let (params, version) = self.policies.for_region(&application.region);
        let report = policy::assess(application, &evidence, params, version);
        (report, evidence)
    }
}

/// Starts `count` workers that run until the runtime shuts down.
pub fn spawn_workers(
    count: usize,
    instance: &str,
    store: Store,
    verifier: Arc<Verifier>,
    completions: Arc<Completions>,
) -> Vec<JoinHandle<()>> {
    (0..count.max(1))
        .map(|n| {
            let worker = Worker {
                name: format!("{instance}-w{n}"),
                store: store.clone(),
                verifier: verifier.clone(),
                completions: completions.clone(),
            };
            tokio::spawn(worker.run())
        })
        .collect()
}

struct Worker {
    name: String,
    store: Store,
    verifier: Arc<Verifier>,
    completions: Arc<Completions>,
}

impl Worker {
    async fn run(self) {
        loop {
            match self.store.claim_next_job(&self.name, LEASE).await {
                Ok(Some(job)) => self.process(job).await,
                Ok(None) => {
                    let _ = tokio::time::timeout(IDLE_POLL, self.completions.work_queued()).await;
                }
                Err(error) => {
                    tracing::error!(worker = %self.name, error = ?error, "could not claim a job");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    #[tracing::instrument(skip_all, fields(application = %job.id, attempt = job.attempts))]
    async fn process(&self, job: ClaimedJob) {
        let outcome = if job.attempts > MAX_ATTEMPTS {
            Err(format!("gave up after {MAX_ATTEMPTS} attempts"))
        } else {
            serde_json::from_str::<Application>(&job.body_json)
                .map_err(|e| format!("stored application unreadable: {e}"))
        };
        let stored = match outcome {
            Ok(application) => self.finish(&job, &application).await,
            Err(reason) => {
                tracing::error!(reason = %reason, "verification failed");
                self.store.fail_job(job.id, &self.name, &reason).await
            }
        };
        match stored {
            Ok(true) => self.completions.announce_finished(job.id),
            Ok(false) => {
                tracing::warn!("lease lost before the report was stored; another worker owns the job")
            }
            // The lease will expire and another worker will redo the job: nothing is lost.
            Err(error) => tracing::error!(error = ?error, "could not store the outcome"),
        }
    }

    async fn finish(&self, job: &ClaimedJob, application: &Application) -> anyhow::Result<bool> {
        let (report, evidence) = self.verifier.verify(application).await;
        let report_json = serde_json::to_string(&report)?;
        let evidence_json = serde_json::to_string(&evidence)?;
        let verdict = serde_json::to_value(report.verdict)?;
        let verdict = verdict.as_str().unwrap_or_default();
        tracing::info!(verdict, "verification completed");
        self.store.complete_job(job.id, &self.name, verdict, &report_json, &evidence_json).await
    }
}
