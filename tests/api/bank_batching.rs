//! Natural batching of bank inquiries, end to end: under load many persons share one
//! deposit inquiry and every report still carries each member's own deposits; one
//! person whose inquiry hangs costs the others in it only time, never their answer.

use crate::helpers::{Options, TestApp, spawn_app_with};
use mocks::{Fault, Fixtures, Latency};
use serde_json::{Value, json};
use std::time::Duration;

/// A valid ID number (GB 11643) for member `role` (0–2) of test household `n`.
fn person(n: u32, role: u32) -> String {
    let year = [1977, 1979, 2010][role as usize];
    let base = format!("500103{year}0{}{:02}{:03}", 1 + role, 1 + n % 28, n);
    mocks::id_number::with_check_char(&base).unwrap()
}

/// Each person's own deposits, so that an answer given to someone else shows in the report.
fn balance(n: u32, role: u32) -> String {
    format!("{}.{:02}", 1000 + 100 * n + role, (7 * n + role) % 100)
}

fn fixtures(households: u32) -> Fixtures {
    let persons: Vec<Value> = (0..households)
        .flat_map(|n| (0..3).map(move |role| (n, role)))
        .map(|(n, role)| {
            json!({ "id_number": person(n, role), "bank": [
                {"institution": "Bank A", "product": "demand", "balance": balance(n, role), "currency": "CNY"} ] })
        })
        .collect();
    serde_json::from_value(json!({ "persons": persons })).unwrap()
}

/// A three-person household of `n`, every member consenting to every agency.
fn household(n: u32) -> Value {
    let relations = ["applicant", "spouse", "child"];
    let members: Vec<Value> = (0..3)
        .map(|r| json!({ "name": "测试", "id_number": person(n, r), "relation": relations[r as usize] }))
        .collect();
    let consents: Vec<Value> = (0..3)
        .map(|r| {
            json!({ "id": format!("c-{n}-{r}"), "id_number": person(n, r),
                    "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": "dibao",
                    "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "2030-11-20T09:00:00+08:00",
                    "evidence_ref": "scan" })
        })
        .collect();
    json!({ "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
            "household": { "members": members }, "consents": consents })
}

async fn spawn(households: u32, latency: &str, max_inflight: usize, bank_timeout_ms: u64) -> TestApp {
    spawn_app_with(Options {
        fixtures: fixtures(households),
        latency: Latency::parse(latency).unwrap(),
        workers: 16,
        configure: Some(Box::new(move |settings| {
            let bank = &mut settings.agencies.bank;
            bank.timeout_ms = bank_timeout_ms;
            // Queries may wait for a place in an inquiry as long as they may wait at all.
            bank.resilience.bulkhead_max_wait_ms = bank_timeout_ms;
            bank.batch.batch_max_persons = 100;
            bank.batch.batch_max_inflight = max_inflight;
        })),
        ..Options::default()
    })
    .await
}

/// Every member of household `n` has their own deposits in the report, from the bank.
fn assert_own_deposits(report: &Value, n: u32, skip: Option<u32>) {
    for role in (0..3).filter(|r| Some(*r) != skip) {
        let member = &report["members"][role as usize];
        assert_eq!(member["sources"]["bank"]["status"], "ok", "household {n} member {role}: {report}");
        assert_eq!(member["financial_assets"], balance(n, role), "household {n} member {role}");
    }
}

#[tokio::test]
async fn concurrent_households_share_inquiries_and_keep_their_own_deposits() {
    let households = 16;
    let app = spawn(households, "100", 2, 2000).await;
    let bodies: Vec<Value> = (0..households).map(household).collect();
    let finished = futures::future::join_all(bodies.iter().map(|body| app.verify(body))).await;
    for (n, application) in (0..households).zip(&finished) {
        assert_own_deposits(&application["report"], n, None);
    }
    let state = app.mocks.state();
    let persons = (0..households).flat_map(|n| (0..3).map(move |r| person(n, r)));
    assert!(persons.clone().all(|p| state.calls("bank", &p) == 1), "each person asked once, no retries");
    let calls = state.total_calls("bank");
    println!("bank: {calls} requests (submits and polls) for {} persons", persons.count());
    assert!(calls < u64::from(households) * 3, "{calls} bank requests for {} persons", households * 3);
}

#[tokio::test]
async fn a_person_whose_inquiry_hangs_does_not_take_the_others_down() {
    let app = spawn(4, "0", 1, 3000).await;
    let state = app.mocks.state();
    let hanging = person(2, 1);
    state.set_fault("bank", Some(&hanging), Some(Fault::Timeout));
    // Household 0 takes the only inquiry slot and holds it (its inquiry stays pending),
    // so that the three others queue up and go together in the next inquiry.
    state.set_bank_ready_ms(60_000);
    let token = app.admin_token();
    assert_eq!(app.submit(&household(0), None, &token).await.status(), 202);
    wait_until(|| state.total_calls("bank") >= 1).await;
    let bodies: Vec<Value> = (1..4).map(household).collect();
    let verifying = futures::future::join_all(bodies.iter().map(|body| app.verify(body)));
    let release = async {
        // Every member's queries are under way once their tax queries arrive.
        wait_until(|| (1..4).all(|n| (0..3).all(|r| state.calls("tax", &person(n, r)) >= 1))).await;
        state.set_bank_ready_ms(50);
    };
    let (finished, ()) = tokio::join!(verifying, release);
    for (n, application) in (1..4).zip(&finished) {
        let report = &application["report"];
        if n == 2 {
            assert_own_deposits(report, n, Some(1));
            let masked = format!("{}********{}", &hanging[..6], &hanging[14..]);
            assert_eq!(
                report["missing"],
                json!([{ "member": masked, "agency": "bank", "cause": "timeout" }])
            );
            assert_eq!(report["members"][1]["sources"]["bank"]["status"], "timeout");
        } else {
            assert_own_deposits(report, n, None);
            assert_eq!(report["missing"], json!([]), "{report}");
        }
    }
    // The hanging person's inquiry was shared, then everyone in it was asked alone.
    let retried =
        (1..4).flat_map(|n| (0..3).map(move |r| person(n, r))).filter(|p| state.calls("bank", p) == 2);
    assert!(retried.count() >= 2, "the hanging person and at least one other were asked twice");
}

/// Polls `condition` every 10 ms, for at most 5 s.
async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 5 s");
}
