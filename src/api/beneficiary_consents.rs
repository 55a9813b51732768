//! `PUT /api/v1/beneficiaries/{id}/consents`: a registered household's new authorizations.
//!
//! A household whose consent expired or was revoked is refused at re-check and flagged
//! `needs_new_consent`. Its intake system brings the new consents here, and the household
//! goes back on the re-check schedule under the same registration (a new import would be a
//! second registration, and is refused with 409).
//!
//! The checks are the use case's (`service::beneficiaries`).

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::service::Services;
use actix_web::{HttpResponse, put, web};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConsentRenewalRequest)]
pub struct RenewalRequest {
    /// The household's authorizations in the format of an application's `consents`
    /// (DESIGN §4.1). They replace the registered ones: together they must cover every
    /// member of the household for its programme, signed and not expired now. A consent id
    /// already on record for the person must come with the same terms (a retry); a new
    /// authorization has an id of its own.
    #[schema(value_type = Vec<super::openapi::body::ConsentBody>, required = true, min_items = 1)]
    consents: Option<serde_json::Value>,
}

/// Renew a registered household's consents.
///
/// Only the intake system that registered the household (or an admin) renews, within its
/// regions. The consents are recorded, replace those the re-checks are made under, and a
/// household flagged `needs_new_consent` becomes `active` again (its refused re-checks
/// are taken up by the next batch); any other status is left as it is. Audited.
#[utoipa::path(
    put,
    path = "/api/v1/beneficiaries/{id}/consents",
    tag = "beneficiaries",
    operation_id = "renewBeneficiaryConsents",
    params(("id" = String, Path, description = "The beneficiary's id.")),
    request_body(content = RenewalRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Renewed: the beneficiary as stored now.", body = crate::store::Beneficiary),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 413, response = p::PayloadTooLarge),
        (status = 415, response = p::UnsupportedMediaType),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[put("/api/v1/beneficiaries/{id}/consents")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn renew(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RenewalRequest>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let renewed = services.renew_consents(&caller, &path, body.into_inner().consents).await?;
    Ok(HttpResponse::Ok().json(renewed))
}
