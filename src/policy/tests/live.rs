//! Reload: a good set is swapped in whole, a bad one refused with the running set kept, and
//! a snapshot taken before a reload keeps its parameters.

use super::builder::dec;
use crate::domain::RegionCode;
use crate::policy::LivePolicies;
use std::fs;
use std::path::Path;
use time::macros::date;

const DEFAULT: &str = include_str!("../../../config/policies/default.toml");

fn urban(policies: &crate::policy::PolicyBook) -> (rust_decimal::Decimal, String) {
    let effective = policies.effective(&RegionCode::parse("500103").unwrap(), date!(2026 - 11 - 24));
    (effective.params.dibao_monthly_urban, effective.version.clone())
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_good_set_is_swapped_in_and_a_held_snapshot_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "default.toml", DEFAULT);
    let live = LivePolicies::load(dir.path()).unwrap();
    let started = live.snapshot();
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"800.00\"\n");
    let summary = live.reload().unwrap();
    let files: Vec<(&str, usize)> = summary.files.iter().map(|f| (f.file.as_str(), f.changes)).collect();
    assert_eq!(files, [("50.toml", 0), ("default.toml", 0)]);
    let (now, new_version) = urban(&live.snapshot());
    let (then, old_version) = urban(&started);
    assert_eq!((now, then), (dec("800.00"), dec("740.00")), "the held snapshot still has the old standard");
    assert_ne!(new_version, old_version);
}

#[test]
fn a_bad_set_is_refused_and_the_running_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "default.toml", DEFAULT);
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"800.00\"\n");
    let live = LivePolicies::load(dir.path()).unwrap();
    let before = urban(&live.snapshot());
    // A good file and a bad one: nothing of the new set may be used, the good file included.
    write(dir.path(), "50.toml", "dibao_monthly_urban = \"820.00\"\n");
    write(dir.path(), "5001.toml", "[[changes]]\neffective_from = \"2026-01-01\"\ntekun_multiplier = 1.4\n");
    let error = live.reload().unwrap_err();
    let (file, key) = error.location();
    assert!(file.ends_with("5001.toml"), "{file}");
    assert_eq!(key, Some("changes[0].tekun_multiplier"));
    assert_eq!(urban(&live.snapshot()), before, "the running set stays");
    fs::remove_file(dir.path().join("5001.toml")).unwrap();
    live.reload().unwrap();
    assert_eq!(urban(&live.snapshot()).0, dec("820.00"), "a corrected set is taken");
}

#[test]
fn without_a_default_file_the_embedded_defaults_are_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let live = LivePolicies::load(dir.path()).unwrap();
    assert_eq!(urban(&live.snapshot()).0, dec("740.00"));
    write(
        dir.path(),
        "default.toml",
        &DEFAULT.replace("dibao_monthly_urban = \"740.00\"", "dibao_monthly_urban = \"750.00\""),
    );
    live.reload().unwrap();
    assert_eq!(urban(&live.snapshot()).0, dec("750.00"), "a default file written later is read on reload");
}
