//! One effective parameter set: the parameters, their version, and where each value came from.

use super::PolicyBookError;
use super::file::PolicyFile;
use crate::policy::{PolicyParams, PolicySource};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use toml::Table;
use utoipa::ToSchema;

/// The origin of a value no file sets: a key added since v1 that `default.toml` omits.
pub const BUILT_IN: &str = "built-in";

/// The parameters that apply to a region on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub params: PolicyParams,
    pub version: String,
    /// Every key's file and dated change.
    pub origins: BTreeMap<String, Origin>,
    /// The region prefix of the file layered over `default.toml`; `None` for the default alone.
    pub region_prefix: Option<String>,
    /// The latest dated change in effect (of either file); `None` before any.
    pub effective_from: Option<Date>,
}

/// Where one parameter's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Origin {
    /// The file's name in the policy directory.
    #[schema(example = "50.toml")]
    pub file: String,
    /// The `[[changes]]` entry that set it, by its `effective_from`; null for the file's top level.
    #[serde(with = "crate::policy::report::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date, example = "2027-01-01")]
    pub effective_from: Option<Date>,
}

impl Effective {
    /// The parameters of `files` (default first) on `on`: each file's top level, then its
    /// changes up to `on` in date order (`None`: before every change).
    pub(super) fn layer(
        files: &[&PolicyFile],
        region_prefix: Option<&str>,
        on: Option<Date>,
    ) -> Result<Self, PolicyBookError> {
        let mut table = Table::new();
        let mut origins = BTreeMap::new();
        for file in files {
            apply(&mut table, &mut origins, &file.implied, BUILT_IN, None);
            apply(&mut table, &mut origins, &file.top, &file.name, None);
            let due =
                file.changes.iter().filter(|change| on.is_some_and(|date| change.effective_from <= date));
            for change in due {
                apply(&mut table, &mut origins, &change.table, &file.name, Some(change.effective_from));
            }
        }
        // Every value was checked against its key's kind, so this fails only on a bug; the
        // last file layered is the one to look at.
        let blamed = files.last().map_or_else(String::new, |file| file.path.clone());
        let invalid = |message: String| PolicyBookError::Invalid { file: blamed.clone(), message };
        let params: PolicyParams = table.try_into().map_err(|e: toml::de::Error| invalid(e.to_string()))?;
        let version = super::policy_version(&params).map_err(|e| invalid(e.to_string()))?;
        Ok(Self {
            params,
            version,
            origins,
            region_prefix: region_prefix.map(str::to_owned),
            effective_from: on,
        })
    }

    /// What a report records of these parameters, beside their version.
    pub fn source(&self) -> PolicySource {
        PolicySource { region_prefix: self.region_prefix.clone(), effective_from: self.effective_from }
    }
}

fn apply(
    table: &mut Table,
    origins: &mut BTreeMap<String, Origin>,
    layer: &Table,
    file: &str,
    effective_from: Option<Date>,
) {
    for (key, value) in layer {
        table.insert(key.clone(), value.clone());
        origins.insert(key.clone(), Origin { file: file.to_owned(), effective_from });
    }
}
