//! The hub with a Redis cache, end to end: each test starts its own `redis-server` and
//! may kill, restart or freeze it. What a user notices: answers served from the cache
//! (`cached`, `fetched_at`, fewer agency calls), the same verdicts whatever Redis does,
//! `/readyz` saying `cache: degraded` and recovering, and nothing personal in Redis.

use crate::helpers::{
    Options, TestApp, demo_applications, one_person_body, spawn_app_with, unknown_person_body,
};
use crate::redis_server::RedisServer;
use hub::cache::{AgencyCache, Pseudonymizer, RedisCache};
use hub::domain::IdNumber;
use hub::startup::Application;
use mocks::Latency;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::time::{Duration, Instant};

const AGENCIES: [&str; 4] = ["tax", "real_estate", "housing_fund", "bank"];

async fn spawn_with_redis(redis: &RedisServer, options: Options) -> TestApp {
    spawn_app_with(Options { redis_url: Some(redis.url()), ..options }).await
}

async fn readyz(address: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{address}/readyz")).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Polls `/readyz` until the cache shows `want`; generous, since reconnecting has backoff.
async fn wait_for_cache(app: &TestApp, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = readyz(&app.address).await;
        assert_eq!(status, 200, "Redis never makes the hub unready: {body}");
        if body["cache"] == want {
            return;
        }
        assert!(Instant::now() < deadline, "cache never became {want}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every cache key (`hub:v1:*`) and its remaining time to live (ms; -1 = none).
async fn cache_keys(redis: &RedisServer) -> Vec<(String, i64)> {
    keys_with_ttl(redis, "hub:v1:*").await
}

/// Keys matching `pattern` (other parts of the hub share this Redis) with their TTL.
async fn keys_with_ttl(redis: &RedisServer, pattern: &str) -> Vec<(String, i64)> {
    let mut connection = redis.connection().await;
    let keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query_async(&mut connection).await.unwrap();
    let mut out = Vec::new();
    for key in keys {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
        out.push((key, ttl));
    }
    out
}

fn source<'a>(report: &'a Value, member: usize, agency: &str) -> &'a Value {
    &report["members"][member]["sources"][agency]
}

#[tokio::test]
async fn answers_are_served_from_redis_until_the_agency_ttl_expires() {
    let redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options { cache_ttl_s: Some(2), ..Options::default() }).await;
    let person = "500103198001010016";
    let first = app.verify(&unknown_person_body()).await["report"].clone();
    let second = app.verify(&unknown_person_body()).await["report"].clone();
    for agency in AGENCIES {
        assert_eq!(source(&first, 0, agency)["cached"], false, "{agency}");
        assert_eq!(source(&second, 0, agency)["cached"], true, "{agency}");
        assert_eq!(source(&second, 0, agency)["fetched_at"], source(&first, 0, agency)["fetched_at"]);
        assert_eq!(app.mocks.state().calls(agency, person), 1, "{agency}: the second check was a hit");
    }
    assert_eq!(first["verdict"], second["verdict"]);

    let keys = cache_keys(&redis).await;
    assert_eq!(keys.len(), 4 + 1, "four answers and the person's index: {keys:?}");
    assert!(keys.iter().all(|(_, ttl)| (1..=2000).contains(ttl)), "every key expires within 2 s: {keys:?}");

    let deadline = Instant::now() + Duration::from_secs(20);
    while !cache_keys(&redis).await.is_empty() {
        assert!(Instant::now() < deadline, "keys outlived their TTL");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let third = app.verify(&unknown_person_body()).await["report"].clone();
    for agency in AGENCIES {
        assert_eq!(source(&third, 0, agency)["cached"], false, "{agency}: expired, asked again");
        assert_eq!(app.mocks.state().calls(agency, person), 2, "{agency}");
    }
}

/// Another hub instance sharing the first one's database, mocks and Redis.
async fn spawn_peer(app: &TestApp, workers: usize) -> String {
    let mut settings = app.settings.clone();
    settings.server.workers = workers;
    let application = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    address
}

#[tokio::test]
async fn a_stampede_of_200_identical_requests_makes_one_call_per_agency_and_person() {
    let redis = RedisServer::start().await;
    // Slow agencies, so that the requests really overlap.
    let latency = Latency::parse("300").unwrap();
    let app = spawn_with_redis(&redis, Options { latency, workers: 16, ..Options::default() }).await;
    let peer = spawn_peer(&app, 16).await;
    let household = demo_applications().into_iter().find(|d| d["name"] == "dibao_a_elderly_couple").unwrap();
    let body = household["application"].clone();
    let token = app.admin_token();
    let requests = (0..200).map(|n| {
        let address = if n % 2 == 0 { app.address.clone() } else { peer.clone() };
        let (client, body, token) = (app.client.clone(), body.clone(), token.clone());
        async move {
            let url = format!("{address}/api/v1/applications?wait=30");
            let response = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    });
    let answers = futures::future::join_all(requests).await;
    for answer in &answers {
        assert_eq!(answer["report"]["verdict"], household["expect"]["verdict"], "{answer}");
    }
    let members = body["household"]["members"].as_array().unwrap();
    assert!(members.len() >= 2);
    for member in members {
        let id = member["id_number"].as_str().unwrap();
        for agency in AGENCIES {
            assert_eq!(app.mocks.state().calls(agency, id), 1, "{agency} × {id}: one call for 200 requests");
        }
    }
}

#[tokio::test]
async fn with_redis_killed_requests_still_succeed_and_the_cache_recovers_after_a_restart() {
    let mut redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options::default()).await;
    let households: Vec<Value> = demo_applications().into_iter().take(4).collect();
    let mut verdicts = Vec::new();
    for household in &households {
        verdicts.push(app.verify(&household["application"]).await["report"]["verdict"].clone());
    }
    assert_eq!(readyz(&app.address).await.1["cache"], "ok");

    redis.kill();
    for (household, verdict) in households.iter().zip(&verdicts) {
        let report = app.verify(&household["application"]).await["report"].clone();
        assert_eq!(&report["verdict"], verdict, "same verdict without Redis");
        assert_eq!(source(&report, 0, "tax")["cached"], false, "asked the agency again");
    }
    let (status, body) = readyz(&app.address).await;
    assert_eq!((status, body["cache"].as_str()), (200, Some("degraded")), "{body}");

    redis.restart().await;
    wait_for_cache(&app, "ok").await;
    let body = &households[0]["application"];
    let applicant = body["household"]["members"][0]["id_number"].as_str().unwrap();
    app.verify(body).await;
    let report = app.verify(body).await["report"].clone();
    assert_eq!(source(&report, 0, "tax")["cached"], true, "cached again after the restart");
    assert_eq!(app.mocks.state().calls("tax", applicant), 3, "before, during and after the outage");
    assert!(!cache_keys(&redis).await.is_empty());
}

#[tokio::test]
async fn a_frozen_redis_delays_no_request_for_long() {
    let redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options::default()).await;
    let warm = app.verify(&unknown_person_body()).await["report"].clone();

    redis.freeze();
    let started = Instant::now();
    let report = app.verify(&unknown_person_body()).await["report"].clone();
    let frozen_for = started.elapsed();
    let (status, body) = readyz(&app.address).await;
    redis.thaw();

    assert_eq!(report["verdict"], warm["verdict"]);
    assert_eq!(source(&report, 0, "tax")["cached"], false, "a frozen cache is a miss");
    // Each cache call gives up after 100 ms; unbounded, one call waits for seconds.
    assert!(frozen_for < Duration::from_secs(5), "took {frozen_for:?} with Redis frozen");
    assert_eq!((status, body["cache"].as_str()), (200, Some("degraded")), "{body}");
    wait_for_cache(&app, "ok").await;
}

#[tokio::test]
async fn redis_refusing_writes_is_a_miss_not_an_error() {
    let redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options::default()).await;
    let mut connection = redis.connection().await;
    let set = |value: &'static str| redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(value).clone();
    set("1").exec_async(&mut connection).await.unwrap();

    let report = app.verify(&unknown_person_body()).await["report"].clone();
    assert_eq!(report["verdict"], "eligible");
    assert_eq!(readyz(&app.address).await.1["cache"], "degraded");
    assert!(cache_keys(&redis).await.is_empty(), "nothing could be stored");

    set("0").exec_async(&mut connection).await.unwrap();
    wait_for_cache(&app, "ok").await;
}

#[tokio::test]
async fn revoking_a_persons_consent_purges_their_answers_and_only_theirs() {
    let redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options::default()).await;
    let (alice, bob) = ("500103198002020013", "500103198002020021");
    app.verify(&one_person_body(alice)).await;
    app.verify(&one_person_body(bob)).await;

    let cache = RedisCache::connect(&app.settings.cache).await.unwrap();
    let pseudonymizer = Pseudonymizer::new(app.settings.cache.hmac_secret.expose_secret()).unwrap();
    let alice_pseudonym = pseudonymizer.pseudonym(&IdNumber::parse_structure(alice).unwrap());
    assert_eq!(cache.purge_subject(&alice_pseudonym).await.unwrap(), 4, "her four answers");
    let left = cache_keys(&redis).await;
    assert!(left.iter().all(|(key, _)| !key.contains(&alice_pseudonym)), "{left:?}");
    assert_eq!(left.len(), 4 + 1, "Bob's answers and index remain: {left:?}");

    let alice_again = app.verify(&one_person_body(alice)).await["report"].clone();
    let bob_again = app.verify(&one_person_body(bob)).await["report"].clone();
    assert_eq!(source(&alice_again, 0, "bank")["cached"], false, "asked again after the purge");
    assert_eq!(source(&bob_again, 0, "bank")["cached"], true);
    assert_eq!(app.mocks.state().calls("bank", alice), 2);
}

/// Every string in the demo fixtures and applications that identifies a person or states
/// an amount.
fn personal_strings() -> Vec<String> {
    fn collect(value: &Value, keys: &[&str], out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match inner.as_str() {
                        Some(text) if keys.contains(&key.as_str()) && text.len() >= 4 => {
                            out.push(text.to_owned())
                        }
                        _ => collect(inner, keys, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, keys, out)),
            _ => {}
        }
    }
    let fixtures =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mocks/fixtures/demo.json")).unwrap();
    let fixtures: Value = serde_json::from_str(&fixtures).unwrap();
    let mut out = Vec::new();
    collect(&fixtures, &["id_number", "balance", "amount", "monthly_deposit"], &mut out);
    collect(&Value::Array(demo_applications()), &["id_number", "name"], &mut out);
    out.retain(|s| s != "0.00");
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn no_id_number_name_or_balance_is_stored_in_clear() {
    let redis = RedisServer::start().await;
    let app = spawn_with_redis(&redis, Options::default()).await;
    for household in demo_applications() {
        app.verify(&household["application"]).await;
    }
    let secrets = personal_strings();
    assert!(secrets.iter().any(|s| s == "8000.00") && secrets.iter().any(|s| s == "周建国"));

    let mut connection = redis.connection().await;
    // Every key in this Redis, the cache's and any other part of the hub's.
    let keys = keys_with_ttl(&redis, "*").await;
    assert!(keys.len() > 50, "the run cached answers: {}", keys.len());
    for (key, ttl) in &keys {
        assert!(*ttl > 0, "{key} has no TTL");
        let kind: String = redis::cmd("TYPE").arg(key).query_async(&mut connection).await.unwrap();
        let read = match kind.as_str() {
            "string" => "GET",
            "set" => "SMEMBERS",
            "hash" => "HGETALL",
            "list" => "LRANGE",
            other => panic!("unexpected {other} at {key}"),
        };
        let mut command = redis::cmd(read);
        command.arg(key);
        if kind == "list" {
            command.arg(0).arg(-1);
        }
        let stored: Vec<Vec<u8>> = match kind.as_str() {
            "string" => vec![command.query_async(&mut connection).await.unwrap()],
            _ => command.query_async(&mut connection).await.unwrap(),
        };
        if kind == "string" && key.starts_with("hub:v1:") {
            assert!(stored[0].starts_with(b"hub1"), "{key} holds a sealed value");
        }
        for secret in &secrets {
            assert!(!key.contains(secret.as_str()), "{key} contains {secret}");
            for value in &stored {
                let found = value.windows(secret.len()).any(|w| w == secret.as_bytes());
                assert!(!found, "the value of {key} contains {secret} in clear");
            }
        }
    }
}
