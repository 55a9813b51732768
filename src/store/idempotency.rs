//! Idempotency keys: the same key and body give the same application, whoever retries.

use serde::Serialize;
use uuid::Uuid;

/// A caller's `Idempotency-Key` with the hash of the body it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// SHA-256 of the canonical JSON body.
    pub body_hash: String,
    /// How long the key is kept (at least 24 hours).
    pub keep_ms: i64,
}

/// What inserting an application with an optional idempotency key did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum InsertOutcome {
    /// A new application was committed.
    Inserted,
    /// The key was already used with the same body: this is that application.
    Replayed(Uuid),
    /// The key was already used with another body.
    KeyReused,
    /// The key is held by a request still being accepted (its transaction is open).
    InFlight,
}
