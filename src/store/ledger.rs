//! The broker's ledger: before any query is sent, its consent is checked and counted and
//! an audit row written, all in one transaction. Fan-outs that arrive while another is
//! being recorded are recorded together ([`super::group_commit`]): every one of them
//! needs the audit chain's single head, so they would wait for each other anyway.

use super::Store;
use super::audit::append_rows;
use crate::audit::{AuditEvent, actions};
use crate::broker::{PlannedQuery, QueryContext, QueryLedger};
use anyhow::Context;
use futures::future::BoxFuture;

/// The outcome of a consent being used for one planned query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryPermit {
    Authorized,
    NoConsent,
    Revoked,
}

impl QueryPermit {
    fn outcome(self) -> &'static str {
        match self {
            Self::Authorized => "authorized",
            Self::NoConsent => "refused_no_consent",
            Self::Revoked => "refused_consent_revoked",
        }
    }
}

/// One fan-out to authorize.
pub(super) struct Authorization {
    context: QueryContext,
    planned: Vec<PlannedQuery>,
}

/// A group that fails is tried again this many times (a lost race on the chain's head).
const ATTEMPTS: usize = 5;

impl Store {
    /// Authorizes a group: all of it, retried; if it keeps failing, each alone, so that
    /// one fan-out the database refuses does not fail the others with it.
    async fn authorize_group(&self, group: Vec<Authorization>) -> Vec<anyhow::Result<Vec<bool>>> {
        let mut last_error = None;
        for _ in 0..ATTEMPTS {
            match self.try_authorize(&group).await {
                Ok(permits) => return permits.into_iter().map(Ok).collect(),
                Err(error) => last_error = Some(error),
            }
        }
        let error = last_error.unwrap_or_else(|| anyhow::anyhow!("could not record the queries"));
        if group.len() == 1 {
            return vec![Err(error)];
        }
        tracing::warn!(error = ?error, size = group.len(), "a group of fan-outs could not be recorded: one by one");
        let mut results = Vec::with_capacity(group.len());
        for one in group {
            let result = self.try_authorize(std::slice::from_ref(&one)).await;
            results.push(result.map(|mut permits| permits.pop().unwrap_or_default()));
        }
        results
    }

    async fn try_authorize(&self, group: &[Authorization]) -> anyhow::Result<Vec<Vec<bool>>> {
        let mut tx = self.pool.begin().await.context("Failed to begin a transaction")?;
        self.lock_chain(&mut tx).await?;
        let mut events = Vec::new();
        let mut answers = Vec::with_capacity(group.len());
        for Authorization { context, planned } in group {
            let permits = use_consents(&mut tx, context, planned).await?;
            events.extend(planned.iter().zip(&permits).map(|(query, permit)| AuditEvent {
                actor_sub: context.caller_sub.clone(),
                actor_role: "system".into(),
                action: actions::AGENCY_QUERY,
                application_id: Some(context.application_id.clone()),
                subject: Some(query.subject.clone()),
                agency: Some(query.agency.as_str().to_owned()),
                consent_id: query.consent_id.clone(),
                outcome: permit.outcome().to_owned(),
            }));
            answers.push(permits.into_iter().map(|p| p == QueryPermit::Authorized).collect());
        }
        append_rows(&mut tx, &events).await?;
        tx.commit().await.context("Failed to commit the audit of queries")?;
        Ok(answers)
    }
}

/// Counts the use of each consent by `planned` and says which queries it permits: those
/// whose consent exists for this caller and person and is not revoked.
async fn use_consents(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    context: &QueryContext,
    planned: &[PlannedQuery],
) -> anyhow::Result<Vec<QueryPermit>> {
    // One usage update per consent and person, counting all its queries: a consent
    // usually covers every agency, and each statement is a round trip.
    let mut uses: Vec<(&str, &str, i64)> = Vec::new();
    for query in planned {
        let Some(consent_id) = query.consent_id.as_deref() else { continue };
        match uses.iter_mut().find(|(id, subject, _)| *id == consent_id && *subject == query.subject) {
            Some(found) => found.2 += 1,
            None => uses.push((consent_id, &query.subject, 1)),
        }
    }
    let mut in_force = Vec::with_capacity(uses.len());
    for (consent_id, subject, count) in &uses {
        let used = sqlx::query(
            "UPDATE consents SET usage_count = usage_count + $1 \
             WHERE caller_sub = $2 AND id = $3 AND subject = $4 AND revoked_at IS NULL",
        )
        .bind(*count)
        .bind(&context.caller_sub)
        .bind(*consent_id)
        .bind(*subject)
        .execute(&mut **tx)
        .await
        .context("Failed to count consent usage")?;
        in_force.push((*consent_id, *subject, used.rows_affected() == 1));
    }
    Ok(planned
        .iter()
        .map(|query| match query.consent_id.as_deref() {
            None => QueryPermit::NoConsent,
            Some(consent_id) => {
                let valid = in_force
                    .iter()
                    .any(|(id, subject, valid)| *valid && *id == consent_id && *subject == query.subject);
                if valid { QueryPermit::Authorized } else { QueryPermit::Revoked }
            }
        })
        .collect())
}

impl QueryLedger for Store {
    fn authorize<'a>(
        &'a self,
        context: &'a QueryContext,
        planned: &'a [PlannedQuery],
    ) -> BoxFuture<'a, anyhow::Result<Vec<bool>>> {
        Box::pin(async move {
            let authorization = Authorization { context: context.clone(), planned: planned.to_vec() };
            // The audit lock leads: appends of other kinds wait for the group, and it for them.
            self.ledger_group
                .submit(&self.audit_lock, authorization, |group| self.authorize_group(group))
                .await
        })
    }
}
