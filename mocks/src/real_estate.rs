//! The real-estate registry (不动产登记): the units a person holds a share in.
//!
//! `POST /bdc/api/query` `{"zjhm": id, "cxyt": purpose}` →
//! `{"code":0,"data":[{"bdcdyh","ghyt","jzmj","qlbl"}]}`. This agency reports its own
//! errors in `code` with HTTP 200 (`{"code":400,"msg":…}` for a bad body); `jzmj` is a
//! JSON number written from the fixture's decimal text, never through a float.

use crate::agency::Agency;
use crate::decimal;
use crate::gate;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::value::RawValue;

const ROUTE: &str = "/bdc/api/query";
const GARBAGE: &str = r#"{"code":0,"data":[{"bdcdyh":"#;

#[derive(Serialize)]
struct Unit {
    bdcdyh: String,
    ghyt: &'static str,
    jzmj: Box<RawValue>,
    qlbl: String,
}

#[derive(Serialize)]
struct Answer {
    code: u32,
    data: Vec<Unit>,
}

#[tracing::instrument(name = "real_estate", skip_all, fields(route = ROUTE))]
pub(crate) async fn query(
    state: web::Data<MockState>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let parsed = serde_json::from_slice::<serde_json::Value>(&body).ok();
    let named = parsed.as_ref().and_then(|v| v.get("zjhm")).and_then(|v| v.as_str());
    let fault = match gate::admit(&state, Agency::RealEstate, ROUTE, &request, named.as_slice()).await {
        Ok(fault) => fault,
        Err(answer) => return answer,
    };
    let id_number = match check(parsed.as_ref()) {
        Ok(id) => id,
        Err(msg) => return gate::json(StatusCode::OK, &serde_json::json!({ "code": 400, "msg": msg })),
    };
    if let Some(fault) = fault {
        return gate::misbehave(fault, GARBAGE).await;
    }
    let units = state.person(id_number).map(|p| p.real_estate.as_slice()).unwrap_or_default();
    let mut data = Vec::with_capacity(units.len());
    for unit in units {
        let Ok(jzmj) = RawValue::from_string(unit.area_m2.to_string()) else {
            tracing::error!("an area did not render as a JSON number");
            return HttpResponse::InternalServerError().finish();
        };
        data.push(Unit {
            bdcdyh: unit.unit_id.clone(),
            ghyt: unit.usage.chinese(),
            jzmj,
            qlbl: decimal::percent(unit.share),
        });
    }
    gate::json(StatusCode::OK, &Answer { code: 0, data })
}

/// The queried ID number, if the body is `{"zjhm": non-empty string, "cxyt": non-empty string}`.
fn check(body: Option<&serde_json::Value>) -> Result<&str, &'static str> {
    let body = body.filter(|b| b.is_object()).ok_or("body must be a JSON object")?;
    let text = |key| body.get(key).and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty());
    let id_number = text("zjhm").ok_or("zjhm (证件号码) is required")?;
    text("cxyt").ok_or("cxyt (查询用途) is required")?;
    Ok(id_number)
}
