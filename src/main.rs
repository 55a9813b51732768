//! The `hub` binary: parse the command line and run it (`cli` loads the settings and
//! starts logging). Exit status 0 on success, also after a graceful drain on SIGTERM;
//! 2 when the configuration is refused (every problem printed); 1 on any other error.

use clap::Parser;
use hub::startup::preflight::ConfigurationRefused;

/// The exit status of a refused configuration (`hub serve`, `hub config check`).
const REFUSED: u8 = 2;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hub::cli::Cli::parse();
    match hub::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<ConfigurationRefused>().is_some() {
                std::process::ExitCode::from(REFUSED)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}
