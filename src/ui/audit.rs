//! `GET /ui/applications/{id}/audit`: the application's audit trail, newest first: which
//! agency was queried about which member under which consent, who viewed the report and who
//! decided. Members appear by their masked ID number (matched through the pseudonym the log
//! keeps), never by the raw one.

use super::error::Page;
use super::error::{UiError, render};
use super::i18n::{Kind, LangChoice};
use super::page::{Layout, format_ms, respond};
use super::session::Session;
use crate::audit::AuditRow;
use crate::service::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    id: String,
    applicant: String,
    rows: Vec<Row>,
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    member: String,
    agency: String,
    consent: String,
    outcome: String,
}

#[get("/applications/{id}/audit")]
#[tracing::instrument(skip_all, fields(caller = %session.caller.sub))]
pub async fn trail(
    request: HttpRequest,
    session: Session,
    lang: LangChoice,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let id =
        uuid::Uuid::parse_str(&path).map_err(|_| UiError::NotFound(Page::of(&request, Some(&session))))?;
    let (record, rows) = services
        .application_trail(&session.caller, id)
        .await
        .map_err(|e| UiError::of_service(&request, &session, e))?;
    let id = record.id.to_string();
    // Members by masked ID, matched through the pseudonyms the log keeps.
    let members: HashMap<String, String> = match &record.body {
        Some(application) => application
            .household
            .members
            .iter()
            .map(|m| (services.pseudonymizer.pseudonym(&m.id_number), m.id_number.masked()))
            .collect(),
        // Erased: the report still names the members masked, in household order, as the
        // pseudonyms are kept.
        None => match record.report.as_ref().map(|r| r.parse()).transpose() {
            Ok(Some(report)) => record
                .subjects
                .iter()
                .cloned()
                .zip(report.members.iter().map(|m| m.id_number_masked.clone()))
                .collect(),
            _ => HashMap::new(),
        },
    };
    let l = lang.lang;
    let row = |r: &AuditRow| Row {
        seq: r.seq,
        at: format_ms(r.at),
        actor: format!("{} ({})", r.actor_sub, l.value(Kind::Role, &r.actor_role)),
        action: l.value(Kind::Action, &r.action),
        member: r
            .subject
            .as_ref()
            .map(|s| members.get(s).cloned().unwrap_or_else(|| short(s)))
            .unwrap_or_default(),
        agency: r.agency.as_deref().map(|a| l.value(Kind::Agency, a)).unwrap_or_default(),
        consent: r.consent_id.clone().unwrap_or_default(),
        outcome: l.value(Kind::Outcome, &r.outcome),
    };
    let t = l.labels();
    let mut layout =
        Layout::new(&request, l, t.title_audit, &format!("/ui/applications/{id}/audit")).signed_in(&session);
    layout.application_id = Some(id.clone());
    let page = AuditPage {
        layout,
        applicant: record.applicant_masked.clone(),
        rows: rows.iter().map(row).collect(),
        id,
    };
    Ok(respond(StatusCode::OK, lang, render(&page)?))
}

/// A pseudonym that matches no member (e.g. after a key rotation), shortened for reading.
fn short(pseudonym: &str) -> String {
    format!("#{}", pseudonym.chars().take(12).collect::<String>())
}
