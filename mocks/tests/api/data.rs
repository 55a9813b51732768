use mocks::id_number;
use mocks::{Fixtures, demo_cases, synthetic};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

const AGENCIES: [&str; 4] = ["tax", "real_estate", "housing_fund", "bank"];

fn members(application: &Value) -> &Vec<Value> {
    application["household"]["members"].as_array().unwrap()
}

fn member_ids(application: &Value) -> Vec<&str> {
    members(application).iter().map(|m| m["id_number"].as_str().unwrap()).collect()
}

#[test]
fn synthetic_generation_is_deterministic() {
    let render = |(fixtures, applications): (Fixtures, Vec<Value>)| {
        (fixtures.to_json_pretty().unwrap(), serde_json::to_string(&applications).unwrap())
    };
    let first = render(synthetic::generate(500, 42));
    assert_eq!(first, render(synthetic::generate(500, 42)));
    assert_ne!(first, render(synthetic::generate(500, 43)));
    assert!(Fixtures::from_json(&first.0).is_ok(), "synthetic fixtures pass the fixture checks");
}

#[test]
fn synthetic_people_are_valid_unique_and_all_in_one_application() {
    let (fixtures, applications) = synthetic::generate(1000, 7);
    assert_eq!(fixtures.persons.len(), 1000);
    let ids: Vec<&str> = fixtures.persons.iter().map(|p| p.id_number.as_str()).collect();
    assert!(ids.iter().all(|id| id_number::is_valid(id)));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());

    let mut applied: Vec<&str> = Vec::new();
    for application in &applications {
        let household = member_ids(application);
        assert!((1..=5).contains(&household.len()));
        assert_eq!(application["program"], "dibao");
        assert_eq!(members(application).iter().filter(|m| m["relation"] == "applicant").count(), 1);
        for id in &household {
            let consent = application["consents"].as_array().unwrap().iter().find(|c| c["id_number"] == *id);
            let agencies: BTreeSet<&str> = consent.unwrap()["agencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(agencies, AGENCIES.into_iter().collect());
        }
        applied.extend(household);
    }
    assert_eq!(applied, ids, "households cover every person once, in order");
}

#[test]
fn synthetic_distributions_are_plausible() {
    let (fixtures, applications) = synthetic::generate(4000, 1);
    let share = |count: usize| count * 100 / fixtures.persons.len();
    let wage_earners =
        fixtures.persons.iter().filter(|p| p.tax.iter().any(|r| r.category.as_str() == "wages"));
    let with_fund = fixtures.persons.iter().filter(|p| p.housing_fund.is_some()).count();
    let with_bank = fixtures.persons.iter().filter(|p| !p.bank.is_empty()).count();
    assert!((22..=38).contains(&share(wage_earners.count())));
    assert!((17..=33).contains(&share(with_fund)));
    assert!(share(with_bank) >= 60);
    let homes: usize = fixtures
        .persons
        .iter()
        .flat_map(|p| &p.real_estate)
        .map(|u| &u.unit_id)
        .collect::<HashSet<_>>()
        .len();
    assert!((35..=65).contains(&(homes * 100 / applications.len())), "{homes} units");
}

#[test]
fn demo_fixtures_and_cases_parse_and_agree() {
    let fixtures = Fixtures::demo();
    let cases = demo_cases().unwrap();
    assert!(cases.len() >= 12);
    let mut household_ids = HashSet::new();
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name.clone()), "duplicate case name {}", case.name);
        let household = member_ids(&case.application);
        for id in &household {
            assert!(id_number::is_valid(id), "{}: invalid ID number", case.name);
            assert!(household_ids.insert(id.to_string()), "{}: a person in two households", case.name);
        }
        for consent in case.application["consents"].as_array().unwrap() {
            let id = consent["id_number"].as_str().unwrap();
            assert!(household.contains(&id), "{}: consent for someone outside the household", case.name);
            assert_eq!(consent["purpose"], case.application["program"], "{}", case.name);
        }
        for missing in case.expect["missing"].as_array().unwrap() {
            assert!(missing["member_index"].as_u64().unwrap() < household.len() as u64, "{}", case.name);
        }
        for key in ["verdict", "category", "suggested_monthly_benefit", "monthly_income_per_capita", "flags"]
        {
            assert!(case.expect.get(key).is_some(), "{}: expect lacks {key}", case.name);
        }
    }
    for person in &fixtures.persons {
        assert!(household_ids.contains(&person.id_number), "a demo person belongs to no case");
    }
}

#[test]
fn demo_cases_cover_every_verdict_and_category() {
    let cases = demo_cases().unwrap();
    let seen = |key: &str| -> BTreeSet<String> {
        cases.iter().filter_map(|c| c.expect[key].as_str().map(str::to_owned)).collect()
    };
    for verdict in ["eligible", "low_income", "graduating", "ineligible", "needs_review"] {
        assert!(seen("verdict").contains(verdict), "{verdict}");
    }
    for category in ["dibao_a", "dibao_b", "dibao_single", "low_income", "tekun", "temporary"] {
        assert!(seen("category").contains(category), "{category}");
    }
    for level in ["township", "county", "county_leading_group"] {
        assert!(seen("approval_level").contains(level), "{level}");
    }
    let causes: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| c.expect["missing"].as_array().unwrap())
        .map(|m| m["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["malformed", "no_consent", "timeout", "unavailable"].into_iter().collect());
    let flags: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| c.expect["flags"].as_array().unwrap())
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        flags,
        ["dibao_recommended", "income_sources_disagree", "low_income_after_grace", "undeclared_income"]
            .into_iter()
            .collect()
    );
}
