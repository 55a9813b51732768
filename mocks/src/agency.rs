//! The four mock agencies and the names they go by in fixtures, counters and the control API.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// The agency whose URL space contains `path`, for counting requests no route matched.
    pub fn owning_path(path: &str) -> Option<Self> {
        [
            ("/tax/", Self::Tax),
            ("/bdc/", Self::RealEstate),
            ("/gjj/", Self::HousingFund),
            ("/bank/", Self::Bank),
        ]
        .into_iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, agency)| agency)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Agency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
