//! Flags for the officer that never change a verdict: undeclared income and tax and
//! housing-fund incomes that disagree.

use super::exact::Ratio;
use super::facts::DISAGREEMENT_SHARE;
use super::household::Household;
use super::params::PolicyParams;
use super::report::Operator;
use super::trace::{Line, MemberLine, Trace, factor};

pub(crate) const UNDECLARED_INCOME: &str = "undeclared_income";
pub(crate) const INCOME_SOURCES_DISAGREE: &str = "income_sources_disagree";
pub(crate) const DIBAO_RECOMMENDED: &str = "dibao_recommended";
pub(crate) const LOW_INCOME_AFTER_GRACE: &str = "low_income_after_grace";

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
    let flagged = over_tolerance && over_minimum;
    // Over both ⇔ over the larger of the two, which makes one threshold to show.
    let line = Line::new(UNDECLARED_INCOME)
        .compare(excess, Operator::le(!flagged), tolerance.max(minimum))
        .figure("verified", household.total)
        .figure("declared", declared)
        .figure("excess", excess)
        .figure("tolerance_factor", factor(params.undeclared_income_tolerance))
        .figure("tolerance", tolerance)
        .figure("minimum", minimum)
        .figure("over_tolerance", over_tolerance)
        .figure("over_minimum", over_minimum);
    trace.check(line, !flagged);
    flagged
}

/// Some member's tax and housing-fund incomes are both positive and differ by more than 20 % of the larger.
pub(crate) fn income_sources_disagree(household: &Household, trace: &mut Trace) -> bool {
    let share = Ratio::from_decimal(DISAGREEMENT_SHARE);
    let compared: Vec<_> =
        household.members.iter().filter(|m| m.tax_monthly.is_positive() && m.hf_wage.is_positive()).collect();
    let mut line = Line::new(INCOME_SOURCES_DISAGREE)
        .figure("share", factor(DISAGREEMENT_SHARE))
        .figure("compared", compared.len());
    for member in compared {
        let allowed = member.monthly_income.mul(share);
        let difference = member.tax_monthly.sub(member.hf_wage).abs();
        let part = MemberLine::new(&member.masked)
            .compare(difference, Operator::le(!member.sources_disagree()), allowed)
            .figure("tax_monthly", member.tax_monthly)
            .figure("hf_wage", member.hf_wage)
            .figure("larger", member.monthly_income);
        line = line.member(part);
    }
    let disagree = household.members.iter().any(|m| m.sources_disagree());
    trace.check(line, !disagree);
    disagree
}
