//! Logging: `tracing` to stderr, human-readable or JSON (`log.format`, or
//! `HUB_LOG_FORMAT=json`), filtered by `log.filter` or `RUST_LOG`. No raw ID number is
//! ever passed to a log macro; request paths are logged with ID-number-like segments
//! masked (see `api::request_span`).
//!
//! Lines are written synchronously (no background writer), so nothing is lost at exit
//! and there is nothing to flush.

use crate::settings::LogSettings;
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the process's subscriber; a second call (e.g. in tests) keeps the first.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let format = std::env::var("HUB_LOG_FORMAT").unwrap_or_else(|_| settings.format.clone());
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format.eq_ignore_ascii_case("json") { builder.json().try_init() } else { builder.try_init() };
}

/// The formats `log.format` accepts.
pub fn is_known_format(format: &str) -> bool {
    format.eq_ignore_ascii_case("json") || format.eq_ignore_ascii_case("text")
}
