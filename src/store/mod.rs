//! The durable store: applications, their jobs and reports.
//!
//! All data access goes through [`Store`]. It runs on SQLite (the embedded default, WAL
//! with `synchronous=FULL`) or PostgreSQL through sqlx's `Any` driver with one set of
//! portable migrations, so the backend is a configuration choice. An application row is
//! also its job: a `202 Accepted` is sent only after the row is committed, and workers
//! claim rows with a lease so a crashed worker's job is taken up again.

mod applications;
mod connect;

pub use applications::{ApplicationRecord, ApplicationStatus, ClaimedJob, ListFilter, NewApplication};
pub use connect::Backend;

use sqlx::AnyPool;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
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
}

/// Milliseconds since the Unix epoch, the store's time unit.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
