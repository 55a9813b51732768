//! Deterministic synthetic populations and matching application bodies, for load tests.
//!
//! `generate(n, seed)` gives the same bytes for the same arguments forever: all
//! randomness comes from [`crate::prng::SplitMix64`] and nothing iterates a hash map.
//! Persons are grouped into households of 1–5 living in one region; the as-of date is
//! 2026-11-24 (window 2025-11 … 2026-10), as for the demo population.

mod application;
mod people;
mod records;

use crate::fixtures::Fixtures;
use crate::period::Period;
use crate::prng::SplitMix64;
use people::IdMint;
use time::macros::date;

pub const AS_OF: &str = "2026-11-24";

/// Region codes households live in, with the area that selects their standard.
const REGIONS: [(&str, &str); 12] = [
    ("500103", "urban"), // 重庆 渝中区
    ("500112", "urban"), // 重庆 渝北区
    ("500236", "rural"), // 重庆 奉节县
    ("110105", "urban"), // 北京 朝阳区
    ("110108", "urban"), // 北京 海淀区
    ("110118", "rural"), // 北京 密云区
    ("310115", "urban"), // 上海 浦东新区
    ("440106", "urban"), // 广州 天河区
    ("510107", "urban"), // 成都 武侯区
    ("511725", "rural"), // 四川 渠县
    ("420106", "urban"), // 武汉 武昌区
    ("330106", "urban"), // 杭州 西湖区
];

/// Household sizes 1–5 with these weights (per cent).
const SIZE_WEIGHTS: [u32; 5] = [20, 30, 25, 15, 10];

/// `n` persons in households, and one dibao application body per household.
pub fn generate(n: usize, seed: u64) -> (Fixtures, Vec<serde_json::Value>) {
    let mut rng = SplitMix64::new(seed);
    let as_of = date!(2026 - 11 - 24);
    let last_month = Period::of(as_of).minus(1);
    let region_codes: Vec<&str> = REGIONS.iter().map(|(code, _)| *code).collect();
    let mut mint = IdMint::new(as_of);
    let mut unit_serial = 0;
    let (mut persons, mut applications) = (Vec::with_capacity(n), Vec::new());

    while persons.len() < n {
        let size = (rng.weighted(&SIZE_WEIGHTS) + 1).min(n - persons.len());
        let (region, area) = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        let members = people::household(&mut rng, &mut mint, size, region, &region_codes);
        let (mut household, declared): (Vec<_>, Vec<_>) =
            members.iter().map(|m| records::person(&mut rng, m, last_month)).unzip();
        let has_spouse = members.iter().any(|m| m.relation == "spouse");
        records::property(&mut rng, &mut household, has_spouse, region, &mut unit_serial);
        let setting = application::Setting {
            region,
            area,
            as_of: AS_OF,
            key: format!("syn{seed}-{}", applications.len() + 1),
        };
        applications.push(application::body(&mut rng, &setting, &members, &declared));
        persons.extend(household);
    }
    (Fixtures { persons }, applications)
}
