//! Missing data: never eligible on incomplete evidence, but a household the data present
//! already rules out stays ineligible.

use super::builder::*;
use crate::domain::Program::{Dibao, LowIncome, Tekun};
use crate::domain::{Agency, SourceStatus};
use crate::policy::{RuleOutcome, Verdict};

#[test]
fn a_gap_turns_every_favourable_outcome_into_needs_review() {
    let gap = |person: Person| person.fails(Agency::Bank, SourceStatus::Timeout);
    // (name, case, verdict on the data present)
    let table = [
        ("dibao eligible", case(Dibao).member(gap(born(1950))), Verdict::Eligible),
        ("dibao low-income", case(Dibao).member(gap(born(1950).wage("800.00"))), Verdict::LowIncome),
        ("graduating", case(Dibao).member(gap(born(1980).wage("800.00"))).recheck(true), Verdict::Graduating),
        ("low-income", case(LowIncome).member(gap(born(1980).wage("500.00"))), Verdict::LowIncome),
        ("tekun", case(Tekun).member(gap(born(1950))), Verdict::Eligible),
        ("dibao over income", case(Dibao).member(gap(born(1950).wage("1110.01"))), Verdict::Ineligible),
        (
            "dibao over assets",
            case(Dibao).member(born(1950).fails(Agency::Tax, SourceStatus::Unavailable).bank("17760.01")),
            Verdict::Ineligible,
        ),
        ("tekun person", case(Tekun).member(gap(born(1980))), Verdict::Ineligible),
    ];
    for (name, household, present) in table {
        let report = household.run();
        let expected =
            if present == Verdict::Ineligible { Verdict::Ineligible } else { Verdict::NeedsReview };
        assert_eq!(report.verdict, expected, "{name}");
        assert_eq!(
            (report.category, report.suggested_monthly_benefit, report.recheck_due, report.grace_months),
            (None, None, None, None),
            "{name}"
        );
        assert_eq!(report.missing.len(), 1, "{name}");
        let complete = rule(&report, "data_complete");
        assert_eq!(complete.outcome, RuleOutcome::Fail, "{name}");
        assert!(complete.detail.starts_with("1 gap(s): "), "{name}: {}", complete.detail);
    }
}

#[test]
fn the_figures_of_the_data_present_are_still_reported() {
    let report =
        case(Dibao).member(born(1950).wage("500.00").fails(Agency::Bank, SourceStatus::Malformed)).run();
    assert_eq!(report.verdict, Verdict::NeedsReview);
    assert_eq!(text(report.monthly_income_total), "500.00");
    assert_eq!(text(report.financial_assets_total), "0.00");
    let masked = &report.members[0].id_number_masked;
    assert_eq!(
        rule(&report, "data_complete").detail,
        format!(
            "1 gap(s): {masked} bank malformed; the data present is a lower bound, so the verdict cannot be eligible"
        )
    );
    let bank = &report.members[0].sources[&Agency::Bank];
    assert_eq!(
        (bank.status, bank.cached, bank.fetched_at, bank.consent_id.as_deref()),
        (SourceStatus::Malformed, false, None, Some("c-1"))
    );
}

#[test]
fn gaps_are_listed_by_member_then_agency_with_their_cause() {
    let report = case(Dibao)
        .member(
            born(1950).fails(Agency::Bank, SourceStatus::Timeout).fails(Agency::Tax, SourceStatus::NoConsent),
        )
        .member(
            born(1952).not_queried(Agency::HousingFund).fails(Agency::RealEstate, SourceStatus::Unavailable),
        )
        .member(born(1954).bank_in("10.00", "HKD"))
        .run();
    let listed: Vec<(String, &str, &str)> =
        report.missing.iter().map(|m| (m.member.clone(), m.agency.as_str(), m.cause.as_str())).collect();
    let id = |i: usize| report.members[i].id_number_masked.clone();
    assert_eq!(
        listed,
        [
            (id(0), "tax", "no_consent"),
            (id(0), "bank", "timeout"),
            (id(1), "real_estate", "unavailable"),
            (id(1), "housing_fund", "no_consent"),
            (id(2), "bank", "unconverted_currency"),
        ]
    );
    assert_eq!(report.verdict, Verdict::NeedsReview);
    assert!(rule(&report, "data_complete").detail.starts_with("5 gap(s): "));
}

#[test]
fn a_member_without_any_evidence_is_missing_everywhere() {
    let household = case(Dibao).member(born(1950)).member(born(1952));
    let mut evidence = household.evidence();
    evidence.pop();
    let report = crate::policy::assess(&household.application(), &evidence, &household.params, "v");
    assert_eq!(report.verdict, Verdict::NeedsReview);
    assert_eq!(report.missing.len(), 4);
    assert!(
        report
            .missing
            .iter()
            .all(|m| m.cause == "no_consent" && m.member == report.members[1].id_number_masked)
    );
}

#[test]
fn evidence_is_matched_by_id_number_not_position() {
    let household = case(Dibao).member(born(1950).wage("100.00")).member(born(1952).bank("500.00"));
    let mut evidence = household.evidence();
    evidence.reverse();
    let report = crate::policy::assess(&household.application(), &evidence, &household.params, "v");
    assert_eq!(report, household.run().clone_with_version("v"));
    assert_eq!(text(report.members[0].monthly_income), "100.00");
}

#[test]
fn complete_data_passes_the_data_rule() {
    let report = case(Dibao).member(born(1950)).run();
    let complete = rule(&report, "data_complete");
    assert_eq!(complete.outcome, RuleOutcome::Pass);
    assert_eq!(complete.detail, "every member × agency source answered with usable data");
}

trait WithVersion {
    fn clone_with_version(&self, version: &str) -> Self;
}

impl WithVersion for crate::policy::Report {
    fn clone_with_version(&self, version: &str) -> Self {
        Self { policy_version: version.into(), ..self.clone() }
    }
}

#[test]
fn an_empty_household_is_reported_without_panicking() {
    // Intake refuses it; the engine must still never divide by zero.
    let report = case(Dibao).run();
    assert_eq!((report.household_size, text(report.monthly_income_per_capita)), (0, "0.00".to_owned()));
    assert_ne!(report.verdict, Verdict::Eligible);
}

#[test]
fn a_source_the_hub_declined_to_call_is_a_gap_named_by_its_specific_cause() {
    let household = case(Dibao).member(born(1950).fails(Agency::RealEstate, SourceStatus::Unavailable));
    let mut evidence = household.evidence();
    let source = evidence[0].sources.get_mut(&Agency::RealEstate).unwrap();
    *source = source.clone().with_cause(Some("circuit_open"));
    let report = crate::policy::assess(&household.application(), &evidence, &household.params, "sha256:test");
    assert_eq!(report.verdict, Verdict::NeedsReview);
    assert_eq!(report.missing[0].cause, "circuit_open");
    assert_eq!(report.members[0].sources[&Agency::RealEstate].status, SourceStatus::Unavailable);
}
