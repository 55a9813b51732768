//! The officers' web UI (核对员): server-rendered pages under `/ui` to sign in, list the
//! applications of one's regions, read a report, record a review decision, read an
//! application's audit trail and print the report on A4.
//!
//! The pages call the same use cases as the JSON API (`crate::service`), so they keep its
//! rules: region scope (out of scope answers the same 404 page as an unknown id, and the
//! refusal is audited), a report shown only after its `report_view` rows are written, the
//! review rule. Templates (`templates/`, askama) escape everything they print;
//! CSS and the one optional script are compiled in and served from `/ui/static/`, so the
//! pages need nothing from outside the hub and work without JavaScript.
//!
//! # Layout
//! - `session`, `csrf`, `i18n`: the cookie session, CSRF tokens, Chinese/English labels.
//! - `page`, `error`: the shared layout, HTML responses and error pages.
//! - `login`, `list`, `report` (+ `report_view`), `review`, `audit`, `policy`, `assets`: the pages.

mod assets;
mod audit;
mod changes;
#[cfg(test)]
mod contrast;
mod csrf;
mod error;
mod i18n;
mod list;
mod login;
mod page;
mod policy;
mod report;
mod report_view;
mod review;
mod session;

use crate::settings::UiSettings;
use actix_web::web;
use secrecy::ExposeSecret;

/// What the pages need from `[ui]` in the configuration.
pub struct UiState {
    csrf: csrf::CsrfKey,
    secure_cookies: bool,
    page_size: u32,
}

impl UiState {
    pub fn from_settings(settings: &UiSettings) -> Self {
        let secret = settings.csrf_secret.expose_secret();
        if secret.is_empty() {
            tracing::warn!(
                "ui.csrf_secret is empty: using a random key, so officers' forms work only on this instance"
            );
        }
        Self {
            csrf: csrf::CsrfKey::new(secret),
            secure_cookies: settings.secure_cookies,
            page_size: settings.page_size.clamp(1, 200),
        }
    }
}

/// Registers the pages; the app must also hold a `web::Data<UiState>`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(login::root).service(
        web::scope("/ui")
            // A note of 2000 Chinese characters is about 18 KB once form-encoded.
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .service(login::home)
            .service(assets::serve)
            .service(login::login_form)
            .service(login::sign_in)
            .service(login::sign_out)
            .service(list::list)
            .service(report::show)
            .service(review::decide)
            .service(audit::trail)
            .service(policy::show),
    );
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use figment::Figment;
    use figment::providers::{Format, Toml};
    use secrecy::ExposeSecret;

    const DEFAULTS: &str = include_str!("../../config/default.toml");

    #[test]
    fn a_config_written_before_the_ui_existed_still_loads() {
        let without_ui = DEFAULTS.split("\n[ui]").next().unwrap();
        let settings: Settings = Figment::from(Toml::string(without_ui)).extract().unwrap();
        assert_eq!(settings.ui.page_size, 20);
        assert!(!settings.ui.secure_cookies);
    }

    #[test]
    fn production_clears_the_development_csrf_key_and_wants_secure_cookies() {
        let production = include_str!("../../config/production.toml");
        let settings: Settings =
            Figment::from(Toml::string(DEFAULTS)).merge(Toml::string(production)).extract().unwrap();
        assert!(settings.ui.csrf_secret.expose_secret().is_empty());
        assert!(settings.ui.secure_cookies);
        let development = Settings::embedded_defaults().unwrap();
        assert!(development.ui.csrf_secret.expose_secret().starts_with("dev-only"));
    }
}
