//! Gives every response an `X-Request-Id` and turns every error response into problem
//! details that carry it, including the ones actix produces itself (unknown route,
//! wrong method, unreadable body).

use super::problem::{PROBLEM_JSON, Problem};
use actix_web::body::{BoxBody, EitherBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing_actix_web::RequestId;

/// Problem bodies are small; anything larger is passed through untouched.
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

pub async fn problem_details(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, Error> {
    let request_id = request.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
    let instance = request.path().to_owned();
    let response = next.call(request).await?;
    let status = response.status();
    let (http_request, mut http_response) = response.into_parts();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        http_response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    // The officers' pages (`crate::ui`) answer their errors as HTML pages of their own.
    let is_html =
        http_response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_html {
        return Ok(
            ServiceResponse::new(http_request, http_response.map_into_boxed_body()).map_into_left_body()
        );
    }
    let is_problem =
        http_response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    let (head, body) = http_response.into_parts();
    let bytes = to_bytes_limited(body).await;
    let mut document: serde_json::Value = match (is_problem, bytes.as_deref()) {
        (true, Some(bytes)) => serde_json::from_slice(bytes).unwrap_or_default(),
        _ => {
            let title = status.canonical_reason().unwrap_or("Error");
            let detail = if status.is_server_error() {
                "the request could not be completed".to_owned()
            } else {
                bytes
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| title.to_owned())
            };
            let slug = title.to_lowercase().replace(' ', "-");
            serde_json::to_value(Problem::new(status, &slug, title, detail)).unwrap_or_default()
        }
    };
    if let Some(object) = document.as_object_mut() {
        object.insert("instance".into(), instance.into());
        object.insert("request_id".into(), request_id.into());
    }
    let mut rebuilt = head.set_body(BoxBody::new(document.to_string()));
    rebuilt.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Ok(ServiceResponse::new(http_request, rebuilt).map_into_right_body())
}

async fn to_bytes_limited<B: MessageBody>(body: B) -> Option<actix_web::web::Bytes> {
    let bytes = to_bytes(body).await.ok()?;
    (bytes.len() <= MAX_PROBLEM_BYTES).then_some(bytes)
}
