//! Writing audit rows from handlers: report views, decisions, revocations and refusals.

use crate::audit::AuditEvent;
use crate::auth::{Caller, Role};
use crate::store::Store;

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Intake => "intake",
        Role::Officer => "officer",
        Role::Auditor => "auditor",
        Role::Admin => "admin",
    }
}

/// An event by `caller` about an application.
pub fn event(
    caller: &Caller,
    action: &'static str,
    application_id: Option<String>,
    outcome: &str,
) -> AuditEvent {
    AuditEvent {
        actor_sub: caller.sub.clone(),
        actor_role: role_name(caller.role).to_owned(),
        action,
        application_id,
        subject: None,
        agency: None,
        consent_id: None,
        outcome: outcome.to_owned(),
    }
}

/// Records a refusal without holding up the answer; a failure to record is logged.
pub fn record_refusal(store: &Store, event: AuditEvent) {
    let store = store.clone();
    tokio::spawn(async move {
        if let Err(error) = store.append_audit(&[event]).await {
            tracing::error!(error = ?error, "could not audit a refused access");
        }
    });
}
