//! `POST /api/v1/consents/{id}/revoke`: no further query under the consent (jobs in
//! flight included: the broker checks before every query) and the person's cached agency
//! answers are purged.

use super::audited;
use super::openapi::problems as p;
use super::problem::ApiError;
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::cache::AgencyCache;
use crate::store::Store;
use actix_web::{HttpResponse, post, web};

/// What a revocation did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Revocation {
    /// The consent id as the intake system gave it.
    pub id: String,
    pub revoked: bool,
    /// How many persons the consent id covered (intake systems may reuse one id per household).
    pub persons: usize,
    /// Cached agency answers removed (0 when the cache was unreachable: they expire with their TTL).
    pub cache_entries_purged: u64,
}

/// Revoke a consent.
///
/// No further agency query is made under it (jobs in flight included) and the cached
/// agency answers of every person it covers are purged. Intake systems revoke the
/// consents they submitted; revoking twice is harmless.
#[utoipa::path(
    post,
    path = "/api/v1/consents/{id}/revoke",
    tag = "consents",
    operation_id = "revokeConsent",
    params(("id" = String, Path, description = "The consent id given in the application body.", example = "c-001")),
    responses(
        (status = 200, description = "Revoked.", body = Revocation),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
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
    Ok(HttpResponse::Ok().json(Revocation {
        id,
        revoked: true,
        persons: subjects.len(),
        cache_entries_purged: purged,
    }))
}
