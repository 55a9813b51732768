//! Policy files: merging, prefix selection, versions and errors that name file and key.

use super::builder::{AS_OF, default_params};
use crate::domain::RegionCode;
use crate::policy::{PolicyBook, PolicyBookError, PolicyParams, policy_version};
use std::fs;
use std::path::Path;

const DEFAULT: &str = include_str!("../../../config/policies/default.toml");

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

/// The parameters and version for a region on the tests' usual date.
fn for_region<'b>(book: &'b PolicyBook, code: &str) -> (&'b PolicyParams, &'b str) {
    let effective = book.effective(&region(code), AS_OF);
    (&effective.params, &effective.version)
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

fn book_with(files: &[(&str, &str)]) -> Result<PolicyBook, PolicyBookError> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "default.toml", DEFAULT);
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    PolicyBook::load(dir.path())
}

#[test]
fn the_embedded_defaults_are_the_design_table() {
    let params = default_params();
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "dibao_monthly_urban": "740", "dibao_monthly_rural": "590", "tekun_multiplier": "1.3",
            "low_income_multiplier": "1.5", "financial_assets_months_dibao": "24",
            "financial_assets_months_low_income": "36", "max_residential_properties": 1,
            "allow_non_residential_property": false, "deduct_rigid_expenses": true,
            "temporary_township_limit_multiplier": "3", "temporary_county_limit": "20000",
            "grace_months_employment": 6, "grace_months_poverty_relief": 12,
            "undeclared_income_tolerance": "0.1", "undeclared_income_min": "100",
            "recheck_months_dibao_a": 12, "recheck_months_dibao_b": 6, "recheck_months_tekun": 12,
            "recheck_months_low_income": 12,
            "sources": ["tax", "real_estate", "housing_fund", "bank"], "max_vehicles": 0
        })
    );
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort_unstable();
    let mut known = crate::policy::book::known_keys();
    known.sort_unstable();
    assert_eq!(keys, known, "the key table matches the struct");
}

#[test]
fn the_longest_matching_prefix_wins_and_merges_over_the_default() {
    let book = book_with(&[
        ("50.toml", "dibao_monthly_urban = \"800.00\"\n"),
        ("5001.toml", "dibao_monthly_urban = \"900.00\"\nmax_residential_properties = 2\n"),
        ("500103.toml", "deduct_rigid_expenses = false\n"),
        ("README.md", "not a policy file"),
    ])
    .unwrap();
    let urban = |code: &str| for_region(&book, code).0.dibao_monthly_urban.to_string();
    assert_eq!(urban("500104"), "900.00");
    assert_eq!(urban("500201"), "800.00");
    assert_eq!(urban("510000"), "740.00");
    let (district, _) = for_region(&book, "500103");
    assert!(!district.deduct_rigid_expenses);
    assert_eq!(
        district.max_residential_properties, 1,
        "a district file merges over default, not over its city"
    );
    assert_eq!(district.dibao_monthly_urban.to_string(), "740.00");
}

#[test]
fn versions_hash_the_effective_parameters() {
    let book = book_with(&[
        ("11.toml", "dibao_monthly_urban = \"740\"\n"),
        ("12.toml", "tekun_multiplier = \"1.30\"\n"),
        ("13.toml", "tekun_multiplier = \"1.4\"\n"),
    ])
    .unwrap();
    let version = |code: &str| for_region(&book, code).1.to_owned();
    let default = version("500103");
    assert!(default.starts_with("sha256:") && default.len() == 7 + 16, "{default}");
    assert!(default[7..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(version("110101"), default, "740 = 740.00");
    assert_eq!(version("120101"), default, "1.30 = 1.3");
    assert_ne!(version("130101"), default);
    assert_eq!(policy_version(&default_params()).unwrap(), default);
    let embedded = PolicyBook::embedded().unwrap();
    assert_eq!(for_region(&embedded, "130101").1, default);
}

#[test]
fn errors_name_the_file_and_the_key() {
    let unknown = book_with(&[("5001.toml", "dibao_monthly_urbn = \"800\"\n")]).unwrap_err();
    assert!(
        matches!(&unknown, PolicyBookError::UnknownKey { file, key } if file.ends_with("5001.toml") && key == "dibao_monthly_urbn")
    );
    let float = book_with(&[("50.toml", "tekun_multiplier = 1.3\n")]).unwrap_err();
    assert!(matches!(&float, PolicyBookError::InvalidValue { key, .. } if key == "tekun_multiplier"));
    assert!(
        float.to_string().contains("50.toml: key `tekun_multiplier` must be written as a string"),
        "{float}"
    );
    let negative = book_with(&[("50.toml", "dibao_monthly_rural = \"-1\"\n")]).unwrap_err();
    assert!(negative.to_string().ends_with("key `dibao_monthly_rural` must not be negative"), "{negative}");
    let count = book_with(&[("50.toml", "recheck_months_tekun = -6\n")]).unwrap_err();
    assert!(matches!(&count, PolicyBookError::InvalidValue { key, .. } if key == "recheck_months_tekun"));
    let flag = book_with(&[("50.toml", "deduct_rigid_expenses = \"yes\"\n")]).unwrap_err();
    assert!(matches!(&flag, PolicyBookError::InvalidValue { key, .. } if key == "deduct_rigid_expenses"));
    let name = book_with(&[("chongqing.toml", "")]).unwrap_err();
    assert!(matches!(&name, PolicyBookError::BadFileName { file } if file.ends_with("chongqing.toml")));
    let long = book_with(&[("5001031.toml", "")]).unwrap_err();
    assert!(matches!(long, PolicyBookError::BadFileName { .. }));
    let syntax = book_with(&[("50.toml", "dibao_monthly_urban = \n")]).unwrap_err();
    assert!(matches!(&syntax, PolicyBookError::Syntax { file, .. } if file.ends_with("50.toml")));
}

#[test]
fn the_default_file_is_required_and_complete() {
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(PolicyBook::load(empty.path()), Err(PolicyBookError::MissingDefault { .. })));
    let partial = tempfile::tempdir().unwrap();
    write(partial.path(), "default.toml", &DEFAULT.replace("recheck_months_tekun = 12\n", ""));
    let error = PolicyBook::load(partial.path()).unwrap_err();
    assert!(error.to_string().ends_with("default.toml: key `recheck_months_tekun` is missing"), "{error}");
    let missing_dir = PolicyBook::load(&empty.path().join("nowhere")).unwrap_err();
    assert!(matches!(missing_dir, PolicyBookError::ReadDir { .. }));
}

#[test]
fn an_empty_prefix_file_is_the_default() {
    let book = book_with(&[("44.toml", "# nothing overridden\n")]).unwrap();
    assert_eq!(for_region(&book, "440101"), for_region(&book, "500103"));
}
