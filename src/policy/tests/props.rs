//! Property tests: more income or assets never help, member order never matters, a gap
//! never rescues an ineligible household, benefits are never negative, and the per-capita
//! figures are exact shares of the totals.

use super::builder::*;
use crate::domain::facts::{HousingFundStatus, PropertyUsage};
use crate::domain::{Agency, DisabilityType, Program, SourceStatus, TemporaryKind};
use crate::policy::exact::Ratio;
use crate::policy::household::Household;
use crate::policy::{Report, Verdict};
use proptest::prelude::*;
use proptest::sample::Index;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::Duration;

/// Best first: what an applicant would rather hear.
fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Eligible => 3,
        Verdict::LowIncome => 2,
        Verdict::Graduating | Verdict::NeedsReview => 1,
        Verdict::Ineligible => 0,
    }
}

fn cents(amount: u32) -> String {
    Decimal::new(i64::from(amount), 2).to_string()
}

fn arb_person() -> impl Strategy<Value = Person> {
    let disability = prop_oneof![
        3 => Just(None),
        1 => (1u8..=4, prop::sample::select(DisabilityType::ALL.to_vec())).prop_map(Some),
    ];
    let tax = prop::collection::vec((0u32..14, 0u32..400_000), 0..4);
    let fund = prop::option::of((
        prop::sample::select(vec![HousingFundStatus::Normal, HousingFundStatus::Sealed]),
        0u32..200_000,
        prop::sample::select(vec!["0.05", "0.07", "0.12"]),
    ));
    let bank = prop::collection::vec(0u32..3_000_000, 0..3);
    let units = prop::collection::vec(0usize..4, 0..3);
    let declared = prop::option::of(0u32..300_000);
    (0i64..33_000, disability, any::<bool>(), tax, fund, bank, units, declared).prop_map(
        |(days_old, disability, ill, tax, fund, bank, units, declared)| {
            let mut person = born_on(AS_OF - Duration::days(days_old));
            if let Some((grade, kind)) = disability {
                person = person.disabled(grade, kind);
            }
            if ill && days_old % 5 == 0 {
                person = person.ill();
            }
            for (back, amount) in tax {
                // Months 0..14 back from as_of's month: two fall outside the window.
                let period = crate::domain::YearMonth::of(AS_OF).minus(back);
                person = person.tax(&period.to_string(), &cents(amount));
            }
            if let Some((status, deposit, rate)) = fund {
                person = person.housing_fund(status, &cents(deposit), rate, "1000.00");
            }
            for balance in bank {
                person = person.bank(&cents(balance));
            }
            for unit in units {
                // The same unit id always has the same usage, as in the registry.
                let usage = if unit == 3 { PropertyUsage::Commercial } else { PropertyUsage::Residential };
                person = person.unit(&format!("U-{unit}"), usage);
            }
            if let Some(amount) = declared {
                person = person.declares(&cents(amount));
            }
            person
        },
    )
}

fn arb_case() -> impl Strategy<Value = Case> {
    let program = prop::sample::select(Program::ALL.to_vec());
    let rigid = prop::option::of(0u32..100_000);
    let temporary = (any::<bool>(), 0u32..3_000_000);
    (program, any::<bool>(), prop::collection::vec(arb_person(), 1..5), rigid, any::<bool>(), temporary)
        .prop_map(|(program, rural, people, rigid, recheck, (emergency, requested))| {
            let mut household = case(program);
            if rural {
                household = household.rural();
            }
            for person in people {
                household = household.member(person);
            }
            if let Some(amount) = rigid {
                household = household.rigid(&cents(amount));
            }
            if recheck {
                household = household.recheck(emergency);
            }
            if program == Program::Temporary {
                let kind = if emergency { TemporaryKind::Emergency } else { TemporaryKind::Expenditure };
                household = household.temporary(kind, &cents(requested));
            }
            household
        })
}

/// A household and a permutation of its members.
fn arb_shuffled_case() -> impl Strategy<Value = (Case, Vec<usize>)> {
    arb_case().prop_flat_map(|household| {
        let order: Vec<usize> = (0..household.members.len()).collect();
        (Just(household), Just(order).prop_shuffle())
    })
}

/// Everything but the member list order and the version.
fn figures(report: &Report) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap();
    let object = value.as_object_mut().unwrap();
    let mut members: Vec<String> = report.members.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
    members.sort();
    object.insert("members".into(), members.into());
    let mut missing: Vec<String> = report.missing.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
    missing.sort();
    object.insert("missing".into(), missing.into());
    // Rule details list members in order; the rules themselves and their outcomes must not move.
    let rules: Vec<(String, String)> =
        report.rules.iter().map(|r| (r.rule.clone(), format!("{:?}", r.outcome))).collect();
    object.insert("rules".into(), serde_json::to_value(rules).unwrap());
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn more_income_never_improves_the_verdict(household in arb_case(), who in any::<Index>(), extra in 1u32..500_000) {
        let before = household.run();
        let mut richer = household.clone();
        let slot = who.index(richer.members.len());
        let person = richer.members[slot].1.clone();
        richer.members[slot].1 = person.tax("2026-03", &cents(extra));
        let after = richer.run();
        prop_assert!(rank(after.verdict) <= rank(before.verdict), "{:?} → {:?}", before.verdict, after.verdict);
    }

    #[test]
    fn more_assets_never_improve_the_verdict(household in arb_case(), who in any::<Index>(), extra in 1u32..5_000_000, unit in 0usize..4) {
        let before = household.run();
        let slot = who.index(household.members.len());
        let mut richer = household.clone();
        richer.members[slot].1 = richer.members[slot].1.clone().bank(&cents(extra));
        prop_assert!(rank(richer.run().verdict) <= rank(before.verdict));
        let mut owner = household.clone();
        let usage = if unit == 3 { PropertyUsage::Commercial } else { PropertyUsage::Residential };
        owner.members[slot].1 = owner.members[slot].1.clone().unit(&format!("U-{unit}"), usage);
        prop_assert!(rank(owner.run().verdict) <= rank(before.verdict));
    }

    #[test]
    fn member_order_never_changes_the_verdict_or_the_figures((household, order) in arb_shuffled_case()) {
        let mut shuffled = household.clone();
        shuffled.members = order.iter().map(|&i| household.members[i].clone()).collect();
        prop_assert_eq!(figures(&household.run()), figures(&shuffled.run()));
    }

    #[test]
    fn a_gap_never_rescues_an_ineligible_household(household in arb_case(), who in any::<Index>(), agency in 0usize..4, status in 0usize..4) {
        let before = household.run();
        prop_assume!(before.missing.is_empty());
        let slot = who.index(household.members.len());
        let statuses = [SourceStatus::NoConsent, SourceStatus::Timeout, SourceStatus::Unavailable, SourceStatus::Malformed];
        // A foreign-currency account: the data present is unchanged, one amount is unknown.
        let mut foreign = household.clone();
        foreign.members[slot].1 = foreign.members[slot].1.clone().bank_in("10.00", "USD");
        let with_foreign = foreign.run();
        prop_assert_ne!(with_foreign.verdict, Verdict::Eligible);
        if before.verdict == Verdict::Ineligible {
            prop_assert_eq!(with_foreign.verdict, Verdict::Ineligible);
        }
        // A failed source where the agency had nothing to say: again the data present is unchanged.
        let member = &before.members[slot];
        let empty = match Agency::ALL[agency] {
            Agency::Tax => member.tax_monthly.amount().is_zero(),
            Agency::HousingFund => member.housing_fund_balance.is_none(),
            Agency::Bank => member.financial_assets.amount().is_zero(),
            Agency::RealEstate => false,
        };
        prop_assume!(empty);
        let mut failed = household.clone();
        failed.members[slot].1 = failed.members[slot].1.clone().fails(Agency::ALL[agency], statuses[status]);
        let after = failed.run();
        prop_assert_ne!(after.verdict, Verdict::Eligible);
        if before.verdict == Verdict::Ineligible {
            prop_assert_eq!(after.verdict, Verdict::Ineligible);
        }
    }

    #[test]
    fn benefits_are_never_negative_and_per_capita_figures_are_exact_shares(household in arb_case()) {
        let report = household.run();
        if let Some(benefit) = report.suggested_monthly_benefit {
            prop_assert!(benefit.amount() >= Decimal::ZERO, "{benefit}");
        }
        let facts = Household::gather(&household.application(), &household.evidence(), &household.params);
        prop_assert_eq!(facts.per_capita_income().mul(facts.n), facts.total);
        prop_assert_eq!(facts.per_capita_assets().mul(facts.n), facts.assets);
        prop_assert!(facts.total >= Ratio::ZERO);
        prop_assert_eq!(facts.per_capita_income().round_cents(), report.monthly_income_per_capita.amount());
        prop_assert_eq!(facts.total.round_cents(), report.monthly_income_total.amount());
    }
}

#[test]
fn the_generators_produce_every_verdict() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeMap::new();
    for _ in 0..2000 {
        let household = arb_case().new_tree(&mut runner).unwrap().current();
        *seen.entry(format!("{:?}", household.run().verdict)).or_insert(0) += 1;
    }
    for verdict in ["Eligible", "LowIncome", "Graduating", "Ineligible"] {
        assert!(seen.contains_key(verdict), "{verdict} never generated: {seen:?}");
    }
}
