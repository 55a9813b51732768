//! The REST API (`/api/v1`) and probes. Handlers parse at the edge, check the caller's
//! scope, and answer errors as problem details.

mod applications;
mod audit;
mod audited;
mod caller;
mod canonical;
mod consents;
mod health;
pub mod problem;
mod replay;
mod request_id;
mod request_span;
mod reviews;
pub mod views;

pub use applications::IntakeSettings;
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
        .service(audit::verify_chain)
        .service(audit::search);
}
