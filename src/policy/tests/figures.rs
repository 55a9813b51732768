//! The figures: the income window, housing-fund wages, disagreeing sources, currencies,
//! property deduplication, rigid expenses and undeclared income.

use super::builder::*;
use crate::domain::Program::{Dibao, LowIncome};
use crate::domain::facts::{HousingFundStatus, PropertyUsage};
use crate::policy::{RuleOutcome, Verdict};

#[test]
fn only_the_twelve_full_months_before_as_of_count() {
    let report = case(Dibao)
        .member(
            born(1980)
                .tax("2025-10", "99999.00")
                .tax("2025-11", "1200.00")
                .tax("2026-05", "600.00")
                .tax("2026-10", "1200.00")
                .tax("2026-11", "99999.00"),
        )
        .run();
    assert_eq!(text(report.members[0].tax_monthly), "250.00", "3000.00 ÷ 12");
    assert_eq!(text(report.members[0].monthly_income), "250.00");
    assert_eq!(text(report.monthly_income_total), "250.00");
}

#[test]
fn tax_monthly_keeps_full_precision_until_written_out() {
    // 1000.00 ÷ 12 = 83.333…; three members: 250.00 exactly, not 3 × 83.33 = 249.99.
    let person = |year| born(year).tax("2026-01", "1000.00");
    let report = case(Dibao).member(person(1950)).member(person(1951)).member(person(1952)).run();
    assert_eq!(text(report.members[0].tax_monthly), "83.33");
    assert_eq!(text(report.monthly_income_total), "250.00");
    assert_eq!(text(report.monthly_income_per_capita), "83.33");
    assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), Some("1970.00"));
}

#[test]
fn housing_fund_wage_counts_only_for_a_normal_account() {
    // (status, deposit, rate, hf_wage, balance)
    let table = [
        (HousingFundStatus::Normal, "1200.00", "0.12", "5000.00"),
        (HousingFundStatus::Normal, "700.00", "0.07", "5000.00"),
        (HousingFundStatus::Normal, "100.00", "0.00", "0.00"),
        (HousingFundStatus::Sealed, "1200.00", "0.12", "0.00"),
        (HousingFundStatus::Closed, "1200.00", "0.12", "0.00"),
    ];
    for (status, deposit, rate, wage) in table {
        let report = case(Dibao).member(born(1980).housing_fund(status, deposit, rate, "12345.00")).run();
        let member = &report.members[0];
        assert_eq!(text(member.hf_wage), wage, "{status:?} {deposit} {rate}");
        assert_eq!(text(member.monthly_income), wage);
        assert_eq!(opt(member.housing_fund_balance).as_deref(), Some("12345.00"), "reported");
        assert_eq!(text(report.financial_assets_total), "0.00", "never counted");
    }
    let none = case(Dibao).member(born(1980)).run();
    assert_eq!(none.members[0].housing_fund_balance, None);
}

#[test]
fn monthly_income_is_the_larger_source_and_a_gap_over_20_percent_is_flagged() {
    // (tax, housing-fund wage via deposit at 12 %, monthly_income, flagged)
    let table = [
        ("5000.00", "960.00", "5000.00", false), // hf 4000.00: difference exactly 20 %
        ("5000.00", "959.99", "5000.00", true),  // hf 3999.958…: just over
        ("4000.00", "1200.00", "5000.00", false), // hf larger: 1000.00 = 20 % of 5000.00
        ("3999.99", "1200.00", "5000.00", true),
        ("0.00", "1200.00", "5000.00", false), // only one source positive
        ("5000.00", "0.00", "5000.00", false),
    ];
    for (tax, deposit, income, flagged) in table {
        let person = born(1980).wage(tax).housing_fund(HousingFundStatus::Normal, deposit, "0.12", "0");
        let report = case(LowIncome).member(person).run();
        assert_eq!(text(report.members[0].monthly_income), income, "{tax} / {deposit}");
        assert_eq!(
            report.flags.contains(&"income_sources_disagree".to_owned()),
            flagged,
            "{tax} / {deposit}"
        );
        let trace = rule(&report, "income_sources_disagree");
        assert_eq!(trace.outcome == RuleOutcome::Fail, flagged);
    }
    let report = case(Dibao)
        .member(born(1980).wage("5000.00").housing_fund(HousingFundStatus::Normal, "959.99", "0.12", "0"))
        .member(born(1982).wage("100.00").housing_fund(HousingFundStatus::Normal, "24.00", "0.12", "0"))
        .run();
    assert_eq!(report.flags, ["income_sources_disagree"], "flagged once for the household");
    assert_eq!(
        rule(&report, "income_sources_disagree").detail,
        format!(
            "{}: tax 5000.00 vs housing fund 3999.96, difference 1000.04 > 20% of 5000.00 = 1000.00; \
             {}: tax 100.00 vs housing fund 100.00, difference 0.00 ≤ 20% of 100.00 = 20.00",
            report.members[0].id_number_masked, report.members[1].id_number_masked
        )
    );
}

#[test]
fn all_cny_products_count_and_foreign_currency_is_a_gap() {
    let report = case(Dibao).member(born(1950).bank("1000.00").bank("2500.50").bank_in("0.00", "CNY")).run();
    assert_eq!(text(report.members[0].financial_assets), "3500.50");
    assert_eq!(report.verdict, Verdict::Eligible);

    let foreign =
        case(Dibao).member(born(1950).bank("1000.00").bank_in("100.00", "USD").bank_in("5.00", "EUR")).run();
    assert_eq!(text(foreign.financial_assets_total), "1000.00");
    assert_eq!(foreign.verdict, Verdict::NeedsReview, "an unknown amount is never eligible");
    assert_eq!(foreign.missing.len(), 1, "one gap per member");
    assert_eq!(foreign.missing[0].cause, "unconverted_currency");
    assert_eq!(foreign.missing[0].agency.as_str(), "bank");
    assert_eq!(foreign.missing[0].member, foreign.members[0].id_number_masked);
    assert_eq!(foreign.members[0].sources[&crate::domain::Agency::Bank].status.as_str(), "ok");
}

#[test]
fn a_unit_reported_for_two_members_counts_once() {
    use PropertyUsage::{Commercial, Residential};
    // (first member's units, second member's units, residential, non-residential, verdict)
    type Units<'a> = &'a [(&'a str, PropertyUsage)];
    let table: [(Units, Units, u32, u32, Verdict); 5] = [
        (&[("U-1", Residential)], &[("U-1", Residential)], 1, 0, Verdict::Eligible),
        (&[("U-1", Residential)], &[("U-2", Residential)], 2, 0, Verdict::Ineligible),
        (&[("U-1", Residential), ("U-1", Residential)], &[], 1, 0, Verdict::Eligible),
        (&[("S-1", Commercial)], &[("S-1", Commercial)], 0, 1, Verdict::Ineligible),
        (&[], &[], 0, 0, Verdict::Eligible),
    ];
    for (first, second, residential, other, verdict) in table {
        let with_units = |mut person: Person, units: &[(&str, PropertyUsage)]| {
            for (id, usage) in units {
                person = person.unit(id, *usage);
            }
            person
        };
        let report =
            case(Dibao).member(with_units(born(1950), first)).member(with_units(born(1952), second)).run();
        assert_eq!((report.residential_properties, report.non_residential_properties), (residential, other));
        assert_eq!(report.verdict, verdict, "{first:?} {second:?}");
    }
    let two = case(Dibao).member(born(1950).unit("U-1", Residential).unit("U-2", Residential)).run();
    let trace = rule(&two, "residential_properties_within_limit");
    assert_eq!((trace.outcome, trace.detail.as_str()), (RuleOutcome::Fail, "2 residential unit(s) > max 1"));
}

#[test]
fn non_residential_property_passes_only_when_allowed() {
    let shop = || case(Dibao).member(born(1950).unit("S-1", PropertyUsage::Commercial));
    let refused = shop().run();
    assert_eq!(refused.verdict, Verdict::Ineligible);
    let trace = rule(&refused, "non_residential_property");
    assert_eq!(trace.outcome, RuleOutcome::Fail);
    assert_eq!(
        trace.detail,
        "1 non-residential unit(s), not allowed (allow_non_residential_property = false)"
    );
    let allowed = shop().with(|p| p.allow_non_residential_property = true).run();
    assert_eq!(allowed.verdict, Verdict::Eligible);
    assert_eq!(allowed.non_residential_properties, 1);
}

#[test]
fn rigid_expenses_are_deducted_and_floored_at_zero() {
    let floored = case(Dibao).member(born(1950).wage("200.00")).rigid("250.00").rigid("50.00").run();
    assert_eq!(text(floored.monthly_income_gross), "200.00");
    assert_eq!(text(floored.rigid_expenses_total), "300.00");
    assert_eq!(text(floored.monthly_income_total), "0.00");
    assert_eq!(text(floored.monthly_income_per_capita), "0.00");
    assert_eq!(opt(floored.suggested_monthly_benefit).as_deref(), Some("740.00"), "never more than n × S");
    assert_eq!(
        rule(&floored, "rigid_expenses_deduction").detail,
        "Σ income 200.00 − rigid expenses 300.00 = -100.00, floored at 0.00"
    );
    let kept = case(Dibao)
        .member(born(1950).wage("200.00"))
        .rigid("300.00")
        .with(|p| p.deduct_rigid_expenses = false)
        .run();
    assert_eq!(text(kept.monthly_income_total), "200.00");
    assert_eq!(text(kept.rigid_expenses_total), "300.00");
    assert_eq!(
        rule(&kept, "rigid_expenses_deduction").detail,
        "Σ income 200.00 = 200.00; rigid expenses 300.00 not deducted (deduct_rigid_expenses = false)"
    );
}

#[test]
fn undeclared_income_needs_both_the_tolerance_and_the_minimum() {
    // (verified T, declared, flagged): tolerance 10 % of D, minimum 100.00.
    let table = [
        ("2200.00", "2000.00", false), // excess 200.00 = 10 %
        ("2200.01", "2000.00", true),
        ("600.00", "500.00", false), // excess 100.00 > 10 % but = minimum
        ("600.01", "500.00", true),
        ("1500.00", "1200.00", true),
        ("1000.00", "1200.00", false),
        ("150.00", "0.00", true), // declaring zero counts as declaring
    ];
    for (verified, declared, flagged) in table {
        let report = case(LowIncome).member(born(1980).wage(verified).declares(declared)).run();
        assert_eq!(
            report.flags.contains(&"undeclared_income".to_owned()),
            flagged,
            "{verified} vs {declared}"
        );
        assert_eq!(rule(&report, "undeclared_income").outcome == RuleOutcome::Fail, flagged);
    }
    let report = case(Dibao).member(born(1950).wage("1800.00").declares("1200.00")).rigid("300.00").run();
    assert_eq!(report.flags, ["undeclared_income"], "T after rigid expenses: 1500.00");
    assert_eq!(
        rule(&report, "undeclared_income").detail,
        "verified 1500.00 − declared 1200.00 = 300.00; > tolerance 0.1 × 1200.00 = 120.00; > minimum 100.00"
    );
}

#[test]
fn undeclared_income_sums_declarations_and_is_skipped_when_nobody_declared() {
    // D = 600.00 + absent; T = 1000.00: excess 400.00 > 60.00 and > 100.00.
    let report = case(Dibao)
        .member(born(1950).wage("500.00").declares("600.00"))
        .member(born(1952).wage("500.00"))
        .run();
    assert_eq!(report.flags, ["undeclared_income"]);
    let silent = case(Dibao).member(born(1950).wage("5000.00")).run();
    assert!(silent.flags.is_empty());
    assert!(!rule_names(&silent).contains(&"undeclared_income"));
}
