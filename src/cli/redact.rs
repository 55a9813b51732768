//! Redacting secrets from a configuration before it is printed.
//!
//! A value is secret when its key names one (`secret`, `password`, `token`, `api_key`,
//! a key ending in `_key`, or any entry of `previous_keys`); a URL's password is secret
//! wherever it appears. Set secrets print as `[redacted]`, unset ones as `""`, so an
//! operator can still see which are missing.

use serde_json::Value;

pub const REDACTED: &str = "[redacted]";

/// Whether a configuration key holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "password", "token", "api_key"].iter().any(|word| key.contains(word))
        || key.ends_with("_key")
        || key == "key"
}

/// Redacts `value` in place; `secret` says the enclosing key named a secret.
pub fn redact(value: &mut Value, secret: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                // Every entry of a map of retired keys is a key.
                let child_secret = secret || is_secret_key(key) || key == "previous_keys";
                redact(child, child_secret);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact(item, secret)),
        // An unset secret stays visibly unset.
        Value::String(text) if secret && text.is_empty() => {}
        Value::String(text) if secret => *text = REDACTED.to_owned(),
        Value::String(text) => {
            if let Some(clean) = without_url_password(text) {
                *text = clean;
            }
        }
        _ if secret => *value = Value::String(REDACTED.to_owned()),
        _ => {}
    }
}

/// `scheme://user:password@host/…` with the password replaced, or `None` if `text` is no
/// URL with a password.
fn without_url_password(text: &str) -> Option<String> {
    let mut url = url::Url::parse(text).ok()?;
    url.password()?;
    url.set_password(Some(REDACTED)).ok()?;
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_and_url_passwords_are_hidden_and_the_rest_kept() {
        let mut config = json!({
            "auth": {"dev_hs256_secret": "s3cret", "hs256_secret": "", "issuer": "hub"},
            "cache": {"encryption_key": "k", "encryption_key_id": "2026-01",
                      "previous_keys": {"2025-01": "old"}, "redis_url": "redis://:pw@cache:6379/0"},
            "store": {"url": "postgres://hub:pw@db:5432/hub"},
            "agencies": {"tax": {"api_key": "tax-key", "base_url": "https://tax.example"}},
            "server": {"workers": 8}
        });
        redact(&mut config, false);
        let text = config.to_string();
        for secret in ["s3cret", "\"k\"", "old", ":pw@", "tax-key"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(config["auth"]["hs256_secret"], "", "an unset secret shows as unset");
        assert_eq!(config["auth"]["issuer"], "hub");
        assert_eq!(config["cache"]["encryption_key_id"], "2026-01");
        assert_eq!(config["agencies"]["tax"]["base_url"], "https://tax.example");
        assert_eq!(config["server"]["workers"], 8);
        assert!(config["store"]["url"].as_str().unwrap().starts_with("postgres://hub:"));
    }
}
