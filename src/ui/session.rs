//! The officer's session: the cookie holds the JWT itself (nothing is kept server-side, so
//! any instance serves any officer), `HttpOnly`, `SameSite=Strict`, `Secure` when the request
//! came over TLS, and it lives exactly as long as the token (`Max-Age` = its expiry).
//! Every request re-verifies the token, so an expired or tampered cookie means "sign in".

use super::UiState;
use super::error::{Page, UiError};
use crate::auth::{Authenticator, Caller, CallerRateLimiter, Role};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use std::future::{Ready, ready};

pub const SESSION_COOKIE: &str = "hub_session";
/// The purpose of CSRF tokens bound to a session.
pub const SESSION_PURPOSE: &str = "session";

/// A signed-in officer (or administrator).
pub struct Session {
    pub caller: Caller,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    token: String,
}

impl Session {
    /// Whether a posted form carries this session's CSRF token.
    pub fn csrf_ok(&self, ui: &UiState, candidate: Option<&str>) -> bool {
        ui.csrf.verify(SESSION_PURPOSE, &self.token, candidate)
    }
}

/// Only the roles that read reports and decide may sign in to the officers' pages.
pub fn may_sign_in(role: Role) -> bool {
    matches!(role, Role::Officer | Role::Admin)
}

impl FromRequest for Session {
    type Error = UiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(session_of(request))
    }
}

fn session_of(request: &HttpRequest) -> Result<Session, UiError> {
    // After signing in, a GET comes back to where it was; a POST is not replayed.
    let next = match (request.method(), request.uri().path_and_query()) {
        (&Method::GET, Some(target)) => target.as_str().to_owned(),
        _ => "/ui/applications".to_owned(),
    };
    let sign_in = || UiError::SignIn { next: next.clone() };
    let cookie = request.cookie(SESSION_COOKIE).ok_or_else(sign_in)?;
    let (Some(authenticator), Some(ui)) =
        (request.app_data::<web::Data<Authenticator>>(), request.app_data::<web::Data<UiState>>())
    else {
        return Err(UiError::Unexpected(anyhow::anyhow!("the officers' pages are not configured")));
    };
    let token = cookie.value().to_owned();
    let caller = authenticator.verify(&token).map_err(|error| {
        tracing::info!(reason = %error, "session cookie refused");
        sign_in()
    })?;
    if !may_sign_in(caller.role) {
        return Err(sign_in());
    }
    tracing::Span::current().record("caller", caller.sub.as_str());
    // For the audit of refused requests (see `api::problem_details`).
    request.extensions_mut().insert(caller.clone());
    let limiter = request.app_data::<web::Data<CallerRateLimiter>>();
    if let Some(Err(_)) = limiter.map(|l| l.check(&caller.sub)) {
        return Err(UiError::TooManyRequests(Page::of(request, None)));
    }
    let csrf = ui.csrf.token(SESSION_PURPOSE, &token);
    Ok(Session { caller, csrf, token })
}

/// Seconds until the (already verified) token expires, from its `exp` claim.
pub fn seconds_left(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    Some(exp - time::OffsetDateTime::now_utc().unix_timestamp())
}

/// Whether cookies must be `Secure`: always when configured, else when the request came
/// over TLS (directly, or as the proxy says with `X-Forwarded-Proto` / `Forwarded`).
pub fn secure(request: &HttpRequest, ui: &UiState) -> bool {
    ui.secure_cookies || request.connection_info().scheme() == "https"
}

pub fn session_cookie(token: &str, max_age_s: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age_s))
        .finish()
}

/// Tells the browser to forget a cookie.
pub fn expired(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}
