//! Who may do what: the one place where roles and region scope are judged, and where a
//! refusal is audited.
//!
//! - intake systems submit and import in their regions, and read, revoke and renew only
//!   what they submitted themselves;
//! - officers read, list and review the applications and beneficiaries of their regions;
//! - auditors search the audit log and replay verdicts, region-scoped like officers for
//!   everything that names an application or a person;
//! - admins span every region, and alone reload the policy parameters.
//!
//! A role that may not do a thing at all is `Forbidden`; an application outside the
//! caller's scope is `NotFound`, exactly like one that does not exist. Both are written
//! to the audit log through the bounded refusal writer.

use super::Services;
use super::error::{ServiceError, ServiceResult};
use crate::audit::{AuditEvent, actions};
use crate::auth::{Caller, Role};
use crate::domain::RegionCode;
use crate::store::ApplicationRecord;
use uuid::Uuid;

/// What a caller asks to do, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    ReadApplication,
    ListApplications,
    Review,
    Replay,
    RevokeConsent,
    ImportBeneficiary,
    ListBeneficiaries,
    RenewConsents,
    SearchAudit,
    VerifyAudit,
    ReloadPolicies,
}

impl Action {
    fn allowed(self, role: Role) -> bool {
        use Role::{Admin, Auditor, Intake, Officer};
        match self {
            Self::Submit | Self::ImportBeneficiary | Self::RenewConsents | Self::RevokeConsent => {
                matches!(role, Intake | Admin)
            }
            Self::ReadApplication | Self::ListApplications => matches!(role, Intake | Officer | Admin),
            Self::Review | Self::ListBeneficiaries => matches!(role, Officer | Admin),
            Self::Replay => matches!(role, Intake | Officer | Auditor | Admin),
            Self::SearchAudit | Self::VerifyAudit => matches!(role, Auditor | Admin),
            Self::ReloadPolicies => role == Admin,
        }
    }

    /// Why the role may not, in the caller's words.
    fn refusal(self) -> &'static str {
        match self {
            Self::Submit => "only intake systems submit applications",
            Self::ImportBeneficiary => "only intake systems import beneficiaries",
            Self::RenewConsents => "consents are renewed by the intake system that registered the household",
            Self::RevokeConsent => "consents are revoked by the intake system that holds them",
            Self::ReadApplication | Self::ListApplications => "auditors read the audit log, not applications",
            Self::Review => "only officers record review decisions",
            Self::ListBeneficiaries => "only officers list beneficiaries",
            Self::Replay => "this role may not replay verdicts",
            Self::SearchAudit | Self::VerifyAudit => "the audit log is for auditors",
            Self::ReloadPolicies => "reloading the policy parameters is for administrators",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::ReadApplication => "read",
            Self::ListApplications => "list",
            Self::Review => "review",
            Self::Replay => "replay",
            Self::RevokeConsent => "revoke_consent",
            Self::ImportBeneficiary => "import_beneficiary",
            Self::ListBeneficiaries => "list_beneficiaries",
            Self::RenewConsents => "renew_consents",
            Self::SearchAudit => "search_audit",
            Self::VerifyAudit => "verify_audit",
            Self::ReloadPolicies => "reload_policies",
        }
    }
}

/// Whether `caller` may see application data of `region` submitted by `submitter`.
pub fn in_scope(caller: &Caller, region: &RegionCode, submitter: &str) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Intake => submitter == caller.sub,
        Role::Officer | Role::Auditor => caller.covers(region),
    }
}

impl Services {
    /// The role check of `action`; a refusal is audited.
    pub(super) fn require(&self, caller: &Caller, action: Action) -> ServiceResult<()> {
        if action.allowed(caller.role) {
            return Ok(());
        }
        self.refused(caller, action, None, "forbidden_role");
        Err(ServiceError::Forbidden(action.refusal().to_owned()))
    }

    /// The region check of creating something in `region`; a refusal is audited.
    pub(super) fn require_region(
        &self,
        caller: &Caller,
        action: Action,
        region: &RegionCode,
    ) -> ServiceResult<()> {
        if caller.role == Role::Admin || caller.covers(region) {
            return Ok(());
        }
        self.refused(caller, action, None, "region_out_of_scope");
        Err(ServiceError::Forbidden(format!("region {region} is outside the caller's regions")))
    }

    /// The application `id` when `caller` may do `action` on it; unknown and out of scope
    /// are the same `NotFound`, and the out-of-scope attempt is audited.
    pub(super) async fn application_in_scope(
        &self,
        caller: &Caller,
        action: Action,
        id: Uuid,
    ) -> ServiceResult<ApplicationRecord> {
        self.require(caller, action)?;
        let record = self.store.get_application(id).await?.ok_or(ServiceError::NotFound)?;
        if !in_scope(caller, &record.region, &record.caller_sub) {
            self.refused(caller, action, Some(id), "out_of_scope");
            return Err(ServiceError::NotFound);
        }
        Ok(record)
    }

    /// Queues the audit row of a refusal (it never holds up the answer).
    pub(super) fn refused(&self, caller: &Caller, action: Action, application: Option<Uuid>, why: &str) {
        let outcome = format!("{why}:{}", action.name());
        self.refusals.record(event(caller, actions::AUTHORIZATION_FAILURE, application, &outcome));
    }
}

/// An event by `caller`, about `application` if any.
pub fn event(caller: &Caller, action: &'static str, application: Option<Uuid>, outcome: &str) -> AuditEvent {
    AuditEvent {
        actor_sub: caller.sub.clone(),
        actor_role: role_name(caller.role).to_owned(),
        action,
        application_id: application.map(|id| id.to_string()),
        subject: None,
        agency: None,
        consent_id: None,
        outcome: outcome.to_owned(),
    }
}

/// One event per member of the application: the audit names every person concerned.
pub fn events_about_members(
    caller: &Caller,
    action: &'static str,
    record: &ApplicationRecord,
    outcome: &str,
) -> Vec<AuditEvent> {
    let about =
        |subject: Option<String>| AuditEvent { subject, ..event(caller, action, Some(record.id), outcome) };
    if record.subjects.is_empty() {
        return vec![about(None)];
    }
    record.subjects.iter().map(|s| about(Some(s.clone()))).collect()
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Intake => "intake",
        Role::Officer => "officer",
        Role::Auditor => "auditor",
        Role::Admin => "admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RegionPrefix;

    fn caller(role: Role, regions: &[&str]) -> Caller {
        Caller {
            sub: "me".into(),
            role,
            regions: regions.iter().map(|r| RegionPrefix::parse(r).unwrap()).collect(),
        }
    }

    #[test]
    fn scope_follows_role_and_region_prefixes() {
        let chongqing = RegionCode::parse("500103").unwrap();
        assert!(in_scope(&caller(Role::Officer, &["5001"]), &chongqing, "other"));
        assert!(!in_scope(&caller(Role::Officer, &["5002"]), &chongqing, "other"));
        assert!(in_scope(&caller(Role::Auditor, &["50"]), &chongqing, "other"));
        assert!(!in_scope(&caller(Role::Auditor, &["11"]), &chongqing, "other"));
        assert!(in_scope(&caller(Role::Intake, &["11"]), &chongqing, "me"));
        assert!(!in_scope(&caller(Role::Intake, &["50"]), &chongqing, "other"));
        assert!(in_scope(&caller(Role::Admin, &[]), &chongqing, "other"));
    }

    #[test]
    fn roles_allow_what_the_design_says() {
        assert!(Action::Submit.allowed(Role::Intake) && !Action::Submit.allowed(Role::Officer));
        assert!(Action::Review.allowed(Role::Officer) && !Action::Review.allowed(Role::Intake));
        assert!(!Action::ReadApplication.allowed(Role::Auditor));
        assert!(Action::Replay.allowed(Role::Auditor));
        assert!(Action::SearchAudit.allowed(Role::Auditor) && !Action::SearchAudit.allowed(Role::Officer));
        for action in
            [Action::Submit, Action::Review, Action::Replay, Action::SearchAudit, Action::ListBeneficiaries]
        {
            assert!(action.allowed(Role::Admin), "{action:?}");
        }
    }
}
