//! Failures of the officers' pages, answered as HTML pages in the officer's language.
//!
//! An application that does not exist and one outside the officer's regions give the very
//! same 404 page, so the UI cannot be used to learn which applications exist elsewhere.

use super::i18n::LangChoice;
use super::page::{Layout, respond, see_other};
use crate::service::ServiceError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use std::fmt;

#[derive(thiserror::Error)]
pub enum UiError {
    /// No valid session: go and sign in, then come back to `next`.
    #[error("sign-in required")]
    SignIn { next: String },
    #[error("not found")]
    NotFound(Box<Page>),
    /// A POST without a valid CSRF token.
    #[error("CSRF token missing or invalid")]
    Csrf(Box<Page>),
    #[error("forbidden")]
    Forbidden(Box<Page>),
    #[error("too many requests")]
    TooManyRequests(Box<Page>),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl fmt::Debug for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unexpected(error) => write!(f, "{error:?}"),
            other => write!(f, "{other}"),
        }
    }
}

/// What an error page needs from its request, captured when the error is made (an actix
/// error response has no access to the request).
pub struct Page {
    lang: LangChoice,
    layout: Layout,
}

impl Page {
    /// Boxed: the error type stays small on every handler's happy path.
    pub fn of(request: &HttpRequest, session: Option<&super::session::Session>) -> Box<Self> {
        let lang = super::i18n::choose(request);
        let mut layout = Layout::new(request, lang.lang, "", request.path());
        if let Some(session) = session {
            layout = layout.signed_in(session);
        }
        Box::new(Self { lang, layout })
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    class: &'a str,
    heading: &'a str,
    message: &'a str,
    back_href: &'a str,
    back_label: &'a str,
}

const INTERNAL: &str = "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统错误 · Internal error</title>\
                        <p>系统错误，请稍后再试。</p><p lang=\"en\">Internal error: please try again later.</p></html>";

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Csrf(_) | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let page = match self {
            Self::SignIn { next } => {
                let query =
                    url::form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
                return see_other(&format!("/ui/login?{query}"));
            }
            Self::Unexpected(error) => {
                tracing::error!(error = ?error, "unexpected error on an officer's page");
                return HttpResponse::InternalServerError()
                    .insert_header(("Content-Type", "text/html; charset=utf-8"))
                    .body(INTERNAL);
            }
            Self::NotFound(page) | Self::Csrf(page) | Self::Forbidden(page) | Self::TooManyRequests(page) => {
                page
            }
        };
        let t = page.lang.lang.labels();
        let (heading, message) = match self {
            Self::NotFound(_) => (t.not_found_title, t.not_found_body),
            Self::Csrf(_) => (t.csrf_title, t.csrf_body),
            Self::Forbidden(_) => (t.forbidden_title, t.login_role),
            _ => (t.error_title, t.too_many_body),
        };
        let signed_in = page.layout.officer.is_some();
        let layout = Layout { title: heading.to_owned(), ..page.layout.clone() };
        let template = ErrorPage {
            layout,
            class: "bad",
            heading,
            message,
            back_href: if signed_in { "/ui/applications" } else { "/ui/login" },
            back_label: if signed_in { t.back_to_list } else { t.back_to_login },
        };
        match template.render() {
            Ok(body) => respond(status, page.lang, body),
            Err(error) => {
                tracing::error!(error = %error, "could not render an error page");
                HttpResponse::build(status)
                    .insert_header(("Content-Type", "text/plain; charset=utf-8"))
                    .body(heading)
            }
        }
    }
}

impl UiError {
    /// A use case's refusal as the page an officer sees. Refusals a page handles itself
    /// (a bad form, a conflict) never get here; if one does, it is an error of the page.
    pub fn of_service(request: &HttpRequest, session: &super::session::Session, error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound | ServiceError::Gone(_) => {
                Self::NotFound(Page::of(request, Some(session)))
            }
            ServiceError::Forbidden(_) => Self::Forbidden(Page::of(request, Some(session))),
            ServiceError::Unexpected(error) => Self::Unexpected(error),
            other => Self::Unexpected(anyhow::anyhow!("a refusal the page did not handle: {other}")),
        }
    }
}

/// Renders a template, or fails as an unexpected error.
pub fn render(template: &impl Template) -> Result<String, UiError> {
    template.render().map_err(|e| UiError::Unexpected(anyhow::anyhow!("Failed to render a page: {e}")))
}
