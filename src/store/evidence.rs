//! The evidence behind each report, for replay, and its purge after the retention period.

use super::{Store, now_ms};
use anyhow::Context;
use sqlx::Row;
use uuid::Uuid;

/// What a report was derived from.
#[derive(Debug, Clone)]
pub struct StoredEvidence {
    pub body_json: String,
    pub report_json: String,
    /// `None` once purged.
    pub evidence_json: Option<String>,
    pub policy_version: String,
    /// The parameters of `policy_version`.
    pub policy_params_json: Option<String>,
}

impl Store {
    pub async fn evidence(&self, id: Uuid) -> anyhow::Result<Option<StoredEvidence>> {
        let row = sqlx::query(
            "SELECT a.body, r.report, r.evidence, r.policy_version, p.params FROM applications a \
             JOIN reports r ON r.application_id = a.id \
             LEFT JOIN policy_versions p ON p.version = r.policy_version WHERE a.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .context("Failed to read evidence")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredEvidence {
            body_json: row.try_get("body")?,
            report_json: row.try_get("report")?,
            evidence_json: row.try_get("evidence")?,
            policy_version: row.try_get("policy_version")?,
            policy_params_json: row.try_get("params")?,
        }))
    }

    /// Purges the evidence (personal data) of reports older than `retention_ms`; the
    /// verdict and report stay. Returns how many were purged.
    pub async fn purge_evidence_older_than(&self, retention_ms: i64) -> anyhow::Result<u64> {
        let now = now_ms();
        let purged = sqlx::query(
            "UPDATE reports SET evidence = NULL, evidence_purged_at = $1 \
             WHERE evidence IS NOT NULL AND created_at < $2",
        )
        .bind(now)
        .bind(now - retention_ms)
        .execute(&self.pool)
        .await
        .context("Failed to purge evidence")?;
        Ok(purged.rows_affected())
    }

    /// Erases, inside `unit`, the raw personal data of finished applications submitted
    /// before `cutoff_ms`: the stored body (names, ID numbers) goes; the masked applicant,
    /// the members' pseudonyms, the verdict and the report stay. Returns how many.
    pub async fn erase_applications_before(
        &self,
        unit: &mut super::UnitOfWork,
        cutoff_ms: i64,
    ) -> super::StoreResult<u64> {
        let erased = sqlx::query(
            "UPDATE applications SET body = '', erased_at = $1, updated_at = $1 \
             WHERE erased_at IS NULL AND submitted_at < $2 AND status IN ('completed', 'failed')",
        )
        .bind(now_ms())
        .bind(cutoff_ms)
        .execute(&mut **unit.tx())
        .await
        .context("Failed to erase applications past their retention")?;
        Ok(erased.rows_affected())
    }

    /// Forgets idempotency keys past their expiry.
    pub async fn purge_expired_idempotency_keys(&self) -> anyhow::Result<u64> {
        let purged = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at < $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .context("Failed to purge idempotency keys")?;
        Ok(purged.rows_affected())
    }
}
