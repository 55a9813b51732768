//! `405 Method Not Allowed` (with `Allow`) for a known path called with another method,
//! instead of actix's 404. The known paths and methods are read from the OpenAPI
//! document, so the two cannot disagree.

use actix_web::http::header::ALLOW;
use actix_web::{HttpResponse, web};

/// Registers, after every real route, a catch-all resource per documented path.
pub fn configure(config: &mut web::ServiceConfig) {
    for (path, allow) in documented_methods() {
        config.service(web::resource(path).to(move || {
            let allow = allow.clone();
            async move { HttpResponse::MethodNotAllowed().insert_header((ALLOW, allow)).finish() }
        }));
    }
}

/// Each documented path with its methods, as an `Allow` value (`GET, POST`).
fn documented_methods() -> Vec<(String, String)> {
    super::openapi::document()
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            let allow: Vec<&str> = methods.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
            (path.clone(), allow.join(", "))
        })
        .collect()
}
