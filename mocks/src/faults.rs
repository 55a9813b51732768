//! Injected faults: which agency misbehaves for whom, and how.
//!
//! A fault comes from the fixture's `faults` map or is set at run time (library call or
//! `POST /__control/faults`). Run-time settings override the fixture; a setting for one
//! person overrides a setting for everyone.

use crate::agency::Agency;
use crate::fixtures::Fixtures;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How an agency misbehaves for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The request is never answered (a bank inquiry stays `pending` forever).
    Timeout,
    /// `503 {"error":"unavailable"}` (for the bank: on submission).
    Unavailable,
    /// `200` with a truncated JSON body (for the bank: on the poll).
    Garbage,
    /// The connection is dropped without an answer (for the bank: on submission).
    Reset,
}

impl Fault {
    pub const ALL: [Fault; 4] = [Self::Timeout, Self::Unavailable, Self::Garbage, Self::Reset];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Garbage => "garbage",
            Self::Reset => "reset",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Rank for a bank inquiry naming several persons, where the worst fault applies to
    /// the whole inquiry: a timeout costs a client its whole deadline, a dropped
    /// connection leaves it guessing, an outage is visible at once, a malformed answer
    /// only at the end.
    fn severity(self) -> u8 {
        match self {
            Self::Garbage => 1,
            Self::Unavailable => 2,
            Self::Reset => 3,
            Self::Timeout => 4,
        }
    }

    /// The worst of `faults`, if any.
    pub fn worst(faults: impl IntoIterator<Item = Fault>) -> Option<Fault> {
        faults.into_iter().max_by_key(|f| f.severity())
    }
}

/// The faults in force: fixture faults under run-time overrides.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    fixture: HashMap<(Agency, String), Fault>,
    /// `Some(None)` means "no fault for anyone", masking fixture faults.
    everyone: [Option<Option<Fault>>; 4],
    person: HashMap<(Agency, String), Option<Fault>>,
}

impl FaultTable {
    pub(crate) fn from_fixtures(fixtures: &Fixtures) -> Self {
        let fixture = fixtures
            .persons
            .iter()
            .flat_map(|p| p.faults.iter().map(|(agency, fault)| ((*agency, p.id_number.clone()), *fault)))
            .collect();
        Self { fixture, ..Self::default() }
    }

    pub(crate) fn get(&self, agency: Agency, id_number: &str) -> Option<Fault> {
        let key = (agency, id_number.to_owned());
        if let Some(fault) = self.person.get(&key) {
            return *fault;
        }
        if let Some(fault) = self.everyone[agency.index()] {
            return fault;
        }
        self.fixture.get(&key).copied()
    }

    /// Sets (or with `None` clears) the fault of one person, or of everyone, at `agency`.
    pub(crate) fn set(&mut self, agency: Agency, id_number: Option<&str>, fault: Option<Fault>) {
        match id_number {
            Some(id) => {
                self.person.insert((agency, id.to_owned()), fault);
            }
            None => {
                self.person.retain(|(a, _), _| *a != agency);
                self.everyone[agency.index()] = Some(fault);
            }
        }
    }

    /// Drops every run-time setting: only the fixture's faults remain.
    pub(crate) fn restore_fixture(&mut self) {
        self.person.clear();
        self.everyone = [None; 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "11010519491231002X";

    fn table() -> FaultTable {
        let mut table = FaultTable::default();
        table.fixture.insert((Agency::Bank, ID.to_owned()), Fault::Timeout);
        table
    }

    #[test]
    fn person_overrides_everyone_overrides_fixture() {
        let mut table = table();
        assert_eq!(table.get(Agency::Bank, ID), Some(Fault::Timeout));
        table.set(Agency::Bank, None, None);
        assert_eq!(table.get(Agency::Bank, ID), None);
        table.set(Agency::Bank, Some(ID), Some(Fault::Garbage));
        assert_eq!(table.get(Agency::Bank, ID), Some(Fault::Garbage));
        table.set(Agency::Bank, None, Some(Fault::Unavailable));
        assert_eq!(table.get(Agency::Bank, ID), Some(Fault::Unavailable));
        assert_eq!(table.get(Agency::Tax, ID), None);
        table.restore_fixture();
        assert_eq!(table.get(Agency::Bank, ID), Some(Fault::Timeout));
    }

    #[test]
    fn timeout_is_the_worst() {
        assert_eq!(Fault::worst([Fault::Garbage, Fault::Timeout, Fault::Unavailable]), Some(Fault::Timeout));
        assert_eq!(Fault::worst([Fault::Garbage, Fault::Unavailable]), Some(Fault::Unavailable));
        assert_eq!(Fault::worst([Fault::Reset, Fault::Unavailable]), Some(Fault::Reset));
        assert_eq!(Fault::worst([Fault::Reset, Fault::Timeout]), Some(Fault::Timeout));
        assert_eq!(Fault::worst([]), None);
    }
}
