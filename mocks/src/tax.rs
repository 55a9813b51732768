//! The tax agency: monthly income records of a taxpayer over a window of months.
//!
//! `GET /tax/v1/persons/{id_number}/income?from=YYYY-MM&to=YYYY-MM` →
//! `{"records":[{"period","item","income"}]}`; an unknown taxpayer (or one without
//! records) is `404 {"error":"taxpayer_not_found"}`, meaning no income.

use crate::agency::Agency;
use crate::decimal;
use crate::gate;
use crate::period::Period;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::HashMap;

const ROUTE: &str = "/tax/v1/persons/{id_number}/income";
const GARBAGE: &str = r#"{"records":[{"period":"2026-0"#;

#[derive(Serialize)]
struct Record {
    period: String,
    item: &'static str,
    income: String,
}

#[derive(Serialize)]
struct Answer {
    records: Vec<Record>,
}

#[tracing::instrument(name = "tax", skip_all, fields(route = ROUTE))]
pub(crate) async fn income(
    state: web::Data<MockState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let id_number = path.into_inner();
    let fault = match gate::admit(&state, Agency::Tax, ROUTE, &request, &[&id_number]).await {
        Ok(fault) => fault,
        Err(answer) => return answer,
    };
    let Some((from, to)) = window(request.query_string()) else {
        return gate::error(StatusCode::BAD_REQUEST, "invalid_period");
    };
    if let Some(fault) = fault {
        return gate::misbehave(fault, GARBAGE).await;
    }
    let Some(person) = state.person(&id_number).filter(|p| !p.tax.is_empty()) else {
        return gate::error(StatusCode::NOT_FOUND, "taxpayer_not_found");
    };
    let mut records: Vec<_> = person.tax.iter().filter(|r| from <= r.period && r.period <= to).collect();
    records.sort_by_key(|r| r.period);
    let records = records
        .into_iter()
        .map(|r| Record {
            period: r.period.to_string(),
            item: r.category.as_str(),
            income: decimal::money(r.amount),
        })
        .collect();
    gate::json(StatusCode::OK, &Answer { records })
}

/// `from` and `to`, both `YYYY-MM`, with `from ≤ to`.
fn window(query: &str) -> Option<(Period, Period)> {
    let params = web::Query::<HashMap<String, String>>::from_query(query).ok()?;
    let from = Period::parse(params.get("from")?)?;
    let to = Period::parse(params.get("to")?)?;
    (from <= to).then_some((from, to))
}
