//! Officers' review decisions: the rows only. Which decision may follow which is the
//! review use case's rule (`service::review`), not the store's.

use super::{Store, StoreError, StoreResult, UnitOfWork, now_ms};
use anyhow::Context;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// An officer's review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ReviewDecision)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    /// Sends the application back: it may be decided again.
    Return,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Self::Approve, Self::Reject, Self::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Return => "return",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub decision: Decision,
    pub note: String,
    pub officer: String,
    pub decided_at_ms: i64,
}

impl Store {
    /// Every decision on `id`, oldest first.
    pub async fn reviews(&self, id: Uuid) -> StoreResult<Vec<Review>> {
        let rows = sqlx::query(
            "SELECT decision, note, officer_sub, decided_at FROM reviews WHERE application_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context("Failed to read reviews")?;
        rows.iter().map(|row| review_from_row(id, row)).collect()
    }

    /// The latest decision on `id` with its position, read inside `unit` after locking the
    /// application's row, so that two racing decisions on the same state queue up here.
    pub async fn last_review_for_update(
        &self,
        unit: &mut UnitOfWork,
        id: Uuid,
    ) -> StoreResult<(i64, Option<Review>)> {
        let id_text = id.to_string();
        // Write first: on PostgreSQL this locks the application's row until the unit ends.
        sqlx::query("UPDATE applications SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(&id_text)
            .execute(&mut **unit.tx())
            .await
            .context("Failed to lock the application for a review")?;
        let last = sqlx::query(
            "SELECT seq, decision, note, officer_sub, decided_at FROM reviews WHERE application_id = $1 \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(&id_text)
        .fetch_optional(&mut **unit.tx())
        .await
        .context("Failed to read the last review")?;
        match last {
            Some(row) => Ok((row.try_get("seq")?, Some(review_from_row(id, &row)?))),
            None => Ok((0, None)),
        }
    }

    /// Writes decision number `seq` on `id` inside `unit`; the (application, seq) key
    /// refuses a second decision at the same position.
    pub async fn insert_review(
        &self,
        unit: &mut UnitOfWork,
        id: Uuid,
        seq: i64,
        review: &Review,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO reviews (application_id, seq, decision, note, officer_sub, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(seq)
        .bind(review.decision.as_str())
        .bind(&review.note)
        .bind(&review.officer)
        .bind(review.decided_at_ms)
        .execute(&mut **unit.tx())
        .await?;
        Ok(())
    }
}

fn review_from_row(id: Uuid, row: &AnyRow) -> StoreResult<Review> {
    let decision: String = row.try_get("decision")?;
    Ok(Review {
        decision: Decision::parse(&decision)
            .ok_or_else(|| StoreError::corrupt("reviews", id, format!("decision {decision:?}")))?,
        note: row.try_get("note")?,
        officer: row.try_get("officer_sub")?,
        decided_at_ms: row.try_get("decided_at")?,
    })
}
