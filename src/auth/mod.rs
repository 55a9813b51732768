//! Who is calling: JWT verification, roles and region scope.
//!
//! Every API caller presents `Authorization: Bearer <JWT>`. The accepted algorithms are
//! fixed by config (`auth.algorithms`), never by the token's header; `exp`, `iss`,
//! `aud` and `sub` are required (jsonwebtoken would otherwise accept a token without
//! `aud`/`iss`), with at most 30 s of leeway.

mod caller;
mod rate_limit;
mod tokens;

pub use caller::{Caller, Role};
pub use rate_limit::CallerRateLimiter;
pub use tokens::{AuthError, Authenticator, MintRequest, mint_token};
