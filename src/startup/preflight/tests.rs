use super::*;
use crate::settings::{Environment, Origin};
use secrecy::SecretString;

fn development() -> Settings {
    Settings::embedded_defaults().unwrap()
}

/// A production configuration with every secret set, real agencies and its overlay file.
fn complete_production() -> Settings {
    let mut settings = development();
    settings.origin = Origin { environment: Environment::named("production"), missing_overlay: None };
    let long = |name: &str| SecretString::from(format!("{name}-{}", "p".repeat(40)));
    settings.auth.dev_hs256_secret = SecretString::from(String::new());
    settings.auth.hs256_secret = long("jwt");
    settings.cache.hmac_secret = long("hmac");
    settings.cache.encryption_key =
        SecretString::from("k8Yc1uXbq0aVt9o4Vw3JmRz2Lp6sNd7eHf5gTi8jQwA=".to_owned());
    settings.webhooks.secret = long("webhook");
    settings.ui.csrf_secret = long("csrf");
    settings.agencies.embedded_mocks = false;
    for agency in Agency::ALL {
        let config = settings.agencies.get_mut(agency);
        config.base_url = format!("https://{agency}.agency.example");
        config.api_key = long(&format!("{agency}-key"));
    }
    settings
}

fn problems(settings: &Settings) -> String {
    check(settings).problems.join("\n")
}

#[test]
fn the_defaults_pass_in_development_and_test() {
    let mut settings = development();
    assert!(check(&settings).problems.is_empty(), "{}", problems(&settings));
    settings.origin.environment = Environment::Test;
    assert!(check(&settings).problems.is_empty(), "{}", problems(&settings));
}

#[test]
fn a_complete_production_configuration_passes() {
    let settings = complete_production();
    assert!(admit(&settings).is_ok(), "{}", problems(&settings));
}

#[test]
fn the_defaults_in_production_name_every_development_secret() {
    let mut settings = development();
    settings.origin.environment = Environment::named("production");
    let text = problems(&settings);
    for named in [
        "auth.dev_hs256_secret",
        "cache.hmac_secret: is the development value",
        "cache.encryption_key: is the development value",
        "webhooks.secret: is the development value",
        "ui.csrf_secret: is the development value",
        "agencies.embedded_mocks",
    ] {
        assert!(text.contains(named), "{named} not in:\n{text}");
    }
}

#[test]
fn a_missing_overlay_file_is_refused_in_production_only() {
    let mut settings = complete_production();
    settings.origin.missing_overlay = Some("config/production.toml".into());
    assert!(problems(&settings).contains("config/production.toml: missing"), "{}", problems(&settings));
    settings.origin.environment = Environment::Development;
    assert!(!problems(&settings).contains("missing"));
}

#[test]
fn short_empty_and_development_secrets_are_each_named() {
    let mut settings = complete_production();
    settings.webhooks.secret = SecretString::from(String::new());
    settings.ui.csrf_secret = SecretString::from("short".to_owned());
    settings.auth.hs256_secret = development().auth.dev_hs256_secret;
    settings.agencies.tax.api_key = development().agencies.tax.api_key;
    let text = problems(&settings);
    for named in [
        "webhooks.secret: is empty",
        "ui.csrf_secret: is shorter than 32 bytes",
        "auth.hs256_secret: is the development value",
        "agencies.tax.api_key: is the development value",
    ] {
        assert!(text.contains(named), "{named} not in:\n{text}");
    }
    let refused = admit(&settings).unwrap_err();
    assert_eq!(refused.problems.len(), 4, "{refused}");
}

#[test]
fn the_embedded_mocks_are_refused_in_production() {
    let mut settings = complete_production();
    settings.agencies.embedded_mocks = true;
    assert!(problems(&settings).contains("agencies.embedded_mocks: must be false in production"));
}

#[test]
fn bad_addresses_and_urls_are_named() {
    let mut settings = development();
    settings.server.bind = "not an address".into();
    settings.store.url = "mysql://db/hub".into();
    settings.cache.redis_url = "http://cache".into();
    settings.agencies.embedded_mocks = false;
    settings.agencies.tax.base_url = "tax.example".into();
    let text = problems(&settings);
    for field in ["server.bind", "store.url", "cache.redis_url", "agencies.tax.base_url"] {
        assert!(text.contains(field), "{field} not named in {text}");
    }
}

#[test]
fn bank_batching_needs_at_least_one_person_and_one_inquiry() {
    let mut settings = development();
    assert_eq!(
        (settings.agencies.bank.batch.batch_max_persons, settings.agencies.bank.batch.batch_max_inflight),
        (100, 4)
    );
    settings.agencies.bank.batch.batch_max_persons = 0;
    settings.agencies.bank.batch.batch_max_inflight = 0;
    let text = problems(&settings);
    assert!(text.contains("agencies.bank.batch_max_persons: must be at least 1"), "{text}");
    assert!(text.contains("agencies.bank.batch_max_inflight: must be at least 1"), "{text}");
}
