//! The fixture (truth) format of DESIGN §6: what each agency knows about each person.
//!
//! One JSON file holds `{"persons": [...]}`; persons absent from it have no records
//! anywhere. Unknown keys are refused so that a typo in a fixture fails loudly instead of
//! silently meaning "no records". Amounts, areas, shares and rates are decimal strings,
//! parsed exactly.

use crate::agency::Agency;
use crate::decimal;
use crate::faults::Fault;
use crate::id_number;
use crate::period::Period;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

const DEMO_JSON: &str = include_str!("../fixtures/demo.json");

/// Why a fixture file was refused. Messages name persons by index and masked ID only.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture file {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("fixture JSON does not follow the format: {0}")]
    Json(#[from] serde_json::Error),
    #[error("person #{index} ({masked}): {reason}")]
    Invalid { index: usize, masked: String, reason: String },
    #[error("in fixture file {path}: {source}")]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<FixtureError>,
    },
}

/// A population of persons and their records at each agency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    pub persons: Vec<Person>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id_number: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tax: Vec<TaxRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_estate: Vec<PropertyUnit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housing_fund: Option<HousingFundAccount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank: Vec<BankAccount>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub faults: BTreeMap<Agency, Fault>,
}

/// Masks the ID number, so that a stray `{:?}` in a log line cannot leak it.
impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("id_number", &id_number::masked(&self.id_number))
            .field("tax", &self.tax)
            .field("real_estate", &self.real_estate)
            .field("housing_fund", &self.housing_fund)
            .field("bank", &self.bank)
            .field("faults", &self.faults)
            .finish()
    }
}

impl Person {
    /// A person with no records anywhere.
    pub fn new(id_number: impl Into<String>) -> Self {
        Self {
            id_number: id_number.into(),
            tax: Vec::new(),
            real_estate: Vec::new(),
            housing_fund: None,
            bank: Vec::new(),
            faults: BTreeMap::new(),
        }
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

impl IncomeCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wages => "wages",
            Self::LaborRemuneration => "labor_remuneration",
            Self::Business => "business",
            Self::PropertyRental => "property_rental",
            Self::Other => "other",
        }
    }
}

/// One month's income of one category, in yuan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxRecord {
    pub period: Period,
    pub category: IncomeCategory,
    #[serde(with = "decimal::text")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    Residential,
    Commercial,
    Office,
    Industrial,
    Other,
}

impl Usage {
    /// The registry's planned-usage term (规划用途), as the real-estate agency writes it.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Residential => "住宅",
            Self::Commercial => "商业",
            Self::Office => "办公",
            Self::Industrial => "工业",
            Self::Other => "其他",
        }
    }
}

/// A share in one registered unit; the same `unit_id` held by two persons is one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyUnit {
    pub unit_id: String,
    pub usage: Usage,
    #[serde(with = "decimal::text")]
    pub area_m2: Decimal,
    /// 0 < share ≤ 1.
    #[serde(with = "decimal::text")]
    pub share: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HousingFundStatus {
    Normal,
    Sealed,
    Closed,
}

impl HousingFundStatus {
    /// The agency's account-status code (账户状态).
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "01",
            Self::Sealed => "02",
            Self::Closed => "03",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousingFundAccount {
    pub status: HousingFundStatus,
    #[serde(with = "decimal::text")]
    pub balance: Decimal,
    /// Employee plus employer deposit per month.
    #[serde(with = "decimal::text")]
    pub monthly_deposit: Decimal,
    /// Each side's rate, e.g. `"0.12"`.
    #[serde(with = "decimal::text")]
    pub contribution_rate: Decimal,
    /// Optional: an account that never received a deposit has none (then `zjjcny` is omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deposit_period: Option<Period>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankProduct {
    Demand,
    Time,
    Wealth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub institution: String,
    pub product: BankProduct,
    #[serde(with = "decimal::text")]
    pub balance: Decimal,
    pub currency: String,
}

impl Fixtures {
    /// Parses and checks one fixture document.
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        let fixtures: Fixtures = serde_json::from_str(text)?;
        fixtures.check()?;
        Ok(fixtures)
    }

    pub fn load(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| FixtureError::Io { path: path.to_owned(), source })?;
        Self::from_json(&text)
            .map_err(|source| FixtureError::InFile { path: path.to_owned(), source: Box::new(source) })
    }

    /// The demo population shipped with the crate (`fixtures/demo.json`).
    ///
    /// # Panics
    /// If the embedded file is invalid, which a unit test rules out.
    pub fn demo() -> Self {
        Self::from_json(DEMO_JSON)
            .unwrap_or_else(|err| panic!("the embedded demo fixtures are invalid: {err}"))
    }

    /// Adds `other`'s persons; a person already present is replaced by `other`'s record,
    /// so later files win.
    pub fn merge(&mut self, other: Fixtures) {
        for person in other.persons {
            match self.persons.iter_mut().find(|p| p.id_number == person.id_number) {
                Some(existing) => *existing = person,
                None => self.persons.push(person),
            }
        }
    }

    /// Pretty JSON in the fixture format.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    fn check(&self) -> Result<(), FixtureError> {
        let mut seen = HashSet::new();
        for (index, person) in self.persons.iter().enumerate() {
            let invalid = |reason: String| FixtureError::Invalid {
                index,
                masked: id_number::masked(&person.id_number),
                reason,
            };
            if !seen.insert(person.id_number.as_str()) {
                return Err(invalid("appears twice".to_owned()));
            }
            check_person(person).map_err(invalid)?;
        }
        Ok(())
    }
}

fn check_person(person: &Person) -> Result<(), String> {
    if !id_number::is_valid(&person.id_number) {
        return Err(
            "id_number is not a valid resident ID number (length, check character or birth date)".into()
        );
    }
    for record in &person.tax {
        money(record.amount, "tax amount")?;
    }
    let mut units = HashSet::new();
    for unit in &person.real_estate {
        if unit.unit_id.trim().is_empty() || !units.insert(unit.unit_id.as_str()) {
            return Err("real_estate unit_id must be non-empty and listed once per person".into());
        }
        if unit.area_m2 <= Decimal::ZERO {
            return Err("real_estate area_m2 must be positive".into());
        }
        if unit.share <= Decimal::ZERO || unit.share > Decimal::ONE {
            return Err("real_estate share must be in (0, 1]".into());
        }
    }
    if let Some(account) = &person.housing_fund {
        money(account.balance, "housing_fund balance")?;
        money(account.monthly_deposit, "housing_fund monthly_deposit")?;
        if account.contribution_rate <= Decimal::ZERO || account.contribution_rate > Decimal::ONE {
            return Err("housing_fund contribution_rate must be in (0, 1]".into());
        }
    }
    for account in &person.bank {
        money(account.balance, "bank balance")?;
        if account.institution.trim().is_empty() {
            return Err("bank institution must be non-empty".into());
        }
        if account.currency.len() != 3 || !account.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("bank currency must be an ISO 4217 code such as CNY".into());
        }
    }
    Ok(())
}

fn money(amount: Decimal, what: &str) -> Result<(), String> {
    if amount.scale() > 2 { Err(format!("{what} must have at most two decimals")) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "11010519491231002X";

    fn person_json(extra: &str) -> String {
        format!(r#"{{"persons":[{{"id_number":"{ID}"{extra}}}]}}"#)
    }

    #[test]
    fn parses_the_design_example() {
        let text = person_json(
            r#","tax":[{"period":"2026-01","category":"wages","amount":"5000.00"}],
            "real_estate":[{"unit_id":"U-1","usage":"residential","area_m2":"89.50","share":"0.5"}],
            "housing_fund":{"status":"normal","balance":"12345.00","monthly_deposit":"1200.00",
                            "contribution_rate":"0.12","last_deposit_period":"2026-10"},
            "bank":[{"institution":"Bank A","product":"demand","balance":"1000.00","currency":"CNY"}],
            "faults":{"bank":"timeout"}"#,
        );
        let fixtures = Fixtures::from_json(&text).unwrap_or_default();
        assert_eq!(fixtures.persons.len(), 1);
        let person = &fixtures.persons[0];
        assert_eq!(person.real_estate[0].area_m2.to_string(), "89.50");
        assert_eq!(person.faults.get(&Agency::Bank), Some(&Fault::Timeout));
    }

    #[test]
    fn refuses_unknown_keys_numbers_and_bad_values() {
        for extra in [
            r#","salary":[]"#,
            r#","tax":[{"period":"2026-01","category":"wages","amount":5000}]"#,
            r#","tax":[{"period":"2026-01","category":"wages","amount":"50.001"}]"#,
            r#","tax":[{"period":"2026-1","category":"wages","amount":"1.00"}]"#,
            r#","real_estate":[{"unit_id":"U","usage":"residential","area_m2":"80","share":"1.5"}]"#,
            r#","bank":[{"institution":"A","product":"demand","balance":"1.00","currency":"yuan"}]"#,
            r#","faults":{"tax":"slow"}"#,
        ] {
            assert!(Fixtures::from_json(&person_json(extra)).is_err(), "{extra}");
        }
        let bad_id = r#"{"persons":[{"id_number":"110105194912310021"}]}"#;
        assert!(Fixtures::from_json(bad_id).is_err());
    }

    #[test]
    fn refuses_duplicates_without_leaking_the_id() {
        let text = format!(r#"{{"persons":[{{"id_number":"{ID}"}},{{"id_number":"{ID}"}}]}}"#);
        let message = Fixtures::from_json(&text).map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        assert!(message.contains("appears twice"), "{message}");
        assert!(!message.contains(ID));
    }

    #[test]
    fn debug_masks_the_id_number() {
        let text = format!("{:?}", Fixtures { persons: vec![Person::new(ID)] });
        assert!(text.contains("110105********002X") && !text.contains(ID), "{text}");
    }

    #[test]
    fn merge_lets_later_files_win() {
        let mut base = Fixtures { persons: vec![Person::new(ID)] };
        let mut newer = Person::new(ID);
        newer.faults.insert(Agency::Tax, Fault::Garbage);
        base.merge(Fixtures { persons: vec![newer.clone(), Person::new("110105194912310011")] });
        assert_eq!(base.persons.len(), 2);
        assert_eq!(base.persons[0], newer);
    }

    #[test]
    fn the_demo_population_parses() {
        assert!(Fixtures::from_json(DEMO_JSON).is_ok());
        assert!(Fixtures::demo().persons.len() >= 12);
    }
}
