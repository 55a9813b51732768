//! `Application::build`: the only place where the hub is wired together from
//! [`Settings`]. Tests build the same application on port 0.

use crate::adapters::{self, http_client};
use crate::api::{self, ApiLimits};
use crate::auth::Authenticator;
use crate::broker::{AgencyPolicy, Broker};
use crate::cache::{MemoryCache, Pseudonymizer};
use crate::domain::Agency;
use crate::jobs::{Completions, Verifier, spawn_workers};
use crate::policy::PolicyBook;
use crate::settings::Settings;
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    /// Kept so the workers' handles live as long as the application.
    _workers: Vec<JoinHandle<()>>,
    /// The embedded mock agencies, when `agencies.embedded_mocks` is on.
    mocks: Option<mocks::MockServer>,
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let mocks = if settings.agencies.embedded_mocks {
            Some(start_embedded_mocks(&mut settings).await?)
        } else {
            None
        };
        let store = Store::connect(&settings.store).await?;
        let policies = Arc::new(load_policies(&settings)?);
        let authenticator = web::Data::new(Authenticator::from_settings(&settings.auth)?);
        let verifier = Arc::new(Verifier { broker: build_broker(&settings)?, policies: policies.clone() });
        let completions = Arc::new(Completions::default());
        let instance =
            format!("hub-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let workers =
            spawn_workers(settings.server.workers, &instance, store.clone(), verifier, completions.clone());

        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("Failed to bind {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let body_limit = settings.server.body_limit_bytes;
        let limits = ApiLimits { max_wait_s: settings.server.max_wait_s.min(30) };
        let store_data = web::Data::new(store.clone());
        let completions = web::Data::from(completions);
        let policies = web::Data::from(policies);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(api::problem_details))
                .wrap(TracingLogger::default())
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(web::QueryConfig::default())
                .app_data(authenticator.clone())
                .app_data(store_data.clone())
                .app_data(completions.clone())
                .app_data(policies.clone())
                .app_data(web::Data::new(limits))
                .configure(api::configure)
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server, store, _workers: workers, mocks })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The base URL of the embedded mock agencies, if they run.
    pub fn mocks_url(&self) -> Option<String> {
        self.mocks.as_ref().map(|m| m.base_url())
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM drain in-flight requests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(mocks) = self.mocks {
            mocks.stop().await;
        }
        result
    }
}

fn build_broker(settings: &Settings) -> anyhow::Result<Broker> {
    let client = http_client::build(concat!("verification-hub/", env!("CARGO_PKG_VERSION")))
        .context("Failed to build the outbound HTTP client")?;
    let adapters = adapters::build_all(&client, |agency| settings.agencies.endpoint(agency));
    let policies: HashMap<Agency, AgencyPolicy> = Agency::ALL
        .into_iter()
        .map(|agency| {
            let config = settings.agencies.get(agency);
            let policy = AgencyPolicy {
                timeout: Duration::from_millis(config.timeout_ms),
                cache_ttl: Duration::from_secs(config.cache_ttl_s),
            };
            (agency, policy)
        })
        .collect();
    let cache = Arc::new(MemoryCache::new(settings.cache.max_entries));
    let pseudonymizer = Pseudonymizer::new(settings.cache.hmac_secret.expose_secret())?;
    Ok(Broker::new(adapters, policies, cache, pseudonymizer))
}

fn load_policies(settings: &Settings) -> anyhow::Result<PolicyBook> {
    let dir = &settings.policy.dir;
    if dir.join("default.toml").exists() {
        PolicyBook::load(dir).with_context(|| format!("Failed to load policies from {}", dir.display()))
    } else {
        tracing::info!(dir = %dir.display(), "no policy directory; using the embedded default parameters");
        Ok(PolicyBook::embedded()?)
    }
}

/// Starts the mock agencies in-process on a free port and points every adapter at them.
async fn start_embedded_mocks(settings: &mut Settings) -> anyhow::Result<mocks::MockServer> {
    let agencies = &settings.agencies;
    let fixtures = if agencies.mock_fixtures.is_empty() {
        mocks::Fixtures::demo()
    } else {
        let mut merged = mocks::Fixtures { persons: Vec::new() };
        for path in &agencies.mock_fixtures {
            merged.merge(
                mocks::Fixtures::load(path).with_context(|| format!("Failed to load {}", path.display()))?,
            );
        }
        merged
    };
    let config = mocks::MockConfig {
        fixtures,
        api_keys: mock_api_keys(settings),
        latency: mocks::Latency::parse(&agencies.mock_latency_ms)
            .map_err(|e| anyhow::anyhow!("agencies.mock_latency_ms: {e}"))?,
        error_rate_permille: 0,
        bank_ready_ms: 0,
        seed: 1,
    };
    let server = mocks::MockServer::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .context("Failed to start the embedded mocks")?;
    for agency in Agency::ALL {
        settings.agencies.get_mut(agency).base_url = server.base_url();
    }
    tracing::info!(url = %server.base_url(), "embedded mock agencies serving");
    Ok(server)
}

/// The mocks accept the same API keys the adapters send.
pub fn mock_api_keys(settings: &Settings) -> mocks::ApiKeys {
    let key = |agency| settings.agencies.get(agency).api_key.expose_secret().to_owned();
    mocks::ApiKeys {
        tax: key(Agency::Tax),
        real_estate: key(Agency::RealEstate),
        housing_fund: key(Agency::HousingFund),
        bank: key(Agency::Bank),
    }
}
