//! `POST /api/v1/applications/{id}/reviews`: an officer's decision on a completed report.

use super::audited::{self, record_refusal};
use super::openapi::problems as p;
use super::problem::ApiError;
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::cache::Pseudonymizer;
use crate::domain::parse::FieldError;
use crate::domain::{Application, RegionCode};
use crate::store::{ApplicationRecord, ApplicationStatus, ReviewRefusal, Store};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use uuid::Uuid;

/// An officer's decision. Both fields are required; they are optional here only so that
/// a missing one is named in the 422 like any other bad field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReviewRequest)]
pub struct Decision {
    /// `return` sends the application back; a decided application can be decided again
    /// only after a `return`.
    #[schema(value_type = super::openapi::DecisionName, required = true)]
    decision: Option<String>,
    /// The reason, 1 to 2000 characters once trimmed.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = r"\S",
        example = "income confirmed with the household")]
    note: Option<String>,
}

const DECISIONS: [&str; 3] = ["approve", "reject", "return"];

/// Record an officer's review decision on a completed application.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/reviews",
    tag = "applications",
    operation_id = "reviewApplication",
    params(("id" = String, Path, format = Uuid, description = "The application's id.")),
    request_body(content = Decision, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = crate::store::Review),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 409, response = p::Conflict),
        (status = 413, response = p::PayloadTooLarge),
        (status = 415, response = p::UnsupportedMediaType),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/applications/{id}/reviews")]
#[tracing::instrument(skip_all)]
pub async fn decide(
    request: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Decision>,
    store: web::Data<Store>,
    pseudonymizer: web::Data<Pseudonymizer>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Officer | Role::Admin) {
        return Err(ApiError::Forbidden("only officers record review decisions".into()));
    }
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
    let region = RegionCode::parse(&record.region).map_err(|e| anyhow::anyhow!(e))?;
    if !caller.may_read(&region, &record.caller_sub) {
        record_refusal(
            &request,
            audited::event(&caller, actions::AUTHORIZATION_FAILURE, Some(id.to_string()), "out_of_scope"),
        );
        return Err(ApiError::NotFound);
    }
    let Decision { decision, note } = body.into_inner();
    let (decision, note) = parse_decision(decision, note).map_err(ApiError::Validation)?;
    if record.status != ApplicationStatus::Completed {
        return Err(ApiError::Conflict("only a completed application can be reviewed".into()));
    }
    let applicant = applicant_subject(&record, &pseudonymizer);
    match store.record_review(id, &decision, &note, &caller.sub, applicant.as_deref()).await? {
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

/// A decision and its note as a reviewer sent them (the API's JSON or the officers' form):
/// the decision one of approve/reject/return, the note 1 to 2000 characters once trimmed.
pub(crate) fn parse_decision(
    decision: Option<String>,
    note: Option<String>,
) -> Result<(String, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    let decision = decision.filter(|d| DECISIONS.contains(&d.as_str()));
    if decision.is_none() {
        errors.push(("decision", "must be approve, reject or return"));
    }
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty() && n.chars().count() <= 2000);
    if note.is_none() {
        errors.push(("note", "is required (1 to 2000 characters)"));
    }
    match (decision, note) {
        (Some(decision), Some(note)) => Ok((decision, note)),
        _ => Err(errors
            .into_iter()
            .map(|(field, message)| FieldError { field: field.into(), message: message.into() })
            .collect()),
    }
}

/// The pseudonym of the applicant of `record`: an approval registers the household under
/// it, so that a household is registered only once.
pub(crate) fn applicant_subject(record: &ApplicationRecord, pseudonymizer: &Pseudonymizer) -> Option<String> {
    serde_json::from_str::<Application>(&record.body_json)
        .ok()
        .and_then(|a| a.household.applicant().map(|m| pseudonymizer.pseudonym(&m.id_number)))
}
