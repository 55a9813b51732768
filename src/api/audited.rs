//! Writing audit rows from handlers: report views, decisions, revocations and refusals.

use crate::audit::AuditEvent;
use crate::auth::{Caller, Role};
use crate::service::RefusalLog;
use actix_web::{HttpRequest, web};

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

/// Records a refusal without holding up the answer: queued for the bounded refusal
/// writer of the app serving `request` (`crate::service::refusals`).
pub fn record_refusal(request: &HttpRequest, event: AuditEvent) {
    match request.app_data::<web::Data<RefusalLog>>() {
        Some(refusals) => refusals.record(event),
        None => tracing::error!(action = event.action, "no refusal log: a refusal was not audited"),
    }
}
