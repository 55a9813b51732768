//! The use cases of the hub, below the REST API and the officers' pages.
//!
//! Each use case lives once, here: it takes the authenticated [`Caller`], checks role and
//! region scope ([`access`]), does its work, and commits its change together with its
//! audit row in one [`UnitOfWork`](crate::store::UnitOfWork). A use case that returns
//! report content writes its `report_view` rows (one per member of the household, by
//! pseudonym) before it returns: no row, no report. Refusals are audited here too, through
//! the bounded [`RefusalLog`]. `api` and `ui` only translate HTTP to a use case and its
//! result back to JSON or HTML; neither imports the other, and nothing else writes audit
//! rows for requests.
//!
//! # Layout
//! - [`access`]: roles, region scope and the audit of refusals.
//! - [`submit`], [`read`], [`list`]: intake, reading (with `?wait`) and listing applications.
//! - [`review`], [`replay`]: officers' decisions and the re-derivation of a verdict.
//! - [`consents`]: revoking a consent.
//! - [`beneficiaries`]: importing, listing and renewing the consents of registered households.
//! - [`audit_log`]: searching and verifying the audit log.
//! - [`policies`]: the policy parameters in force and their reload.
//! - [`lifecycle`]: evidence purge and the erasure of personal data after retention.
//! - [`refusals`]: the bounded writer of refused-request audit rows.

pub mod access;
pub mod audit_log;
pub mod beneficiaries;
mod canonical;
pub mod consents;
mod error;
pub mod lifecycle;
pub mod list;
pub mod policies;
pub mod read;
pub mod refusals;
pub mod replay;
pub mod review;
pub mod submit;

pub use error::{ServiceError, ServiceResult};
pub use refusals::RefusalLog;

use crate::cache::{AgencyCache, Pseudonymizer};
use crate::jobs::Completions;
use crate::policy::LivePolicies;
use crate::store::Store;
use crate::webhooks::CallbackPolicy;
use std::sync::Arc;
use std::time::Duration;

/// Everything the use cases need; one per process, shared by the API and the pages.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub pseudonymizer: Pseudonymizer,
    pub policies: Arc<LivePolicies>,
    /// Wakes `?wait=S` readers when a verification of this process finishes.
    pub completions: Arc<Completions>,
    pub refusals: RefusalLog,
    /// Purged of a person's answers when their consent is revoked.
    pub cache: Arc<dyn AgencyCache>,
    pub intake: IntakeRules,
}

/// Rules of intake that come from the configuration.
#[derive(Debug, Clone)]
pub struct IntakeRules {
    /// Upper bound of `?wait=S`.
    pub max_wait: Duration,
    /// How long an idempotency key binds.
    pub idempotency_keep: Duration,
    /// Which callback addresses are allowed (SSRF).
    pub callback_policy: CallbackPolicy,
}
