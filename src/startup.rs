//! `Application::build`: the only place where the hub is wired together from
//! [`Settings`]. Tests build the same application on port 0. Whether a configuration may
//! run at all is [`preflight`]'s; how the hub stops is [`drain`]'s.

mod drain;
pub mod preflight;

use crate::adapters::{self, AgencyEndpoint, http_client};
use crate::api;
use crate::auth::{Authenticator, CallerRateLimiter};
use crate::broker::{AgencyPolicy, Broker};
use crate::cache::{AgencyCache, MemoryCache, Pseudonymizer, RedisCache};
use crate::domain::Agency;
use crate::jobs::{Completions, Shutdown, Verifier, WorkerConfig, spawn_workers};
use crate::policy::LivePolicies;
use crate::resilience::{Resilience, SharedBudget};
use crate::service::lifecycle::Retention;
use crate::service::refusals::{QUEUE_CAPACITY, SUMMARY_EVERY};
use crate::service::{IntakeRules, RefusalLog, Services};
use crate::settings::Settings;
use crate::store::Store;
use crate::webhooks::{CallbackPolicy, WebhookDispatcher, spawn_dispatcher};
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
    /// The use cases, for tools and tests that act as a caller without HTTP.
    services: Services,
    /// Verification workers: at shutdown they finish or release their jobs.
    workers: Vec<JoinHandle<()>>,
    /// Webhook dispatcher, maintenance and the metrics sampler: they stop when draining.
    background: Vec<JoinHandle<()>>,
    shutdown: Shutdown,
    /// `server.shutdown_grace_s`.
    grace: Duration,
    /// The embedded mock agencies, when `agencies.embedded_mocks` is on.
    mocks: Option<mocks::MockServer>,
}

impl Application {
    /// Refuses a configuration that [`preflight`] finds a problem in (every problem named).
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        admit(&settings)?;
        let mocks = if settings.agencies.embedded_mocks {
            Some(start_embedded_mocks(&mut settings).await?)
        } else {
            None
        };
        let store = Store::connect(&settings.store).await?;
        let policies = Arc::new(load_policies(&settings)?);
        let authenticator = web::Data::new(Authenticator::from_settings(&settings.auth)?);
        crate::metrics::install();
        let resilience = Arc::new(build_resilience(&settings)?);
        let cache = build_cache(&settings).await?;
        let broker =
            build_broker(&settings, &resilience, cache.clone())?.with_ledger(Arc::new(store.clone()));
        let pseudonymizer = Pseudonymizer::new(settings.cache.hmac_secret.expose_secret())?;
        let verifier = Arc::new(Verifier { broker, policies: policies.clone() });
        let completions = Arc::new(Completions::default());
        let instance =
            format!("hub-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let worker_config = WorkerConfig {
            count: settings.server.workers,
            lease: settings.jobs.lease(),
            max_attempts: settings.jobs.max_attempts(),
        };
        let shutdown = completions.shutdown().clone();
        let schedule = settings.recheck.schedule_enabled.then(|| crate::recheck::RecheckRunner {
            store: store.clone(),
            verifier: verifier.clone(),
            pseudonymizer: pseudonymizer.clone(),
            owner: format!("{instance}-recheck"),
            job_lease: worker_config.lease,
        });
        let workers = spawn_workers(worker_config, &instance, store.clone(), verifier, completions.clone());
        let callback_policy = CallbackPolicy::new(&settings.webhooks.allowed_hosts);
        let dispatcher = webhook_dispatcher(&settings, &store, &policies, &callback_policy, &instance);
        let (refusals, refusal_writer) = RefusalLog::new(store.clone(), QUEUE_CAPACITY, SUMMARY_EVERY);
        let services = Services {
            store: store.clone(),
            pseudonymizer: pseudonymizer.clone(),
            policies: policies.clone(),
            completions: completions.clone(),
            refusals: refusals.clone(),
            cache: cache.clone(),
            intake: IntakeRules {
                max_wait: settings.server.max_wait(),
                idempotency_keep: settings.retention.idempotency_keep(),
                callback_policy,
            },
        };
        let retention = Retention {
            evidence: settings.retention.evidence(),
            applications: settings.retention.applications(),
        };
        let mut background = vec![
            tokio::spawn(refusal_writer.run(shutdown.draining.clone())),
            spawn_dispatcher(dispatcher, shutdown.draining.clone()),
            services.spawn_lifecycle(retention, shutdown.draining.clone()),
            crate::metrics::applications::spawn_sampler(
                store.clone(),
                METRICS_SAMPLE_EVERY,
                shutdown.draining.clone(),
            ),
            crate::policy::spawn_reload_on_hangup(policies.clone(), shutdown.draining.clone()),
        ];
        if let Some(runner) = schedule {
            background.push(crate::recheck::spawn_schedule(
                runner,
                settings.recheck.every(),
                settings.recheck.concurrency(),
                shutdown.draining.clone(),
            ));
        }
        let grace = settings.server.shutdown_grace();

        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("Failed to bind {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let body_limit = settings.server.body_limit_bytes;
        let services_data = web::Data::new(services.clone());
        let rate_limiter = web::Data::new(CallerRateLimiter::new(
            settings.server.rate_limit_per_s,
            settings.server.rate_limit_burst,
        ));
        let refusal_guard = web::Data::new(api::RefusalGuard {
            log: refusals.clone(),
            throttle: api::AddressThrottle::new(settings.server.refused_per_s, settings.server.refused_burst),
            trusted_proxies: settings.server.trusted_proxies.clone(),
        });
        let store_data = web::Data::new(store.clone());
        let resilience = web::Data::from(resilience);
        let cache: web::Data<dyn AgencyCache> = web::Data::from(cache);
        let ui = web::Data::new(crate::ui::UiState::from_settings(&settings.ui));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(api::refusal_guard))
                .wrap(from_fn(api::problem_details))
                .wrap(TracingLogger::<api::RequestSpan>::new())
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(api::json_config(body_limit))
                .app_data(api::query_config())
                .app_data(authenticator.clone())
                .app_data(refusal_guard.clone())
                .app_data(store_data.clone())
                .app_data(resilience.clone())
                .app_data(cache.clone())
                .app_data(services_data.clone())
                .app_data(rate_limiter.clone())
                .app_data(ui.clone())
                .configure(api::configure)
                .configure(crate::ui::configure)
        })
        // Signals are handled by `run_until_stopped`, which drains the workers too.
        .disable_signals()
        .shutdown_timeout(grace.as_secs())
        .listen(listener)?
        .run();
        Ok(Self { port, server, store, services, workers, background, shutdown, grace, mocks })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The base URL of the embedded mock agencies, if they run.
    pub fn mocks_url(&self) -> Option<String> {
        self.mocks.as_ref().map(|m| m.base_url())
    }

    /// Serves until SIGTERM or SIGINT, then drains (see [`drain`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(drain::termination_signal()).await
    }

    /// Serves until `stop` completes, then drains: no new connections or jobs, in-flight
    /// requests and verifications get `server.shutdown_grace_s` to finish, jobs still
    /// running are then released to other instances.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let result = drain::serve_then_drain(
            self.server,
            stop,
            drain::Tasks {
                workers: self.workers,
                background: self.background,
                shutdown: self.shutdown,
                grace: self.grace,
            },
        )
        .await;
        if let Some(mocks) = self.mocks {
            mocks.stop().await;
        }
        self.store.close().await;
        tracing::info!("stopped");
        result
    }
}

/// The verification path alone (store, cache, broker, policies) for `hub recheck run`: no
/// server and no workers. Starts the embedded mocks when configured; the returned server
/// must be kept alive while the runner works.
pub async fn build_recheck_runner(
    mut settings: Settings,
) -> anyhow::Result<(crate::recheck::RecheckRunner, Option<mocks::MockServer>)> {
    admit(&settings)?;
    let mocks = if settings.agencies.embedded_mocks {
        Some(start_embedded_mocks(&mut settings).await?)
    } else {
        None
    };
    let store = Store::connect(&settings.store).await?;
    let policies = Arc::new(load_policies(&settings)?);
    let resilience = build_resilience(&settings)?;
    let cache = build_cache(&settings).await?;
    let broker = build_broker(&settings, &resilience, cache)?.with_ledger(Arc::new(store.clone()));
    let runner = crate::recheck::RecheckRunner {
        store,
        verifier: Arc::new(Verifier { broker, policies }),
        pseudonymizer: Pseudonymizer::new(settings.cache.hmac_secret.expose_secret())?,
        owner: format!("recheck-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]),
        job_lease: settings.jobs.lease(),
    };
    Ok((runner, mocks))
}

/// Refuses what [`preflight`] finds a problem in; its warnings are logged.
fn admit(settings: &Settings) -> anyhow::Result<()> {
    for warning in preflight::admit(settings)? {
        tracing::warn!(%warning, "configuration");
    }
    Ok(())
}

/// How often every instance samples the store for the queue and application gauges.
const METRICS_SAMPLE_EVERY: Duration = Duration::from_secs(15);

/// Redis when `cache.redis_url` is set (shared by every instance), else the in-process cache.
async fn build_cache(settings: &Settings) -> anyhow::Result<Arc<dyn AgencyCache>> {
    if settings.cache.redis_url.is_empty() {
        return Ok(Arc::new(MemoryCache::new(settings.cache.max_entries)));
    }
    Ok(Arc::new(RedisCache::connect(&settings.cache).await?))
}

/// Per-agency breakers, bulkheads, rate limits (shared through Redis when configured)
/// and retry policies.
fn build_resilience(settings: &Settings) -> anyhow::Result<Resilience> {
    let redis_url = &settings.cache.redis_url;
    let shared = (!redis_url.is_empty())
        .then(|| SharedBudget { redis_url: redis_url.clone(), call_timeout: settings.cache.call_timeout() });
    Resilience::from_settings(&settings.agencies, shared.as_ref())
        .context("Failed to set up the agency rate limits")
}

fn build_broker(
    settings: &Settings,
    resilience: &Resilience,
    cache: Arc<dyn AgencyCache>,
) -> anyhow::Result<Broker> {
    let client = http_client::build(concat!("verification-hub/", env!("CARGO_PKG_VERSION")))
        .context("Failed to build the outbound HTTP client")?;
    let endpoint = |agency| AgencyEndpoint {
        outbound: resilience.outbound(agency),
        ..settings.agencies.endpoint(agency)
    };
    // The bank answers in bulk: its queries are grouped into inquiries in front of its
    // guards, so that an inquiry passes them as one call.
    let bank = &settings.agencies.bank;
    let batched = |adapter: Arc<dyn adapters::AgencyAdapter>| -> Arc<dyn adapters::AgencyAdapter> {
        if adapter.agency() != Agency::Bank || bank.batch.batch_max_persons <= 1 {
            return adapter;
        }
        let limits = adapters::coalescer::Limits {
            timeout: bank.timeout(),
            max_wait: Duration::from_millis(bank.resilience.bulkhead_max_wait_ms),
            batch: bank.batch,
        };
        let health = resilience
            .health(Agency::Bank)
            .unwrap_or_else(|| Arc::new(crate::resilience::health::AgencyHealth::new(Agency::Bank)));
        Arc::new(adapters::coalescer::BankCoalescer::new(adapter, limits, health))
    };
    let adapters =
        adapters::build_all(&client, endpoint).into_iter().map(|a| batched(resilience.wrap(a))).collect();
    let policies: HashMap<Agency, AgencyPolicy> = Agency::ALL
        .into_iter()
        .map(|agency| {
            let config = settings.agencies.get(agency);
            let policy = AgencyPolicy { timeout: config.timeout(), cache_ttl: config.cache_ttl() };
            (agency, policy)
        })
        .collect();
    let pseudonymizer = Pseudonymizer::new(settings.cache.hmac_secret.expose_secret())?;
    Ok(Broker::new(adapters, policies, cache, pseudonymizer)
        .with_application_deadline(settings.agencies.application_deadline()))
}

fn webhook_dispatcher(
    settings: &Settings,
    store: &Store,
    policies: &Arc<LivePolicies>,
    callback_policy: &CallbackPolicy,
    instance: &str,
) -> WebhookDispatcher {
    // An empty secret is refused in production and a warning elsewhere (`preflight`).
    let config = &settings.webhooks;
    WebhookDispatcher {
        give_up_after: config.give_up_after(),
        timeout: config.timeout(),
        first_backoff_ms: config.first_backoff_ms(),
        name: format!("{instance}-webhooks"),
        ..WebhookDispatcher::with_defaults(
            store.clone(),
            policies.clone(),
            callback_policy.clone(),
            config.secret.clone(),
        )
    }
}

fn load_policies(settings: &Settings) -> anyhow::Result<LivePolicies> {
    let dir = &settings.policy.dir;
    if !dir.join("default.toml").exists() {
        tracing::info!(dir = %dir.display(), "no policy directory; using the embedded default parameters");
    }
    LivePolicies::load(dir).with_context(|| format!("Failed to load policies from {}", dir.display()))
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
