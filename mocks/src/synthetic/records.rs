//! Synthetic agency records with realistic distributions: wages, labor remuneration,
//! rental income, housing-fund accounts, bank deposits and real-estate units.

use super::people::Member;
use crate::fixtures::{
    BankAccount, BankProduct, HousingFundAccount, HousingFundStatus, IncomeCategory, Person, PropertyUnit,
    TaxRecord, Usage,
};
use crate::period::Period;
use crate::prng::SplitMix64;
use rust_decimal::Decimal;

const BANKS: [&str; 10] = [
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "中国银行",
    "交通银行",
    "招商银行",
    "中国邮政储蓄银行",
    "兴业银行",
    "重庆农村商业银行",
    "北京银行",
];
const RATES: [&str; 5] = ["0.05", "0.07", "0.08", "0.10", "0.12"];

/// Yuan with cents drawn uniformly in `low..=high` yuan.
fn yuan(rng: &mut SplitMix64, low: u64, high: u64) -> Decimal {
    Decimal::new(rng.between(low * 100, high * 100) as i64, 2)
}

fn dec(text: &str) -> Decimal {
    crate::decimal::parse_plain(text).unwrap_or(Decimal::ONE)
}

/// What people write on a form: the amount to the nearest hundred yuan.
fn hundreds(amount: Decimal) -> Decimal {
    let strategy = rust_decimal::RoundingStrategy::MidpointAwayFromZero;
    (amount / Decimal::ONE_HUNDRED).round_dp_with_strategy(0, strategy) * Decimal::ONE_HUNDRED
}

/// The agency records of one member, and the monthly income they would declare.
pub(super) fn person(rng: &mut SplitMix64, member: &Member, last: Period) -> (Person, Decimal) {
    let mut person = Person::new(member.id_number.clone());
    let mut declared = Decimal::ZERO;
    // 14 months: the 12-month window and two months before it.
    let months: Vec<Period> = (0..14).rev().map(|back| last.minus(back)).collect();

    let wage = (member.working_age() && rng.chance(450)).then(|| yuan(rng, 2000, 12000));
    if let Some(wage) = wage {
        for period in &months {
            if rng.chance(920) {
                let amount = wage * Decimal::new(rng.between(950, 1050) as i64, 3);
                person.tax.push(record(*period, IncomeCategory::Wages, amount.round_dp(2)));
            }
        }
        declared += if rng.chance(850) { hundreds(wage) } else { Decimal::ZERO };
    }
    if (16..70).contains(&member.age) && rng.chance(80) {
        for _ in 0..rng.between(2, 5) {
            let period = months[rng.below(months.len() as u64) as usize];
            person.tax.push(record(period, IncomeCategory::LaborRemuneration, yuan(rng, 500, 5000)));
        }
    }
    if member.age >= 30 && rng.chance(30) {
        let rent = yuan(rng, 1000, 4000);
        for period in &months {
            person.tax.push(record(*period, IncomeCategory::PropertyRental, rent));
        }
        declared += hundreds(rent);
    }
    person.tax.sort_by_key(|r| r.period);
    person.housing_fund = housing_fund(rng, member, wage, last);
    person.bank = bank(rng, member);
    (person, declared)
}

fn record(period: Period, category: IncomeCategory, amount: Decimal) -> TaxRecord {
    TaxRecord { period, category, amount }
}

fn housing_fund(
    rng: &mut SplitMix64,
    member: &Member,
    wage: Option<Decimal>,
    last: Period,
) -> Option<HousingFundAccount> {
    let balance = yuan(rng, 0, 150_000);
    let contribution_rate = dec(rng.pick(&RATES).copied().unwrap_or("0.12"));
    match wage {
        Some(wage) if rng.chance(800) => Some(HousingFundAccount {
            status: HousingFundStatus::Normal,
            balance,
            monthly_deposit: (wage * contribution_rate * Decimal::TWO).round_dp(2),
            contribution_rate,
            last_deposit_period: Some(last),
        }),
        None if member.age >= 22 && rng.chance(30) => Some(HousingFundAccount {
            status: if rng.chance(600) { HousingFundStatus::Sealed } else { HousingFundStatus::Closed },
            balance: if rng.chance(500) { balance } else { Decimal::ZERO },
            monthly_deposit: yuan(rng, 200, 1500),
            contribution_rate,
            last_deposit_period: Some(last.minus(rng.between(6, 60) as u32)),
        }),
        _ => None,
    }
}

fn bank(rng: &mut SplitMix64, member: &Member) -> Vec<BankAccount> {
    let count = if member.age >= 16 {
        if rng.chance(880) { rng.between(1, 3) } else { 0 }
    } else {
        u64::from(rng.chance(300))
    };
    (0..count)
        .map(|_| {
            let balance = match rng.weighted(&[60, 30, 10]) {
                0 => yuan(rng, 0, 20_000),
                1 => yuan(rng, 20_000, 80_000),
                _ => yuan(rng, 80_000, 200_000),
            };
            let product =
                [BankProduct::Demand, BankProduct::Time, BankProduct::Wealth][rng.weighted(&[60, 30, 10])];
            BankAccount {
                institution: rng.pick(&BANKS).copied().unwrap_or("中国银行").to_owned(),
                product,
                balance,
                currency: "CNY".to_owned(),
            }
        })
        .collect()
}

/// Gives the household its units: about half own one home (shared by the spouses), a few
/// a second one, fewer a shop. `serial` keeps unit numbers unique across the run.
pub(super) fn property(
    rng: &mut SplitMix64,
    persons: &mut [Person],
    has_spouse: bool,
    region: &str,
    serial: &mut u64,
) {
    let mut unit = |rng: &mut SplitMix64, usage: Usage| {
        *serial += 1;
        let id = format!("{region}{:06}GB{:05}F{:08}", rng.below(1_000_000), rng.below(100_000), *serial);
        let area = yuan(rng, 35, 150);
        move |share: &str| PropertyUnit { unit_id: id.clone(), usage, area_m2: area, share: dec(share) }
    };
    if rng.chance(500) {
        let home = unit(rng, Usage::Residential);
        match persons {
            [applicant, spouse, ..] if has_spouse => {
                applicant.real_estate.push(home("0.5"));
                spouse.real_estate.push(home("0.5"));
            }
            [applicant, ..] => applicant.real_estate.push(home("1")),
            [] => {}
        }
        if rng.chance(100) {
            let second = unit(rng, Usage::Residential);
            if let Some(applicant) = persons.first_mut() {
                applicant.real_estate.push(second("1"));
            }
        }
    }
    if rng.chance(20) {
        let shop = unit(rng, Usage::Commercial);
        if let Some(applicant) = persons.first_mut() {
            applicant.real_estate.push(shop("1"));
        }
    }
}
