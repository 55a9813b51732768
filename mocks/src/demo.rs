//! The demo cases: application bodies over the demo population, each with the verdict
//! DESIGN §5 gives it under the default policy parameters (`fixtures/demo_applications.json`).
//!
//! The expectations were worked out from the policy text, independently of the hub's
//! policy engine, so that the hub's tests can check one against the other. Every key in
//! `expect` is meant to match the report; keys absent from `expect` are not asserted.

use serde::{Deserialize, Serialize};

/// The raw file, for tools that want to write it out.
pub const DEMO_APPLICATIONS_JSON: &str = include_str!("../fixtures/demo_applications.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCase {
    pub name: String,
    pub description: String,
    /// `verdict`, `category`, `suggested_monthly_benefit`, `monthly_income_per_capita`,
    /// `approval_level`, `grace_months`, `missing` (`member_index`, `agency`, `cause`),
    /// `flags`, and for some cases `residential_properties` or `advance_relief`.
    pub expect: serde_json::Value,
    /// A DESIGN §4.1 application body.
    pub application: serde_json::Value,
}

/// The demo cases shipped with the crate.
pub fn demo_cases() -> Result<Vec<DemoCase>, serde_json::Error> {
    serde_json::from_str(DEMO_APPLICATIONS_JSON)
}
