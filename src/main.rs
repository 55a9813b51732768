//! The `hub` binary: parse the command line and run it (`cli` loads the settings and
//! starts logging). Exit status 0 on success, also after a graceful drain on SIGTERM.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hub::cli::Cli::parse();
    match hub::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
