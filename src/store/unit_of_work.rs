//! A unit of work: a use case's writes and the audit rows that describe them, committed
//! in one transaction or not at all. No decision without its audit row, no audit row for
//! a decision that was not made.
//!
//! A unit takes the audit chain's lock when it begins, before it touches any row: on
//! SQLite that is the database's single write lock (and this process's audit lock, so two
//! units of one process queue instead of failing with "database is locked"), so its reads
//! see the state it will write on; on PostgreSQL it is the chain's advisory lock. Taking
//! it first matters there: the broker's query ledger holds that lock while it counts
//! consent usage, so a unit that locked a consent row and then waited for the chain would
//! deadlock with it. Units are a few statements long; they queue behind each other for
//! that long.

use super::audit::append_rows;
use super::{Backend, Store, StoreResult};
use crate::audit::AuditEvent;
use anyhow::Context;
use sqlx::{Any, Transaction};
use tokio::sync::OwnedMutexGuard;

pub struct UnitOfWork {
    tx: Transaction<'static, Any>,
    events: Vec<AuditEvent>,
    /// SQLite: this process's one writer, held until the unit ends.
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Store {
    /// Begins a unit of work (see the module doc).
    pub async fn begin(&self) -> StoreResult<UnitOfWork> {
        let writer = match self.backend {
            Backend::Sqlite => Some(self.audit_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        self.lock_chain(&mut tx).await?;
        Ok(UnitOfWork { tx, events: Vec::new(), _writer: writer })
    }
}

impl UnitOfWork {
    /// Records `event` with this unit: appended to the chain when the unit commits.
    pub fn audit(&mut self, event: AuditEvent) {
        self.events.push(event);
    }

    pub fn audit_all(&mut self, events: impl IntoIterator<Item = AuditEvent>) {
        self.events.extend(events);
    }

    pub(super) fn tx(&mut self) -> &mut Transaction<'static, Any> {
        &mut self.tx
    }

    /// Appends the unit's audit rows to the chain and commits everything together.
    pub async fn commit(mut self) -> StoreResult<()> {
        if !self.events.is_empty() {
            append_rows(&mut self.tx, &self.events).await?;
        }
        self.tx.commit().await.context("Failed to commit a unit of work")?;
        Ok(())
    }

    /// Gives up: nothing of the unit is written (also what dropping it does).
    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await.context("Failed to roll back a unit of work")?;
        Ok(())
    }
}
