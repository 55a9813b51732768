//! CSRF tokens: an HMAC of what the form is bound to (the session's token, or before
//! sign-in a nonce cookie) under the key `ui.csrf_secret`, sent in a hidden field and
//! checked on every POST. The session cookie is also `SameSite=Strict`; the token is the
//! second lock for browsers or proxies that do not honor that.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub struct CsrfKey {
    key: Vec<u8>,
}

impl CsrfKey {
    /// Empty `secret`: a random key for this process only (logged as a warning by the caller).
    pub fn new(secret: &str) -> Self {
        let key = if secret.is_empty() {
            // Two v4 UUIDs: 244 bits from the OS's random source.
            let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
            key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            key
        } else {
            secret.as_bytes().to_vec()
        };
        Self { key }
    }

    /// The token of a form of `purpose` bound to `binding`.
    pub fn token(&self, purpose: &str, binding: &str) -> String {
        self.mac(purpose, binding).map(|mac| hex::encode(mac.finalize().into_bytes())).unwrap_or_default()
    }

    /// Whether `candidate` is the token of `purpose` and `binding` (compared in constant time).
    pub fn verify(&self, purpose: &str, binding: &str, candidate: Option<&str>) -> bool {
        let Some(bytes) = candidate.and_then(|c| hex::decode(c.trim()).ok()) else { return false };
        self.mac(purpose, binding).is_some_and(|mac| mac.verify_slice(&bytes).is_ok())
    }

    /// `None` never happens (HMAC takes keys of any length); it only avoids a panic path.
    fn mac(&self, purpose: &str, binding: &str) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).ok()?;
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(binding.as_bytes());
        Some(mac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_purpose_binding_and_key() {
        let key = CsrfKey::new("k");
        let token = key.token("session", "jwt-a");
        assert!(key.verify("session", "jwt-a", Some(&token)));
        assert!(!key.verify("session", "jwt-b", Some(&token)));
        assert!(!key.verify("login", "jwt-a", Some(&token)));
        assert!(!CsrfKey::new("other").verify("session", "jwt-a", Some(&token)));
        assert!(!key.verify("session", "jwt-a", None));
        assert!(!key.verify("session", "jwt-a", Some("")));
    }

    #[test]
    fn an_empty_secret_gives_a_random_key() {
        let token = CsrfKey::new("").token("session", "x");
        assert!(!CsrfKey::new("").verify("session", "x", Some(&token)));
    }
}
