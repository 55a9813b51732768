//! Extracting the authenticated [`Caller`] from a request.

use super::problem::ApiError;
use crate::auth::{Authenticator, Caller, CallerRateLimiter};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use std::future::{Ready, ready};

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(authenticator) = request.app_data::<web::Data<Authenticator>>() else {
            return ready(Err(ApiError::Unexpected(anyhow::anyhow!("no authenticator configured"))));
        };
        let header = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let verified = authenticator.verify_header(header);
        if let Ok(caller) = &verified {
            tracing::Span::current().record("caller", caller.sub.as_str());
            // For the audit of refused requests (see `request_id::problem_details`).
            request.extensions_mut().insert(caller.clone());
            let limiter = request.app_data::<web::Data<CallerRateLimiter>>();
            if let Some(Err(wait)) = limiter.map(|l| l.check(&caller.sub)) {
                return ready(Err(ApiError::TooManyRequests(wait.as_secs().max(1))));
            }
        }
        ready(verified.map_err(|error| {
            tracing::info!(reason = %error, "refused a token");
            ApiError::Unauthorized(error.to_string())
        }))
    }
}
