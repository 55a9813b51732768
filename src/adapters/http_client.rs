//! The one shared outbound HTTP client, and the request plumbing every adapter uses:
//! the agency headers, the whole-query deadline, the agency's rate limit and retries
//! (see [`crate::resilience`]), a capped body read, and the mapping of transport
//! failures and status codes onto [`AdapterError`].
//!
//! Nothing here formats a `reqwest::Error` or a URL into a message: both can carry the
//! ID number (the tax agency puts it in the path).

use super::{AdapterError, AgencyEndpoint};
use crate::resilience::Outbound;
use crate::resilience::retry::{Safety, parse_retry_after};
use reqwest::{RequestBuilder, StatusCode, header::HeaderValue, redirect};
use std::{future::Future, time::Duration};
use time::OffsetDateTime;
use tokio::time::Instant;
use url::Url;

/// Agencies answer with one person's records; anything this large is not an answer.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Builds the client shared by all adapters. Per-request timeouts come from each
/// endpoint's deadline, so the client itself sets only the connect timeout.
pub fn build(user_agent: &str) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        // A dead agency host should fail fast and leave the rest of the deadline unused.
        .connect_timeout(Duration::from_secs(1))
        // A redirect from an agency is a misconfiguration; following it could send the
        // API key and the ID number somewhere else.
        .redirect(redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(60))
        .tls_backend_rustls()
        .build()
}

/// The agency base URL with `segments` appended (each percent-encoded) and `query`.
pub(crate) fn agency_url(base: &str, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, AdapterError> {
    let invalid = || AdapterError::Unavailable("the agency base URL is invalid".into());
    let mut url = Url::parse(base).map_err(|_| invalid())?;
    url.path_segments_mut().map_err(|_| invalid())?.pop_if_empty().extend(segments);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// One query's conversation with an agency: the headers every request carries, the
/// deadline that bounds all of them together, and the agency's rate limit and retry
/// policy, applied to each request.
pub(crate) struct Call<'a> {
    client: &'a reqwest::Client,
    api_key: &'a str,
    consent_ref: &'a str,
    deadline: Instant,
    outbound: &'a Outbound,
}

/// A status and a body that was read in full.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// How one attempt at a request ended.
enum Attempt {
    /// With the pause the agency asked for (`Retry-After` on a 429 or 503).
    Answered(Answer, Option<Duration>),
    /// `connect`: no connection was made, so the request was never sent.
    Failed { error: AdapterError, connect: bool },
}

impl<'a> Call<'a> {
    /// Starts the clock: `endpoint.timeout` from now bounds every request of the call.
    pub fn start(client: &'a reqwest::Client, endpoint: &'a AgencyEndpoint, consent_ref: &'a str) -> Self {
        Self {
            client,
            api_key: &endpoint.api_key,
            consent_ref,
            deadline: Instant::now() + endpoint.timeout,
            outbound: &endpoint.outbound,
        }
    }

    /// Ends the call at `deadline` instead, when that comes first (the query's own).
    pub fn within(mut self, deadline: Option<Instant>) -> Self {
        if let Some(deadline) = deadline {
            self.deadline = self.deadline.min(deadline);
        }
        self
    }

    /// Runs the whole exchange under the deadline and logs how it ended (without the
    /// ID number or URL: error reasons are fixed texts).
    pub async fn bounded<T>(
        &self,
        exchange: impl Future<Output = Result<T, AdapterError>>,
    ) -> Result<T, AdapterError> {
        let result =
            tokio::time::timeout_at(self.deadline, exchange).await.unwrap_or(Err(AdapterError::Timeout));
        match &result {
            Ok(_) => tracing::debug!("agency answered"),
            Err(error) => {
                tracing::warn!(status = error.status().as_str(), reason = %error, "agency query failed")
            }
        }
        result
    }

    pub async fn get(&self, url: Url) -> Result<Answer, AdapterError> {
        self.send(Safety::Read, || self.client.get(url.clone())).await
    }

    /// A POST that only reads (a query), so repeating it is harmless.
    pub async fn post_query(&self, url: Url, body: &impl serde::Serialize) -> Result<Answer, AdapterError> {
        self.send(Safety::Read, || self.client.post(url.clone()).json(body)).await
    }

    /// A POST that creates something at the agency: repeated only when it was never sent.
    pub async fn post_json(&self, url: Url, body: &impl serde::Serialize) -> Result<Answer, AdapterError> {
        self.send(Safety::Write, || self.client.post(url.clone()).json(body)).await
    }

    /// Sends the request, and again while the failure is retryable for its `safety`,
    /// attempts remain and the backoff ends before the deadline. Each attempt waits
    /// for its slot in the agency's rate limit.
    async fn send(
        &self,
        safety: Safety,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<Answer, AdapterError> {
        let mut failed = 0;
        loop {
            self.outbound.admit(self.deadline).await?;
            let attempt = self.send_once(request()).await;
            failed += 1;
            let (retry_after, last) = match attempt {
                Attempt::Answered(answer, retry_after)
                    if safety == Safety::Read && retryable(answer.status) =>
                {
                    (retry_after, Ok(answer))
                }
                Attempt::Failed { error, connect: true } => (None, Err(error)),
                Attempt::Answered(answer, _) => return Ok(answer),
                Attempt::Failed { error, .. } => return Err(error),
            };
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            let Some(delay) = self.outbound.retry.delay(failed, retry_after, remaining) else { return last };
            tracing::debug!(attempt = failed, delay_ms = delay.as_millis() as u64, "retrying the request");
            self.outbound.note_retry();
            tokio::time::sleep(delay).await;
        }
    }

    async fn send_once(&self, request: RequestBuilder) -> Attempt {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Attempt::Failed { error: AdapterError::Timeout, connect: false };
        }
        let headers = header_value(self.api_key, "the API key")
            .and_then(|key| Ok((key, header_value(self.consent_ref, "the consent reference")?)));
        let (mut api_key, consent_ref) = match headers {
            Ok(headers) => headers,
            Err(error) => return Attempt::Failed { error, connect: false },
        };
        api_key.set_sensitive(true);
        let request = request
            .timeout(remaining)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("X-Api-Key", api_key)
            .header("X-Consent-Ref", consent_ref);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let connect = error.is_connect();
                return Attempt::Failed { error: transport_error(error), connect };
            }
        };
        let status = response.status();
        let retry_after =
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
                response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, OffsetDateTime::now_utc()))
            } else {
                None
            };
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > MAX_BODY_BYTES => {
                    let error = AdapterError::Malformed("the answer is larger than 8 MiB".into());
                    return Attempt::Failed { error, connect: false };
                }
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => return Attempt::Answered(Answer { status, body }, retry_after),
                Err(error) => return Attempt::Failed { error: transport_error(error), connect: false },
            }
        }
    }
}

/// Statuses worth asking again: the agency failed or asked us to slow down.
fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

impl Answer {
    /// The body of a successful answer; any other status is the agency failing.
    pub fn success(self) -> Result<Vec<u8>, AdapterError> {
        if self.status.is_success() { Ok(self.body) } else { Err(unexpected_status(self.status)) }
    }
}

/// A non-success status the adapter has no special meaning for.
pub(crate) fn unexpected_status(status: StatusCode) -> AdapterError {
    let reason = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate limited by the agency (429)".to_owned()
    } else if status.is_server_error() {
        format!("agency error ({})", status.as_u16())
    } else {
        format!("unexpected status {}", status.as_u16())
    };
    AdapterError::Unavailable(reason)
}

fn header_value(text: &str, what: &str) -> Result<HeaderValue, AdapterError> {
    HeaderValue::from_str(text)
        .map_err(|_| AdapterError::Unavailable(format!("{what} is not a valid header value")))
}

/// Classifies a transport failure without formatting it: its `Display` holds the URL.
fn transport_error(error: reqwest::Error) -> AdapterError {
    let error = error.without_url();
    // A connect timeout is a dead host, not a slow answer, so `is_connect` comes first.
    if error.is_connect() {
        AdapterError::Unavailable("could not connect to the agency".into())
    } else if error.is_timeout() {
        AdapterError::Timeout
    } else if error.is_body() || error.is_decode() {
        AdapterError::Unavailable("the connection failed while reading the answer".into())
    } else {
        AdapterError::Unavailable("the request to the agency failed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[test]
    fn agency_urls_append_encoded_segments_to_the_base_and_its_prefix() {
        let url = agency_url("http://agency.test:8080", &["bank", "v1", "a/b c"], &[]).unwrap();
        assert_eq!(url.as_str(), "http://agency.test:8080/bank/v1/a%2Fb%20c");
        let url =
            agency_url("http://agency.test/prefix", &["gjj", "v2", "account"], &[("sfzh", "1")]).unwrap();
        assert_eq!(url.as_str(), "http://agency.test/prefix/gjj/v2/account?sfzh=1");
        assert!(matches!(agency_url("not a url", &[], &[]), Err(AdapterError::Unavailable(_))));
    }

    #[tokio::test]
    async fn the_client_sends_its_user_agent_and_does_not_follow_redirects() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/moved"))
            .and(header("user-agent", "hub-test/1"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "http://elsewhere.test/"))
            .expect(1)
            .mount(&server)
            .await;
        let client = build("hub-test/1").unwrap();
        let endpoint = AgencyEndpoint {
            base_url: server.uri(),
            api_key: "k".into(),
            timeout: Duration::from_secs(5),
            outbound: Default::default(),
        };
        let call = Call::start(&client, &endpoint, "c");
        let answer = call.get(agency_url(&server.uri(), &["moved"], &[]).unwrap()).await.unwrap();
        assert_eq!(answer.status, StatusCode::FOUND);
        assert_eq!(answer.success().err(), Some(AdapterError::Unavailable("unexpected status 302".into())));
    }

    #[tokio::test]
    async fn a_refused_connection_is_unavailable() {
        // A port that was just free: nothing listens there, so the connect is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = build("hub-test/1").unwrap();
        let endpoint = AgencyEndpoint {
            base_url: format!("http://127.0.0.1:{port}"),
            api_key: "k".into(),
            timeout: Duration::from_secs(5),
            outbound: Default::default(),
        };
        let call = Call::start(&client, &endpoint, "c");
        let result = call.get(agency_url(&endpoint.base_url, &["x"], &[]).unwrap()).await;
        assert_eq!(result.err(), Some(AdapterError::Unavailable("could not connect to the agency".into())));
    }
}
