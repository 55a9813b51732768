//! The assistance programs and the urban/rural split that selects a standard.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    Dibao,
    Tekun,
    LowIncome,
    Temporary,
}

impl Program {
    pub const ALL: [Program; 4] = [Self::Dibao, Self::Tekun, Self::LowIncome, Self::Temporary];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dibao => "dibao",
            Self::Tekun => "tekun",
            Self::LowIncome => "low_income",
            Self::Temporary => "temporary",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Urban,
    Rural,
}

impl Area {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "urban" => Some(Self::Urban),
            "rural" => Some(Self::Rural),
            _ => None,
        }
    }
}
