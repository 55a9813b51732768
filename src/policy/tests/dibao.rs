//! Dibao (低保): the report example, every income and asset boundary, the classes, the
//! single-person rule and the re-check.

use super::builder::*;
use crate::domain::Program::Dibao;
use crate::domain::facts::PropertyUsage;
use crate::domain::{DisabilityType, Program};
use crate::policy::{Category, RuleOutcome, Verdict};
use time::macros::date;

/// The example report of the API documentation: 3 people, Σ income 1800 − rigid 300 = 1500, assets 8000.
fn design_example() -> Case {
    case(Dibao)
        .member(born_on(date!(1949 - 12 - 31)))
        .member(born(1990).wage("1800.00").bank("8000.00").unit("U-1", PropertyUsage::Residential))
        .member(born(2015))
        .rigid("300.00")
}

#[test]
fn the_design_example_is_dibao_b_with_a_benefit_of_720() {
    let report = design_example().run();
    assert_eq!(report.verdict, Verdict::Eligible);
    assert_eq!(report.category, Some(Category::DibaoB));
    assert_eq!(report.household_size, 3);
    assert_eq!(text(report.standard_monthly), "740.00");
    assert_eq!(text(report.monthly_income_gross), "1800.00");
    assert_eq!(text(report.rigid_expenses_total), "300.00");
    assert_eq!(text(report.monthly_income_total), "1500.00");
    assert_eq!(text(report.monthly_income_per_capita), "500.00");
    assert_eq!(text(report.financial_assets_total), "8000.00");
    assert_eq!(text(report.financial_assets_per_capita), "2666.67");
    assert_eq!(report.residential_properties, 1);
    assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), Some("720.00"));
    assert_eq!(report.recheck_due, Some(date!(2027 - 05 - 24)));
    assert_eq!((report.approval_level, report.grace_months, report.advance_relief), (None, None, false));
    assert_eq!(report.members[0].age, 76);
    assert!(report.flags.is_empty() && report.missing.is_empty());
    assert_eq!(
        rule_names(&report),
        [
            "data_complete",
            "rigid_expenses_deduction",
            "financial_assets_within_dibao_limit",
            "residential_properties_within_limit",
            "non_residential_property",
            "income_below_standard",
            "income_sources_disagree",
        ]
    );
    assert_eq!(
        rule(&report, "rigid_expenses_deduction").detail,
        "Σ income 1800.00 − rigid expenses 300.00 = 1500.00"
    );
    let income = rule(&report, "income_below_standard");
    assert_eq!(income.outcome, RuleOutcome::Pass);
    assert_eq!(
        income.detail,
        "per-capita 500.00 < standard 740.00 (total 1500.00 < 3 × 740.00 = 2220.00); benefit 2220.00 − 1500.00 = 720.00"
    );
    assert_eq!(
        rule(&report, "financial_assets_within_dibao_limit").detail,
        "per-capita 2666.67 ≤ limit 24 × 740.00 = 17760.00 (total 8000.00 ≤ 3 × 17760.00 = 53280.00)"
    );
}

/// One 70-year-old (not labor-capable, no single-person case) with this monthly income.
fn elder_with_income(monthly: &str) -> Case {
    case(Dibao).member(born(1956).wage(monthly))
}

#[test]
fn income_boundaries_around_the_standard_and_the_low_income_limit() {
    // (income, verdict, category, benefit, recheck_due)
    let table = [
        ("0.00", Verdict::Eligible, Some(Category::DibaoA), Some("740.00"), Some(date!(2027 - 11 - 24))),
        ("739.99", Verdict::Eligible, Some(Category::DibaoA), Some("0.01"), Some(date!(2027 - 11 - 24))),
        ("740.00", Verdict::LowIncome, Some(Category::LowIncome), None, Some(date!(2027 - 11 - 24))),
        ("740.01", Verdict::LowIncome, Some(Category::LowIncome), None, Some(date!(2027 - 11 - 24))),
        ("1109.99", Verdict::LowIncome, Some(Category::LowIncome), None, Some(date!(2027 - 11 - 24))),
        ("1110.00", Verdict::LowIncome, Some(Category::LowIncome), None, Some(date!(2027 - 11 - 24))),
        ("1110.01", Verdict::Ineligible, None, None, None),
    ];
    for (income, verdict, category, benefit, due) in table {
        let report = elder_with_income(income).run();
        assert_eq!(report.verdict, verdict, "income {income}");
        assert_eq!(report.category, category, "income {income}");
        assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), benefit, "income {income}");
        assert_eq!(report.recheck_due, due, "income {income}");
        assert_eq!(text(report.monthly_income_per_capita), income);
        assert!(report.flags.is_empty(), "dibao never recommends itself: {income}");
    }
}

#[test]
fn at_the_standard_the_trace_shows_why_it_is_not_below() {
    let report = elder_with_income("740.00").run();
    let income = rule(&report, "income_below_standard");
    assert_eq!(income.outcome, RuleOutcome::Fail);
    assert_eq!(income.detail, "per-capita 740.00 ≥ standard 740.00 (total 740.00 ≥ 1 × 740.00 = 740.00)");
    let limit = rule(&report, "income_within_low_income_limit");
    assert_eq!(
        limit.detail,
        "per-capita 740.00 ≤ 1.5 × 740.00 = 1110.00 (total 740.00 ≤ 1 × 1110.00 = 1110.00)"
    );
    assert_eq!(rule(&report, "single_person").outcome, RuleOutcome::Fail);
}

#[test]
fn per_capita_boundaries_hold_for_larger_households_without_division() {
    // Three people, T = 2219.99 / 2220.00: per-capita 739.9966… rounds to 740.00 yet is below S.
    let below = case(Dibao).member(born(1950).wage("2219.99")).member(born(1951)).member(born(1952)).run();
    assert_eq!(below.verdict, Verdict::Eligible);
    assert_eq!(text(below.monthly_income_per_capita), "740.00");
    assert_eq!(opt(below.suggested_monthly_benefit).as_deref(), Some("0.01"));
    let at = case(Dibao).member(born(1950).wage("2220.00")).member(born(1951)).member(born(1952)).run();
    assert_eq!(at.verdict, Verdict::LowIncome);
}

#[test]
fn financial_asset_boundaries_at_24_months_of_the_standard() {
    // (household size, assets, verdict): the limit is n × 24 × 740 = n × 17760.
    let table = [
        (1, "17759.99", Verdict::Eligible),
        (1, "17760.00", Verdict::Eligible),
        (1, "17760.01", Verdict::Ineligible),
        (3, "53280.00", Verdict::Eligible),
        (3, "53280.01", Verdict::Ineligible),
    ];
    for (size, assets, verdict) in table {
        let mut household = case(Dibao).member(born(1950).wage("100.00").bank(assets));
        for year in 1..size {
            household = household.member(born(1950 + year));
        }
        let report = household.run();
        assert_eq!(report.verdict, verdict, "{size} people, assets {assets}");
        assert_eq!(text(report.financial_assets_total), assets);
        let assets_rule = rule(&report, "financial_assets_within_dibao_limit");
        assert_eq!(assets_rule.outcome == RuleOutcome::Pass, verdict == Verdict::Eligible);
        if verdict == Verdict::Ineligible {
            assert_eq!(
                report.rules.last().unwrap().rule,
                "income_sources_disagree",
                "stops after the assets"
            );
            assert!(!rule_names(&report).contains(&"income_below_standard"));
        }
    }
    let over = case(Dibao).member(born(1950).bank("17760.01")).run();
    assert_eq!(
        rule(&over, "financial_assets_within_dibao_limit").detail,
        "per-capita 17760.01 > limit 24 × 740.00 = 17760.00 (total 17760.01 > 1 × 17760.00 = 17760.00)"
    );
}

#[test]
fn rural_households_use_the_rural_standard() {
    let report = case(Dibao).rural().member(born(1950).wage("589.99")).run();
    assert_eq!(text(report.standard_monthly), "590.00");
    assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), Some("0.01"));
    let at = case(Dibao).rural().member(born(1950).wage("590.00")).run();
    assert_eq!(at.verdict, Verdict::LowIncome);
}

#[test]
fn the_class_depends_on_whether_anyone_can_work() {
    let plus = |person: Person| case(Dibao).member(born(1950)).member(person).run();
    // (second member, category, recheck_due)
    let table = [
        ("aged 16 today", plus(aged(16)), Category::DibaoB, date!(2027 - 05 - 24)),
        ("16 tomorrow", plus(born_on(date!(2010 - 11 - 25))), Category::DibaoA, date!(2027 - 11 - 24)),
        ("59 until tomorrow", plus(born_on(date!(1966 - 11 - 25))), Category::DibaoB, date!(2027 - 05 - 24)),
        ("aged 60 today", plus(aged(60)), Category::DibaoA, date!(2027 - 11 - 24)),
        (
            "disability grade 4",
            plus(born(1990).disabled(4, DisabilityType::Physical)),
            Category::DibaoA,
            date!(2027 - 11 - 24),
        ),
        ("seriously ill", plus(born(1990).ill()), Category::DibaoA, date!(2027 - 11 - 24)),
        ("healthy adult", plus(born(1990)), Category::DibaoB, date!(2027 - 05 - 24)),
    ];
    for (who, report, category, due) in table {
        assert_eq!(report.category, Some(category), "{who}");
        assert_eq!(report.recheck_due, Some(due), "{who}");
        assert_eq!(report.members[1].labor_capable, category == Category::DibaoB, "{who}");
    }
}

/// A disabled or ill member with `own` income, and a working member earning `other`.
fn single_person_case(person: Person, own: &str, other: &str) -> Case {
    case(Dibao).member(person.wage(own)).member(born(1990).wage(other))
}

#[test]
fn single_person_cases_get_dibao_for_themselves() {
    let grade = |g, kind| born(1960).disabled(g, kind);
    // (who, own income, other income, verdict, benefit)
    let table = [
        ("grade 1", grade(1, DisabilityType::Physical), "0.00", "1600.00", Verdict::Eligible, Some("740.00")),
        ("grade 2", grade(2, DisabilityType::Visual), "300.00", "1300.00", Verdict::Eligible, Some("440.00")),
        (
            "grade 3 mental",
            grade(3, DisabilityType::Mental),
            "739.99",
            "860.01",
            Verdict::Eligible,
            Some("0.01"),
        ),
        (
            "grade 3 intellectual",
            grade(3, DisabilityType::Intellectual),
            "0.00",
            "1600.00",
            Verdict::Eligible,
            Some("740.00"),
        ),
        ("serious illness", born(1960).ill(), "100.00", "1500.00", Verdict::Eligible, Some("640.00")),
        ("grade 3 physical", grade(3, DisabilityType::Physical), "0.00", "1600.00", Verdict::LowIncome, None),
        ("grade 4 mental", grade(4, DisabilityType::Mental), "0.00", "1600.00", Verdict::LowIncome, None),
        ("own income at S", grade(1, DisabilityType::Physical), "740.00", "860.00", Verdict::LowIncome, None),
    ];
    for (who, person, own, other, verdict, benefit) in table {
        let report = single_person_case(person, own, other).run();
        assert_eq!(report.verdict, verdict, "{who}");
        assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), benefit, "{who}");
        assert_eq!(text(report.monthly_income_per_capita), "800.00", "{who}");
        if verdict == Verdict::Eligible {
            assert_eq!(report.category, Some(Category::DibaoSingle), "{who}");
            // The working member makes it class B timing.
            assert_eq!(report.recheck_due, Some(date!(2027 - 05 - 24)), "{who}");
        } else {
            assert_eq!(report.category, Some(Category::LowIncome), "{who}");
        }
    }
}

#[test]
fn the_single_person_benefit_sums_over_every_case_and_shows_its_arithmetic() {
    let report = case(Dibao)
        .member(born(1950).disabled(1, DisabilityType::Physical).wage("100.00"))
        .member(born(1952).ill().wage("200.00"))
        .member(born(1954).wage("2100.00"))
        .run();
    assert_eq!(text(report.monthly_income_per_capita), "800.00");
    assert_eq!(report.category, Some(Category::DibaoSingle));
    assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), Some("1180.00"));
    assert_eq!(report.recheck_due, Some(date!(2027 - 11 - 24)), "nobody can work: class A timing");
    assert!(
        report.members[0].single_person
            && report.members[1].single_person
            && !report.members[2].single_person
    );
    let masked = [&report.members[0].id_number_masked, &report.members[1].id_number_masked];
    assert_eq!(
        rule(&report, "single_person").detail,
        format!(
            "{} own income 100.00 < standard 740.00: 740.00 − 100.00 = 640.00; \
             {} own income 200.00 < standard 740.00: 740.00 − 200.00 = 540.00; benefit 1180.00",
            masked[0], masked[1]
        )
    );
}

#[test]
fn the_single_person_rule_needs_the_low_income_asset_limit() {
    // With the defaults, passing the 24-month dibao limit implies passing the 36-month one, so
    // lower the low-income limit to see it bite on its own: 3 × 1 × 740 = 2220.00.
    let report = single_person_case(born(1960).disabled(1, DisabilityType::Physical), "0.00", "2400.00")
        .with(|p| p.financial_assets_months_low_income = dec("1"))
        .member(born(1995).bank("2220.01"))
        .run();
    assert_eq!(report.verdict, Verdict::Ineligible);
    assert_eq!(rule(&report, "financial_assets_within_low_income_limit").outcome, RuleOutcome::Fail);
}

fn recheck(income: &str, poverty_relief: bool) -> Case {
    case(Dibao).member(born(1980).wage(income)).recheck(poverty_relief)
}

#[test]
fn a_recheck_at_or_above_the_standard_graduates_with_a_grace_period() {
    // (income, poverty relief, verdict, grace months, low income after the grace period)
    let table = [
        ("739.99", false, Verdict::Eligible, None, false),
        ("740.00", false, Verdict::Graduating, Some(6), true),
        ("740.00", true, Verdict::Graduating, Some(12), true),
        ("1110.00", false, Verdict::Graduating, Some(6), true),
        ("1110.01", false, Verdict::Graduating, Some(6), false),
        ("5000.00", false, Verdict::Graduating, Some(6), false),
        ("5000.00", true, Verdict::Graduating, Some(12), false),
    ];
    for (income, relief, verdict, grace, after) in table {
        let report = recheck(income, relief).run();
        let case = format!("{income} relief {relief}");
        assert_eq!((report.verdict, report.grace_months), (verdict, grace), "{case}");
        assert_eq!(report.flags.contains(&"low_income_after_grace".to_owned()), after, "{case}");
        if verdict == Verdict::Graduating {
            assert_eq!(
                (report.category, report.suggested_monthly_benefit, report.recheck_due),
                (None, None, None)
            );
            let graduation = rule(&report, "recheck_graduation");
            assert_eq!(graduation.outcome, RuleOutcome::Info);
            let grace_rule = if relief { "poverty_relief" } else { "employment" };
            assert_eq!(graduation.figures["grace_rule"], grace_rule, "{case}");
            assert_eq!(graduation.figures["low_income_after_grace"], after.to_string(), "{case}");
        } else {
            assert_eq!(report.category, Some(Category::DibaoB));
        }
    }
    assert_eq!(
        rule(&recheck("740.00", true).run(), "recheck_graduation").detail,
        "re-check with per-capita income at or above standard: graduating with 12 grace months (poverty relief); \
         per-capita income within the low-income limit: low income after the grace period"
    );
    assert_eq!(
        rule(&recheck("5000.00", false).run(), "recheck_graduation").detail,
        "re-check with per-capita income at or above standard: graduating with 6 grace months (employment)"
    );
}

#[test]
fn a_recheck_with_assets_over_the_limit_is_ineligible() {
    let report = recheck("100.00", false).member(born(1985).bank("35520.01")).run();
    assert_eq!((report.verdict, report.grace_months), (Verdict::Ineligible, None));
    assert!(report.flags.is_empty());
}

/// The household of issue 18: dibao under the single-person rule for a son disabled at
/// grade 1; at the re-check his father's wage has fallen from 1800.00 to 1600.00, so P is
/// 800.00: at or above S, within the low-income limit.
fn single_person_son(recheck: Option<bool>) -> Case {
    let case = case(Dibao)
        .member(born(1968).wage("1600.00"))
        .member(born(1996).disabled(1, DisabilityType::Intellectual));
    match recheck {
        Some(poverty_relief) => case.recheck(poverty_relief),
        None => case,
    }
}

#[test]
fn a_recheck_applies_the_single_person_step_so_the_son_stays_on_dibao() {
    let rechecked = single_person_son(Some(false)).run();
    assert_eq!(
        (rechecked.verdict, rechecked.category, opt(rechecked.suggested_monthly_benefit)),
        (Verdict::Eligible, Some(Category::DibaoSingle), Some("740.00".into()))
    );
    assert_eq!(rechecked.grace_months, None, "no grace period: he stays on dibao");
    assert_eq!(rule(&rechecked, "single_person").outcome, RuleOutcome::Pass);
    assert!(!rule_names(&rechecked).contains(&"recheck_graduation"));
    let applied = single_person_son(None).run();
    assert_eq!(
        (applied.verdict, applied.category, applied.suggested_monthly_benefit, applied.recheck_due),
        (rechecked.verdict, rechecked.category, rechecked.suggested_monthly_benefit, rechecked.recheck_due),
        "a re-check decides as an application would"
    );
}

#[test]
fn a_recheck_graduates_when_the_single_person_case_has_income_of_their_own() {
    // The son now earns the standard himself: no step gives eligible, so the household
    // graduates, and with P within the low-income limit it is low income after the grace.
    let report = case(Dibao)
        .member(born(1968).wage("1000.00"))
        .member(born(1996).disabled(1, DisabilityType::Intellectual).wage("740.00"))
        .recheck(true)
        .run();
    assert_eq!((report.verdict, report.grace_months), (Verdict::Graduating, Some(12)));
    assert_eq!(rule(&report, "single_person").outcome, RuleOutcome::Fail);
    assert_eq!(report.flags, ["low_income_after_grace"]);
    let graduation = rule(&report, "recheck_graduation");
    assert_eq!(graduation.figures["grace_rule"], "poverty_relief");
}

#[test]
fn a_recheck_flag_on_another_program_changes_nothing() {
    for program in [Program::LowIncome, Program::Tekun, Program::Temporary] {
        let plain = case(program).member(born(1950).wage("800.00")).run();
        let rechecked = case(program).member(born(1950).wage("800.00")).recheck(true).run();
        assert_eq!(plain, rechecked, "{program}");
        assert_eq!(plain.grace_months, None);
    }
}
