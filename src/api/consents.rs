//! `POST /api/v1/consents/{id}/revoke`: no further query under the consent (jobs in
//! flight included: the broker checks before every query) and the person's cached agency
//! answers are purged.

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::service::Services;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevokeParams {
    /// The intake system (`sub`) whose consent to revoke: required of an admin; an intake
    /// system revokes its own.
    intake: Option<String>,
}

/// Revoke a consent.
///
/// No further agency query is made under it (jobs in flight included) and the cached
/// agency answers of every person it covers are purged. Intake systems revoke the
/// consents they submitted; an admin names the intake system (`?intake=SUB`), since consent
/// ids are the intake systems' own. Revoking twice is harmless.
#[utoipa::path(
    post,
    path = "/api/v1/consents/{id}/revoke",
    tag = "consents",
    operation_id = "revokeConsent",
    params(("id" = String, Path, description = "The consent id given in the application body.", example = "c-001"), RevokeParams),
    responses(
        (status = 200, description = "Revoked.", body = crate::service::consents::Revocation),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/consents/{id}/revoke")]
#[tracing::instrument(skip_all)]
pub async fn revoke(
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<RevokeParams>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let revocation = services.revoke_consent(&caller, &path, params.intake.as_deref()).await?;
    Ok(HttpResponse::Ok().json(revocation))
}
