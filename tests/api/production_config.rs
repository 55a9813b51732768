//! `HUB_ENV=production hub serve` refuses an unsafe configuration: exit status 2 and every
//! problem named (one test per reason), while a complete production configuration starts.

use crate::eventually::eventually;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Liveness bound for a process to exit or to start serving.
const PATIENCE: Duration = Duration::from_secs(60);

/// A production deployment in a temporary directory: its own `config/production.toml`
/// (the repository's), a SQLite file, and every secret set in the environment.
struct Deployment {
    config_dir: tempfile::TempDir,
    data_dir: tempfile::TempDir,
    environment: Vec<(String, String)>,
}

impl Deployment {
    fn complete() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let config_dir = tempfile::tempdir().unwrap();
        std::fs::copy(root.join("config/production.toml"), config_dir.path().join("production.toml"))
            .unwrap();
        let data_dir = tempfile::tempdir().unwrap();
        // TEST-ONLY secrets, each at least 32 bytes and none of them a development value.
        let secret = |name: &str| format!("test-only-{name}-{}", "s".repeat(32));
        let mut environment = vec![
            ("HUB_ENV".into(), "production".into()),
            ("HUB_LOG_FORMAT".into(), "json".into()),
            ("HUB__SERVER__BIND".into(), "127.0.0.1:0".into()),
            ("HUB__STORE__URL".into(), format!("sqlite://{}/hub.db", data_dir.path().display())),
            ("HUB__CACHE__REDIS_URL".into(), String::new()),
            ("HUB__POLICY__DIR".into(), root.join("config/policies").display().to_string()),
            ("HUB__AUTH__HS256_SECRET".into(), secret("jwt")),
            ("HUB__CACHE__HMAC_SECRET".into(), secret("hmac")),
            ("HUB__CACHE__ENCRYPTION_KEY".into(), "k8Yc1uXbq0aVt9o4Vw3JmRz2Lp6sNd7eHf5gTi8jQwA=".into()),
            ("HUB__CACHE__ENCRYPTION_KEY_ID".into(), "test-1".into()),
            ("HUB__WEBHOOKS__SECRET".into(), secret("webhook")),
            ("HUB__UI__CSRF_SECRET".into(), secret("csrf")),
        ];
        for agency in ["TAX", "REAL_ESTATE", "HOUSING_FUND", "BANK"] {
            let name = agency.to_lowercase();
            environment.push((format!("HUB__AGENCIES__{agency}__API_KEY"), secret(&name)));
            environment.push((
                format!("HUB__AGENCIES__{agency}__BASE_URL"),
                format!("https://{name}.agency.invalid"),
            ));
        }
        Self { config_dir, data_dir, environment }
    }

    fn with(mut self, key: &str, value: &str) -> Self {
        self.environment.retain(|(k, _)| k != key);
        self.environment.push((key.into(), value.into()));
        self
    }

    fn spawn(&self) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hub"));
        command
            .arg("serve")
            .current_dir(self.data_dir.path())
            .env("HUB_CONFIG_DIR", self.config_dir.path())
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in &self.environment {
            command.env(key, value);
        }
        command.spawn().unwrap()
    }

    /// Runs `hub serve` expecting a refusal: its exit status and what it printed.
    async fn refused(&self) -> (Option<i32>, String) {
        let mut child = self.spawn();
        let stderr = child.stderr.take().unwrap();
        // Read to the end of the pipe: every line is there once the process has exited.
        let reader = std::thread::spawn(move || {
            BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<_>>()
        });
        let status = eventually("hub serve to exit", PATIENCE, || {
            let status = child.try_wait().unwrap();
            async move { status }
        })
        .await;
        let text = reader.join().unwrap().join("\n");
        (status.code(), text)
    }
}

/// Everything the child writes to stderr, collected by a thread.
fn collect(stderr: std::process::ChildStderr) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

#[tokio::test]
async fn a_complete_production_configuration_starts() {
    let deployment = Deployment::complete();
    let mut child = deployment.spawn();
    let printed = collect(child.stderr.take().unwrap());
    eventually("the production hub to serve", PATIENCE, || {
        let serving = printed.lock().unwrap().iter().any(|line| line.contains("hub serving"));
        let exited = child.try_wait().unwrap();
        assert!(exited.is_none(), "the hub exited: {}", printed.lock().unwrap().join("\n"));
        async move { serving.then_some(()) }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
}

/// Each way a production configuration is unsafe, and the problem the hub names for it.
#[tokio::test]
async fn each_unsafe_production_setting_is_refused_with_exit_status_2() {
    let development = hub::settings::Settings::embedded_defaults().unwrap();
    use secrecy::ExposeSecret;
    let dev = |secret: &secrecy::SecretString| secret.expose_secret().to_owned();
    let cases: Vec<(&str, String, &str)> = vec![
        ("HUB__AUTH__DEV_HS256_SECRET", dev(&development.auth.dev_hs256_secret), "auth.dev_hs256_secret"),
        (
            "HUB__AUTH__HS256_SECRET",
            dev(&development.auth.dev_hs256_secret),
            "auth.hs256_secret: is the development value",
        ),
        (
            "HUB__CACHE__HMAC_SECRET",
            dev(&development.cache.hmac_secret),
            "cache.hmac_secret: is the development value",
        ),
        (
            "HUB__CACHE__ENCRYPTION_KEY",
            dev(&development.cache.encryption_key),
            "cache.encryption_key: is the development value",
        ),
        (
            "HUB__WEBHOOKS__SECRET",
            dev(&development.webhooks.secret),
            "webhooks.secret: is the development value",
        ),
        (
            "HUB__UI__CSRF_SECRET",
            dev(&development.ui.csrf_secret),
            "ui.csrf_secret: is the development value",
        ),
        (
            "HUB__AGENCIES__BANK__API_KEY",
            dev(&development.agencies.bank.api_key),
            "agencies.bank.api_key: is the development value",
        ),
        ("HUB__WEBHOOKS__SECRET", String::new(), "webhooks.secret: is empty"),
        ("HUB__CACHE__HMAC_SECRET", "too-short-secret".into(), "cache.hmac_secret: is shorter than 32 bytes"),
        ("HUB__AGENCIES__TAX__API_KEY", "short".into(), "agencies.tax.api_key: is shorter than 32 bytes"),
        (
            "HUB__AGENCIES__EMBEDDED_MOCKS",
            "true".into(),
            "agencies.embedded_mocks: must be false in production",
        ),
    ];
    for (key, value, problem) in cases {
        let (status, printed) = Deployment::complete().with(key, &value).refused().await;
        assert_eq!(status, Some(2), "{key}: {printed}");
        assert!(printed.contains(problem), "{key}: expected {problem:?} in:\n{printed}");
    }
}

#[tokio::test]
async fn a_missing_production_file_is_refused_and_every_problem_printed() {
    let deployment =
        Deployment::complete().with("HUB__WEBHOOKS__SECRET", "").with("HUB__UI__CSRF_SECRET", "x");
    std::fs::remove_file(deployment.config_dir.path().join("production.toml")).unwrap();
    let (status, printed) = deployment.refused().await;
    assert_eq!(status, Some(2), "{printed}");
    for problem in ["production.toml: missing", "webhooks.secret: is empty", "ui.csrf_secret: is shorter"] {
        assert!(printed.contains(problem), "expected {problem:?} in:\n{printed}");
    }
}

#[tokio::test]
async fn config_check_reports_the_same_problems() {
    let deployment = Deployment::complete().with("HUB__WEBHOOKS__SECRET", "");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hub"));
    command.args(["config", "check", "--quiet"]).env("HUB_CONFIG_DIR", deployment.config_dir.path());
    for (key, value) in &deployment.environment {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let printed = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert!(printed.contains("webhooks.secret: is empty"), "{printed}");
}
