//! What every agency request passes before its handler answers: counting, the agency's
//! rate limit, the latency knob, the API-key and consent-reference check, the error-rate
//! knob and the person's fault. Also the answers shared by all agencies.
//!
//! Log lines name the agency and the route template only, never a path with an ID number.

use crate::agency::Agency;
use crate::faults::Fault;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

pub(crate) const API_KEY_HEADER: &str = "X-Api-Key";
pub(crate) const CONSENT_REF_HEADER: &str = "X-Consent-Ref";

/// Admits one request naming `persons`. `Ok` carries the worst fault in force for them;
/// `Err` is the answer to send instead (429, 401 or an error-rate 503).
pub(crate) async fn admit(
    state: &MockState,
    agency: Agency,
    route: &'static str,
    request: &HttpRequest,
    persons: &[&str],
) -> Result<Option<Fault>, HttpResponse> {
    state.count(agency, persons);
    if let Some(retry_after) = state.over_rate_limit(agency) {
        tracing::debug!(%agency, route, "rate limit: answering 429");
        let mut answer = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.max(1).to_string()) {
            answer.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
        }
        return Err(answer);
    }
    let (delay, fail) = state.draw();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if !authorized(state, agency, request) {
        tracing::info!(%agency, route, "refused: missing or wrong API key or consent reference");
        return Err(error(StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    if fail {
        tracing::debug!(%agency, route, "error-rate knob: answering 503");
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, "unavailable"));
    }
    let fault = Fault::worst(persons.iter().filter_map(|id| state.fault_at(agency, id)));
    if let Some(fault) = fault {
        tracing::debug!(%agency, route, fault = fault.as_str(), "injecting fault");
    }
    Ok(fault)
}

fn authorized(state: &MockState, agency: Agency, request: &HttpRequest) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let key_ok = header(API_KEY_HEADER).is_some_and(|key| key == state.api_key(agency));
    let consent_ok = header(CONSENT_REF_HEADER).is_some_and(|r| !r.trim().is_empty());
    key_ok && consent_ok
}

/// The answer to a request that has a fault: never (timeout), 503, `garbage` with 200,
/// or a dropped connection (reset).
pub(crate) async fn misbehave(fault: Fault, garbage: &'static str) -> HttpResponse {
    match fault {
        Fault::Timeout => std::future::pending().await,
        Fault::Unavailable => error(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        Fault::Garbage => raw_json(StatusCode::OK, garbage.to_owned()),
        Fault::Reset => reset(),
    }
}

/// A response whose body fails before its first byte: the server then drops the
/// connection without writing even the status line, so the client sees the connection
/// close with no answer at all.
fn reset() -> HttpResponse {
    let failing = futures::stream::once(async {
        Err::<actix_web::web::Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    HttpResponse::Ok().streaming(failing)
}

/// `{"error": code}` with `status`.
pub(crate) fn error(status: StatusCode, code: &str) -> HttpResponse {
    json(status, &serde_json::json!({ "error": code }))
}

pub(crate) fn json(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_string(body) {
        Ok(text) => raw_json(status, text),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize an answer");
            HttpResponse::InternalServerError().finish()
        }
    }
}

pub(crate) fn raw_json(status: StatusCode, text: String) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").body(text)
}
