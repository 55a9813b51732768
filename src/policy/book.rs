//! The policy book: `default.toml` plus region-prefix files, and which one applies where.
//!
//! A prefix file (`50.toml`, `5001.toml`, `500103.toml`) sets any subset of the keys; its
//! table is merged over the default table and the result deserialised, so every region has
//! a complete [`PolicyParams`]. The longest prefix a region starts with wins. Each effective
//! parameter set carries a version, `sha256:` and the first 16 hex digits of the SHA-256 of
//! its canonical JSON, which reports record so that a verdict can be traced to its figures.

use super::PolicyParams;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::str::FromStr;
use toml::{Table, Value};

use crate::domain::RegionCode;

const EMBEDDED_DEFAULT: &str = include_str!("../../config/policies/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum PolicyBookError {
    #[error("cannot read policy directory {dir}: {source}")]
    ReadDir { dir: String, source: std::io::Error },
    #[error("cannot read policy file {file}: {source}")]
    ReadFile { file: String, source: std::io::Error },
    #[error("policy directory {dir} has no default.toml")]
    MissingDefault { dir: String },
    #[error("{file}: policy files are named default.toml or after a region prefix of 1 to 6 digits")]
    BadFileName { file: String },
    #[error("{file}: not valid TOML: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: unknown key `{key}`")]
    UnknownKey { file: String, key: String },
    #[error("{file}: key `{key}` is missing")]
    MissingKey { file: String, key: String },
    #[error("{file}: key `{key}` {problem}")]
    InvalidValue { file: String, key: String, problem: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// The effective parameters of one file and their version.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    params: PolicyParams,
    version: String,
}

/// Every region's parameters: the default and the prefix overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBook {
    default: Entry,
    /// Longest prefix first, so the first match is the one that wins.
    prefixes: Vec<(String, Entry)>,
}

impl PolicyBook {
    /// The default parameters compiled into the binary (no prefix files).
    pub fn embedded() -> Result<Self, PolicyBookError> {
        Self::from_texts("config/policies/default.toml", EMBEDDED_DEFAULT, Vec::new())
    }

    /// Reads `default.toml` (required) and every `<prefix>.toml` in `dir`; other files are ignored.
    pub fn load(dir: &Path) -> Result<Self, PolicyBookError> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|source| PolicyBookError::ReadDir { dir: shown.clone(), source })?;
        let mut default = None;
        let mut prefixes = Vec::new();
        for entry in entries {
            let path =
                entry.map_err(|source| PolicyBookError::ReadDir { dir: shown.clone(), source })?.path();
            if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let file = path.display().to_string();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&path)
                .map_err(|source| PolicyBookError::ReadFile { file: file.clone(), source })?;
            if stem == "default" {
                default = Some((file, text));
            } else if is_region_prefix(&stem) {
                prefixes.push((stem, file, text));
            } else {
                return Err(PolicyBookError::BadFileName { file });
            }
        }
        let (file, text) = default.ok_or(PolicyBookError::MissingDefault { dir: shown })?;
        Self::from_texts(&file, &text, prefixes)
    }

    /// Builds the book from file contents: `prefixes` holds (prefix, file name, text).
    pub(crate) fn from_texts(
        default_file: &str,
        default_text: &str,
        prefixes: Vec<(String, String, String)>,
    ) -> Result<Self, PolicyBookError> {
        let base = parse_table(default_file, default_text)?;
        check_table(default_file, &base)?;
        if let Some((key, _)) = KEYS.iter().find(|(key, _)| !base.contains_key(*key)) {
            return Err(PolicyBookError::MissingKey { file: default_file.into(), key: (*key).into() });
        }
        let default = entry(default_file, base.clone())?;
        let mut overrides = Vec::new();
        for (prefix, file, text) in prefixes {
            let table = parse_table(&file, &text)?;
            check_table(&file, &table)?;
            let mut merged = base.clone();
            merged.extend(table);
            overrides.push((prefix, entry(&file, merged)?));
        }
        overrides.sort_by(|(a, _), (b, _)| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Ok(Self { default, prefixes: overrides })
    }

    /// The parameters and policy version for a region: the longest matching prefix, else the default.
    pub fn for_region(&self, region: &RegionCode) -> (&PolicyParams, &str) {
        let entry = self
            .prefixes
            .iter()
            .find(|(prefix, _)| region.as_str().starts_with(prefix.as_str()))
            .map_or(&self.default, |(_, entry)| entry);
        (&entry.params, &entry.version)
    }
}

/// The policy version of a parameter set: equal parameters give equal versions.
pub fn policy_version(params: &PolicyParams) -> Result<String, serde_json::Error> {
    let canonical = serde_json::to_string(params)?;
    let digest = Sha256::digest(canonical.as_bytes());
    Ok(format!("sha256:{}", &hex::encode(digest)[..16]))
}

fn entry(file: &str, table: Table) -> Result<Entry, PolicyBookError> {
    let invalid = |message: String| PolicyBookError::Invalid { file: file.into(), message };
    let params: PolicyParams = table.try_into().map_err(|e| invalid(e.to_string()))?;
    let version = policy_version(&params).map_err(|e| invalid(e.to_string()))?;
    Ok(Entry { params, version })
}

fn is_region_prefix(stem: &str) -> bool {
    (1..=6).contains(&stem.len()) && stem.bytes().all(|b| b.is_ascii_digit())
}

fn parse_table(file: &str, text: &str) -> Result<Table, PolicyBookError> {
    Table::from_str(text).map_err(|e| PolicyBookError::Syntax { file: file.into(), message: e.to_string() })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Decimal,
    Count,
    Flag,
}

/// Every key of [`PolicyParams`] and its kind, so that a bad value is reported with its key
/// (a test checks this list against the struct).
const KEYS: [(&str, Kind); 19] = [
    ("dibao_monthly_urban", Kind::Decimal),
    ("dibao_monthly_rural", Kind::Decimal),
    ("tekun_multiplier", Kind::Decimal),
    ("low_income_multiplier", Kind::Decimal),
    ("financial_assets_months_dibao", Kind::Decimal),
    ("financial_assets_months_low_income", Kind::Decimal),
    ("max_residential_properties", Kind::Count),
    ("allow_non_residential_property", Kind::Flag),
    ("deduct_rigid_expenses", Kind::Flag),
    ("temporary_township_limit_multiplier", Kind::Decimal),
    ("temporary_county_limit", Kind::Decimal),
    ("grace_months_employment", Kind::Count),
    ("grace_months_poverty_relief", Kind::Count),
    ("undeclared_income_tolerance", Kind::Decimal),
    ("undeclared_income_min", Kind::Decimal),
    ("recheck_months_dibao_a", Kind::Count),
    ("recheck_months_dibao_b", Kind::Count),
    ("recheck_months_tekun", Kind::Count),
    ("recheck_months_low_income", Kind::Count),
];

fn check_table(file: &str, table: &Table) -> Result<(), PolicyBookError> {
    for (key, value) in table {
        let Some((_, kind)) = KEYS.iter().find(|(known, _)| known == key) else {
            return Err(PolicyBookError::UnknownKey { file: file.into(), key: key.clone() });
        };
        check_value(*kind, value).map_err(|problem| PolicyBookError::InvalidValue {
            file: file.into(),
            key: key.clone(),
            problem: problem.into(),
        })?;
    }
    Ok(())
}

fn check_value(kind: Kind, value: &Value) -> Result<(), &'static str> {
    match (kind, value) {
        (Kind::Decimal, Value::String(text)) => match Decimal::from_str(text.trim()) {
            Ok(amount) if amount.is_sign_negative() && !amount.is_zero() => Err("must not be negative"),
            Ok(_) => Ok(()),
            Err(_) => Err("must be a decimal string such as \"740.00\""),
        },
        (Kind::Decimal, Value::Float(_) | Value::Integer(_)) => {
            Err("must be written as a string such as \"1.3\", so that no float touches it")
        }
        (Kind::Decimal, _) => Err("must be a decimal string such as \"740.00\""),
        (Kind::Count, Value::Integer(count)) if u32::try_from(*count).is_ok() => Ok(()),
        (Kind::Count, _) => Err("must be a non-negative integer"),
        (Kind::Flag, Value::Boolean(_)) => Ok(()),
        (Kind::Flag, _) => Err("must be true or false"),
    }
}

#[cfg(test)]
pub(crate) fn known_keys() -> Vec<&'static str> {
    KEYS.iter().map(|(key, _)| *key).collect()
}
