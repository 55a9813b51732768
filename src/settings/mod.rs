//! Configuration: the embedded `config/default.toml`, overlaid by `config/default.toml`
//! and `config/{HUB_ENV}.toml` on disk (when present), then by `HUB__SECTION__KEY`
//! environment variables (double underscore between levels).
//!
//! The defaults are compiled in so that `hub serve` works from any directory of a fresh
//! checkout; the files on disk and the environment only override them.
//!
//! Settings are read once, here, and handed down as plain data. Values with a unit or a
//! floor are read through the accessors below (`JobSettings::lease`, …) so that no caller
//! converts or clamps them on its own. Whether a configuration is *usable* (addresses,
//! keys, and in production the refusal of development secrets) is judged once, by
//! `startup::preflight`, for `hub serve`, `hub recheck run` and `hub config check` alike.

mod durations;
mod environment;
mod network;

pub use durations::MAX_WAIT_CEILING;
pub use environment::Environment;
pub use network::Network;

use crate::adapters::AgencyEndpoint;
use crate::adapters::coalescer::BatchSettings;
use crate::domain::Agency;
use crate::resilience::ResilienceSettings;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const EMBEDDED_DEFAULTS: &str = include_str!("../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub cache: CacheSettings,
    pub auth: AuthSettings,
    pub policy: PolicySettings,
    pub agencies: AgenciesSettings,
    pub jobs: JobSettings,
    pub retention: RetentionSettings,
    pub webhooks: WebhookSettings,
    /// Officers' web UI; absent from older configs, hence the defaults.
    #[serde(default)]
    pub ui: UiSettings,
    #[serde(default)]
    pub log: LogSettings,
    /// Periodic re-checks run by `hub serve`; absent from older configs, hence the defaults.
    #[serde(default)]
    pub recheck: RecheckSettings,
    /// Where these settings came from: not a key of the files, filled in by [`Settings::load`].
    #[serde(skip)]
    pub origin: Origin,
}

/// How [`Settings::load`] found the configuration; the production checks need it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub environment: Environment,
    /// `config/{HUB_ENV}.toml` when `HUB_ENV` named a file that does not exist.
    pub missing_overlay: Option<PathBuf>,
}

/// `[recheck]`: whether and how `hub serve` runs the due re-checks itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RecheckSettings {
    /// Run a batch of the re-checks due every `every_s` (one instance of the fleet at a time).
    pub schedule_enabled: bool,
    pub every_s: u64,
    /// Households re-checked at once by a scheduled batch.
    pub concurrency: usize,
}

impl Default for RecheckSettings {
    fn default() -> Self {
        Self { schedule_enabled: false, every_s: 3600, concurrency: 16 }
    }
}

/// The officers' pages (`/ui/...`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// Key of the CSRF tokens (HMAC of the session). Empty: a random key per process,
    /// which breaks forms across several instances behind one load balancer.
    pub csrf_secret: SecretString,
    /// Mark the session cookie `Secure` on every response, not only on requests that came
    /// over TLS (directly or with `X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// Rows per page of the applications list.
    pub page_size: u32,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self { csrf_secret: SecretString::from(String::new()), secure_cookies: false, page_size: 20 }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub lease_s: u64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSettings {
    pub evidence_days: u64,
    pub idempotency_hours: u64,
    /// After this, an application's raw personal data (names, ID numbers, the stored body)
    /// is erased; masked IDs, pseudonyms, the verdict, the report and the audit log stay.
    #[serde(default = "default_application_days")]
    pub application_days: u64,
}

fn default_application_days() -> u64 {
    1825
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub secret: SecretString,
    pub allowed_hosts: Vec<String>,
    pub give_up_after_h: u64,
    pub timeout_ms: u64,
    pub first_backoff_ms: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub max_wait_s: u64,
    pub rate_limit_per_s: u32,
    pub rate_limit_burst: u32,
    /// On SIGTERM/SIGINT: how long in-flight requests and verifications may take to finish
    /// before the jobs still running are released for another instance.
    #[serde(default = "default_shutdown_grace_s")]
    pub shutdown_grace_s: u64,
    /// Proxies whose `X-Forwarded-For` is believed when they are the peer; everyone else's
    /// is ignored, so a client cannot choose the address its refusals are counted against.
    #[serde(default)]
    pub trusted_proxies: Vec<Network>,
    /// Refused requests (401/403) per second a client address may make, with a burst;
    /// beyond it the address is answered 429 at once, before any token is looked at.
    #[serde(default = "default_refused_per_s")]
    pub refused_per_s: u32,
    #[serde(default = "default_refused_burst")]
    pub refused_burst: u32,
}

fn default_refused_per_s() -> u32 {
    10
}

fn default_refused_burst() -> u32 {
    50
}

fn default_shutdown_grace_s() -> u64 {
    20
}

/// Logging (`HUB_LOG_FORMAT` and `RUST_LOG` override these).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// `text` (human-readable) or `json` (one object per line, with span fields).
    pub format: String,
    /// A `tracing` filter such as `info,sqlx=warn`.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: "text".into(), filter: "info,sqlx=warn".into() }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct StoreSettings {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CacheSettings {
    /// Empty: the in-process cache. Otherwise the Redis that every instance shares.
    pub redis_url: String,
    pub hmac_secret: SecretString,
    pub max_entries: u64,
    /// AES-256-GCM key for values in Redis: 32 bytes, base64 or hex.
    pub encryption_key: SecretString,
    /// Written into every value so that keys can rotate.
    pub encryption_key_id: String,
    /// Retired keys (id → key) that still open values written before a rotation.
    #[serde(default)]
    pub previous_keys: BTreeMap<String, SecretString>,
    /// Budget of each single Redis call; past it the call counts as a miss.
    pub call_timeout_ms: u64,
    /// Lifetime of the cross-instance single-flight lock; longer than the slowest agency call.
    pub lock_ttl_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub algorithms: Vec<String>,
    pub issuer: String,
    pub audience: String,
    pub dev_hs256_secret: SecretString,
    pub hs256_secret: SecretString,
    pub leeway_s: u64,
    /// Public keys of RS256/EdDSA issuers, looked up by the token's `kid`.
    #[serde(default)]
    pub keys: Vec<PublicKeySettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublicKeySettings {
    pub kid: String,
    pub algorithm: String,
    pub public_key_file: PathBuf,
}

impl AuthSettings {
    /// The key that verifies HS256 tokens: the production secret when set, else the
    /// development one. `None` when neither is configured.
    pub fn verification_secret(&self) -> Option<&str> {
        [&self.hs256_secret, &self.dev_hs256_secret]
            .into_iter()
            .map(|s| s.expose_secret())
            .find(|s| !s.is_empty())
    }

    /// The development key `hub token` signs with, if any.
    pub fn dev_secret(&self) -> Option<&str> {
        Some(self.dev_hs256_secret.expose_secret()).filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PolicySettings {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgenciesSettings {
    pub embedded_mocks: bool,
    pub mock_fixtures: Vec<PathBuf>,
    /// `"0"`, `"50"` or `"20-80"`; a bare number (`HUB__AGENCIES__MOCK_LATENCY_MS=50`) is read too.
    #[serde(deserialize_with = "string_or_number")]
    pub mock_latency_ms: String,
    /// Bounds the whole fan-out of one application; sources still running then are `timeout`.
    #[serde(default = "default_application_deadline_ms")]
    pub application_deadline_ms: u64,
    pub tax: AgencySettings,
    pub real_estate: AgencySettings,
    pub housing_fund: AgencySettings,
    pub bank: AgencySettings,
}

impl AgenciesSettings {
    pub fn get(&self, agency: Agency) -> &AgencySettings {
        match agency {
            Agency::Tax => &self.tax,
            Agency::RealEstate => &self.real_estate,
            Agency::HousingFund => &self.housing_fund,
            Agency::Bank => &self.bank,
        }
    }

    pub fn get_mut(&mut self, agency: Agency) -> &mut AgencySettings {
        match agency {
            Agency::Tax => &mut self.tax,
            Agency::RealEstate => &mut self.real_estate,
            Agency::HousingFund => &mut self.housing_fund,
            Agency::Bank => &mut self.bank,
        }
    }

    pub fn endpoint(&self, agency: Agency) -> AgencyEndpoint {
        let settings = self.get(agency);
        AgencyEndpoint {
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            api_key: settings.api_key.expose_secret().to_owned(),
            timeout: Duration::from_millis(settings.timeout_ms),
            outbound: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgencySettings {
    pub base_url: String,
    pub api_key: SecretString,
    pub timeout_ms: u64,
    pub cache_ttl_s: u64,
    /// Rate limit, bulkhead, retries and circuit breaker (`rate_per_s`, `burst`, …).
    #[serde(flatten)]
    pub resilience: ResilienceSettings,
    /// How queries are grouped into one request (`batch_max_persons`,
    /// `batch_max_inflight`); read for the bank only, the one agency that answers in bulk.
    #[serde(flatten)]
    pub batch: BatchSettings,
}

/// Environment values that look like numbers arrive as numbers; some keys are text.
fn string_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Number(u64),
    }
    Ok(match Text::deserialize(deserializer)? {
        Text::Text(text) => text,
        Text::Number(number) => number.to_string(),
    })
}

fn default_application_deadline_ms() -> u64 {
    10_000
}

impl Settings {
    /// Loads the layered configuration from `config_dir` (usually `config`) for the
    /// environment named by `HUB_ENV`.
    pub fn load(config_dir: &Path) -> Result<Self, Box<figment::Error>> {
        let mut settings: Self = Self::layers(config_dir).extract().map_err(Box::new)?;
        let name = std::env::var("HUB_ENV").unwrap_or_default();
        let overlay = config_dir.join(format!("{name}.toml"));
        settings.origin = Origin {
            environment: Environment::named(&name),
            missing_overlay: (!name.is_empty() && !overlay.exists()).then_some(overlay),
        };
        Ok(settings)
    }

    /// The merged layers before they are read into [`Settings`] (`hub config check` prints them).
    pub fn layers(config_dir: &Path) -> Figment {
        let env = std::env::var("HUB_ENV").unwrap_or_default();
        let mut figment =
            Figment::from(Toml::string(EMBEDDED_DEFAULTS)).merge(Toml::file(config_dir.join("default.toml")));
        if !env.is_empty() {
            figment = figment.merge(Toml::file(config_dir.join(format!("{env}.toml"))));
        }
        figment.merge(Env::prefixed("HUB__").split("__"))
    }

    /// The embedded defaults alone, for tests and tools that must not read the disk.
    pub fn embedded_defaults() -> Result<Self, Box<figment::Error>> {
        Figment::from(Toml::string(EMBEDDED_DEFAULTS)).extract().map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_match_the_design_table() {
        let settings = Settings::embedded_defaults().unwrap();
        assert_eq!(settings.server.bind, "127.0.0.1:8080");
        assert_eq!(settings.store.url, "sqlite://data/hub.db");
        assert_eq!(settings.cache.redis_url, "");
        assert_eq!(settings.auth.algorithms, vec!["HS256"]);
        assert_eq!((settings.auth.issuer.as_str(), settings.auth.audience.as_str()), ("hub-dev", "hub"));
        assert!(settings.agencies.embedded_mocks);
        for agency in Agency::ALL {
            let agency = settings.agencies.get(agency);
            assert_eq!((agency.timeout_ms, agency.cache_ttl_s), (2000, 86400));
        }
        assert!(settings.auth.dev_secret().is_some());
    }
}
