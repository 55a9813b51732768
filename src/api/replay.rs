//! `POST /api/v1/applications/{id}/replay`: re-derives a verdict from the stored evidence
//! and the parameters of the policy version the report names, and says whether the
//! result is identical to the stored report.

use super::openapi::problems as p;
use super::problem::ApiError;
use crate::auth::{Caller, Role};
use crate::domain::{Application, MemberEvidence, RegionCode};
use crate::policy::{self, PolicyParams};
use crate::store::Store;
use actix_web::{HttpResponse, post, web};
use serde_json::Value;
use uuid::Uuid;

/// What a replay found.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReplayOutcome {
    pub id: Uuid,
    /// Whether the re-derived report equals the stored one.
    pub identical: bool,
    pub policy_version: String,
    #[schema(value_type = crate::policy::Verdict)]
    pub stored_verdict: Value,
    #[schema(value_type = crate::policy::Verdict)]
    pub replayed_verdict: Value,
    /// JSON-pointer paths where the two reports differ.
    pub differences: Vec<String>,
    /// The re-derived report.
    #[schema(value_type = crate::policy::Report)]
    pub report: Value,
}

/// Replay a verdict from the stored evidence.
///
/// Re-derives the report from the evidence stored with it and the policy parameters of the
/// version it names (not today's), and says whether the result is identical.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/replay",
    tag = "applications",
    operation_id = "replayApplication",
    params(("id" = String, Path, format = Uuid, description = "The application's id.")),
    responses(
        (status = 200, description = "The replayed report and its differences.", body = ReplayOutcome),
        (status = 401, response = p::Unauthorized),
        (status = 404, response = p::NotFound),
        (status = 409, response = p::Conflict),
        (status = 410, response = p::Gone),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[post("/api/v1/applications/{id}/replay")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn replay(
    caller: Caller,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let record = store.get_application(id).await?.ok_or(ApiError::NotFound)?;
    let region = RegionCode::parse(&record.region).map_err(|e| anyhow::anyhow!(e))?;
    let allowed = caller.role == Role::Auditor || caller.may_read(&region, &record.caller_sub);
    if !allowed {
        return Err(ApiError::NotFound);
    }
    let stored = store
        .evidence(id)
        .await?
        .ok_or_else(|| ApiError::Conflict("the application has no report yet".into()))?;
    let evidence_json = stored
        .evidence_json
        .ok_or(ApiError::Gone("the evidence was purged after its retention period".into()))?;
    let params_json = stored.policy_params_json.ok_or_else(|| {
        ApiError::Conflict(format!("the parameters of {} are not on record", stored.policy_version))
    })?;
    let application: Application = serde_json::from_str(&stored.body_json).map_err(anyhow::Error::from)?;
    let evidence: Vec<MemberEvidence> = serde_json::from_str(&evidence_json).map_err(anyhow::Error::from)?;
    let params: PolicyParams = serde_json::from_str(&params_json).map_err(anyhow::Error::from)?;
    let original: Value = serde_json::from_str(&stored.report_json).map_err(anyhow::Error::from)?;
    let mut replayed = policy::assess(&application, &evidence, &params, &stored.policy_version);
    // The stored parameters are those of the recorded version, so they came from its files.
    replayed.policy_source = serde_json::from_value(original["policy_source"].clone()).unwrap_or(None);
    let replayed = serde_json::to_value(&replayed).map_err(anyhow::Error::from)?;
    let mut differences = Vec::new();
    diff("", &original, &replayed, &mut differences);
    Ok(HttpResponse::Ok().json(ReplayOutcome {
        id,
        identical: differences.is_empty(),
        policy_version: stored.policy_version,
        stored_verdict: original["verdict"].clone(),
        replayed_verdict: replayed["verdict"].clone(),
        differences,
        report: replayed,
    }))
}

/// JSON-pointer paths where `a` and `b` differ.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                diff(
                    &format!("{path}/{key}"),
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (index, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}/{index}"), p, q, out);
            }
        }
        _ if a != b => out.push(if path.is_empty() { "/".into() } else { path.to_owned() }),
        _ => {}
    }
}
