//! The broker: fans one application's member × agency queries out concurrently.
//!
//! For every member and agency it first checks consent (no covering, valid consent → the
//! query is never sent and the source is `no_consent`), then the cache through
//! single-flight (concurrent identical queries make one call), then calls the adapter
//! under that agency's own deadline. A slow or failing source never blocks the
//! others: every query ends as one [`SourceResult`].

use crate::adapters::{AdapterError, AgencyAdapter, AgencyQuery};
use crate::cache::{AgencyCache, CacheKey, Pseudonymizer, SingleFlight};
use crate::domain::{
    Agency, Application, Consent, IdNumber, MemberEvidence, SourceResult, SourceStatus, YearMonth,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tracing::Instrument;

mod ledger;
pub use ledger::{PlannedQuery, QueryContext, QueryLedger};

/// Per-agency knobs the broker needs besides the adapter itself.
#[derive(Debug, Clone, Copy)]
pub struct AgencyPolicy {
    /// The query's deadline; the adapter enforces it, the broker backs it up.
    pub timeout: Duration,
    pub cache_ttl: Duration,
}

pub struct Broker {
    adapters: HashMap<Agency, Arc<dyn AgencyAdapter>>,
    policies: HashMap<Agency, AgencyPolicy>,
    /// The cache behind single-flight: one agency call per (agency, person, query) at a time.
    flights: SingleFlight<AdapterError>,
    pseudonymizer: Pseudonymizer,
    /// Bounds one application's whole fan-out (`agencies.application_deadline_ms`).
    application_deadline: Duration,
    /// Audit and consent bookkeeping; `None` only in tools and tests that have no store.
    ledger: Option<Arc<dyn QueryLedger>>,
}

/// Extra time the broker grants an adapter past its own deadline before giving up on it,
/// so the adapter's clean `Timeout` wins over the backstop in the normal case.
const BACKSTOP_GRACE: Duration = Duration::from_millis(250);

const DEFAULT_APPLICATION_DEADLINE: Duration = Duration::from_secs(10);

impl Broker {
    pub fn new(
        adapters: Vec<Arc<dyn AgencyAdapter>>,
        policies: HashMap<Agency, AgencyPolicy>,
        cache: Arc<dyn AgencyCache>,
        pseudonymizer: Pseudonymizer,
    ) -> Self {
        let adapters = adapters.into_iter().map(|a| (a.agency(), a)).collect();
        let flights = SingleFlight::new(cache);
        Self {
            adapters,
            policies,
            flights,
            pseudonymizer,
            application_deadline: DEFAULT_APPLICATION_DEADLINE,
            ledger: None,
        }
    }

    /// Records and authorizes every planned query in `ledger` (audit, consent).
    pub fn with_ledger(mut self, ledger: Arc<dyn QueryLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Audits every planned query (consented or refused) before any is sent and returns,
    /// per member and agency, the consent a query may go out under.
    async fn authorize<'a>(
        &self,
        application: &'a Application,
        context: &QueryContext,
        now: OffsetDateTime,
    ) -> Vec<Vec<Result<&'a Consent, Box<SourceResult>>>> {
        let consents: Vec<Vec<Option<&Consent>>> = application
            .household
            .members
            .iter()
            .map(|m| {
                Agency::ALL
                    .iter()
                    .map(|a| covering_consent(&application.consents, &m.id_number, *a, application, now))
                    .collect()
            })
            .collect();
        let planned: Vec<PlannedQuery> = application
            .household
            .members
            .iter()
            .zip(&consents)
            .flat_map(|(member, row)| {
                let subject = self.pseudonymizer.pseudonym(&member.id_number);
                Agency::ALL.iter().zip(row).map(move |(agency, consent)| PlannedQuery {
                    agency: *agency,
                    subject: subject.clone(),
                    consent_id: consent.map(|c| c.id.clone()),
                })
            })
            .collect();
        let recorded = match &self.ledger {
            None => Ok(vec![true; planned.len()]),
            Some(ledger) => ledger.authorize(context, &planned).await,
        };
        let (permits, audit_failed) = match recorded {
            Ok(permits) => (permits, false),
            Err(error) => {
                tracing::error!(error = ?error, "audit log unavailable: no agency is queried (fail closed)");
                (vec![false; planned.len()], true)
            }
        };
        let mut permits = permits.into_iter();
        consents
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|consent| {
                        let permitted = permits.next().unwrap_or(false);
                        match consent {
                            None => Err(Box::new(SourceResult::failed(SourceStatus::NoConsent, None))),
                            Some(consent) if permitted => Ok(consent),
                            Some(consent) if audit_failed => Err(Box::new(
                                SourceResult::failed(SourceStatus::Unavailable, Some(consent.id.clone()))
                                    .with_cause(Some("audit_unavailable")),
                            )),
                            Some(consent) => Err(Box::new(
                                SourceResult::failed(SourceStatus::NoConsent, Some(consent.id.clone()))
                                    .with_cause(Some("consent_revoked")),
                            )),
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Sets the deadline of one application's whole fan-out.
    pub fn with_application_deadline(mut self, deadline: Duration) -> Self {
        self.application_deadline = deadline;
        self
    }

    /// Queries every agency about every member, all at once. `now` decides consent validity.
    /// The application's deadline bounds the whole: a source still running then is `timeout`.
    pub async fn gather(
        &self,
        application: &Application,
        context: &QueryContext,
        now: OffsetDateTime,
    ) -> Vec<MemberEvidence> {
        let deadline = tokio::time::Instant::now() + self.application_deadline;
        let window = YearMonth::income_window(application.as_of);
        let decisions = self.authorize(application, context, now).await;
        let members = application.household.members.iter().zip(decisions).enumerate().map(
            |(index, (member, row))| async move {
                let queries = Agency::ALL.into_iter().zip(row).map(|(agency, decision)| {
                    let span = tracing::info_span!("agency_query", agency = agency.as_str(), member = index);
                    async move {
                        let result = match decision {
                            Err(refused) => *refused,
                            Ok(consent) => {
                                let query =
                                    self.query(agency, &member.id_number, consent, application, window);
                                tokio::time::timeout_at(deadline, query).await.unwrap_or_else(|_| {
                                    tracing::warn!(agency = agency.as_str(), "application deadline reached");
                                    SourceResult::failed(SourceStatus::Timeout, Some(consent.id.clone()))
                                })
                            }
                        };
                        (agency, result)
                    }
                    .instrument(span)
                });
                let sources: BTreeMap<Agency, SourceResult> =
                    futures::future::join_all(queries).await.into_iter().collect();
                MemberEvidence { id_number: member.id_number.clone(), sources }
            },
        );
        futures::future::join_all(members).await
    }

    async fn query(
        &self,
        agency: Agency,
        person: &IdNumber,
        consent: &Consent,
        application: &Application,
        window: (YearMonth, YearMonth),
    ) -> SourceResult {
        let (Some(adapter), Some(policy)) = (self.adapters.get(&agency), self.policies.get(&agency)) else {
            tracing::error!(agency = agency.as_str(), "no adapter configured");
            return SourceResult::failed(SourceStatus::Unavailable, Some(consent.id.clone()));
        };
        let key = CacheKey::new(agency, self.pseudonymizer.pseudonym(person), &fingerprint(agency, window));
        let query = AgencyQuery {
            id_number: person.clone(),
            consent_ref: consent.id.clone(),
            purpose: application.program,
            window,
            deadline: None,
        };
        let (adapter, backstop) = (adapter.clone(), policy.timeout + BACKSTOP_GRACE);
        // Runs only on a miss, once for every request that joins this flight.
        let fetch = move || {
            async move {
                match tokio::time::timeout(backstop, adapter.query(&query)).await {
                    Ok(Ok(facts)) => Ok(facts),
                    Ok(Err(error)) => {
                        tracing::warn!(agency = agency.as_str(), error = %error, "agency query failed");
                        Err(error)
                    }
                    Err(_) => {
                        tracing::warn!(agency = agency.as_str(), "agency query overran its deadline");
                        Err(AdapterError::Timeout)
                    }
                }
            }
            .in_current_span()
        };
        match self.flights.get_or_fetch(&key, policy.cache_ttl, fetch).await {
            Ok(found) => SourceResult::ok(found.facts, found.cached, found.fetched_at, consent.id.clone()),
            Err(error) => {
                SourceResult::failed(error.status(), Some(consent.id.clone())).with_cause(error.cause())
            }
        }
    }

    /// The cache the broker reads through (for readiness and consent revocation).
    pub fn cache(&self) -> &Arc<dyn AgencyCache> {
        self.flights.cache()
    }
}

/// The consent under which `agency` may be asked about `person` for this application now.
fn covering_consent<'a>(
    consents: &'a [Consent],
    person: &IdNumber,
    agency: Agency,
    application: &Application,
    now: OffsetDateTime,
) -> Option<&'a Consent> {
    consents.iter().find(|c| c.covers(person, agency, application.program, now))
}

/// What, besides the person, an agency's answer depends on.
fn fingerprint(agency: Agency, window: (YearMonth, YearMonth)) -> String {
    match agency {
        Agency::Tax => format!("{}..{}", window.0, window.1),
        Agency::RealEstate | Agency::HousingFund | Agency::Bank => "current".to_owned(),
    }
}
