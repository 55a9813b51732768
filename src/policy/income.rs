//! The income rules (docs/POLICY.md#rules): per-capita income against the standard, the low-income
//! limit and the tekun standard, and the single-person rule. Each compares the household
//! total T with a threshold scaled by n, never a rounded per-capita figure.

use super::checks::Checks;
use super::exact::Ratio;
use super::report::Operator;
use super::trace::{Line, MemberLine, factor};

impl Checks<'_> {
    /// Dibao step 3: P < S, compared as T < n × S; the benefit is n × S − T.
    pub fn below_standard(&mut self) -> Option<Ratio> {
        let threshold = self.household.scaled_standard(Ratio::from_int(1));
        let below = self.household.total < threshold;
        let benefit = threshold.sub(self.household.total);
        let mut line = self.against_standard(below, threshold);
        if below {
            line = line.figure("benefit", benefit);
        }
        self.trace.check(line, below).then_some(benefit)
    }

    /// Low-income step: P < S recommends the household for dibao (a flag, not a test).
    pub fn dibao_recommended(&mut self) -> bool {
        let threshold = self.household.scaled_standard(Ratio::from_int(1));
        let below = self.household.total < threshold;
        let line = self.against_standard(below, threshold);
        self.trace.info(line);
        below
    }

    /// `income_below_standard`: P against S, with T against n × S.
    fn against_standard(&self, below: bool, threshold: Ratio) -> Line {
        let h = self.household;
        Line::new("income_below_standard")
            .compare(h.per_capita_income(), Operator::lt(below), h.standard)
            .figure("total", h.total)
            .figure("household_size", h.size())
            .figure("total_threshold", threshold)
    }

    /// P ≤ low_income_multiplier × S, compared as T ≤ n × multiplier × S.
    pub fn within_low_income(&mut self) -> bool {
        let h = self.household;
        let multiplier = self.params.low_income_multiplier;
        let per_capita_limit = Ratio::from_decimal(multiplier).mul(h.standard);
        let limit = h.n.mul(per_capita_limit);
        let within = h.total <= limit;
        let line = Line::new("income_within_low_income_limit")
            .compare(h.per_capita_income(), Operator::le(within), per_capita_limit)
            .figure("multiplier", factor(multiplier))
            .figure("standard", h.standard)
            .figure("total", h.total)
            .figure("household_size", h.size())
            .figure("total_limit", limit);
        self.trace.check(line, within)
    }

    /// Tekun: P < tekun_multiplier × S, compared as T < n × multiplier × S; benefit n × mS − T.
    pub fn below_tekun(&mut self) -> Option<Ratio> {
        let h = self.household;
        let multiplier = self.params.tekun_multiplier;
        let per_capita = Ratio::from_decimal(multiplier).mul(h.standard);
        let threshold = h.n.mul(per_capita);
        let below = h.total < threshold;
        let benefit = threshold.sub(h.total);
        let mut line = Line::new("income_below_tekun_standard")
            .compare(h.per_capita_income(), Operator::lt(below), per_capita)
            .figure("multiplier", factor(multiplier))
            .figure("standard", h.standard)
            .figure("total", h.total)
            .figure("household_size", h.size())
            .figure("total_threshold", threshold);
        if below {
            line = line.figure("benefit", benefit);
        }
        self.trace.check(line, below).then_some(benefit)
    }

    /// Dibao step 4: single-person cases whose own income is below S; the benefit is Σ (S − own).
    pub fn single_person(&mut self) -> Option<Ratio> {
        let h = self.household;
        let cases: Vec<_> = h.members.iter().filter(|m| m.single_person).collect();
        let below: Vec<_> = cases.iter().filter(|m| m.monthly_income < h.standard).collect();
        let benefit = Ratio::sum(below.iter().map(|m| h.standard.sub(m.monthly_income)));
        let mut line = Line::new("single_person").figure("standard", h.standard).figure("cases", cases.len());
        for case in &cases {
            let less = case.monthly_income < h.standard;
            let mut part =
                MemberLine::new(&case.masked).compare(case.monthly_income, Operator::lt(less), h.standard);
            if less {
                part = part.figure("gap", h.standard.sub(case.monthly_income));
            }
            line = line.member(part);
        }
        if !below.is_empty() {
            line = line.figure("benefit", benefit);
        }
        self.trace.check(line, !below.is_empty()).then_some(benefit)
    }
}
