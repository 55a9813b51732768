//! Flags for the officer that never change a verdict: undeclared income and tax and
//! housing-fund incomes that disagree.

use super::exact::Ratio;
use super::facts::DISAGREEMENT_SHARE;
use super::household::Household;
use super::params::PolicyParams;
use super::trace::{Trace, factor, le};

pub(crate) const UNDECLARED_INCOME: &str = "undeclared_income";
pub(crate) const INCOME_SOURCES_DISAGREE: &str = "income_sources_disagree";
pub(crate) const DIBAO_RECOMMENDED: &str = "dibao_recommended";

/// When anyone declared an income: T − D > tolerance × D and T − D > minimum (D = Σ declared).
/// Not traced when nobody declared, since there is then nothing to compare.
pub(crate) fn undeclared_income(household: &Household, params: &PolicyParams, trace: &mut Trace) -> bool {
    let declared: Vec<_> = household.members.iter().filter_map(|m| m.declared_income).collect();
    if declared.is_empty() {
        return false;
    }
    let declared = Ratio::sum(declared.into_iter().map(Ratio::from_decimal));
    let excess = household.total.sub(declared);
    let tolerance = Ratio::from_decimal(params.undeclared_income_tolerance).mul(declared);
    let minimum = Ratio::from_decimal(params.undeclared_income_min);
    let (over_tolerance, over_minimum) = (excess > tolerance, excess > minimum);
    let detail = format!(
        "verified {} − declared {declared} = {excess}; {} tolerance {} × {declared} = {tolerance}; {} minimum {minimum}",
        household.total,
        le(!over_tolerance),
        factor(params.undeclared_income_tolerance),
        le(!over_minimum),
    );
    let flagged = over_tolerance && over_minimum;
    trace.check(UNDECLARED_INCOME, !flagged, detail);
    flagged
}

/// Some member's tax and housing-fund incomes are both positive and differ by more than 20 % of the larger.
pub(crate) fn income_sources_disagree(household: &Household, trace: &mut Trace) -> bool {
    let compared: Vec<String> = household
        .members
        .iter()
        .filter(|m| m.tax_monthly.is_positive() && m.hf_wage.is_positive())
        .map(|m| {
            let allowed = m.monthly_income.mul(Ratio::from_decimal(DISAGREEMENT_SHARE));
            let difference = m.tax_monthly.sub(m.hf_wage).abs();
            format!(
                "{}: tax {} vs housing fund {}, difference {difference} {} 20% of {} = {allowed}",
                m.masked,
                m.tax_monthly,
                m.hf_wage,
                le(!m.sources_disagree()),
                m.monthly_income,
            )
        })
        .collect();
    let disagree = household.members.iter().any(|m| m.sources_disagree());
    let detail = if compared.is_empty() {
        "no member has both tax and housing-fund income".to_owned()
    } else {
        compared.join("; ")
    };
    trace.check(INCOME_SOURCES_DISAGREE, !disagree, detail);
    disagree
}
