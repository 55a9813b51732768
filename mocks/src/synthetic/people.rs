//! Synthetic household members: composition, ages, names and valid ID numbers.

use crate::id_number;
use crate::prng::SplitMix64;
use std::collections::HashSet;
use time::{Date, Duration, Month};

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "罗", "高",
];
const GIVEN: [&str; 30] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "玉", "兰", "红", "文",
];
const DISABILITY_TYPES: [&str; 7] =
    ["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"];

/// One synthetic person as the intake system would declare them.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub name: String,
    pub id_number: String,
    pub relation: &'static str,
    pub age: i32,
    pub disability: Option<(u8, &'static str)>,
    pub serious_illness: bool,
}

impl Member {
    pub fn working_age(&self) -> bool {
        (18..65).contains(&self.age)
    }
}

/// Mints ID numbers that are valid and unique within one generation run.
pub(super) struct IdMint {
    issued: HashSet<String>,
    as_of: Date,
}

impl IdMint {
    pub fn new(as_of: Date) -> Self {
        Self { issued: HashSet::new(), as_of }
    }

    /// An ID number for someone `age` full years old on `as_of`. Sequence codes 500–999
    /// keep synthetic people apart from the hand-made demo population (001–499).
    fn mint(&mut self, rng: &mut SplitMix64, region: &str, age: i32, male: bool) -> String {
        loop {
            let anniversary =
                Date::from_calendar_date(self.as_of.year() - age, Month::November, 24).unwrap_or(self.as_of);
            let birth = anniversary - Duration::days(rng.below(365) as i64);
            let sequence = 500 + 2 * rng.below(250) + u64::from(male);
            let body = format!(
                "{region}{:04}{:02}{:02}{sequence:03}",
                birth.year(),
                u8::from(birth.month()),
                birth.day()
            );
            if let Some(id) = id_number::with_check_char(&body)
                && self.issued.insert(id.clone())
            {
                return id;
            }
        }
    }
}

fn name(rng: &mut SplitMix64, surname: &str) -> String {
    let mut name = surname.to_owned();
    for _ in 0..rng.between(1, 2) {
        name.push_str(rng.pick(&GIVEN).copied().unwrap_or("明"));
    }
    name
}

/// The members of a household of `size` (1–5) living in `region`; the applicant first.
pub(super) fn household(
    rng: &mut SplitMix64,
    mint: &mut IdMint,
    size: usize,
    region: &str,
    regions: &[&str],
) -> Vec<Member> {
    let with_spouse = size >= 3 || (size == 2 && rng.chance(700));
    let children = match size {
        1 => 0,
        2 => usize::from(!with_spouse),
        _ => size - 2 - usize::from(size >= 4 && rng.chance(400)),
    };
    let parents = size - 1 - usize::from(with_spouse) - children;
    let applicant_age =
        if children + parents > 0 { rng.between(22, 60) as i32 } else { rng.between(18, 95) as i32 };
    let surname = rng.pick(&SURNAMES).copied().unwrap_or("王");
    let applicant_male = rng.chance(500);

    let mut plans: Vec<(&'static str, i32, bool, String)> =
        vec![("applicant", applicant_age, applicant_male, name(rng, surname))];
    if with_spouse {
        let age = (applicant_age + rng.between(0, 12) as i32 - 6).clamp(18, 95);
        let spouse_surname = rng.pick(&SURNAMES).copied().unwrap_or("李");
        plans.push(("spouse", age, !applicant_male, name(rng, spouse_surname)));
    }
    for _ in 0..children {
        let age = rng.between((applicant_age - 40).max(0) as u64, (applicant_age - 20) as u64) as i32;
        plans.push(("child", age, rng.chance(500), name(rng, surname)));
    }
    for _ in 0..parents {
        let age = (applicant_age + rng.between(20, 35) as i32).min(95);
        plans.push(("parent", age, rng.chance(500), name(rng, surname)));
    }

    plans
        .into_iter()
        .map(|(relation, age, male, name)| {
            let birth_region =
                if rng.chance(800) { region } else { rng.pick(regions).copied().unwrap_or(region) };
            let id_number = mint.mint(rng, birth_region, age, male);
            let disability = rng.chance(40).then(|| {
                (rng.between(1, 4) as u8, rng.pick(&DISABILITY_TYPES).copied().unwrap_or("physical"))
            });
            let serious_illness = rng.chance(if age >= 40 { 50 } else { 10 });
            Member { name, id_number, relation, age, disability, serious_illness }
        })
        .collect()
}
