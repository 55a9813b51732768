//! Effective dates (docs/POLICY.md#parameters): which parameters an `as_of` selects, and the checks that
//! refuse overlapping or unordered changes, unknown keys and wrong types, naming file and key.

use super::builder::dec;
use crate::domain::RegionCode;
use crate::policy::{Effective, Origin, PolicyBook, PolicyBookError};
use time::Date;
use time::macros::date;

const DEFAULT: &str = include_str!("../../../config/policies/default.toml");

/// Default changes on 2026-01-01 and 2026-07-01; the region's on 2026-04-01 and 2026-10-01.
const DEFAULT_CHANGES: &str = r#"
[[changes]]
effective_from = "2026-01-01"
dibao_monthly_urban = "760.00"

[[changes]]
effective_from = "2026-07-01"
dibao_monthly_urban = "780.00"
tekun_multiplier = "1.4"
"#;

const REGION_50: &str = r#"
dibao_monthly_rural = "600.00"

[[changes]]
effective_from = "2026-04-01"
dibao_monthly_urban = "800.00"

[[changes]]
effective_from = 2026-10-01
dibao_monthly_rural = "650.00"
"#;

fn book(default_extra: &str, regions: &[(&str, &str)]) -> Result<PolicyBook, PolicyBookError> {
    let files =
        regions.iter().map(|(prefix, text)| ((*prefix).into(), format!("{prefix}.toml"), (*text).into()));
    PolicyBook::from_texts("default.toml", &format!("{DEFAULT}{default_extra}"), files.collect())
}

fn interleaved() -> PolicyBook {
    book(DEFAULT_CHANGES, &[("50", REGION_50)]).unwrap()
}

fn on<'b>(book: &'b PolicyBook, region: &str, as_of: Date) -> &'b Effective {
    book.effective(&RegionCode::parse(region).unwrap(), as_of)
}

fn origin(file: &str, effective_from: Option<Date>) -> Origin {
    Origin { file: file.into(), effective_from }
}

#[test]
fn an_as_of_selects_the_changes_in_force_on_that_day() {
    let book = interleaved();
    // (as_of, urban S, rural S, tekun multiplier, latest change in effect, origin of urban S)
    let table = [
        (date!(2025 - 12 - 31), "740.00", "600.00", "1.3", None, origin("default.toml", None)),
        (
            date!(2026 - 01 - 01),
            "760.00",
            "600.00",
            "1.3",
            Some(date!(2026 - 01 - 01)),
            origin("default.toml", Some(date!(2026 - 01 - 01))),
        ),
        (
            date!(2026 - 03 - 31),
            "760.00",
            "600.00",
            "1.3",
            Some(date!(2026 - 01 - 01)),
            origin("default.toml", Some(date!(2026 - 01 - 01))),
        ),
        (
            date!(2026 - 04 - 01),
            "800.00",
            "600.00",
            "1.3",
            Some(date!(2026 - 04 - 01)),
            origin("50.toml", Some(date!(2026 - 04 - 01))),
        ),
        (
            date!(2026 - 06 - 30),
            "800.00",
            "600.00",
            "1.3",
            Some(date!(2026 - 04 - 01)),
            origin("50.toml", Some(date!(2026 - 04 - 01))),
        ),
        // The default's July change comes later in time, but the region file is layered
        // after every default change: its April standard still wins; the tekun change applies.
        (
            date!(2026 - 07 - 01),
            "800.00",
            "600.00",
            "1.4",
            Some(date!(2026 - 07 - 01)),
            origin("50.toml", Some(date!(2026 - 04 - 01))),
        ),
        (
            date!(2026 - 09 - 30),
            "800.00",
            "600.00",
            "1.4",
            Some(date!(2026 - 07 - 01)),
            origin("50.toml", Some(date!(2026 - 04 - 01))),
        ),
        (
            date!(2026 - 10 - 01),
            "800.00",
            "650.00",
            "1.4",
            Some(date!(2026 - 10 - 01)),
            origin("50.toml", Some(date!(2026 - 04 - 01))),
        ),
    ];
    for (as_of, urban, rural, tekun, latest, urban_origin) in table {
        let effective = on(&book, "500103", as_of);
        let p = &effective.params;
        assert_eq!(
            (p.dibao_monthly_urban, p.dibao_monthly_rural, p.tekun_multiplier),
            (dec(urban), dec(rural), dec(tekun)),
            "{as_of}"
        );
        assert_eq!(effective.effective_from, latest, "{as_of}");
        assert_eq!(effective.region_prefix.as_deref(), Some("50"), "{as_of}");
        assert_eq!(effective.origins["dibao_monthly_urban"], urban_origin, "{as_of}");
        assert_eq!(effective.origins["recheck_months_tekun"], origin("default.toml", None), "{as_of}");
    }
}

#[test]
fn a_region_without_a_file_follows_the_default_changes_alone() {
    let book = interleaved();
    // (as_of, urban S, tekun multiplier, latest change)
    let table = [
        (date!(2025 - 12 - 31), "740.00", "1.3", None),
        (date!(2026 - 01 - 01), "760.00", "1.3", Some(date!(2026 - 01 - 01))),
        (date!(2026 - 06 - 30), "760.00", "1.3", Some(date!(2026 - 01 - 01))),
        (date!(2026 - 07 - 01), "780.00", "1.4", Some(date!(2026 - 07 - 01))),
        // The region file's own changes do not reach other regions.
        (date!(2026 - 10 - 01), "780.00", "1.4", Some(date!(2026 - 07 - 01))),
    ];
    for (as_of, urban, tekun, latest) in table {
        let effective = on(&book, "110101", as_of);
        assert_eq!(
            (effective.params.dibao_monthly_urban, effective.params.tekun_multiplier),
            (dec(urban), dec(tekun)),
            "{as_of}"
        );
        assert_eq!((effective.effective_from, effective.region_prefix.as_deref()), (latest, None), "{as_of}");
    }
}

#[test]
fn a_version_changes_with_the_parameters_not_with_the_files() {
    let same_values = "dibao_monthly_urban = \"780\"\ntekun_multiplier = \"1.40\"\n";
    let book = book(DEFAULT_CHANGES, &[("50", REGION_50), ("12", same_values)]).unwrap();
    let before = on(&book, "110101", date!(2026 - 06 - 30));
    let after = on(&book, "110101", date!(2026 - 07 - 01));
    assert_ne!(before.version, after.version, "new parameters, new version");
    assert_eq!(
        on(&book, "120101", date!(2025 - 01 - 01)).version,
        after.version,
        "a region file with the same values as the default's change has the same version"
    );
    assert_eq!(on(&book, "110101", date!(2026 - 09 - 30)).version, after.version, "no change, same version");
    let without_changes = super::builder::default_params();
    assert_eq!(
        on(&book, "110101", date!(2025 - 12 - 31)).version,
        crate::policy::policy_version(&without_changes).unwrap(),
        "before every change the version is the plain default's"
    );
}

fn refused(default_extra: &str, region: &str) -> PolicyBookError {
    book(default_extra, &[("50", region)]).unwrap_err()
}

fn location(error: &PolicyBookError) -> (String, Option<String>) {
    let (file, key) = error.location();
    (file.to_owned(), key.map(str::to_owned))
}

#[test]
fn changes_must_be_one_per_date_in_ascending_order() {
    let twice = "[[changes]]\neffective_from = \"2026-07-01\"\ntekun_multiplier = \"1.4\"\n\n\
                 [[changes]]\neffective_from = \"2026-07-01\"\nlow_income_multiplier = \"1.6\"\n";
    let error = refused("", twice);
    assert_eq!(location(&error), ("50.toml".into(), Some("changes[1].effective_from".into())));
    assert!(error.to_string().contains("repeats 2026-07-01, the date of changes[0]"), "{error}");

    let backwards = "[[changes]]\neffective_from = \"2026-07-01\"\ntekun_multiplier = \"1.4\"\n\n\
                     [[changes]]\neffective_from = \"2026-01-01\"\ntekun_multiplier = \"1.35\"\n";
    let error = refused(backwards, "");
    assert_eq!(location(&error), ("default.toml".into(), Some("changes[1].effective_from".into())));
    assert!(error.to_string().contains("2026-01-01 comes before 2026-07-01 of changes[0]"), "{error}");
}

#[test]
fn bad_changes_are_refused_naming_file_and_key() {
    // (region file, key named, words of the problem)
    let table = [
        (
            "[[changes]]\neffective_from = \"2026-07-01\"\ndibao_monthly_urbn = \"800\"\n",
            "changes[0].dibao_monthly_urbn",
            "unknown key",
        ),
        (
            "[[changes]]\neffective_from = \"2026-07-01\"\ntekun_multiplier = 1.4\n",
            "changes[0].tekun_multiplier",
            "must be written as a string",
        ),
        (
            "[[changes]]\neffective_from = \"2026-07-01\"\nmax_residential_properties = \"2\"\n",
            "changes[0].max_residential_properties",
            "non-negative integer",
        ),
        ("[[changes]]\ntekun_multiplier = \"1.4\"\n", "changes[0].effective_from", "is missing"),
        ("[[changes]]\neffective_from = \"2026-13-01\"\n", "changes[0].effective_from", "YYYY-MM-DD"),
        ("[[changes]]\neffective_from = 2026-07-01T08:00:00\n", "changes[0].effective_from", "YYYY-MM-DD"),
        (
            "[[changes]]\neffective_from = \"2026-07-01\"\n[[changes.changes]]\neffective_from = \"2026-08-01\"\n",
            "changes[0].changes",
            "unknown key",
        ),
        ("changes = \"2026-07-01\"\n", "changes", "[[changes]]"),
        ("sources = [\"tax\", \"banks\"]\n", "sources", "unknown agency `banks`"),
        ("sources = [\"tax\", \"tax\"]\n", "sources", "names `tax` twice"),
        ("sources = []\n", "sources", "at least one agency"),
        ("sources = \"tax\"\n", "sources", "list of agency names"),
        (
            "[[changes]]\neffective_from = \"2026-07-01\"\nsources = [\"tax\", 3]\n",
            "changes[0].sources",
            "list of agency names",
        ),
        ("max_vehicles = -1\n", "max_vehicles", "non-negative integer"),
    ];
    for (text, key, words) in table {
        let error = refused("", text);
        assert_eq!(location(&error), ("50.toml".into(), Some(key.into())), "{text}");
        assert!(error.to_string().contains(words), "{text}: {error}");
        assert!(error.to_string().starts_with("50.toml: "), "{error}");
    }
}

#[test]
fn sources_are_kept_in_one_order_so_the_version_ignores_how_a_file_lists_them() {
    let listed = |sources: &str| {
        let book = book("", &[("50", &format!("sources = {sources}\n"))]).unwrap();
        on(&book, "500103", date!(2026 - 11 - 24)).clone()
    };
    let one = listed(r#"["bank", "vehicles", "tax"]"#);
    let other = listed(r#"["tax", "bank", "vehicles"]"#);
    assert_eq!(one.params.sources, ["tax", "bank", "vehicles"]);
    assert_eq!(one.version, other.version);
}

#[test]
fn a_default_file_from_before_sources_and_vehicles_still_loads() {
    let old = DEFAULT.split("\n# The agencies queried").next().unwrap();
    assert!(!old.contains("sources") && !old.contains("max_vehicles"));
    let book = PolicyBook::from_texts("default.toml", old, Vec::new()).unwrap();
    let effective = on(&book, "500103", date!(2026 - 11 - 24));
    assert_eq!(effective.params.sources, ["tax", "real_estate", "housing_fund", "bank"]);
    assert_eq!(effective.params.max_vehicles, 0);
    assert_eq!(effective.origins["sources"], origin("built-in", None));
    assert_eq!(
        effective.version,
        on(&PolicyBook::embedded().unwrap(), "500103", date!(2026 - 11 - 24)).version
    );
}

#[test]
fn the_shipped_demo_region_queries_all_seven_sources() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/policies");
    let book = PolicyBook::load(&dir).unwrap();
    assert_eq!(on(&book, "500103", date!(2026 - 11 - 24)).params.sources, crate::policy::KNOWN_SOURCES);
    assert_eq!(on(&book, "110105", date!(2026 - 11 - 24)).params.sources.len(), 4);
}
