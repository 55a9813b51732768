//! Consents as recorded at intake, their usage and revocation. Their use by the broker
//! is the ledger's (`ledger.rs`).

use super::{Store, StoreResult, UnitOfWork, now_ms};
use crate::cache::Pseudonymizer;
use crate::domain::Application;
use anyhow::Context;
use sqlx::{Any, Row, Transaction};
use time::format_description::well_known::Rfc3339;

/// A consent as kept by the hub: the person only as a pseudonym.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: String,
    pub subject: String,
    /// Comma-separated agency names.
    pub agencies: String,
    pub purpose: String,
    pub signed_at: String,
    pub expires_at: String,
    pub evidence_ref: String,
}

impl ConsentRecord {
    /// The records of an application's consents: the person as a pseudonym only.
    pub fn of_application(application: &Application, pseudonymizer: &Pseudonymizer) -> Vec<Self> {
        application
            .consents
            .iter()
            .map(|c| Self {
                id: c.id.clone(),
                subject: pseudonymizer.pseudonym(&c.id_number),
                agencies: c.agencies.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(","),
                purpose: c.purpose.as_str().to_owned(),
                signed_at: c.signed_at.format(&Rfc3339).unwrap_or_default(),
                expires_at: c.expires_at.format(&Rfc3339).unwrap_or_default(),
                evidence_ref: c.evidence_ref.clone(),
            })
            .collect()
    }
}

/// Records an application's consents inside its intake transaction (a consent already on
/// record for the same caller, id and person is kept as it is, revocation included).
pub(super) async fn record_consents(
    tx: &mut Transaction<'static, Any>,
    caller_sub: &str,
    consents: &[ConsentRecord],
) -> anyhow::Result<()> {
    let now = now_ms();
    for consent in consents {
        sqlx::query(
            "INSERT INTO consents (id, caller_sub, subject, agencies, purpose, signed_at, expires_at, evidence_ref, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (caller_sub, id, subject) DO NOTHING",
        )
        .bind(&consent.id)
        .bind(caller_sub)
        .bind(&consent.subject)
        .bind(&consent.agencies)
        .bind(&consent.purpose)
        .bind(&consent.signed_at)
        .bind(&consent.expires_at)
        .bind(&consent.evidence_ref)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("Failed to record a consent")?;
    }
    Ok(())
}

/// A consent on record, and whether it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedConsent {
    pub record: ConsentRecord,
    pub revoked: bool,
}

impl Store {
    /// What `caller_sub` recorded before under any of `ids`, read inside the intake `unit`.
    pub async fn recorded_consents(
        &self,
        unit: &mut UnitOfWork,
        caller_sub: &str,
        ids: &[&str],
    ) -> StoreResult<Vec<RecordedConsent>> {
        let mut recorded = Vec::new();
        for id in ids {
            let rows = sqlx::query(
                "SELECT id, subject, agencies, purpose, signed_at, expires_at, evidence_ref, revoked_at \
                 FROM consents WHERE caller_sub = $1 AND id = $2",
            )
            .bind(caller_sub)
            .bind(*id)
            .fetch_all(&mut **unit.tx())
            .await
            .context("Failed to read recorded consents")?;
            for row in rows {
                let record = ConsentRecord {
                    id: row.try_get("id")?,
                    subject: row.try_get("subject")?,
                    agencies: row.try_get("agencies")?,
                    purpose: row.try_get("purpose")?,
                    signed_at: row.try_get("signed_at")?,
                    expires_at: row.try_get("expires_at")?,
                    evidence_ref: row.try_get("evidence_ref")?,
                };
                recorded.push(RecordedConsent {
                    record,
                    revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                });
            }
        }
        Ok(recorded)
    }

    /// Revokes `caller_sub`'s consent `id` inside `unit`. Returns the subjects of the
    /// consent (revoked now or before); an unknown id gives `None`.
    pub async fn revoke_consent(
        &self,
        unit: &mut UnitOfWork,
        caller_sub: &str,
        id: &str,
        by: &str,
    ) -> StoreResult<Option<Vec<String>>> {
        sqlx::query(
            "UPDATE consents SET revoked_at = $1, revoked_by = $2 \
             WHERE caller_sub = $3 AND id = $4 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(by)
        .bind(caller_sub)
        .bind(id)
        .execute(&mut **unit.tx())
        .await
        .context("Failed to revoke a consent")?;
        let rows = sqlx::query("SELECT subject FROM consents WHERE caller_sub = $1 AND id = $2")
            .bind(caller_sub)
            .bind(id)
            .fetch_all(&mut **unit.tx())
            .await
            .context("Failed to read a consent")?;
        if rows.is_empty() {
            return Ok(None);
        }
        let subjects =
            rows.iter().map(|r| r.try_get::<String, _>("subject")).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(subjects))
    }

    /// How many queries were made under a consent of `caller_sub` (all its persons).
    pub async fn consent_usage(&self, caller_sub: &str, id: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT CAST(SUM(usage_count) AS BIGINT) AS usage_count FROM consents WHERE caller_sub = $1 AND id = $2 HAVING COUNT(*) > 0")
            .bind(caller_sub)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read a consent")?;
        Ok(row.map(|r| r.try_get("usage_count")).transpose()?)
    }
}
