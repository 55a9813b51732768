//! Per-member facts (docs/POLICY.md#facts): what the agencies' answers say about one
//! person, and which of those answers are missing.
//!
//! A source that did not answer contributes nothing here; it becomes a gap instead, because
//! the data present is only a lower bound on income and assets.

use super::exact::Ratio;
use super::report::{MissingSource, SourceSummary};
use crate::domain::facts::{
    BankFacts, HousingFundFacts, HousingFundStatus, PropertyUsage, RealEstateFacts, TaxFacts,
};
use crate::domain::{
    Agency, AgencyFacts, DisabilityType, Member, MemberEvidence, SourceResult, SourceStatus, YearMonth,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;
use time::Date;

/// The only currency the hub counts: it converts nothing.
const COUNTED_CURRENCY: &str = "CNY";

/// Tax and housing-fund incomes that differ by more than this share of the larger are flagged.
pub(crate) const DISAGREEMENT_SHARE: Decimal = dec!(0.20);

#[derive(Debug, Clone)]
pub(crate) struct MemberFacts {
    pub masked: String,
    pub age: u32,
    pub labor_capable: bool,
    pub single_person: bool,
    pub declared_income: Option<Decimal>,
    /// Σ tax records in the window ÷ 12.
    pub tax_monthly: Ratio,
    /// monthly_deposit ÷ (2 × contribution_rate) of a normal account, else 0.
    pub hf_wage: Ratio,
    pub monthly_income: Ratio,
    /// Σ CNY bank balances.
    pub financial_assets: Ratio,
    pub housing_fund_balance: Option<Decimal>,
    /// (unit_id, usage) of every unit the member holds a share in, in the registry's order.
    pub units: Vec<(String, PropertyUsage)>,
    pub sources: BTreeMap<Agency, SourceSummary>,
    /// This member's gaps, in agency order.
    pub gaps: Vec<MissingSource>,
}

impl MemberFacts {
    /// Derives a member's facts from their evidence (`None`: nothing was queried).
    pub fn derive(member: &Member, evidence: Option<&MemberEvidence>, as_of: Date) -> Self {
        let age = member.id_number.age_on(as_of);
        let mut facts = Self {
            masked: member.id_number.masked(),
            age,
            labor_capable: (16..60).contains(&age)
                && member.disability_grade.is_none()
                && !member.serious_illness,
            single_person: is_single_person_case(member),
            declared_income: member.declared_monthly_income.map(|m| m.amount()),
            tax_monthly: Ratio::ZERO,
            hf_wage: Ratio::ZERO,
            monthly_income: Ratio::ZERO,
            financial_assets: Ratio::ZERO,
            housing_fund_balance: None,
            units: Vec::new(),
            sources: BTreeMap::new(),
            gaps: Vec::new(),
        };
        for agency in Agency::ALL {
            let source = evidence.and_then(|e| e.sources.get(&agency));
            facts.take(agency, source, as_of);
        }
        facts.monthly_income = facts.tax_monthly.max(facts.hf_wage);
        facts
    }

    /// Both incomes are positive and differ by more than 20 % of the larger.
    pub fn sources_disagree(&self) -> bool {
        self.tax_monthly.is_positive()
            && self.hf_wage.is_positive()
            && self.tax_monthly.sub(self.hf_wage).abs()
                > self.monthly_income.mul(Ratio::from_decimal(DISAGREEMENT_SHARE))
    }

    fn take(&mut self, agency: Agency, source: Option<&SourceResult>, as_of: Date) {
        let Some(source) = source else {
            // Never queried: the broker had no consent to ask.
            self.record(agency, summary(SourceStatus::NoConsent, None));
            return;
        };
        let usable = match (source.status, &source.facts) {
            (SourceStatus::Ok, Some(facts)) if facts.agency() == agency => Some(facts),
            _ => None,
        };
        let Some(facts) = usable else {
            // `ok` without facts of this agency is as unusable as a garbled body.
            let status =
                if source.status == SourceStatus::Ok { SourceStatus::Malformed } else { source.status };
            // A specific cause (e.g. `circuit_open`) tells the officer more than the status.
            let cause = source.cause.as_deref().filter(|_| status == source.status);
            self.record_gap(agency, SourceSummary { status, ..summary(source.status, Some(source)) }, cause);
            return;
        };
        self.record(agency, summary(SourceStatus::Ok, Some(source)));
        match facts {
            AgencyFacts::Tax(tax) => self.tax_monthly = tax_monthly(tax, as_of),
            AgencyFacts::RealEstate(estate) => self.take_units(estate),
            AgencyFacts::HousingFund(fund) => self.take_housing_fund(fund),
            AgencyFacts::Bank(bank) => self.take_bank(bank),
        }
    }

    fn record(&mut self, agency: Agency, summary: SourceSummary) {
        self.record_gap(agency, summary, None);
    }

    /// Records how the source ended; a failure is also a gap, named by `cause` if given.
    fn record_gap(&mut self, agency: Agency, summary: SourceSummary, cause: Option<&str>) {
        if summary.status != SourceStatus::Ok {
            self.gap(agency, cause.unwrap_or(summary.status.as_str()));
        }
        self.sources.insert(agency, summary);
    }

    fn gap(&mut self, agency: Agency, cause: &str) {
        self.gaps.push(MissingSource { member: self.masked.clone(), agency, cause: cause.into() });
    }

    fn take_units(&mut self, estate: &RealEstateFacts) {
        self.units = estate.units.iter().map(|u| (u.unit_id.clone(), u.usage)).collect();
    }

    fn take_housing_fund(&mut self, fund: &HousingFundFacts) {
        let Some(account) = &fund.account else { return };
        self.housing_fund_balance = Some(account.balance);
        let rate = Ratio::from_decimal(account.contribution_rate);
        if account.status == HousingFundStatus::Normal && rate.is_positive() {
            let both_sides = rate.mul(Ratio::from_int(2));
            self.hf_wage =
                Ratio::from_decimal(account.monthly_deposit).div(both_sides).unwrap_or(Ratio::ZERO);
        }
    }

    fn take_bank(&mut self, bank: &BankFacts) {
        let (counted, foreign): (Vec<_>, Vec<_>) =
            bank.accounts.iter().partition(|account| account.currency == COUNTED_CURRENCY);
        self.financial_assets =
            Ratio::sum(counted.iter().map(|account| Ratio::from_decimal(account.balance)));
        if !foreign.is_empty() {
            // An amount the hub cannot convert is unknown, not zero.
            self.gap(Agency::Bank, "unconverted_currency");
        }
    }
}

/// Σ tax records of every category with a period in the window, ÷ 12.
fn tax_monthly(tax: &TaxFacts, as_of: Date) -> Ratio {
    let (first, last) = YearMonth::income_window(as_of);
    let in_window = tax.records.iter().filter(|r| (first..=last).contains(&r.period));
    let total = Ratio::sum(in_window.map(|r| Ratio::from_decimal(r.amount)));
    total.div(Ratio::from_int(12)).unwrap_or(Ratio::ZERO)
}

/// 单人户: disability grade 1 or 2, grade 3 intellectual or mental, or serious illness.
fn is_single_person_case(member: &Member) -> bool {
    let disabled = match member.disability_grade {
        Some(1 | 2) => true,
        Some(3) => {
            matches!(member.disability_type, Some(DisabilityType::Intellectual | DisabilityType::Mental))
        }
        _ => false,
    };
    disabled || member.serious_illness
}

fn summary(status: SourceStatus, source: Option<&SourceResult>) -> SourceSummary {
    SourceSummary {
        status,
        cached: source.is_some_and(|s| s.cached),
        fetched_at: source.and_then(|s| s.fetched_at),
        consent_id: source.and_then(|s| s.consent_id.clone()),
    }
}
