//! Refused requests at the edge: each 401/403 is charged to its client address; once an
//! address has spent its budget of refusals, its further refusals are answered 429 and only
//! counted (one summary row a minute), never written one by one. A flood of bad tokens thus
//! costs the hub a failed token check per request and no write at all, and delays no served
//! request. Requests that are served are never throttled here, so an office behind one NAT
//! address keeps working while someone behind it floods.
//!
//! Failed authentications (401: no token, a bad one) are refused here, before any use case,
//! so they are queued for the audit here (through [`RefusalLog`], never by the request
//! itself). A 403 or an out-of-scope 404 comes from a use case, which audits it itself.
//!
//! The client address is the TCP peer's, unless the peer is one of
//! `server.trusted_proxies`: then it is the last address of `X-Forwarded-For` that is not a
//! trusted proxy (a client can prepend anything to that header, but not append).

use super::problem::ApiError;
use crate::audit::{AuditEvent, actions};
use crate::auth::Caller;
use crate::service::RefusalLog;
use crate::settings::Network;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered at once; past this, those whose budget has refilled are forgotten.
const MOST_ADDRESSES: usize = 100_000;

/// What the edge needs to judge refused requests; one per process.
pub struct RefusalGuard {
    pub log: RefusalLog,
    pub throttle: AddressThrottle,
    pub trusted_proxies: Vec<Network>,
}

pub async fn refusal_guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(guard) = request.app_data::<web::Data<RefusalGuard>>().cloned() else {
        return next.call(request).await.map(ServiceResponse::map_into_left_body);
    };
    let address = client_address(&request, &guard.trusted_proxies);
    let response = next.call(request).await?;
    let status = response.status();
    if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
        return Ok(response.map_into_left_body());
    }
    if let Some(wait) = address.and_then(|a| guard.throttle.over_budget(a)) {
        guard.log.count_unrecorded("throttled");
        let (request, _) = response.into_parts();
        let throttled = ApiError::TooManyRequests(wait.as_secs().max(1)).error_response();
        return Ok(ServiceResponse::new(request, throttled).map_into_right_body());
    }
    if let Some(address) = address {
        guard.throttle.charge(address);
    }
    if status == StatusCode::UNAUTHORIZED {
        guard.log.record(refusal_event(response.request(), status));
    }
    Ok(response.map_into_left_body())
}

/// Who (if known), what route, which status.
fn refusal_event(request: &actix_web::HttpRequest, status: StatusCode) -> AuditEvent {
    let route = request.match_pattern().unwrap_or_else(|| request.path().to_owned());
    let outcome = format!("{} {} {}", status.as_u16(), request.method(), route);
    match request.extensions().get::<Caller>() {
        Some(caller) => crate::service::access::event(caller, actions::AUTHORIZATION_FAILURE, None, &outcome),
        None => AuditEvent {
            actor_sub: "unauthenticated".into(),
            actor_role: "none".into(),
            action: actions::AUTHORIZATION_FAILURE,
            application_id: None,
            subject: None,
            agency: None,
            consent_id: None,
            outcome,
        },
    }
}

/// The address refusals are counted against (see the module doc).
fn client_address(request: &ServiceRequest, trusted: &[Network]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(believed_address(peer, forwarded, trusted))
}

fn believed_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Network]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|network| network.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else { return peer };
    let mut believed = peer;
    for hop in header.rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                believed = address;
                if !is_trusted(&address) {
                    break;
                }
            }
            // An unreadable hop ends what can be believed.
            Err(_) => break,
        }
    }
    believed
}

/// A token bucket of refusals per client address.
pub struct AddressThrottle {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl AddressThrottle {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// How long until `address` may be refused again, when it has no refusal left.
    pub fn over_budget(&self, address: IpAddr) -> Option<Duration> {
        let mut buckets = self.lock();
        let bucket = buckets.get_mut(&address)?;
        let tokens = self.refill(bucket, Instant::now());
        (tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - tokens) / self.per_second))
    }

    /// Takes one refusal from `address`'s budget.
    pub fn charge(&self, address: IpAddr) {
        let now = Instant::now();
        let mut buckets = self.lock();
        if buckets.len() >= MOST_ADDRESSES && !buckets.contains_key(&address) {
            let burst = self.burst;
            buckets.retain(|_, bucket| self.refilled_tokens(bucket, now) < burst);
        }
        let bucket = buckets.entry(address).or_insert(Bucket { tokens: self.burst, refilled: now });
        let tokens = self.refill(bucket, now);
        bucket.tokens = (tokens - 1.0).max(0.0);
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) -> f64 {
        bucket.tokens = self.refilled_tokens(bucket, now);
        bucket.refilled = now;
        bucket.tokens
    }

    fn refilled_tokens(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<Network> = vec!["10.0.0.0/8".parse().unwrap()];
        let header = Some("203.0.113.9, 198.51.100.7");
        // A client talking directly cannot choose its address.
        assert_eq!(believed_address(ip("192.0.2.1"), header, &proxies), ip("192.0.2.1"));
        // Through a trusted proxy: the last hop that is not a trusted proxy.
        assert_eq!(believed_address(ip("10.0.0.5"), header, &proxies), ip("198.51.100.7"));
        assert_eq!(
            believed_address(ip("10.0.0.5"), Some("198.51.100.7, 10.0.0.9"), &proxies),
            ip("198.51.100.7")
        );
        // No header, or nothing readable: the proxy itself.
        assert_eq!(believed_address(ip("10.0.0.5"), None, &proxies), ip("10.0.0.5"));
        assert_eq!(believed_address(ip("10.0.0.5"), Some("garbage"), &proxies), ip("10.0.0.5"));
        // With no trusted proxies the header means nothing.
        assert_eq!(believed_address(ip("10.0.0.5"), header, &[]), ip("10.0.0.5"));
    }

    #[test]
    fn an_address_is_throttled_after_its_burst_and_others_are_not() {
        let throttle = AddressThrottle::new(1, 3);
        let flood = ip("198.51.100.7");
        assert!(throttle.over_budget(flood).is_none(), "unknown addresses are not throttled");
        for _ in 0..3 {
            assert!(throttle.over_budget(flood).is_none());
            throttle.charge(flood);
        }
        let wait = throttle.over_budget(flood).expect("the burst is spent");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(throttle.over_budget(ip("198.51.100.8")).is_none());
    }
}
