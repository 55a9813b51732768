//! Cache-path benchmark (issue "Redis cache"): how many applications' worth of cached
//! agency answers the Redis cache serves per second, without HTTP or the store.
//!
//! One "gather" = the broker's cache work for a two-member household: eight concurrent
//! `SingleFlight::get_or_fetch` calls that all hit (Redis GET, AES-GCM open, JSON, subject
//! check). Each concurrent worker asks about its own household, so no request is saved
//! by in-process coalescing: every answer is a Redis round trip. `scripts/bench_cache.sh` runs it next to the end-to-end figures so the cache's
//! share of an application's cost is visible.
//!
//! Run: `cargo run --release --bin cache-bench -- REDIS_URL [SECONDS] [CONCURRENCY]`

use hub::cache::{CacheKey, Pseudonymizer, RedisCache, SingleFlight};
use hub::domain::facts::{
    BankAccount, BankFacts, BankProduct, HousingFundFacts, IncomeCategory, PropertyUnit, PropertyUsage,
    RealEstateFacts, TaxFacts, TaxRecord,
};
use hub::domain::{Agency, AgencyFacts, IdNumber, SourceStatus, YearMonth};
use hub::settings::Settings;
use rust_decimal_macros::dec;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::macros::date;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url =
        args.next().ok_or_else(|| anyhow::anyhow!("usage: cache-bench REDIS_URL [SECONDS] [CONCURRENCY]"))?;
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);

    let mut settings = Settings::embedded_defaults().map_err(|e| anyhow::anyhow!("{e}"))?.cache;
    settings.redis_url = url;
    let pseudonymizer = Pseudonymizer::new(settings.hmac_secret.expose_secret())?;
    let cache = Arc::new(RedisCache::connect(&settings).await?);
    let flights = Arc::new(SingleFlight::<SourceStatus>::new(cache.clone()));

    let until = Instant::now() + Duration::from_secs(seconds);
    let mut households = Vec::new();
    for household in 0..concurrency {
        households.push(fill(&flights, &pseudonymizer, household).await?);
    }
    let workers = households.into_iter().map(|keys| {
        let flights = flights.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                let gets = keys
                    .iter()
                    .map(|key| flights.get_or_fetch(key, HOUR, || async { Err(SourceStatus::Timeout) }));
                let hits = futures::future::join_all(gets)
                    .await
                    .into_iter()
                    .filter(|f| f.as_ref().is_ok_and(|f| f.cached));
                if hits.count() != keys.len() {
                    return Err(anyhow::anyhow!("a cached answer was missed"));
                }
                samples.push(started.elapsed());
            }
            Ok(samples)
        })
    });
    let mut samples = Vec::new();
    for worker in futures::future::join_all(workers).await {
        samples.extend(worker??);
    }
    samples.sort();
    let at = |q: f64| samples.get(((samples.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    println!(
        "cache path: {:.0} gathers/s (8 cached answers each), p50 {:.2} ms, p99 {:.2} ms, concurrency {concurrency}",
        samples.len() as f64 / seconds as f64,
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
    );
    Ok(())
}

/// Stores one realistic answer per member × agency of household `n` and returns their keys.
async fn fill(
    flights: &SingleFlight<SourceStatus>,
    pseudonymizer: &Pseudonymizer,
    n: usize,
) -> anyhow::Result<Vec<CacheKey>> {
    let window = YearMonth::income_window(date!(2026 - 11 - 24));
    let mut keys = Vec::new();
    for member in 0..2 {
        // Synthetic ID numbers: only their pseudonyms reach the cache.
        let body = format!("50010319530312{:03}", n * 2 + member);
        let person =
            mocks::id_number::with_check_char(&body).ok_or_else(|| anyhow::anyhow!("bad ID body"))?;
        let subject = pseudonymizer.pseudonym(&IdNumber::parse_structure(&person)?);
        for agency in Agency::ALL {
            let fingerprint =
                if agency == Agency::Tax { format!("{}..{}", window.0, window.1) } else { "current".into() };
            let key = CacheKey::new(agency, subject.clone(), &fingerprint);
            let facts = facts(agency, window.0)?;
            let stored = flights.get_or_fetch(&key, HOUR, move || async move { Ok(facts) }).await;
            stored.map_err(|_| anyhow::anyhow!("could not fill the cache"))?;
            keys.push(key);
        }
    }
    Ok(keys)
}

fn facts(agency: Agency, first: YearMonth) -> anyhow::Result<AgencyFacts> {
    Ok(match agency {
        Agency::Tax => AgencyFacts::Tax(TaxFacts {
            records: (0..12)
                .map(|_| TaxRecord { period: first, category: IncomeCategory::Other, amount: dec!(300.00) })
                .collect(),
        }),
        Agency::RealEstate => AgencyFacts::RealEstate(RealEstateFacts {
            units: vec![PropertyUnit {
                unit_id: "500103002003GB00112F00010101".into(),
                usage: PropertyUsage::Residential,
                area_m2: dec!(62.30),
                share: dec!(0.5),
            }],
        }),
        Agency::HousingFund => AgencyFacts::HousingFund(HousingFundFacts { account: None }),
        Agency::Bank => AgencyFacts::Bank(BankFacts {
            accounts: vec![BankAccount {
                institution: "Bank A".into(),
                product: BankProduct::Demand,
                balance: dec!(8000.00),
                currency: "CNY".into(),
            }],
        }),
    })
}
