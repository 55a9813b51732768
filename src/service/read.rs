//! Reading an application: its status and, once completed, its report — shown only after
//! the view is audited, one `report_view` row per member of the household (no row, no
//! report). Also the bounded wait of `?wait=S`.

use super::Services;
use super::access::{Action, events_about_members};
use super::error::{ServiceError, ServiceResult};
use crate::audit::actions;
use crate::auth::Caller;
use crate::store::ApplicationRecord;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use uuid::Uuid;

/// How often a waiter re-reads the store, to notice a completion by another instance.
const REREAD_EVERY: Duration = Duration::from_millis(500);

impl Services {
    /// The application `id` as `caller` may see it; a report in it has been audited.
    pub async fn read_application(&self, caller: &Caller, id: Uuid) -> ServiceResult<ApplicationRecord> {
        let record = self.application_in_scope(caller, Action::ReadApplication, id).await?;
        self.audit_view(caller, &record).await?;
        Ok(record)
    }

    /// Writes the `report_view` rows of `record` when it carries a report, before the
    /// report is returned to anyone (fail closed: an error here means no report).
    pub(super) async fn audit_view(&self, caller: &Caller, record: &ApplicationRecord) -> ServiceResult<()> {
        if record.report.is_none() {
            return Ok(());
        }
        let mut unit = self.store.begin().await?;
        unit.audit_all(events_about_members(caller, actions::REPORT_VIEW, record, "viewed"));
        unit.commit().await?;
        Ok(())
    }

    /// Waits until application `id` is completed or failed, or `wait` passes, or the
    /// process starts draining (the caller then gets the 202 and polls). Wakes on the
    /// in-process completion signal, and re-reads the store at least every 500 ms so a
    /// completion by another instance is noticed too.
    pub(super) async fn wait_until_final(
        &self,
        id: Uuid,
        wait: Duration,
    ) -> ServiceResult<Option<ApplicationRecord>> {
        let deadline = Instant::now() + wait;
        let mut finished = self.completions.subscribe();
        let draining = &self.completions.shutdown().draining;
        loop {
            let record = self.store.get_application(id).await?.ok_or(ServiceError::NotFound)?;
            if record.status.is_final() {
                return Ok(Some(record));
            }
            let now = Instant::now();
            if now >= deadline || draining.is_cancelled() {
                return Ok(None);
            }
            let slice = (deadline - now).min(REREAD_EVERY);
            let finished_or_lagged = async {
                loop {
                    match finished.recv().await {
                        Ok(done) if done == id => return,
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => return,
                        Err(RecvError::Closed) => std::future::pending::<()>().await,
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::timeout(slice, finished_or_lagged) => {}
                () = draining.cancelled() => {}
            }
        }
    }
}
