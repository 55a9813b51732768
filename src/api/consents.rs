//! `POST /api/v1/consents/{id}/revoke`: no further query under the consent (jobs in
//! flight included: the broker checks before every query) and the person's cached agency
//! answers are purged.

use super::audited;
use super::problem::ApiError;
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::cache::AgencyCache;
use crate::store::Store;
use actix_web::{HttpResponse, post, web};
use serde_json::json;

#[post("/api/v1/consents/{id}/revoke")]
#[tracing::instrument(skip_all)]
pub async fn revoke(
    caller: Caller,
    path: web::Path<String>,
    store: web::Data<Store>,
    cache: web::Data<dyn AgencyCache>,
) -> Result<HttpResponse, ApiError> {
    // An intake system revokes the consents it submitted; an admin any.
    let owner = match caller.role {
        Role::Intake => Some(caller.sub.as_str()),
        Role::Admin => None,
        Role::Officer | Role::Auditor => {
            return Err(ApiError::Forbidden(
                "consents are revoked by the intake system that holds them".into(),
            ));
        }
    };
    let id = path.into_inner();
    let subjects = store.revoke_consent(&id, owner, &caller.sub).await?.ok_or(ApiError::NotFound)?;
    let mut purged = 0;
    for subject in &subjects {
        match cache.purge_subject(subject).await {
            Ok(count) => purged += count,
            // The answers expire with their TTL anyway; no query can use them meanwhile
            // because every query needs a live consent.
            Err(_) => {
                tracing::warn!("cache unavailable: cached answers of a revoked consent expire with their TTL")
            }
        }
    }
    let events: Vec<_> = subjects
        .iter()
        .map(|subject| {
            let mut event = audited::event(&caller, actions::CONSENT_REVOCATION, None, "revoked");
            event.subject = Some(subject.clone());
            event.consent_id = Some(id.clone());
            event
        })
        .collect();
    store.append_audit(&events).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"id": id, "revoked": true, "persons": subjects.len(), "cache_entries_purged": purged})))
}
