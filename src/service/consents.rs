//! Consents: revoking one, and refusing a consent id reused with other terms.
//!
//! A consent belongs to the intake system that recorded it. An id that the same intake
//! system already recorded with other terms (another person, more or fewer agencies,
//! another purpose, validity or evidence) is refused wherever consents come in — intake,
//! import, renewal — naming `consents[i].id`: the hub would otherwise keep the first terms
//! while queries run under the new ones. Revoking names the intake system: its own for an
//! intake system, `?intake=SUB` for an admin.

use super::Services;
use super::access::{Action, event};
use super::error::{ServiceError, ServiceResult};
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::domain::parse::FieldError;
use crate::store::{ConsentRecord, UnitOfWork};
use std::collections::BTreeSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a revocation did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Revocation {
    pub id: String,
    /// The intake system whose consent was revoked.
    pub intake: String,
    pub revoked: bool,
    /// How many persons the consent covered.
    pub persons: usize,
    /// Cached agency answers of those persons that were purged.
    pub cache_entries_purged: u64,
}

impl Services {
    /// Revokes consent `id` of an intake system: the caller's own, or for an admin the one
    /// named by `intake`. The revocation and its audit rows (one per person) commit
    /// together; then the persons' cached answers are purged.
    pub async fn revoke_consent(
        &self,
        caller: &Caller,
        id: &str,
        intake: Option<&str>,
    ) -> ServiceResult<Revocation> {
        self.require(caller, Action::RevokeConsent)?;
        let owner = match (caller.role, intake) {
            (Role::Admin, Some(intake)) if !intake.trim().is_empty() => intake.trim().to_owned(),
            (Role::Admin, _) => {
                return Err(ServiceError::field(
                    "intake",
                    "an admin names the intake system whose consent to revoke",
                ));
            }
            (_, Some(intake)) if intake != caller.sub => {
                self.refused(caller, Action::RevokeConsent, None, "other_intake");
                return Err(ServiceError::NotFound);
            }
            _ => caller.sub.clone(),
        };
        let mut unit = self.store.begin().await?;
        let Some(subjects) = self.store.revoke_consent(&mut unit, &owner, id, &caller.sub).await? else {
            unit.rollback().await?;
            return Err(ServiceError::NotFound);
        };
        unit.audit_all(subjects.iter().map(|subject| {
            let mut revoked = event(caller, actions::CONSENT_REVOCATION, None, &format!("revoked:{owner}"));
            revoked.subject = Some(subject.clone());
            revoked.consent_id = Some(id.to_owned());
            revoked
        }));
        unit.commit().await?;
        let mut purged = 0;
        for subject in &subjects {
            match self.cache.purge_subject(subject).await {
                Ok(count) => purged += count,
                // The answers expire with their TTL anyway; no query can use them meanwhile
                // because every query needs a live consent.
                Err(_) => tracing::warn!(
                    "cache unavailable: cached answers of a revoked consent expire with their TTL"
                ),
            }
        }
        Ok(Revocation {
            id: id.to_owned(),
            intake: owner,
            revoked: true,
            persons: subjects.len(),
            cache_entries_purged: purged,
        })
    }

    /// Refuses `consents` (in body order) whose id `caller_sub` recorded before with other
    /// terms — or, with `refuse_revoked` (a renewal), that was revoked — naming
    /// `{prefix}consents[i].id`.
    pub(super) async fn refuse_conflicting_reuse(
        &self,
        unit: &mut UnitOfWork,
        caller_sub: &str,
        consents: &[ConsentRecord],
        prefix: &str,
        refuse_revoked: bool,
    ) -> ServiceResult<()> {
        let ids: BTreeSet<&str> = consents.iter().map(|c| c.id.as_str()).collect();
        let on_record =
            self.store.recorded_consents(unit, caller_sub, &ids.into_iter().collect::<Vec<_>>()).await?;
        let recorded: Vec<ConsentRecord> = on_record.iter().map(|r| r.record.clone()).collect();
        let revoked = |consent: &ConsentRecord| {
            on_record
                .iter()
                .any(|r| r.revoked && r.record.id == consent.id && r.record.subject == consent.subject)
        };
        let errors: Vec<FieldError> = consents
            .iter()
            .enumerate()
            .filter_map(|(index, consent)| {
                let message = if conflicts(consent, &recorded) {
                    "was recorded before with other terms (person, agencies, purpose, validity or evidence)"
                } else if refuse_revoked && revoked(consent) {
                    "names a consent of this person that was revoked"
                } else {
                    return None;
                };
                Some(FieldError {
                    field: format!("{prefix}consents[{index}].id"),
                    message: format!(
                        "consent {:?} {message}: a new authorization needs an id of its own",
                        consent.id
                    ),
                })
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(ServiceError::Validation(errors)) }
    }
}

/// Whether `consent` reuses an id on record with other terms: the id is on record, and not
/// for this person with these very terms.
fn conflicts(consent: &ConsentRecord, recorded: &[ConsentRecord]) -> bool {
    let same_id: Vec<&ConsentRecord> = recorded.iter().filter(|r| r.id == consent.id).collect();
    if same_id.is_empty() {
        return false;
    }
    !same_id.iter().any(|r| r.subject == consent.subject && same_terms(r, consent))
}

fn same_terms(a: &ConsentRecord, b: &ConsentRecord) -> bool {
    let agencies = |c: &ConsentRecord| c.agencies.split(',').map(str::to_owned).collect::<BTreeSet<_>>();
    let instant = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
    agencies(a) == agencies(b)
        && a.purpose == b.purpose
        && a.evidence_ref == b.evidence_ref
        && instant(&a.signed_at) == instant(&b.signed_at)
        && instant(&a.expires_at) == instant(&b.expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(subject: &str, agencies: &str, expires_at: &str) -> ConsentRecord {
        ConsentRecord {
            id: "c-1".into(),
            subject: subject.into(),
            agencies: agencies.into(),
            purpose: "dibao".into(),
            signed_at: "2026-11-20T09:00:00+08:00".into(),
            expires_at: expires_at.into(),
            evidence_ref: "scan-1".into(),
        }
    }

    #[test]
    fn the_same_terms_in_another_order_or_offset_are_not_a_conflict() {
        let recorded = [consent("a", "tax,bank", "2027-11-20T09:00:00+08:00")];
        assert!(!conflicts(&consent("a", "bank,tax", "2027-11-20T01:00:00Z"), &recorded));
        assert!(!conflicts(&ConsentRecord { id: "c-2".into(), ..consent("z", "tax", "x") }, &recorded));
    }

    #[test]
    fn other_terms_or_another_person_under_a_recorded_id_conflict() {
        let recorded = [consent("a", "tax,bank", "2027-11-20T09:00:00+08:00")];
        assert!(conflicts(&consent("a", "tax,bank,real_estate", "2027-11-20T09:00:00+08:00"), &recorded));
        assert!(conflicts(&consent("a", "tax,bank", "2030-11-20T09:00:00+08:00"), &recorded));
        assert!(conflicts(&consent("b", "tax,bank", "2027-11-20T09:00:00+08:00"), &recorded));
    }
}
