//! Renewing a registered household's consents (issue 9): in one transaction the new
//! consents are recorded, they replace the consents of the stored application the
//! re-checks are made with, a household waiting for them (`needs_new_consent`) is put back
//! on the schedule, and the renewal is audited. Either all of it is stored or none.

use super::{Beneficiary, COLUMNS, from_row};
use crate::audit::AuditEvent;
use crate::domain::{Application, Consent};
use crate::store::audit::append_rows;
use crate::store::consents::record_consents;
use crate::store::{ConsentRecord, Store, now_ms};
use anyhow::Context;
use sqlx::{Any, Row, Transaction};

/// What a renewal stores.
pub struct ConsentRenewal<'a> {
    pub beneficiary_id: &'a str,
    /// The checked consents, as they go into the stored application.
    pub consents: &'a [Consent],
    /// The same consents as recorded (`records[i]` is `consents[i]`).
    pub records: &'a [ConsentRecord],
    pub audit: &'a [AuditEvent],
}

/// Why a renewal stored nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalRefusal {
    UnknownBeneficiary,
    /// `consents[index]` reuses the id of a consent already on record for that person with
    /// other terms, or revoked: a new authorization needs an id of its own.
    ConsentOnRecord {
        index: usize,
        revoked: bool,
    },
}

impl Store {
    /// Renews the consents of a beneficiary; returns it as stored afterwards.
    pub async fn renew_consents(
        &self,
        renewal: &ConsentRenewal<'_>,
    ) -> anyhow::Result<Result<Beneficiary, RenewalRefusal>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        // The audit chain's lock first, as the query ledger takes it: holding no row yet,
        // this transaction can never be waited for by an audit writer it waits for
        // (PostgreSQL); on SQLite it takes the write lock before anything is read.
        self.lock_chain(&mut tx).await?;
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM beneficiaries WHERE id = $1")))
                .bind(renewal.beneficiary_id)
                .fetch_optional(&mut *tx)
                .await
                .context("Failed to read a beneficiary")?;
        let Some(beneficiary) = row.as_ref().map(from_row).transpose()? else {
            tx.rollback().await.context("Failed to roll back")?;
            return Ok(Err(RenewalRefusal::UnknownBeneficiary));
        };
        if let Some(refusal) = consent_on_record(&mut tx, &beneficiary.caller_sub, renewal.records).await? {
            tx.rollback().await.context("Failed to roll back")?;
            return Ok(Err(refusal));
        }
        // Under the registration's intake system, whoever renews: the re-checks query (and
        // look for revocations) under its consents.
        record_consents(&mut tx, &beneficiary.caller_sub, renewal.records).await?;
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
        .execute(&mut *tx)
        .await
        .context("Failed to renew a beneficiary's consents")?;
        if beneficiary.status == "needs_new_consent" {
            reopen_batch_items(&mut tx, renewal.beneficiary_id, now).await?;
        }
        append_rows(&mut tx, renewal.audit).await?;
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM beneficiaries WHERE id = $1")))
                .bind(renewal.beneficiary_id)
                .fetch_one(&mut *tx)
                .await
                .context("Failed to read a beneficiary")?;
        let renewed = from_row(&row)?;
        tx.commit().await.context("Failed to commit a consent renewal")?;
        Ok(Ok(renewed))
    }
}

/// The first consent whose (intake system, id, person) is on record already, revoked or
/// with other terms. The same consent sent again is fine: a renewal can be retried.
async fn consent_on_record(
    tx: &mut Transaction<'static, Any>,
    caller_sub: &str,
    records: &[ConsentRecord],
) -> anyhow::Result<Option<RenewalRefusal>> {
    for (index, record) in records.iter().enumerate() {
        let row = sqlx::query(
            "SELECT agencies, purpose, signed_at, expires_at, evidence_ref, revoked_at FROM consents \
             WHERE caller_sub = $1 AND id = $2 AND subject = $3",
        )
        .bind(caller_sub)
        .bind(&record.id)
        .bind(&record.subject)
        .fetch_optional(&mut **tx)
        .await
        .context("Failed to read a consent")?;
        let Some(row) = row else { continue };
        let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some();
        let same = row.try_get::<String, _>("agencies")? == record.agencies
            && row.try_get::<String, _>("purpose")? == record.purpose
            && row.try_get::<String, _>("signed_at")? == record.signed_at
            && row.try_get::<String, _>("expires_at")? == record.expires_at
            && row.try_get::<String, _>("evidence_ref")? == record.evidence_ref;
        if revoked || !same {
            return Ok(Some(RenewalRefusal::ConsentOnRecord { index, revoked }));
        }
    }
    Ok(None)
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
