//! Cache keys and the pseudonyms in them.

use crate::domain::{Agency, IdNumber};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

/// Turns ID numbers into stable pseudonyms: HMAC-SHA256 under a secret key, hex.
/// Without the key a pseudonym cannot be linked back to a person by enumerating IDs.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl Pseudonymizer {
    pub fn new(secret: &str) -> anyhow::Result<Self> {
        if secret.len() < 16 {
            anyhow::bail!("cache.hmac_secret must be at least 16 bytes");
        }
        Ok(Self { key: secret.as_bytes().to_vec() })
    }

    pub fn pseudonym(&self, id_number: &IdNumber) -> String {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an empty
        // digest input rather than panic if the crate ever changes that.
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(id_number.expose().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer(<secret>)")
    }
}

/// `hub:v1:{agency}:{pseudonym}:{fingerprint}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub subject: String,
    agency: Agency,
    key: String,
}

impl CacheKey {
    /// `fingerprint` distinguishes queries about the same person that can have different
    /// answers (e.g. the tax income window).
    pub fn new(agency: Agency, subject: String, fingerprint: &str) -> Self {
        let key = format!("{KEY_PREFIX}{}:{}:{}", agency.as_str(), subject, fingerprint);
        Self { subject, agency, key }
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The agency's name, for metric labels (never the subject).
    pub fn agency(&self) -> &'static str {
        self.agency.as_str()
    }

    /// The cross-instance single-flight lock for this key: `hub:v1:lock:{agency}:…`.
    pub fn lock_key(&self) -> String {
        self.key.replacen(KEY_PREFIX, LOCK_PREFIX, 1)
    }
}

const KEY_PREFIX: &str = "hub:v1:";
const LOCK_PREFIX: &str = "hub:v1:lock:";

/// The set listing every key about one person, so revocation can find them all:
/// `hub:v1:subject:{pseudonym}`.
pub fn subject_index_key(subject: &str) -> String {
    format!("{KEY_PREFIX}subject:{subject}")
}

/// A `SCAN MATCH` pattern for every entry and lock about one person, for when the index
/// was lost (evicted under memory pressure). Pseudonyms are hex, so nothing needs escaping.
pub fn subject_pattern(subject: &str) -> String {
    format!("{KEY_PREFIX}*:{subject}:*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_a_pseudonym_not_the_id_number() {
        let id = IdNumber::parse_structure("11010519491231002X").unwrap();
        let pseudonymizer = Pseudonymizer::new("a-test-only-secret-value").unwrap();
        let subject = pseudonymizer.pseudonym(&id);
        assert_eq!(subject.len(), 64);
        assert_eq!(subject, pseudonymizer.pseudonym(&id), "stable");
        assert_ne!(subject, Pseudonymizer::new("another-test-only-secret").unwrap().pseudonym(&id));
        let key = CacheKey::new(Agency::Tax, subject.clone(), "2025-11..2026-10");
        assert_eq!(key.as_str(), format!("hub:v1:tax:{subject}:2025-11..2026-10"));
        assert!(!key.as_str().contains("11010519491231002X"));
        assert_eq!(key.lock_key(), format!("hub:v1:lock:tax:{subject}:2025-11..2026-10"));
        assert_eq!(subject_index_key(&subject), format!("hub:v1:subject:{subject}"));
        assert_eq!(subject_pattern(&subject), format!("hub:v1:*:{subject}:*"));
    }
}
