//! Consents as recorded at intake, their usage, revocation, and the broker's ledger:
//! consent check plus audit row, in one transaction, before any query is sent.

use super::audit::append_rows;
use super::{Store, now_ms};
use crate::audit::{AuditEvent, actions};
use crate::broker::{PlannedQuery, QueryContext, QueryLedger};
use crate::cache::Pseudonymizer;
use crate::domain::Application;
use anyhow::Context;
use futures::future::BoxFuture;
use sqlx::{Any, Row, Transaction};
use time::format_description::well_known::Rfc3339;

/// A consent as kept by the hub: the person only as a pseudonym.
#[derive(Debug, Clone)]
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

/// The outcome of a consent being used for one planned query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryPermit {
    Authorized,
    NoConsent,
    Revoked,
}

impl QueryPermit {
    fn outcome(self) -> &'static str {
        match self {
            Self::Authorized => "authorized",
            Self::NoConsent => "refused_no_consent",
            Self::Revoked => "refused_consent_revoked",
        }
    }
}

const ATTEMPTS: usize = 5;

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

impl Store {
    /// Revokes consent `id` (only the caller's own when `owner` is given). Returns the
    /// subjects whose consent was revoked now; an unknown id gives `None`.
    pub async fn revoke_consent(
        &self,
        id: &str,
        owner: Option<&str>,
        by: &str,
    ) -> anyhow::Result<Option<Vec<String>>> {
        let rows = sqlx::query(
            "SELECT subject, revoked_at FROM consents WHERE id = $1 AND ($2 IS NULL OR caller_sub = $2)",
        )
        .bind(id)
        .bind(owner)
        .fetch_all(&self.pool)
        .await
        .context("Failed to read a consent")?;
        if rows.is_empty() {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE consents SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND ($4 IS NULL OR caller_sub = $4) AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(by)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await
        .context("Failed to revoke a consent")?;
        let subjects =
            rows.iter().map(|r| r.try_get::<String, _>("subject")).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(subjects))
    }

    /// How many queries were made under a consent of `caller_sub` (all its persons).
    pub async fn consent_usage(&self, caller_sub: &str, id: &str) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query("SELECT CAST(SUM(usage_count) AS BIGINT) AS usage_count FROM consents WHERE caller_sub = $1 AND id = $2 HAVING COUNT(*) > 0")
            .bind(caller_sub)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read a consent")?;
        row.map(|r| r.try_get("usage_count").map_err(anyhow::Error::from)).transpose()
    }

    async fn try_authorize(
        &self,
        context: &QueryContext,
        planned: &[PlannedQuery],
    ) -> anyhow::Result<Vec<bool>> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        self.lock_chain(&mut tx).await?;
        let mut permits = Vec::with_capacity(planned.len());
        for query in planned {
            let permit = match &query.consent_id {
                None => QueryPermit::NoConsent,
                Some(consent_id) => {
                    let used = sqlx::query(
                        "UPDATE consents SET usage_count = usage_count + 1 \
                         WHERE caller_sub = $1 AND id = $2 AND subject = $3 AND revoked_at IS NULL",
                    )
                    .bind(&context.caller_sub)
                    .bind(consent_id)
                    .bind(&query.subject)
                    .execute(&mut *tx)
                    .await
                    .context("Failed to count consent usage")?;
                    if used.rows_affected() == 1 { QueryPermit::Authorized } else { QueryPermit::Revoked }
                }
            };
            permits.push(permit);
        }
        let events: Vec<AuditEvent> = planned
            .iter()
            .zip(&permits)
            .map(|(query, permit)| AuditEvent {
                actor_sub: context.caller_sub.clone(),
                actor_role: "system".into(),
                action: actions::AGENCY_QUERY,
                application_id: Some(context.application_id.clone()),
                subject: Some(query.subject.clone()),
                agency: Some(query.agency.as_str().to_owned()),
                consent_id: query.consent_id.clone(),
                outcome: permit.outcome().to_owned(),
            })
            .collect();
        append_rows(&mut tx, &events).await?;
        tx.commit().await.context("Failed to commit the audit of queries")?;
        Ok(permits.into_iter().map(|p| p == QueryPermit::Authorized).collect())
    }
}

impl QueryLedger for Store {
    fn authorize<'a>(
        &'a self,
        context: &'a QueryContext,
        planned: &'a [PlannedQuery],
    ) -> BoxFuture<'a, anyhow::Result<Vec<bool>>> {
        Box::pin(async move {
            let _serialized = self.audit_lock.lock().await;
            let mut last_error = None;
            for _ in 0..ATTEMPTS {
                match self.try_authorize(context, planned).await {
                    Ok(permits) => return Ok(permits),
                    Err(error) => last_error = Some(error),
                }
            }
            Err(last_error.unwrap_or_else(|| anyhow::anyhow!("could not record the queries")))
        })
    }

    fn still_permitted<'a>(
        &'a self,
        context: &'a QueryContext,
        planned: &'a PlannedQuery,
    ) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let Some(consent_id) = &planned.consent_id else { return false };
            let row = sqlx::query(
                "SELECT revoked_at FROM consents WHERE caller_sub = $1 AND id = $2 AND subject = $3",
            )
            .bind(&context.caller_sub)
            .bind(consent_id)
            .bind(&planned.subject)
            .fetch_optional(&self.pool)
            .await;
            // Unreadable means unknown: do not query (fail closed).
            matches!(row, Ok(Some(row)) if row.try_get::<Option<i64>, _>("revoked_at").ok().flatten().is_none())
        })
    }
}
