//! An officer's decision on a completed report, and what an approval does.
//!
//! The rule: a decision needs a completed application; an application already approved or
//! rejected is decided again only after a `return`. An approval of an `eligible` or
//! `low_income` report with a category and a re-check date registers the household as a
//! beneficiary (once per household, intake system and programme). The decision, the
//! registration and their audit rows commit together, or none of them does.

use super::Services;
use super::access::{Action, event, events_about_members};
use super::error::{ServiceError, ServiceResult};
use crate::audit::actions;
use crate::auth::Caller;
use crate::domain::parse::FieldError;
use crate::policy::{Report, Verdict};
use crate::store::{ApplicationRecord, ApplicationStatus, Decision, NewBeneficiary, Review, UnitOfWork};
use uuid::Uuid;

/// Longest note, in characters.
const MOST_NOTE_CHARS: usize = 2000;

impl Services {
    /// Records `caller`'s decision on application `id`; `decision` and `note` as sent.
    pub async fn review(
        &self,
        caller: &Caller,
        id: Uuid,
        decision: Option<&str>,
        note: Option<&str>,
    ) -> ServiceResult<Review> {
        let record = self.application_in_scope(caller, Action::Review, id).await?;
        let (decision, note) = parse_decision(decision, note).map_err(ServiceError::Validation)?;
        if record.status != ApplicationStatus::Completed {
            return Err(ServiceError::NotYet("only a completed application can be reviewed".into()));
        }
        let mut unit = self.store.begin().await?;
        let (seq, last) = self.store.last_review_for_update(&mut unit, id).await?;
        if let Some(previous) = last.filter(|r| r.decision != Decision::Return)
            && decision != Decision::Return
        {
            return Err(ServiceError::Conflict(format!(
                "the application is already decided ({}); return it before deciding again",
                previous.decision.as_str()
            )));
        }
        let review =
            Review { decision, note, officer: caller.sub.clone(), decided_at_ms: crate::store::now_ms() };
        self.store.insert_review(&mut unit, id, seq + 1, &review).await?;
        unit.audit_all(events_about_members(
            caller,
            actions::REVIEW_DECISION,
            &record,
            &format!("decided:{}", decision.as_str()),
        ));
        if decision == Decision::Approve {
            self.register_approved(&mut unit, caller, &record).await?;
        }
        unit.commit().await?;
        Ok(review)
    }

    /// Registers the household of an approved report, when the report is one that
    /// registers (see the module doc).
    async fn register_approved(
        &self,
        unit: &mut UnitOfWork,
        caller: &Caller,
        record: &ApplicationRecord,
    ) -> ServiceResult<()> {
        let Some(report) = record.report.as_ref().map(|r| r.parse()).transpose()? else { return Ok(()) };
        let Some(registration) = Registration::of(&report) else { return Ok(()) };
        let Some(application) = &record.body else {
            // Erased after its retention period: nothing left to re-check the household with.
            return Err(ServiceError::Gone(
                "the application's personal data was erased; it cannot be registered".into(),
            ));
        };
        let body_json = serde_json::to_string(application).map_err(anyhow::Error::from)?;
        let id = Uuid::now_v7().to_string();
        let new = NewBeneficiary {
            id: &id,
            program: record.program.as_str(),
            region: record.region.as_str(),
            caller_sub: &record.caller_sub,
            applicant_masked: &record.applicant_masked,
            category: &registration.category,
            benefit: registration.benefit.as_deref(),
            recheck_due: &registration.recheck_due,
            poverty_relief: application.recheck.as_ref().is_some_and(|r| r.poverty_relief),
            body_json: &body_json,
            consents: &[],
        };
        let verdict = report.verdict.as_str();
        let registered = self
            .store
            .register_approval(unit, &new, &record.id.to_string(), verdict, record.applicant_subject())
            .await?;
        if registered {
            let mut registered =
                event(caller, actions::BENEFICIARY_REGISTERED, Some(record.id), &format!("registered:{id}"));
            registered.subject = record.applicant_subject().map(str::to_owned);
            unit.audit(registered);
        }
        Ok(())
    }
}

/// What an approved report registers.
struct Registration {
    category: String,
    benefit: Option<String>,
    recheck_due: String,
}

impl Registration {
    fn of(report: &Report) -> Option<Self> {
        if !matches!(report.verdict, Verdict::Eligible | Verdict::LowIncome) {
            return None;
        }
        let category = serde_json::to_value(report.category?).ok()?.as_str()?.to_owned();
        Some(Self {
            category,
            benefit: report.suggested_monthly_benefit.map(|b| b.to_string()),
            recheck_due: report.recheck_due?.to_string(),
        })
    }
}

/// A decision and its note as a reviewer sent them (the API's JSON or the officers' form):
/// the decision one of approve/reject/return, the note 1 to 2000 characters once trimmed.
pub fn parse_decision(
    decision: Option<&str>,
    note: Option<&str>,
) -> Result<(Decision, String), Vec<FieldError>> {
    let decision = decision.and_then(Decision::parse);
    let note = note.map(str::trim).filter(|n| !n.is_empty() && n.chars().count() <= MOST_NOTE_CHARS);
    let mut errors = Vec::new();
    if decision.is_none() {
        errors.push(FieldError {
            field: "decision".into(),
            message: "must be approve, reject or return".into(),
        });
    }
    if note.is_none() {
        errors
            .push(FieldError { field: "note".into(), message: "is required (1 to 2000 characters)".into() });
    }
    match (decision, note) {
        (Some(decision), Some(note)) => Ok((decision, note.to_owned())),
        _ => Err(errors),
    }
}
