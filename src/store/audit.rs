//! Appending to and reading the hash-chained audit log.

use super::{Backend, Store, StoreResult, now_ms};
use crate::audit::{AuditEvent, AuditRow, GENESIS_HASH, row_hash};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A key for PostgreSQL's advisory lock that serializes appends across processes.
const AUDIT_LOCK_KEY: i64 = 0x4855_4241_5544_4954;
/// Appends that lost a race on the chain's head (the unique prev_hash) are retried.
const APPEND_ATTEMPTS: usize = 5;

const COLUMNS: &str = "seq, at, actor_sub, actor_role, action, application_id, subject, agency, consent_id, outcome, prev_hash, hash";

impl Store {
    /// Appends `events` in one transaction, in order, extending the chain.
    pub async fn append_audit(&self, events: &[AuditEvent]) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // Within one process appends queue here, so SQLite never sees two at once.
        let _serialized = self.audit_lock.lock().await;
        let mut last_error = None;
        for _ in 0..APPEND_ATTEMPTS {
            match self.try_append(events).await {
                Ok(()) => return Ok(()),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("audit append failed")))
    }

    async fn try_append(&self, events: &[AuditEvent]) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("Failed to begin an audit transaction")?;
        self.lock_chain(&mut tx).await?;
        append_rows(&mut tx, events).await?;
        tx.commit().await.context("Failed to commit audit rows")?;
        Ok(())
    }

    /// Makes `tx` the only writer of the chain until it ends.
    pub(super) async fn lock_chain(&self, tx: &mut Transaction<'static, Any>) -> anyhow::Result<()> {
        match self.backend {
            Backend::Postgres => lock_chain_postgres(tx).await?,
            Backend::Sqlite => {
                // Take SQLite's write lock before reading the head, so no other writer can
                // commit between the read and the append.
                sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                    .execute(&mut **tx)
                    .await
                    .context("Failed to take the audit lock")?;
            }
        }
        Ok(())
    }

    /// Every row in chain order (for verification).
    pub async fn audit_rows(&self) -> anyhow::Result<Vec<AuditRow>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .context("Failed to read the audit log")?;
        rows.iter().map(audit_row).collect()
    }

    /// The recorded head of the chain.
    pub async fn audit_head(&self) -> anyhow::Result<Option<(i64, String)>> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read the audit head")?;
        row.map(|r| Ok((r.try_get("seq")?, r.try_get("hash")?))).transpose()
    }

    /// Rows about an application and/or a subject pseudonym, newest first (at most
    /// `limit`). With `regions`, only rows about applications of those region prefixes,
    /// and — when `subject` is a person of those regions (an applicant or member of an
    /// application there, or a household registered there) — that person's rows that name
    /// no application (revocations, renewals, registrations).
    pub async fn audit_search(
        &self,
        application_id: Option<&str>,
        subject: Option<&str>,
        regions: Option<&[String]>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>> {
        let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("l.{c}")).collect();
        let mut sql = format!(
            "SELECT {} FROM audit_log l WHERE ($1 IS NULL OR l.application_id = $1) AND ($2 IS NULL OR l.subject = $2)",
            columns.join(", ")
        );
        if let Some(regions) = regions {
            let in_regions = |column: &str| {
                // Prefixes are digits only (checked `RegionPrefix`es): safe to write inline.
                let clauses: Vec<String> = regions
                    .iter()
                    .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
                    .map(|r| format!("{column} LIKE '{r}%'"))
                    .collect();
                if clauses.is_empty() { "1 = 0".to_owned() } else { format!("({})", clauses.join(" OR ")) }
            };
            let person_in_scope = match subject {
                Some(subject) if subject.bytes().all(|b| b.is_ascii_hexdigit()) => format!(
                    "(EXISTS (SELECT 1 FROM applications a WHERE a.subjects LIKE '%{subject}%' AND {}) \
                     OR EXISTS (SELECT 1 FROM beneficiaries b WHERE b.applicant_subject = '{subject}' AND {}))",
                    in_regions("a.region"),
                    in_regions("b.region")
                ),
                _ => "1 = 0".to_owned(),
            };
            sql.push_str(&format!(
                " AND (EXISTS (SELECT 1 FROM applications a WHERE a.id = l.application_id AND {}) \
                 OR (l.application_id IS NULL AND {person_in_scope}))",
                in_regions("a.region")
            ));
        }
        sql.push_str(&format!(" ORDER BY l.seq DESC LIMIT {}", limit.clamp(1, 10_000)));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(application_id)
            .bind(subject)
            .fetch_all(&self.pool)
            .await
            .context("Failed to search the audit log")?;
        Ok(rows.iter().map(audit_row).collect::<anyhow::Result<_>>()?)
    }
}

/// PostgreSQL: the transaction-scoped advisory lock that serializes appends to the chain
/// across processes.
async fn lock_chain_postgres(tx: &mut Transaction<'static, Any>) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK_KEY)
        .execute(&mut **tx)
        .await
        .context("Failed to take the audit lock")?;
    Ok(())
}

/// Appends `events` after the current head inside `tx`, which holds the chain lock.
pub(super) async fn append_rows(
    tx: &mut Transaction<'static, Any>,
    events: &[AuditEvent],
) -> anyhow::Result<()> {
    let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .context("Failed to read the audit head")?;
    let (mut seq, mut prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>("seq")?, row.try_get::<String, _>("hash")?),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let at = now_ms();
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let mut row = AuditRow {
            seq,
            at,
            actor_sub: event.actor_sub.clone(),
            actor_role: event.actor_role.clone(),
            action: event.action.to_owned(),
            application_id: event.application_id.clone(),
            subject: event.subject.clone(),
            agency: event.agency.clone(),
            consent_id: event.consent_id.clone(),
            outcome: event.outcome.clone(),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
        };
        row.hash = row_hash(&prev_hash, &row);
        prev_hash.clone_from(&row.hash);
        rows.push(row);
    }
    // One statement per chunk, not per row: an application's fan-out audits a dozen
    // queries, and every statement is a round trip to the database.
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        insert_rows(tx, chunk).await?;
    }
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&prev_hash)
    .execute(&mut **tx)
    .await
    .context("Failed to record the audit head")?;
    Ok(())
}

/// Rows per multi-row INSERT. Small on purpose: sqlx binds each of a SQLite statement's
/// parameters by looking its name up in a list, which costs the square of the parameter
/// count; at 200 rows (2,400 parameters) that lookup was an eighth of a large batch's CPU.
const ROWS_PER_INSERT: usize = 25;

async fn insert_rows(tx: &mut Transaction<'static, Any>, rows: &[AuditRow]) -> anyhow::Result<()> {
    let placeholders: Vec<String> = (0..rows.len())
        .map(|r| {
            let first = r * 12;
            let row: Vec<String> = (1..=12).map(|c| format!("${}", first + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO audit_log ({COLUMNS}) VALUES {}", placeholders.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        query = query
            .bind(row.seq)
            .bind(row.at)
            .bind(&row.actor_sub)
            .bind(&row.actor_role)
            .bind(&row.action)
            .bind(row.application_id.as_deref())
            .bind(row.subject.as_deref())
            .bind(row.agency.as_deref())
            .bind(row.consent_id.as_deref())
            .bind(&row.outcome)
            .bind(&row.prev_hash)
            .bind(&row.hash);
    }
    query.execute(&mut **tx).await.context("Failed to append audit rows")?;
    Ok(())
}

fn audit_row(row: &AnyRow) -> anyhow::Result<AuditRow> {
    Ok(AuditRow {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_sub: row.try_get("actor_sub")?,
        actor_role: row.try_get("actor_role")?,
        action: row.try_get("action")?,
        application_id: row.try_get("application_id")?,
        subject: row.try_get("subject")?,
        agency: row.try_get("agency")?,
        consent_id: row.try_get("consent_id")?,
        outcome: row.try_get("outcome")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
