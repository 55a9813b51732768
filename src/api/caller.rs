//! Extracting the authenticated [`Caller`] from a request.

use super::problem::ApiError;
use crate::auth::{Authenticator, Caller};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::{Ready, ready};

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(authenticator) = request.app_data::<web::Data<Authenticator>>() else {
            return ready(Err(ApiError::Unexpected(anyhow::anyhow!("no authenticator configured"))));
        };
        let header = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        ready(authenticator.verify_header(header).map_err(|error| {
            tracing::info!(reason = %error, "refused a token");
            ApiError::Unauthorized(error.to_string())
        }))
    }
}
