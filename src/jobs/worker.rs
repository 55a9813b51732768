//! The worker loop and the verification of one application.
//!
//! A worker stops claiming when the process drains; a verification still running when
//! the grace period ends is dropped and its job released, so another instance takes it
//! at once (see [`super::Shutdown`]).

use super::Completions;
use crate::broker::{Broker, QueryContext};
use crate::domain::{Application, MemberEvidence};
use crate::policy::{self, LivePolicies, PolicyParams, Report};
use crate::store::FinishedJob;
use crate::store::{ClaimedJob, Store};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

/// How often an idle worker looks for work it was not told about (e.g. expired leases).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Everything needed to turn an application into a report.
pub struct Verifier {
    pub broker: Broker,
    pub policies: Arc<LivePolicies>,
}

impl Verifier {
    /// Gathers the evidence and applies the region's policy on the application's `as_of`
    /// (a re-check's is its run date).
    pub async fn verify(&self, application: &Application, context: &QueryContext) -> Verification {
        // One snapshot for the whole verification: a reload while the agencies answer does
        // not change the parameters it decides with.
        let policies = self.policies.snapshot();
        let policy = policies.effective(&application.region, application.as_of);
        let evidence = self.broker.gather(application, context, OffsetDateTime::now_utc()).await;
        let report = policy::assess_under(application, &evidence, policy);
        Verification { report, evidence, params: policy.params.clone() }
    }
}

/// A report with what it was derived from.
pub struct Verification {
    pub report: Report,
    pub evidence: Vec<MemberEvidence>,
    pub params: PolicyParams,
}

/// How many workers run and how they hold jobs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    pub count: usize,
    /// How long a claimed job is ours; longer than any application's deadline.
    pub lease: Duration,
    /// A job claimed this many times has crashed its workers repeatedly: stop retrying it.
    pub max_attempts: i64,
}

/// Starts the workers; they run until the process drains (`completions.shutdown()`).
/// Zero workers make an API-only instance (other instances on the same store do the
/// verifications).
pub fn spawn_workers(
    config: WorkerConfig,
    instance: &str,
    store: Store,
    verifier: Arc<Verifier>,
    completions: Arc<Completions>,
) -> Vec<JoinHandle<()>> {
    (0..config.count)
        .map(|n| {
            let worker = Worker {
                name: format!("{instance}-w{n}"),
                config,
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
    config: WorkerConfig,
    store: Store,
    verifier: Arc<Verifier>,
    completions: Arc<Completions>,
}

impl Worker {
    async fn run(self) {
        let draining = self.completions.shutdown().draining.clone();
        while !draining.is_cancelled() {
            match self.store.claim_next_job(&self.name, self.config.lease).await {
                Ok(Some(job)) => self.process_or_release(job).await,
                Ok(None) => {
                    tokio::select! {
                        () = draining.cancelled() => {}
                        _ = tokio::time::timeout(IDLE_POLL, self.completions.work_queued()) => {}
                    }
                }
                Err(error) => {
                    tracing::error!(worker = %self.name, error = ?error, "could not claim a job");
                    tokio::select! {
                        () = draining.cancelled() => {}
                        () = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
            }
        }
    }

    /// Verifies `job`, unless the grace period of a shutdown ends first: then the
    /// verification is dropped (nothing of it is stored) and the job released.
    async fn process_or_release(&self, job: ClaimedJob) {
        let id = job.id;
        tokio::select! {
            () = self.process(job) => {}
            () = self.completions.shutdown().abandon.cancelled() => {
                match self.store.release_job(id, &self.name).await {
                    Ok(()) => tracing::info!(application = %id, "released an unfinished job at shutdown"),
                    // The lease expires and another worker takes it then: nothing is lost.
                    Err(error) => tracing::error!(application = %id, error = ?error, "could not release a job"),
                }
            }
        }
    }

    #[tracing::instrument(skip_all, fields(application = %job.id, attempt = job.attempts))]
    async fn process(&self, job: ClaimedJob) {
        let outcome = if job.attempts > self.config.max_attempts {
            Err(format!("gave up after {} attempts", self.config.max_attempts))
        } else {
            serde_json::from_str::<Application>(&job.body_json)
                .map_err(|e| format!("stored application unreadable: {e}"))
        };
        let stored = match outcome {
            Ok(application) => self.finish(&job, &application).await,
            Err(reason) => {
                tracing::error!(reason = %reason, "verification failed");
                crate::metrics::applications::failed();
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
        let context = QueryContext { application_id: job.id.to_string(), caller_sub: job.caller_sub.clone() };
        let verification = self.verifier.verify(application, &context).await;
        let report = &verification.report;
        let verdict = serde_json::to_value(report.verdict)?;
        let verdict = verdict.as_str().unwrap_or_default();
        let finished = FinishedJob {
            verdict,
            report_json: &serde_json::to_string(report)?,
            evidence_json: &serde_json::to_string(&verification.evidence)?,
            policy_version: &report.policy_version,
            policy_params_json: &serde_json::to_string(&verification.params)?,
            callback_url: application.callback_url.as_deref(),
        };
        tracing::info!(verdict, "verification completed");
        let stored = self.store.complete_job(job.id, &self.name, &finished).await;
        if matches!(stored, Ok(true)) {
            crate::metrics::applications::verified(report.program.as_str(), verdict);
        }
        stored
    }
}
