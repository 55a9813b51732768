//! `hub mocks`: the four mock agencies as a standalone server for integrators.

use crate::settings::Settings;
use crate::startup::mock_api_keys;
use anyhow::Context;
use clap::Args;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Args)]
pub struct MocksArgs {
    /// Fixture files (DESIGN §6 format); without any, the demo fixtures are served.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub fixtures: Vec<PathBuf>,
    /// Add N deterministic synthetic persons (no demo fixtures then, unless given).
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    /// Seed of the synthetic population and of latency/error randomness.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the synthetic households' application bodies (JSON lines) to this file.
    #[arg(long, value_name = "FILE")]
    pub write_applications: Option<PathBuf>,
    /// Port to listen on; the four agencies share it under /tax, /bdc, /gjj and /bank.
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Latency added to every agency request: "50" or a range "20-80" (ms).
    #[arg(long, default_value = "0", value_name = "MS")]
    pub latency_ms: String,
    /// Fraction of agency requests answered 503, e.g. 0.05.
    #[arg(long, default_value = "0", value_name = "FRACTION")]
    pub error_rate: String,
    /// How long a bank inquiry stays pending (ms).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub bank_ready_ms: u64,
}

pub async fn run(args: MocksArgs, settings: &Settings) -> anyhow::Result<()> {
    let mut fixtures = if args.fixtures.is_empty() && args.synthetic.is_none() {
        mocks::Fixtures::demo()
    } else {
        mocks::Fixtures { persons: Vec::new() }
    };
    for path in &args.fixtures {
        fixtures.merge(
            mocks::Fixtures::load(path).with_context(|| format!("Failed to load {}", path.display()))?,
        );
    }
    if let Some(count) = args.synthetic {
        let (synthetic, applications) = mocks::synthetic::generate(count, args.seed);
        fixtures.merge(synthetic);
        if let Some(path) = &args.write_applications {
            let lines: Vec<String> = applications.iter().map(|a| a.to_string()).collect();
            std::fs::write(path, lines.join("\n") + "\n")
                .with_context(|| format!("Failed to write {}", path.display()))?;
            eprintln!("wrote {} application bodies to {}", applications.len(), path.display());
        }
    }
    let config = mocks::MockConfig {
        fixtures,
        api_keys: mock_api_keys(settings),
        latency: mocks::Latency::parse(&args.latency_ms).map_err(|e| anyhow::anyhow!("--latency-ms: {e}"))?,
        error_rate_permille: parse_rate(&args.error_rate)?,
        bank_ready_ms: args.bank_ready_ms,
        seed: args.seed,
    };
    let address =
        format!("{}:{}", args.host, args.port).parse().context("--host/--port do not form an address")?;
    let server = mocks::MockServer::start(config, address).await.context("Failed to start the mocks")?;
    eprintln!("mock agencies serving on {}", server.base_url());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    server.stop().await;
    Ok(())
}

/// "0.05" → 50 per mille, exactly.
fn parse_rate(text: &str) -> anyhow::Result<u32> {
    let rate =
        Decimal::from_str(text).map_err(|_| anyhow::anyhow!("--error-rate must be a fraction like 0.05"))?;
    if rate < Decimal::ZERO || rate > Decimal::ONE {
        anyhow::bail!("--error-rate must be between 0 and 1");
    }
    use rust_decimal::prelude::ToPrimitive;
    Ok((rate * Decimal::from(1000)).round().to_u32().unwrap_or(1000))
}
