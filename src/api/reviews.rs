//! `POST /api/v1/applications/{id}/reviews`: an officer's decision on a completed report.

use super::audited::{self, record_refusal};
use super::problem::ApiError;
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::domain::RegionCode;
use crate::store::{ApplicationStatus, ReviewRefusal, Store};
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    decision: Option<String>,
    note: Option<String>,
}

const DECISIONS: [&str; 3] = ["approve", "reject", "return"];

#[post("/api/v1/applications/{id}/reviews")]
#[tracing::instrument(skip_all)]
pub async fn decide(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Decision>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Officer | Role::Admin) {
        return Err(ApiError::Forbidden("only officers record review decisions".into()));
    }
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
    let region = RegionCode::parse(&record.region).map_err(|e| anyhow::anyhow!(e))?;
    if !caller.may_read(&region, &record.caller_sub) {
        record_refusal(
            &store,
            audited::event(&caller, actions::AUTHORIZATION_FAILURE, Some(id.to_string()), "out_of_scope"),
        );
        return Err(ApiError::NotFound);
    }
    let Decision { decision, note } = body.into_inner();
    let mut errors = Vec::new();
    let decision = decision.filter(|d| DECISIONS.contains(&d.as_str()));
    if decision.is_none() {
        errors.push(("decision", "must be approve, reject or return"));
    }
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty() && n.chars().count() <= 2000);
    if note.is_none() {
        errors.push(("note", "is required (1 to 2000 characters)"));
    }
    let (Some(decision), Some(note)) = (decision, note) else {
        let errors = errors
            .into_iter()
            .map(|(field, message)| crate::domain::parse::FieldError {
                field: field.into(),
                message: message.into(),
            })
            .collect();
        return Err(ApiError::Validation(errors));
    };
    if record.status != ApplicationStatus::Completed {
        return Err(ApiError::Conflict("only a completed application can be reviewed".into()));
    }
    match store.record_review(id, &decision, &note, &caller.sub).await? {
        Ok(review) => {
            let outcome = format!("decided:{decision}");
            store
                .append_audit(&[audited::event(
                    &caller,
                    actions::REVIEW_DECISION,
                    Some(id.to_string()),
                    &outcome,
                )])
                .await?;
            Ok(HttpResponse::Created().json(review))
        }
        Err(ReviewRefusal::AlreadyDecided(previous)) => Err(ApiError::Conflict(format!(
            "the application is already decided ({previous}); return it before deciding again"
        ))),
    }
}
