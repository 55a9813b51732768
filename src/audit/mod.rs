//! The audit log: append-only and hash-chained.
//!
//! Every agency query (written *before* it is sent: no audit row, no query), every report
//! view, review decision, consent revocation and failed authorization is a row. Each row
//! stores SHA-256(previous hash ‖ canonical row); appends are serialized (a transaction
//! -scoped advisory lock on PostgreSQL, a process-wide lock on SQLite, and a unique
//! constraint on the previous hash behind both) so the chain can never fork, and the
//! latest head is written to a separate table so truncation is caught by [`verify`].

mod chain;
mod verify;

pub use chain::{AuditEvent, AuditRow, GENESIS_HASH, row_hash};
pub use verify::{ChainReport, verify};

/// Actions recorded in the log.
pub mod actions {
    pub const AGENCY_QUERY: &str = "agency_query";
    /// One row per member of an accepted application, its person by pseudonym.
    pub const APPLICATION_SUBMITTED: &str = "application_submitted";
    /// One row per member of a registered household (an import or an approval).
    pub const BENEFICIARY_REGISTERED: &str = "beneficiary_registered";
    pub const REPORT_VIEW: &str = "report_view";
    pub const REVIEW_DECISION: &str = "review_decision";
    pub const CONSENT_REVOCATION: &str = "consent_revocation";
    /// One row per renewed consent of a registered household, its person by pseudonym.
    pub const CONSENT_RENEWAL: &str = "consent_renewal";
    pub const AUTHORIZATION_FAILURE: &str = "authorization_failure";
    /// The data lifecycle erased applications' raw personal data; the outcome counts them.
    pub const PERSONAL_DATA_ERASED: &str = "personal_data_erased";
    /// One row standing for the refusals that got no row of their own (the refusal
    /// writer's queue was full, or the client address was throttled); its outcome counts them.
    pub const AUTHORIZATION_FAILURES_UNRECORDED: &str = "authorization_failures_unrecorded";
}
