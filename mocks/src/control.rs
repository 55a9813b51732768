//! The control endpoint: a test tool to change faults and knobs and read counters while
//! the mocks run. It takes no API key, so it must never be reachable outside a test or
//! development network.
//!
//! - `POST /__control/faults` `{"agency","id_number"?,"fault": name|null,"latency_ms"?,
//!   "error_rate_permille"?,"rate_limit_per_s": n|null,"burst"?,"bank_ready_ms"?}` → 204
//!   (`id_number` absent = everyone; a rate limit needs `agency`).
//! - `DELETE /__control/faults` → 204: drop run-time faults, the fixture's apply again.
//! - `GET /__control/calls` → `{"totals":{agency:n},"per_person":{agency:{id:n}},
//!   "rate_limited":{agency:n},"peak_per_second":{agency:n}}`.
//! - `POST /__control/reset` → 204: zero the counters.

use crate::agency::Agency;
use crate::config::Latency;
use crate::faults::Fault;
use crate::gate;
use crate::rate_limit::RateLimit;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    agency: Option<String>,
    id_number: Option<String>,
    /// `None`: key absent; `Some(None)`: `null`, which clears the fault.
    #[serde(default, deserialize_with = "present")]
    fault: Option<Option<String>>,
    latency_ms: Option<serde_json::Value>,
    error_rate_permille: Option<u32>,
    /// `None`: key absent; `Some(None)`: `null`, which lifts the limit.
    #[serde(default, deserialize_with = "present_number")]
    rate_limit_per_s: Option<Option<f64>>,
    burst: Option<u32>,
    bank_ready_ms: Option<u64>,
}

fn present_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(deserializer).map(Some)
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// A validated change: a fault setting and/or new knob values.
struct Change {
    fault: Option<(Agency, Option<String>, Option<Fault>)>,
    rate_limit: Option<(Agency, Option<RateLimit>)>,
    bank_ready_ms: Option<u64>,
    latency: Option<Latency>,
    error_rate_permille: Option<u32>,
}

pub(crate) async fn set_faults(state: web::Data<MockState>, body: web::Bytes) -> HttpResponse {
    let change = match serde_json::from_slice::<FaultsBody>(&body) {
        Ok(body) => validate(body),
        Err(err) => Err(format!("body does not follow the control format: {err}")),
    };
    let change = match change {
        Ok(change) => change,
        Err(detail) => {
            return gate::json(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({"error": "bad_request", "detail": detail}),
            );
        }
    };
    if let Some((agency, id_number, fault)) = change.fault {
        state.set_fault_at(agency, id_number.as_deref(), fault);
        tracing::info!(%agency, everyone = id_number.is_none(), fault = fault.map(Fault::as_str), "fault set");
    }
    if let Some((agency, limit)) = change.rate_limit {
        state.set_rate_limit_at(agency, limit);
        tracing::info!(%agency, rate_per_s = limit.map(|l| l.rate_per_s), "rate limit set");
    }
    if let Some(millis) = change.bank_ready_ms {
        state.set_bank_ready_ms(millis);
        tracing::info!(millis, "bank inquiry time set");
    }
    if let Some(latency) = change.latency {
        state.set_latency(latency);
        tracing::info!(%latency, "latency set");
    }
    if let Some(permille) = change.error_rate_permille {
        state.set_error_rate_permille(permille);
        tracing::info!(permille, "error rate set");
    }
    HttpResponse::NoContent().finish()
}

fn validate(body: FaultsBody) -> Result<Change, String> {
    let agency = match &body.agency {
        None if body.fault.is_some() || body.id_number.is_some() => {
            return Err("`fault` and `id_number` need `agency`".into());
        }
        None if body.rate_limit_per_s.is_some() => return Err("`rate_limit_per_s` needs `agency`".into()),
        None => None,
        Some(name) => Some(Agency::parse(name).ok_or(format!("unknown agency `{name}`"))?),
    };
    if agency.is_some() && body.fault.is_none() && body.rate_limit_per_s.is_none() {
        return Err("`agency` needs `fault` (a fault name, or null to clear) or `rate_limit_per_s`".into());
    }
    if body.id_number.is_some() && body.fault.is_none() {
        return Err("`id_number` needs `fault`".into());
    }
    let rate_limit = match (agency, body.rate_limit_per_s, body.burst) {
        (_, None, Some(_)) => return Err("`burst` needs `rate_limit_per_s`".into()),
        (Some(agency), Some(Some(rate)), burst) if rate.is_finite() && rate > 0.0 => {
            Some((agency, Some(RateLimit { rate_per_s: rate, burst: burst.unwrap_or(1).max(1) })))
        }
        (Some(_), Some(Some(_)), _) => return Err("`rate_limit_per_s` must be a positive number".into()),
        (Some(agency), Some(None), _) => Some((agency, None)),
        _ => None,
    };
    let fault = match (agency, body.fault) {
        (Some(agency), Some(fault)) => {
            let fault = match fault {
                None => None,
                Some(name) => Some(Fault::parse(&name).ok_or(format!("unknown fault `{name}`"))?),
            };
            Some((agency, body.id_number, fault))
        }
        _ => None,
    };
    let latency = match body.latency_ms {
        None => None,
        Some(serde_json::Value::String(text)) => Some(Latency::parse(&text).map_err(|e| e.to_string())?),
        Some(serde_json::Value::Number(n)) => {
            Some(Latency::parse(&n.to_string()).map_err(|e| e.to_string())?)
        }
        Some(_) => return Err("latency_ms must be \"20\" or \"20-80\"".into()),
    };
    if body.error_rate_permille.is_some_and(|p| p > 1000) {
        return Err("error_rate_permille must be 0–1000".into());
    }
    Ok(Change {
        fault,
        rate_limit,
        bank_ready_ms: body.bank_ready_ms,
        latency,
        error_rate_permille: body.error_rate_permille,
    })
}

pub(crate) async fn restore_faults(state: web::Data<MockState>) -> HttpResponse {
    state.restore_fixture_faults();
    tracing::info!("run-time faults dropped");
    HttpResponse::NoContent().finish()
}

pub(crate) async fn calls(state: web::Data<MockState>) -> HttpResponse {
    gate::json(StatusCode::OK, &state.call_counts())
}

pub(crate) async fn reset(state: web::Data<MockState>) -> HttpResponse {
    state.reset_counts();
    HttpResponse::NoContent().finish()
}
