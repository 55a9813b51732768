//! Application rows: insert on intake, claim and finish by workers, read by the API.

use super::{Store, now_ms};
use anyhow::Context;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Completed, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

/// What intake writes.
pub struct NewApplication<'a> {
    pub id: Uuid,
    pub program: &'a str,
    pub region: &'a str,
    pub caller_sub: &'a str,
    pub applicant_masked: &'a str,
    pub body_json: &'a str,
}

/// An application as stored.
#[derive(Debug, Clone)]
pub struct ApplicationRecord {
    pub id: Uuid,
    pub status: ApplicationStatus,
    pub program: String,
    pub region: String,
    pub caller_sub: String,
    pub applicant_masked: String,
    pub body_json: String,
    pub verdict: Option<String>,
    pub report_json: Option<String>,
    pub failure: Option<String>,
    pub submitted_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub completed_at_ms: Option<i64>,
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub body_json: String,
    pub attempts: i64,
}

/// Filters of the officers' listing; `regions` empty means every region.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub region_prefixes: Vec<String>,
    pub caller_sub: Option<String>,
    pub status: Option<String>,
    pub verdict: Option<String>,
    pub page: u32,
    pub page_size: u32,
}

const COLUMNS: &str = "id, status, program, region, caller_sub, applicant_masked, body, verdict, report, failure, \
                       submitted_at, started_at, completed_at";

impl Store {
    /// Commits a queued application (its job) before the caller is answered.
    pub async fn insert_application(&self, new: &NewApplication<'_>) -> anyhow::Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO applications (id, status, program, region, caller_sub, applicant_masked, body, \
             submitted_at, updated_at) VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(new.id.to_string())
        .bind(new.program)
        .bind(new.region)
        .bind(new.caller_sub)
        .bind(new.applicant_masked)
        .bind(new.body_json)
        .bind(now)
        .execute(&self.pool)
        .await
        .context("Failed to insert an application")?;
        Ok(())
    }

    pub async fn get_application(&self, id: Uuid) -> anyhow::Result<Option<ApplicationRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read an application")?;
        row.map(|row| record_from_row(&row)).transpose()
    }

    /// Claims the oldest queued job, or a running one whose lease has expired (its
    /// worker died). The status check is repeated in the outer `WHERE` so that of two
    /// concurrent claimers only one updates the row.
    pub async fn claim_next_job(&self, worker: &str, lease: Duration) -> anyhow::Result<Option<ClaimedJob>> {
        let now = now_ms();
        let expires = now + lease.as_millis() as i64;
        let row = sqlx::query(
            "UPDATE applications SET status = 'running', lease_owner = $1, lease_expires_at = $2, \
               attempts = attempts + 1, started_at = COALESCE(started_at, $3), updated_at = $3 \
             WHERE id = (SELECT id FROM applications \
                         WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < $3) \
                         ORDER BY submitted_at LIMIT 1) \
               AND (status = 'queued' OR (status = 'running' AND lease_expires_at < $3)) \
             RETURNING id, body, attempts",
        )
        .bind(worker)
        .bind(expires)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .context("Failed to claim a job")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ClaimedJob {
            id: parse_id(&row.try_get::<String, _>("id")?)?,
            body_json: row.try_get("body")?,
            attempts: row.try_get("attempts")?,
        }))
    }

    /// Writes the report and marks the job done in one statement, only if this worker
    /// still holds the lease: each application gets exactly one report.
    pub async fn complete_job(
        &self,
        id: Uuid,
        worker: &str,
        verdict: &str,
        report_json: &str,
        evidence_json: &str,
    ) -> anyhow::Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE applications SET status = 'completed', verdict = $1, report = $2, evidence = $3, \
               completed_at = $4, updated_at = $4, lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $5 AND status = 'running' AND lease_owner = $6",
        )
        .bind(verdict)
        .bind(report_json)
        .bind(evidence_json)
        .bind(now)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.pool)
        .await
        .context("Failed to store a report")?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a job that cannot be verified at all (e.g. its stored body no longer parses).
    pub async fn fail_job(&self, id: Uuid, worker: &str, reason: &str) -> anyhow::Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE applications SET status = 'failed', failure = $1, completed_at = $2, updated_at = $2, \
               lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $3 AND status = 'running' AND lease_owner = $4",
        )
        .bind(reason)
        .bind(now)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.pool)
        .await
        .context("Failed to mark a job failed")?;
        Ok(done.rows_affected() == 1)
    }

    /// Newest first; region scope and filters applied in SQL so other regions never leave the store.
    pub async fn list_applications(&self, filter: &ListFilter) -> anyhow::Result<Vec<ApplicationRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM applications WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let next = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if !filter.region_prefixes.is_empty() {
            let clauses: Vec<String> = filter
                .region_prefixes
                .iter()
                .map(|prefix| format!("region LIKE {}", next(format!("{prefix}%"), &mut binds)))
                .collect();
            sql.push_str(&format!(" AND ({})", clauses.join(" OR ")));
        }
        if let Some(sub) = &filter.caller_sub {
            sql.push_str(&format!(" AND caller_sub = {}", next(sub.clone(), &mut binds)));
        }
        if let Some(status) = &filter.status {
            sql.push_str(&format!(" AND status = {}", next(status.clone(), &mut binds)));
        }
        if let Some(verdict) = &filter.verdict {
            sql.push_str(&format!(" AND verdict = {}", next(verdict.clone(), &mut binds)));
        }
        let page_size = filter.page_size.clamp(1, 200);
        let offset = u64::from(filter.page.max(1) - 1) * u64::from(page_size);
        sql.push_str(&format!(" ORDER BY submitted_at DESC, id DESC LIMIT {page_size} OFFSET {offset}"));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await.context("Failed to list applications")?;
        rows.iter().map(record_from_row).collect()
    }
}

fn parse_id(text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text).context("stored application id is not a UUID")
}

fn record_from_row(row: &AnyRow) -> anyhow::Result<ApplicationRecord> {
    let status: String = row.try_get("status")?;
    Ok(ApplicationRecord {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        status: ApplicationStatus::parse(&status).context("unknown stored status")?,
        program: row.try_get("program")?,
        region: row.try_get("region")?,
        caller_sub: row.try_get("caller_sub")?,
        applicant_masked: row.try_get("applicant_masked")?,
        body_json: row.try_get("body")?,
        verdict: row.try_get("verdict")?,
        report_json: row.try_get("report")?,
        failure: row.try_get("failure")?,
        submitted_at_ms: row.try_get("submitted_at")?,
        started_at_ms: row.try_get("started_at")?,
        completed_at_ms: row.try_get("completed_at")?,
    })
}
