//! Answers for paths and methods no route serves. Requests under an agency's prefix
//! still count towards that agency's total, so integrators see their wrong calls.

use crate::agency::Agency;
use crate::gate;
use crate::state::MockState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub(crate) async fn not_found(state: web::Data<MockState>, request: HttpRequest) -> HttpResponse {
    count(&state, &request);
    gate::error(StatusCode::NOT_FOUND, "not_found")
}

pub(crate) async fn method_not_allowed(state: web::Data<MockState>, request: HttpRequest) -> HttpResponse {
    count(&state, &request);
    gate::error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
}

fn count(state: &MockState, request: &HttpRequest) {
    if let Some(agency) = Agency::owning_path(request.path()) {
        state.count(agency, &[]);
        tracing::info!(%agency, method = %request.method(), "no route for this agency request");
    }
}
