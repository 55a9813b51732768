//! Replaying a verdict: re-derives the report from the stored evidence and the parameters
//! of the policy version it names (not today's), and says whether the result is identical.
//! The replayed report is report content: its view is audited before it is returned.

use super::Services;
use super::access::Action;
use super::error::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::domain::MemberEvidence;
use crate::policy::{self, PolicyParams};
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

impl Services {
    pub async fn replay(&self, caller: &Caller, id: Uuid) -> ServiceResult<ReplayOutcome> {
        let record = self.application_in_scope(caller, Action::Replay, id).await?;
        let application = record.body.as_ref().ok_or_else(|| {
            ServiceError::Gone("the application's personal data was erased after its retention period".into())
        })?;
        let stored = self
            .store
            .evidence(id)
            .await?
            .ok_or_else(|| ServiceError::Conflict("the application has no report yet".into()))?;
        let evidence_json = stored
            .evidence_json
            .ok_or_else(|| ServiceError::Gone("the evidence was purged after its retention period".into()))?;
        let params_json = stored.policy_params_json.ok_or_else(|| {
            ServiceError::Conflict(format!("the parameters of {} are not on record", stored.policy_version))
        })?;
        let evidence: Vec<MemberEvidence> =
            serde_json::from_str(&evidence_json).map_err(anyhow::Error::from)?;
        let params: PolicyParams = serde_json::from_str(&params_json).map_err(anyhow::Error::from)?;
        let original: Value = serde_json::from_str(&stored.report_json).map_err(anyhow::Error::from)?;
        let mut replayed = policy::assess(application, &evidence, &params, &stored.policy_version);
        // The stored parameters are those of the recorded version, so they came from its files.
        replayed.policy_source = serde_json::from_value(original["policy_source"].clone()).unwrap_or(None);
        let replayed = serde_json::to_value(&replayed).map_err(anyhow::Error::from)?;
        let mut differences = Vec::new();
        diff("", &original, &replayed, &mut differences);
        self.audit_view(caller, &record).await?;
        Ok(ReplayOutcome {
            id,
            identical: differences.is_empty(),
            policy_version: stored.policy_version,
            stored_verdict: original["verdict"].clone(),
            replayed_verdict: replayed["verdict"].clone(),
            differences,
            report: replayed,
        })
    }
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
