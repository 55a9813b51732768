//! The durable store: applications (which are also their jobs), reports with their
//! evidence, idempotency keys, webhook deliveries, and the beneficiary registry with its
//! re-check batches.
//!
//! All data access goes through [`Store`]. It runs on SQLite (the embedded default, WAL
//! with `synchronous=FULL`) or PostgreSQL through sqlx's `Any` driver with one set of
//! portable migrations, so the backend is a configuration choice. A `202 Accepted` is
//! sent only after the application row is committed; workers claim rows with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so a crashed worker's job is taken up again,
//! and a report is written at most once per application (its primary key).

mod applications;
mod audit;
mod beneficiaries;
mod connect;
mod consents;
mod error;
mod evidence;
mod group_commit;
mod idempotency;
mod jobs;
mod ledger;
mod recheck_writes;
mod reviews;
mod unit_of_work;
mod webhooks;

pub use applications::{
    ApplicationRecord, ApplicationStatus, Cursor, ListFilter, NewApplication, StoredReport,
};
pub use beneficiaries::{
    BatchItem, Beneficiary, BeneficiaryFilter, ConsentRenewal, NewBeneficiary, RecheckOutcome, Registration,
};
pub use connect::Backend;
pub use consents::{ConsentRecord, RecordedConsent};
pub use error::{StoreError, StoreResult};
pub use evidence::StoredEvidence;
pub use idempotency::{IdempotencyKey, InsertOutcome};
pub use jobs::{ClaimedJob, FinishedJob, StatusCount};
pub use ledger::QueryPermit;
pub use recheck_writes::{NewRecheck, RecheckReport};
pub use reviews::{Decision, Review};
pub use unit_of_work::UnitOfWork;
pub use webhooks::{DueWebhook, WebhookAttempt};

use sqlx::AnyPool;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Serializes audit appends within this process (see `audit.rs`).
    audit_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Fan-outs waiting to be authorized together (see `ledger.rs`).
    ledger_group: std::sync::Arc<group_commit::GroupCommit<ledger::Authorization, Vec<bool>>>,
    /// Leads the re-check writes' groups on PostgreSQL (on SQLite the audit lock does).
    recheck_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Re-check writes waiting to be committed together (see `recheck_writes.rs`).
    recheck_group: std::sync::Arc<group_commit::GroupCommit<recheck_writes::RecheckWrite, bool>>,
}

impl Store {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch, the store's time unit.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
