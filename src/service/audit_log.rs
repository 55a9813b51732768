//! The audit log for auditors: who looked at a person's data, when and why, and whether the
//! chain is intact. Auditors are region-scoped like officers for everything that names an
//! application or a person; admins see every region.

use super::Services;
use super::access::Action;
use super::error::{ServiceError, ServiceResult};
use crate::audit::{AuditRow, ChainReport, verify};
use crate::auth::{Caller, Role};
use crate::domain::IdNumber;
use uuid::Uuid;

/// Whom the search is about.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub application: Option<Uuid>,
    /// A person by ID number (looked up by its pseudonym; the number is never stored).
    pub id_number: Option<IdNumber>,
    /// A person by pseudonym.
    pub subject: Option<String>,
    pub limit: u32,
}

impl Services {
    pub async fn search_audit(&self, caller: &Caller, search: AuditSearch) -> ServiceResult<Vec<AuditRow>> {
        self.require(caller, Action::SearchAudit)?;
        if let Some(application) = search.application {
            // An application out of scope is as unknown as one that does not exist.
            self.application_in_scope(caller, Action::SearchAudit, application).await?;
        }
        let subject = match (&search.id_number, search.subject) {
            (Some(id_number), _) => Some(self.pseudonymizer.pseudonym(id_number)),
            (None, subject) => subject,
        };
        let regions: Option<Vec<String>> = (caller.role != Role::Admin)
            .then(|| caller.regions.iter().map(|r| r.as_str().to_owned()).collect());
        let application = search.application.map(|id| id.to_string());
        Ok(self
            .store
            .audit_search(application.as_deref(), subject.as_deref(), regions.as_deref(), search.limit)
            .await?)
    }

    /// Recomputes the hash chain (no personal data: any auditor may).
    pub async fn verify_audit(&self, caller: &Caller) -> ServiceResult<ChainReport> {
        self.require(caller, Action::VerifyAudit)?;
        let rows = self.store.audit_rows().await.map_err(ServiceError::Unexpected)?;
        let head = self.store.audit_head().await.map_err(ServiceError::Unexpected)?;
        Ok(verify(&rows, head))
    }
}

/// Most rows of one application's trail (members × agencies + views + decisions).
const MOST_TRAIL_ROWS: u32 = 2000;

impl Services {
    /// The audit trail of one application, for those who may read it (officers of its
    /// regions, its intake system, admins): who queried which member's data at which
    /// agency under which consent, who viewed the report and who decided.
    pub async fn application_trail(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> ServiceResult<(crate::store::ApplicationRecord, Vec<AuditRow>)> {
        let record = self.application_in_scope(caller, Action::ReadApplication, id).await?;
        let rows = self.store.audit_search(Some(&id.to_string()), None, None, MOST_TRAIL_ROWS).await?;
        Ok((record, rows))
    }
}
