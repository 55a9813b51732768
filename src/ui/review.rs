//! `POST /ui/applications/{id}/review`: an officer's decision from the report page. The
//! input check is the API's (`api::parse_decision`), the rule that a decided application
//! must be returned before it is decided again is `Store::record_review`'s, and the decision
//! is audited like the API's. Success goes back to the report (POST-redirect-GET); a refusal
//! shows the report again with the officer's note kept.

use super::UiState;
use super::error::{Page, UiError};
use super::i18n::LangChoice;
use super::page::see_other;
use super::report::{FormState, page};
use super::scope::load_in_scope;
use super::session::Session;
use crate::api::{applicant_subject, audited, parse_decision};
use crate::audit::actions;
use crate::cache::Pseudonymizer;
use crate::store::{ApplicationStatus, ReviewRefusal, Store};
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
    // Together, to stay within clippy's argument count: the registry's two dependencies.
    (store, pseudonymizer): (web::Data<Store>, web::Data<Pseudonymizer>),
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, UiError> {
    let DecisionForm { csrf, decision, note } = form.into_inner();
    if !session.csrf_ok(&ui, csrf.as_deref()) {
        return Err(UiError::Csrf(Page::of(&request, Some(&session))));
    }
    let record = load_in_scope(&request, &session, &store, &path).await?;
    let t = lang.lang.labels();
    let mut state =
        FormState { errors: Vec::new(), decision: decision.clone(), note: note.clone().unwrap_or_default() };
    let refused =
        |state: FormState, status: StatusCode| page(&request, &session, lang, &store, &record, state, status);
    let (decision, note) = match parse_decision(decision, note) {
        Ok(parsed) => parsed,
        Err(errors) => {
            for error in errors {
                state.errors.push(if error.field == "decision" {
                    t.review_bad_decision
                } else {
                    t.review_note_required
                });
            }
            return refused(state, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if record.status != ApplicationStatus::Completed {
        state.errors.push(t.review_not_completed);
        return refused(state, StatusCode::CONFLICT).await;
    }
    let applicant = applicant_subject(&record, &pseudonymizer);
    match store.record_review(record.id, &decision, &note, &session.caller.sub, applicant.as_deref()).await? {
        Ok(_) => {
            let outcome = format!("decided:{decision}");
            let event = audited::event(
                &session.caller,
                actions::REVIEW_DECISION,
                Some(record.id.to_string()),
                &outcome,
            );
            store.append_audit(&[event]).await?;
            Ok(see_other(&format!("/ui/applications/{}#reviews", record.id)))
        }
        Err(ReviewRefusal::AlreadyDecided(_)) => {
            state.errors.push(t.review_already_decided);
            refused(state, StatusCode::CONFLICT).await
        }
    }
}
