//! `POST /ui/applications/{id}/review`: an officer's decision from the report page. The
//! decision is the use case's (`service::review`), exactly as the API's: its checks, its
//! rule that a decided application is returned before it is decided again, its audit.
//! Success goes back to the report (POST-redirect-GET); a refusal shows the report again
//! with the officer's note kept.

use super::UiState;
use super::error::{Page, UiError};
use super::i18n::LangChoice;
use super::page::see_other;
use super::report::{FormState, page};
use super::session::Session;
use crate::service::{ServiceError, Services};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: Option<String>,
    decision: Option<String>,
    note: Option<String>,
}

#[post("/applications/{id}/review")]
#[tracing::instrument(skip_all, fields(caller = %session.caller.sub))]
pub async fn decide(
    request: HttpRequest,
    session: Session,
    lang: LangChoice,
    ui: web::Data<UiState>,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, UiError> {
    let DecisionForm { csrf, decision, note } = form.into_inner();
    if !session.csrf_ok(&ui, csrf.as_deref()) {
        return Err(UiError::Csrf(Page::of(&request, Some(&session))));
    }
    let id =
        uuid::Uuid::parse_str(&path).map_err(|_| UiError::NotFound(Page::of(&request, Some(&session))))?;
    let t = lang.lang.labels();
    let mut state =
        FormState { errors: Vec::new(), decision: decision.clone(), note: note.clone().unwrap_or_default() };
    let status = match services.review(&session.caller, id, decision.as_deref(), note.as_deref()).await {
        Ok(_) => return Ok(see_other(&format!("/ui/applications/{id}#reviews"))),
        Err(ServiceError::Validation(errors)) => {
            for error in errors {
                state.errors.push(if error.field == "decision" {
                    t.review_bad_decision
                } else {
                    t.review_note_required
                });
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ServiceError::NotYet(_)) => {
            state.errors.push(t.review_not_completed);
            StatusCode::CONFLICT
        }
        Err(ServiceError::Conflict(_)) => {
            state.errors.push(t.review_already_decided);
            StatusCode::CONFLICT
        }
        Err(other) => return Err(UiError::of_service(&request, &session, other)),
    };
    page(&request, &session, lang, &services, &path, state, status).await
}
