//! The audit endpoints, for auditors: who looked at a person's data, when and why, and
//! whether the chain is intact.

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::audit::AuditRow;
use crate::auth::Caller;
use crate::domain::IdNumber;
use crate::service::Services;
use crate::service::audit_log::AuditSearch;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An application id: every row about it.
    #[param(format = Uuid)]
    application: Option<String>,
    /// The person's ID number; searched by its pseudonym, never stored or logged.
    #[param(pattern = r"^[0-9]{17}[0-9Xx]$", example = "11010519491231002X")]
    subject_id_number: Option<String>,
    /// A person's pseudonym as it appears in audit rows (`subject`).
    #[param(pattern = r"^[0-9a-f]{64}$")]
    subject: Option<String>,
    /// At most this many rows (default 1000, at most 10000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    limit: Option<String>,
}

/// The rows of an audit search.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
}

/// Search the audit log by application or by person.
///
/// Who queried or viewed what, when, under which consent: the rows about `application`
/// and/or the person (`subject_id_number` or `subject`); with neither, the latest rows.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    operation_id = "searchAudit",
    params(AuditQuery),
    responses(
        (status = 200, description = "Matching rows, newest first.", body = AuditPage),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/audit")]
#[tracing::instrument(skip_all)]
pub async fn search(
    caller: Caller,
    query: web::Query<AuditQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let application = query
        .application
        .as_deref()
        .map(|text| {
            uuid::Uuid::parse_str(text)
                .map_err(|_| ApiError::field("application", "must be an application id (a UUID)"))
        })
        .transpose()?;
    if query
        .subject
        .as_deref()
        .is_some_and(|s| s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(ApiError::field("subject", "must be a pseudonym: 64 lower-case hex digits"));
    }
    let id_number = query
        .subject_id_number
        .as_deref()
        .map(|raw| {
            IdNumber::parse_structure(raw).map_err(|e| ApiError::field("subject_id_number", e.to_string()))
        })
        .transpose()?;
    let limit =
        super::applications::whole_number(query.limit.as_deref(), "limit", 1..=10_000)?.unwrap_or(1000);
    let search = AuditSearch { application, id_number, subject: query.subject, limit };
    Ok(HttpResponse::Ok().json(AuditPage { items: services.search_audit(&caller, search).await? }))
}

/// Verify the audit log's hash chain.
///
/// Recomputes every row's hash and link and checks the recorded head, naming the first
/// broken row (as `hub audit verify` does).
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    operation_id = "verifyAuditChain",
    responses(
        (status = 200, description = "Whether the chain holds, and where it breaks.", body = crate::audit::ChainReport),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/audit/verify")]
#[tracing::instrument(skip_all)]
pub async fn verify_chain(caller: Caller, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.verify_audit(&caller).await?))
}
