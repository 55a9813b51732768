//! `RedisCache` and `SingleFlight` against a real, private Redis: bounded calls while it
//! is frozen, answers for someone else never served, key rotation, purge, coordination
//! between two instances, and starting while Redis is down.

use crate::redis_server::RedisServer;
use hub::cache::{AgencyCache, CacheHealth, CacheKey, CachedFacts, Claim, RedisCache, Sealer, SingleFlight};
use hub::domain::facts::{BankAccount, BankFacts, BankProduct};
use hub::domain::{Agency, AgencyFacts, SourceStatus};
use hub::settings::{CacheSettings, Settings};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const KEY_1: &str = "vaVWE9rHlfKVUquWaVseEKBoqjwO6dGzaTp8m4FCHDQ=";
const KEY_2: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const HOUR: Duration = Duration::from_secs(3600);

fn settings(url: &str) -> CacheSettings {
    let mut settings = Settings::embedded_defaults().unwrap().cache;
    settings.redis_url = url.to_owned();
    settings.encryption_key = KEY_1.into();
    settings.encryption_key_id = "k1".into();
    settings
}

fn entry(subject: &str) -> CachedFacts {
    let account = BankAccount {
        institution: "Bank A".into(),
        product: BankProduct::Demand,
        balance: dec!(12345.67),
        currency: "CNY".into(),
    };
    CachedFacts {
        subject: subject.into(),
        facts: AgencyFacts::Bank(BankFacts { accounts: vec![account] }),
        fetched_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn key(subject: &str) -> CacheKey {
    CacheKey::new(Agency::Bank, subject.into(), "current")
}

#[tokio::test]
async fn every_call_is_bounded_while_redis_is_frozen() {
    let redis = RedisServer::start().await;
    let cache = RedisCache::connect(&settings(&redis.url())).await.unwrap();
    cache.put(&key("alice"), entry("alice"), HOUR).await;
    assert_eq!(cache.get(&key("alice")).await, Some(entry("alice")));

    redis.freeze();
    // call_timeout_ms is 100; allow far more for a busy machine, far less than the
    // seconds an unbounded call waits.
    let bound = Duration::from_secs(2);
    let started = Instant::now();
    assert_eq!(cache.get(&key("alice")).await, None, "a frozen cache is a miss");
    assert!(started.elapsed() < bound, "get took {:?}", started.elapsed());
    let started = Instant::now();
    cache.put(&key("bob"), entry("bob"), HOUR).await;
    assert!(started.elapsed() < bound, "put took {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(cache.claim(&key("bob")).await, Claim::Uncoordinated);
    assert!(started.elapsed() < bound, "claim took {:?}", started.elapsed());
    let started = Instant::now();
    assert!(cache.purge_subject("alice").await.is_err(), "a purge that could not run says so");
    assert!(started.elapsed() < bound, "purge took {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(cache.health().await, CacheHealth::Degraded);
    assert!(started.elapsed() < bound, "health took {:?}", started.elapsed());

    redis.thaw();
    let deadline = Instant::now() + Duration::from_secs(20);
    while cache.get(&key("alice")).await != Some(entry("alice")) {
        assert!(Instant::now() < deadline, "the cache never answered again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_answer_stored_for_someone_else_is_never_served() {
    let redis = RedisServer::start().await;
    let cache = RedisCache::connect(&settings(&redis.url())).await.unwrap();
    let mut connection = redis.connection().await;
    cache.put(&key("alice"), entry("alice"), HOUR).await;

    // Alice's value copied under Bob's key (a reply meant for another command looks the same).
    let alices: Vec<u8> =
        redis::cmd("GET").arg(key("alice").as_str()).query_async(&mut connection).await.unwrap();
    let _: () =
        redis::cmd("SET").arg(key("bob").as_str()).arg(&alices).query_async(&mut connection).await.unwrap();
    assert_eq!(cache.get(&key("bob")).await, None);

    // Correctly sealed for Bob's key, but about Alice inside.
    let sealer = Sealer::new("k1", &KEY_1.into(), &Default::default()).unwrap();
    let plaintext = serde_json::to_vec(&entry("alice")).unwrap();
    let sealed = sealer.seal(key("bob").as_str(), &plaintext).unwrap();
    let _: () =
        redis::cmd("SET").arg(key("bob").as_str()).arg(sealed).query_async(&mut connection).await.unwrap();
    assert_eq!(cache.get(&key("bob")).await, None);
    assert_eq!(cache.get(&key("alice")).await, Some(entry("alice")), "Alice's own answer still serves");
}

#[tokio::test]
async fn values_written_before_a_key_rotation_stay_readable() {
    let redis = RedisServer::start().await;
    let before = RedisCache::connect(&settings(&redis.url())).await.unwrap();
    before.put(&key("alice"), entry("alice"), HOUR).await;

    let mut rotated = settings(&redis.url());
    rotated.encryption_key = KEY_2.into();
    rotated.encryption_key_id = "k2".into();
    rotated.previous_keys.insert("k1".into(), KEY_1.into());
    let after = RedisCache::connect(&rotated).await.unwrap();
    assert_eq!(after.get(&key("alice")).await, Some(entry("alice")), "old value, retired key");
    after.put(&key("bob"), entry("bob"), HOUR).await;
    assert_eq!(before.get(&key("bob")).await, None, "new values use the new key");

    rotated.previous_keys.clear();
    let retired = RedisCache::connect(&rotated).await.unwrap();
    assert_eq!(retired.get(&key("alice")).await, None, "once retired for good, a miss");
}

#[tokio::test]
async fn a_purge_finds_a_persons_keys_even_when_their_index_is_lost() {
    let redis = RedisServer::start().await;
    let cache = RedisCache::connect(&settings(&redis.url())).await.unwrap();
    for agency in [Agency::Tax, Agency::Bank, Agency::HousingFund] {
        cache.put(&CacheKey::new(agency, "alice".into(), "current"), entry("alice"), HOUR).await;
    }
    cache.put(&key("bob"), entry("bob"), HOUR).await;
    let mut connection = redis.connection().await;
    let _: u64 = redis::cmd("DEL").arg("hub:v1:subject:alice").query_async(&mut connection).await.unwrap();

    assert_eq!(cache.purge_subject("alice").await.unwrap(), 3);
    for agency in [Agency::Tax, Agency::Bank, Agency::HousingFund] {
        assert_eq!(cache.get(&CacheKey::new(agency, "alice".into(), "current")).await, None);
    }
    assert_eq!(cache.get(&key("bob")).await, Some(entry("bob")));
    assert_eq!(cache.purge_subject("nobody").await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_redis_make_one_agency_call_between_them() {
    let redis = RedisServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let mut requests = Vec::new();
    for _instance in 0..2 {
        let cache = RedisCache::connect(&settings(&redis.url())).await.unwrap();
        let flights = Arc::new(SingleFlight::<SourceStatus>::new(Arc::new(cache)));
        for _ in 0..100 {
            let (flights, calls) = (flights.clone(), calls.clone());
            requests.push(tokio::spawn(async move {
                let fetch = move || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(entry("alice").facts)
                };
                flights.get_or_fetch(&key("alice"), HOUR, fetch).await
            }));
        }
    }
    for request in requests {
        assert_eq!(request.await.unwrap().unwrap().facts, entry("alice").facts);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_hub_starts_without_redis_and_uses_it_once_it_is_up() {
    let mut redis = RedisServer::start().await;
    let url = redis.url();
    redis.kill();
    let cache = RedisCache::connect(&settings(&url)).await.unwrap();
    assert_eq!(cache.get(&key("alice")).await, None);
    assert_eq!(cache.health().await, CacheHealth::Degraded);

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        cache.put(&key("alice"), entry("alice"), HOUR).await;
        if cache.get(&key("alice")).await == Some(entry("alice")) {
            break;
        }
        assert!(Instant::now() < deadline, "never connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
