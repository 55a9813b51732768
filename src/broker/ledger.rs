//! The broker's duty before any agency is asked: record the query in the audit log and
//! make sure its consent still stands. No audit row, no query; a revoked consent stops
//! even queries of jobs already in flight, because every fan-out is authorized (in the
//! same transaction as its audit rows) right before its queries are sent.

use crate::domain::Agency;
use futures::future::BoxFuture;

/// Who the queries are made for.
#[derive(Debug, Clone)]
pub struct QueryContext {
    pub application_id: String,
    /// The intake system that submitted the application.
    pub caller_sub: String,
}

/// One member × agency query the broker intends to make (or refuses for lack of consent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedQuery {
    pub agency: Agency,
    /// Pseudonym of the member.
    pub subject: String,
    /// The covering consent; `None` when there is none (the refusal is recorded too).
    pub consent_id: Option<String>,
}

pub trait QueryLedger: Send + Sync {
    /// Records every planned query in the audit log, counts consent usage, and says for
    /// each whether it may be sent. An error means nothing could be recorded: fail closed.
    fn authorize<'a>(
        &'a self,
        context: &'a QueryContext,
        planned: &'a [PlannedQuery],
    ) -> BoxFuture<'a, anyhow::Result<Vec<bool>>>;
}
