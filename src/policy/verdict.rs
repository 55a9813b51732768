//! The per-program decisions (docs/POLICY.md#programmes), on the data present. Missing data is applied
//! afterwards ([`Decision::under_review`]), because it can only add income or assets: a
//! household the data present already rules out stays ineligible.

use super::checks::Checks;
use super::exact::Ratio;
use super::params::PolicyParams;
use super::report::{Category, Verdict};
use crate::domain::{Application, Program, Recheck};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub verdict: Verdict,
    pub category: Option<Category>,
    pub benefit: Option<Ratio>,
    pub recheck_months: Option<u32>,
    pub grace_months: Option<u32>,
    pub dibao_recommended: bool,
    /// A graduating household whose P is within the low-income limit (docs/POLICY.md#rechecks).
    pub low_income_after_grace: bool,
}

impl Decision {
    fn ineligible() -> Self {
        Self::new(Verdict::Ineligible, None)
    }

    fn new(verdict: Verdict, category: Option<Category>) -> Self {
        Self {
            verdict,
            category,
            benefit: None,
            recheck_months: None,
            grace_months: None,
            dibao_recommended: false,
            low_income_after_grace: false,
        }
    }

    fn eligible(category: Category, benefit: Option<Ratio>, recheck_months: Option<u32>) -> Self {
        Self { benefit, recheck_months, ..Self::new(Verdict::Eligible, Some(category)) }
    }

    fn low_income(params: &PolicyParams, dibao_recommended: bool) -> Self {
        Self {
            recheck_months: Some(params.recheck_months_low_income),
            dibao_recommended,
            ..Self::new(Verdict::LowIncome, Some(Category::LowIncome))
        }
    }

    fn graduating(grace_months: u32, low_income_after_grace: bool) -> Self {
        Self {
            grace_months: Some(grace_months),
            low_income_after_grace,
            ..Self::new(Verdict::Graduating, None)
        }
    }

    /// Some data is missing: nothing but `ineligible` can stand, so any other outcome goes to
    /// an officer. There is then no graduation, so no `low_income_after_grace` either.
    pub fn under_review(self) -> Self {
        if self.verdict == Verdict::Ineligible {
            return self;
        }
        Self { dibao_recommended: self.dibao_recommended, ..Self::new(Verdict::NeedsReview, None) }
    }
}

pub(crate) fn decide(application: &Application, checks: &mut Checks, params: &PolicyParams) -> Decision {
    match application.program {
        Program::Dibao => dibao(checks, params, application.recheck.as_ref()),
        Program::LowIncome => low_income(checks, params),
        Program::Tekun => {
            if !checks.tekun_person(application.household.applicant(), application.as_of) {
                return Decision::ineligible();
            }
            tekun(checks, params)
        }
        Program::Temporary => temporary(checks),
    }
}

fn dibao(checks: &mut Checks, params: &PolicyParams, recheck: Option<&Recheck>) -> Decision {
    if !checks.dibao_assets() {
        return Decision::ineligible();
    }
    let labor_capable = checks.household.any_labor_capable();
    let months = if labor_capable { params.recheck_months_dibao_b } else { params.recheck_months_dibao_a };
    if let Some(benefit) = checks.below_standard() {
        let class = if labor_capable { Category::DibaoB } else { Category::DibaoA };
        return Decision::eligible(class, Some(benefit), Some(months));
    }
    let within = checks.within_low_income();
    let low_income = within && checks.low_income_assets();
    if low_income && let Some(benefit) = checks.single_person() {
        return Decision::eligible(Category::DibaoSingle, Some(benefit), Some(months));
    }
    // A re-check (v1.1): the steps above applied as for an application, single-person
    // included; what none of them made eligible graduates, since dibao assets passed.
    if let Some(recheck) = recheck {
        return Decision::graduating(checks.graduation(recheck, within), within);
    }
    if low_income { Decision::low_income(params, false) } else { Decision::ineligible() }
}

fn low_income(checks: &mut Checks, params: &PolicyParams) -> Decision {
    if !checks.low_income_assets() || !checks.within_low_income() {
        return Decision::ineligible();
    }
    let recommended = checks.dibao_recommended();
    Decision::low_income(params, recommended)
}

fn tekun(checks: &mut Checks, params: &PolicyParams) -> Decision {
    if checks.dibao_assets()
        && let Some(benefit) = checks.below_tekun()
    {
        return Decision::eligible(Category::Tekun, Some(benefit), Some(params.recheck_months_tekun));
    }
    low_income(checks, params)
}

fn temporary(checks: &mut Checks) -> Decision {
    if checks.low_income_assets() && checks.within_low_income() {
        Decision::eligible(Category::Temporary, None, None)
    } else {
        Decision::ineligible()
    }
}
