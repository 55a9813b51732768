//! Renewing a registered household's consents, inside the renewal use case's unit of
//! work: the new consents are recorded, they replace the consents of the stored
//! application the re-checks are made with, and a household waiting for them
//! (`needs_new_consent`) is put back on the schedule. The use case audits it in the same
//! unit: either all of it is stored or none.

use super::{Beneficiary, COLUMNS, from_row};
use crate::domain::{Application, Consent};
use crate::store::consents::record_consents;
use crate::store::{ConsentRecord, Store, UnitOfWork, now_ms};
use anyhow::Context;
use sqlx::{Any, Transaction};

/// What a renewal stores.
pub struct ConsentRenewal<'a> {
    pub beneficiary_id: &'a str,
    /// The checked consents, as they go into the stored application.
    pub consents: &'a [Consent],
    /// The same consents as recorded (`records[i]` is `consents[i]`).
    pub records: &'a [ConsentRecord],
}

impl Store {
    /// Renews the consents of `beneficiary` (read in the same unit) inside `unit`;
    /// returns it as stored afterwards.
    pub async fn renew_consents(
        &self,
        unit: &mut UnitOfWork,
        beneficiary: &Beneficiary,
        renewal: &ConsentRenewal<'_>,
    ) -> anyhow::Result<Beneficiary> {
        let now = now_ms();
        let tx = unit.tx();
        // Under the registration's intake system, whoever renews: the re-checks query (and
        // look for revocations) under its consents.
        record_consents(tx, &beneficiary.caller_sub, renewal.records).await?;
        let mut application: Application =
            serde_json::from_str(&beneficiary.body_json).context("stored beneficiary body unreadable")?;
        application.consents = renewal.consents.to_vec();
        sqlx::query(
            "UPDATE beneficiaries SET body = $1, updated_at = $2, \
             status = CASE WHEN status = 'needs_new_consent' THEN 'active' ELSE status END WHERE id = $3",
        )
        .bind(serde_json::to_string(&application)?)
        .bind(now)
        .bind(renewal.beneficiary_id)
        .execute(&mut **tx)
        .await
        .context("Failed to renew a beneficiary's consents")?;
        if beneficiary.status == "needs_new_consent" {
            reopen_batch_items(tx, renewal.beneficiary_id, now).await?;
        }
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM beneficiaries WHERE id = $1")))
                .bind(renewal.beneficiary_id)
                .fetch_one(&mut **tx)
                .await
                .context("Failed to read a beneficiary")?;
        from_row(&row)
    }
}

/// A batch that refused the household for want of a consent takes it again when run
/// again: it was never re-checked there, and now it can be.
async fn reopen_batch_items(
    tx: &mut Transaction<'static, Any>,
    beneficiary_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE recheck_batch_items SET status = 'pending', outcome = NULL, updated_at = $1 \
         WHERE beneficiary_id = $2 AND status = 'done' AND outcome = 'needs_new_consent'",
    )
    .bind(now)
    .bind(beneficiary_id)
    .execute(&mut **tx)
    .await
    .context("Failed to reopen a re-check")?;
    Ok(())
}
