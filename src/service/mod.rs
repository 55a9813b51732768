//! The use cases of the hub, below the REST API and the officers' pages.
//!
//! Every access to a household's data is authorized and audited here, in one place:
//! the handlers in `api` and `ui` only translate HTTP to a use case and its result back.
//!
//! - [`refusals`]: the bounded writer of refused-request audit rows.

pub mod refusals;

pub use refusals::RefusalLog;
