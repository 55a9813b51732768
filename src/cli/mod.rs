//! The `hub` command line: one binary for the server, the mock agencies and the tools.

mod mocks_cmd;
mod token_cmd;

use crate::settings::Settings;
use crate::startup::Application;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "hub", version, about = "Household economic-status verification hub")]
pub struct Cli {
    /// Directory holding default.toml, {HUB_ENV}.toml and policies/.
    #[arg(long, env = "HUB_CONFIG_DIR", default_value = "config", global = true)]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API and the verification workers (and the embedded mock agencies when
    /// `agencies.embedded_mocks` is true, the default).
    Serve,
    /// Serve the four mock agencies as a standalone server.
    Mocks(mocks_cmd::MocksArgs),
    /// Print a development JWT signed with `auth.dev_hs256_secret`.
    Token(token_cmd::TokenArgs),
    /// Apply the database migrations to `store.url` and exit.
    Migrate,
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and name the first broken row (exit status 1 if broken).
    Verify,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&cli.config_dir).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    match cli.command {
        Command::Serve => {
            let application = Application::build(settings).await?;
            tracing::info!(port = application.port(), "hub serving");
            application.run_until_stopped().await.context("server failed")
        }
        Command::Mocks(args) => mocks_cmd::run(args, &settings).await,
        Command::Token(args) => token_cmd::run(args, &settings),
        Command::Audit(AuditCommand::Verify) => {
            let store = Store::connect(&settings.store).await?;
            let report = crate::audit::verify(&store.audit_rows().await?, store.audit_head().await?);
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report.valid { Ok(()) } else { anyhow::bail!("the audit chain is broken") }
        }
        Command::Migrate => {
            Store::connect(&settings.store).await?;
            println!("migrations applied");
            Ok(())
        }
    }
}
