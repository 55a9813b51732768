//! `hub token`: mint a development JWT.

use crate::auth::{MintRequest, Role, mint_token};
use crate::settings::Settings;
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The role claim: intake, officer, auditor or admin.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// A region prefix the token is scoped to (repeatable), e.g. 11 or 500103.
    #[arg(long = "region", required = true, value_name = "PREFIX")]
    pub regions: Vec<String>,
    /// Lifetime, e.g. 30m, 1h, 12h or 3600s.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub ttl: String,
    /// The caller's identity (`sub`); defaults to dev-<role>.
    #[arg(long, value_name = "SUB")]
    pub sub: Option<String>,
}

pub fn run(args: TokenArgs, settings: &Settings) -> anyhow::Result<()> {
    let role = Role::parse(&args.role)
        .ok_or_else(|| anyhow::anyhow!("--role must be intake, officer, auditor or admin"))?;
    let ttl = parse_ttl(&args.ttl).ok_or_else(|| anyhow::anyhow!("--ttl must look like 30m, 1h or 3600s"))?;
    let sub = args.sub.unwrap_or_else(|| format!("dev-{}", args.role));
    let token = mint_token(&settings.auth, &MintRequest { sub: &sub, role, regions: &args.regions, ttl })?;
    println!("{token}");
    Ok(())
}

fn parse_ttl(text: &str) -> Option<Duration> {
    let (number, unit) = text.find(|c: char| !c.is_ascii_digit()).map_or((text, "s"), |i| text.split_at(i));
    let value: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => value,
        "m" => value.checked_mul(60)?,
        "h" => value.checked_mul(3600)?,
        "d" => value.checked_mul(86400)?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;
    use std::time::Duration;

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_ttl("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_ttl("0s"), None);
        assert_eq!(parse_ttl("1w"), None);
    }
}
