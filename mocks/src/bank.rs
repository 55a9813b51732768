//! The bank deposit inquiry: asynchronous and batched.
//!
//! `POST /bank/v1/deposit-inquiries` `{"requests":[{"id_number","ref"}]}` → 202
//! `{"inquiry_id"}`; `GET /bank/v1/deposit-inquiries/{inquiry_id}` →
//! `{"status":"pending|done","results":[{"id_number","accounts":[…]}]}`. An inquiry is
//! done `bank_ready_ms` after submission. The worst fault among its persons, fixed at
//! submission, applies to the whole inquiry: `unavailable` refuses the submission,
//! `timeout` keeps it pending forever, `garbage` spoils the finished answer.

use crate::agency::Agency;
use crate::decimal;
use crate::faults::Fault;
use crate::fixtures::{BankAccount, BankProduct};
use crate::gate;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::time::Instant;

const SUBMIT_ROUTE: &str = "/bank/v1/deposit-inquiries";
const POLL_ROUTE: &str = "/bank/v1/deposit-inquiries/{inquiry_id}";
const GARBAGE: &str = r#"{"status":"done","results":[{"id_number":"#;

/// One submitted inquiry, kept until the server stops.
#[derive(Debug, Clone)]
pub(crate) struct Inquiry {
    id_numbers: Vec<String>,
    submitted: Instant,
    fault: Option<Fault>,
}

#[derive(Serialize)]
struct Account<'a> {
    institution: &'a str,
    product: BankProduct,
    balance: String,
    currency: &'a str,
}

#[derive(Serialize)]
struct PersonResult<'a> {
    id_number: &'a str,
    accounts: Vec<Account<'a>>,
}

#[derive(Serialize)]
struct Status<'a> {
    status: &'static str,
    results: Vec<PersonResult<'a>>,
}

#[tracing::instrument(name = "bank_submit", skip_all, fields(route = SUBMIT_ROUTE))]
pub(crate) async fn submit(
    state: web::Data<MockState>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let parsed = serde_json::from_slice::<serde_json::Value>(&body).ok();
    let named = named_persons(parsed.as_ref());
    let fault = match gate::admit(&state, Agency::Bank, SUBMIT_ROUTE, &request, &named).await {
        Ok(fault) => fault,
        Err(answer) => return answer,
    };
    let Some(id_numbers) = check(parsed.as_ref()) else {
        return gate::error(StatusCode::BAD_REQUEST, "bad_request");
    };
    if let Some(fault @ (Fault::Unavailable | Fault::Reset)) = fault {
        return gate::misbehave(fault, GARBAGE).await;
    }
    let inquiry_id = state.open_inquiry(Inquiry { id_numbers, submitted: Instant::now(), fault });
    HttpResponse::Accepted()
        .content_type("application/json")
        .insert_header(("Location", format!("{SUBMIT_ROUTE}/{inquiry_id}")))
        .body(serde_json::json!({ "inquiry_id": inquiry_id }).to_string())
}

#[tracing::instrument(name = "bank_poll", skip_all, fields(route = POLL_ROUTE))]
pub(crate) async fn poll(
    state: web::Data<MockState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    if let Err(answer) = gate::admit(&state, Agency::Bank, POLL_ROUTE, &request, &[]).await {
        return answer;
    }
    let Some(inquiry) = state.inquiry(&path.into_inner()) else {
        return gate::error(StatusCode::NOT_FOUND, "inquiry_not_found");
    };
    let ready = inquiry.submitted.elapsed() >= state.bank_ready();
    if !ready || inquiry.fault == Some(Fault::Timeout) {
        return gate::json(StatusCode::OK, &Status { status: "pending", results: Vec::new() });
    }
    if inquiry.fault == Some(Fault::Garbage) {
        return gate::misbehave(Fault::Garbage, GARBAGE).await;
    }
    let results = inquiry
        .id_numbers
        .iter()
        .map(|id| PersonResult {
            id_number: id,
            accounts: state.person(id).map(|p| p.bank.iter().map(wire).collect()).unwrap_or_default(),
        })
        .collect();
    gate::json(StatusCode::OK, &Status { status: "done", results })
}

fn wire(account: &BankAccount) -> Account<'_> {
    Account {
        institution: &account.institution,
        product: account.product,
        balance: decimal::money(account.balance),
        currency: &account.currency,
    }
}

/// Every `id_number` string in the body, for counting even a request that is refused.
fn named_persons(body: Option<&serde_json::Value>) -> Vec<&str> {
    let requests = body.and_then(|b| b.get("requests")).and_then(|r| r.as_array());
    requests.into_iter().flatten().filter_map(|r| r.get("id_number").and_then(|v| v.as_str())).collect()
}

/// The persons of a well-formed body: a non-empty `requests` array of
/// `{"id_number": non-empty string, "ref": string}`.
fn check(body: Option<&serde_json::Value>) -> Option<Vec<String>> {
    let requests = body?.get("requests")?.as_array().filter(|r| !r.is_empty())?;
    requests
        .iter()
        .map(|r| {
            r.get("ref")?.as_str()?;
            r.get("id_number")?.as_str().filter(|id| !id.trim().is_empty()).map(str::to_owned)
        })
        .collect()
}
