//! The REST API (`/api/v1`), the probes and the API's OpenAPI description. Handlers
//! parse at the edge, check the caller's scope, and answer errors as problem details.

mod applications;
mod audit;
/// Audit-row helpers, shared with the officers' pages (`crate::ui`).
pub(crate) mod audited;
/// The beneficiary registry (re-checks).
mod beneficiaries;
/// Renewing a registered household's consents.
mod beneficiary_consents;
mod caller;
mod canonical;
mod consents;
mod extractors;
mod health;
mod methods;
pub mod openapi;
pub mod problem;
mod refusal_guard;
mod replay;
mod request_id;
mod request_span;
mod reviews;
pub mod views;

pub use applications::IntakeSettings;
pub(crate) use applications::scoped_prefixes;
pub use extractors::{json_config, query_config};
pub use refusal_guard::{AddressThrottle, RefusalGuard, refusal_guard};
pub use request_id::problem_details;
pub use request_span::RequestSpan;
pub(crate) use reviews::{applicant_subject, parse_decision};

use actix_web::web;

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(crate::metrics::render)
        .service(applications::submit)
        .service(applications::list)
        .service(applications::read)
        .service(replay::replay)
        .service(reviews::decide)
        .service(consents::revoke)
        .service(beneficiaries::list)
        .service(beneficiaries::register)
        .service(beneficiary_consents::renew)
        .service(audit::verify_chain)
        .service(audit::search)
        .service(openapi::openapi_json)
        .service(openapi::docs_redirect)
        .service(openapi::swagger_ui())
        .configure(methods::configure);
}
