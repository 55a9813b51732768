//! Submitting an application: checked, scoped, its consents checked against what the
//! intake system recorded before, and committed (with its idempotency key, consents and
//! audit rows) before the caller is answered. With a wait, the finished application is
//! returned once its view is audited; an idempotent retry gets what the first got.

use super::Services;
use super::access::{Action, events_about_members};
use super::canonical::canonical_hash;
use super::error::{ServiceError, ServiceResult};
use crate::audit::actions;
use crate::auth::Caller;
use crate::domain::{Application, parse::parse_application, today_in_shanghai};
use crate::policy::{ApprovalLevel, temporary_approval_level};
use crate::store::{
    ApplicationRecord, ApplicationStatus, ConsentRecord, IdempotencyKey, InsertOutcome, NewApplication,
};
use std::time::Duration;
use uuid::Uuid;

/// The header that makes retries safe.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A submission as it arrived.
pub struct Submission<'a> {
    pub body: &'a [u8],
    /// The raw `Idempotency-Key` header, if any.
    pub idempotency_key: Option<&'a [u8]>,
    /// `?wait=S`, if given.
    pub wait_s: Option<u64>,
}

/// What the caller is told.
pub enum Submitted {
    /// Accepted and durable (now, or by the first of idempotent retries): answer 202 and
    /// let the caller poll. A retry's record may be finished already.
    Accepted(ApplicationRecord),
    /// Finished within the wait: its report view is audited.
    Finished(ApplicationRecord),
}

impl Services {
    pub async fn submit(&self, caller: &Caller, submission: Submission<'_>) -> ServiceResult<Submitted> {
        self.require(caller, Action::Submit)?;
        let wait = self.wait_bound(submission.wait_s)?;
        let json: serde_json::Value = serde_json::from_slice(submission.body)
            .map_err(|e| ServiceError::field("body", format!("is not valid JSON ({e})")))?;
        let idempotency = self.idempotency_key(submission.idempotency_key, &json)?;
        let application = parse_application(&json, today_in_shanghai()).map_err(ServiceError::Validation)?;
        if let Some(url) = &application.callback_url {
            self.intake
                .callback_policy
                .check(url)
                .map_err(|message| ServiceError::field("callback_url", message))?;
        }
        self.require_region(caller, Action::Submit, &application.region)?;
        let record = self.accept(caller, application, idempotency.as_ref()).await?;
        if let Some(wait) = wait {
            let finished = match record.status.is_final() {
                true => Some(record.clone()),
                false => self.wait_until_final(record.id, wait).await?,
            };
            if let Some(finished) = finished {
                self.audit_view(caller, &finished).await?;
                return Ok(Submitted::Finished(finished));
            }
        }
        // An idempotent retry answers as the first submission did (202), with the
        // application as it stands now: its report, if any, is a view.
        self.audit_view(caller, &record).await?;
        Ok(Submitted::Accepted(record))
    }

    /// Commits the application (or finds the one an idempotent retry stands for).
    async fn accept(
        &self,
        caller: &Caller,
        application: Application,
        idempotency: Option<&IdempotencyKey>,
    ) -> ServiceResult<ApplicationRecord> {
        let subjects: Vec<String> = application
            .household
            .members
            .iter()
            .map(|m| self.pseudonymizer.pseudonym(&m.id_number))
            .collect();
        let consents = ConsentRecord::of_application(&application, &self.pseudonymizer);
        let approval_level = self.emergency_approval_level(&application);
        let record = ApplicationRecord {
            id: Uuid::now_v7(),
            status: ApplicationStatus::Queued,
            program: application.program,
            region: application.region.clone(),
            caller_sub: caller.sub.clone(),
            applicant_masked: application.applicant_masked(),
            subjects: subjects.clone(),
            body: None,
            verdict: None,
            report: None,
            approval_level,
            failure: None,
            attempts: 0,
            submitted_at_ms: crate::store::now_ms(),
            started_at_ms: None,
            completed_at_ms: None,
            erased_at_ms: None,
        };
        let new = NewApplication {
            id: record.id,
            application: &application,
            caller_sub: &caller.sub,
            subjects: &subjects,
            approval_level,
            submitted_at_ms: record.submitted_at_ms,
            consents: &consents,
        };
        let mut unit = self.store.begin().await?;
        self.refuse_conflicting_reuse(&mut unit, &caller.sub, &consents, "", false).await?;
        match self.store.insert_application(&mut unit, &new, idempotency).await? {
            InsertOutcome::Inserted => {
                unit.audit_all(events_about_members(
                    caller,
                    actions::APPLICATION_SUBMITTED,
                    &record,
                    "accepted",
                ));
                unit.commit().await?;
                self.completions.announce_queued();
                crate::metrics::applications::accepted(application.program.as_str());
                tracing::info!(application = %record.id, program = %application.program, "application accepted");
                Ok(ApplicationRecord { body: Some(application), ..record })
            }
            InsertOutcome::Replayed(existing) => {
                unit.rollback().await?;
                tracing::info!(application = %existing, "idempotent replay");
                self.store.get_application(existing).await?.ok_or(ServiceError::NotFound)
            }
            InsertOutcome::KeyReused => {
                Err(ServiceError::field(IDEMPOTENCY_KEY, "was already used with a different body"))
            }
            InsertOutcome::InFlight => Err(ServiceError::RetryLater(
                "a request with this Idempotency-Key is still being accepted".into(),
            )),
        }
    }

    /// The answer given at once to emergency temporary assistance: stored with the
    /// application, so that every later read says the same whatever the policy says then.
    fn emergency_approval_level(&self, application: &Application) -> Option<ApprovalLevel> {
        let request = application.temporary.as_ref().filter(|_| application.is_emergency())?;
        let policies = self.policies.snapshot();
        let params = &policies.effective(&application.region, application.as_of).params;
        Some(temporary_approval_level(params, request.requested_amount.amount()))
    }

    fn wait_bound(&self, wait_s: Option<u64>) -> ServiceResult<Option<Duration>> {
        let max = self.intake.max_wait.as_secs();
        match wait_s {
            None => Ok(None),
            Some(seconds) if seconds <= max => Ok(Some(Duration::from_secs(seconds))),
            Some(_) => {
                Err(ServiceError::field("wait", format!("must be a whole number of seconds from 0 to {max}")))
            }
        }
    }

    /// The caller's `Idempotency-Key` with the hash of the canonical body, if one was sent.
    fn idempotency_key(
        &self,
        raw: Option<&[u8]>,
        body: &serde_json::Value,
    ) -> ServiceResult<Option<IdempotencyKey>> {
        let Some(raw) = raw else { return Ok(None) };
        let key = std::str::from_utf8(raw)
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ServiceError::field(IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters")
            })?;
        let keep_ms = i64::try_from(self.intake.idempotency_keep.as_millis()).unwrap_or(i64::MAX);
        Ok(Some(IdempotencyKey { key: key.to_owned(), body_hash: canonical_hash(body), keep_ms }))
    }
}
