//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Handlers return [`ApiError`]; callers see a type, a title, the status, a detail that
//! names what was wrong with *their* request, and never an internal message (an
//! unexpected error is logged with its cause chain and shown as a bare 500).

use crate::domain::parse::FieldError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A request that must be retried later (e.g. its idempotency key is still held).
    #[error("retry later: {0}")]
    RetryLater(String),
    #[error("too many requests")]
    TooManyRequests(u64),
    #[error("gone: {0}")]
    Gone(String),
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A request that cannot be read at all (not a field's fault).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unexpected(error) => write!(f, "{error:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl From<crate::service::ServiceError> for ApiError {
    fn from(error: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError as S;
        match error {
            S::Validation(errors) => Self::Validation(errors),
            S::Forbidden(detail) => Self::Forbidden(detail),
            S::NotFound => Self::NotFound,
            S::Conflict(detail) | S::NotYet(detail) => Self::Conflict(detail),
            S::RetryLater(detail) => Self::RetryLater(detail),
            S::Gone(detail) => Self::Gone(detail),
            S::Unexpected(error) => Self::Unexpected(error),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }
}

/// The problem document; `request_id` and `instance` are filled in by the middleware.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status).insert_header((header::CONTENT_TYPE, PROBLEM_JSON)).json(self)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::RetryLater(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let problem = match self {
            Self::Validation(errors) => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                Problem {
                    errors: Some(errors.clone()),
                    ..Problem::new(status, "validation", "Invalid request", detail)
                }
            }
            Self::Unauthorized(_) => {
                Problem::new(status, "unauthorized", "Unauthorized", "a valid bearer token is required")
            }
            Self::Forbidden(detail) => Problem::new(status, "forbidden", "Forbidden", detail.clone()),
            Self::NotFound => Problem::new(status, "not-found", "Not Found", "no such resource"),
            Self::Conflict(detail) | Self::RetryLater(detail) => {
                Problem::new(status, "conflict", "Conflict", detail.clone())
            }
            Self::Gone(detail) => Problem::new(status, "gone", "Gone", detail.clone()),
            Self::TooManyRequests(seconds) => Problem::new(
                status,
                "too-many-requests",
                "Too Many Requests",
                format!("the caller's request rate limit is reached; retry in {seconds} s"),
            ),
            Self::PayloadTooLarge(limit) => Problem::new(
                status,
                "payload-too-large",
                "Payload Too Large",
                format!("the body must be at most {limit} bytes"),
            ),
            Self::UnsupportedMediaType => Problem::new(
                status,
                "unsupported-media-type",
                "Unsupported Media Type",
                "the body must be application/json",
            ),
            Self::BadRequest(detail) => Problem::new(status, "bad-request", "Bad Request", detail.clone()),
            Self::Unexpected(error) => {
                tracing::error!(error = ?error, "unexpected error");
                Problem::new(
                    status,
                    "internal",
                    "Internal Server Error",
                    "the request could not be completed",
                )
            }
        };
        let mut response = problem.response();
        if let Self::TooManyRequests(seconds) = self
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if matches!(self, Self::RetryLater(_)) {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        if matches!(self, Self::Unauthorized(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use actix_web::ResponseError;
    use actix_web::body::MessageBody;

    #[test]
    fn an_unexpected_error_never_shows_its_cause() {
        let error = ApiError::Unexpected(anyhow::anyhow!("password authentication failed for user hub"));
        let response = error.error_response();
        assert_eq!(response.status(), 500);
        let body = response.into_body().try_into_bytes().unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("the request could not be completed"), "{text}");
        assert!(!text.contains("password"), "{text}");
    }
}
