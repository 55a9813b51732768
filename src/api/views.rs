//! JSON views of applications, as callers see them.

use crate::domain::Application;
use crate::policy::{ApprovalLevel, PolicyBook, temporary_approval_level};
use crate::store::ApplicationRecord;
use serde::Serialize;
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
    #[schema(value_type = super::openapi::StatusName)]
    pub status: &'static str,
    #[schema(value_type = crate::domain::Program)]
    pub program: String,
    #[schema(example = "500103")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_level: Option<ApprovalLevel>,
    /// Once completed: the report's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::policy::Verdict>)]
    pub verdict: Option<String>,
    /// Once completed: the full report (DESIGN §4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::policy::Report>)]
    pub report: Option<serde_json::Value>,
    /// Once failed: why the application could not be verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl ApplicationView {
    /// The `202 Accepted` answer: just queued.
    pub fn accepted(id: Uuid, application: &Application, policies: &PolicyBook) -> Self {
        let (advance_relief, approval_level) = emergency_answer(application, policies);
        Self {
            id,
            status: "queued",
            program: application.program.as_str().to_owned(),
            region: application.region.as_str().to_owned(),
            applicant_id_masked: application.applicant_masked(),
            submitted_at: Some(rfc3339(crate::store::now_ms())),
            started_at: None,
            completed_at: None,
            advance_relief,
            approval_level,
            verdict: None,
            report: None,
            failure: None,
        }
    }

    pub fn build(
        record: &ApplicationRecord,
        application: Option<&Application>,
        policies: &PolicyBook,
    ) -> Self {
        let (advance_relief, approval_level) =
            application.map(|a| emergency_answer(a, policies)).unwrap_or((None, None));
        Self {
            id: record.id,
            status: record.status.as_str(),
            program: record.program.clone(),
            region: record.region.clone(),
            applicant_id_masked: record.applicant_masked.clone(),
            submitted_at: Some(rfc3339(record.submitted_at_ms)),
            started_at: record.started_at_ms.map(rfc3339),
            completed_at: record.completed_at_ms.map(rfc3339),
            advance_relief,
            approval_level,
            verdict: record.verdict.clone(),
            report: record.report_json.as_deref().and_then(|r| serde_json::from_str(r).ok()),
            failure: record.failure.clone(),
        }
    }
}

/// For an emergency, the approval level and advance relief granted at intake.
fn emergency_answer(
    application: &Application,
    policies: &PolicyBook,
) -> (Option<bool>, Option<ApprovalLevel>) {
    match &application.temporary {
        Some(request) if application.is_emergency() => {
            let params = &policies.effective(&application.region, application.as_of).params;
            (Some(true), Some(temporary_approval_level(params, request.requested_amount.amount())))
        }
        _ => (None, None),
    }
}

/// One row of a listing: no personal data beyond the masked applicant ID.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApplicationSummary)]
pub struct SummaryView {
    pub id: Uuid,
    #[schema(value_type = super::openapi::StatusName)]
    pub status: &'static str,
    #[schema(value_type = crate::domain::Program)]
    pub program: String,
    #[schema(example = "500103")]
    pub region: String,
    #[schema(example = "110105********002X")]
    pub applicant_id_masked: String,
    #[schema(value_type = Option<crate::policy::Verdict>)]
    pub verdict: Option<String>,
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
            status: record.status.as_str(),
            program: record.program.clone(),
            region: record.region.clone(),
            applicant_id_masked: record.applicant_masked.clone(),
            verdict: record.verdict.clone(),
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
