//! Written authorizations (授权) under which agencies may be queried.

use super::{Agency, IdNumber, Program};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One person's authorization for some agencies, for one purpose, for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub id: String,
    pub id_number: IdNumber,
    pub agencies: Vec<Agency>,
    pub purpose: Program,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub evidence_ref: String,
}

impl Consent {
    /// Whether this consent allows querying `agency` about `person` for `purpose` at `now`.
    pub fn covers(&self, person: &IdNumber, agency: Agency, purpose: Program, now: OffsetDateTime) -> bool {
        &self.id_number == person
            && self.agencies.contains(&agency)
            && self.purpose == purpose
            && self.signed_at <= now
            && now < self.expires_at
    }
}
