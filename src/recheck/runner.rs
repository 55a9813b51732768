//! `hub recheck run`: one resumable batch of due re-checks with bounded concurrency.
//!
//! The batch id is derived from its parameters, so running the same command again resumes
//! the same batch: households already done are skipped, a re-check that was inserted but
//! not finished is taken over, and one whose report was stored but not yet recorded on the
//! beneficiary is only recorded. Agency rate limits are the broker's own (per agency, shared
//! through Redis when configured), so the batch cannot exceed them whatever its concurrency.

use super::{BATCH_LEASE, consent, diff, outcome};
use crate::broker::QueryContext;
use crate::cache::Pseudonymizer;
use crate::domain::{Application, MemberEvidence, Program, Recheck};
use crate::jobs::Verifier;
use crate::policy::Report;
use crate::store::{
    BatchItem, Beneficiary, BeneficiaryFilter, NewRecheck, RecheckOutcome, RecheckReport, Store,
};
use anyhow::Context;
use futures::StreamExt;
use indicatif::ProgressBar;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What a batch covers.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    /// Region code or prefix; `None` for every region.
    pub region: Option<String>,
    /// Households due before this date; default the day after `as_of`.
    pub due_before: Option<Date>,
    /// The re-checks' as_of (income window).
    pub as_of: Date,
    pub concurrency: usize,
    /// Re-check at most this many households in this run (the rest stay pending for the
    /// next run of the same batch); `None` for all.
    pub max: Option<usize>,
}

impl BatchSpec {
    fn due_before(&self) -> Date {
        self.due_before.unwrap_or_else(|| self.as_of.next_day().unwrap_or(self.as_of))
    }

    /// Same parameters, same batch: this is what makes a re-run resume.
    pub fn batch_id(&self) -> String {
        format!("{}:{}:{}", self.as_of, self.region.as_deref().unwrap_or("all"), self.due_before())
    }
}

/// The end-of-batch summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub batch_id: String,
    pub total: usize,
    /// Done by an earlier, interrupted run of the same batch.
    pub done_before: usize,
    pub rechecked: usize,
    pub needs_new_consent: usize,
    /// Re-checks that failed in this run.
    pub failed: usize,
    /// Not done: failed in this run (retried by the next run) or left for it by `max`.
    pub pending: usize,
    /// `old->new` verdicts (and `needs_new_consent`, `failed`) with their counts.
    pub outcomes: BTreeMap<String, usize>,
}

/// Runs batches against one store with one verifier.
pub struct RecheckRunner {
    pub store: Store,
    pub verifier: Arc<Verifier>,
    pub pseudonymizer: Pseudonymizer,
    /// Names this process as lease owner of the batch and of each re-check job.
    pub owner: String,
    /// How long a re-check job is ours before another instance may take it.
    pub job_lease: Duration,
}

/// How long the batch lease lasts without renewal (renewed every third of it).
const BATCH_LEASE_TTL: Duration = Duration::from_secs(60);
const MAX_HOUSEHOLDS: u32 = 10_000_000;

impl RecheckRunner {
    /// Runs (or resumes) the batch of `spec`, or refuses when another instance runs one.
    pub async fn run(&self, spec: &BatchSpec, progress: &ProgressBar) -> anyhow::Result<Summary> {
        let ttl = BATCH_LEASE_TTL.as_millis() as i64;
        if !self.store.acquire_lease(BATCH_LEASE, &self.owner, ttl).await? {
            anyhow::bail!("another instance is running a re-check batch; try again later");
        }
        let renewal = AbortOnDrop(self.renew_lease_in_background());
        let result = self.run_leased(spec, progress).await;
        drop(renewal);
        self.store.release_lease(BATCH_LEASE, &self.owner).await?;
        result
    }

    fn renew_lease_in_background(&self) -> tokio::task::JoinHandle<()> {
        let (store, owner) = (self.store.clone(), self.owner.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(BATCH_LEASE_TTL / 3).await;
                if let Err(error) =
                    store.acquire_lease(BATCH_LEASE, &owner, BATCH_LEASE_TTL.as_millis() as i64).await
                {
                    tracing::warn!(error = ?error, "could not renew the re-check batch lease");
                }
            }
        })
    }

    async fn run_leased(&self, spec: &BatchSpec, progress: &ProgressBar) -> anyhow::Result<Summary> {
        let batch_id = spec.batch_id();
        let filter = BeneficiaryFilter {
            region_prefixes: spec.region.iter().cloned().collect(),
            due_before: Some(spec.due_before().to_string()),
            recheckable: true,
            limit: MAX_HOUSEHOLDS,
        };
        let due: Vec<String> =
            self.store.list_beneficiaries(&filter).await?.into_iter().map(|b| b.id).collect();
        self.store.enqueue_batch(&batch_id, &due).await?;
        let items = self.store.batch_items(&batch_id).await?;
        let done_before = items.iter().filter(|i| i.done).count();
        progress.set_length(items.len() as u64);
        progress.set_position(done_before as u64);
        let pending: Vec<BatchItem> =
            items.iter().filter(|i| !i.done).take(spec.max.unwrap_or(usize::MAX)).cloned().collect();
        let failures = AtomicUsize::new(0);
        futures::stream::iter(pending)
            .for_each_concurrent(spec.concurrency.max(1), |item| {
                let (batch_id, failures) = (&batch_id, &failures);
                async move {
                    if let Err(error) = self.recheck_one(batch_id, &item, spec.as_of).await {
                        // Left pending: the next run of the batch tries it again.
                        tracing::error!(beneficiary = %item.beneficiary_id, error = ?error, "re-check failed");
                        let failed = failures.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.set_message(format!("{failed} failed"));
                    }
                    progress.inc(1);
                }
            })
            .await;
        progress.finish();
        let mut summary = Summary { batch_id: batch_id.clone(), done_before, ..Summary::default() };
        for item in self.store.batch_items(&batch_id).await? {
            summary.total += 1;
            // Not done: failed in this run, or left for a later one by `max`.
            let outcome = if item.done { item.outcome.unwrap_or_default() } else { "pending".to_owned() };
            match outcome.as_str() {
                "needs_new_consent" => summary.needs_new_consent += 1,
                "pending" => summary.pending += 1,
                _ => summary.rechecked += 1,
            }
            *summary.outcomes.entry(outcome).or_default() += 1;
        }
        summary.failed = failures.into_inner();
        Ok(summary)
    }

    async fn recheck_one(&self, batch_id: &str, item: &BatchItem, as_of: Date) -> anyhow::Result<()> {
        let beneficiary = self
            .store
            .beneficiary(&item.beneficiary_id)
            .await?
            .context("a batch names an unknown beneficiary")?;
        let (id, application) = match &item.application_id {
            Some(id) => {
                let record = self
                    .store
                    .get_application(Uuid::parse_str(id)?)
                    .await?
                    .context("a batch names an unknown re-check")?;
                if let Some(report) = &record.report {
                    return self.record(batch_id, &beneficiary, id, report.json()).await;
                }
                let application: Application =
                    record.body.clone().context("a re-check's application was erased before it ran")?;
                if !self.store.retake_recheck(id, &self.owner, self.lease_ms()).await? {
                    anyhow::bail!("the re-check {id} failed or is held elsewhere");
                }
                (record.id, application)
            }
            None => {
                let application = recheck_application(&beneficiary, as_of)?;
                let at = consent::check_time(as_of, OffsetDateTime::now_utc());
                let caller = &beneficiary.caller_sub;
                if !consent::may_recheck(&self.store, &self.pseudonymizer, caller, &application, at).await? {
                    return self.store.flag_needs_new_consent(batch_id, &beneficiary.id).await;
                }
                let id = Uuid::now_v7();
                let new = NewRecheck {
                    id,
                    program: application.program.as_str().to_owned(),
                    region: application.region.as_str().to_owned(),
                    caller_sub: caller.clone(),
                    applicant_masked: beneficiary.applicant_masked.clone(),
                    subjects: application
                        .household
                        .members
                        .iter()
                        .map(|m| self.pseudonymizer.pseudonym(&m.id_number))
                        .collect(),
                    body_json: serde_json::to_string(&application)?,
                };
                self.store
                    .start_recheck(batch_id, &beneficiary.id, new, &self.owner, self.lease_ms())
                    .await?;
                (id, application)
            }
        };
        self.verify(batch_id, &beneficiary, id, &application).await
    }

    fn lease_ms(&self) -> i64 {
        self.job_lease.as_millis() as i64
    }

    /// Verifies, and stores the report with its `changes` together with the outcome on
    /// the beneficiary and the batch.
    async fn verify(
        &self,
        batch_id: &str,
        beneficiary: &Beneficiary,
        id: Uuid,
        application: &Application,
    ) -> anyhow::Result<()> {
        let context =
            QueryContext { application_id: id.to_string(), caller_sub: beneficiary.caller_sub.clone() };
        let verification = self.verifier.verify(application, &context).await;
        let report = &verification.report;
        let changes = match self.previous_report(beneficiary).await? {
            Some((previous_id, previous, previous_evidence)) => {
                let limit = asset_limit(&verification.params, application);
                let evidence =
                    previous_evidence.as_deref().map(|old| (old, verification.evidence.as_slice()));
                let changes = diff::diff_with_units(&previous, report, limit, evidence);
                Some(diff::Changes { previous_application: Some(previous_id), ..changes })
            }
            None => None,
        };
        let mut json = serde_json::to_value(report)?;
        if let (Some(object), Some(changes)) = (json.as_object_mut(), changes) {
            object.insert("changes".into(), serde_json::to_value(changes)?);
        }
        let report_json = serde_json::to_string(&json)?;
        let id = id.to_string();
        let outcome = outcome_of(beneficiary, &id, report)?;
        let stored = RecheckReport {
            verdict: outcome.verdict.clone(),
            report_json,
            evidence_json: serde_json::to_string(&verification.evidence)?,
            policy_version: report.policy_version.clone(),
            policy_params_json: serde_json::to_string(&verification.params)?,
        };
        if !self.store.complete_recheck(batch_id, &beneficiary.id, stored, &self.owner, outcome).await? {
            anyhow::bail!("lost the lease of re-check {id}");
        }
        Ok(())
    }

    /// The previous report with its evidence, read together; the evidence is `None` once
    /// purged, or when it no longer reads (the diff then gives property counts alone).
    async fn previous_report(
        &self,
        beneficiary: &Beneficiary,
    ) -> anyhow::Result<Option<(String, Report, Option<Vec<MemberEvidence>>)>> {
        let Some(previous) = &beneficiary.last_application_id else { return Ok(None) };
        let Some(stored) = self.store.evidence(Uuid::parse_str(previous)?).await? else { return Ok(None) };
        let report = serde_json::from_str(&stored.report_json).context("previous report unreadable")?;
        let evidence = stored.evidence_json.and_then(|json| match serde_json::from_str(&json) {
            Ok(evidence) => Some(evidence),
            Err(error) => {
                // Only the unit list is lost; the re-check itself must not fail for it. The
                // message is not logged: it may quote a value, and the evidence holds raw IDs.
                let (line, column) = (error.line(), error.column());
                tracing::warn!(previous = %previous, line, column, "previous evidence unreadable");
                None
            }
        });
        Ok(Some((previous.clone(), report, evidence)))
    }

    /// Records the outcome of a re-check whose report an interrupted run already stored.
    async fn record(
        &self,
        batch_id: &str,
        beneficiary: &Beneficiary,
        id: &str,
        report_json: &str,
    ) -> anyhow::Result<()> {
        let report: Report =
            serde_json::from_str(report_json).context("stored re-check report unreadable")?;
        let outcome = outcome_of(beneficiary, id, &report)?;
        self.store.finish_recheck(batch_id, &beneficiary.id, &outcome).await
    }
}

/// What a re-check's report means for its beneficiary.
fn outcome_of(
    beneficiary: &Beneficiary,
    application_id: &str,
    report: &Report,
) -> anyhow::Result<RecheckOutcome> {
    let previous_due =
        Date::parse(&beneficiary.recheck_due, time::macros::format_description!("[year]-[month]-[day]"))
            .context("stored recheck_due unreadable")?;
    let next = outcome::next_state(report, previous_due);
    let verdict = serde_json::to_value(report.verdict)?.as_str().unwrap_or_default().to_owned();
    let category = report.category.map(serde_json::to_value).transpose()?;
    let old = beneficiary.last_verdict.as_deref().unwrap_or("registered");
    Ok(RecheckOutcome {
        application_id: application_id.to_owned(),
        status: next.status.to_owned(),
        outcome: format!("{old}->{verdict}"),
        verdict,
        category: category.as_ref().and_then(|c| c.as_str()).map(str::to_owned),
        benefit: report.suggested_monthly_benefit.map(|b| b.to_string()),
        recheck_due: next.recheck_due.to_string(),
    })
}

/// Stops the lease renewal however the batch ends, dropped mid-way included (it then
/// expires and another instance may take over).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The beneficiary's household as a re-check application on `as_of`.
fn recheck_application(beneficiary: &Beneficiary, as_of: Date) -> anyhow::Result<Application> {
    let mut application: Application =
        serde_json::from_str(&beneficiary.body_json).context("stored beneficiary body unreadable")?;
    application.as_of = as_of;
    application.recheck = Some(Recheck { poverty_relief: beneficiary.poverty_relief });
    application.callback_url = None;
    Ok(application)
}

/// The per-capita financial-asset limit of the programme (DESIGN §5).
fn asset_limit(params: &crate::policy::PolicyParams, application: &Application) -> crate::domain::Money {
    let months = match application.program {
        Program::LowIncome | Program::Temporary => params.financial_assets_months_low_income,
        Program::Dibao | Program::Tekun => params.financial_assets_months_dibao,
    };
    let limit: Decimal = months * params.standard(application.area);
    crate::domain::Money::from_decimal(limit)
}
