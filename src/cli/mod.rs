//! The `hub` command line: one binary for the server, the mock agencies and the tools.
//!
//! Every subcommand but `openapi` reads the same layered configuration as `hub serve`
//! (`config/default.toml`, `config/{HUB_ENV}.toml`, `HUB__SECTION__KEY`).

mod config_cmd;
mod mocks_cmd;
mod recheck_cmd;
mod redact;
mod token_cmd;

use crate::settings::Settings;
use crate::startup::Application;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Configuration: config/default.toml (built in), overlaid by <config-dir>/default.toml and
<config-dir>/{HUB_ENV}.toml, overlaid by environment variables HUB__SECTION__KEY, e.g.
HUB__STORE__URL=postgres://hub@db/hub or HUB__SERVER__BIND=0.0.0.0:8080.
Logging: log.format = text|json (or HUB_LOG_FORMAT=json), log.filter (or RUST_LOG).

Examples:
  hub serve                                   API, workers and embedded mock agencies
  hub config check                            validate and print the effective configuration
  hub token --role officer --region 5001      a development JWT
  hub recheck run --region 5001               re-check the beneficiaries due
  hub openapi > docs/openapi.json             the API description";

#[derive(Debug, Parser)]
#[command(
    name = "hub",
    version,
    about = "Household economic-status verification hub",
    long_about = "Household economic-status verification hub: checks every application for \
                  social assistance against tax, real-estate, housing-fund and bank records, \
                  with the household's consent, and returns one explained verdict.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Directory holding default.toml, {HUB_ENV}.toml and policies/.
    #[arg(long, env = "HUB_CONFIG_DIR", default_value = "config", global = true, value_name = "DIR")]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API, the officers' pages and the verification workers.
    #[command(long_about = "Run the API, the officers' pages and the verification workers on \
        server.bind (and the embedded mock agencies when agencies.embedded_mocks is true, the \
        default). Migrations are applied at start. On SIGTERM or SIGINT the hub stops \
        accepting connections, lets in-flight requests and verifications finish for up to \
        server.shutdown_grace_s, releases the jobs still running so another instance takes \
        them at once, and exits 0.")]
    Serve,
    /// Serve the four mock agencies as a standalone server.
    #[command(long_about = "Serve the four mock agencies (tax, real estate, housing fund, bank) \
        on one port, each in its own wire format, until Ctrl-C. Requests need the X-Api-Key of \
        agencies.<name>.api_key from the configuration and an X-Consent-Ref. Faults can be \
        changed while running with POST /__control/faults (see mocks/README.md).")]
    Mocks(mocks_cmd::MocksArgs),
    /// Print a development JWT signed with auth.dev_hs256_secret.
    #[command(long_about = "Print a development JWT signed with auth.dev_hs256_secret, \
        with iss and aud from the configuration. Refused when no development key is \
        configured (HUB_ENV=production clears it).")]
    Token(token_cmd::TokenArgs),
    /// Apply the database migrations to store.url and exit.
    Migrate,
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the OpenAPI 3.1 description of the API (as served at /api/v1/openapi.json).
    Openapi,
    /// Periodic re-checks of registered beneficiaries.
    #[command(subcommand)]
    Recheck(RecheckCommand),
}

#[derive(Debug, Subcommand)]
pub enum RecheckCommand {
    /// Re-check the beneficiaries due, as one resumable batch.
    #[command(long_about = "Re-check the registered beneficiaries due (DESIGN §5, §8) against \
        store.url with the configured agencies, showing progress (done/total, rate, ETA, \
        failures) and a summary of verdict changes at the end. The batch is named by its \
        parameters: running the same command again after an interruption resumes it and never \
        re-checks a household already done in it. Households whose consent expired or was \
        revoked are not queried; they are flagged needs_new_consent. Only one instance of a \
        fleet runs a batch at a time (a database lease).")]
    Run(recheck_cmd::RunArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and name the first broken row (exit status 1 if broken).
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective one with secrets redacted.
    #[command(long_about = "Load the configuration exactly as `hub serve` would, validate it \
        (listen address, store and Redis URLs, secrets and keys, JWT settings, agency \
        endpoints, policy files) and print the effective configuration with every secret \
        redacted. Exit status 1, naming each problem, when it is not usable.")]
    Check(config_cmd::CheckArgs),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = match cli.command {
        Command::Openapi => {
            print!("{}", crate::api::openapi::to_pretty_json());
            return Ok(());
        }
        Command::Config(ConfigCommand::Check(args)) => return config_cmd::check(&cli.config_dir, &args),
        _ => Settings::load(&cli.config_dir).map_err(|e| anyhow::anyhow!("configuration: {e}"))?,
    };
    crate::telemetry::init(&settings.log);
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
        Command::Recheck(RecheckCommand::Run(args)) => recheck_cmd::run(args, &settings).await,
        Command::Openapi | Command::Config(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every subcommand says what it does and every option what it means, at every level.
    fn assert_documented(command: &clap::Command, path: &str) {
        assert!(command.get_about().is_some(), "`{path}` has no help text");
        for arg in command.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            assert!(builtin || arg.get_help().is_some(), "`{path} --{}` has no help text", arg.get_id());
        }
        for sub in command.get_subcommands() {
            assert_documented(sub, &format!("{path} {}", sub.get_name()));
        }
    }

    #[test]
    fn every_command_and_option_has_help() {
        let command = Cli::command();
        command.clone().debug_assert();
        assert_documented(&command, "hub");
    }
}
