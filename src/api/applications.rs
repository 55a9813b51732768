//! `/api/v1/applications`: submit, read and list verifications.

use super::audited::{self, record_refusal};
use super::canonical::canonical_hash;
use super::openapi::problems as p;
use super::problem::ApiError;
use super::views::{ApplicationPage, ApplicationView, SummaryView};
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::cache::Pseudonymizer;
use crate::domain::{Application, parse::parse_application, today_in_shanghai};
use crate::jobs::Completions;
use crate::policy::PolicyBook;
use crate::store::ConsentRecord;
use crate::store::{
    ApplicationRecord, ApplicationStatus, Cursor, IdempotencyKey, InsertOutcome, ListFilter, NewApplication,
    Store,
};
use crate::webhooks::CallbackPolicy;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use uuid::Uuid;

/// Intake settings that come from config.
#[derive(Debug, Clone)]
pub struct IntakeSettings {
    pub max_wait_s: u64,
    pub idempotency_keep_ms: i64,
    pub callback_policy: CallbackPolicy,
}

#[derive(Debug, Deserialize)]
pub struct SubmitParams {
    wait: Option<String>,
}

/// Submit an application for verification.
///
/// The application is committed before the answer: `202` with its `id`, status `queued`
/// and a `Location` to poll. With `?wait=S` the request waits up to S seconds and answers
/// `200` with the finished application when it completes in time. Emergency temporary
/// assistance already carries `advance_relief` and `approval_level` in the `202`.
#[utoipa::path(
    post,
    path = "/api/v1/applications",
    tag = "applications",
    operation_id = "submitApplication",
    params(
        ("wait" = Option<u32>, Query, minimum = 0, maximum = 30,
            description = "Wait up to this many seconds for the verdict (at most `server.max_wait_s`, 30)."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
            description = "Makes retries safe: the same key and body answer as the first submission did; the same key with another body is a 422; a key still being accepted is a 409."),
    ),
    request_body(content = super::openapi::body::ApplicationBody, content_type = "application/json",
        description = "The application (DESIGN §4.1); at most `server.body_limit_bytes`."),
    responses(
        (status = 200, description = "Finished within `wait`: the completed (or failed) application.", body = ApplicationView),
        (status = 202, description = "Accepted and durable; poll `Location`.", body = ApplicationView,
            headers(("Location" = String, description = "`/api/v1/applications/{id}`"))),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 409, response = p::Conflict),
        (status = 413, response = p::PayloadTooLarge),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/applications")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
#[allow(clippy::too_many_arguments)] // one extractor per dependency, as actix wants them
pub async fn submit(
    caller: Caller,
    request: HttpRequest,
    body: web::Bytes,
    params: web::Query<SubmitParams>,
    store: web::Data<Store>,
    completions: web::Data<Completions>,
    policies: web::Data<PolicyBook>,
    settings: web::Data<IntakeSettings>,
    pseudonymizer: web::Data<Pseudonymizer>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Intake | Role::Admin) {
        return Err(ApiError::Forbidden("only intake systems submit applications".into()));
    }
    let wait = parse_wait(params.wait.as_deref(), settings.max_wait_s)?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("body", format!("is not valid JSON ({e})")))?;
    let idempotency = idempotency_key(&request, &json, settings.idempotency_keep_ms)?;
    let application = parse_application(&json, today_in_shanghai()).map_err(ApiError::Validation)?;
    if let Some(url) = &application.callback_url {
        settings.callback_policy.check(url).map_err(|message| ApiError::field("callback_url", message))?;
    }
    if !caller.may_create_in(&application.region) {
        return Err(ApiError::Forbidden(format!(
            "region {} is outside the caller's regions",
            application.region
        )));
    }
    let new_id = Uuid::now_v7();
    let body_json = serde_json::to_string(&application).map_err(anyhow::Error::from)?;
    let consents: Vec<ConsentRecord> = ConsentRecord::of_application(&application, &pseudonymizer);
    let new = NewApplication {
        consents: &consents,
        id: new_id,
        program: application.program.as_str(),
        region: application.region.as_str(),
        caller_sub: &caller.sub,
        applicant_masked: &application.applicant_masked(),
        body_json: &body_json,
    };
    let id = match store.insert_application(&new, idempotency.as_ref()).await? {
        InsertOutcome::Inserted => {
            completions.announce_queued();
            crate::metrics::applications::accepted(application.program.as_str());
            tracing::info!(application = %new_id, program = %application.program, "application accepted");
            new_id
        }
        InsertOutcome::Replayed(existing) => {
            tracing::info!(application = %existing, "idempotent replay");
            existing
        }
        InsertOutcome::KeyReused => {
            return Err(ApiError::field(IDEMPOTENCY_KEY, "was already used with a different body"));
        }
        InsertOutcome::InFlight => {
            return Err(ApiError::RetryLater(
                "a request with this Idempotency-Key is still being accepted".into(),
            ));
        }
    };
    if let Some(wait) = wait
        && let Some(record) = wait_until_final(&store, &completions, id, wait).await?
    {
        return Ok(HttpResponse::Ok().json(ApplicationView::build(&record, Some(&application), &policies)));
    }
    let accepted = if id == new_id {
        ApplicationView::accepted(id, &application, &policies)
    } else {
        let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
        ApplicationView::build(&record, Some(&application), &policies)
    };
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/v1/applications/{id}")))
        .json(accepted))
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The caller's `Idempotency-Key` with the hash of the canonical body, if one was sent.
fn idempotency_key(
    request: &HttpRequest,
    body: &serde_json::Value,
    keep_ms: i64,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = request.headers().get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::field(IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters"))?;
    Ok(Some(IdempotencyKey { key: key.to_owned(), body_hash: canonical_hash(body), keep_ms }))
}

/// Read an application: its status and, once completed, its verdict and report.
///
/// Intake systems read their own applications, officers those of their regions. Anything
/// else, and an unknown id, answers 404. Reading a report is written to the audit log.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}",
    tag = "applications",
    operation_id = "getApplication",
    params(("id" = String, Path, format = Uuid, description = "The application's id (from the `202` or `Location`).")),
    responses(
        (status = 200, description = "The application.", body = ApplicationView),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/applications/{id}")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn read(
    request: HttpRequest,
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
        record_refusal(
            &request,
            audited::event(&caller, actions::AUTHORIZATION_FAILURE, Some(id.to_string()), "out_of_scope"),
        );
        return Err(ApiError::NotFound);
    }
    if record.report_json.is_some() {
        // No audit row, no report: a view that cannot be recorded is not served.
        store
            .append_audit(&[audited::event(&caller, actions::REPORT_VIEW, Some(id.to_string()), "viewed")])
            .await?;
    }
    let application: Option<Application> = serde_json::from_str(&record.body_json).ok();
    Ok(HttpResponse::Ok().json(ApplicationView::build(&record, application.as_ref(), &policies)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A region code or prefix (e.g. `50` or `500103`), narrowed to the caller's own regions.
    #[param(pattern = r"^[0-9]{1,6}$", example = "5001")]
    region: Option<String>,
    #[param(value_type = Option<super::openapi::StatusName>)]
    status: Option<String>,
    #[param(value_type = Option<crate::policy::Verdict>)]
    verdict: Option<String>,
    /// Submitted on or after this date (YYYY-MM-DD, Asia/Shanghai) or RFC 3339 time.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt].+)?$", example = "2026-11-01")]
    from: Option<String>,
    /// Submitted before the end of this date, or before this RFC 3339 time.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt].+)?$", example = "2026-11-30")]
    to: Option<String>,
    /// Page number, 1 to 1000000 (`cursor` is the stable alternative for deep paging).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    page: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    page_size: Option<String>,
    /// `next_cursor` of the previous page: stable even while new applications arrive.
    #[param(pattern = r"^[0-9]+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    cursor: Option<String>,
}

const VERDICTS: [&str; 5] = ["eligible", "low_income", "graduating", "ineligible", "needs_review"];

/// List applications, newest first.
///
/// Officers see their regions, intake systems their own submissions, admins everything;
/// an officer asking for a region outside theirs gets an empty page.
#[utoipa::path(
    get,
    path = "/api/v1/applications",
    tag = "applications",
    operation_id = "listApplications",
    params(ListParams),
    responses(
        (status = 200, description = "One page of applications.", body = ApplicationPage),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[get("/api/v1/applications")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn list(
    caller: Caller,
    params: web::Query<ListParams>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let mut filter = ListFilter {
        page: whole_number(params.page.as_deref(), "page", 1..=1_000_000)?.unwrap_or(1),
        page_size: whole_number(params.page_size.as_deref(), "page_size", 1..=200)?.unwrap_or(50),
        ..ListFilter::default()
    };
    filter.from_ms = params.from.as_deref().map(|t| parse_bound(t, "from", false)).transpose()?;
    filter.to_ms = params.to.as_deref().map(|t| parse_bound(t, "to", true)).transpose()?;
    filter.after = params.cursor.as_deref().map(decode_cursor).transpose()?;
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
        let empty = ApplicationPage {
            items: Vec::new(),
            page: filter.page,
            page_size: filter.page_size,
            next_cursor: None,
        };
        return Ok(HttpResponse::Ok().json(empty));
    }
    let records = store.list_applications(&filter).await?;
    let next_cursor = (records.len() == filter.page_size as usize)
        .then(|| records.last().map(|r| encode_cursor(r.submitted_at_ms, &r.id.to_string())))
        .flatten();
    let items: Vec<SummaryView> = records.iter().map(SummaryView::from).collect();
    Ok(HttpResponse::Ok().json(ApplicationPage {
        items,
        page: filter.page,
        page_size: filter.page_size,
        next_cursor,
    }))
}

/// An optional whole-number query parameter within `range`, named in the 422 when it is not.
pub(super) fn whole_number(
    raw: Option<&str>,
    field: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, ApiError> {
    let invalid = || {
        ApiError::field(field, format!("must be a whole number from {} to {}", range.start(), range.end()))
    };
    raw.map(|text| text.parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(invalid)).transpose()
}

/// The region prefixes a listing may show: the caller's own, narrowed by the request.
/// An officer asking for a region outside theirs gets an empty scope, not an error.
pub(crate) fn scoped_prefixes(caller: &Caller, requested: Option<&str>) -> Vec<String> {
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

/// A listing bound: a date (start of day in Asia/Shanghai; for `to`, the start of the next
/// day) or an RFC 3339 time, as unix milliseconds.
fn parse_bound(text: &str, field: &str, end_of_day: bool) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let invalid = || ApiError::field(field, "must be a date like 2026-11-24 or an RFC 3339 time");
    let moment = match time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(date) => {
            let date = if end_of_day { date.next_day().ok_or_else(invalid)? } else { date };
            date.midnight().assume_offset(crate::domain::dates::SHANGHAI)
        }
        Err(_) => time::OffsetDateTime::parse(text, &Rfc3339).map_err(|_| invalid())?,
    };
    Ok((moment.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn encode_cursor(submitted_at_ms: i64, id: &str) -> String {
    format!("{submitted_at_ms}_{id}")
}

fn decode_cursor(text: &str) -> Result<Cursor, ApiError> {
    let invalid = || ApiError::field("cursor", "must be a next_cursor returned by a previous page");
    let (at, id) = text.split_once('_').ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Cursor { submitted_at_ms: at.parse().map_err(|_| invalid())?, id: id.to_string() })
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

/// Waits until the application is completed or failed, or `wait` passes, or the process
/// starts draining (the caller then gets the 202 and polls). Wakes on the in-process
/// completion signal, and re-reads the store at least every 500 ms so a completion by
/// another instance is noticed too.
async fn wait_until_final(
    store: &Store,
    completions: &Completions,
    id: Uuid,
    wait: Duration,
) -> Result<Option<ApplicationRecord>, ApiError> {
    let deadline = Instant::now() + wait;
    let mut finished = completions.subscribe();
    let draining = &completions.shutdown().draining;
    loop {
        let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
        if record.status.is_final() {
            return Ok(Some(record));
        }
        let now = Instant::now();
        if now >= deadline || draining.is_cancelled() {
            return Ok(None);
        }
        let slice = (deadline - now).min(Duration::from_millis(500));
        let finished_or_lagged = async {
            loop {
                match finished.recv().await {
                    Ok(done) if done == id => return,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => return,
                    Err(RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        tokio::select! {
            _ = tokio::time::timeout(slice, finished_or_lagged) => {}
            () = draining.cancelled() => {}
        }
    }
}
