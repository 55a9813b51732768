//! Application rows: inserted at intake, read and listed by the use cases, as domain types.

use super::{IdempotencyKey, InsertOutcome, Store, StoreError, StoreResult, UnitOfWork};
use crate::domain::{Application, Program, RegionCode};
use crate::policy::{ApprovalLevel, Report, Verdict};
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

/// Where an application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
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
    pub application: &'a Application,
    pub caller_sub: &'a str,
    /// The members' pseudonyms, applicant first.
    pub subjects: &'a [String],
    /// The approval level answered at intake (emergency temporary assistance).
    pub approval_level: Option<ApprovalLevel>,
    pub submitted_at_ms: i64,
    /// The application's consents (recorded so they can be counted and revoked).
    pub consents: &'a [super::ConsentRecord],
}

/// A report as stored: served as it was written, never re-serialized, so that what a
/// caller was told once is what every later read says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport(String);

impl StoredReport {
    pub fn json(&self) -> &str {
        &self.0
    }

    pub fn parse(&self) -> StoreResult<Report> {
        serde_json::from_str(&self.0).map_err(|e| StoreError::corrupt("reports", "report", e))
    }
}

/// An application as stored, with its report once completed.
#[derive(Debug, Clone)]
pub struct ApplicationRecord {
    pub id: Uuid,
    pub status: ApplicationStatus,
    pub program: Program,
    pub region: RegionCode,
    pub caller_sub: String,
    pub applicant_masked: String,
    /// The members' pseudonyms, applicant first (they outlive the body).
    pub subjects: Vec<String>,
    /// The checked application; `None` once its raw personal data was erased.
    pub body: Option<Application>,
    pub verdict: Option<Verdict>,
    pub report: Option<StoredReport>,
    pub approval_level: Option<ApprovalLevel>,
    pub failure: Option<String>,
    pub attempts: i64,
    pub submitted_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub completed_at_ms: Option<i64>,
    pub erased_at_ms: Option<i64>,
}

impl ApplicationRecord {
    pub fn applicant_subject(&self) -> Option<&str> {
        self.subjects.first().map(String::as_str)
    }
}

/// A position in the newest-first listing: rows strictly older than it come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub submitted_at_ms: i64,
    pub id: String,
}

/// Filters of the listing. `region_prefixes` empty means every region.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub region_prefixes: Vec<String>,
    pub caller_sub: Option<String>,
    pub program: Option<Program>,
    pub status: Option<ApplicationStatus>,
    pub verdict: Option<Verdict>,
    /// Submitted at or after (ms).
    pub from_ms: Option<i64>,
    /// Submitted before (ms).
    pub to_ms: Option<i64>,
    pub after: Option<Cursor>,
    pub page: u32,
    pub page_size: u32,
}

const COLUMNS: &str = "a.id, a.status, a.program, a.region, a.caller_sub, a.applicant_masked, a.subjects, a.body, \
                       a.verdict, r.report, a.approval_level, a.failure, a.attempts, a.submitted_at, a.started_at, \
                       a.completed_at, a.erased_at";

impl Store {
    /// Writes a queued application (its job), its consents and its idempotency key inside
    /// `unit`, which the intake use case commits with its audit row before answering.
    pub async fn insert_application(
        &self,
        unit: &mut UnitOfWork,
        new: &NewApplication<'_>,
        idempotency: Option<&IdempotencyKey>,
    ) -> StoreResult<InsertOutcome> {
        let now = new.submitted_at_ms;
        let tx = unit.tx();
        if let Some(key) = idempotency
            && let Some(outcome) = claim_key(tx, new, key, now).await?
        {
            return Ok(outcome);
        }
        let body = serde_json::to_string(new.application).context("Failed to serialize an application")?;
        sqlx::query(
            "INSERT INTO applications (id, status, program, region, caller_sub, applicant_masked, subjects, body, \
             approval_level, submitted_at, updated_at) VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(new.id.to_string())
        .bind(new.application.program.as_str())
        .bind(new.application.region.as_str())
        .bind(new.caller_sub)
        .bind(new.application.applicant_masked())
        .bind(new.subjects.join(","))
        .bind(body)
        .bind(new.approval_level.map(ApprovalLevel::as_str))
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("Failed to insert an application")?;
        super::consents::record_consents(tx, new.caller_sub, new.consents).await?;
        Ok(InsertOutcome::Inserted)
    }

    pub async fn get_application(&self, id: Uuid) -> StoreResult<Option<ApplicationRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM applications a LEFT JOIN reports r ON r.application_id = a.id WHERE a.id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("Failed to read an application")?;
        row.map(|row| record_from_row(&row)).transpose()
    }

    /// Newest first, ordered by (submitted_at, id) so pages never overlap or skip; region
    /// scope and filters are applied in SQL so other regions never leave the store.
    pub async fn list_applications(&self, filter: &ListFilter) -> StoreResult<Vec<ApplicationRecord>> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM applications a LEFT JOIN reports r ON r.application_id = a.id WHERE 1 = 1"
        );
        let mut binds: Vec<Bind> = Vec::new();
        if !filter.region_prefixes.is_empty() {
            let clauses: Vec<String> = filter
                .region_prefixes
                .iter()
                .map(|prefix| format!("a.region LIKE {}", push(&mut binds, Bind::Text(format!("{prefix}%")))))
                .collect();
            sql.push_str(&format!(" AND ({})", clauses.join(" OR ")));
        }
        let text_filters = [
            ("a.caller_sub", filter.caller_sub.clone()),
            ("a.program", filter.program.map(|p| p.as_str().to_owned())),
            ("a.status", filter.status.map(|s| s.as_str().to_owned())),
            ("a.verdict", filter.verdict.map(|v| v.as_str().to_owned())),
        ];
        for (column, value) in text_filters {
            if let Some(value) = value {
                sql.push_str(&format!(" AND {column} = {}", push(&mut binds, Bind::Text(value))));
            }
        }
        if let Some(from) = filter.from_ms {
            sql.push_str(&format!(" AND a.submitted_at >= {}", push(&mut binds, Bind::Int(from))));
        }
        if let Some(to) = filter.to_ms {
            sql.push_str(&format!(" AND a.submitted_at < {}", push(&mut binds, Bind::Int(to))));
        }
        if let Some(after) = &filter.after {
            let at = push(&mut binds, Bind::Int(after.submitted_at_ms));
            let at_again = push(&mut binds, Bind::Int(after.submitted_at_ms));
            let id = push(&mut binds, Bind::Text(after.id.clone()));
            sql.push_str(&format!(
                " AND (a.submitted_at < {at} OR (a.submitted_at = {at_again} AND a.id < {id}))"
            ));
        }
        let page_size = filter.page_size.clamp(1, 200);
        let offset =
            if filter.after.is_some() { 0 } else { u64::from(filter.page.max(1) - 1) * u64::from(page_size) };
        sql.push_str(&format!(" ORDER BY a.submitted_at DESC, a.id DESC LIMIT {page_size} OFFSET {offset}"));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(number) => query.bind(number),
            };
        }
        let rows = query.fetch_all(&self.pool).await.context("Failed to list applications")?;
        rows.iter().map(record_from_row).collect()
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// Adds a bind value and returns its placeholder.
fn push(binds: &mut Vec<Bind>, bind: Bind) -> String {
    binds.push(bind);
    format!("${}", binds.len())
}

/// Records the key for this application, or says why the application must not be inserted.
/// On PostgreSQL a concurrent insert of the same key waits for the first transaction, so
/// exactly one of any number of identical requests inserts.
async fn claim_key(
    tx: &mut Transaction<'static, Any>,
    new: &NewApplication<'_>,
    key: &IdempotencyKey,
    now: i64,
) -> StoreResult<Option<InsertOutcome>> {
    // An expired key no longer binds: the caller may reuse it.
    sqlx::query("DELETE FROM idempotency_keys WHERE caller_sub = $1 AND idem_key = $2 AND expires_at < $3")
        .bind(new.caller_sub)
        .bind(&key.key)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("Failed to expire an idempotency key")?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (caller_sub, idem_key, body_hash, application_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (caller_sub, idem_key) DO NOTHING",
    )
    .bind(new.caller_sub)
    .bind(&key.key)
    .bind(&key.body_hash)
    .bind(new.id.to_string())
    .bind(now)
    .bind(now + key.keep_ms)
    .execute(&mut **tx)
    .await
    .context("Failed to record an idempotency key")?;
    if inserted.rows_affected() == 1 {
        return Ok(None);
    }
    let existing = sqlx::query(
        "SELECT body_hash, application_id FROM idempotency_keys WHERE caller_sub = $1 AND idem_key = $2",
    )
    .bind(new.caller_sub)
    .bind(&key.key)
    .fetch_optional(&mut **tx)
    .await
    .context("Failed to read an idempotency key")?;
    let Some(row) = existing else { return Ok(Some(InsertOutcome::InFlight)) };
    let hash: String = row.try_get("body_hash")?;
    if hash != key.body_hash {
        return Ok(Some(InsertOutcome::KeyReused));
    }
    let id: String = row.try_get("application_id")?;
    Ok(Some(InsertOutcome::Replayed(parse_id(&id)?)))
}

pub(super) fn parse_id(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::corrupt("applications", text, e))
}

fn record_from_row(row: &AnyRow) -> StoreResult<ApplicationRecord> {
    let id_text: String = row.try_get("id")?;
    let id = parse_id(&id_text)?;
    let corrupt = |column: &str, detail: &dyn std::fmt::Display| {
        StoreError::corrupt("applications", format!("{id} {column}"), detail)
    };
    let status: String = row.try_get("status")?;
    let program: String = row.try_get("program")?;
    let region: String = row.try_get("region")?;
    let subjects: String = row.try_get("subjects")?;
    let erased_at_ms: Option<i64> = row.try_get("erased_at")?;
    let body = match erased_at_ms {
        Some(_) => None,
        None => {
            let text: String = row.try_get("body")?;
            Some(serde_json::from_str::<Application>(&text).map_err(|e| corrupt("body", &e))?)
        }
    };
    let verdict: Option<String> = row.try_get("verdict")?;
    let approval_level: Option<String> = row.try_get("approval_level")?;
    Ok(ApplicationRecord {
        id,
        status: ApplicationStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        program: Program::parse(&program).ok_or_else(|| corrupt("program", &program))?,
        region: RegionCode::parse(&region).map_err(|e| corrupt("region", &e))?,
        caller_sub: row.try_get("caller_sub")?,
        applicant_masked: row.try_get("applicant_masked")?,
        subjects: subjects.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        body,
        verdict: verdict.map(|v| Verdict::parse(&v).ok_or_else(|| corrupt("verdict", &v))).transpose()?,
        report: row.try_get::<Option<String>, _>("report")?.map(StoredReport),
        approval_level: approval_level
            .map(|l| ApprovalLevel::parse(&l).ok_or_else(|| corrupt("approval_level", &l)))
            .transpose()?,
        failure: row.try_get("failure")?,
        attempts: row.try_get("attempts")?,
        submitted_at_ms: row.try_get("submitted_at")?,
        started_at_ms: row.try_get("started_at")?,
        completed_at_ms: row.try_get("completed_at")?,
        erased_at_ms,
    })
}
