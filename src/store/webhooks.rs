//! Webhook deliveries: claimed with a lease like jobs, every attempt recorded.

use super::applications::parse_id;
use super::{Store, now_ms};
use anyhow::Context;
use sqlx::Row;
use std::time::Duration;
use uuid::Uuid;

/// A callback that is due, with the finished application's id.
#[derive(Debug, Clone)]
pub struct DueWebhook {
    pub application_id: Uuid,
    pub url: String,
    pub attempts: i64,
    pub created_at_ms: i64,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Store {
    /// Claims one due pending webhook for `lease`.
    pub async fn claim_due_webhook(
        &self,
        worker: &str,
        lease: Duration,
    ) -> anyhow::Result<Option<DueWebhook>> {
        let now = now_ms();
        let claimable = "(state = 'pending' AND next_attempt_at <= $3 AND (lease_expires_at IS NULL OR lease_expires_at < $3))";
        let sql = format!(
            "UPDATE webhooks SET lease_owner = $1, lease_expires_at = $2, updated_at = $3 \
             WHERE application_id = (SELECT application_id FROM webhooks WHERE {claimable} \
                                     ORDER BY next_attempt_at LIMIT 1) AND {claimable} \
             RETURNING application_id, url, attempts, created_at"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease.as_millis() as i64)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .context("Failed to claim a webhook")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(DueWebhook {
            application_id: parse_id(&row.try_get::<String, _>("application_id")?)?,
            url: row.try_get("url")?,
            attempts: row.try_get("attempts")?,
            created_at_ms: row.try_get("created_at")?,
        }))
    }

    /// Records an attempt and the webhook's next state: delivered, retry at `next_attempt_ms`,
    /// or given up (`next_attempt_ms` = None without success).
    pub async fn record_webhook_attempt(
        &self,
        id: Uuid,
        attempt: &WebhookAttempt,
        delivered: bool,
        next_attempt_ms: Option<i64>,
    ) -> anyhow::Result<()> {
        let now = now_ms();
        let id_text = id.to_string();
        let state = match (delivered, next_attempt_ms) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "gave_up",
        };
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        // Write first (a SQLite read that later turns into a write can fail with "database
        // is locked"); the new attempt number comes back from the update.
        let number: i64 = sqlx::query(
            "UPDATE webhooks SET state = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
               lease_owner = NULL, lease_expires_at = NULL, updated_at = $4 WHERE application_id = $5 \
             RETURNING attempts",
        )
        .bind(state)
        .bind(next_attempt_ms.unwrap_or(now))
        .bind(attempt.error.as_deref())
        .bind(now)
        .bind(&id_text)
        .fetch_one(&mut *tx)
        .await
        .context("Failed to update a webhook")?
        .try_get("attempts")?;
        sqlx::query(
            "INSERT INTO webhook_attempts (application_id, attempt, attempted_at, status_code, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id_text)
        .bind(number)
        .bind(now)
        .bind(attempt.status_code.map(i64::from))
        .bind(attempt.error.as_deref())
        .bind(attempt.duration_ms)
        .execute(&mut *tx)
        .await
        .context("Failed to record a webhook attempt")?;
        tx.commit().await.context("Failed to commit a webhook attempt")?;
        Ok(())
    }

    /// Every attempt of one application's webhook, oldest first: (attempt, status, error).
    pub async fn webhook_attempts(
        &self,
        id: Uuid,
    ) -> anyhow::Result<Vec<(i64, Option<i64>, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT attempt, status_code, error FROM webhook_attempts WHERE application_id = $1 ORDER BY attempt",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context("Failed to read webhook attempts")?;
        rows.iter()
            .map(|row| Ok((row.try_get("attempt")?, row.try_get("status_code")?, row.try_get("error")?)))
            .collect()
    }

    /// The state of one application's webhook, if it has one.
    pub async fn webhook_state(&self, id: Uuid) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT state FROM webhooks WHERE application_id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read a webhook")?;
        row.map(|r| r.try_get("state").map_err(anyhow::Error::from)).transpose()
    }
}
