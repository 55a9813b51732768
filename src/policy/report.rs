//! The report of one verification: the verdict, every figure that decided it,
//! the rule trace and the gaps in the evidence.
//!
//! Money fields are written as two-decimal strings. The engine stores them already rounded
//! to cents, so a report read back from the store compares equal to the one written.

use crate::domain::{Agency, Money, Program, RegionCode, SourceStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    LowIncome,
    /// A re-checked dibao household whose income reached the standard: paid on for `grace_months`.
    Graduating,
    Ineligible,
    /// The data present passes, but some source is missing: an officer must decide.
    NeedsReview,
}

impl Verdict {
    pub const ALL: [Verdict; 5] =
        [Self::Eligible, Self::LowIncome, Self::Graduating, Self::Ineligible, Self::NeedsReview];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::LowIncome => "low_income",
            Self::Graduating => "graduating",
            Self::Ineligible => "ineligible",
            Self::NeedsReview => "needs_review",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DibaoA,
    DibaoB,
    DibaoSingle,
    Tekun,
    LowIncome,
    Temporary,
}

/// Who may approve a temporary-assistance amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalLevel {
    Township,
    County,
    CountyLeadingGroup,
}

impl ApprovalLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Township => "township",
            Self::County => "county",
            Self::CountyLeadingGroup => "county_leading_group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Township, Self::County, Self::CountyLeadingGroup].into_iter().find(|l| l.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    Pass,
    Fail,
    /// A figure or a step shown for the arithmetic, not a test.
    Info,
}

/// One evaluated rule with its figures, so an officer can redo the arithmetic by hand.
///
/// `value operator threshold` is a true statement about the exact figures (amounts shown
/// rounded to cents); `figures` holds every input by name, `members` the parts about one
/// member each. Reports written before these fields existed carry only `detail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleTrace {
    /// The rule id; see `docs/POLICY.md#<rule>`.
    #[schema(example = "income_below_standard")]
    pub rule: String,
    pub outcome: RuleOutcome,
    /// The arithmetic in English.
    #[schema(example = "per-capita 500.00 < standard 740.00 (total 1500.00 < 3 × 740.00 = 2220.00)")]
    pub detail: String,
    /// The figure the rule compared, e.g. the per-capita income.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "500.00")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    /// What `value` was compared with, e.g. the standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "740.00")]
    pub threshold: Option<String>,
    /// Every input by name: amounts with two decimals, factors as configured, counts,
    /// `true`/`false`, codes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"total": "1500.00", "household_size": "3", "total_threshold": "2220.00"}))]
    pub figures: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberTrace>,
}

/// The part of a rule about one member (a single-person case, an income comparison, a gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberTrace {
    /// The member's masked ID number.
    #[schema(example = "110105********002X")]
    pub member: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub figures: BTreeMap<String, String>,
}

/// The relation that holds between a rule's value and its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Operator {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Operator {
    /// `<` when `less`, else `≥`.
    pub fn lt(less: bool) -> Self {
        if less { Self::Lt } else { Self::Ge }
    }

    /// `≤` when `within`, else `>`.
    pub fn le(within: bool) -> Self {
        if within { Self::Le } else { Self::Gt }
    }

    /// As printed: `<`, `≤`, `>`, `≥`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "≤",
            Self::Gt => ">",
            Self::Ge => "≥",
        }
    }
}

/// Which policy files decided a report, so that officers see a name beside the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicySource {
    /// The region prefix of the file layered over `default.toml`; null for the default alone.
    #[schema(example = "50")]
    pub region_prefix: Option<String>,
    /// The latest dated change in effect on `as_of`; null when none applies.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-07-01")]
    pub effective_from: Option<Date>,
}

/// One gap in the evidence: a source that did not answer, or an amount that cannot be counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MissingSource {
    /// The member's masked ID number.
    pub member: String,
    pub agency: Agency,
    /// `no_consent|timeout|unavailable|malformed|unconverted_currency`, or for an
    /// unavailable source the hub declined to call: `circuit_open|bulkhead_full|rate_limited`.
    pub cause: String,
}

/// How one member × agency query ended, without its facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourceSummary {
    pub status: SourceStatus,
    pub cached: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    pub consent_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberReport {
    pub id_number_masked: String,
    pub age: u32,
    pub labor_capable: bool,
    #[serde(deserialize_with = "signed::money")]
    pub monthly_income: Money,
    #[serde(deserialize_with = "signed::money")]
    pub tax_monthly: Money,
    #[serde(deserialize_with = "signed::money")]
    pub hf_wage: Money,
    #[serde(deserialize_with = "signed::money")]
    pub financial_assets: Money,
    /// Reported, never counted; null when the member has no account (or it was not queried).
    #[serde(deserialize_with = "signed::option_money")]
    pub housing_fund_balance: Option<Money>,
    /// A single-person case (单人户): disability grade 1–2, grade 3 intellectual or mental, or serious illness.
    pub single_person: bool,
    pub sources: BTreeMap<Agency, SourceSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub program: Program,
    pub policy_version: String,
    /// The files behind `policy_version`; null in reports written before it was recorded.
    #[serde(default)]
    pub policy_source: Option<PolicySource>,
    pub verdict: Verdict,
    pub category: Option<Category>,
    #[serde(with = "iso_date")]
    pub as_of: Date,
    pub region: RegionCode,
    pub household_size: u32,
    #[serde(deserialize_with = "signed::money")]
    pub standard_monthly: Money,
    /// Σ member incomes before rigid expenses.
    #[serde(deserialize_with = "signed::money")]
    pub monthly_income_gross: Money,
    #[serde(deserialize_with = "signed::money")]
    pub rigid_expenses_total: Money,
    /// T: gross income less rigid expenses (when deducted), not below zero.
    #[serde(deserialize_with = "signed::money")]
    pub monthly_income_total: Money,
    #[serde(deserialize_with = "signed::money")]
    pub monthly_income_per_capita: Money,
    #[serde(deserialize_with = "signed::money")]
    pub financial_assets_total: Money,
    #[serde(deserialize_with = "signed::money")]
    pub financial_assets_per_capita: Money,
    pub residential_properties: u32,
    pub non_residential_properties: u32,
    #[serde(deserialize_with = "signed::option_money")]
    pub suggested_monthly_benefit: Option<Money>,
    #[serde(with = "iso_date::option")]
    pub recheck_due: Option<Date>,
    pub approval_level: Option<ApprovalLevel>,
    /// Emergency temporary assistance was granted at once, before this check.
    pub advance_relief: bool,
    pub grace_months: Option<u32>,
    pub members: Vec<MemberReport>,
    pub rules: Vec<RuleTrace>,
    pub flags: Vec<String>,
    pub missing: Vec<MissingSource>,
}

/// Reads money figures back, including negative ones ([`Money::parse`] refuses those as
/// input, but a member's tax total or bank balance may be negative).
mod signed {
    use crate::domain::Money;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer};
    use std::str::FromStr;

    pub fn money<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::from_str(&text).map(Money::from_decimal).map_err(serde::de::Error::custom)
    }

    pub fn option_money<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Money>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|t| Decimal::from_str(&t).map(Money::from_decimal).map_err(serde::de::Error::custom))
            .transpose()
    }
}

// Dates as `YYYY-MM-DD`, whatever the `time` crate's features.
time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");
