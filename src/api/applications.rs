//! `/api/v1/applications`: submit, read and list verifications. The use cases are
//! `service`'s; these handlers only translate HTTP to them and their results to JSON.

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::Caller;
use crate::domain::{Program, RegionPrefix};
use crate::policy::Verdict;
use crate::service::Services;
use crate::service::list::ListQuery;
use crate::service::submit::{IDEMPOTENCY_KEY, Submission, Submitted};
use crate::store::{ApplicationStatus, Cursor};
use crate::views::{ApplicationPage, ApplicationView, SummaryView};
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

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
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let wait_s = params
        .wait
        .as_deref()
        .map(|w| {
            w.parse::<u64>()
                .map_err(|_| ApiError::field("wait", "must be a whole number of seconds from 0 to 30"))
        })
        .transpose()?;
    let submission = Submission {
        body: &body,
        idempotency_key: request.headers().get(IDEMPOTENCY_KEY).map(|v| v.as_bytes()),
        wait_s,
    };
    Ok(match services.submit(&caller, submission).await? {
        Submitted::Finished(record) => HttpResponse::Ok().json(ApplicationView::of(&record)),
        Submitted::Accepted(record) => HttpResponse::Accepted()
            .insert_header((LOCATION, format!("/api/v1/applications/{}", record.id)))
            .json(ApplicationView::of(&record)),
    })
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
    caller: Caller,
    path: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let record = services.read_application(&caller, id).await?;
    Ok(HttpResponse::Ok().json(ApplicationView::of(&record)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A region code or prefix (e.g. `50` or `500103`), narrowed to the caller's own regions.
    #[param(pattern = r"^[0-9]{1,6}$", example = "5001")]
    region: Option<String>,
    #[param(value_type = Option<crate::store::ApplicationStatus>)]
    status: Option<String>,
    #[param(value_type = Option<crate::policy::Verdict>)]
    verdict: Option<String>,
    #[param(value_type = Option<crate::domain::Program>)]
    program: Option<String>,
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
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let query = ListQuery {
        page: whole_number(params.page.as_deref(), "page", 1..=1_000_000)?.unwrap_or(1),
        page_size: whole_number(params.page_size.as_deref(), "page_size", 1..=200)?.unwrap_or(50),
        from_ms: params.from.as_deref().map(|t| parse_bound(t, "from", false)).transpose()?,
        to_ms: params.to.as_deref().map(|t| parse_bound(t, "to", true)).transpose()?,
        after: params.cursor.as_deref().map(decode_cursor).transpose()?,
        status: params
            .status
            .map(|s| {
                ApplicationStatus::parse(&s)
                    .ok_or_else(|| ApiError::field("status", "must be queued, running, completed or failed"))
            })
            .transpose()?,
        verdict: params
            .verdict
            .map(|v| {
                Verdict::parse(&v).ok_or_else(|| {
                    let all: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
                    ApiError::field("verdict", format!("must be one of {}", all.join(", ")))
                })
            })
            .transpose()?,
        program: params
            .program
            .map(|p| {
                Program::parse(&p).ok_or_else(|| {
                    ApiError::field("program", "must be dibao, tekun, low_income or temporary")
                })
            })
            .transpose()?,
        region: params
            .region
            .map(|r| RegionPrefix::parse(&r).map_err(|e| ApiError::field("region", e)))
            .transpose()?,
    };
    let (page, page_size) = (query.page, query.page_size);
    let records = services.list_applications(&caller, query).await?;
    let next_cursor = (records.len() == page_size as usize)
        .then(|| records.last().map(|r| encode_cursor(r.submitted_at_ms, &r.id.to_string())))
        .flatten();
    let items: Vec<SummaryView> = records.iter().map(SummaryView::from).collect();
    Ok(HttpResponse::Ok().json(ApplicationPage { items, page, page_size, next_cursor }))
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
