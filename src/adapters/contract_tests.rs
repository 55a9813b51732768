//! Contract tests: every adapter against the real mock agencies (`hub-mocks`), so the
//! two readings of DESIGN §6 (ours and the mocks') cannot drift apart unnoticed.

use super::test_support::*;
use super::{AdapterError, AgencyAdapter, AgencyEndpoint, build_all};
use crate::domain::facts::*;
use crate::domain::{Agency, AgencyFacts, IdNumber, YearMonth};
use mocks::{ApiKeys, Fixtures, MockConfig, MockServer};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;

const GARBAGE_ID: &str = "440306199002151230";
const ABSENT_ID: &str = "320102198505051233";
const SAVER_ID: &str = "320102197007071237";

const FIXTURES: &str = r#"{ "persons": [
  { "id_number": "11010519491231002X",
    "tax": [ {"period": "2026-01", "category": "wages", "amount": "5000.00"} ],
    "real_estate": [ {"unit_id": "U-1", "usage": "residential", "area_m2": "89.50", "share": "0.5"} ],
    "housing_fund": {"status": "normal", "balance": "12345.00", "monthly_deposit": "1200.00",
                     "contribution_rate": "0.12", "last_deposit_period": "2026-10"},
    "bank": [ {"institution": "Bank A", "product": "demand", "balance": "1000.00", "currency": "CNY"} ] },
  { "id_number": "110105198001010016",
    "faults": {"tax": "unavailable", "real_estate": "unavailable", "housing_fund": "unavailable",
               "bank": "unavailable"} },
  { "id_number": "440306199002151230",
    "faults": {"tax": "garbage", "real_estate": "garbage", "housing_fund": "garbage", "bank": "garbage"} },
  { "id_number": "320102197007071237",
    "bank": [ {"institution": "Bank B", "product": "time", "balance": "20000.00", "currency": "CNY"},
              {"institution": "Bank C", "product": "wealth", "balance": "0.01", "currency": "CNY"} ] }
] }"#;

async fn start() -> (MockServer, Vec<Arc<dyn AgencyAdapter>>) {
    let fixtures = Fixtures::from_json(FIXTURES).unwrap();
    let server = MockServer::start(MockConfig::new(fixtures), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (base_url, keys) = (server.base_url(), ApiKeys::dev());
    let endpoints = |agency: Agency| AgencyEndpoint {
        base_url: base_url.clone(),
        api_key: keys.for_agency(mocks::Agency::parse(agency.as_str()).unwrap()).to_owned(),
        timeout: Duration::from_secs(5),
        outbound: Default::default(),
    };
    let adapters = build_all(&client(), endpoints);
    (server, adapters)
}

async fn ask_all(adapters: &[Arc<dyn AgencyAdapter>], id: &str) -> Vec<Result<AgencyFacts, AdapterError>> {
    let mut query = query();
    query.id_number = IdNumber::parse_structure(id).unwrap();
    let mut answers = Vec::new();
    for adapter in adapters {
        answers.push(adapter.query(&query).await);
    }
    answers
}

#[tokio::test]
async fn the_adapters_read_the_mocks_truth_exactly() {
    let (_server, adapters) = start().await;
    assert_eq!(adapters.iter().map(|a| a.agency()).collect::<Vec<_>>(), Agency::ALL);
    let answers = ask_all(&adapters, ID).await;
    assert_eq!(
        answers,
        vec![
            Ok(AgencyFacts::Tax(TaxFacts {
                records: vec![TaxRecord {
                    period: YearMonth::new(2026, 1).unwrap(),
                    category: IncomeCategory::Wages,
                    amount: dec!(5000.00),
                }],
            })),
            Ok(AgencyFacts::RealEstate(RealEstateFacts {
                units: vec![PropertyUnit {
                    unit_id: "U-1".into(),
                    usage: PropertyUsage::Residential,
                    area_m2: dec!(89.50),
                    share: dec!(0.5),
                }],
            })),
            Ok(AgencyFacts::HousingFund(HousingFundFacts {
                account: Some(HousingFundAccount {
                    status: HousingFundStatus::Normal,
                    balance: dec!(12345.00),
                    monthly_deposit: dec!(1200.00),
                    contribution_rate: dec!(0.12),
                    last_deposit_period: YearMonth::new(2026, 10),
                }),
            })),
            Ok(AgencyFacts::Bank(BankFacts {
                accounts: vec![BankAccount {
                    institution: "Bank A".into(),
                    product: BankProduct::Demand,
                    balance: dec!(1000.00),
                    currency: "CNY".into(),
                }],
            })),
        ]
    );
    let Ok(AgencyFacts::RealEstate(facts)) = &answers[1] else { unreachable!() };
    assert_eq!(facts.units[0].area_m2.to_string(), "89.50");
}

#[tokio::test]
async fn a_person_the_agencies_do_not_know_has_no_records() {
    let (_server, adapters) = start().await;
    assert_eq!(
        ask_all(&adapters, ABSENT_ID).await,
        vec![
            Ok(AgencyFacts::Tax(TaxFacts::default())),
            Ok(AgencyFacts::RealEstate(RealEstateFacts::default())),
            Ok(AgencyFacts::HousingFund(HousingFundFacts::default())),
            Ok(AgencyFacts::Bank(BankFacts::default())),
        ]
    );
}

#[tokio::test]
async fn injected_faults_map_onto_the_source_statuses() {
    let (_server, adapters) = start().await;
    for answer in ask_all(&adapters, OTHER_ID).await {
        assert!(is_unavailable(answer.clone()), "{answer:?}");
    }
    for answer in ask_all(&adapters, GARBAGE_ID).await {
        assert!(is_malformed(answer.clone()), "{answer:?}");
    }
}

fn bank_queries(ids: &[&str]) -> Vec<super::AgencyQuery> {
    ids.iter()
        .map(|id| super::AgencyQuery {
            id_number: IdNumber::parse_structure(id).unwrap(),
            consent_ref: format!("consent-{}", &id[14..]),
            ..query()
        })
        .collect()
}

fn bank_facts(accounts: &[(&str, BankProduct, rust_decimal::Decimal)]) -> AgencyFacts {
    let accounts = accounts
        .iter()
        .map(|(institution, product, balance)| BankAccount {
            institution: (*institution).into(),
            product: *product,
            balance: *balance,
            currency: "CNY".into(),
        })
        .collect();
    AgencyFacts::Bank(BankFacts { accounts })
}

#[tokio::test]
async fn the_bank_answers_several_persons_in_one_inquiry() {
    let (server, adapters) = start().await;
    let bank = adapters.iter().find(|a| a.agency() == Agency::Bank).unwrap();
    let queries = bank_queries(&[SAVER_ID, ABSENT_ID, ID]);
    let answers = bank.query_batch(&queries).await.unwrap();
    assert_eq!(
        answers,
        vec![
            bank_facts(&[
                ("Bank B", BankProduct::Time, dec!(20000.00)),
                ("Bank C", BankProduct::Wealth, dec!(0.01))
            ]),
            bank_facts(&[]),
            bank_facts(&[("Bank A", BankProduct::Demand, dec!(1000.00))]),
        ],
        "each person's facts, in the order asked"
    );
    let state = server.state();
    // One submission naming the three (the mock counts a person per request naming them),
    // then the polls, which name nobody.
    assert_eq!([SAVER_ID, ABSENT_ID, ID].map(|id| state.calls("bank", id)), [1, 1, 1]);
    assert_eq!(state.total_calls("bank"), 2, "one submit and one poll for three persons");
}

#[tokio::test]
async fn a_person_asked_twice_in_a_batch_goes_into_a_second_inquiry() {
    let (server, adapters) = start().await;
    let bank = adapters.iter().find(|a| a.agency() == Agency::Bank).unwrap();
    let answers = bank.query_batch(&bank_queries(&[ID, ABSENT_ID, ID])).await.unwrap();
    let ours = bank_facts(&[("Bank A", BankProduct::Demand, dec!(1000.00))]);
    assert_eq!(answers, vec![ours.clone(), bank_facts(&[]), ours]);
    let state = server.state();
    assert_eq!((state.calls("bank", ID), state.calls("bank", ABSENT_ID)), (2, 1));
    assert_eq!(state.total_calls("bank"), 4, "two inquiries, each a submit and a poll");
}

#[tokio::test]
async fn one_bad_person_fails_the_whole_inquiry() {
    let (server, adapters) = start().await;
    let bank = adapters.iter().find(|a| a.agency() == Agency::Bank).unwrap();
    assert!(is_malformed(bank.query_batch(&bank_queries(&[ID, GARBAGE_ID])).await));
    assert!(is_unavailable(bank.query_batch(&bank_queries(&[ID, OTHER_ID])).await));
    assert_eq!(bank.query_batch(&[]).await, Ok(Vec::new()));
    assert_eq!(server.state().total_calls("bank"), 3, "an empty batch sends nothing");
}
