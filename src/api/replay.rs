//! `POST /api/v1/applications/{id}/replay`: re-derives a verdict from the stored evidence
//! and the parameters of the policy version the report names (`service::replay`).

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::service::Services;
use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

/// Replay a verdict from the stored evidence.
///
/// Re-derives the report from the evidence stored with it and the policy parameters of the
/// version it names (not today's), and says whether the result is identical. Auditors and
/// officers of the application's regions, its intake system and admins may; the replayed
/// report is a report view and is audited as one.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/replay",
    tag = "applications",
    operation_id = "replayApplication",
    params(("id" = String, Path, format = Uuid, description = "The application's id.")),
    responses(
        (status = 200, description = "The replayed report and its differences.", body = crate::service::replay::ReplayOutcome),
        (status = 401, response = p::Unauthorized),
        (status = 404, response = p::NotFound),
        (status = 409, response = p::Conflict),
        (status = 410, response = p::Gone),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/applications/{id}/replay")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn replay(
    caller: Caller,
    path: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(services.replay(&caller, id).await?))
}
