//! Refused-request flood benchmark (issue "Production hardening"): does a flood of bad
//! tokens slow the requests that are served?
//!
//! Starts `hub serve` (the `hub` binary next to this one) on a fresh SQLite store with the
//! embedded mocks, behind a stand-in proxy (`server.trusted_proxies = 127.0.0.1`, so
//! `X-Forwarded-For` names the client), and submits one two-member household. Then, in one
//! run, it reads that report at a steady rate for `SECONDS` alone, and again for `SECONDS`
//! while `FLOOD` connections send requests with a bad token as fast as they can from another
//! address. It prints the reads' p50/p99 in both phases, their ratio (goal: flood p99 ≤ 3 ×
//! quiet p99), what the flood got (401, 429) and how much the audit table grew meanwhile.
//!
//! Run: `cargo build --release --bin hub --bin refusal-bench &&
//!       target/release/refusal-bench [SECONDS] [FLOOD] [READS_PER_S]`

use hub::auth::{MintRequest, Role, mint_token};
use hub::settings::Settings;
use serde_json::Value;
use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let seconds = args.first().copied().unwrap_or(20);
    let flood = args.get(1).copied().unwrap_or(64);
    let reads_per_s = args.get(2).copied().unwrap_or(50);
    let data = tempfile_dir()?;
    let hub = Hub::start(&data)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let token = admin_token()?;
    let id = submit_household(&client, &hub.address, &token).await?;

    let quiet = read_steadily(&client, &hub.address, &id, &token, seconds, reads_per_s).await?;
    let before = audit_counts(&data).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Statuses::default());
    let flooders: Vec<_> = (0..flood)
        .map(|_| {
            tokio::spawn(flood_until(client.clone(), hub.address.clone(), stop.clone(), statuses.clone()))
        })
        .collect();
    let flooded = read_steadily(&client, &hub.address, &id, &token, seconds, reads_per_s).await?;
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.await?;
    }
    let after = audit_counts(&data).await?;

    let (quiet_p50, quiet_p99) = percentiles(&quiet);
    let (flood_p50, flood_p99) = percentiles(&flooded);
    let sent = statuses.total();
    println!(
        "reads of one report, {reads_per_s}/s for {seconds} s, then again during a flood of {flood} connections"
    );
    println!("without the flood : p50 {quiet_p50:.2} ms  p99 {quiet_p99:.2} ms  ({} reads)", quiet.len());
    println!("during the flood  : p50 {flood_p50:.2} ms  p99 {flood_p99:.2} ms  ({} reads)", flooded.len());
    println!("p99 ratio         : {:.2} (goal <= 3)", flood_p99 / quiet_p99);
    println!(
        "flood             : {sent} requests ({:.0}/s): {} answered 401, {} answered 429, {} other",
        sent as f64 / seconds as f64,
        statuses.unauthorized.load(Ordering::Relaxed),
        statuses.throttled.load(Ordering::Relaxed),
        statuses.other.load(Ordering::Relaxed)
    );
    println!(
        "audit rows during the flood: +{} refusals recorded one by one, +{} summary rows, +{} report views",
        after.refusals - before.refusals,
        after.summaries - before.summaries,
        after.views - before.views
    );
    drop(hub);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// A `hub serve` child process on its own port.
struct Hub {
    child: Child,
    address: String,
}

impl Hub {
    fn start(data: &std::path::Path) -> anyhow::Result<Self> {
        let binary = std::env::current_exe()?.with_file_name("hub");
        let root = env!("CARGO_MANIFEST_DIR");
        let mut child = Command::new(binary)
            .arg("serve")
            .env_remove("HUB_ENV")
            .env("HUB_CONFIG_DIR", format!("{root}/config"))
            .env("HUB__POLICY__DIR", format!("{root}/config/policies"))
            .env("HUB_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn,hub::cli=info")
            .env("HUB__SERVER__BIND", "127.0.0.1:0")
            .env("HUB__SERVER__TRUSTED_PROXIES", "[\"127.0.0.1\"]")
            .env("HUB__SERVER__RATE_LIMIT_PER_S", "100000")
            .env("HUB__SERVER__RATE_LIMIT_BURST", "100000")
            .env("HUB__STORE__URL", format!("sqlite://{}/hub.db", data.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow::anyhow!("no stderr"))?;
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let parsed: Value = serde_json::from_str(&line).unwrap_or_default();
                if parsed["fields"]["message"] == "hub serving" {
                    let _ = sender.send(parsed["fields"]["port"].as_u64());
                }
            }
        });
        let port =
            receiver.recv_timeout(Duration::from_secs(60))?.ok_or_else(|| anyhow::anyhow!("no port"))?;
        Ok(Self { child, address: format!("http://127.0.0.1:{port}") })
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("refusal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn admin_token() -> anyhow::Result<String> {
    let settings = Settings::embedded_defaults().map_err(|e| anyhow::anyhow!("{e}"))?;
    let regions = ["11".to_owned(), "50".to_owned()];
    let request = MintRequest {
        sub: "bench-reader",
        role: Role::Admin,
        regions: &regions,
        ttl: Duration::from_secs(3600),
    };
    mint_token(&settings.auth, &request)
}

/// Submits the demo's elderly couple and waits for its report; returns its id.
async fn submit_household(client: &reqwest::Client, address: &str, token: &str) -> anyhow::Result<String> {
    let path = format!("{}/mocks/fixtures/demo_applications.json", env!("CARGO_MANIFEST_DIR"));
    let demo: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let body = demo
        .iter()
        .find(|d| d["name"] == "dibao_a_elderly_couple")
        .map(|d| d["application"].clone())
        .ok_or_else(|| anyhow::anyhow!("demo household missing"))?;
    let answer: Value = client
        .post(format!("{address}/api/v1/applications?wait=10"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    answer["id"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("not accepted: {answer}"))
}

/// Reads the report `reads_per_s` times a second for `seconds`, each read started on its
/// schedule (not after the previous one finished, so a slow answer cannot hide others);
/// returns each read's latency in milliseconds.
async fn read_steadily(
    client: &reqwest::Client,
    address: &str,
    id: &str,
    token: &str,
    seconds: u64,
    reads_per_s: u64,
) -> anyhow::Result<Vec<f64>> {
    let every = Duration::from_secs(1) / u32::try_from(reads_per_s.max(1))?;
    let mut ticks = tokio::time::interval(every);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut reads = Vec::new();
    while Instant::now() < end {
        ticks.tick().await;
        let request = client
            .get(format!("{address}/api/v1/applications/{id}"))
            .bearer_auth(token)
            .header("X-Forwarded-For", "203.0.113.5");
        reads.push(tokio::spawn(async move {
            let started = Instant::now();
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let _ = response.bytes().await;
            if status != 200 {
                return Err(format!("a read answered {status}"));
            }
            Ok(started.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let mut latencies = Vec::with_capacity(reads.len());
    for read in reads {
        latencies.push(read.await?.map_err(|e| anyhow::anyhow!(e))?);
    }
    Ok(latencies)
}

#[derive(Default)]
struct Statuses {
    unauthorized: AtomicU64,
    throttled: AtomicU64,
    other: AtomicU64,
}

impl Statuses {
    fn total(&self) -> u64 {
        [&self.unauthorized, &self.throttled, &self.other].iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

/// Sends bad-token requests back to back from the attacker's address until `stop`.
async fn flood_until(
    client: reqwest::Client,
    address: String,
    stop: Arc<AtomicBool>,
    statuses: Arc<Statuses>,
) {
    let url = format!("{address}/api/v1/applications");
    while !stop.load(Ordering::Relaxed) {
        let sent = client
            .get(&url)
            .bearer_auth("not-a-token")
            .header("X-Forwarded-For", "198.51.100.7")
            .send()
            .await;
        let counter = match sent.map(|r| r.status().as_u16()) {
            Ok(401) => &statuses.unauthorized,
            Ok(429) => &statuses.throttled,
            _ => &statuses.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

struct AuditCounts {
    refusals: i64,
    summaries: i64,
    views: i64,
}

async fn audit_counts(data: &std::path::Path) -> anyhow::Result<AuditCounts> {
    let url = format!("sqlite://{}/hub.db", data.display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await?;
    Ok(AuditCounts {
        refusals: count_rows(&mut connection, "authorization_failure").await?,
        summaries: count_rows(&mut connection, "authorization_failures_unrecorded").await?,
        views: count_rows(&mut connection, "report_view").await?,
    })
}

async fn count_rows(connection: &mut sqlx::SqliteConnection, action: &str) -> anyhow::Result<i64> {
    let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(connection)
        .await?;
    Ok(row.0)
}

fn percentiles(latencies: &[f64]) -> (f64, f64) {
    let mut sorted = latencies.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at =
        |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
    (at(0.50), at(0.99))
}
