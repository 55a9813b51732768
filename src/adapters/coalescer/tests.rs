//! The coalescer against a scripted bank (time paused, so every wait is exact): grouping
//! under load, one person per inquiry, failure isolation and deadlines.

use super::*;
use crate::adapters::{Rejection, earliest_deadline};
use crate::domain::facts::{BankAccount, BankFacts, BankProduct};
use crate::domain::{Program, YearMonth};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

const MS: Duration = Duration::from_millis(1);
/// How long the scripted bank takes to answer an inquiry.
const INQUIRY: Duration = Duration::from_millis(100);
/// The bank's query deadline in these tests.
const TIMEOUT: Duration = Duration::from_millis(1000);

/// What an inquiry naming a person does (the worst among its persons, as at the bank).
#[derive(Clone)]
enum Behaviour {
    Slow(Duration),
    Hang,
    Fail(AdapterError),
}

#[derive(Debug, Clone, PartialEq)]
struct Call {
    batch: bool,
    persons: Vec<usize>,
    /// When it was sent and the deadline it was given, from the test's start.
    at: Duration,
    deadline: Duration,
}

struct Scripted {
    start: Instant,
    faults: HashMap<usize, Behaviour>,
    calls: std::sync::Mutex<Vec<Call>>,
    completed: AtomicUsize,
}

impl Scripted {
    fn new(faults: impl IntoIterator<Item = (usize, Behaviour)>) -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            faults: faults.into_iter().collect(),
            calls: std::sync::Mutex::new(Vec::new()),
            completed: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The persons of each call, in the order the calls were made (alone calls that
    /// start together are sorted, since they race).
    fn persons(&self) -> Vec<(bool, Vec<usize>)> {
        let mut calls = self.calls();
        calls.sort_by(|a, b| a.at.cmp(&b.at).then(a.persons.cmp(&b.persons)));
        calls.into_iter().map(|c| (c.batch, c.persons)).collect()
    }

    async fn answer(&self, queries: &[AgencyQuery], batch: bool) -> Result<Vec<AgencyFacts>, AdapterError> {
        let deadline = earliest_deadline(queries).expect("the coalescer always sets a deadline");
        let persons: Vec<usize> = queries.iter().map(|q| index(&q.id_number)).collect();
        let behaviour = persons.iter().find_map(|p| self.faults.get(p)).cloned();
        self.calls.lock().unwrap().push(Call {
            batch,
            persons: persons.clone(),
            at: Instant::now() - self.start,
            deadline: deadline - self.start,
        });
        let work = async {
            match behaviour {
                None => tokio::time::sleep(INQUIRY).await,
                Some(Behaviour::Slow(delay)) => tokio::time::sleep(delay).await,
                Some(Behaviour::Hang) => std::future::pending().await,
                Some(Behaviour::Fail(error)) => {
                    tokio::time::sleep(INQUIRY).await;
                    return Err(error);
                }
            }
            self.completed.fetch_add(1, Ordering::SeqCst);
            Ok(persons.iter().map(|p| facts(*p)).collect())
        };
        tokio::time::timeout_at(deadline, work).await.unwrap_or(Err(AdapterError::Timeout))
    }
}

impl AgencyAdapter for Scripted {
    fn agency(&self) -> Agency {
        Agency::Bank
    }

    fn query<'a>(&'a self, query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move {
            let mut facts = self.answer(std::slice::from_ref(query), false).await?;
            facts.pop().ok_or(AdapterError::Malformed("empty".into()))
        })
    }

    fn query_batch<'a>(
        &'a self,
        queries: &'a [AgencyQuery],
    ) -> BoxFuture<'a, Result<Vec<AgencyFacts>, AdapterError>> {
        Box::pin(self.answer(queries, true))
    }
}

fn person(index: usize) -> IdNumber {
    let id = mocks::id_number::with_check_char(&format!("50010319800101{index:03}")).unwrap();
    IdNumber::parse_structure(&id).unwrap()
}

fn index(id: &IdNumber) -> usize {
    id.expose()[14..17].parse().unwrap()
}

/// Each person's own facts, so that an answer given to the wrong caller shows.
fn facts(index: usize) -> AgencyFacts {
    AgencyFacts::Bank(BankFacts {
        accounts: vec![BankAccount {
            institution: format!("Bank {index}"),
            product: BankProduct::Demand,
            balance: Decimal::from(index),
            currency: "CNY".into(),
        }],
    })
}

fn query(index: usize) -> AgencyQuery {
    AgencyQuery {
        id_number: person(index),
        consent_ref: format!("c-{index}"),
        purpose: Program::Dibao,
        window: (YearMonth::new(2025, 11).unwrap(), YearMonth::new(2026, 10).unwrap()),
        deadline: None,
    }
}

/// Queries may wait for a place in an inquiry as long as their whole deadline.
fn coalescer(inner: &Arc<Scripted>, max_persons: usize, max_inflight: usize) -> BankCoalescer {
    coalescer_waiting(inner, max_persons, max_inflight, TIMEOUT).0
}

fn coalescer_waiting(
    inner: &Arc<Scripted>,
    max_persons: usize,
    max_inflight: usize,
    max_wait: Duration,
) -> (BankCoalescer, Arc<AgencyHealth>) {
    let batch = BatchSettings { batch_max_persons: max_persons, batch_max_inflight: max_inflight };
    let health = Arc::new(AgencyHealth::new(Agency::Bank));
    let limits = Limits { timeout: TIMEOUT, max_wait, batch };
    (BankCoalescer::new(Arc::clone(inner) as Arc<dyn AgencyAdapter>, limits, Arc::clone(&health)), health)
}

/// Asks about every query at once (in order: the first is enqueued first).
async fn ask_all(
    coalescer: &BankCoalescer,
    queries: &[AgencyQuery],
) -> Vec<Result<AgencyFacts, AdapterError>> {
    futures::future::join_all(queries.iter().map(|q| coalescer.query(q))).await
}

#[tokio::test(start_paused = true)]
async fn at_low_load_every_query_goes_at_once_alone() {
    let inner = Scripted::new([]);
    let coalescer = coalescer(&inner, 100, 4);
    let queries: Vec<_> = (0..3).map(query).collect();
    let answers = ask_all(&coalescer, &queries).await;
    assert_eq!(answers, (0..3).map(|i| Ok(facts(i))).collect::<Vec<_>>());
    let calls = inner.calls();
    assert!(calls.iter().all(|c| c.at.is_zero() && c.persons.len() == 1), "{calls:?}");
    assert!(calls.iter().all(|c| c.deadline == TIMEOUT), "a lone query keeps its whole time: {calls:?}");
}

#[tokio::test(start_paused = true)]
async fn under_load_the_waiting_queries_share_the_next_inquiries() {
    let inner = Scripted::new([]);
    let coalescer = coalescer(&inner, 4, 1);
    let queries: Vec<_> = (0..11).map(query).collect();
    let answers = ask_all(&coalescer, &queries).await;
    assert_eq!(
        answers,
        (0..11).map(|i| Ok(facts(i))).collect::<Vec<_>>(),
        "each caller gets their own facts"
    );
    let calls = inner.calls();
    let grouped: Vec<_> = calls.iter().map(|c| (c.at, c.persons.clone())).collect();
    assert_eq!(
        grouped,
        vec![
            (Duration::ZERO, vec![0]),
            (INQUIRY, vec![1, 2, 3, 4]),
            (INQUIRY * 2, vec![5, 6, 7, 8]),
            (INQUIRY * 3, vec![9, 10]),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_inquiry_never_names_a_person_twice() {
    let inner = Scripted::new([]);
    let coalescer = coalescer(&inner, 10, 1);
    let queries: Vec<_> = [0, 1, 2, 1, 3, 1].into_iter().map(query).collect();
    let answers = ask_all(&coalescer, &queries).await;
    assert_eq!(answers, [0, 1, 2, 1, 3, 1].into_iter().map(|i| Ok(facts(i))).collect::<Vec<_>>());
    assert_eq!(
        inner.persons(),
        vec![(true, vec![0]), (true, vec![1, 2, 3]), (true, vec![1]), (true, vec![1])],
        "the repeated person waits for the following inquiries"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_inquiry_is_asked_again_person_by_person() {
    for error in [AdapterError::Malformed("garbage".into()), AdapterError::Unavailable("503".into())] {
        let inner = Scripted::new([(2, Behaviour::Fail(error.clone()))]);
        let coalescer = coalescer(&inner, 10, 1);
        let queries: Vec<_> = (0..4).map(query).collect();
        let answers = ask_all(&coalescer, &queries).await;
        assert_eq!(answers, vec![Ok(facts(0)), Ok(facts(1)), Err(error.clone()), Ok(facts(3))]);
        assert_eq!(
            inner.persons(),
            vec![
                (true, vec![0]),
                (true, vec![1, 2, 3]),
                (false, vec![1]),
                (false, vec![2]),
                (false, vec![3])
            ],
            "{error}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_person_costs_the_others_only_time() {
    let inner = Scripted::new([(2, Behaviour::Hang)]);
    let coalescer = coalescer(&inner, 10, 1);
    let queries: Vec<_> = (0..4).map(query).collect();
    let started = Instant::now();
    let answers = ask_all(&coalescer, &queries).await;
    assert_eq!(answers, vec![Ok(facts(0)), Ok(facts(1)), Err(AdapterError::Timeout), Ok(facts(3))]);
    assert_eq!(started.elapsed(), TIMEOUT, "the hanging person's own deadline, no later");
    let calls = inner.calls();
    // Sent at 100 ms with 900 ms left before the earliest deadline: half of it.
    assert_eq!(
        (calls[1].persons.clone(), calls[1].at, calls[1].deadline),
        (vec![1, 2, 3], INQUIRY, 550 * MS)
    );
    let alone: Vec<_> = calls[2..].iter().map(|c| (c.batch, c.at, c.deadline)).collect();
    assert_eq!(alone, vec![(false, 550 * MS, TIMEOUT); 3], "each alone with its own remaining time");
}

#[tokio::test(start_paused = true)]
async fn a_refusal_by_the_hub_is_passed_on_without_splitting() {
    let refused = AdapterError::Rejected(Rejection::CircuitOpen);
    let inner = Scripted::new([(2, Behaviour::Fail(refused.clone()))]);
    let coalescer = coalescer(&inner, 10, 1);
    let queries: Vec<_> = (0..4).map(query).collect();
    let answers = ask_all(&coalescer, &queries).await;
    assert_eq!(answers, vec![Ok(facts(0)), Err(refused.clone()), Err(refused.clone()), Err(refused)]);
    assert_eq!(inner.persons(), vec![(true, vec![0]), (true, vec![1, 2, 3])]);
}

#[tokio::test(start_paused = true)]
async fn a_lone_failure_is_not_asked_again() {
    let inner = Scripted::new([(0, Behaviour::Fail(AdapterError::Unavailable("503".into())))]);
    let coalescer = coalescer(&inner, 10, 1);
    assert!(matches!(coalescer.query(&query(0)).await, Err(AdapterError::Unavailable(_))));
    assert_eq!(inner.persons(), vec![(true, vec![0])]);
}

#[tokio::test(start_paused = true)]
async fn a_query_whose_deadline_passes_while_waiting_is_never_sent() {
    let inner = Scripted::new([(0, Behaviour::Slow(600 * MS))]);
    let coalescer = coalescer(&inner, 10, 1);
    let mut hurried = query(1);
    hurried.deadline = Some(Instant::now() + 300 * MS);
    let (first_query, patient_query) = (query(0), query(2));
    let started = Instant::now();
    let (first, hurried, patient) = tokio::join!(
        coalescer.query(&first_query),
        async { (coalescer.query(&hurried).await, started.elapsed()) },
        coalescer.query(&patient_query),
    );
    assert_eq!((first, patient), (Ok(facts(0)), Ok(facts(2))));
    assert_eq!(hurried, (Err(AdapterError::Timeout), 300 * MS));
    assert_eq!(inner.persons(), vec![(true, vec![0]), (true, vec![2])], "the late query was not sent");
}

#[tokio::test(start_paused = true)]
async fn waiting_counts_against_the_agency_timeout() {
    let inner = Scripted::new([(0, Behaviour::Slow(TIMEOUT * 2))]);
    let coalescer = coalescer(&inner, 10, 1);
    let queries = [query(0), query(1)];
    let (first, second) = tokio::join!(coalescer.query(&queries[0]), coalescer.query(&queries[1]));
    assert_eq!((first, second), (Err(AdapterError::Timeout), Err(AdapterError::Timeout)));
    assert_eq!(inner.persons(), vec![(true, vec![0])]);
}

#[tokio::test(start_paused = true)]
async fn an_inquiry_whose_callers_all_left_is_dropped_and_frees_its_place() {
    let inner = Scripted::new([(0, Behaviour::Slow(500 * MS))]);
    let coalescer = coalescer(&inner, 10, 1);
    let left = tokio::time::timeout(50 * MS, coalescer.query(&query(0))).await;
    assert!(left.is_err(), "the caller gave up");
    let started = Instant::now();
    assert_eq!(coalescer.query(&query(1)).await, Ok(facts(1)));
    assert_eq!(started.elapsed(), INQUIRY, "sent at once: the abandoned inquiry gave its place back");
    tokio::time::sleep(TIMEOUT).await;
    assert_eq!(inner.completed.load(Ordering::SeqCst), 1, "the abandoned inquiry never finished");
    drop(coalescer);
}

#[tokio::test(start_paused = true)]
async fn a_query_that_finds_no_place_in_time_is_refused_like_a_full_bulkhead() {
    let inner = Scripted::new([(0, Behaviour::Slow(500 * MS))]);
    let (coalescer, health) = coalescer_waiting(&inner, 10, 1, 200 * MS);
    let queries = [query(0), query(1)];
    let started = Instant::now();
    let (first, second) = tokio::join!(coalescer.query(&queries[0]), async {
        (coalescer.query(&queries[1]).await, started.elapsed())
    });
    assert_eq!(first, Ok(facts(0)));
    assert_eq!(second, (Err(AdapterError::Rejected(Rejection::BulkheadFull)), 200 * MS));
    assert_eq!(inner.persons(), vec![(true, vec![0])], "the refused query was not sent");
    assert_eq!(health.snapshot().rejections, 1, "counted with the bank's other refusals");

    // A query taken into an inquiry before its wait ran out waits for the answer.
    let inner = Scripted::new([(0, Behaviour::Slow(150 * MS)), (1, Behaviour::Slow(300 * MS))]);
    let (coalescer, _health) = coalescer_waiting(&inner, 10, 1, 200 * MS);
    let (first, second) = tokio::join!(coalescer.query(&queries[0]), coalescer.query(&queries[1]));
    assert_eq!((first, second), (Ok(facts(0)), Ok(facts(1))));
}
