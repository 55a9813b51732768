//! Whether a registered household may still be queried: every member needs a consent
//! that has neither expired nor been revoked. Otherwise the re-check is refused before
//! any agency is asked, and the household is flagged for a new authorization.

use crate::cache::Pseudonymizer;
use crate::domain::Application;
use crate::domain::dates::SHANGHAI;
use crate::store::Store;
use time::{Date, OffsetDateTime};

/// The moment consents must still be valid at: the later of now and the start of `as_of`.
pub fn check_time(as_of: Date, now: OffsetDateTime) -> OffsetDateTime {
    now.max(as_of.midnight().assume_offset(SHANGHAI))
}

/// Whether every member has an unexpired consent for the programme.
pub fn all_members_covered(application: &Application, at: OffsetDateTime) -> bool {
    application.household.members.iter().all(|member| {
        application
            .consents
            .iter()
            .any(|c| c.id_number == member.id_number && c.expires_at > at && c.purpose == application.program)
    })
}

/// Covered and none of the consents revoked.
pub async fn may_recheck(
    store: &Store,
    pseudonymizer: &Pseudonymizer,
    caller_sub: &str,
    application: &Application,
    at: OffsetDateTime,
) -> anyhow::Result<bool> {
    if !all_members_covered(application, at) {
        return Ok(false);
    }
    let consents: Vec<(String, String)> =
        application.consents.iter().map(|c| (c.id.clone(), pseudonymizer.pseudonym(&c.id_number))).collect();
    Ok(!store.any_consent_revoked(caller_sub, &consents).await?)
}
