//! Signing in and out. An officer pastes the JWT their identity provider issued (here:
//! `hub token`); it is verified exactly as an API bearer token and becomes the session
//! cookie. The sign-in form is itself CSRF-protected with a nonce cookie, so another site
//! cannot sign an officer in under someone else's token.

use super::UiState;
use super::error::{Page, UiError, render};
use super::i18n::LangChoice;
use super::page::{Layout, respond, see_other};
use super::session::{self, Session, may_sign_in, seconds_left};
use crate::auth::Authenticator;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

const LOGIN_COOKIE: &str = "hub_login";
const LOGIN_PURPOSE: &str = "login";
const HOME: &str = "/ui/applications";

#[get("/")]
pub async fn root() -> HttpResponse {
    see_other(HOME)
}

#[get("")]
pub async fn home() -> HttpResponse {
    see_other(HOME)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    error: Option<&'static str>,
    csrf: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
pub async fn login_form(
    request: HttpRequest,
    lang: LangChoice,
    ui: web::Data<UiState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, UiError> {
    let nonce = request
        .cookie(LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|n| n.len() == 32)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    login_page(&request, lang, &ui, &nonce, safe_next(query.next.as_deref()), None, StatusCode::OK)
}

fn login_page(
    request: &HttpRequest,
    lang: LangChoice,
    ui: &UiState,
    nonce: &str,
    next: &str,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let t = lang.lang.labels();
    let page = LoginPage {
        layout: Layout::new(request, lang.lang, t.title_login, "/ui/login"),
        error,
        csrf: ui.csrf.token(LOGIN_PURPOSE, nonce),
        next: next.to_owned(),
    };
    let mut response = respond(status, lang, render(&page)?);
    let cookie = Cookie::build(LOGIN_COOKIE, nonce.to_owned())
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(session::secure(request, ui))
        .max_age(CookieDuration::hours(12))
        .finish();
    response.add_cookie(&cookie).map_err(anyhow::Error::from)?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    token: Option<String>,
    next: Option<String>,
}

#[post("/login")]
#[tracing::instrument(skip_all, fields(caller))]
pub async fn sign_in(
    request: HttpRequest,
    lang: LangChoice,
    ui: web::Data<UiState>,
    authenticator: web::Data<Authenticator>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, UiError> {
    let form = form.into_inner();
    let nonce = request.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if nonce.is_empty() || !ui.csrf.verify(LOGIN_PURPOSE, &nonce, form.csrf.as_deref()) {
        return Err(UiError::Csrf(Page::of(&request, None)));
    }
    let next = safe_next(form.next.as_deref());
    let token = form.token.unwrap_or_default().trim().to_owned();
    let t = lang.lang.labels();
    let caller = match authenticator.verify(&token) {
        Ok(caller) => caller,
        Err(error) => {
            tracing::info!(reason = %error, "sign-in refused a token");
            let status = StatusCode::UNAUTHORIZED;
            return login_page(&request, lang, &ui, &nonce, next, Some(t.login_invalid), status);
        }
    };
    // For the audit of the refusal (see `api::problem_details`).
    request.extensions_mut().insert(caller.clone());
    if !may_sign_in(caller.role) {
        return Err(UiError::Forbidden(Page::of(&request, None)));
    }
    let Some(max_age) = seconds_left(&token).filter(|s| *s > 0) else {
        return login_page(
            &request,
            lang,
            &ui,
            &nonce,
            next,
            Some(t.login_invalid),
            StatusCode::UNAUTHORIZED,
        );
    };
    tracing::info!(officer = %caller.sub, "officer signed in");
    let secure = session::secure(&request, &ui);
    let mut response = see_other(next);
    response.add_cookie(&session::session_cookie(&token, max_age, secure)).map_err(anyhow::Error::from)?;
    response.add_cookie(&session::expired(LOGIN_COOKIE, secure)).map_err(anyhow::Error::from)?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

#[post("/logout")]
pub async fn sign_out(
    request: HttpRequest,
    session: Option<Session>,
    ui: web::Data<UiState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    if let Some(session) = &session
        && !session.csrf_ok(&ui, form.csrf.as_deref())
    {
        return Err(UiError::Csrf(Page::of(&request, Some(session))));
    }
    let mut response = see_other("/ui/login");
    response
        .add_cookie(&session::expired(session::SESSION_COOKIE, session::secure(&request, &ui)))
        .map_err(anyhow::Error::from)?;
    Ok(response)
}

/// Where to go after signing in: only a page of the UI itself, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next) if next.starts_with("/ui/") && !next.contains("//") && !next.contains('\\') => next,
        _ => HOME,
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_returns_only_to_pages_of_the_ui() {
        assert_eq!(safe_next(Some("/ui/applications/x?lang=en")), "/ui/applications/x?lang=en");
        for elsewhere in
            ["https://evil.example/", "//evil.example/ui/", "/api/v1/audit", "/ui/..//x", "/ui\\x"]
        {
            assert_eq!(safe_next(Some(elsewhere)), "/ui/applications", "{elsewhere}");
        }
        assert_eq!(safe_next(None), "/ui/applications");
    }
}
