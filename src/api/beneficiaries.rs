//! `/api/v1/beneficiaries`: the registry of households receiving assistance. Officers list
//! the households due for a re-check; intake systems import an existing roll (each entry
//! validated like an application, consents included, since re-checks query under them),
//! each household once: importing one already registered answers 409 with its id.

use super::applications::{scoped_prefixes, whole_number};
use super::openapi::problems as p;
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use crate::auth::{Caller, Role};
use crate::cache::Pseudonymizer;
use crate::domain::{Application, Money, RegionPrefix, parse::parse_application, today_in_shanghai};
use crate::store::{Beneficiary, BeneficiaryFilter, ConsentRecord, NewBeneficiary, Registration, Store};
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
        (status = 200, description = "The beneficiaries.", body = Vec<Beneficiary>),
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
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Officer | Role::Admin) {
        return Err(ApiError::Forbidden("only officers list beneficiaries".into()));
    }
    let params = params.into_inner();
    let requested = params
        .region
        .map(|r| RegionPrefix::parse(&r).map_err(|e| ApiError::field("region", e)))
        .transpose()?;
    let due_before = params.due_before.as_deref().map(|d| parse_date(d, "due_before")).transpose()?;
    let filter = BeneficiaryFilter {
        region_prefixes: scoped_prefixes(&caller, requested.as_ref().map(|r| r.as_str())),
        due_before: due_before.map(|d| d.to_string()),
        recheckable: false,
        limit: whole_number(params.limit.as_deref(), "limit", 1..=1000)?.unwrap_or(200),
    };
    if caller.role == Role::Officer && filter.region_prefixes.is_empty() {
        return Ok(HttpResponse::Ok().json(Vec::<Beneficiary>::new()));
    }
    Ok(HttpResponse::Ok().json(store.list_beneficiaries(&filter).await?))
}

/// A household of an existing roll.
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

const CATEGORIES: [&str; 5] = ["dibao_a", "dibao_b", "dibao_single", "tekun", "low_income"];

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
        (status = 201, description = "Registered.", body = Beneficiary,
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
    store: web::Data<Store>,
    pseudonymizer: web::Data<Pseudonymizer>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Intake | Role::Admin) {
        return Err(ApiError::Forbidden("only intake systems import beneficiaries".into()));
    }
    let entry = body.into_inner();
    let (application, benefit, due) = parse_import(&entry)?;
    if !caller.may_create_in(&application.region) {
        return Err(ApiError::Forbidden(format!(
            "region {} is outside the caller's regions",
            application.region
        )));
    }
    let applicant = application.household.applicant().ok_or_else(|| anyhow::anyhow!("no applicant"))?;
    let applicant_subject = pseudonymizer.pseudonym(&applicant.id_number);
    store.fill_applicant_subjects(&caller.sub, &application, &pseudonymizer).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let body_json = serde_json::to_string(&application).map_err(anyhow::Error::from)?;
    let consents = ConsentRecord::of_application(&application, &pseudonymizer);
    let benefit = benefit.map(|b| b.to_string());
    let due = due.to_string();
    let new = NewBeneficiary {
        id: &id,
        program: application.program.as_str(),
        region: application.region.as_str(),
        caller_sub: &caller.sub,
        applicant_masked: &application.applicant_masked(),
        category: &entry.category,
        benefit: benefit.as_deref(),
        recheck_due: &due,
        poverty_relief: entry.poverty_relief,
        body_json: &body_json,
        consents: &consents,
    };
    if let Registration::AlreadyRegistered(existing) =
        store.import_beneficiary(&new, &applicant_subject).await?
    {
        return Ok(already_registered(&existing));
    }
    let stored = store.beneficiary(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/beneficiaries?region={}", application.region)))
        .json(stored))
}

/// A 409 problem naming the registration that holds the household already.
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
fn parse_import(entry: &Import) -> Result<(Application, Option<Money>, Date), ApiError> {
    let mut errors = Vec::new();
    let application = parse_application(&entry.application, today_in_shanghai())
        .map_err(|bad| {
            errors.extend(bad.into_iter().map(|mut e| {
                e.field = format!("application.{}", e.field).trim_end_matches('.').to_owned();
                e
            }))
        })
        .ok();
    let mut bad = |field: &str, message: &str| {
        errors.push(crate::domain::parse::FieldError { field: field.into(), message: message.into() })
    };
    if !CATEGORIES.contains(&entry.category.as_str()) {
        bad("category", "must be dibao_a, dibao_b, dibao_single, tekun or low_income");
    }
    let benefit = entry
        .benefit
        .as_deref()
        .and_then(|b| Money::parse(b).map_err(|_| bad("benefit", "must be an amount like \"720.00\"")).ok());
    let due = Date::parse(&entry.recheck_due, format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad("recheck_due", "must be a date like 2027-05-24"))
        .ok();
    match (application, due) {
        (Some(application), Some(due)) if errors.is_empty() => Ok((application, benefit, due)),
        _ => Err(ApiError::Validation(errors)),
    }
}

fn parse_date(text: &str, field: &str) -> Result<Date, ApiError> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::field(field, "must be a date like 2027-06-01"))
}
