//! Test-only builders, so that a test reads like a row of docs/POLICY.md's tables:
//! `case(Dibao).member(born(1949).applicant()).member(born(1990).wage("1800.00")).rigid("300.00")`.
//!
//! Every person answers all four agencies with empty facts unless told otherwise; ID numbers
//! are generated with a correct check character from the birth date and the member's position.

use crate::domain::facts::{
    BankAccount, BankFacts, BankProduct, HousingFundAccount, HousingFundFacts, HousingFundStatus,
    IncomeCategory, PropertyUnit, PropertyUsage, RealEstateFacts, TaxFacts, TaxRecord,
};
use crate::domain::{
    Agency, AgencyFacts, Application, Area, DisabilityType, Household, IdNumber, Member, MemberEvidence,
    Money, Program, Recheck, RegionCode, RigidExpense, SourceResult, SourceStatus, TemporaryKind,
    TemporaryRequest, YearMonth,
};
use crate::policy::{PolicyBook, PolicyParams, Report, assess};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use time::macros::{date, datetime};
use time::{Date, Month};

pub const AS_OF: Date = date!(2026 - 11 - 24);

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// The embedded default parameters (docs/POLICY.md#parameters).
pub fn default_params() -> PolicyParams {
    let book = PolicyBook::embedded().unwrap();
    book.effective(&RegionCode::parse("500103").unwrap(), AS_OF).params.clone()
}

/// A valid ID number for a birth date; `seq` keeps household members distinct.
pub fn id_number(birth: Date, seq: u32) -> IdNumber {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let body =
        format!("110105{:04}{:02}{:02}{:03}", birth.year(), birth.month() as u8, birth.day(), seq % 1000);
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    IdNumber::parse_structure(&format!("{body}{}", CHECK[(sum % 11) as usize])).unwrap()
}

/// Someone born mid-year: `born(1949)` is 76 on 2026-11-24.
pub fn born(year: i32) -> Person {
    born_on(Date::from_calendar_date(year, Month::June, 15).unwrap())
}

pub fn born_on(birth: Date) -> Person {
    Person {
        birth,
        relation: "member".into(),
        disability: None,
        ill: false,
        declared: None,
        tax: Vec::new(),
        units: Vec::new(),
        housing_fund: None,
        bank: Vec::new(),
        failures: BTreeMap::new(),
    }
}

/// A person aged exactly `years` on `AS_OF` (a birthday today).
pub fn aged(years: i32) -> Person {
    born_on(AS_OF.replace_year(AS_OF.year() - years).unwrap())
}

#[derive(Debug, Clone)]
pub struct Person {
    birth: Date,
    relation: String,
    disability: Option<(u8, Option<DisabilityType>)>,
    ill: bool,
    declared: Option<String>,
    tax: Vec<TaxRecord>,
    units: Vec<PropertyUnit>,
    housing_fund: Option<HousingFundAccount>,
    bank: Vec<BankAccount>,
    /// Agencies that did not answer: `Some(status)`, or `None` for "never queried".
    failures: BTreeMap<Agency, Option<SourceStatus>>,
}

impl Person {
    pub fn applicant(mut self) -> Self {
        self.relation = "applicant".into();
        self
    }

    pub fn disabled(mut self, grade: u8, kind: DisabilityType) -> Self {
        self.disability = Some((grade, Some(kind)));
        self
    }

    pub fn ill(mut self) -> Self {
        self.ill = true;
        self
    }

    pub fn declares(mut self, monthly: &str) -> Self {
        self.declared = Some(monthly.to_owned());
        self
    }

    /// The same wage in each of the 12 window months, so tax_monthly is exactly `monthly`.
    pub fn wage(mut self, monthly: &str) -> Self {
        let (_, last) = YearMonth::income_window(AS_OF);
        for back in 0..12 {
            self = self.tax(&last.minus(back).to_string(), monthly);
        }
        self
    }

    /// One tax record (period `YYYY-MM`).
    pub fn tax(mut self, period: &str, amount: &str) -> Self {
        let period = YearMonth::parse(period).unwrap();
        self.tax.push(TaxRecord { period, category: IncomeCategory::Wages, amount: dec(amount) });
        self
    }

    pub fn housing_fund(
        mut self,
        status: HousingFundStatus,
        deposit: &str,
        rate: &str,
        balance: &str,
    ) -> Self {
        self.housing_fund = Some(HousingFundAccount {
            status,
            balance: dec(balance),
            monthly_deposit: dec(deposit),
            contribution_rate: dec(rate),
            last_deposit_period: YearMonth::new(2026, 10),
        });
        self
    }

    pub fn bank(self, balance: &str) -> Self {
        self.bank_in(balance, "CNY")
    }

    pub fn bank_in(mut self, balance: &str, currency: &str) -> Self {
        self.bank.push(BankAccount {
            institution: "Bank A".into(),
            product: BankProduct::Demand,
            balance: dec(balance),
            currency: currency.into(),
        });
        self
    }

    pub fn unit(mut self, unit_id: &str, usage: PropertyUsage) -> Self {
        self.units.push(PropertyUnit {
            unit_id: unit_id.into(),
            usage,
            area_m2: dec("89.50"),
            share: dec("0.5"),
        });
        self
    }

    pub fn fails(mut self, agency: Agency, status: SourceStatus) -> Self {
        self.failures.insert(agency, Some(status));
        self
    }

    pub fn not_queried(mut self, agency: Agency) -> Self {
        self.failures.insert(agency, None);
        self
    }

    fn member(&self, seq: u32) -> Member {
        Member {
            name: format!("member {seq}"),
            id_number: id_number(self.birth, seq),
            relation: self.relation.clone(),
            disability_grade: self.disability.map(|(grade, _)| grade),
            disability_type: self.disability.and_then(|(_, kind)| kind),
            serious_illness: self.ill,
            declared_monthly_income: self.declared.as_deref().map(|d| Money::parse(d).unwrap()),
        }
    }

    fn evidence(&self, seq: u32) -> MemberEvidence {
        let mut sources = BTreeMap::new();
        for agency in Agency::ALL {
            let result = match self.failures.get(&agency) {
                Some(None) => continue,
                Some(Some(status)) => SourceResult::failed(*status, Some("c-1".into())),
                None => SourceResult::ok(
                    self.facts(agency),
                    false,
                    datetime!(2026-11-24 09:00 +08:00),
                    "c-1".into(),
                ),
            };
            sources.insert(agency, result);
        }
        MemberEvidence { id_number: id_number(self.birth, seq), sources }
    }

    fn facts(&self, agency: Agency) -> AgencyFacts {
        match agency {
            Agency::Tax => AgencyFacts::Tax(TaxFacts { records: self.tax.clone() }),
            Agency::RealEstate => AgencyFacts::RealEstate(RealEstateFacts { units: self.units.clone() }),
            Agency::HousingFund => {
                AgencyFacts::HousingFund(HousingFundFacts { account: self.housing_fund.clone() })
            }
            Agency::Bank => AgencyFacts::Bank(BankFacts { accounts: self.bank.clone() }),
        }
    }
}

/// An application under construction: urban, as of 2026-11-24, default parameters.
#[derive(Debug, Clone)]
pub struct Case {
    pub program: Program,
    pub area: Area,
    /// (sequence number, person): the number fixes the ID even when members are reordered.
    pub members: Vec<(u32, Person)>,
    rigid: Vec<String>,
    temporary: Option<(TemporaryKind, String)>,
    recheck: Option<bool>,
    pub params: PolicyParams,
}

pub fn case(program: Program) -> Case {
    let temporary =
        (program == Program::Temporary).then(|| (TemporaryKind::Expenditure, "1000.00".to_owned()));
    Case {
        program,
        area: Area::Urban,
        members: Vec::new(),
        rigid: Vec::new(),
        temporary,
        recheck: None,
        params: default_params(),
    }
}

impl Case {
    pub fn rural(mut self) -> Self {
        self.area = Area::Rural;
        self
    }

    /// Adds a member; the first one added is the applicant.
    pub fn member(mut self, person: Person) -> Self {
        let person = if self.members.is_empty() { person.applicant() } else { person };
        let seq = self.members.len() as u32 + 1;
        self.members.push((seq, person));
        self
    }

    pub fn rigid(mut self, monthly: &str) -> Self {
        self.rigid.push(monthly.to_owned());
        self
    }

    pub fn temporary(mut self, kind: TemporaryKind, requested: &str) -> Self {
        self.temporary = Some((kind, requested.to_owned()));
        self
    }

    pub fn recheck(mut self, poverty_relief: bool) -> Self {
        self.recheck = Some(poverty_relief);
        self
    }

    pub fn with(mut self, change: impl FnOnce(&mut PolicyParams)) -> Self {
        change(&mut self.params);
        self
    }

    pub fn application(&self) -> Application {
        Application {
            program: self.program,
            region: RegionCode::parse("500103").unwrap(),
            area: self.area,
            as_of: AS_OF,
            household: Household { members: self.members.iter().map(|(seq, p)| p.member(*seq)).collect() },
            consents: Vec::new(),
            rigid_expenses: self
                .rigid
                .iter()
                .map(|m| RigidExpense { kind: "medical".into(), monthly_amount: Money::parse(m).unwrap() })
                .collect(),
            temporary: self.temporary.as_ref().map(|(kind, amount)| TemporaryRequest {
                kind: *kind,
                requested_amount: Money::parse(amount).unwrap(),
            }),
            callback_url: None,
            recheck: self.recheck.map(|poverty_relief| Recheck { poverty_relief }),
        }
    }

    pub fn evidence(&self) -> Vec<MemberEvidence> {
        self.members.iter().map(|(seq, p)| p.evidence(*seq)).collect()
    }

    pub fn run(&self) -> Report {
        assess(&self.application(), &self.evidence(), &self.params, "sha256:test")
    }
}

/// Shorthands for asserting report figures as the JSON shows them.
pub fn text(money: crate::domain::Money) -> String {
    money.to_string()
}

pub fn opt(money: Option<crate::domain::Money>) -> Option<String> {
    money.map(|m| m.to_string())
}

/// The trace line of a rule (the first one of that name).
pub fn rule<'r>(report: &'r Report, name: &str) -> &'r crate::policy::RuleTrace {
    report
        .rules
        .iter()
        .find(|r| r.rule == name)
        .unwrap_or_else(|| panic!("no rule {name} in {:#?}", report.rules))
}

pub fn rule_names(report: &Report) -> Vec<&str> {
    report.rules.iter().map(|r| r.rule.as_str()).collect()
}
