//! The household whose income and assets are checked.

use super::{IdNumber, Money};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabilityType {
    Physical,
    Visual,
    Hearing,
    Speech,
    Intellectual,
    Mental,
    Multiple,
}

impl DisabilityType {
    pub const ALL: [DisabilityType; 7] = [
        Self::Physical,
        Self::Visual,
        Self::Hearing,
        Self::Speech,
        Self::Intellectual,
        Self::Mental,
        Self::Multiple,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Physical => "physical",
            Self::Visual => "visual",
            Self::Hearing => "hearing",
            Self::Speech => "speech",
            Self::Intellectual => "intellectual",
            Self::Mental => "mental",
            Self::Multiple => "multiple",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// One household member as the intake system declared them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub id_number: IdNumber,
    /// Relation to the applicant; exactly one member is `applicant`.
    pub relation: String,
    /// Disability grade 1 (most severe) to 4, if certified.
    pub disability_grade: Option<u8>,
    pub disability_type: Option<DisabilityType>,
    pub serious_illness: bool,
    pub declared_monthly_income: Option<Money>,
}

impl Member {
    pub fn is_applicant(&self) -> bool {
        self.relation == "applicant"
    }
}

/// The members of one household: 1 to 20, distinct ID numbers, one applicant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub members: Vec<Member>,
}

impl Household {
    pub const MAX_MEMBERS: usize = 20;

    pub fn applicant(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.is_applicant())
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }
}
