//! Signed callbacks: when an application with a `callback_url` finishes, its finished
//! form is POSTed there, signed with `X-Hub-Signature: sha256=HMAC(secret, body)`, and
//! retried with exponential backoff and jitter for up to `webhooks.give_up_after_h`.
//!
//! The delivery row is written in the same transaction as the report, so a crash never
//! loses a callback; every attempt is recorded in `webhook_attempts`.

mod dispatcher;
mod signing;
mod target;

pub use dispatcher::{WebhookDispatcher, spawn_dispatcher};
pub use signing::{sign, signature_header};
pub use target::{CallbackPolicy, is_internal};
