//! `GET /ui/applications`: the applications of the officer's regions, newest first, with
//! filters (status, verdict, programme, region, submission dates) and pages. The listing
//! and its region scope are the use case's (`service::list`).

use super::UiState;
use super::error::{UiError, render};
use super::i18n::{Kind, Lang, LangChoice};
use super::page::{Choice, Layout, format_ms, respond};
use super::report_view::verdict_class;
use super::session::Session;
use crate::auth::Role;
use crate::domain::dates::SHANGHAI;
use crate::domain::{Program, RegionPrefix};
use crate::policy::Verdict;
use crate::service::Services;
use crate::service::list::ListQuery as Listing;
use crate::store::{ApplicationRecord, ApplicationStatus};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;
use time::macros::format_description;

const STATUSES: [&str; 4] = ["queued", "running", "completed", "failed"];
const VERDICTS: [&str; 5] = ["eligible", "low_income", "graduating", "ineligible", "needs_review"];
const PROGRAMS: [&str; 4] = ["dibao", "tekun", "low_income", "temporary"];

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    verdict: Option<String>,
    program: Option<String>,
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    scope: String,
    statuses: Vec<Choice>,
    verdicts: Vec<Choice>,
    programs: Vec<Choice>,
    region: String,
    from: String,
    to: String,
    errors: Vec<&'static str>,
    rows: Vec<Row>,
    page: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

struct Row {
    id: String,
    applicant: String,
    program: String,
    region: String,
    badge_class: &'static str,
    badge: String,
    submitted: String,
}

#[get("/applications")]
#[tracing::instrument(skip_all, fields(caller = %session.caller.sub))]
pub async fn list(
    request: HttpRequest,
    session: Session,
    lang: LangChoice,
    ui: web::Data<UiState>,
    services: web::Data<Services>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, UiError> {
    let t = lang.lang.labels();
    let mut errors = Vec::new();
    let query = Filters::read(query.into_inner());
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let listing = Listing {
        status: query.status.and_then(ApplicationStatus::parse),
        verdict: query.verdict.and_then(Verdict::parse),
        program: query.program.and_then(Program::parse),
        region: query.region.clone(),
        from_ms: query.from.as_deref().and_then(|d| day_start_ms(d, false)),
        to_ms: query.to.as_deref().and_then(|d| day_start_ms(d, true)),
        after: None,
        page,
        page_size: ui.page_size,
    };
    if query.bad_date {
        errors.push(t.filter_bad_date);
    }
    if query.bad_region {
        errors.push(t.filter_bad_region);
    }
    let caller = &session.caller;
    let records = services
        .list_applications(caller, listing)
        .await
        .map_err(|e| UiError::of_service(&request, &session, e))?;
    let has_next = records.len() == ui.page_size as usize;
    let href = |page: u32| format!("/ui/applications?{}", query.to_query(page));
    let body = ListPage {
        layout: Layout::new(&request, lang.lang, t.title_list, "/ui/applications").signed_in(&session),
        scope: match caller.role {
            Role::Admin if caller.regions.is_empty() => t.scope_all.to_owned(),
            _ => caller.regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("、"),
        },
        statuses: Choice::all(lang.lang, Kind::Status, &STATUSES, query.status),
        verdicts: Choice::all(lang.lang, Kind::Verdict, &VERDICTS, query.verdict),
        programs: Choice::all(lang.lang, Kind::Program, &PROGRAMS, query.program),
        region: query.region.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        errors,
        rows: records.iter().map(|r| row(lang.lang, r)).collect(),
        page,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: has_next.then(|| href(page + 1)),
    };
    Ok(respond(StatusCode::OK, lang, render(&body)?))
}

fn row(lang: Lang, record: &ApplicationRecord) -> Row {
    let (badge_class, badge) = match (&record.status, &record.verdict) {
        (ApplicationStatus::Completed, Some(verdict)) => {
            (verdict_class(verdict.as_str()), lang.value(Kind::Verdict, verdict.as_str()))
        }
        (ApplicationStatus::Failed, _) => ("bad", lang.value(Kind::Status, "failed")),
        (status, _) => ("muted", lang.value(Kind::Status, status.as_str())),
    };
    Row {
        id: record.id.to_string(),
        applicant: record.applicant_masked.clone(),
        program: lang.value(Kind::Program, record.program.as_str()),
        region: record.region.as_str().to_owned(),
        badge_class,
        badge,
        submitted: format_ms(record.submitted_at_ms),
    }
}

/// The filters as given, each kept only if valid (a bad one is ignored and named).
struct Filters {
    status: Option<&'static str>,
    verdict: Option<&'static str>,
    program: Option<&'static str>,
    region: Option<RegionPrefix>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
    bad_date: bool,
    bad_region: bool,
}

impl Filters {
    fn read(query: ListQuery) -> Self {
        let given = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let pick = |value: Option<String>, codes: &[&'static str]| {
            given(value).and_then(|v| codes.iter().copied().find(|code| *code == v))
        };
        let region = given(query.region);
        let parsed_region = region.as_deref().map(RegionPrefix::parse);
        let date = |value: Option<String>| given(value).map(|d| (day_start_ms(&d, false).is_some(), d));
        let (from, to) = (date(query.from), date(query.to));
        Self {
            status: pick(query.status, &STATUSES),
            verdict: pick(query.verdict, &VERDICTS),
            program: pick(query.program, &PROGRAMS),
            bad_region: matches!(parsed_region, Some(Err(_))),
            region: parsed_region.and_then(Result::ok),
            bad_date: [&from, &to].iter().any(|d| matches!(d, Some((false, _)))),
            from: from.filter(|(ok, _)| *ok).map(|(_, d)| d),
            to: to.filter(|(ok, _)| *ok).map(|(_, d)| d),
            page: query.page.and_then(|p| p.trim().parse().ok()),
        }
    }

    /// The query string of `page` with these filters.
    fn to_query(&self, page: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("status", self.status.map(str::to_owned)),
            ("verdict", self.verdict.map(str::to_owned)),
            ("program", self.program.map(str::to_owned)),
            ("region", self.region.as_ref().map(|r| r.as_str().to_owned())),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
        ];
        for (key, value) in pairs {
            if let Some(value) = value {
                query.append_pair(key, &value);
            }
        }
        query.append_pair("page", &page.to_string()).finish()
    }
}

/// A day (`2026-11-24`, Beijing time) as milliseconds: its start, or for `end` the start of
/// the next day (the `to` date is inclusive).
fn day_start_ms(text: &str, end: bool) -> Option<i64> {
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    let date = if end { date.next_day()? } else { date };
    Some((date.midnight().assume_offset(SHANGHAI).unix_timestamp_nanos() / 1_000_000) as i64)
}
