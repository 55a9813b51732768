//! The state one mock server shares across its workers: the population, the faults in
//! force, the knobs, the counters and the bank's open inquiries.

use crate::agency::Agency;
use crate::bank::Inquiry;
use crate::config::{ApiKeys, Latency, MockConfig};
use crate::faults::{Fault, FaultTable};
use crate::fixtures::Person;
use crate::prng::SplitMix64;
use crate::rate_limit::{Bucket, Peak, RateLimit};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// An agency name that is not `tax`, `real_estate`, `housing_fund` or `bank`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agency `{0}` (expected tax, real_estate, housing_fund or bank)")]
pub struct UnknownAgency(pub String);

/// The knobs that can change while the server runs, and the generator that draws from them.
#[derive(Debug)]
struct Knobs {
    latency: Latency,
    error_rate_permille: u32,
    rng: SplitMix64,
}

#[derive(Debug, Default)]
struct Counters {
    totals: [u64; 4],
    per_person: HashMap<(Agency, String), u64>,
    /// Requests answered 429 by the agency's rate limit.
    rate_limited: [u64; 4],
    peaks: [Peak; 4],
}

/// Request counters as the control endpoint reports them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallCounts {
    pub totals: BTreeMap<Agency, u64>,
    pub per_person: BTreeMap<Agency, BTreeMap<String, u64>>,
    /// Requests answered 429 by the agency's rate limit.
    pub rate_limited: BTreeMap<Agency, u64>,
    /// The most requests the agency received within any one second.
    pub peak_per_second: BTreeMap<Agency, u64>,
}

pub struct MockState {
    /// Indexed once: every agency request looks a person up.
    persons: HashMap<String, Person>,
    api_keys: ApiKeys,
    /// How long an inquiry stays pending, in ms; a knob that can change while running.
    bank_ready_ms: AtomicU64,
    faults: Mutex<FaultTable>,
    rate_limits: Mutex<[Option<Bucket>; 4]>,
    knobs: Mutex<Knobs>,
    counters: Mutex<Counters>,
    inquiries: Mutex<HashMap<String, Inquiry>>,
    /// Inquiry ids are sequential so that a run is reproducible.
    next_inquiry: AtomicU64,
}

/// Summary only: the population and counters hold raw ID numbers.
impl std::fmt::Debug for MockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockState").field("persons", &self.persons.len()).finish_non_exhaustive()
    }
}

/// A poisoned lock only means another request panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn agency(name: &str) -> Result<Agency, UnknownAgency> {
    Agency::parse(name).ok_or_else(|| UnknownAgency(name.to_owned()))
}

impl MockState {
    pub fn new(config: MockConfig) -> Self {
        let faults = FaultTable::from_fixtures(&config.fixtures);
        Self {
            persons: config.fixtures.persons.into_iter().map(|p| (p.id_number.clone(), p)).collect(),
            api_keys: config.api_keys,
            bank_ready_ms: AtomicU64::new(config.bank_ready_ms),
            faults: Mutex::new(faults),
            rate_limits: Mutex::new([None, None, None, None]),
            knobs: Mutex::new(Knobs {
                latency: config.latency,
                error_rate_permille: config.error_rate_permille.min(1000),
                rng: SplitMix64::new(config.seed),
            }),
            counters: Mutex::new(Counters::default()),
            inquiries: Mutex::new(HashMap::new()),
            next_inquiry: AtomicU64::new(1),
        }
    }

    /// Requests received by `agency` that named this person (0 for an unknown agency).
    pub fn calls(&self, agency: &str, id_number: &str) -> u64 {
        let Some(agency) = Agency::parse(agency) else { return 0 };
        lock(&self.counters).per_person.get(&(agency, id_number.to_owned())).copied().unwrap_or(0)
    }

    /// Every request to `agency`'s paths, including polls and rejected requests.
    pub fn total_calls(&self, agency: &str) -> u64 {
        Agency::parse(agency).map_or(0, |a| lock(&self.counters).totals[a.index()])
    }

    pub fn call_counts(&self) -> CallCounts {
        let counters = lock(&self.counters);
        let mut per_person: BTreeMap<Agency, BTreeMap<String, u64>> =
            Agency::ALL.into_iter().map(|a| (a, BTreeMap::new())).collect();
        for ((agency, id), count) in &counters.per_person {
            per_person.entry(*agency).or_default().insert(id.clone(), *count);
        }
        let each = |values: &[u64; 4]| Agency::ALL.into_iter().map(|a| (a, values[a.index()])).collect();
        CallCounts {
            totals: each(&counters.totals),
            per_person,
            rate_limited: each(&counters.rate_limited),
            peak_per_second: each(&counters.peaks.each_ref().map(|p| p.max)),
        }
    }

    pub fn reset_counts(&self) {
        *lock(&self.counters) = Counters::default();
    }

    /// Sets (`Some`) or clears (`None`) a fault at `agency` for one person, or for
    /// everyone when `id_number` is `None`. Overrides the fixture's faults.
    ///
    /// # Panics
    /// On an agency name other than `tax`, `real_estate`, `housing_fund`, `bank`: a typo
    /// in a test must not silently inject nothing. See [`Self::try_set_fault`].
    pub fn set_fault(&self, agency: &str, id_number: Option<&str>, fault: Option<Fault>) {
        if let Err(err) = self.try_set_fault(agency, id_number, fault) {
            panic!("{err}");
        }
    }

    pub fn try_set_fault(
        &self,
        agency_name: &str,
        id_number: Option<&str>,
        fault: Option<Fault>,
    ) -> Result<(), UnknownAgency> {
        self.set_fault_at(agency(agency_name)?, id_number, fault);
        Ok(())
    }

    pub(crate) fn set_fault_at(&self, agency: Agency, id_number: Option<&str>, fault: Option<Fault>) {
        lock(&self.faults).set(agency, id_number, fault);
    }

    /// Drops every fault set at run time; the fixture's faults apply again.
    pub fn restore_fixture_faults(&self) {
        lock(&self.faults).restore_fixture();
    }

    /// The fault in force at `agency` for this person.
    pub fn fault(&self, agency: &str, id_number: &str) -> Option<Fault> {
        Agency::parse(agency).and_then(|a| self.fault_at(a, id_number))
    }

    pub fn set_latency(&self, latency: Latency) {
        lock(&self.knobs).latency = latency;
    }

    pub fn set_error_rate_permille(&self, permille: u32) {
        lock(&self.knobs).error_rate_permille = permille.min(1000);
    }

    pub fn latency(&self) -> Latency {
        lock(&self.knobs).latency
    }

    pub fn error_rate_permille(&self) -> u32 {
        lock(&self.knobs).error_rate_permille
    }

    pub(crate) fn person(&self, id_number: &str) -> Option<&Person> {
        self.persons.get(id_number)
    }

    pub(crate) fn api_key(&self, agency: Agency) -> &str {
        self.api_keys.for_agency(agency)
    }

    pub(crate) fn bank_ready(&self) -> Duration {
        Duration::from_millis(self.bank_ready_ms.load(Ordering::Relaxed))
    }

    /// Sets how long new polls find an inquiry pending after its submission.
    pub fn set_bank_ready_ms(&self, millis: u64) {
        self.bank_ready_ms.store(millis, Ordering::Relaxed);
    }

    /// Limits `agency` to `limit` (a full bucket to start), or lifts its limit (`None`).
    pub fn set_rate_limit(&self, agency: &str, limit: Option<RateLimit>) -> Result<(), UnknownAgency> {
        let agency = self::agency(agency)?;
        self.set_rate_limit_at(agency, limit);
        Ok(())
    }

    pub(crate) fn set_rate_limit_at(&self, agency: Agency, limit: Option<RateLimit>) {
        let limit = limit.filter(|l| l.rate_per_s.is_finite() && l.rate_per_s > 0.0);
        lock(&self.rate_limits)[agency.index()] = limit.map(Bucket::new);
    }

    /// Requests to `agency` answered 429 by its rate limit.
    pub fn rate_limited(&self, agency: &str) -> u64 {
        Agency::parse(agency).map_or(0, |a| lock(&self.counters).rate_limited[a.index()])
    }

    /// The most requests `agency` received within any one second.
    pub fn peak_per_second(&self, agency: &str) -> u64 {
        Agency::parse(agency).map_or(0, |a| lock(&self.counters).peaks[a.index()].max)
    }

    /// Takes a token of `agency`'s rate limit; `Some(wait)` when there is none (and
    /// counts the refusal).
    pub(crate) fn over_rate_limit(&self, agency: Agency) -> Option<Duration> {
        let wait = lock(&self.rate_limits)[agency.index()].as_mut()?.take(Instant::now()).err()?;
        lock(&self.counters).rate_limited[agency.index()] += 1;
        Some(wait)
    }

    pub(crate) fn fault_at(&self, agency: Agency, id_number: &str) -> Option<Fault> {
        lock(&self.faults).get(agency, id_number)
    }

    /// Counts one request to `agency`, and one for each distinct person it names.
    pub(crate) fn count(&self, agency: Agency, persons: &[&str]) {
        let mut counters = lock(&self.counters);
        counters.totals[agency.index()] += 1;
        counters.peaks[agency.index()].arrive(Instant::now());
        let mut named: Vec<&str> = persons.to_vec();
        named.sort_unstable();
        named.dedup();
        for id in named {
            *counters.per_person.entry((agency, id.to_owned())).or_default() += 1;
        }
    }

    /// Draws the delay for one request, and whether it is one of the error-rate 503s.
    pub(crate) fn draw(&self) -> (Duration, bool) {
        let mut knobs = lock(&self.knobs);
        let (low, high) = (knobs.latency.min_ms(), knobs.latency.max_ms());
        let delay = knobs.rng.between(low, high);
        let permille = knobs.error_rate_permille;
        let fail = permille > 0 && knobs.rng.chance(permille);
        (Duration::from_millis(delay), fail)
    }

    pub(crate) fn open_inquiry(&self, inquiry: Inquiry) -> String {
        let id = format!("INQ{:010}", self.next_inquiry.fetch_add(1, Ordering::Relaxed));
        lock(&self.inquiries).insert(id.clone(), inquiry);
        id
    }

    pub(crate) fn inquiry(&self, id: &str) -> Option<Inquiry> {
        lock(&self.inquiries).get(id).cloned()
    }
}
