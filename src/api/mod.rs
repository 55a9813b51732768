//! The REST API (`/api/v1`), the probes and the API's OpenAPI description. Handlers
//! parse at the edge, call one use case of `crate::service` (which authorizes and audits),
//! and answer its result as JSON or its refusal as problem details. Nothing here imports
//! the officers' pages, nor they this.

mod applications;
mod audit;
/// The beneficiary registry (re-checks).
mod beneficiaries;
/// Renewing a registered household's consents.
mod beneficiary_consents;
mod caller;
mod consents;
mod extractors;
mod health;
mod methods;
pub mod openapi;
/// The published policy parameters and their reload.
mod policies;
pub mod problem;
mod refusal_guard;
mod replay;
mod request_id;
mod request_span;
mod reviews;

pub use extractors::{json_config, query_config};
pub use refusal_guard::{AddressThrottle, RefusalGuard, refusal_guard};
pub use request_id::problem_details;
pub use request_span::RequestSpan;

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
        .service(policies::published)
        .service(policies::reload)
        .service(openapi::openapi_json)
        .service(openapi::docs_redirect)
        .service(openapi::swagger_ui())
        .configure(methods::configure);
}
