//! The beneficiary registry: households receiving assistance, registered when an officer
//! approves their report (or imported from a roll), and the re-check batches over them.
//!
//! A household is registered once per intake system and programme while it is on the
//! registry (`applicant_subject`, see `import.rs`); its consents are renewed in place
//! (`renewal.rs`).

mod import;
mod renewal;

pub use import::Registration;
pub use renewal::ConsentRenewal;

use super::{ConsentRecord, Store, now_ms};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A registered household.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Beneficiary {
    pub id: String,
    pub program: String,
    pub region: String,
    #[serde(skip)]
    pub caller_sub: String,
    pub applicant_masked: String,
    pub category: String,
    /// Monthly benefit, a two-decimal string.
    pub benefit: Option<String>,
    /// YYYY-MM-DD.
    pub recheck_due: String,
    pub poverty_relief: bool,
    /// `active`, `graduating`, `ineligible`, `needs_review` or `needs_new_consent`.
    pub status: String,
    /// The checked application the household is re-checked with (personal data).
    #[serde(skip)]
    pub body_json: String,
    pub last_application_id: Option<String>,
    pub last_verdict: Option<String>,
}

/// What an import (or a registration) writes.
pub struct NewBeneficiary<'a> {
    pub id: &'a str,
    pub program: &'a str,
    pub region: &'a str,
    pub caller_sub: &'a str,
    pub applicant_masked: &'a str,
    pub category: &'a str,
    pub benefit: Option<&'a str>,
    pub recheck_due: &'a str,
    pub poverty_relief: bool,
    pub body_json: &'a str,
    pub consents: &'a [ConsentRecord],
}

/// Which beneficiaries a listing or a batch takes. Empty prefixes mean every region.
#[derive(Debug, Clone, Default)]
pub struct BeneficiaryFilter {
    pub region_prefixes: Vec<String>,
    /// Due before this date (YYYY-MM-DD).
    pub due_before: Option<String>,
    /// Only households on the re-check schedule (not ineligible, not waiting for a new consent).
    pub recheckable: bool,
    pub limit: u32,
}

/// The outcome of re-checking one household, written with its batch item.
#[derive(Debug, Clone)]
pub struct RecheckOutcome {
    pub application_id: String,
    pub status: String,
    pub verdict: String,
    pub category: Option<String>,
    pub benefit: Option<String>,
    pub recheck_due: String,
    /// `old->new` verdicts, for the batch summary.
    pub outcome: String,
}

/// One household of a batch.
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub beneficiary_id: String,
    pub done: bool,
    pub application_id: Option<String>,
    pub outcome: Option<String>,
}

const COLUMNS: &str = "id, program, region, caller_sub, applicant_masked, category, benefit, recheck_due, \
                       poverty_relief, status, body, last_application_id, last_verdict";

impl Store {
    /// Imports a household from an existing roll with its consents.
    ///
    /// No applicant pseudonym is kept, so nothing is checked against other registrations:
    /// for bulk loads (benchmarks). The API imports with [`Store::import_beneficiary`].
    pub async fn insert_beneficiary(&self, new: &NewBeneficiary<'_>) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        insert(&mut tx, new, None, None).await?;
        super::consents::record_consents(&mut tx, new.caller_sub, new.consents).await?;
        tx.commit().await.context("Failed to commit a beneficiary")?;
        Ok(())
    }

    pub async fn beneficiary(&self, id: &str) -> anyhow::Result<Option<Beneficiary>> {
        let sql = format!("SELECT {COLUMNS} FROM beneficiaries WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read a beneficiary")?;
        row.as_ref().map(from_row).transpose()
    }

    /// Soonest due first.
    pub async fn list_beneficiaries(&self, filter: &BeneficiaryFilter) -> anyhow::Result<Vec<Beneficiary>> {
        let mut sql = format!("SELECT {COLUMNS} FROM beneficiaries WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        if !filter.region_prefixes.is_empty() {
            let clauses: Vec<String> = filter
                .region_prefixes
                .iter()
                .map(|prefix| {
                    binds.push(format!("{prefix}%"));
                    format!("region LIKE ${}", binds.len())
                })
                .collect();
            sql.push_str(&format!(" AND ({})", clauses.join(" OR ")));
        }
        if let Some(due) = &filter.due_before {
            binds.push(due.clone());
            sql.push_str(&format!(" AND recheck_due < ${}", binds.len()));
        }
        if filter.recheckable {
            sql.push_str(" AND status IN ('active', 'graduating', 'needs_review')");
        }
        sql.push_str(&format!(" ORDER BY recheck_due, id LIMIT {}", filter.limit.max(1)));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query.fetch_all(&self.pool).await.context("Failed to list beneficiaries")?;
        rows.iter().map(from_row).collect()
    }

    /// Adds households to a batch; those already in it (done or not) are kept as they are.
    pub async fn enqueue_batch(&self, batch_id: &str, beneficiary_ids: &[String]) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        for id in beneficiary_ids {
            sqlx::query(
                "INSERT INTO recheck_batch_items (batch_id, beneficiary_id, status, updated_at) \
                 VALUES ($1, $2, 'pending', $3) ON CONFLICT (batch_id, beneficiary_id) DO NOTHING",
            )
            .bind(batch_id)
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .context("Failed to enqueue a re-check")?;
        }
        tx.commit().await.context("Failed to commit a batch")?;
        Ok(())
    }

    pub async fn batch_items(&self, batch_id: &str) -> anyhow::Result<Vec<BatchItem>> {
        let rows = sqlx::query(
            "SELECT beneficiary_id, status, application_id, outcome FROM recheck_batch_items \
             WHERE batch_id = $1 ORDER BY beneficiary_id",
        )
        .bind(batch_id)
        .fetch_all(&self.pool)
        .await
        .context("Failed to read a batch")?;
        rows.iter()
            .map(|r| {
                Ok(BatchItem {
                    beneficiary_id: r.try_get("beneficiary_id")?,
                    done: r.try_get::<String, _>("status")? == "done",
                    application_id: r.try_get("application_id")?,
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect()
    }

    /// Takes over an unfinished re-check of an interrupted run. Returns false when it is
    /// already final.
    pub async fn retake_recheck(
        &self,
        application_id: &str,
        owner: &str,
        lease_ms: i64,
    ) -> anyhow::Result<bool> {
        let now = now_ms();
        let taken = sqlx::query(
            "UPDATE applications SET status = 'running', lease_owner = $1, lease_expires_at = $2, \
             attempts = attempts + 1, updated_at = $3 WHERE id = $4 AND status IN ('queued', 'running')",
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(application_id)
        .execute(&self.pool)
        .await
        .context("Failed to take over a re-check")?;
        Ok(taken.rows_affected() == 1)
    }

    /// A re-check refused for want of a valid consent: the household is flagged for a new
    /// authorization and nothing is queried.
    pub async fn flag_needs_new_consent(&self, batch_id: &str, beneficiary_id: &str) -> anyhow::Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        sqlx::query("UPDATE beneficiaries SET status = 'needs_new_consent', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(beneficiary_id)
            .execute(&mut *tx)
            .await
            .context("Failed to flag a beneficiary")?;
        close_item(&mut tx, batch_id, beneficiary_id, "needs_new_consent", now).await?;
        tx.commit().await.context("Failed to commit a flag")?;
        Ok(())
    }

    /// Whether any of the given (consent id, subject) consents of `caller_sub` was revoked.
    pub async fn any_consent_revoked(
        &self,
        caller_sub: &str,
        consents: &[(String, String)],
    ) -> anyhow::Result<bool> {
        if consents.is_empty() {
            return Ok(false);
        }
        // One statement for the whole household.
        let pairs: Vec<String> = (0..consents.len())
            .map(|n| format!("(id = ${} AND subject = ${})", 2 * n + 2, 2 * n + 3))
            .collect();
        let sql = format!(
            "SELECT 1 AS revoked FROM consents WHERE caller_sub = $1 AND revoked_at IS NOT NULL AND ({}) LIMIT 1",
            pairs.join(" OR ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(caller_sub);
        for (id, subject) in consents {
            query = query.bind(id).bind(subject);
        }
        let row = query.fetch_optional(&self.pool).await.context("Failed to read the consents")?;
        Ok(row.is_some())
    }

    /// Takes (or renews) the lease `name` for `owner`; false while another owner holds it.
    pub async fn acquire_lease(&self, name: &str, owner: &str, ttl_ms: i64) -> anyhow::Result<bool> {
        let now = now_ms();
        let taken = sqlx::query(
            "INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
             WHERE leases.owner = excluded.owner OR leases.expires_at < $4",
        )
        .bind(name)
        .bind(owner)
        .bind(now + ttl_ms)
        .bind(now)
        .execute(&self.pool)
        .await
        .context("Failed to take a lease")?;
        Ok(taken.rows_affected() == 1)
    }

    pub async fn release_lease(&self, name: &str, owner: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.pool)
            .await
            .context("Failed to release a lease")?;
        Ok(())
    }
}

impl Store {
    /// Registers the household of an approved application inside the review's `unit`
    /// (which decides whether it registers at all): an application registers at most once,
    /// and with the applicant's pseudonym a household already on the registry for the
    /// programme and intake system keeps its registration. Returns whether it registered.
    pub async fn register_approval(
        &self,
        unit: &mut super::UnitOfWork,
        new: &NewBeneficiary<'_>,
        source_application: &str,
        verdict: &str,
        applicant_subject: Option<&str>,
    ) -> anyhow::Result<bool> {
        insert(unit.tx(), new, Some((source_application, verdict)), applicant_subject).await
    }
}

/// Inserts unless a unique index refuses it (the same source application, or the same
/// applicant already on the registry): returns whether the row was inserted.
async fn insert(
    tx: &mut Transaction<'static, Any>,
    new: &NewBeneficiary<'_>,
    source: Option<(&str, &str)>,
    applicant_subject: Option<&str>,
) -> anyhow::Result<bool> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO beneficiaries (id, program, region, caller_sub, applicant_masked, category, benefit, \
         recheck_due, poverty_relief, status, body, source_application_id, last_application_id, last_verdict, \
         created_at, updated_at, applicant_subject) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $11, $12, $13, $13, $14) \
         ON CONFLICT DO NOTHING",
    )
    .bind(new.id)
    .bind(new.program)
    .bind(new.region)
    .bind(new.caller_sub)
    .bind(new.applicant_masked)
    .bind(new.category)
    .bind(new.benefit)
    .bind(new.recheck_due)
    .bind(i64::from(new.poverty_relief))
    .bind(new.body_json)
    .bind(source.map(|(application, _)| application))
    .bind(source.map(|(_, verdict)| verdict))
    .bind(now)
    .bind(applicant_subject)
    .execute(&mut **tx)
    .await
    .context("Failed to register a beneficiary")?;
    Ok(inserted.rows_affected() == 1)
}

pub(super) async fn close_item(
    tx: &mut Transaction<'static, Any>,
    batch_id: &str,
    beneficiary_id: &str,
    outcome: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE recheck_batch_items SET status = 'done', outcome = $1, updated_at = $2 \
         WHERE batch_id = $3 AND beneficiary_id = $4",
    )
    .bind(outcome)
    .bind(now)
    .bind(batch_id)
    .bind(beneficiary_id)
    .execute(&mut **tx)
    .await
    .context("Failed to close a batch item")?;
    Ok(())
}

fn from_row(row: &AnyRow) -> anyhow::Result<Beneficiary> {
    Ok(Beneficiary {
        id: row.try_get("id")?,
        program: row.try_get("program")?,
        region: row.try_get("region")?,
        caller_sub: row.try_get("caller_sub")?,
        applicant_masked: row.try_get("applicant_masked")?,
        category: row.try_get("category")?,
        benefit: row.try_get("benefit")?,
        recheck_due: row.try_get("recheck_due")?,
        poverty_relief: row.try_get::<i64, _>("poverty_relief")? != 0,
        status: row.try_get("status")?,
        body_json: row.try_get("body")?,
        last_application_id: row.try_get("last_application_id")?,
        last_verdict: row.try_get("last_verdict")?,
    })
}
