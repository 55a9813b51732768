//! The policy engine (docs/POLICY.md): a pure function from an application, the normalized
//! agency facts of its members and a region's parameters to a verdict with a full rule trace.
//!
//! `assess` does no I/O and reads no clock: `as_of` comes with the application (`book` and
//! `live` read the policy directory). Money is exact throughout
//! (fractions, see `exact`) and rounded half away from zero to cents only when written into
//! the [`Report`].
//!
//! # Layout
//! - `params`, `book`: the parameters and the policy files that set them per region and date;
//!   `live`: the set in force, swapped whole on reload; `published`: the parameters as shown.
//! - `facts`: per-member facts (incomes, assets, units, gaps) from the agencies' answers.
//! - `household`: n, S, T, P, F and the real estate.
//! - `checks`, `income`, `flags`: one method per rule, each writing its trace line.
//! - `verdict`: the per-program decisions; `report`: the report written out.
//! - `explain`: the rule trace and the verdict's reasons in Chinese or English.

mod book;
mod checks;
mod exact;
pub mod explain;
mod facts;
mod flags;
mod household;
mod income;
mod live;
mod params;
mod published;
mod report;
mod trace;
mod verdict;

#[cfg(test)]
mod tests;

pub use book::{Effective, Origin, PolicyBook, PolicyBookError, policy_version};
pub use live::{LivePolicies, ReloadSummary, spawn_reload_on_hangup};
pub use params::{KNOWN_SOURCES, PolicyParams};
pub use published::PublishedPolicy;
pub use report::{
    ApprovalLevel, Category, MemberReport, MemberTrace, MissingSource, Operator, PolicySource, Report,
    RuleOutcome, RuleTrace, SourceSummary, Verdict,
};

use crate::domain::{Application, MemberEvidence, Money, Program, add_months};
use checks::Checks;
use exact::Ratio;
use facts::MemberFacts;
use household::Household;
use rust_decimal::Decimal;

/// Assesses one application. `evidence` holds one entry per member (matched by ID number); a
/// member or agency without an entry counts as not queried.
pub fn assess(
    application: &Application,
    evidence: &[MemberEvidence],
    params: &PolicyParams,
    policy_version: &str,
) -> Report {
    let household = Household::gather(application, evidence, params);
    let mut checks = Checks::new(&household, params);
    checks.data_complete();
    checks.rigid_expenses();
    let mut decision = verdict::decide(application, &mut checks, params);
    if !household.missing.is_empty() {
        decision = decision.under_review();
    }
    let emergency = application.is_emergency();
    // An emergency was answered at intake with its level; otherwise only an eligible
    // temporary-assistance household needs one.
    let eligible_temporary =
        application.program == Program::Temporary && decision.verdict == Verdict::Eligible;
    let approval_level = match &application.temporary {
        Some(request) if eligible_temporary || emergency => {
            Some(checks.approval_level(request.requested_amount.amount(), emergency))
        }
        _ => None,
    };
    let mut trace = checks.trace;
    let undeclared = flags::undeclared_income(&household, params, &mut trace);
    let disagree = flags::income_sources_disagree(&household, &mut trace);
    let raised = [
        (disagree, flags::INCOME_SOURCES_DISAGREE),
        (undeclared, flags::UNDECLARED_INCOME),
        (decision.dibao_recommended, flags::DIBAO_RECOMMENDED),
        (decision.low_income_after_grace, flags::LOW_INCOME_AFTER_GRACE),
    ];
    Report {
        program: application.program,
        policy_version: policy_version.to_owned(),
        policy_source: None,
        verdict: decision.verdict,
        category: decision.category,
        as_of: application.as_of,
        region: application.region.clone(),
        household_size: household.size(),
        standard_monthly: money(household.standard),
        monthly_income_gross: money(household.gross),
        rigid_expenses_total: money(household.rigid),
        monthly_income_total: money(household.total),
        monthly_income_per_capita: money(household.per_capita_income()),
        financial_assets_total: money(household.assets),
        financial_assets_per_capita: money(household.per_capita_assets()),
        residential_properties: household.residential,
        non_residential_properties: household.non_residential,
        suggested_monthly_benefit: decision.benefit.map(money),
        recheck_due: decision.recheck_months.map(|months| add_months(application.as_of, months)),
        approval_level,
        advance_relief: emergency,
        grace_months: decision.grace_months,
        members: household.members.iter().map(member_report).collect(),
        rules: trace.into_rules(),
        flags: raised.iter().filter(|(up, _)| *up).map(|(_, name)| (*name).to_owned()).collect(),
        missing: household.missing.clone(),
    }
}

/// Assesses one application under an effective parameter set, recording its version and
/// the files it came from.
pub fn assess_under(application: &Application, evidence: &[MemberEvidence], policy: &Effective) -> Report {
    let mut report = assess(application, evidence, &policy.params, &policy.version);
    report.policy_source = Some(policy.source());
    report
}

/// The approval level for a temporary-assistance amount: township up to
/// multiplier × *urban* S (for rural areas too), county up to the county limit, else the
/// county's leading group. Used at intake to answer emergencies at once.
pub fn temporary_approval_level(params: &PolicyParams, requested: Decimal) -> ApprovalLevel {
    let requested = Ratio::from_decimal(requested);
    let township = Ratio::from_decimal(params.temporary_township_limit_multiplier)
        .mul(Ratio::from_decimal(params.dibao_monthly_urban));
    if requested <= township {
        ApprovalLevel::Township
    } else if requested <= Ratio::from_decimal(params.temporary_county_limit) {
        ApprovalLevel::County
    } else {
        ApprovalLevel::CountyLeadingGroup
    }
}

/// A figure as written out: rounded to cents, so the report reads back equal.
fn money(value: Ratio) -> Money {
    Money::from_decimal(value.round_cents())
}

fn member_report(member: &MemberFacts) -> MemberReport {
    MemberReport {
        id_number_masked: member.masked.clone(),
        age: member.age,
        labor_capable: member.labor_capable,
        monthly_income: money(member.monthly_income),
        tax_monthly: money(member.tax_monthly),
        hf_wage: money(member.hf_wage),
        financial_assets: money(member.financial_assets),
        housing_fund_balance: member.housing_fund_balance.map(|b| money(Ratio::from_decimal(b))),
        single_person: member.single_person,
        sources: member.sources.clone(),
    }
}
