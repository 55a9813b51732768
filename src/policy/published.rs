//! The parameters in force for a region on a date, as `GET /api/v1/policies` publishes them
//! and the officers' policy page shows them: values, version, readable name and origins.

use super::book::{Effective, Origin};
use super::explain::{self, Lang};
use super::params::PolicyParams;
use super::report::{PolicySource, iso_date};
use crate::domain::RegionCode;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use utoipa::ToSchema;

/// The effective policy parameters of a region on a date and where each came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublishedPolicy {
    pub region: RegionCode,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date, example = "2026-11-24")]
    pub as_of: Date,
    /// The hash of the parameters, as reports record it.
    #[schema(example = "sha256:3f1c9a0b7d2e4f68")]
    pub policy_version: String,
    /// A readable name: the region file and the date of the latest change in effect.
    #[schema(example = "Region 50 parameters, effective 2026-07-01")]
    pub name: String,
    /// The same name in Chinese.
    #[schema(example = "行政区划 50 政策参数（2026-07-01 起施行）")]
    pub name_zh: String,
    pub source: PolicySource,
    pub parameters: PolicyParams,
    /// For each parameter, the file and the dated change (if any) its value came from.
    pub origins: BTreeMap<String, Origin>,
}

impl PublishedPolicy {
    pub fn new(region: RegionCode, as_of: Date, effective: &Effective) -> Self {
        let source = effective.source();
        let name = |lang| explain::policy_name(Some(&source), lang).unwrap_or_default();
        Self {
            region,
            as_of,
            policy_version: effective.version.clone(),
            name: name(Lang::En),
            name_zh: name(Lang::Zh),
            parameters: effective.params.clone(),
            origins: effective.origins.clone(),
            source,
        }
    }
}
