//! The rules of DESIGN §5, one method each: every method decides with exact figures and
//! writes its trace line with the inputs and thresholds it compared. This file holds the
//! data, asset, property, person and approval rules; `income` holds the income rules.

use super::exact::Ratio;
use super::household::Household;
use super::params::PolicyParams;
use super::report::ApprovalLevel;
use super::trace::{Trace, amount, factor, le};
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
        let detail = if gaps.is_empty() {
            "every member × agency source answered with usable data".to_owned()
        } else {
            let listed: Vec<String> =
                gaps.iter().map(|g| format!("{} {} {}", g.member, g.agency, g.cause)).collect();
            format!(
                "{} gap(s): {}; the data present is a lower bound, so the verdict cannot be eligible",
                gaps.len(),
                listed.join(", ")
            )
        };
        self.trace.check("data_complete", gaps.is_empty(), detail)
    }

    pub fn rigid_expenses(&mut self) {
        let h = self.household;
        let detail = if self.params.deduct_rigid_expenses {
            let difference = h.gross.sub(h.rigid);
            let floor = if difference < Ratio::ZERO { ", floored at 0.00" } else { "" };
            format!("Σ income {} − rigid expenses {} = {difference}{floor}", h.gross, h.rigid)
        } else {
            format!(
                "Σ income {} = {}; rigid expenses {} not deducted (deduct_rigid_expenses = false)",
                h.gross, h.total, h.rigid
            )
        };
        self.trace.info("rigid_expenses_deduction", detail);
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
        let detail = format!(
            "per-capita {} {op} limit {} × {} = {per_capita_limit} (total {} {op} {} × {per_capita_limit} = {limit})",
            h.per_capita_assets(),
            factor(months),
            h.standard,
            h.assets,
            h.size(),
            op = le(within),
        );
        self.trace.check(rule, within, detail)
    }

    fn properties(&mut self) -> bool {
        if let Some(hold) = self.properties {
            return hold;
        }
        let (h, p) = (self.household, self.params);
        let max = p.max_residential_properties;
        let within = h.residential <= max;
        let detail = format!("{} residential unit(s) {} max {max}", h.residential, le(within));
        let residential = self.trace.check("residential_properties_within_limit", within, detail);
        let other_ok = h.non_residential == 0 || p.allow_non_residential_property;
        let detail = match (h.non_residential, p.allow_non_residential_property) {
            (0, _) => "no non-residential unit".to_owned(),
            (count, true) => {
                format!("{count} non-residential unit(s), allowed (allow_non_residential_property = true)")
            }
            (count, false) => format!(
                "{count} non-residential unit(s), not allowed (allow_non_residential_property = false)"
            ),
        };
        let other = self.trace.check("non_residential_property", other_ok, detail);
        let hold = residential && other;
        self.properties = Some(hold);
        hold
    }

    /// Tekun: the applicant is under 18, 60 or older, or has disability grade 1–2.
    pub fn tekun_person(&mut self, applicant: Option<&Member>, as_of: Date) -> bool {
        let Some(applicant) = applicant else {
            return self.trace.check(
                "tekun_person_category",
                false,
                "no member has relation applicant".into(),
            );
        };
        let age = applicant.id_number.age_on(as_of);
        let grade = applicant.disability_grade.map_or("none".to_owned(), |g| g.to_string());
        let reason = if age < 18 {
            Some("under 18")
        } else if age >= 60 {
            Some("60 or older")
        } else if matches!(applicant.disability_grade, Some(1 | 2)) {
            Some("disability grade 1–2")
        } else {
            None
        };
        let verdict = reason.unwrap_or("not under 18, not 60 or older, not disability grade 1–2");
        let detail = format!(
            "applicant {}: age {age}, disability grade {grade}: {verdict}",
            applicant.id_number.masked()
        );
        self.trace.check("tekun_person_category", reason.is_some(), detail)
    }

    /// Dibao re-check: income reached the standard, so the household graduates after a grace period.
    pub fn graduation(&mut self, recheck: &Recheck) -> u32 {
        let (months, why) = if recheck.poverty_relief {
            (self.params.grace_months_poverty_relief, "poverty relief")
        } else {
            (self.params.grace_months_employment, "employment")
        };
        let detail = format!(
            "re-check with per-capita income at or above standard: graduating with {months} grace months ({why})"
        );
        self.trace.info("recheck_graduation", detail);
        months
    }

    /// The approval level of a temporary-assistance amount, traced.
    pub fn approval_level(&mut self, requested: Decimal, emergency: bool) -> ApprovalLevel {
        let p = self.params;
        let urban = Ratio::from_decimal(p.dibao_monthly_urban);
        let township = Ratio::from_decimal(p.temporary_township_limit_multiplier).mul(urban);
        let level = super::temporary_approval_level(p, requested);
        let township_part = format!(
            "requested {} {} township limit {} × urban standard {} = {}",
            amount(requested),
            le(level == ApprovalLevel::Township),
            factor(p.temporary_township_limit_multiplier),
            urban,
            township,
        );
        let county_part = match level {
            ApprovalLevel::Township => String::new(),
            ApprovalLevel::County => format!("; ≤ county limit {}", amount(p.temporary_county_limit)),
            ApprovalLevel::CountyLeadingGroup => {
                format!("; > county limit {}", amount(p.temporary_county_limit))
            }
        };
        let advance = if emergency { "; emergency: advance relief granted at this level" } else { "" };
        let detail = format!("{township_part}{county_part} → {}{advance}", level.as_str());
        self.trace.info("temporary_approval_level", detail);
        level
    }
}
