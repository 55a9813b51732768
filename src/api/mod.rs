//! The REST API (`/api/v1`) and probes. Handlers parse at the edge, check the caller's
//! scope, and answer errors as problem details.

mod applications;
mod caller;
mod health;
pub mod problem;
mod request_id;
mod views;

pub use applications::ApiLimits;
pub use request_id::problem_details;

use actix_web::web;

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(applications::submit)
        .service(applications::list)
        .service(applications::read);
}
