//! Graceful drain of a real `hub serve` process: SIGTERM makes it stop accepting, finish or
//! release the verification in hand, and exit 0 within the grace period; a released job is
//! taken up by the next instance at once (its lease would otherwise hold it for 10 minutes).

use crate::helpers::unknown_person_body;
use hub::auth::{MintRequest, Role, mint_token};
use hub::settings::{Settings, StoreSettings};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A `hub serve` child process on its own port.
struct Hub {
    child: Child,
    address: String,
}

impl Hub {
    /// Starts the binary on `store_url` with embedded mocks answering after `latency_ms`.
    fn start(store_url: &str, latency_ms: &str, grace_s: u64) -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_hub"));
        command
            .arg("serve")
            .env_remove("HUB_ENV")
            .env("HUB_CONFIG_DIR", root.join("config"))
            .env("HUB_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("HUB__STORE__URL", store_url)
            .env("HUB__SERVER__BIND", "127.0.0.1:0")
            .env("HUB__SERVER__WORKERS", "1")
            .env("HUB__SERVER__SHUTDOWN_GRACE_S", grace_s.to_string())
            .env("HUB__JOBS__LEASE_S", "600")
            .env("HUB__POLICY__DIR", root.join("config/policies"))
            .env("HUB__AGENCIES__MOCK_LATENCY_MS", latency_ms)
            .env("HUB__AGENCIES__APPLICATION_DEADLINE_MS", "120000")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for agency in ["TAX", "REAL_ESTATE", "HOUSING_FUND", "BANK"] {
            command.env(format!("HUB__AGENCIES__{agency}__TIMEOUT_MS"), "60000");
        }
        let mut child = command.spawn().unwrap();
        let port = read_port(child.stderr.take().unwrap());
        Self { child, address: format!("http://127.0.0.1:{port}") }
    }

    fn terminate(&self) {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`.
    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "the hub did not exit within {limit:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of the "hub serving" log line; later lines keep being drained so the child
/// never blocks on a full pipe.
fn read_port(stderr: std::process::ChildStderr) -> u16 {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let parsed: Value = serde_json::from_str(&line).unwrap_or_default();
            if parsed["fields"]["message"] == "hub serving" {
                let _ = sender.send(parsed["fields"]["port"].as_u64());
            }
        }
    });
    let port = receiver.recv_timeout(Duration::from_secs(60)).expect("the hub started serving");
    port.and_then(|p| u16::try_from(p).ok()).unwrap()
}

fn admin_token() -> String {
    let settings = Settings::embedded_defaults().unwrap();
    let regions = ["1", "2", "3", "4", "5", "6"].map(String::from);
    let request = MintRequest {
        sub: "drain-test",
        role: Role::Admin,
        regions: &regions,
        ttl: Duration::from_secs(600),
    };
    mint_token(&settings.auth, &request).unwrap()
}

async fn submit(client: &reqwest::Client, hub: &Hub, wait: Option<u64>) -> reqwest::Response {
    let query = wait.map(|s| format!("?wait={s}")).unwrap_or_default();
    client
        .post(format!("{}/api/v1/applications{query}", hub.address))
        .bearer_auth(admin_token())
        .json(&unknown_person_body())
        .send()
        .await
        .unwrap()
}

async fn status_of(client: &reqwest::Client, hub: &Hub, id: &str) -> String {
    let response = client
        .get(format!("{}/api/v1/applications/{id}", hub.address))
        .bearer_auth(admin_token())
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["status"].as_str().unwrap_or_default().to_owned()
}

/// Polls until the application has `wanted` status, at most `limit`.
async fn wait_for_status(client: &reqwest::Client, hub: &Hub, id: &str, wanted: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let status = status_of(client, hub, id).await;
        if status == wanted {
            return;
        }
        assert!(started.elapsed() < limit, "{id} still {status}, expected {wanted}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The status as stored, read after every hub has exited.
async fn stored_status(store_url: &str, id: &str) -> String {
    let store = hub::store::Store::connect(&StoreSettings { url: store_url.to_owned(), max_connections: 1 })
        .await
        .unwrap();
    let record = store.get_application(id.parse().unwrap()).await.unwrap().unwrap();
    let status = record.status.as_str().to_owned();
    store.close().await;
    status
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("hub.db").display())
}

#[tokio::test]
async fn sigterm_releases_an_unfinished_job_and_another_instance_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store_url = sqlite_url(dir.path());
    let client = reqwest::Client::new();
    // Agencies answer after 30 s: the verification cannot finish within a 2 s grace period.
    let mut first = Hub::start(&store_url, "30000", 2);
    let accepted: Value = submit(&client, &first, None).await.json().await.unwrap();
    let id = accepted["id"].as_str().unwrap().to_owned();
    wait_for_status(&client, &first, &id, "running", Duration::from_secs(30)).await;
    // A caller waiting for the verdict is answered (202, poll later), not cut off.
    let waiting = tokio::spawn({
        let client = client.clone();
        let url = format!("{}/api/v1/applications?wait=30", first.address);
        async move { client.post(url).bearer_auth(admin_token()).json(&unknown_person_body()).send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    first.terminate();
    let status = first.exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "exit status {status:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(12),
        "took {:?} for a 2 s grace period",
        signalled.elapsed()
    );
    assert_eq!(waiting.await.unwrap().unwrap().status(), 202);
    assert_eq!(
        stored_status(&store_url, &id).await,
        "queued",
        "the unfinished job was released, not left running"
    );

    // The next instance takes the released job at once (its lease would hold it 10 minutes).
    let mut second = Hub::start(&store_url, "0", 5);
    wait_for_status(&client, &second, &id, "completed", Duration::from_secs(60)).await;
    second.terminate();
    assert!(second.exit_within(Duration::from_secs(30)).await.success());
}

#[tokio::test]
async fn sigterm_lets_a_verification_in_hand_finish_within_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let store_url = sqlite_url(dir.path());
    let client = reqwest::Client::new();
    let mut hub = Hub::start(&store_url, "1500", 30);
    let accepted: Value = submit(&client, &hub, None).await.json().await.unwrap();
    let id = accepted["id"].as_str().unwrap().to_owned();
    wait_for_status(&client, &hub, &id, "running", Duration::from_secs(30)).await;

    hub.terminate();
    let status = hub.exit_within(Duration::from_secs(60)).await;
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(stored_status(&store_url, &id).await, "completed");
}
