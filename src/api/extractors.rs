//! How actix's own extractors fail: as the same problem details handlers return, so a bad
//! query string or review body reads like any other invalid request.

use super::problem::ApiError;
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{HttpRequest, web};

/// JSON bodies (reviews): at most `limit` bytes, `application/json` (415 otherwise), and a
/// body that does not deserialize is a 422 naming `body`.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(json_error)
}

/// Query strings that do not deserialize (e.g. a parameter given twice) are a 422 naming `query`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(query_error)
}

fn json_error(error: JsonPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let error = match error {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(limit)
        }
        JsonPayloadError::Deserialize(error) => {
            ApiError::field("body", format!("is not valid here ({error})"))
        }
        other => ApiError::BadRequest(format!("the body could not be read ({other})")),
    };
    error.into()
}

fn query_error(error: QueryPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let detail = match error {
        QueryPayloadError::Deserialize(error) => error.to_string(),
        other => other.to_string(),
    };
    ApiError::field("query", detail).into()
}
