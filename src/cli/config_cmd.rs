//! `hub config check`: load the configuration as `hub serve` would, find every problem
//! that would stop it (or make it unsafe), and print the effective configuration with its
//! secrets redacted.

use super::redact::redact;
use crate::settings::Settings;
use crate::startup::preflight::{self, ConfigurationRefused};
use clap::{Args, ValueEnum};
use std::path::Path;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// How to print the effective configuration.
    #[arg(long, value_enum, default_value_t = Format::Toml)]
    pub format: Format,
    /// Only validate: print problems and warnings, not the configuration.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Json,
}

/// Prints the effective configuration and every warning and problem; a configuration
/// with problems is refused exactly as `hub serve` refuses it (exit status 2).
pub fn check(config_dir: &Path, args: &CheckArgs) -> anyhow::Result<()> {
    let settings =
        Settings::load(config_dir).map_err(|e| anyhow::anyhow!("the configuration cannot be read: {e}"))?;
    let mut effective: serde_json::Value = Settings::layers(config_dir)
        .extract()
        .map_err(|e| anyhow::anyhow!("the configuration cannot be read: {e}"))?;
    redact(&mut effective, false);
    if !args.quiet {
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&effective)?),
            Format::Toml => print!("{}", toml::to_string(&effective)?),
        }
    }
    let findings = preflight::check(&settings);
    for warning in &findings.warnings {
        eprintln!("warning: {warning}");
    }
    if findings.problems.is_empty() {
        eprintln!(
            "configuration OK (environment {}, config dir {})",
            settings.origin.environment,
            config_dir.display()
        );
        Ok(())
    } else {
        Err(ConfigurationRefused { problems: findings.problems }.into())
    }
}
