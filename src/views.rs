//! JSON views of applications, as callers see them in API answers and in callbacks: built
//! from what the store holds, the answer given at intake included, so that a read never
//! recomputes what was said before.

use crate::store::{ApplicationRecord, ApplicationStatus};
use serde::Serialize;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

/// An application with its status and, once completed, its verdict and report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Application)]
pub struct ApplicationView {
    pub id: Uuid,
    /// `queued` → `running` → `completed` (or `failed` when it cannot be verified at all).
    pub status: ApplicationStatus,
    pub program: crate::domain::Program,
    #[schema(value_type = String, example = "500103")]
    pub region: String,
    /// The applicant's ID number, first 6 and last 4 characters shown.
    #[schema(example = "110105********002X")]
    pub applicant_id_masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub submitted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    /// Emergency temporary assistance is answered at once, before the check finishes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advance_relief: Option<bool>,
    /// For emergency temporary assistance: the approval level answered at intake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_level: Option<crate::policy::ApprovalLevel>,
    /// Once completed: the report's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::policy::Verdict>,
    /// Once completed: the full report (DESIGN §4.2), exactly as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::policy::Report>)]
    pub report: Option<Box<RawValue>>,
    /// Once failed: why the application could not be verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// When the application's raw personal data (names, ID numbers, the body) was erased
    /// after its retention period; the masked IDs, verdict and report figures remain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub personal_data_erased_at: Option<String>,
}

impl ApplicationView {
    pub fn of(record: &ApplicationRecord) -> Self {
        Self {
            id: record.id,
            status: record.status,
            program: record.program,
            region: record.region.as_str().to_owned(),
            applicant_id_masked: record.applicant_masked.clone(),
            submitted_at: Some(rfc3339(record.submitted_at_ms)),
            started_at: record.started_at_ms.map(rfc3339),
            completed_at: record.completed_at_ms.map(rfc3339),
            advance_relief: record.approval_level.map(|_| true),
            approval_level: record.approval_level,
            verdict: record.verdict,
            report: record.report.as_ref().and_then(|r| RawValue::from_string(r.json().to_owned()).ok()),
            failure: record.failure.clone(),
            personal_data_erased_at: record.erased_at_ms.map(rfc3339),
        }
    }
}

/// One row of a listing: no personal data beyond the masked applicant ID.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApplicationSummary)]
pub struct SummaryView {
    pub id: Uuid,
    pub status: ApplicationStatus,
    pub program: crate::domain::Program,
    #[schema(value_type = String, example = "500103")]
    pub region: String,
    #[schema(example = "110105********002X")]
    pub applicant_id_masked: String,
    pub verdict: Option<crate::policy::Verdict>,
    #[schema(format = DateTime)]
    pub submitted_at: String,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
}

/// One page of a listing, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<SummaryView>,
    pub page: u32,
    pub page_size: u32,
    /// Pass as `cursor` to get the next page (stable while new applications arrive);
    /// null on the last page.
    pub next_cursor: Option<String>,
}

impl From<&ApplicationRecord> for SummaryView {
    fn from(record: &ApplicationRecord) -> Self {
        Self {
            id: record.id,
            status: record.status,
            program: record.program,
            region: record.region.as_str().to_owned(),
            applicant_id_masked: record.applicant_masked.clone(),
            verdict: record.verdict,
            submitted_at: rfc3339(record.submitted_at_ms),
            completed_at: record.completed_at_ms.map(rfc3339),
        }
    }
}

fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
