//! The writes of a re-check batch: a re-check's start (its application row, leased to
//! the runner, linked to its batch item) and its end (report, beneficiary and batch item
//! together). A large batch makes hundreds of them a second, so those that arrive while
//! another group is committing are committed together ([`super::group_commit`]).

use super::beneficiaries::close_item;
use super::jobs::store_report;
use super::{Backend, FinishedJob, RecheckOutcome, Store, now_ms};
use anyhow::Context;
use sqlx::{Any, Transaction};
use uuid::Uuid;

/// A re-check's application, inserted running under the runner's lease.
#[derive(Debug, Clone)]
pub struct NewRecheck {
    pub id: Uuid,
    pub program: String,
    pub region: String,
    pub caller_sub: String,
    pub applicant_masked: String,
    /// The members' pseudonyms, applicant first (as an application's).
    pub subjects: Vec<String>,
    pub body_json: String,
}

/// A re-check's report and what is kept with it (see [`FinishedJob`]).
#[derive(Debug, Clone)]
pub struct RecheckReport {
    pub verdict: String,
    pub report_json: String,
    pub evidence_json: String,
    pub policy_version: String,
    pub policy_params_json: String,
}

/// One write of a batch, owned: another caller's group may commit it.
pub(super) enum RecheckWrite {
    Start {
        batch_id: String,
        beneficiary_id: String,
        recheck: NewRecheck,
        owner: String,
        lease_ms: i64,
    },
    Complete {
        batch_id: String,
        beneficiary_id: String,
        report: RecheckReport,
        owner: String,
        outcome: RecheckOutcome,
    },
}

impl Store {
    /// Inserts the re-check's application, already leased to `owner` (so no worker of a
    /// running `hub serve` takes it), and links it to its batch item, in one transaction.
    pub async fn start_recheck(
        &self,
        batch_id: &str,
        beneficiary_id: &str,
        recheck: NewRecheck,
        owner: &str,
        lease_ms: i64,
    ) -> anyhow::Result<()> {
        let write = RecheckWrite::Start {
            batch_id: batch_id.to_owned(),
            beneficiary_id: beneficiary_id.to_owned(),
            recheck,
            owner: owner.to_owned(),
            lease_ms,
        };
        self.write_recheck(write).await.map(|_| ())
    }

    /// Stores a re-check's report and records its outcome on the beneficiary and the batch
    /// in one transaction (never a report without its outcome). Returns false, writing
    /// nothing, when `owner` lost the re-check's lease.
    pub async fn complete_recheck(
        &self,
        batch_id: &str,
        beneficiary_id: &str,
        report: RecheckReport,
        owner: &str,
        outcome: RecheckOutcome,
    ) -> anyhow::Result<bool> {
        let write = RecheckWrite::Complete {
            batch_id: batch_id.to_owned(),
            beneficiary_id: beneficiary_id.to_owned(),
            report,
            owner: owner.to_owned(),
            outcome,
        };
        self.write_recheck(write).await
    }

    /// Records the outcome of a re-check whose report is already stored (by a run
    /// interrupted between the two, before they were written together).
    pub async fn finish_recheck(
        &self,
        batch_id: &str,
        beneficiary_id: &str,
        outcome: &RecheckOutcome,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        record_outcome(&mut tx, batch_id, beneficiary_id, outcome, now_ms()).await?;
        tx.commit().await.context("Failed to commit a re-check outcome")?;
        Ok(())
    }

    async fn write_recheck(&self, write: RecheckWrite) -> anyhow::Result<bool> {
        // SQLite has one writer: queueing behind the audit's groups here is cheaper than
        // meeting them in SQLite's busy handler, which sleeps. PostgreSQL writes both at once.
        let leader = match self.backend {
            Backend::Sqlite => &self.audit_lock,
            Backend::Postgres => &self.recheck_lock,
        };
        self.recheck_group.submit(leader, write, |group| self.commit_recheck_writes(group)).await
    }

    /// A group in one transaction; if that fails, each write in its own, so that one the
    /// database refuses does not fail the others.
    async fn commit_recheck_writes(&self, group: Vec<RecheckWrite>) -> Vec<anyhow::Result<bool>> {
        match self.try_recheck_writes(&group).await {
            Ok(done) => done.into_iter().map(Ok).collect(),
            Err(error) if group.len() == 1 => vec![Err(error)],
            Err(error) => {
                tracing::warn!(error = ?error, size = group.len(), "a group of re-check writes failed: one by one");
                let mut results = Vec::with_capacity(group.len());
                for write in &group {
                    let result = self.try_recheck_writes(std::slice::from_ref(write)).await;
                    results.push(result.map(|done| done.first().copied().unwrap_or(false)));
                }
                results
            }
        }
    }

    async fn try_recheck_writes(&self, group: &[RecheckWrite]) -> anyhow::Result<Vec<bool>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        let mut done = Vec::with_capacity(group.len());
        for write in group {
            done.push(match write {
                RecheckWrite::Start { batch_id, beneficiary_id, recheck, owner, lease_ms } => {
                    insert_recheck(&mut tx, batch_id, beneficiary_id, recheck, owner, now + lease_ms, now)
                        .await?;
                    true
                }
                RecheckWrite::Complete { batch_id, beneficiary_id, report, owner, outcome } => {
                    let id =
                        Uuid::parse_str(&outcome.application_id).context("a re-check id is not a UUID")?;
                    let finished = FinishedJob {
                        verdict: &report.verdict,
                        report_json: &report.report_json,
                        evidence_json: &report.evidence_json,
                        policy_version: &report.policy_version,
                        policy_params_json: &report.policy_params_json,
                        callback_url: None,
                    };
                    // A lost lease writes nothing for this one; the others go on.
                    let stored = store_report(&mut tx, id, owner, &finished, now).await?;
                    if stored {
                        record_outcome(&mut tx, batch_id, beneficiary_id, outcome, now).await?;
                    }
                    stored
                }
            });
        }
        tx.commit().await.context("Failed to commit re-check writes")?;
        Ok(done)
    }
}

async fn insert_recheck(
    tx: &mut Transaction<'static, Any>,
    batch_id: &str,
    beneficiary_id: &str,
    recheck: &NewRecheck,
    owner: &str,
    lease_expires_at: i64,
    now: i64,
) -> anyhow::Result<()> {
    let id = recheck.id.to_string();
    sqlx::query(
        "INSERT INTO applications (id, status, program, region, caller_sub, applicant_masked, body, \
         attempts, lease_owner, lease_expires_at, submitted_at, started_at, updated_at, subjects) \
         VALUES ($1, 'running', $2, $3, $4, $5, $6, 1, $7, $8, $9, $9, $9, $10)",
    )
    .bind(&id)
    .bind(&recheck.program)
    .bind(&recheck.region)
    .bind(&recheck.caller_sub)
    .bind(&recheck.applicant_masked)
    .bind(&recheck.body_json)
    .bind(owner)
    .bind(lease_expires_at)
    .bind(now)
    .bind(recheck.subjects.join(","))
    .execute(&mut **tx)
    .await
    .context("Failed to insert a re-check")?;
    sqlx::query(
        "UPDATE recheck_batch_items SET application_id = $1, updated_at = $2 \
         WHERE batch_id = $3 AND beneficiary_id = $4",
    )
    .bind(&id)
    .bind(now)
    .bind(batch_id)
    .bind(beneficiary_id)
    .execute(&mut **tx)
    .await
    .context("Failed to link a re-check")?;
    Ok(())
}

async fn record_outcome(
    tx: &mut Transaction<'static, Any>,
    batch_id: &str,
    beneficiary_id: &str,
    outcome: &RecheckOutcome,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE beneficiaries SET status = $1, last_application_id = $2, last_verdict = $3, \
         category = COALESCE($4, category), benefit = $5, recheck_due = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&outcome.status)
    .bind(&outcome.application_id)
    .bind(&outcome.verdict)
    .bind(outcome.category.as_deref())
    .bind(outcome.benefit.as_deref())
    .bind(&outcome.recheck_due)
    .bind(now)
    .bind(beneficiary_id)
    .execute(&mut **tx)
    .await
    .context("Failed to update a beneficiary")?;
    close_item(tx, batch_id, beneficiary_id, &outcome.outcome, now).await
}
