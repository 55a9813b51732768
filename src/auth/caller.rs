//! The authenticated caller: who, in which role, for which regions. What that allows is
//! the use cases' to judge (`service::access`).

use crate::domain::{RegionCode, RegionPrefix};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An intake system: creates applications in its regions, reads its own.
    Intake,
    /// A verification officer: reads, lists and reviews applications of its regions.
    Officer,
    /// Reads the audit log.
    Auditor,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "intake" => Some(Self::Intake),
            "officer" => Some(Self::Officer),
            "auditor" => Some(Self::Auditor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A caller whose token has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
    pub regions: Vec<RegionPrefix>,
}

impl Caller {
    /// Whether `region` lies inside one of the caller's region prefixes.
    pub fn covers(&self, region: &RegionCode) -> bool {
        self.regions.iter().any(|prefix| region.is_within(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, regions: &[&str]) -> Caller {
        Caller {
            sub: "me".into(),
            role,
            regions: regions.iter().map(|r| RegionPrefix::parse(r).unwrap()).collect(),
        }
    }

    #[test]
    fn a_region_is_covered_by_any_of_the_callers_prefixes() {
        let chongqing = RegionCode::parse("500103").unwrap();
        assert!(caller(Role::Officer, &["11", "5001"]).covers(&chongqing));
        assert!(!caller(Role::Officer, &["5002"]).covers(&chongqing));
        assert!(!caller(Role::Admin, &[]).covers(&chongqing), "admins span regions by role, not by prefix");
    }
}
