//! Audit rows, their canonical form and the chain hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Something to record, before it is given its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor_sub: String,
    pub actor_role: String,
    pub action: &'static str,
    pub application_id: Option<String>,
    /// Pseudonym of the person whose data is concerned (never the raw ID number).
    pub subject: Option<String>,
    pub agency: Option<String>,
    pub consent_id: Option<String>,
    pub outcome: String,
}

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in Unix milliseconds (UTC).
    pub at: i64,
    /// Who: the caller's JWT `sub` (for agency queries, the submitting intake system).
    pub actor_sub: String,
    /// `intake|officer|auditor|admin`, `system` for agency queries, `none` when unauthenticated.
    pub actor_role: String,
    /// e.g. `agency_query`, `report_view`, `review_decision`, `consent_revocation`, `authorization_failure`.
    pub action: String,
    pub application_id: Option<String>,
    /// Pseudonym of the person concerned (HMAC of the ID number), never the number itself.
    pub subject: Option<String>,
    pub agency: Option<String>,
    pub consent_id: Option<String>,
    /// e.g. `authorized`, `refused_no_consent`, `viewed`, `decided:approve`.
    pub outcome: String,
    /// SHA-256 of the previous row (hex).
    pub prev_hash: String,
    /// SHA-256(prev_hash ‖ canonical row) (hex).
    pub hash: String,
}

impl AuditRow {
    /// The row's fields in a fixed order as a JSON array: unambiguous whatever the values hold.
    pub fn canonical(&self) -> String {
        serde_json::json!([
            self.seq,
            self.at,
            self.actor_sub,
            self.actor_role,
            self.action,
            self.application_id,
            self.subject,
            self.agency,
            self.consent_id,
            self.outcome,
        ])
        .to_string()
    }
}

/// SHA-256(prev_hash ‖ canonical row), hex.
pub fn row_hash(prev_hash: &str, row: &AuditRow) -> String {
    let mut digest = Sha256::new();
    digest.update(prev_hash.as_bytes());
    digest.update(row.canonical().as_bytes());
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, outcome: &str) -> AuditRow {
        AuditRow {
            seq,
            at: 1,
            actor_sub: "a".into(),
            actor_role: "officer".into(),
            action: "report_view".into(),
            application_id: Some("x".into()),
            subject: None,
            agency: None,
            consent_id: None,
            outcome: outcome.into(),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let base = row_hash(GENESIS_HASH, &row(1, "ok"));
        assert_eq!(base.len(), 64);
        assert_ne!(base, row_hash(GENESIS_HASH, &row(1, "denied")));
        assert_ne!(base, row_hash(GENESIS_HASH, &row(2, "ok")));
        assert_ne!(base, row_hash(&"1".repeat(64), &row(1, "ok")));
        // Field boundaries cannot be shifted: ("ab", "c") differs from ("a", "bc").
        let mut left = row(1, "ok");
        left.actor_sub = "ab".into();
        left.actor_role = "c".into();
        let mut right = row(1, "ok");
        right.actor_sub = "a".into();
        right.actor_role = "bc".into();
        assert_ne!(row_hash(GENESIS_HASH, &left), row_hash(GENESIS_HASH, &right));
    }
}
