//! Minting (development only) and verifying JWTs.

use super::{Caller, Role};
use crate::domain::RegionPrefix;
use crate::settings::AuthSettings;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// Why a token was refused. Callers see only "invalid token"; the reason is logged.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
}

#[derive(Debug, Serialize)]
struct OutgoingClaims<'a> {
    sub: &'a str,
    role: Role,
    regions: &'a [String],
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

/// The claims the hub reads; `iss`, `aud` and `exp` are checked by the validation.
#[derive(Debug, Deserialize)]
struct IncomingClaims {
    sub: String,
    role: String,
    #[serde(default)]
    regions: Vec<String>,
}

/// Verifies bearer tokens against the configured algorithms, issuer and audience.
///
/// The algorithm of each token must be one of `auth.algorithms`; HMAC tokens are checked
/// with the shared secret, RSA/EdDSA/ECDSA tokens with the public key whose `kid` is on the
/// configured allow-list (the kid is only ever a map key, never a path). A token whose
/// header names an HMAC algorithm is never checked against a public key, so an RS→HS
/// swap fails.
pub struct Authenticator {
    algorithms: Vec<Algorithm>,
    secret: Option<DecodingKey>,
    public_keys: HashMap<String, (Algorithm, DecodingKey)>,
    issuer: String,
    audience: String,
    leeway: u64,
}

impl Authenticator {
    pub fn from_settings(settings: &AuthSettings) -> anyhow::Result<Self> {
        let algorithms = settings
            .algorithms
            .iter()
            .map(|name| {
                Algorithm::from_str(name)
                    .map_err(|_| anyhow::anyhow!("auth.algorithms: unknown algorithm {name}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if algorithms.is_empty() {
            anyhow::bail!("auth.algorithms: name at least one algorithm");
        }
        let wants_secret = algorithms.iter().any(|a| is_hmac(*a));
        let secret = match (wants_secret, settings.verification_secret()) {
            (false, _) => None,
            (true, Some(secret)) => Some(DecodingKey::from_secret(secret.as_bytes())),
            (true, None) => anyhow::bail!(
                "auth: an HMAC algorithm is accepted but no secret is set (HUB__AUTH__HS256_SECRET)"
            ),
        };
        let mut public_keys = HashMap::new();
        for key in &settings.keys {
            let algorithm = Algorithm::from_str(&key.algorithm)
                .map_err(|_| anyhow::anyhow!("auth.keys {}: unknown algorithm {}", key.kid, key.algorithm))?;
            if !algorithms.contains(&algorithm) || is_hmac(algorithm) {
                anyhow::bail!(
                    "auth.keys {}: {} is not an accepted public-key algorithm",
                    key.kid,
                    key.algorithm
                );
            }
            let pem = std::fs::read(&key.public_key_file).map_err(|e| {
                anyhow::anyhow!("auth.keys {}: cannot read {}: {e}", key.kid, key.public_key_file.display())
            })?;
            let decoding = match algorithm {
                Algorithm::EdDSA => DecodingKey::from_ed_pem(&pem),
                Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(&pem),
                _ => DecodingKey::from_rsa_pem(&pem),
            }
            .map_err(|e| anyhow::anyhow!("auth.keys {}: not a valid public key: {e}", key.kid))?;
            public_keys.insert(key.kid.clone(), (algorithm, decoding));
        }
        Ok(Self {
            algorithms,
            secret,
            public_keys,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway_s.min(30),
        })
    }

    /// Verifies the value of an `Authorization` header.
    pub fn verify_header(&self, header: Option<&str>) -> Result<Caller, AuthError> {
        let token =
            header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or(AuthError::Missing)?;
        self.verify(token)
    }

    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(AuthError::Invalid(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let key = if is_hmac(header.alg) {
            self.secret.as_ref().ok_or_else(|| AuthError::Invalid("no HMAC key".into()))?
        } else {
            let kid = header.kid.as_deref().ok_or_else(|| AuthError::Invalid("a kid is required".into()))?;
            match self.public_keys.get(kid) {
                Some((algorithm, key)) if *algorithm == header.alg => key,
                _ => return Err(AuthError::Invalid("unknown kid for this algorithm".into())),
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.leeway;
        let data = decode::<IncomingClaims>(token, key, &validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let claims = data.claims;
        let role = Role::parse(&claims.role).ok_or_else(|| AuthError::Invalid("unknown role".into()))?;
        let regions = claims
            .regions
            .iter()
            .map(|r| RegionPrefix::parse(r).map_err(|e| AuthError::Invalid(format!("regions: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid("empty sub".into()));
        }
        Ok(Caller { sub: claims.sub, role, regions })
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(algorithm, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

/// What `hub token` puts in a development token.
pub struct MintRequest<'a> {
    pub sub: &'a str,
    pub role: Role,
    pub regions: &'a [String],
    pub ttl: Duration,
}

/// Mints a token with the development key; refused when none is configured.
pub fn mint_token(settings: &AuthSettings, request: &MintRequest) -> anyhow::Result<String> {
    let secret = settings.dev_secret().ok_or_else(|| {
        anyhow::anyhow!("no development key configured (auth.dev_hs256_secret): refusing to mint")
    })?;
    for region in request.regions {
        RegionPrefix::parse(region).map_err(|e| anyhow::anyhow!("--region {region}: {e}"))?;
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = OutgoingClaims {
        sub: request.sub,
        role: request.role,
        regions: request.regions,
        iss: &settings.issuer,
        aud: &settings.audience,
        iat: now,
        exp: now + i64::try_from(request.ttl.as_secs()).unwrap_or(i64::MAX / 2),
    };
    Ok(encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn settings() -> AuthSettings {
        Settings::embedded_defaults().unwrap().auth
    }

    fn mint(role: Role, ttl_s: u64) -> String {
        let regions = vec!["11".to_owned()];
        mint_token(
            &settings(),
            &MintRequest { sub: "tester", role, regions: &regions, ttl: Duration::from_secs(ttl_s) },
        )
        .unwrap()
    }

    #[test]
    fn a_minted_token_verifies_with_its_role_and_regions() {
        let auth = Authenticator::from_settings(&settings()).unwrap();
        let caller = auth.verify_header(Some(&format!("Bearer {}", mint(Role::Officer, 60)))).unwrap();
        assert_eq!(caller.sub, "tester");
        assert_eq!(caller.role, Role::Officer);
        assert_eq!(caller.regions[0].as_str(), "11");
    }

    #[test]
    fn wrong_issuer_audience_or_key_is_refused() {
        let token = mint(Role::Admin, 60);
        let mut other = settings();
        other.issuer = "someone-else".into();
        assert!(Authenticator::from_settings(&other).unwrap().verify(&token).is_err());
        let mut other = settings();
        other.audience = "other".into();
        assert!(Authenticator::from_settings(&other).unwrap().verify(&token).is_err());
        let mut other = settings();
        other.hs256_secret = "a-different-production-secret".to_owned().into();
        assert!(Authenticator::from_settings(&other).unwrap().verify(&token).is_err());
        assert!(matches!(
            Authenticator::from_settings(&settings()).unwrap().verify_header(None),
            Err(AuthError::Missing)
        ));
    }

    #[test]
    fn minting_is_refused_without_a_development_key() {
        let mut settings = settings();
        settings.dev_hs256_secret = String::new().into();
        let regions = vec!["11".to_owned()];
        let request =
            MintRequest { sub: "x", role: Role::Admin, regions: &regions, ttl: Duration::from_secs(60) };
        assert!(mint_token(&settings, &request).is_err());
    }
}
