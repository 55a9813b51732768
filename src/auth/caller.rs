//! The authenticated caller and what their role and regions allow.

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

    /// Whether the caller may submit an application for `region`.
    pub fn may_create_in(&self, region: &RegionCode) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Intake => self.covers(region),
            Role::Officer | Role::Auditor => false,
        }
    }

    /// Whether the caller may read an application of `region` submitted by `submitter`.
    pub fn may_read(&self, region: &RegionCode, submitter: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Intake => submitter == self.sub,
            Role::Officer => self.covers(region),
            Role::Auditor => false,
        }
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
    fn scope_follows_role_and_region_prefixes() {
        let chongqing = RegionCode::parse("500103").unwrap();
        assert!(caller(Role::Intake, &["50"]).may_create_in(&chongqing));
        assert!(!caller(Role::Intake, &["11"]).may_create_in(&chongqing));
        assert!(!caller(Role::Officer, &["50"]).may_create_in(&chongqing));
        assert!(caller(Role::Officer, &["5001"]).may_read(&chongqing, "other"));
        assert!(!caller(Role::Officer, &["5002"]).may_read(&chongqing, "other"));
        assert!(caller(Role::Intake, &["11"]).may_read(&chongqing, "me"));
        assert!(!caller(Role::Intake, &["50"]).may_read(&chongqing, "other"));
        assert!(!caller(Role::Auditor, &["50"]).may_read(&chongqing, "me"));
        assert!(caller(Role::Admin, &[]).may_read(&chongqing, "other"));
    }
}
