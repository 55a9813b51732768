//! The broker: fans one application's member × agency queries out concurrently.
//!
//! For every member and agency it first checks consent (no covering, valid consent → the
//! query is never sent and the source is `no_consent`), then the cache, then calls the
//! adapter under that agency's own deadline. A slow or failing source never blocks the
//! others: every query ends as one [`SourceResult`].

use crate::adapters::{AgencyAdapter, AgencyQuery};
use crate::cache::{AgencyCache, CacheKey, CachedFacts, Pseudonymizer};
use crate::domain::{
    Agency, Application, Consent, IdNumber, MemberEvidence, SourceResult, SourceStatus, YearMonth,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tracing::Instrument;

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
    cache: Arc<dyn AgencyCache>,
    pseudonymizer: Pseudonymizer,
}

/// Extra time the broker grants an adapter past its own deadline before giving up on it,
/// so the adapter's clean `Timeout` wins over the backstop in the normal case.
const BACKSTOP_GRACE: Duration = Duration::from_millis(250);

impl Broker {
    pub fn new(
        adapters: Vec<Arc<dyn AgencyAdapter>>,
        policies: HashMap<Agency, AgencyPolicy>,
        cache: Arc<dyn AgencyCache>,
        pseudonymizer: Pseudonymizer,
    ) -> Self {
        let adapters = adapters.into_iter().map(|a| (a.agency(), a)).collect();
        Self { adapters, policies, cache, pseudonymizer }
    }

    /// Queries every agency about every member, all at once. `now` decides consent validity.
    pub async fn gather(&self, application: &Application, now: OffsetDateTime) -> Vec<MemberEvidence> {
        let window = YearMonth::income_window(application.as_of);
        let members = application.household.members.iter().enumerate().map(|(index, member)| async move {
            let queries = Agency::ALL.into_iter().map(|agency| {
                let consent =
                    covering_consent(&application.consents, &member.id_number, agency, application, now);
                let span = tracing::info_span!("agency_query", agency = agency.as_str(), member = index);
                async move {
                    let result = match consent {
                        None => SourceResult::failed(SourceStatus::NoConsent, None),
                        Some(consent) => {
                            self.query(agency, &member.id_number, consent, application, window).await
                        }
                    };
                    (agency, result)
                }
                .instrument(span)
            });
            let sources: BTreeMap<Agency, SourceResult> =
                futures::future::join_all(queries).await.into_iter().collect();
            MemberEvidence { id_number: member.id_number.clone(), sources }
        });
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
        if let Some(hit) = self.cache.get(&key).await {
            tracing::debug!(agency = agency.as_str(), "cache hit");
            return SourceResult::ok(hit.facts, true, hit.fetched_at, consent.id.clone());
        }
        let query = AgencyQuery {
            id_number: person.clone(),
            consent_ref: consent.id.clone(),
            purpose: application.program,
            window,
        };
        let answer = tokio::time::timeout(policy.timeout + BACKSTOP_GRACE, adapter.query(&query)).await;
        match answer {
            Ok(Ok(facts)) => {
                let fetched_at = OffsetDateTime::now_utc();
                let entry = CachedFacts { subject: key.subject.clone(), facts: facts.clone(), fetched_at };
                self.cache.put(&key, entry, policy.cache_ttl).await;
                SourceResult::ok(facts, false, fetched_at, consent.id.clone())
            }
            Ok(Err(error)) => {
                tracing::warn!(agency = agency.as_str(), error = %error, "agency query failed");
                SourceResult::failed(error.status(), Some(consent.id.clone()))
            }
            Err(_) => {
                tracing::warn!(agency = agency.as_str(), "agency query overran its deadline");
                SourceResult::failed(SourceStatus::Timeout, Some(consent.id.clone()))
            }
        }
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
