//! `/api/v1/beneficiaries`: the registry of households receiving assistance. Officers list
//! the households due for a re-check; intake systems import an existing roll (each entry
//! validated like an application, consents included, since re-checks query under them),
//! each household once: importing one already registered answers 409 with its id.

use super::applications::whole_number;
use super::openapi::problems as p;
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use crate::auth::Caller;
use crate::domain::RegionPrefix;
use crate::service::Services;
use crate::service::beneficiaries::{Import as ImportEntry, Imported};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A region code or prefix, narrowed to the caller's own regions.
    #[param(pattern = r"^[0-9]{1,6}$", example = "5001")]
    region: Option<String>,
    /// Only households whose re-check is due before this date (YYYY-MM-DD).
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2027-06-01")]
    due_before: Option<String>,
    /// At most this many rows, soonest due first (1 to 1000, default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// List registered beneficiaries, soonest re-check first.
#[utoipa::path(
    get,
    path = "/api/v1/beneficiaries",
    tag = "beneficiaries",
    operation_id = "listBeneficiaries",
    params(ListParams),
    responses(
        (status = 200, description = "The beneficiaries.", body = Vec<crate::store::Beneficiary>),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/beneficiaries")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn list(
    caller: Caller,
    params: web::Query<ListParams>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let region = params
        .region
        .map(|r| RegionPrefix::parse(&r).map_err(|e| ApiError::field("region", e)))
        .transpose()?;
    let due_before = params.due_before.as_deref().map(|d| parse_date(d, "due_before")).transpose()?;
    let limit = whole_number(params.limit.as_deref(), "limit", 1..=1000)?.unwrap_or(200);
    Ok(HttpResponse::Ok()
        .json(services.list_beneficiaries(&caller, region.as_ref(), due_before, limit).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// The household as an application body (DESIGN §4.1), consents included.
    #[schema(value_type = super::openapi::body::ApplicationBody)]
    application: serde_json::Value,
    /// `dibao_a`, `dibao_b`, `dibao_single`, `tekun` or `low_income`.
    #[schema(example = "dibao_b")]
    category: String,
    /// Monthly benefit, a two-decimal string.
    #[schema(value_type = Option<String>, example = "720.00")]
    benefit: Option<String>,
    /// When the next re-check is due (YYYY-MM-DD).
    #[schema(example = "2027-05-24")]
    recheck_due: String,
    /// Covered by poverty-relief policy: a graduating household is paid on for 12 months, not 6.
    #[serde(default)]
    poverty_relief: bool,
}

/// Import a beneficiary from an existing roll.
///
/// A household is registered once per intake system and programme while it is on the
/// registry (any status but `ineligible`): importing it again answers 409 with the
/// existing registration's id in `beneficiary_id`, and stores nothing. A household that
/// needs a new consent is renewed with `PUT /api/v1/beneficiaries/{id}/consents`.
#[utoipa::path(
    post,
    path = "/api/v1/beneficiaries",
    tag = "beneficiaries",
    operation_id = "importBeneficiary",
    request_body(content = Import, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered.", body = crate::store::Beneficiary,
            headers(("Location" = String, description = "`/api/v1/beneficiaries?region=…`"))),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 409, response = p::AlreadyRegistered),
        (status = 413, response = p::PayloadTooLarge),
        (status = 415, response = p::UnsupportedMediaType),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/beneficiaries")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn register(
    caller: Caller,
    body: web::Json<Import>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let Import { application, category, benefit, recheck_due, poverty_relief } = body.into_inner();
    let entry = ImportEntry { application, category, benefit, recheck_due, poverty_relief };
    match services.import_beneficiary(&caller, entry).await? {
        Imported::AlreadyRegistered(existing) => Ok(already_registered(&existing)),
        Imported::Registered(stored) => Ok(HttpResponse::Created()
            .insert_header((LOCATION, format!("/api/v1/beneficiaries?region={}", stored.region)))
            .json(stored)),
    }
}

#[derive(Serialize)]
struct AlreadyRegistered {
    #[serde(flatten)]
    problem: Problem,
    beneficiary_id: String,
}

fn already_registered(id: &str) -> HttpResponse {
    let detail = format!(
        "the household is already registered for this programme as beneficiary {id}; \
         renew its consents with PUT /api/v1/beneficiaries/{id}/consents"
    );
    let problem = Problem::new(StatusCode::CONFLICT, "already-registered", "Already registered", detail);
    HttpResponse::Conflict()
        .insert_header((CONTENT_TYPE, PROBLEM_JSON))
        .json(AlreadyRegistered { problem, beneficiary_id: id.to_owned() })
}

/// Every bad field at once, the application's prefixed with `application.`.
fn parse_date(text: &str, field: &str) -> Result<Date, ApiError> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::field(field, "must be a date like 2027-06-01"))
}
