//! `hub config check`: load the configuration as `hub serve` would, find every problem
//! that would stop it (or make it unsafe), and print the effective configuration with its
//! secrets redacted.

use super::redact::redact;
use crate::auth::Authenticator;
use crate::cache::{Pseudonymizer, Sealer};
use crate::domain::Agency;
use crate::policy::PolicyBook;
use crate::settings::Settings;
use clap::{Args, ValueEnum};
use secrecy::{ExposeSecret, SecretString};
use std::net::ToSocketAddrs;
use std::path::Path;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// How to print the effective configuration.
    #[arg(long, value_enum, default_value_t = Format::Toml)]
    pub format: Format,
    /// Only validate: print problems and warnings, not the configuration.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Json,
}

/// What the check found: problems stop the hub (or make it unsafe), warnings do not.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn check(config_dir: &Path, args: &CheckArgs) -> anyhow::Result<()> {
    let layers = Settings::layers(config_dir);
    let settings: Settings =
        layers.extract().map_err(|e| anyhow::anyhow!("the configuration cannot be read: {e}"))?;
    let mut effective: serde_json::Value =
        layers.extract().map_err(|e| anyhow::anyhow!("the configuration cannot be read: {e}"))?;
    redact(&mut effective, false);
    if !args.quiet {
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&effective)?),
            Format::Toml => print!("{}", toml::to_string(&effective)?),
        }
    }
    let environment = std::env::var("HUB_ENV").unwrap_or_default();
    let findings = validate(&settings, is_production(&environment));
    for warning in &findings.warnings {
        eprintln!("warning: {warning}");
    }
    for problem in &findings.problems {
        eprintln!("problem: {problem}");
    }
    if findings.problems.is_empty() {
        eprintln!("configuration OK (HUB_ENV={environment:?}, config dir {})", config_dir.display());
        Ok(())
    } else {
        anyhow::bail!("{} problem(s) in the configuration", findings.problems.len())
    }
}

/// Development and test environments may keep the development secrets of default.toml.
fn is_production(environment: &str) -> bool {
    !matches!(environment, "" | "dev" | "development" | "test")
}

/// Every problem of `settings`; in production, secrets must be set and differ from the
/// development values compiled into the binary.
pub fn validate(settings: &Settings, production: bool) -> Findings {
    let mut findings = Findings::default();
    check_server(settings, &mut findings);
    check_store_and_cache(settings, &mut findings);
    check_auth(settings, production, &mut findings);
    check_agencies(settings, production, &mut findings);
    check_policies(settings, &mut findings);
    check_secrets(settings, production, &mut findings);
    if !crate::telemetry::is_known_format(&settings.log.format) {
        findings.problems.push(format!("log.format: {:?} is neither text nor json", settings.log.format));
    }
    findings
}

fn check_server(settings: &Settings, findings: &mut Findings) {
    let server = &settings.server;
    if server.bind.to_socket_addrs().map(|mut a| a.next().is_none()).unwrap_or(true) {
        findings.problems.push(format!("server.bind: {:?} is not a host:port to listen on", server.bind));
    }
    if server.body_limit_bytes == 0 {
        findings.problems.push("server.body_limit_bytes: must be above 0".into());
    }
    if server.rate_limit_per_s == 0 {
        findings.problems.push("server.rate_limit_per_s: must be above 0".into());
    }
    if server.workers == 0 {
        findings.warnings.push("server.workers = 0: an API-only instance, another must verify".into());
    }
    if server.shutdown_grace_s >= settings.jobs.lease_s {
        findings.warnings.push(format!(
            "server.shutdown_grace_s ({}) is not below jobs.lease_s ({}): a job cut off at shutdown may wait for its lease",
            server.shutdown_grace_s, settings.jobs.lease_s
        ));
    }
}

fn check_store_and_cache(settings: &Settings, findings: &mut Findings) {
    let store = &settings.store.url;
    if !["sqlite:", "postgres://", "postgresql://"].iter().any(|scheme| store.starts_with(scheme)) {
        findings.problems.push("store.url: must start with sqlite:// or postgres://".into());
    }
    let cache = &settings.cache;
    // An empty secret is reported by `check_secrets`.
    let hmac_secret = cache.hmac_secret.expose_secret();
    if let (false, Err(error)) = (hmac_secret.is_empty(), Pseudonymizer::new(hmac_secret)) {
        findings.problems.push(format!("{error:#}"));
    }
    if cache.redis_url.is_empty() {
        return;
    }
    match url::Url::parse(&cache.redis_url) {
        Ok(url) if matches!(url.scheme(), "redis" | "rediss") => {}
        _ => findings.problems.push("cache.redis_url: must be empty or a redis:// or rediss:// URL".into()),
    }
    if cache.encryption_key.expose_secret().is_empty() {
        return;
    }
    if let Err(error) = Sealer::new(&cache.encryption_key_id, &cache.encryption_key, &cache.previous_keys) {
        findings.problems.push(format!("cache.encryption_key: {error:#}"));
    }
}

fn check_auth(settings: &Settings, production: bool, findings: &mut Findings) {
    if let Err(error) = Authenticator::from_settings(&settings.auth) {
        findings.problems.push(format!("{error:#}"));
    }
    if production && settings.auth.dev_secret().is_some() {
        findings
            .problems
            .push("auth.dev_hs256_secret: must be empty in production (anyone could mint tokens)".into());
    }
}

fn check_agencies(settings: &Settings, production: bool, findings: &mut Findings) {
    let agencies = &settings.agencies;
    let batch = &agencies.bank.batch;
    for (key, value) in
        [("batch_max_persons", batch.batch_max_persons), ("batch_max_inflight", batch.batch_max_inflight)]
    {
        if value == 0 {
            findings.problems.push(format!("agencies.bank.{key}: must be at least 1"));
        }
    }
    if agencies.embedded_mocks {
        if let Err(error) = mocks::Latency::parse(&agencies.mock_latency_ms) {
            findings.problems.push(format!("agencies.mock_latency_ms: {error}"));
        }
        let note = "agencies.embedded_mocks = true: every agency is a mock serving demo data";
        if production {
            findings.problems.push(note.into())
        } else {
            findings.warnings.push(note.into())
        }
        return;
    }
    for agency in Agency::ALL {
        let config = agencies.get(agency);
        match url::Url::parse(&config.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => findings.problems.push(format!("agencies.{agency}.base_url: not an http(s) URL")),
        }
        if config.api_key.expose_secret().is_empty() {
            findings.problems.push(format!("agencies.{agency}.api_key: is empty"));
        }
        if config.timeout_ms == 0 {
            findings.problems.push(format!("agencies.{agency}.timeout_ms: must be above 0"));
        }
    }
}

fn check_policies(settings: &Settings, findings: &mut Findings) {
    let dir = &settings.policy.dir;
    if !dir.join("default.toml").exists() {
        findings.warnings.push(format!(
            "policy.dir: {} has no default.toml; the built-in parameters apply",
            dir.display()
        ));
        return;
    }
    if let Err(error) = PolicyBook::load(dir) {
        findings.problems.push(format!("policy.dir: {error}"));
    }
}

/// Secrets that must be set (everywhere), and must not keep their development values in
/// production.
fn check_secrets(settings: &Settings, production: bool, findings: &mut Findings) {
    let Ok(defaults) = Settings::embedded_defaults() else { return };
    let mut secrets: Vec<(String, &SecretString, &SecretString)> = vec![
        ("cache.hmac_secret".into(), &settings.cache.hmac_secret, &defaults.cache.hmac_secret),
        ("webhooks.secret".into(), &settings.webhooks.secret, &defaults.webhooks.secret),
        ("ui.csrf_secret".into(), &settings.ui.csrf_secret, &defaults.ui.csrf_secret),
    ];
    if !settings.cache.redis_url.is_empty() {
        secrets.push((
            "cache.encryption_key".into(),
            &settings.cache.encryption_key,
            &defaults.cache.encryption_key,
        ));
    }
    if !settings.agencies.embedded_mocks {
        for agency in Agency::ALL {
            let (ours, theirs) =
                (&settings.agencies.get(agency).api_key, &defaults.agencies.get(agency).api_key);
            secrets.push((format!("agencies.{agency}.api_key"), ours, theirs));
        }
    }
    for (name, value, development) in secrets {
        let value = value.expose_secret();
        if value.is_empty() {
            let note = format!("{name}: is empty");
            if production { findings.problems.push(note) } else { findings.warnings.push(note) }
        } else if production && value == development.expose_secret() {
            findings.problems.push(format!("{name}: still has the development value of default.toml"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_in_development_and_fail_in_production() {
        let settings = Settings::embedded_defaults().unwrap();
        let development = validate(&settings, false);
        assert!(development.problems.is_empty(), "{:?}", development.problems);
        let production = validate(&settings, true);
        let text = production.problems.join("\n");
        assert!(text.contains("auth.dev_hs256_secret"), "{text}");
        assert!(text.contains("cache.hmac_secret: still has the development value"), "{text}");
        assert!(text.contains("embedded_mocks"), "{text}");
    }

    #[test]
    fn bad_addresses_and_urls_are_named() {
        let mut settings = Settings::embedded_defaults().unwrap();
        settings.server.bind = "not an address".into();
        settings.store.url = "mysql://db/hub".into();
        settings.cache.redis_url = "http://cache".into();
        settings.agencies.embedded_mocks = false;
        settings.agencies.tax.base_url = "tax.example".into();
        let text = validate(&settings, false).problems.join("\n");
        for field in ["server.bind", "store.url", "cache.redis_url", "agencies.tax.base_url"] {
            assert!(text.contains(field), "{field} not named in {text}");
        }
    }

    #[test]
    fn bank_batching_needs_at_least_one_person_and_one_inquiry() {
        let mut settings = Settings::embedded_defaults().unwrap();
        assert_eq!(
            (settings.agencies.bank.batch.batch_max_persons, settings.agencies.bank.batch.batch_max_inflight),
            (100, 4)
        );
        settings.agencies.bank.batch.batch_max_persons = 0;
        settings.agencies.bank.batch.batch_max_inflight = 0;
        let text = validate(&settings, false).problems.join("\n");
        assert!(text.contains("agencies.bank.batch_max_persons: must be at least 1"), "{text}");
        assert!(text.contains("agencies.bank.batch_max_inflight: must be at least 1"), "{text}");
    }
}
