//! `GET /ui/applications/{id}`: the report page. The read is the use case's
//! (`service::read`), as for `GET /api/v1/applications/{id}`: a report is shown only once
//! its `report_view` audit rows are written (no row, no report).

use super::error::Page;
use super::error::{UiError, render};
use super::i18n::{Kind, Lang, LangChoice};
use super::page::{Choice, Layout, format_ms, format_time, respond};
use super::report_view::ReportView;
use super::session::Session;
use crate::domain::Application;
use crate::policy::Report;
use crate::service::Services;
use crate::store::{ApplicationStatus, Decision, Review};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    id: String,
    applicant: String,
    program: String,
    region: String,
    status: String,
    submitted: String,
    completed: Option<String>,
    /// When the application's personal data was erased after its retention period.
    erased: Option<String>,
    pending: Option<String>,
    report: Option<ReportView>,
    /// Re-checks only: what changed since the previous report, shown first.
    changes_title: &'static str,
    changes: Vec<String>,
    consents: Vec<ConsentRow>,
    reviews: Vec<ReviewRow>,
    form: Option<DecisionForm>,
}

struct ConsentRow {
    id: String,
    member: String,
    agencies: String,
    purpose: String,
    signed_at: String,
    expires_at: String,
    evidence: String,
    used: &'static str,
}

struct ReviewRow {
    at: String,
    officer: String,
    decision: String,
    class: &'static str,
    note: String,
}

struct DecisionForm {
    notice: Option<&'static str>,
    errors: Vec<&'static str>,
    choices: Vec<Choice>,
    note: String,
}

/// What the officer last typed into the decision form, and what was wrong with it.
#[derive(Default)]
pub struct FormState {
    pub errors: Vec<&'static str>,
    pub decision: Option<String>,
    pub note: String,
}

/// While a check runs the page reloads itself this often (no JavaScript needed).
const REFRESH_S: u32 = 5;

#[get("/applications/{id}")]
#[tracing::instrument(skip_all, fields(caller = %session.caller.sub))]
pub async fn show(
    request: HttpRequest,
    session: Session,
    lang: LangChoice,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    page(&request, &session, lang, &services, &path, FormState::default(), StatusCode::OK).await
}

/// Reads application `id` through the use case (which audits the view) and renders it,
/// with the decision form in `form`'s state.
pub async fn page(
    request: &HttpRequest,
    session: &Session,
    lang: LangChoice,
    services: &Services,
    id: &str,
    form: FormState,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| UiError::NotFound(Page::of(request, Some(session))))?;
    let record = services
        .read_application(&session.caller, id)
        .await
        .map_err(|e| UiError::of_service(request, session, e))?;
    let report: Option<Report> =
        record.report.as_ref().map(|r| r.parse()).transpose().map_err(anyhow::Error::from)?;
    let id = record.id.to_string();
    let application: Option<&Application> = record.body.as_ref();
    let reviews = services.store.reviews(record.id).await.map_err(anyhow::Error::from)?;
    let l = lang.lang;
    let t = l.labels();
    let mut layout =
        Layout::new(request, l, t.title_report, &format!("/ui/applications/{id}")).signed_in(session);
    layout.application_id = Some(id.clone());
    let pending = match record.status {
        ApplicationStatus::Queued => Some(t.pending_queued.to_owned()),
        ApplicationStatus::Running => Some(t.pending_running.to_owned()),
        ApplicationStatus::Failed => {
            Some(format!("{} {}", t.pending_failed, record.failure.as_deref().unwrap_or_default()))
        }
        ApplicationStatus::Completed => None,
    };
    if !record.status.is_final() {
        layout.refresh_s = REFRESH_S;
    }
    let page = ReportPage {
        layout,
        applicant: record.applicant_masked.clone(),
        program: l.value(Kind::Program, record.program.as_str()),
        region: record.region.as_str().to_owned(),
        status: l.value(Kind::Status, record.status.as_str()),
        submitted: format_ms(record.submitted_at_ms),
        completed: record.completed_at_ms.map(format_ms),
        erased: record.erased_at_ms.map(format_ms),
        pending,
        changes_title: super::changes::title(l),
        changes: super::changes::lines(l, record.report.as_ref().map(|r| r.json())),
        consents: consent_rows(l, application, report.as_ref()),
        report: report.as_ref().map(|r| ReportView::build(l, r, application)),
        form: (record.status == ApplicationStatus::Completed).then(|| decision_form(l, &reviews, form)),
        reviews: reviews.iter().map(|r| review_row(l, r)).collect(),
        id,
    };
    Ok(respond(status, lang, render(&page)?))
}

fn consent_rows(lang: Lang, application: Option<&Application>, report: Option<&Report>) -> Vec<ConsentRow> {
    let Some(application) = application else { return Vec::new() };
    application
        .consents
        .iter()
        .map(|consent| {
            let member = consent.id_number.masked();
            let used = report.is_some_and(|r| {
                r.members
                    .iter()
                    .filter(|m| m.id_number_masked == member)
                    .any(|m| m.sources.values().any(|s| s.consent_id.as_deref() == Some(consent.id.as_str())))
            });
            ConsentRow {
                id: consent.id.clone(),
                agencies: consent
                    .agencies
                    .iter()
                    .map(|a| lang.value(Kind::Agency, a.as_str()))
                    .collect::<Vec<_>>()
                    .join("、"),
                purpose: lang.value(Kind::Program, consent.purpose.as_str()),
                signed_at: format_time(consent.signed_at),
                expires_at: format_time(consent.expires_at),
                evidence: consent.evidence_ref.clone(),
                used: lang.yes_no(used),
                member,
            }
        })
        .collect()
}

fn review_row(lang: Lang, review: &Review) -> ReviewRow {
    ReviewRow {
        at: format_ms(review.decided_at_ms),
        officer: review.officer.clone(),
        decision: lang.value(Kind::Decision, review.decision.as_str()),
        class: decision_class(review.decision),
        note: review.note.clone(),
    }
}

pub fn decision_class(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "ok",
        Decision::Reject => "bad",
        Decision::Return => "warn",
    }
}

/// The decisions offered: after an approval or a rejection only a return, as
/// `Store::record_review` will insist (the form only spares the officer a refusal).
fn decision_form(lang: Lang, reviews: &[Review], state: FormState) -> DecisionForm {
    let decided = reviews.last().is_some_and(|r| r.decision != Decision::Return);
    let codes: &[&'static str] = if decided { &["return"] } else { &["approve", "reject", "return"] };
    DecisionForm {
        notice: decided.then_some(lang.labels().decided_notice),
        errors: state.errors,
        choices: Choice::all(lang, Kind::Decision, codes, state.decision.as_deref()),
        note: state.note,
    }
}
