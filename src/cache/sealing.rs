//! Sealing values for Redis: AES-256-GCM under a named key, bound to the Redis key.
//!
//! Layout: `hub1` | key-id length (1 byte) | key id | nonce (12 bytes) | ciphertext ‖ tag.
//! The Redis key is the associated data, so a value read back under any other key (a
//! copied value, or a reply that belonged to another command) fails to open. The key id
//! lets keys rotate: new values use the current key, and values sealed under a retired
//! key listed in `cache.previous_keys` still open until they expire.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce, Payload};
use anyhow::Context;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

const MAGIC: &[u8] = b"hub1";
const NONCE_LEN: usize = 12;

pub struct Sealer {
    current_id: String,
    /// Every key that may open a value, the current one included, by id.
    keys: HashMap<String, Aes256Gcm>,
}

/// Why a stored value was not used; never includes the value or the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("not a sealed value")]
    Format,
    #[error("sealed under a key id that is not configured")]
    UnknownKey,
    #[error("failed authentication (wrong key, tampered, or stored under another key)")]
    Authentication,
}

impl Sealer {
    /// `current` and every previous key: 32 bytes, base64 or 64 hex digits.
    pub fn new(
        current_id: &str,
        current: &SecretString,
        previous: &BTreeMap<String, SecretString>,
    ) -> anyhow::Result<Self> {
        let mut keys = HashMap::new();
        for (id, key) in previous.iter().chain([(&current_id.to_owned(), current)]) {
            check_key_id(id)?;
            let cipher = parse_key(key).with_context(|| format!("cache key {id:?}"))?;
            keys.insert(id.clone(), cipher);
        }
        Ok(Self { current_id: current_id.to_owned(), keys })
    }

    /// Seals `plaintext` for storage under `redis_key`; `None` only if the system has no
    /// randomness for a nonce (then the value is simply not cached).
    pub fn seal(&self, redis_key: &str, plaintext: &[u8]) -> Option<Vec<u8>> {
        let cipher = self.keys.get(&self.current_id)?;
        let nonce = Nonce::<Aes256Gcm>::try_generate().ok()?;
        let ciphertext =
            cipher.encrypt(&nonce, Payload { msg: plaintext, aad: redis_key.as_bytes() }).ok()?;
        let id = self.current_id.as_bytes();
        let mut sealed = Vec::with_capacity(MAGIC.len() + 1 + id.len() + NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(MAGIC);
        sealed.push(u8::try_from(id.len()).ok()?);
        sealed.extend_from_slice(id);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Some(sealed)
    }

    /// Opens a value read from under `redis_key`.
    pub fn open(&self, redis_key: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let rest = sealed.strip_prefix(MAGIC).ok_or(OpenError::Format)?;
        let (&id_len, rest) = rest.split_first().ok_or(OpenError::Format)?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + NONCE_LEN {
            return Err(OpenError::Format);
        }
        let (id, rest) = rest.split_at(id_len);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let id = std::str::from_utf8(id).map_err(|_| OpenError::Format)?;
        let cipher = self.keys.get(id).ok_or(OpenError::UnknownKey)?;
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| OpenError::Format)?;
        cipher
            .decrypt(&nonce, Payload { msg: ciphertext, aad: redis_key.as_bytes() })
            .map_err(|_| OpenError::Authentication)
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealer(current = {:?}, {} keys)", self.current_id, self.keys.len())
    }
}

fn check_key_id(id: &str) -> anyhow::Result<()> {
    let printable = id.bytes().all(|b| b.is_ascii_graphic());
    if id.is_empty() || id.len() > 64 || !printable {
        anyhow::bail!("cache key ids must be 1–64 printable ASCII characters, got {id:?}");
    }
    Ok(())
}

fn parse_key(key: &SecretString) -> anyhow::Result<Aes256Gcm> {
    let text = key.expose_secret().trim();
    if text.is_empty() {
        anyhow::bail!("no key configured (set HUB__CACHE__ENCRYPTION_KEY: 32 bytes, base64)");
    }
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).ok()
    } else {
        base64::engine::general_purpose::STANDARD.decode(text).ok()
    };
    // The message never echoes the key.
    let bytes = bytes.filter(|b| b.len() == 32).context("the key must be 32 bytes in base64 or hex")?;
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| anyhow::anyhow!("the key must be 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "vaVWE9rHlfKVUquWaVseEKBoqjwO6dGzaTp8m4FCHDQ=";
    const KEY_B_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn sealer(id: &str, key: &str, previous: &[(&str, &str)]) -> Sealer {
        let previous = previous.iter().map(|(id, key)| ((*id).to_owned(), (*key).into())).collect();
        Sealer::new(id, &key.into(), &previous).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_under_its_own_redis_key() {
        let sealer = sealer("k1", KEY_A, &[]);
        let sealed = sealer.seal("hub:v1:bank:aa:current", b"balance 1000.00").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"1000.00"), "no plaintext in the value");
        assert_eq!(sealer.open("hub:v1:bank:aa:current", &sealed).unwrap(), b"balance 1000.00");
        assert_eq!(sealer.open("hub:v1:bank:bb:current", &sealed), Err(OpenError::Authentication));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(sealer.open("hub:v1:bank:aa:current", &tampered), Err(OpenError::Authentication));
        assert_eq!(sealer.open("hub:v1:bank:aa:current", b"OK"), Err(OpenError::Format));
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_new_ones_with_the_new_key() {
        let old = sealer("k1", KEY_A, &[]);
        let sealed_before = old.seal("key", b"old").unwrap();
        let rotated = sealer("k2", KEY_B_HEX, &[("k1", KEY_A)]);
        assert_eq!(rotated.open("key", &sealed_before).unwrap(), b"old");
        let sealed_after = rotated.seal("key", b"new").unwrap();
        assert_eq!(old.open("key", &sealed_after), Err(OpenError::UnknownKey));
        let retired = sealer("k2", KEY_B_HEX, &[]);
        assert_eq!(retired.open("key", &sealed_before), Err(OpenError::UnknownKey));
    }

    #[test]
    fn the_development_defaults_give_a_working_key_and_a_100_ms_call_budget() {
        let cache = crate::settings::Settings::embedded_defaults().unwrap().cache;
        assert_eq!(cache.call_timeout_ms, 100);
        let sealer =
            Sealer::new(&cache.encryption_key_id, &cache.encryption_key, &cache.previous_keys).unwrap();
        assert_eq!(sealer.open("k", &sealer.seal("k", b"x").unwrap()).unwrap(), b"x");
    }

    #[test]
    fn keys_must_be_32_bytes_and_errors_never_echo_them() {
        let short = "c2hvcnQ=";
        let error = Sealer::new("k", &short.into(), &BTreeMap::new()).unwrap_err();
        assert!(!format!("{error:#}").contains(short));
        assert!(Sealer::new("k", &"".into(), &BTreeMap::new()).is_err());
        assert!(Sealer::new("", &KEY_A.into(), &BTreeMap::new()).is_err());
    }
}
