//! Which real-estate units appeared and which are gone between two checks, per member, from
//! the two checks' normalized evidence (the reports themselves keep only counts).
//!
//! A pure function of the two evidences. Members are matched by ID number and named by the
//! masked one only. A member is compared only when the real-estate agency answered `ok`
//! both times: a failed query says nothing about what the member owns, so it must not turn
//! every unit into "gone". Members who joined or left are in `household` and not compared.

use crate::domain::facts::{PropertyUnit, PropertyUsage};
use crate::domain::{Agency, AgencyFacts, IdNumber, MemberEvidence, SourceStatus};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One member's share in one unit, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    /// The member's masked ID number.
    pub member: String,
    /// The registry's unit number (不动产单元号).
    pub unit_id: String,
    pub usage: PropertyUsage,
    pub area_m2: Decimal,
    pub share: Decimal,
}

/// The units held now but not before, and those held before but not now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitChanges {
    pub appeared: Vec<UnitChange>,
    pub gone: Vec<UnitChange>,
}

impl UnitChanges {
    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.gone.is_empty()
    }
}

/// Compares each member present in both evidences whose real-estate answer was `ok` both
/// times.
///
/// A unit is compared whole (unit id, usage, area and share): a unit whose share or area
/// changed is listed as gone with its old values and as appeared with its new ones, under
/// the same unit id. That shows the officer both values without a third kind of entry, and
/// a share going from 1 to 0.5 (half sold) reads as what it is.
pub fn compare(old: &[MemberEvidence], new: &[MemberEvidence]) -> UnitChanges {
    let before: BTreeMap<&IdNumber, &[PropertyUnit]> =
        old.iter().filter_map(|m| Some((&m.id_number, units(m)?))).collect();
    let mut changes = UnitChanges::default();
    for member in new {
        let (Some(before), Some(after)) = (before.get(&member.id_number), units(member)) else {
            continue;
        };
        let masked = member.id_number.masked();
        let missing_from = |units: &[PropertyUnit], other: &[PropertyUnit]| -> Vec<UnitChange> {
            units.iter().filter(|u| !other.contains(u)).map(|u| change(&masked, u)).collect()
        };
        changes.gone.extend(missing_from(before, after));
        changes.appeared.extend(missing_from(after, before));
    }
    changes
}

/// The member's units, or `None` when the real-estate agency did not answer `ok`.
fn units(member: &MemberEvidence) -> Option<&[PropertyUnit]> {
    let source = member.sources.get(&Agency::RealEstate)?;
    match (source.status, &source.facts) {
        (SourceStatus::Ok, Some(AgencyFacts::RealEstate(facts))) => Some(&facts.units),
        _ => None,
    }
}

fn change(masked: &str, unit: &PropertyUnit) -> UnitChange {
    UnitChange {
        member: masked.to_owned(),
        unit_id: unit.unit_id.clone(),
        usage: unit.usage,
        area_m2: unit.area_m2,
        share: unit.share,
    }
}
