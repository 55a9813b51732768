//! The `changes` section of a re-check report: what differs from the previous report, so an
//! officer reads only what changed. A pure function of the two reports and, when the
//! previous check's evidence is still kept, of the two evidences (for the units behind the
//! property counts, see [`units`]).

mod units;

pub use units::UnitChange;

use crate::domain::{MemberEvidence, Money};
use crate::policy::{Category, Report, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// An old and a new value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub old: T,
    pub new: T,
}

/// Property counts before and after, and the units behind a change when both evidences
/// allow to tell (empty, and left out of the JSON, when they do not or nothing moved).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertyChange {
    pub residential: Change<u32>,
    pub non_residential: Change<u32>,
    /// Units a member holds now and did not before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub appeared: Vec<UnitChange>,
    /// Units a member held before and does not now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<UnitChange>,
}

/// Per-capita financial assets that crossed the per-capita limit, in either direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetsCrossing {
    pub per_capita: Change<Money>,
    pub limit_per_capita: Money,
    /// `above` when the household now exceeds the limit, `below` when it no longer does.
    pub now: &'static str,
}

/// Members who joined or left the household, by masked ID number.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Composition {
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

/// Everything that changed; empty sections are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    /// The application whose report this one is compared with.
    pub previous_application: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Change<Verdict>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Change<Option<Category>>>,
    /// Monthly income per member still in the household, keyed by masked ID number.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub income: BTreeMap<String, Change<Money>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<PropertyChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<AssetsCrossing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household: Option<Composition>,
}

impl Changes {
    /// Whether nothing an officer acts on changed.
    pub fn is_empty(&self) -> bool {
        self.verdict.is_none()
            && self.category.is_none()
            && self.income.is_empty()
            && self.properties.is_none()
            && self.assets.is_none()
            && self.household.is_none()
    }
}

/// Compares `new` with `old` on the reports alone (property counts, no units).
/// `limit_per_capita` is the financial-asset limit per person of the beneficiary's programme
/// under the current parameters.
pub fn diff(old: &Report, new: &Report, limit_per_capita: Money) -> Changes {
    diff_with_units(old, new, limit_per_capita, None)
}

/// [`diff`], plus the units that appeared or went when `evidence` holds the previous and
/// the new check's evidence, in that order; `None` (the previous evidence purged, or never
/// kept) gives the counts alone. A sale and a purchase keep the counts equal, so the
/// `properties` section is there whenever a count changed or a unit moved.
pub fn diff_with_units(
    old: &Report,
    new: &Report,
    limit_per_capita: Money,
    evidence: Option<(&[MemberEvidence], &[MemberEvidence])>,
) -> Changes {
    let units = evidence.map(|(before, after)| units::compare(before, after)).unwrap_or_default();
    Changes {
        previous_application: None,
        verdict: changed(old.verdict, new.verdict),
        category: changed(old.category, new.category),
        income: income(old, new),
        properties: properties(old, new, units),
        assets: assets(old, new, limit_per_capita),
        household: composition(old, new),
    }
}

fn changed<T: PartialEq>(old: T, new: T) -> Option<Change<T>> {
    (old != new).then_some(Change { old, new })
}

/// Compared at cents, as the reports show them.
fn income(old: &Report, new: &Report) -> BTreeMap<String, Change<Money>> {
    let before: BTreeMap<&str, Money> =
        old.members.iter().map(|m| (m.id_number_masked.as_str(), m.monthly_income)).collect();
    new.members
        .iter()
        .filter_map(|member| {
            let previous = *before.get(member.id_number_masked.as_str())?;
            (previous.to_string() != member.monthly_income.to_string()).then(|| {
                (member.id_number_masked.clone(), Change { old: previous, new: member.monthly_income })
            })
        })
        .collect()
}

fn properties(old: &Report, new: &Report, units: units::UnitChanges) -> Option<PropertyChange> {
    let same = old.residential_properties == new.residential_properties
        && old.non_residential_properties == new.non_residential_properties;
    (!same || !units.is_empty()).then_some(PropertyChange {
        residential: Change { old: old.residential_properties, new: new.residential_properties },
        non_residential: Change { old: old.non_residential_properties, new: new.non_residential_properties },
        appeared: units.appeared,
        gone: units.gone,
    })
}

fn assets(old: &Report, new: &Report, limit: Money) -> Option<AssetsCrossing> {
    let above = |r: &Report| r.financial_assets_per_capita.amount() > limit.amount();
    (above(old) != above(new)).then(|| AssetsCrossing {
        per_capita: Change { old: old.financial_assets_per_capita, new: new.financial_assets_per_capita },
        limit_per_capita: limit,
        now: if above(new) { "above" } else { "below" },
    })
}

fn composition(old: &Report, new: &Report) -> Option<Composition> {
    let names = |r: &Report| r.members.iter().map(|m| m.id_number_masked.clone()).collect::<Vec<_>>();
    let (before, after) = (names(old), names(new));
    let joined: Vec<String> = after.iter().filter(|m| !before.contains(m)).cloned().collect();
    let left: Vec<String> = before.iter().filter(|m| !after.contains(m)).cloned().collect();
    (!joined.is_empty() || !left.is_empty()).then_some(Composition { joined, left })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
