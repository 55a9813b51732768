//! The income rules of DESIGN §5: per-capita income against the standard, the low-income
//! limit and the tekun standard, and the single-person rule. Each compares the household
//! total T with a threshold scaled by n, never a rounded per-capita figure.

use super::checks::Checks;
use super::exact::Ratio;
use super::trace::{factor, le, lt};

impl Checks<'_> {
    /// Dibao step 3: P < S, compared as T < n × S; the benefit is n × S − T.
    pub fn below_standard(&mut self) -> Option<Ratio> {
        let h = self.household;
        let threshold = h.scaled_standard(Ratio::from_int(1));
        let below = h.total < threshold;
        let mut detail = format!(
            "per-capita {} {op} standard {} (total {} {op} {} × {} = {threshold})",
            h.per_capita_income(),
            h.standard,
            h.total,
            h.size(),
            h.standard,
            op = lt(below),
        );
        let benefit = threshold.sub(h.total);
        if below {
            detail.push_str(&format!("; benefit {threshold} − {} = {benefit}", h.total));
        }
        self.trace.check("income_below_standard", below, detail).then_some(benefit)
    }

    /// P ≤ low_income_multiplier × S, compared as T ≤ n × multiplier × S.
    pub fn within_low_income(&mut self) -> bool {
        let h = self.household;
        let multiplier = self.params.low_income_multiplier;
        let per_capita_limit = Ratio::from_decimal(multiplier).mul(h.standard);
        let limit = h.n.mul(per_capita_limit);
        let within = h.total <= limit;
        let detail = format!(
            "per-capita {} {op} {} × {} = {per_capita_limit} (total {} {op} {} × {per_capita_limit} = {limit})",
            h.per_capita_income(),
            factor(multiplier),
            h.standard,
            h.total,
            h.size(),
            op = le(within),
        );
        self.trace.check("income_within_low_income_limit", within, detail)
    }

    /// Low-income step: P < S recommends the household for dibao (a flag, not a test).
    pub fn dibao_recommended(&mut self) -> bool {
        let h = self.household;
        let threshold = h.scaled_standard(Ratio::from_int(1));
        let below = h.total < threshold;
        let consequence = if below { "; dibao recommended" } else { "" };
        let detail = format!(
            "per-capita {} {op} standard {} (total {} {op} {} × {} = {threshold}){consequence}",
            h.per_capita_income(),
            h.standard,
            h.total,
            h.size(),
            h.standard,
            op = lt(below),
        );
        self.trace.info("income_below_standard", detail);
        below
    }

    /// Tekun: P < tekun_multiplier × S, compared as T < n × multiplier × S; benefit n × mS − T.
    pub fn below_tekun(&mut self) -> Option<Ratio> {
        let h = self.household;
        let multiplier = self.params.tekun_multiplier;
        let per_capita = Ratio::from_decimal(multiplier).mul(h.standard);
        let threshold = h.n.mul(per_capita);
        let below = h.total < threshold;
        let benefit = threshold.sub(h.total);
        let mut detail = format!(
            "per-capita {} {op} tekun standard {} × {} = {per_capita} (total {} {op} {} × {per_capita} = {threshold})",
            h.per_capita_income(),
            factor(multiplier),
            h.standard,
            h.total,
            h.size(),
            op = lt(below),
        );
        if below {
            detail.push_str(&format!("; benefit {threshold} − {} = {benefit}", h.total));
        }
        self.trace.check("income_below_tekun_standard", below, detail).then_some(benefit)
    }

    /// Dibao step 4: single-person cases whose own income is below S; the benefit is Σ (S − own).
    pub fn single_person(&mut self) -> Option<Ratio> {
        let h = self.household;
        let cases: Vec<_> = h.members.iter().filter(|m| m.single_person).collect();
        let below: Vec<_> = cases.iter().filter(|m| m.monthly_income < h.standard).collect();
        let benefit = Ratio::sum(below.iter().map(|m| h.standard.sub(m.monthly_income)));
        let detail = if cases.is_empty() {
            "no member is a single-person case (disability grade 1–2, grade 3 intellectual or mental, serious illness)"
                .to_owned()
        } else {
            let each: Vec<String> = cases
                .iter()
                .map(|m| {
                    let less = m.monthly_income < h.standard;
                    let gap = if less {
                        format!(
                            ": {} − {} = {}",
                            h.standard,
                            m.monthly_income,
                            h.standard.sub(m.monthly_income)
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "{} own income {} {} standard {}{gap}",
                        m.masked,
                        m.monthly_income,
                        lt(less),
                        h.standard
                    )
                })
                .collect();
            let total = if below.is_empty() { String::new() } else { format!("; benefit {benefit}") };
            format!("{}{total}", each.join("; "))
        };
        self.trace.check("single_person", !below.is_empty(), detail).then_some(benefit)
    }
}
