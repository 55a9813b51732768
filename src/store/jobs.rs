//! Verification jobs: claimed with a lease, finished with exactly one report.

use super::applications::parse_id;
use super::{Backend, Store, now_ms};
use anyhow::Context;
use sqlx::{Any, Row, Transaction};
use std::time::Duration;
use uuid::Uuid;

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    /// The intake system that submitted it: queries are made and audited on its behalf.
    pub caller_sub: String,
    pub body_json: String,
    pub attempts: i64,
}

/// What a worker writes when a verification is done.
pub struct FinishedJob<'a> {
    pub verdict: &'a str,
    pub report_json: &'a str,
    pub evidence_json: &'a str,
    pub policy_version: &'a str,
    pub policy_params_json: &'a str,
    /// Where to send the signed callback, if the application asked for one.
    pub callback_url: Option<&'a str>,
}

/// Which rows a worker may take: queued, or running under a lease that has expired.
const CLAIMABLE: &str = "(status = 'queued' OR (status = 'running' AND lease_expires_at < $3))";

impl Store {
    /// Claims the oldest claimable job. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many
    /// workers of many processes claim different rows without waiting on each other; on
    /// SQLite writes are serialized anyway. The condition is repeated in the outer
    /// `WHERE` so that of two racing claimers only one updates the row.
    pub async fn claim_next_job(&self, worker: &str, lease: Duration) -> anyhow::Result<Option<ClaimedJob>> {
        let now = now_ms();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE applications SET status = 'running', lease_owner = $1, lease_expires_at = $2, \
               attempts = attempts + 1, started_at = COALESCE(started_at, $3), updated_at = $3 \
             WHERE id = (SELECT id FROM applications WHERE {CLAIMABLE} ORDER BY submitted_at LIMIT 1{lock}) \
               AND {CLAIMABLE} \
             RETURNING id, caller_sub, body, attempts"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease.as_millis() as i64)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .context("Failed to claim a job")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ClaimedJob {
            id: parse_id(&row.try_get::<String, _>("id")?)?,
            caller_sub: row.try_get("caller_sub")?,
            body_json: row.try_get("body")?,
            attempts: row.try_get("attempts")?,
        }))
    }

    /// Writes the report, marks the job completed and schedules the callback in one
    /// transaction, only while this worker still holds the lease. Returns false (and
    /// writes nothing) when the lease was lost or a report already exists.
    pub async fn complete_job(
        &self,
        id: Uuid,
        worker: &str,
        finished: &FinishedJob<'_>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        if !store_report(&mut tx, id, worker, finished, now_ms()).await? {
            tx.rollback().await.context("Failed to roll back")?;
            return Ok(false);
        }
        tx.commit().await.context("Failed to commit a report")?;
        Ok(true)
    }

    /// Marks a job that cannot be verified at all (e.g. its stored body no longer parses).
    pub async fn fail_job(&self, id: Uuid, worker: &str, reason: &str) -> anyhow::Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE applications SET status = 'failed', failure = $1, completed_at = $2, updated_at = $2, \
               lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $3 AND status = 'running' AND lease_owner = $4",
        )
        .bind(reason)
        .bind(now)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.pool)
        .await
        .context("Failed to mark a job failed")?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a job back (e.g. on shutdown) so another worker takes it at once.
    pub async fn release_job(&self, id: Uuid, worker: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE applications SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1 \
             WHERE id = $2 AND status = 'running' AND lease_owner = $3",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.pool)
        .await
        .context("Failed to release a job")?;
        Ok(())
    }
}

/// Applications counted by status and verdict, with the oldest submission of each group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    pub status: String,
    /// `None` until completed.
    pub verdict: Option<String>,
    pub count: i64,
    pub oldest_submitted_at_ms: Option<i64>,
}

impl Store {
    /// One grouped count over every application, for the metrics (`hub_applications`,
    /// queue depth and the age of the oldest queued job). Served by the status index.
    pub async fn status_counts(&self) -> anyhow::Result<Vec<StatusCount>> {
        let rows = sqlx::query(
            "SELECT status, verdict, COUNT(*) AS n, MIN(submitted_at) AS oldest \
             FROM applications GROUP BY status, verdict",
        )
        .fetch_all(&self.pool)
        .await
        .context("Failed to count applications")?;
        rows.iter()
            .map(|row| {
                Ok(StatusCount {
                    status: row.try_get("status")?,
                    verdict: row.try_get("verdict")?,
                    count: row.try_get("n")?,
                    oldest_submitted_at_ms: row.try_get("oldest")?,
                })
            })
            .collect()
    }
}

/// Marks job `id` completed and stores its report inside `tx`; false (nothing written)
/// when `worker` no longer holds its lease. The caller commits or rolls back.
pub(super) async fn store_report(
    tx: &mut Transaction<'static, Any>,
    id: Uuid,
    worker: &str,
    finished: &FinishedJob<'_>,
    now: i64,
) -> anyhow::Result<bool> {
    let id_text = id.to_string();
    let marked = sqlx::query(
        "UPDATE applications SET status = 'completed', verdict = $1, completed_at = $2, updated_at = $2, \
           lease_owner = NULL, lease_expires_at = NULL \
         WHERE id = $3 AND status = 'running' AND lease_owner = $4",
    )
    .bind(finished.verdict)
    .bind(now)
    .bind(&id_text)
    .bind(worker)
    .execute(&mut **tx)
    .await
    .context("Failed to mark a job completed")?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO policy_versions (version, params, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (version) DO NOTHING",
    )
    .bind(finished.policy_version)
    .bind(finished.policy_params_json)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("Failed to record a policy version")?;
    sqlx::query(
        "INSERT INTO reports (application_id, verdict, report, evidence, policy_version, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id_text)
    .bind(finished.verdict)
    .bind(finished.report_json)
    .bind(finished.evidence_json)
    .bind(finished.policy_version)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("Failed to store a report")?;
    if let Some(url) = finished.callback_url {
        sqlx::query(
            "INSERT INTO webhooks (application_id, url, state, attempts, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, 'pending', 0, $3, $3, $3)",
        )
        .bind(&id_text)
        .bind(url)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("Failed to schedule a webhook")?;
    }
    Ok(true)
}
