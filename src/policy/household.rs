//! Household figures (docs/POLICY.md#household): n, S, T, P, F and the real estate, computed
//! once from the members' facts and then only compared.
//!
//! P and F ÷ n are never needed for a decision: every comparison multiplies the threshold
//! by n instead (P < S is T < n × S), so the per-capita figures exist only to be shown.

use super::exact::Ratio;
use super::facts::MemberFacts;
use super::params::PolicyParams;
use super::report::MissingSource;
use crate::domain::facts::PropertyUsage;
use crate::domain::{Application, MemberEvidence};
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub(crate) struct Household {
    /// Members' facts in the application's order.
    pub members: Vec<MemberFacts>,
    pub n: Ratio,
    /// S: the dibao standard of the application's area.
    pub standard: Ratio,
    /// Σ monthly_income.
    pub gross: Ratio,
    /// Σ declared rigid expenses (deducted only when the policy says so).
    pub rigid: Ratio,
    /// T: gross less deducted rigid expenses, not below zero.
    pub total: Ratio,
    /// F: Σ financial_assets.
    pub assets: Ratio,
    pub residential: u32,
    pub non_residential: u32,
    /// Every gap, member by member in agency order.
    pub missing: Vec<MissingSource>,
}

impl Household {
    /// Derives every figure. Evidence is matched to members by ID number, so its order does not matter.
    pub fn gather(application: &Application, evidence: &[MemberEvidence], params: &PolicyParams) -> Self {
        let members: Vec<MemberFacts> = application
            .household
            .members
            .iter()
            .map(|member| {
                let found = evidence.iter().find(|e| e.id_number == member.id_number);
                MemberFacts::derive(member, found, application.as_of)
            })
            .collect();
        let gross = Ratio::sum(members.iter().map(|m| m.monthly_income));
        let rigid = Ratio::sum(
            application.rigid_expenses.iter().map(|e| Ratio::from_decimal(e.monthly_amount.amount())),
        );
        let total = if params.deduct_rigid_expenses { gross.sub(rigid).max(Ratio::ZERO) } else { gross };
        let (residential, non_residential) = count_units(&members);
        Self {
            n: Ratio::from_int(members.len() as i128),
            standard: Ratio::from_decimal(params.standard(application.area)),
            gross,
            rigid,
            total,
            assets: Ratio::sum(members.iter().map(|m| m.financial_assets)),
            residential,
            non_residential,
            missing: members.iter().flat_map(|m| m.gaps.iter().cloned()).collect(),
            members,
        }
    }

    /// P = T ÷ n (zero for an empty household, which intake never lets through).
    pub fn per_capita_income(&self) -> Ratio {
        self.total.div(self.n).unwrap_or(Ratio::ZERO)
    }

    pub fn per_capita_assets(&self) -> Ratio {
        self.assets.div(self.n).unwrap_or(Ratio::ZERO)
    }

    /// n × `factor` × S: a per-capita threshold scaled to the household.
    pub fn scaled_standard(&self, factor: Ratio) -> Ratio {
        self.n.mul(factor).mul(self.standard)
    }

    pub fn any_labor_capable(&self) -> bool {
        self.members.iter().any(|m| m.labor_capable)
    }

    pub fn size(&self) -> u32 {
        u32::try_from(self.members.len()).unwrap_or(u32::MAX)
    }
}

/// Distinct units across the household, (residential, other); a unit reported for two
/// members counts once, with the usage of its first occurrence.
fn count_units(members: &[MemberFacts]) -> (u32, u32) {
    let mut seen = BTreeSet::new();
    let (mut residential, mut other) = (0, 0);
    for (unit_id, usage) in members.iter().flat_map(|m| m.units.iter()) {
        if seen.insert(unit_id.as_str()) {
            if *usage == PropertyUsage::Residential {
                residential += 1;
            } else {
                other += 1;
            }
        }
    }
    (residential, other)
}
