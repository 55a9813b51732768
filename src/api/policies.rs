//! The policy parameters (docs/POLICY.md#parameters): what is in force for a region on a
//! date, and the reload of `config/policies/`. The use cases are `service::policies`'; these
//! handlers only parse the query and answer JSON.

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::domain::parse::FieldError;
use crate::domain::{RegionCode, dates::today_in_shanghai};
use crate::policy::{PublishedPolicy, ReloadSummary};
use crate::service::Services;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// The 6-digit region code.
    #[param(pattern = r"^[0-9]{6}$", example = "500103")]
    region: Option<String>,
    /// The date the parameters apply on, as an application's `as_of`; default today in Asia/Shanghai.
    #[param(format = Date, example = "2026-11-24")]
    as_of: Option<String>,
}

/// The policy parameters in force for a region on a date.
///
/// The parameters an application with this `region` and `as_of` is assessed with, their
/// version (as reports record it), a readable name, and for each value the file and the
/// dated change it came from. Any authenticated role.
#[utoipa::path(
    get,
    path = "/api/v1/policies",
    tag = "policies",
    operation_id = "getPolicy",
    params(PolicyQuery),
    responses(
        (status = 200, description = "The effective parameters.", body = PublishedPolicy),
        (status = 401, response = p::Unauthorized),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/policies")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn published(
    caller: Caller,
    query: web::Query<PolicyQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let region = match query.region.as_deref().map(RegionCode::parse) {
        Some(Ok(region)) => Some(region),
        Some(Err(problem)) => {
            errors.push(field("region", problem));
            None
        }
        None => {
            errors.push(field("region", "is required: a 6-digit region code"));
            None
        }
    };
    let as_of = match query.as_of.as_deref() {
        None => Some(today_in_shanghai()),
        Some(text) => {
            let parsed = Date::parse(text, format_description!("[year]-[month]-[day]")).ok();
            if parsed.is_none() {
                errors.push(field("as_of", "must be a date such as 2026-11-24"));
            }
            parsed
        }
    };
    let (Some(region), Some(as_of)) = (region, as_of) else {
        return Err(ApiError::Validation(errors));
    };
    Ok(HttpResponse::Ok().json(services.published_policy(region, as_of)))
}

/// Reload the policy parameters (administrators; also on `SIGHUP`).
///
/// Re-reads `config/policies/` and puts the whole set in force at once. An invalid set is
/// refused with a 422 naming the file and the key, and the running set stays.
/// Verifications already running finish with the parameters they started with.
#[utoipa::path(
    post,
    path = "/api/v1/admin/policies/reload",
    tag = "policies",
    operation_id = "reloadPolicies",
    responses(
        (status = 200, description = "The files now in force.", body = ReloadSummary),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/admin/policies/reload")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn reload(caller: Caller, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.reload_policies(&caller).await?))
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError { field: name.to_owned(), message: message.to_owned() }
}
