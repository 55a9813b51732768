//! The housing provident fund (住房公积金): a person's account, amounts in fen.
//!
//! `GET /gjj/v2/account?sfzh={id}` → `{"found":true,"zhzt":"01|02|03","yjce_fen",
//! "zhye_fen","jcbl":"12%","zjjcny":"202610"}`, or `{"found":false}` for no account.

use crate::agency::Agency;
use crate::decimal;
use crate::fixtures::HousingFundAccount;
use crate::gate;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::HashMap;

const ROUTE: &str = "/gjj/v2/account";
const GARBAGE: &str = r#"{"found":true,"zhzt":"0"#;

#[derive(Serialize)]
struct Account {
    found: bool,
    zhzt: &'static str,
    yjce_fen: i64,
    zhye_fen: i64,
    jcbl: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    zjjcny: Option<String>,
}

#[tracing::instrument(name = "housing_fund", skip_all, fields(route = ROUTE))]
pub(crate) async fn account(state: web::Data<MockState>, request: HttpRequest) -> HttpResponse {
    let params = web::Query::<HashMap<String, String>>::from_query(request.query_string()).ok();
    let id_number = params.as_ref().and_then(|p| p.get("sfzh")).filter(|s| !s.trim().is_empty());
    let named: Vec<&str> = id_number.iter().map(|s| s.as_str()).collect();
    let fault = match gate::admit(&state, Agency::HousingFund, ROUTE, &request, &named).await {
        Ok(fault) => fault,
        Err(answer) => return answer,
    };
    let Some(id_number) = id_number else {
        return gate::error(StatusCode::BAD_REQUEST, "missing_sfzh");
    };
    if let Some(fault) = fault {
        return gate::misbehave(fault, GARBAGE).await;
    }
    match state.person(id_number).and_then(|p| p.housing_fund.as_ref()) {
        None => gate::json(StatusCode::OK, &serde_json::json!({ "found": false })),
        Some(account) => match wire(account) {
            Some(answer) => gate::json(StatusCode::OK, &answer),
            None => {
                tracing::error!("a housing-fund amount does not fit in fen");
                HttpResponse::InternalServerError().finish()
            }
        },
    }
}

fn wire(account: &HousingFundAccount) -> Option<Account> {
    Some(Account {
        found: true,
        zhzt: account.status.code(),
        yjce_fen: decimal::fen(account.monthly_deposit)?,
        zhye_fen: decimal::fen(account.balance)?,
        jcbl: decimal::percent(account.contribution_rate),
        zjjcny: account.last_deposit_period.map(|p| p.compact()),
    })
}
