//! Officers' review decisions on completed applications.

use super::{Store, now_ms};
use anyhow::Context;
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub decision: String,
    pub note: String,
    pub officer: String,
    pub decided_at_ms: i64,
}

/// Why a decision was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// Approved or rejected already; only `return` may follow.
    AlreadyDecided(String),
}

impl Store {
    pub async fn reviews(&self, id: Uuid) -> anyhow::Result<Vec<Review>> {
        let rows = sqlx::query(
            "SELECT decision, note, officer_sub, decided_at FROM reviews WHERE application_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context("Failed to read reviews")?;
        rows.iter()
            .map(|r| {
                Ok(Review {
                    decision: r.try_get("decision")?,
                    note: r.try_get("note")?,
                    officer: r.try_get("officer_sub")?,
                    decided_at_ms: r.try_get("decided_at")?,
                })
            })
            .collect()
    }

    /// Records a decision unless the application is already approved or rejected and the
    /// decision is not a `return`. The (application, seq) key makes two racing officers'
    /// decisions on the same state impossible: one of them fails and must look again.
    ///
    /// An approval registers the household with `applicant_subject` (the pseudonym of the
    /// applicant's ID number): a household already on the registry for the programme and
    /// intake system is then not registered a second time.
    pub async fn record_review(
        &self,
        id: Uuid,
        decision: &str,
        note: &str,
        officer: &str,
        applicant_subject: Option<&str>,
    ) -> anyhow::Result<Result<Review, ReviewRefusal>> {
        let id_text = id.to_string();
        let now = now_ms();
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        // Write first: on SQLite this takes the write lock now (a read that later turns into
        // a write fails with "database is locked" when another write came in between); on
        // PostgreSQL it locks the application's row, so racing reviews queue up here.
        sqlx::query("UPDATE applications SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id_text)
            .execute(&mut *tx)
            .await
            .context("Failed to lock the application for a review")?;
        let last = sqlx::query(
            "SELECT seq, decision FROM reviews WHERE application_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&id_text)
        .fetch_optional(&mut *tx)
        .await
        .context("Failed to read the last review")?;
        let (seq, last_decision): (i64, Option<String>) = match last {
            Some(row) => (row.try_get("seq")?, Some(row.try_get("decision")?)),
            None => (0, None),
        };
        if let Some(previous) = last_decision.filter(|d| d != "return")
            && decision != "return"
        {
            tx.rollback().await.context("Failed to roll back")?;
            return Ok(Err(ReviewRefusal::AlreadyDecided(previous)));
        }
        sqlx::query(
            "INSERT INTO reviews (application_id, seq, decision, note, officer_sub, decided_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id_text)
        .bind(seq + 1)
        .bind(decision)
        .bind(note)
        .bind(officer)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("Failed to record a review")?;
        if decision == "approve" {
            // Here rather than in the handlers, so the API and the officers' pages both register.
            super::beneficiaries::register_approved(&mut tx, &id_text, applicant_subject).await?;
        }
        tx.commit().await.context("Failed to commit a review")?;
        Ok(Ok(Review {
            decision: decision.into(),
            note: note.into(),
            officer: officer.into(),
            decided_at_ms: now,
        }))
    }
}
