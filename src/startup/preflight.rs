//! Whether a configuration may run: the one list of problems that `hub serve`,
//! `hub recheck run` and `hub config check` all judge by.
//!
//! Problems stop the hub; warnings do not. In production (any `HUB_ENV` but
//! `development` or `test`) the hub refuses every development secret or key, every secret
//! that is empty or shorter than [`MIN_SECRET_BYTES`], the embedded mock agencies, and a
//! missing `config/{HUB_ENV}.toml`: anyone who reads this repository knows the
//! development values, and could mint an admin token or read the cache with them.

use crate::auth::Authenticator;
use crate::cache::{Pseudonymizer, Sealer};
use crate::domain::Agency;
use crate::policy::PolicyBook;
use crate::settings::Settings;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::ToSocketAddrs;

/// Production secrets must be at least this long (bytes).
pub const MIN_SECRET_BYTES: usize = 32;

/// What the check found: problems stop the hub, warnings do not.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

/// The hub refused to run with this configuration; every problem is named.
#[derive(Debug)]
pub struct ConfigurationRefused {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigurationRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the configuration is refused ({} problem(s)):", self.problems.len())?;
        for problem in &self.problems {
            write!(f, "\n  problem: {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigurationRefused {}

/// Every problem and warning of `settings` in its environment.
pub fn check(settings: &Settings) -> Findings {
    let mut findings = Findings::default();
    let production = settings.origin.environment.is_production();
    if let (true, Some(missing)) = (production, &settings.origin.missing_overlay) {
        findings.problems.push(format!(
            "{}: missing; HUB_ENV={} needs its own configuration file",
            missing.display(),
            settings.origin.environment
        ));
    }
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

/// `Ok` with the warnings when the configuration may run, else every problem.
pub fn admit(settings: &Settings) -> Result<Vec<String>, ConfigurationRefused> {
    let findings = check(settings);
    if findings.problems.is_empty() {
        Ok(findings.warnings)
    } else {
        Err(ConfigurationRefused { problems: findings.problems })
    }
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
    if !cache.redis_url.is_empty() {
        match url::Url::parse(&cache.redis_url) {
            Ok(url) if matches!(url.scheme(), "redis" | "rediss") => {}
            _ => {
                findings.problems.push("cache.redis_url: must be empty or a redis:// or rediss:// URL".into())
            }
        }
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
        findings.problems.push(
            "auth.dev_hs256_secret: a development signing key is in effect; it must be empty in production (anyone could mint tokens)"
                .into(),
        );
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
        if production {
            findings.problems.push(
                "agencies.embedded_mocks: must be false in production (every agency would be a mock serving demo data)"
                    .into(),
            );
        } else {
            findings
                .warnings
                .push("agencies.embedded_mocks = true: every agency is a mock serving demo data".into());
        }
        return;
    }
    for agency in Agency::ALL {
        let config = agencies.get(agency);
        match url::Url::parse(&config.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => findings.problems.push(format!("agencies.{agency}.base_url: not an http(s) URL")),
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

/// A secret the hub needs, with the development value `default.toml` ships for it.
struct Secret<'a> {
    key: String,
    value: &'a SecretString,
    development: &'a SecretString,
}

/// The secrets in effect: in production each must be set, at least
/// [`MIN_SECRET_BYTES`] long and not its development value; elsewhere an empty one is a
/// warning.
fn check_secrets(settings: &Settings, production: bool, findings: &mut Findings) {
    let Ok(defaults) = Settings::embedded_defaults() else { return };
    for secret in secrets_in_effect(settings, &defaults, production) {
        let value = secret.value.expose_secret();
        let key = &secret.key;
        if value.is_empty() {
            let note = format!("{key}: is empty");
            if production { findings.problems.push(note) } else { findings.warnings.push(note) }
        } else if !production {
            continue;
        } else if value == secret.development.expose_secret() {
            findings.problems.push(format!("{key}: is the development value of default.toml"));
        } else if value.len() < MIN_SECRET_BYTES {
            findings.problems.push(format!("{key}: is shorter than {MIN_SECRET_BYTES} bytes"));
        }
    }
}

fn secrets_in_effect<'a>(
    settings: &'a Settings,
    defaults: &'a Settings,
    production: bool,
) -> Vec<Secret<'a>> {
    let secret = |key: &str, value, development| Secret { key: key.to_owned(), value, development };
    let mut secrets = vec![
        secret("cache.hmac_secret", &settings.cache.hmac_secret, &defaults.cache.hmac_secret),
        secret("cache.encryption_key", &settings.cache.encryption_key, &defaults.cache.encryption_key),
        secret("webhooks.secret", &settings.webhooks.secret, &defaults.webhooks.secret),
        secret("ui.csrf_secret", &settings.ui.csrf_secret, &defaults.ui.csrf_secret),
    ];
    // Outside production HS256 tokens are verified with the development key when no
    // production key is set.
    if production && settings.auth.algorithms.iter().any(|a| a == "HS256") {
        // Compared with the development *signing* key: the same value set as the
        // verification key would accept tokens minted by `hub token`.
        secrets.push(secret(
            "auth.hs256_secret",
            &settings.auth.hs256_secret,
            &defaults.auth.dev_hs256_secret,
        ));
    }
    if !settings.agencies.embedded_mocks {
        for agency in Agency::ALL {
            secrets.push(Secret {
                key: format!("agencies.{agency}.api_key"),
                value: &settings.agencies.get(agency).api_key,
                development: &defaults.agencies.get(agency).api_key,
            });
        }
    }
    secrets
}

#[cfg(test)]
mod tests;
