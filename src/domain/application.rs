//! A checked application: what an intake system asked the hub to verify.

use super::{Area, Consent, Household, Money, Program, RegionCode};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemporaryKind {
    /// 急难型: answered at once with advance relief, checked afterwards.
    Emergency,
    /// 支出型: large necessary expenditure, checked first.
    Expenditure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporaryRequest {
    pub kind: TemporaryKind,
    pub requested_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RigidExpense {
    pub kind: String,
    pub monthly_amount: Money,
}

/// Marks an application as the periodic re-check of a registered beneficiary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recheck {
    /// The household is flagged as covered by poverty-relief policy (longer grace period).
    pub poverty_relief: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub program: Program,
    pub region: RegionCode,
    pub area: Area,
    /// Fixes the income window; defaults to today in Asia/Shanghai at intake.
    pub as_of: Date,
    pub household: Household,
    pub consents: Vec<Consent>,
    pub rigid_expenses: Vec<RigidExpense>,
    /// Present exactly when `program` is `temporary`.
    pub temporary: Option<TemporaryRequest>,
    pub callback_url: Option<String>,
    pub recheck: Option<Recheck>,
}

impl Application {
    /// The masked ID number of the applicant, for listings.
    pub fn applicant_masked(&self) -> String {
        self.household.applicant().map(|m| m.id_number.masked()).unwrap_or_default()
    }

    pub fn is_emergency(&self) -> bool {
        matches!(&self.temporary, Some(t) if t.kind == TemporaryKind::Emergency)
    }
}
