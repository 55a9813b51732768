//! `/api/v1/applications`: submit, read and list verifications.

use super::problem::ApiError;
use super::views::{ApplicationView, SummaryView};
use crate::auth::{Caller, Role};
use crate::domain::{Application, parse::parse_application, today_in_shanghai};
use crate::jobs::Completions;
use crate::policy::PolicyBook;
use crate::store::{ApplicationRecord, ApplicationStatus, ListFilter, NewApplication, Store};
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use uuid::Uuid;

/// Limits of the applications API that come from config.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    pub max_wait_s: u64,
}

#[derive(Debug, Deserialize)]
pub struct SubmitParams {
    wait: Option<String>,
}

#[post("/api/v1/applications")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn submit(
    caller: Caller,
    body: web::Bytes,
    params: web::Query<SubmitParams>,
    store: web::Data<Store>,
    completions: web::Data<Completions>,
    policies: web::Data<PolicyBook>,
    limits: web::Data<ApiLimits>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Intake | Role::Admin) {
        return Err(ApiError::Forbidden("only intake systems submit applications".into()));
    }
    let wait = parse_wait(params.wait.as_deref(), limits.max_wait_s)?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("body", format!("is not valid JSON ({e})")))?;
    let application = parse_application(&json, today_in_shanghai()).map_err(ApiError::Validation)?;
    if !caller.may_create_in(&application.region) {
        return Err(ApiError::Forbidden(format!(
            "region {} is outside the caller's regions",
            application.region
        )));
    }
    let id = Uuid::now_v7();
    let body_json = serde_json::to_string(&application).map_err(anyhow::Error::from)?;
    let new = NewApplication {
        id,
        program: application.program.as_str(),
        region: application.region.as_str(),
        caller_sub: &caller.sub,
        applicant_masked: &application.applicant_masked(),
        body_json: &body_json,
    };
    store.insert_application(&new).await?;
    completions.announce_queued();
    tracing::info!(application = %id, program = %application.program, "application accepted");

    if let Some(wait) = wait
        && let Some(record) = wait_until_final(&store, &completions, id, wait).await?
    {
        return Ok(HttpResponse::Ok().json(ApplicationView::build(&record, Some(&application), &policies)));
    }
    let accepted = ApplicationView::accepted(id, &application, &policies);
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/v1/applications/{id}")))
        .json(accepted))
}

#[get("/api/v1/applications/{id}")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn read(
    caller: Caller,
    path: web::Path<String>,
    store: web::Data<Store>,
    policies: web::Data<PolicyBook>,
) -> Result<HttpResponse, ApiError> {
    if caller.role == Role::Auditor {
        return Err(ApiError::Forbidden("auditors read the audit log, not applications".into()));
    }
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
    let region = crate::domain::RegionCode::parse(&record.region).map_err(|e| anyhow::anyhow!(e))?;
    // Out of scope answers exactly like "does not exist": existence must not leak.
    if !caller.may_read(&region, &record.caller_sub) {
        return Err(ApiError::NotFound);
    }
    let application: Option<Application> = serde_json::from_str(&record.body_json).ok();
    Ok(HttpResponse::Ok().json(ApplicationView::build(&record, application.as_ref(), &policies)))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    region: Option<String>,
    status: Option<String>,
    verdict: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

const VERDICTS: [&str; 5] = ["eligible", "low_income", "graduating", "ineligible", "needs_review"];

#[get("/api/v1/applications")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn list(
    caller: Caller,
    params: web::Query<ListParams>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let mut filter = ListFilter {
        page: params.page.unwrap_or(1).max(1),
        page_size: params.page_size.unwrap_or(50).clamp(1, 200),
        ..ListFilter::default()
    };
    if let Some(status) = params.status {
        ApplicationStatus::parse(&status)
            .ok_or_else(|| ApiError::field("status", "must be queued, running, completed or failed"))?;
        filter.status = Some(status);
    }
    if let Some(verdict) = params.verdict {
        if !VERDICTS.contains(&verdict.as_str()) {
            return Err(ApiError::field("verdict", format!("must be one of {}", VERDICTS.join(", "))));
        }
        filter.verdict = Some(verdict);
    }
    let requested = params
        .region
        .map(|r| crate::domain::RegionPrefix::parse(&r).map_err(|e| ApiError::field("region", e)))
        .transpose()?;
    match caller.role {
        Role::Auditor => {
            return Err(ApiError::Forbidden("auditors read the audit log, not applications".into()));
        }
        Role::Intake => filter.caller_sub = Some(caller.sub.clone()),
        Role::Officer | Role::Admin => {}
    }
    filter.region_prefixes = scoped_prefixes(&caller, requested.as_ref().map(|r| r.as_str()));
    if caller.role == Role::Officer && filter.region_prefixes.is_empty() {
        return Ok(HttpResponse::Ok()
            .json(serde_json::json!({"items": [], "page": filter.page, "page_size": filter.page_size})));
    }
    let records = store.list_applications(&filter).await?;
    let items: Vec<SummaryView> = records.iter().map(SummaryView::from).collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "page": filter.page, "page_size": filter.page_size})))
}

/// The region prefixes a listing may show: the caller's own, narrowed by the request.
/// An officer asking for a region outside theirs gets an empty scope, not an error.
fn scoped_prefixes(caller: &Caller, requested: Option<&str>) -> Vec<String> {
    let own: Vec<&str> = caller.regions.iter().map(|r| r.as_str()).collect();
    match (caller.role, requested) {
        (Role::Officer, None) => own.iter().map(|r| (*r).to_owned()).collect(),
        (Role::Officer, Some(wanted)) => {
            if own.iter().any(|r| wanted.starts_with(r)) {
                vec![wanted.to_owned()]
            } else {
                // Narrower own prefixes inside the requested one.
                own.iter().filter(|r| r.starts_with(wanted)).map(|r| (*r).to_owned()).collect()
            }
        }
        (_, Some(wanted)) => vec![wanted.to_owned()],
        (_, None) => Vec::new(),
    }
}

fn parse_wait(raw: Option<&str>, max_wait_s: u64) -> Result<Option<Duration>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.parse::<u64>() {
        Ok(seconds) if seconds <= max_wait_s => Ok(Some(Duration::from_secs(seconds))),
        _ => {
            Err(ApiError::field("wait", format!("must be a whole number of seconds from 0 to {max_wait_s}")))
        }
    }
}

/// Waits until the application is completed or failed, or `wait` passes. Wakes on the
/// in-process completion signal, and re-reads the store at least every 500 ms so a
/// completion by another instance is noticed too.
async fn wait_until_final(
    store: &Store,
    completions: &Completions,
    id: Uuid,
    wait: Duration,
) -> Result<Option<ApplicationRecord>, ApiError> {
    let deadline = Instant::now() + wait;
    let mut finished = completions.subscribe();
    loop {
        let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
        if record.status.is_final() {
            return Ok(Some(record));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let slice = (deadline - now).min(Duration::from_millis(500));
        let _ = tokio::time::timeout(slice, async {
            loop {
                match finished.recv().await {
                    Ok(done) if done == id => return,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => return,
                    Err(RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        })
        .await;
    }
}
