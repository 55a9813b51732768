//! The stylesheet and the one optional script, compiled into the binary so that `hub serve`
//! serves them from any directory and officers' PCs fetch nothing from outside the hub.

use super::error::{Page, UiError};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, web};

const CSS: &str = include_str!("../../static/ui.css");
/// Progressive enhancement only: a print button and the time of printing on print-outs.
const JS: &str = include_str!("../../static/ui.js");

#[get("/static/{name}")]
pub async fn serve(request: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, UiError> {
    let (body, content_type) = match name.as_str() {
        "ui.css" => (CSS, "text/css; charset=utf-8"),
        "ui.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return Err(UiError::NotFound(Page::of(&request, None))),
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body))
}

#[cfg(test)]
pub(super) fn stylesheet() -> &'static str {
    CSS
}
