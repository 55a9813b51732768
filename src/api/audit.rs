//! The audit endpoints, for auditors: who looked at a person's data, when and why, and
//! whether the chain is intact.

use super::problem::ApiError;
use crate::audit::verify;
use crate::auth::{Caller, Role};
use crate::cache::Pseudonymizer;
use crate::domain::IdNumber;
use crate::store::Store;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use serde_json::json;

fn require_auditor(caller: &Caller) -> Result<(), ApiError> {
    match caller.role {
        Role::Auditor | Role::Admin => Ok(()),
        _ => Err(ApiError::Forbidden("the audit log is for auditors".into())),
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    application: Option<String>,
    /// The person's ID number; searched by its pseudonym, never stored or logged.
    subject_id_number: Option<String>,
    subject: Option<String>,
    limit: Option<u32>,
}

#[get("/api/v1/audit")]
#[tracing::instrument(skip_all)]
pub async fn search(
    caller: Caller,
    query: web::Query<AuditQuery>,
    store: web::Data<Store>,
    pseudonymizer: web::Data<Pseudonymizer>,
) -> Result<HttpResponse, ApiError> {
    require_auditor(&caller)?;
    let query = query.into_inner();
    let subject = match (&query.subject_id_number, &query.subject) {
        (Some(raw), _) => Some(
            pseudonymizer.pseudonym(
                &IdNumber::parse_structure(raw)
                    .map_err(|e| ApiError::field("subject_id_number", e.to_string()))?,
            ),
        ),
        (None, Some(pseudonym)) => Some(pseudonym.clone()),
        (None, None) => None,
    };
    if subject.is_none() && query.application.is_none() {
        return Err(ApiError::field("application", "give an application or a subject_id_number"));
    }
    let rows = store
        .audit_search(query.application.as_deref(), subject.as_deref(), query.limit.unwrap_or(1000))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": rows })))
}

#[get("/api/v1/audit/verify")]
#[tracing::instrument(skip_all)]
pub async fn verify_chain(caller: Caller, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    require_auditor(&caller)?;
    let rows = store.audit_rows().await?;
    let head = store.audit_head().await?;
    Ok(HttpResponse::Ok().json(verify(&rows, head)))
}
