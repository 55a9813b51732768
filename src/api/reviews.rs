//! `POST /api/v1/applications/{id}/reviews`: an officer's decision on a completed report
//! (the use case is `service::review`).

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::service::Services;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use uuid::Uuid;

/// An officer's decision. Both fields are required; they are optional here only so that
/// a missing one is named in the 422 like any other bad field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReviewRequest)]
pub struct Decision {
    /// `return` sends the application back; a decided application can be decided again
    /// only after a `return`.
    #[schema(value_type = crate::store::Decision, required = true)]
    decision: Option<String>,
    /// The reason, 1 to 2000 characters once trimmed.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = r"\S",
        example = "income confirmed with the household")]
    note: Option<String>,
}

/// Record an officer's review decision on a completed application.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/reviews",
    tag = "applications",
    operation_id = "reviewApplication",
    params(("id" = String, Path, format = Uuid, description = "The application's id.")),
    request_body(content = Decision, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = crate::store::Review),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 409, response = p::Conflict),
        (status = 413, response = p::PayloadTooLarge),
        (status = 415, response = p::UnsupportedMediaType),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/applications/{id}/reviews")]
#[tracing::instrument(skip_all)]
pub async fn decide(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Decision>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let Decision { decision, note } = body.into_inner();
    let review = services.review(&caller, id, decision.as_deref(), note.as_deref()).await?;
    Ok(HttpResponse::Created().json(review))
}
