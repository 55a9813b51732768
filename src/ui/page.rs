//! What every page shares: the layout (header, language switch, print header), the HTML
//! response with its headers, and times shown in Beijing time.

use super::i18n::{LANG_COOKIE, Labels, Lang, LangChoice};
use super::session::Session;
use crate::domain::dates::SHANGHAI;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use time::OffsetDateTime;
use time::macros::format_description;

/// Everything served is the hub's own: no CDN, no inline script, forms post only here.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The frame of every page (see `templates/base.html`).
#[derive(Clone)]
pub struct Layout {
    pub t: &'static Labels,
    pub html_lang: &'static str,
    pub title: String,
    /// The signed-in officer, shown in the header and on print-outs.
    pub officer: Option<String>,
    /// The session's CSRF token, for the sign-out form and the page's own forms.
    pub csrf: String,
    pub switch_href: String,
    pub switch_lang: &'static str,
    pub switch_label: &'static str,
    /// Printed in the header of a print-out.
    pub application_id: Option<String>,
    pub generated_at: String,
    /// Seconds until the page reloads itself (0: never); used while a check runs.
    pub refresh_s: u32,
}

impl Layout {
    /// A layout for the page at `path` (the language switch links back to it).
    pub fn new(request: &HttpRequest, lang: Lang, title: &str, path: &str) -> Self {
        let other = lang.other();
        let mut query: Vec<(String, String)> = url::form_urlencoded::parse(request.query_string().as_bytes())
            .filter(|(key, _)| key != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        query.push(("lang".into(), other.code().into()));
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        Self {
            t: lang.labels(),
            html_lang: lang.html_lang(),
            title: title.to_owned(),
            officer: None,
            csrf: String::new(),
            switch_href: format!("{path}?{query}"),
            switch_lang: other.html_lang(),
            switch_label: lang.labels().switch_label,
            application_id: None,
            generated_at: format_ms(crate::store::now_ms()),
            refresh_s: 0,
        }
    }

    pub fn signed_in(mut self, session: &Session) -> Self {
        self.officer = Some(session.caller.sub.clone());
        self.csrf = session.csrf.clone();
        self
    }
}

/// An HTML answer: never cached (it holds personal data), with the hub's security headers,
/// remembering a language chosen with `?lang=`.
pub fn respond(status: StatusCode, choice: LangChoice, body: String) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((HeaderName::from_static("content-security-policy"), HeaderValue::from_static(CSP)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "no-referrer"));
    if choice.from_query {
        builder.cookie(
            Cookie::build(LANG_COOKIE, choice.lang.code())
                .path("/ui")
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::days(365))
                .finish(),
        );
    }
    builder.body(body)
}

/// A 303 to `location` (after a POST, or to the sign-in page).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

/// Milliseconds since the epoch as Beijing time, `2026-11-24 09:00:00`.
pub fn format_ms(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map(format_time).unwrap_or_default()
}

pub fn format_time(moment: OffsetDateTime) -> String {
    moment
        .to_offset(SHANGHAI)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
        .unwrap_or_default()
}

/// One option of a select or radio group.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// The options for `codes` of `kind`, with `selected` marked.
    pub fn all(
        lang: super::i18n::Lang,
        kind: super::i18n::Kind,
        codes: &[&'static str],
        selected: Option<&str>,
    ) -> Vec<Self> {
        codes
            .iter()
            .map(|code| Self {
                value: code,
                label: lang.value(kind, code),
                selected: selected == Some(*code),
            })
            .collect()
    }
}
