//! The banks' deposit-inquiry service: asynchronous and batched.
//!
//! `POST /bank/v1/deposit-inquiries` submits persons and returns an `inquiry_id`; the hub
//! then polls `GET /bank/v1/deposit-inquiries/{inquiry_id}` until it is `done`, all within
//! the endpoint's one deadline. The single-person [`AgencyAdapter::query`] is an inquiry
//! of one; [`AgencyAdapter::query_batch`] puts many persons in one inquiry (the
//! [`coalescer`](super::coalescer) decides who goes together).

use super::http_client::{Call, agency_url};
use super::wire::{amount, decode, malformed};
use super::{AdapterError, AgencyAdapter, AgencyEndpoint, AgencyQuery};
use crate::domain::facts::{BankAccount, BankFacts, BankProduct};
use crate::domain::{Agency, AgencyFacts, IdNumber};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// Polling starts fast (small inquiries finish in tens of milliseconds) and backs off
/// so that a slow bank is asked a few times a second at most.
const FIRST_POLL_DELAY: Duration = Duration::from_millis(25);
const MAX_POLL_DELAY: Duration = Duration::from_millis(400);

pub struct BankAdapter {
    client: reqwest::Client,
    endpoint: AgencyEndpoint,
}

/// One person in an inquiry and the consent it is made under.
struct Subject<'a> {
    id_number: &'a IdNumber,
    consent_ref: &'a str,
}

#[derive(Serialize)]
struct WireSubmission<'a> {
    requests: Vec<WireRequest<'a>>,
}

#[derive(Serialize)]
struct WireRequest<'a> {
    id_number: &'a str,
    #[serde(rename = "ref")]
    consent_ref: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireAccepted {
    inquiry_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireInquiry {
    status: WireStatus,
    /// Absent or empty while pending.
    #[serde(default)]
    results: Option<Vec<WireResult>>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum WireStatus {
    Pending,
    Done,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireResult {
    id_number: String,
    accounts: Vec<WireAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireAccount {
    institution: String,
    product: String,
    balance: String,
    currency: String,
}

impl BankAdapter {
    pub fn new(client: reqwest::Client, endpoint: AgencyEndpoint) -> Self {
        Self { client, endpoint }
    }

    #[tracing::instrument(skip_all, fields(agency = "bank"))]
    async fn fetch(&self, query: &AgencyQuery) -> Result<BankFacts, AdapterError> {
        let subject = Subject { id_number: &query.id_number, consent_ref: &query.consent_ref };
        let mut facts = self.submit_and_collect(&[subject], query.deadline).await?;
        facts
            .remove(&query.id_number)
            .ok_or_else(|| malformed("bank answer has no result for the person asked about"))
    }

    /// One inquiry for all of `queries`, under the earliest of their deadlines. An inquiry
    /// may name a person only once (the answer would hold two results for them, which
    /// [`sort_results`] refuses), so a person asked about twice goes into a second inquiry,
    /// sent at the same time; the coalescer never builds such a batch.
    #[tracing::instrument(skip_all, fields(agency = "bank", persons = queries.len()))]
    async fn fetch_batch(&self, queries: &[AgencyQuery]) -> Result<Vec<BankFacts>, AdapterError> {
        let deadline = super::earliest_deadline(queries);
        let rounds = rounds(queries);
        let inquiries = (0..rounds.iter().max().map_or(0, |last| last + 1)).map(|round| {
            let subjects: Vec<Subject<'_>> = queries
                .iter()
                .zip(&rounds)
                .filter(|(_, r)| **r == round)
                .map(|(q, _)| Subject { id_number: &q.id_number, consent_ref: &q.consent_ref })
                .collect();
            async move { self.submit_and_collect(&subjects, deadline).await }
        });
        let mut answers = futures::future::try_join_all(inquiries).await?;
        queries
            .iter()
            .zip(&rounds)
            .map(|(query, round)| {
                answers
                    .get_mut(*round)
                    .and_then(|answer| answer.remove(&query.id_number))
                    .ok_or_else(|| malformed("bank answer has no result for a person asked about"))
            })
            .collect()
    }

    /// Submits one inquiry for `subjects` and polls it to the end, all within one
    /// deadline (the endpoint's timeout, or `deadline` when earlier). Every subject has
    /// an entry in the answer; an answer about anyone else is refused whole, since the
    /// bank may have mixed up inquiries. The submission is repeated only when it never
    /// reached the bank; a poll is a read and is retried on 5xx and 429 as well.
    async fn submit_and_collect(
        &self,
        subjects: &[Subject<'_>],
        deadline: Option<tokio::time::Instant>,
    ) -> Result<HashMap<IdNumber, BankFacts>, AdapterError> {
        // Each person's consent travels in the body; the header lists them all, which for
        // a single person is exactly that person's reference.
        let consent_refs = subjects.iter().map(|s| s.consent_ref).collect::<Vec<_>>().join(", ");
        let call = Call::start(&self.client, &self.endpoint, &consent_refs).within(deadline);
        call.bounded(self.exchange(&call, subjects)).await
    }

    async fn exchange(
        &self,
        call: &Call<'_>,
        subjects: &[Subject<'_>],
    ) -> Result<HashMap<IdNumber, BankFacts>, AdapterError> {
        let base = &self.endpoint.base_url;
        let submission = WireSubmission {
            requests: subjects
                .iter()
                .map(|s| WireRequest { id_number: s.id_number.expose(), consent_ref: s.consent_ref })
                .collect(),
        };
        let url = agency_url(base, &["bank", "v1", "deposit-inquiries"], &[])?;
        let accepted: WireAccepted =
            decode(&call.post_json(url, &submission).await?.success()?, "bank submission")?;
        let inquiry_id = checked_inquiry_id(&accepted.inquiry_id)?;
        let url = agency_url(base, &["bank", "v1", "deposit-inquiries", inquiry_id], &[])?;
        let mut delay = FIRST_POLL_DELAY;
        loop {
            let inquiry: WireInquiry = decode(&call.get(url.clone()).await?.success()?, "bank inquiry")?;
            if inquiry.status == WireStatus::Done {
                return sort_results(inquiry.results.unwrap_or_default(), subjects);
            }
            // The call's deadline bounds this loop: a sleep past it ends in `Timeout`.
            tokio::time::sleep(jittered(delay)).await;
            delay = (delay * 2).min(MAX_POLL_DELAY);
        }
    }
}

/// For each query, the inquiry it goes into: a person's first query into the first, their
/// second into the second, and so on.
fn rounds(queries: &[AgencyQuery]) -> Vec<usize> {
    let mut seen: HashMap<&IdNumber, usize> = HashMap::new();
    queries
        .iter()
        .map(|query| {
            let count = seen.entry(&query.id_number).or_default();
            *count += 1;
            *count - 1
        })
        .collect()
}

/// The inquiry id goes into a URL path, so it must be a plain token: a bank that answers
/// with `../` or a query string is not followed anywhere.
fn checked_inquiry_id(id: &str) -> Result<&str, AdapterError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
    if (1..=128).contains(&id.len()) && id.bytes().all(token) && id != "." && id != ".." {
        Ok(id)
    } else {
        Err(malformed("bank inquiry_id is not a plain URL-safe token"))
    }
}

fn sort_results(
    results: Vec<WireResult>,
    subjects: &[Subject<'_>],
) -> Result<HashMap<IdNumber, BankFacts>, AdapterError> {
    let mut facts = HashMap::new();
    for result in results {
        let id = IdNumber::parse_structure(&result.id_number)
            .map_err(|_| malformed("bank result id_number is not a valid ID number"))?;
        if !subjects.iter().any(|s| *s.id_number == id) {
            return Err(malformed("bank answer names a person who was not asked about"));
        }
        let accounts = result.accounts.into_iter().map(normalize).collect::<Result<_, _>>()?;
        if facts.insert(id, BankFacts { accounts }).is_some() {
            return Err(malformed("bank answer has two results for one person"));
        }
    }
    if subjects.iter().any(|s| !facts.contains_key(s.id_number)) {
        return Err(malformed("bank answer has no result for a person asked about"));
    }
    Ok(facts)
}

fn normalize(account: WireAccount) -> Result<BankAccount, AdapterError> {
    let product = match account.product.as_str() {
        "demand" => BankProduct::Demand,
        "time" => BankProduct::Time,
        "wealth" => BankProduct::Wealth,
        _ => return Err(malformed("bank account product is not demand, time or wealth")),
    };
    if !(account.currency.len() == 3 && account.currency.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(malformed("bank account currency is not an ISO 4217 code"));
    }
    if account.institution.trim().is_empty() {
        return Err(malformed("bank account has no institution"));
    }
    Ok(BankAccount {
        balance: amount(&account.balance, "bank account balance")?,
        institution: account.institution,
        product,
        currency: account.currency,
    })
}

/// Half the delay fixed and half random, so hubs that submitted together do not poll
/// the bank in lockstep. `RandomState` is randomly keyed: enough randomness for spacing.
fn jittered(delay: Duration) -> Duration {
    let half = delay / 2;
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_nanos(RandomState::new().hash_one(Instant::now()) % span)
}

impl AgencyAdapter for BankAdapter {
    fn agency(&self) -> Agency {
        Agency::Bank
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move { self.fetch(query).await.map(AgencyFacts::Bank) })
    }

    fn query_batch<'a>(
        &'a self,
        queries: &'a [AgencyQuery],
    ) -> BoxFuture<'a, Result<Vec<AgencyFacts>, AdapterError>> {
        Box::pin(async move {
            let facts = self.fetch_batch(queries).await?;
            Ok(facts.into_iter().map(AgencyFacts::Bank).collect())
        })
    }
}

#[cfg(test)]
mod tests;
