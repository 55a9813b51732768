//! Low-income, tekun and temporary assistance: their boundaries, categories, flags and
//! approval levels.

use super::builder::*;
use crate::domain::DisabilityType;
use crate::domain::Program::{LowIncome, Tekun, Temporary};
use crate::domain::TemporaryKind::{Emergency, Expenditure};
use crate::domain::{Agency, SourceStatus};
use crate::policy::{ApprovalLevel, Category, RuleOutcome, Verdict, temporary_approval_level};
use time::macros::date;

#[test]
fn low_income_boundaries_and_the_dibao_recommendation() {
    // (income, assets, verdict, flags)
    let table = [
        ("500.00", "0.00", Verdict::LowIncome, vec!["dibao_recommended"]),
        ("739.99", "0.00", Verdict::LowIncome, vec!["dibao_recommended"]),
        ("740.00", "0.00", Verdict::LowIncome, vec![]),
        ("1110.00", "0.00", Verdict::LowIncome, vec![]),
        ("1110.01", "0.00", Verdict::Ineligible, vec![]),
        ("800.00", "26640.00", Verdict::LowIncome, vec![]),
        ("800.00", "26640.01", Verdict::Ineligible, vec![]),
    ];
    for (income, assets, verdict, flags) in table {
        let report = case(LowIncome).member(born(1980).wage(income).bank(assets)).run();
        assert_eq!(report.verdict, verdict, "{income} / {assets}");
        assert_eq!(report.flags, flags, "{income} / {assets}");
        if verdict == Verdict::LowIncome {
            assert_eq!(report.category, Some(Category::LowIncome));
            assert_eq!(report.recheck_due, Some(date!(2027 - 11 - 24)));
            assert_eq!(report.suggested_monthly_benefit, None);
        } else {
            assert_eq!((report.category, report.recheck_due), (None, None));
        }
    }
}

#[test]
fn low_income_checks_assets_first_and_never_evaluates_the_dibao_limit() {
    let report = case(LowIncome).member(born(1980).wage("500.00").bank("20000.00")).run();
    assert_eq!(
        rule_names(&report),
        [
            "data_complete",
            "rigid_expenses_deduction",
            "financial_assets_within_low_income_limit",
            "residential_properties_within_limit",
            "non_residential_property",
            "income_within_low_income_limit",
            "income_below_standard",
            "income_sources_disagree",
        ]
    );
    let recommended = rule(&report, "income_below_standard");
    assert_eq!(recommended.outcome, RuleOutcome::Info);
    assert_eq!(
        recommended.detail,
        "per-capita 500.00 < standard 740.00 (total 500.00 < 1 × 740.00 = 740.00); dibao recommended"
    );
    assert_eq!(
        rule(&report, "financial_assets_within_low_income_limit").detail,
        "per-capita 20000.00 ≤ limit 36 × 740.00 = 26640.00 (total 20000.00 ≤ 1 × 26640.00 = 26640.00)"
    );
}

#[test]
fn tekun_person_category_boundaries() {
    // (applicant, passes)
    let table = [
        ("aged 17", aged(17).bank("0"), true),
        ("aged 18 today", aged(18), false),
        ("aged 59", born_on(date!(1966 - 11 - 25)), false),
        ("aged 60 today", aged(60), true),
        ("grade 1", born(1980).disabled(1, DisabilityType::Physical), true),
        ("grade 2", born(1980).disabled(2, DisabilityType::Hearing), true),
        ("grade 3 mental", born(1980).disabled(3, DisabilityType::Mental), false),
        ("seriously ill", born(1980).ill(), false),
    ];
    for (who, applicant, passes) in table {
        let report = case(Tekun).member(applicant).run();
        let category = rule(&report, "tekun_person_category");
        assert_eq!(category.outcome == RuleOutcome::Pass, passes, "{who}: {}", category.detail);
        let expected = if passes { Verdict::Eligible } else { Verdict::Ineligible };
        assert_eq!(report.verdict, expected, "{who}");
        if !passes {
            assert_eq!(
                rule_names(&report),
                [
                    "data_complete",
                    "rigid_expenses_deduction",
                    "tekun_person_category",
                    "income_sources_disagree"
                ]
            );
        }
    }
    let adult = case(Tekun).member(born(1980)).run();
    assert_eq!(
        rule(&adult, "tekun_person_category").detail,
        format!(
            "applicant {}: age 46, disability grade none: not under 18, not 60 or older, not disability grade 1–2",
            adult.members[0].id_number_masked
        )
    );
}

#[test]
fn only_the_applicant_counts_for_the_tekun_person_category() {
    let report = case(Tekun).member(born(1980)).member(born(1940)).run();
    assert_eq!(report.verdict, Verdict::Ineligible);
}

#[test]
fn tekun_income_boundary_is_the_tekun_standard() {
    // 1.3 × 740 = 962.00; below it tekun, from it on the low-income rules.
    let table = [
        ("0.00", Verdict::Eligible, Some(Category::Tekun), Some("962.00")),
        ("961.99", Verdict::Eligible, Some(Category::Tekun), Some("0.01")),
        ("962.00", Verdict::LowIncome, Some(Category::LowIncome), None),
        ("1110.00", Verdict::LowIncome, Some(Category::LowIncome), None),
        ("1110.01", Verdict::Ineligible, None, None),
    ];
    for (income, verdict, category, benefit) in table {
        let report = case(Tekun).member(born(1950).wage(income)).run();
        assert_eq!((report.verdict, report.category), (verdict, category), "{income}");
        assert_eq!(opt(report.suggested_monthly_benefit).as_deref(), benefit, "{income}");
        assert!(report.flags.is_empty(), "{income}");
        if verdict == Verdict::Eligible {
            assert_eq!(report.recheck_due, Some(date!(2027 - 11 - 24)));
        }
    }
    let two = case(Tekun).member(born(1950).wage("1000.00")).member(born(1952)).run();
    assert_eq!(opt(two.suggested_monthly_benefit).as_deref(), Some("924.00"), "2 × 962.00 − 1000.00");
    assert_eq!(
        rule(&two, "income_below_tekun_standard").detail,
        "per-capita 500.00 < tekun standard 1.3 × 740.00 = 962.00 (total 1000.00 < 2 × 962.00 = 1924.00); \
         benefit 1924.00 − 1000.00 = 924.00"
    );
}

#[test]
fn tekun_over_the_dibao_asset_limit_falls_back_to_low_income() {
    // Assets between 24 and 36 months: not tekun, but low-income with a dibao recommendation.
    let report = case(Tekun).member(born(1950).wage("500.00").bank("17760.01")).run();
    assert_eq!((report.verdict, report.category), (Verdict::LowIncome, Some(Category::LowIncome)));
    assert_eq!(report.flags, ["dibao_recommended"]);
    assert_eq!(report.recheck_due, Some(date!(2027 - 11 - 24)));
    assert!(!rule_names(&report).contains(&"income_below_tekun_standard"));
    let over = case(Tekun).member(born(1950).wage("500.00").bank("26640.01")).run();
    assert_eq!(over.verdict, Verdict::Ineligible);
}

#[test]
fn temporary_needs_income_and_assets_within_the_low_income_limits() {
    // (income, assets, verdict)
    let table = [
        ("1110.00", "26640.00", Verdict::Eligible),
        ("1110.01", "0.00", Verdict::Ineligible),
        ("0.00", "26640.01", Verdict::Ineligible),
    ];
    for (income, assets, verdict) in table {
        let report = case(Temporary).member(born(1980).wage(income).bank(assets)).run();
        assert_eq!(report.verdict, verdict, "{income} / {assets}");
        let category = (verdict == Verdict::Eligible).then_some(Category::Temporary);
        assert_eq!(report.category, category);
        assert_eq!(
            (report.suggested_monthly_benefit, report.recheck_due, report.advance_relief),
            (None, None, false)
        );
        let level = (verdict == Verdict::Eligible).then_some(ApprovalLevel::Township);
        assert_eq!(report.approval_level, level, "1000.00 requested");
    }
}

#[test]
fn temporary_income_is_counted_after_rigid_expenses() {
    let report = case(Temporary).member(born(1980).wage("1400.00")).rigid("290.00").run();
    assert_eq!(text(report.monthly_income_total), "1110.00");
    assert_eq!(report.verdict, Verdict::Eligible);
}

#[test]
fn approval_levels_at_their_boundaries_use_the_urban_standard() {
    let params = default_params();
    let table = [
        ("0.00", ApprovalLevel::Township),
        ("2220.00", ApprovalLevel::Township),
        ("2220.01", ApprovalLevel::County),
        ("20000.00", ApprovalLevel::County),
        ("20000.01", ApprovalLevel::CountyLeadingGroup),
    ];
    for (requested, level) in table {
        assert_eq!(temporary_approval_level(&params, dec(requested)), level, "{requested}");
    }
    // Rural: still 3 × the urban 740.00, not 3 × 590.00 = 1770.00.
    let rural = case(Temporary).rural().temporary(Expenditure, "2000.00").member(born(1980)).run();
    assert_eq!(rural.approval_level, Some(ApprovalLevel::Township));
    assert_eq!(
        rule(&rural, "temporary_approval_level").detail,
        "requested 2000.00 ≤ township limit 3 × urban standard 740.00 = 2220.00 → township"
    );
    let county = case(Temporary).temporary(Expenditure, "5000.00").member(born(1980)).run();
    assert_eq!(
        rule(&county, "temporary_approval_level").detail,
        "requested 5000.00 > township limit 3 × urban standard 740.00 = 2220.00; ≤ county limit 20000.00 → county"
    );
}

#[test]
fn emergencies_get_advance_relief_and_an_approval_level_whatever_the_verdict() {
    let ineligible =
        case(Temporary).temporary(Emergency, "25000.00").member(born(1980).wage("5000.00")).run();
    assert_eq!(ineligible.verdict, Verdict::Ineligible);
    assert!(ineligible.advance_relief);
    assert_eq!(ineligible.approval_level, Some(ApprovalLevel::CountyLeadingGroup));
    assert!(
        rule(&ineligible, "temporary_approval_level")
            .detail
            .ends_with("emergency: advance relief granted at this level")
    );

    let eligible = case(Temporary).temporary(Emergency, "1500.00").member(born(1980)).run();
    assert_eq!(
        (eligible.verdict, eligible.approval_level),
        (Verdict::Eligible, Some(ApprovalLevel::Township))
    );
    assert!(eligible.advance_relief);

    let incomplete = case(Temporary)
        .temporary(Emergency, "3000.00")
        .member(born(1980).fails(Agency::Bank, SourceStatus::Timeout))
        .run();
    assert_eq!((incomplete.verdict, incomplete.category), (Verdict::NeedsReview, None));
    assert_eq!((incomplete.approval_level, incomplete.advance_relief), (Some(ApprovalLevel::County), true));

    let expenditure = case(Temporary)
        .temporary(Expenditure, "3000.00")
        .member(born(1980).fails(Agency::Bank, SourceStatus::Timeout))
        .run();
    assert_eq!(expenditure.verdict, Verdict::NeedsReview);
    assert_eq!((expenditure.approval_level, expenditure.advance_relief), (None, false));
    let ineligible_expenditure = case(Temporary).member(born(1980).wage("5000.00")).run();
    assert_eq!(ineligible_expenditure.approval_level, None);
    assert!(!rule_names(&ineligible_expenditure).contains(&"temporary_approval_level"));
}
