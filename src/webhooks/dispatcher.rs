//! The delivery loop: claims due callbacks, sends them, records each attempt.

use super::{CallbackPolicy, signature_header};
use crate::policy::LivePolicies;
use crate::store::{DueWebhook, Store, WebhookAttempt, now_ms};
use crate::views::ApplicationView;
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const IDLE_POLL: Duration = Duration::from_millis(500);
const LEASE: Duration = Duration::from_secs(60);
/// The first retry waits about this long; each further one doubles it, up to `MAX_BACKOFF`.
const FIRST_BACKOFF_MS: i64 = 5_000;
const MAX_BACKOFF_MS: i64 = 3_600_000;

pub struct WebhookDispatcher {
    pub store: Store,
    pub policies: Arc<LivePolicies>,
    pub target_policy: CallbackPolicy,
    pub secret: SecretString,
    pub give_up_after: Duration,
    pub timeout: Duration,
    pub first_backoff_ms: i64,
    pub name: String,
}

/// Delivers until `stop` is cancelled; a delivery in progress then still ends (it is
/// bounded by `webhooks.timeout_ms`), so a callback is not sent twice needlessly.
pub fn spawn_dispatcher(dispatcher: WebhookDispatcher, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_cancelled() {
            let pause = match dispatcher.store.claim_due_webhook(&dispatcher.name, LEASE).await {
                Ok(Some(due)) => {
                    dispatcher.deliver(due).await;
                    continue;
                }
                Ok(None) => IDLE_POLL,
                Err(error) => {
                    tracing::error!(error = ?error, "could not claim a webhook");
                    IDLE_POLL
                }
            };
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
}

impl WebhookDispatcher {
    pub fn with_defaults(
        store: Store,
        policies: Arc<LivePolicies>,
        target_policy: CallbackPolicy,
        secret: SecretString,
    ) -> Self {
        Self {
            store,
            policies,
            target_policy,
            secret,
            give_up_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(5),
            first_backoff_ms: FIRST_BACKOFF_MS,
            name: format!("webhooks-{}", std::process::id()),
        }
    }

    #[tracing::instrument(skip_all, fields(application = %due.application_id, attempt = due.attempts + 1))]
    async fn deliver(&self, due: DueWebhook) {
        let started = Instant::now();
        let result = self.send(&due).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let (attempt, delivered) = match result {
            Ok(status) if (200..300).contains(&status) => {
                (WebhookAttempt { status_code: Some(status), error: None, duration_ms }, true)
            }
            Ok(status) => (
                WebhookAttempt {
                    status_code: Some(status),
                    error: Some(format!("receiver answered {status}")),
                    duration_ms,
                },
                false,
            ),
            Err(error) => (WebhookAttempt { status_code: None, error: Some(error), duration_ms }, false),
        };
        let next = if delivered { None } else { self.next_attempt(&due) };
        let outcome = match (delivered, next) {
            (true, _) => "delivered",
            (false, Some(_)) => "failed",
            (false, None) => "gave_up",
        };
        metrics::counter!("hub_webhook_deliveries_total", "outcome" => outcome).increment(1);
        metrics::histogram!("hub_webhook_delivery_duration_seconds").record(started.elapsed().as_secs_f64());
        match (&attempt.error, delivered) {
            (_, true) => tracing::info!("webhook delivered"),
            (Some(error), false) => {
                tracing::warn!(error = %error, retry = next.is_some(), "webhook attempt failed")
            }
            (None, false) => {}
        }
        if let Err(error) =
            self.store.record_webhook_attempt(due.application_id, &attempt, delivered, next).await
        {
            tracing::error!(error = ?error, "could not record a webhook attempt");
        }
    }

    /// Exponential backoff with jitter (half to all of the delay), until the give-up age.
    fn next_attempt(&self, due: &DueWebhook) -> Option<i64> {
        let exponent = u32::try_from(due.attempts.clamp(0, 20)).unwrap_or(20);
        let delay = self.first_backoff_ms.saturating_mul(1 << exponent).min(MAX_BACKOFF_MS);
        let jittered = delay / 2 + fastrand::i64(0..=delay / 2);
        let next = now_ms() + jittered;
        let deadline = due.created_at_ms + self.give_up_after.as_millis() as i64;
        (next <= deadline).then_some(next)
    }

    /// Sends one attempt; `Ok(status)` when the receiver answered.
    async fn send(&self, due: &DueWebhook) -> Result<u16, String> {
        let url = self.target_policy.check(&due.url).map_err(|e| format!("callback_url refused: {e}"))?;
        let addresses = self.target_policy.resolve(&url).await?;
        let body = self.payload(due).await?;
        let host = url.host_str().unwrap_or_default().to_owned();
        // Connect only to the addresses just checked, so the name cannot be re-resolved elsewhere.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(2))
            .resolve_to_addrs(&host, &addresses)
            .build()
            .map_err(|_| "could not build the HTTP client".to_owned())?;
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        let response = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("X-Hub-Signature", signature_header(self.secret.expose_secret().as_bytes(), &body))
            .header("X-Hub-Timestamp", timestamp)
            .header("X-Hub-Delivery", format!("{}-{}", due.application_id, due.attempts + 1))
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "could not reach the receiver".to_owned()
                }
            })?;
        Ok(response.status().as_u16())
    }

    /// `{"event", "delivered_at", "application": <the finished application>}`.
    async fn payload(&self, due: &DueWebhook) -> Result<Vec<u8>, String> {
        let record = self
            .store
            .get_application(due.application_id)
            .await
            .map_err(|_| "could not read the application".to_owned())?
            .ok_or("the application is gone")?;
        let view = ApplicationView::of(&record);
        let delivered_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let payload = serde_json::json!({
            "event": "application.completed",
            "delivered_at": delivered_at,
            "application": view,
        });
        serde_json::to_vec(&payload).map_err(|_| "could not serialise the payload".to_owned())
    }
}
