//! The rules of docs/POLICY.md#rules, one method each: every method decides with exact figures and
//! writes its trace line with the inputs and thresholds it compared. This file holds the
//! data, asset, property, person and approval rules; `income` holds the income rules.

use super::exact::Ratio;
use super::household::Household;
use super::params::PolicyParams;
use super::report::{ApprovalLevel, Operator};
use super::trace::{Line, MemberLine, Trace, amount, factor};
use crate::domain::{Member, Recheck};
use rust_decimal::Decimal;
use time::Date;

pub(crate) struct Checks<'a> {
    pub household: &'a Household,
    pub params: &'a PolicyParams,
    pub trace: Trace,
    /// The property rules count for both asset limits but are traced once.
    properties: Option<bool>,
}

impl<'a> Checks<'a> {
    pub fn new(household: &'a Household, params: &'a PolicyParams) -> Self {
        Self { household, params, trace: Trace::default(), properties: None }
    }

    pub fn data_complete(&mut self) -> bool {
        let gaps = &self.household.missing;
        let mut line = Line::new("data_complete").figure("gaps", gaps.len());
        for gap in gaps {
            let part = MemberLine::new(&gap.member)
                .figure("agency", gap.agency.as_str())
                .figure("cause", &gap.cause);
            line = line.member(part);
        }
        self.trace.check(line, gaps.is_empty())
    }

    pub fn rigid_expenses(&mut self) {
        let h = self.household;
        let deducted = self.params.deduct_rigid_expenses;
        let difference = h.gross.sub(h.rigid);
        let line = Line::new("rigid_expenses_deduction")
            .figure("gross", h.gross)
            .figure("rigid", h.rigid)
            .figure("difference", difference)
            .figure("total", h.total)
            .figure("deducted", deducted)
            .figure("floored", deducted && difference < Ratio::ZERO);
        self.trace.info(line);
    }

    pub fn dibao_assets(&mut self) -> bool {
        let months = self.params.financial_assets_months_dibao;
        let financial = self.financial_assets("financial_assets_within_dibao_limit", months);
        self.properties() && financial
    }

    pub fn low_income_assets(&mut self) -> bool {
        let months = self.params.financial_assets_months_low_income;
        let financial = self.financial_assets("financial_assets_within_low_income_limit", months);
        self.properties() && financial
    }

    /// F ÷ n ≤ months × S, compared as F ≤ n × months × S.
    fn financial_assets(&mut self, rule: &str, months: Decimal) -> bool {
        let h = self.household;
        let per_capita_limit = Ratio::from_decimal(months).mul(h.standard);
        let limit = h.n.mul(per_capita_limit);
        let within = h.assets <= limit;
        let line = Line::new(rule)
            .compare(h.per_capita_assets(), Operator::le(within), per_capita_limit)
            .figure("months", factor(months))
            .figure("standard", h.standard)
            .figure("total", h.assets)
            .figure("household_size", h.size())
            .figure("total_limit", limit);
        self.trace.check(line, within)
    }

    fn properties(&mut self) -> bool {
        if let Some(hold) = self.properties {
            return hold;
        }
        let (h, p) = (self.household, self.params);
        let max = p.max_residential_properties;
        let within = h.residential <= max;
        let line = Line::new("residential_properties_within_limit").compare(
            h.residential,
            Operator::le(within),
            max,
        );
        let residential = self.trace.check(line, within);
        let other_ok = h.non_residential == 0 || p.allow_non_residential_property;
        let line = Line::new("non_residential_property")
            .figure("count", h.non_residential)
            .figure("allowed", p.allow_non_residential_property);
        let other = self.trace.check(line, other_ok);
        let hold = residential && other;
        self.properties = Some(hold);
        hold
    }

    /// Tekun: the applicant is under 18, 60 or older, or has disability grade 1–2.
    pub fn tekun_person(&mut self, applicant: Option<&Member>, as_of: Date) -> bool {
        let Some(applicant) = applicant else {
            let line = Line::new("tekun_person_category").figure("category", "no_applicant");
            return self.trace.check(line, false);
        };
        let age = applicant.id_number.age_on(as_of);
        let category = if age < 18 {
            "under_18"
        } else if age >= 60 {
            "aged_60_or_over"
        } else if matches!(applicant.disability_grade, Some(1 | 2)) {
            "disability_grade_1_2"
        } else {
            "none"
        };
        let line = Line::new("tekun_person_category")
            .figure("applicant", applicant.id_number.masked())
            .figure("age", age)
            .figure(
                "disability_grade",
                applicant.disability_grade.map_or("none".to_owned(), |g| g.to_string()),
            )
            .figure("category", category);
        self.trace.check(line, category != "none")
    }

    /// Dibao re-check: no step gave `eligible` (P ≥ S), so the household graduates after a
    /// grace period; `low_income_after_grace` when P is within the low-income limit.
    pub fn graduation(&mut self, recheck: &Recheck, low_income_after_grace: bool) -> u32 {
        let (months, rule) = if recheck.poverty_relief {
            (self.params.grace_months_poverty_relief, "poverty_relief")
        } else {
            (self.params.grace_months_employment, "employment")
        };
        let line = Line::new("recheck_graduation")
            .figure("grace_months", months)
            .figure("grace_rule", rule)
            .figure("low_income_after_grace", low_income_after_grace);
        self.trace.info(line);
        months
    }

    /// The approval level of a temporary-assistance amount, traced.
    pub fn approval_level(&mut self, requested: Decimal, emergency: bool) -> ApprovalLevel {
        let p = self.params;
        let urban = Ratio::from_decimal(p.dibao_monthly_urban);
        let township = Ratio::from_decimal(p.temporary_township_limit_multiplier).mul(urban);
        let level = super::temporary_approval_level(p, requested);
        let line = Line::new("temporary_approval_level")
            .compare(amount(requested), Operator::le(level == ApprovalLevel::Township), township)
            .figure("multiplier", factor(p.temporary_township_limit_multiplier))
            .figure("urban_standard", urban)
            .figure("county_limit", amount(p.temporary_county_limit))
            .figure("level", level.as_str())
            .figure("emergency", emergency);
        self.trace.info(line);
        level
    }
}
