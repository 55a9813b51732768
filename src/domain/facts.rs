//! Normalized agency facts: what the adapters produce and the policy engine consumes.
//!
//! Each agency speaks its own wire format (DESIGN §6); the adapters turn those into the
//! types here, with exact decimals in yuan, so nothing downstream sees a wire format.
//! A [`SourceResult`] records how one member × agency query ended.

use super::{IdNumber, YearMonth};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;

/// The agencies the hub can query. Adding one is an adapter module plus config.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Agency {
    Tax,
    RealEstate,
    HousingFund,
    Bank,
}

impl Agency {
    pub const ALL: [Agency; 4] = [Self::Tax, Self::RealEstate, Self::HousingFund, Self::Bank];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tax => "tax",
            Self::RealEstate => "real_estate",
            Self::HousingFund => "housing_fund",
            Self::Bank => "bank",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

impl fmt::Display for Agency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeCategory {
    Wages,
    LaborRemuneration,
    Business,
    PropertyRental,
    Other,
}

/// One month's taxable income of one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxRecord {
    pub period: YearMonth,
    pub category: IncomeCategory,
    pub amount: Decimal,
}

/// Tax records of a person; an unknown taxpayer has none (that is not a failure).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaxFacts {
    pub records: Vec<TaxRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyUsage {
    Residential,
    Commercial,
    Office,
    Industrial,
    Other,
}

/// One registered real-estate unit in which the person holds a share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyUnit {
    /// The registry's unit number (不动产单元号): the same unit held by two members is one unit.
    pub unit_id: String,
    pub usage: PropertyUsage,
    pub area_m2: Decimal,
    /// The person's share, 0 < share ≤ 1.
    pub share: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RealEstateFacts {
    pub units: Vec<PropertyUnit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HousingFundStatus {
    Normal,
    Sealed,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HousingFundAccount {
    pub status: HousingFundStatus,
    /// Reported to officers; not counted as a financial asset (DESIGN §5).
    pub balance: Decimal,
    /// Employee plus employer deposit per month, in yuan.
    pub monthly_deposit: Decimal,
    /// Contribution rate of each side, e.g. 0.12 for "12%".
    pub contribution_rate: Decimal,
    pub last_deposit_period: Option<YearMonth>,
}

/// A person's housing-provident-fund account, or `None` when they have none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HousingFundFacts {
    pub account: Option<HousingFundAccount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankProduct {
    Demand,
    Time,
    Wealth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccount {
    pub institution: String,
    pub product: BankProduct,
    pub balance: Decimal,
    /// ISO 4217 code; the hub converts nothing, so only `CNY` is counted as an amount.
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BankFacts {
    pub accounts: Vec<BankAccount>,
}

/// The normalized answer of one agency about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "agency", rename_all = "snake_case")]
pub enum AgencyFacts {
    Tax(TaxFacts),
    RealEstate(RealEstateFacts),
    HousingFund(HousingFundFacts),
    Bank(BankFacts),
}

impl AgencyFacts {
    pub fn agency(&self) -> Agency {
        match self {
            Self::Tax(_) => Agency::Tax,
            Self::RealEstate(_) => Agency::RealEstate,
            Self::HousingFund(_) => Agency::HousingFund,
            Self::Bank(_) => Agency::Bank,
        }
    }
}

/// How one member × agency query ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    Ok,
    /// No valid consent covered the query, so it was never sent.
    NoConsent,
    Timeout,
    Unavailable,
    Malformed,
}

impl SourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NoConsent => "no_consent",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Malformed => "malformed",
        }
    }
}

/// The outcome of one member × agency query, with its facts when it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceResult {
    pub status: SourceStatus,
    /// Present exactly when `status` is `ok`.
    pub facts: Option<AgencyFacts>,
    /// Whether the facts came from the cache rather than a live call.
    pub cached: bool,
    /// When the agency produced the facts (the original call, for cached facts).
    #[serde(with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    /// The consent the query was made under.
    pub consent_id: Option<String>,
    /// Why it failed, when more specific than `status` (e.g. `circuit_open`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl SourceResult {
    pub fn ok(facts: AgencyFacts, cached: bool, fetched_at: OffsetDateTime, consent_id: String) -> Self {
        Self {
            status: SourceStatus::Ok,
            facts: Some(facts),
            cached,
            fetched_at: Some(fetched_at),
            consent_id: Some(consent_id),
            cause: None,
        }
    }

    /// A query that did not produce facts (`status` must not be `ok`).
    pub fn failed(status: SourceStatus, consent_id: Option<String>) -> Self {
        Self { status, facts: None, cached: false, fetched_at: None, consent_id, cause: None }
    }

    /// The same failure with a more specific cause, if there is one.
    pub fn with_cause(mut self, cause: Option<&str>) -> Self {
        self.cause = cause.map(str::to_owned);
        self
    }
}

/// Everything the broker learned about one member, one entry per agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberEvidence {
    pub id_number: IdNumber,
    pub sources: BTreeMap<Agency, SourceResult>,
}
