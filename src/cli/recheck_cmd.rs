//! `hub recheck run`: re-check the beneficiaries due, with a progress bar and a summary.

use crate::domain::{RegionPrefix, today_in_shanghai};
use crate::recheck::{BatchSpec, Summary};
use crate::settings::Settings;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use time::Date;
use time::macros::format_description;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Only households whose region starts with this prefix, e.g. 50 or 500103.
    #[arg(long, value_name = "P")]
    pub region: Option<String>,
    /// Only households whose re-check is due before this date (YYYY-MM-DD); default: due
    /// on or before --as-of.
    #[arg(long, value_name = "DATE")]
    pub due_before: Option<String>,
    /// The re-checks' as_of, which fixes the income window (YYYY-MM-DD); default: today
    /// in Asia/Shanghai.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Households re-checked at once. Agency calls stay within each agency's rate limit
    /// whatever this is.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Re-check at most N households in this run; the rest stay pending for the next run
    /// of the same batch.
    #[arg(long, value_name = "N")]
    pub max: Option<usize>,
}

pub async fn run(args: RunArgs, settings: &Settings) -> anyhow::Result<()> {
    if let Some(region) = &args.region {
        RegionPrefix::parse(region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    }
    let spec = BatchSpec {
        region: args.region,
        due_before: args.due_before.as_deref().map(|d| date(d, "--due-before")).transpose()?,
        as_of: args
            .as_of
            .as_deref()
            .map(|d| date(d, "--as-of"))
            .transpose()?
            .unwrap_or_else(today_in_shanghai),
        concurrency: args.concurrency.clamp(1, 1024),
        max: args.max,
    };
    let (runner, mocks) = crate::startup::build_recheck_runner(settings.clone()).await?;
    let progress = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} households  {per_sec}  ETA {eta}  {msg}",
    )?);
    eprintln!("re-check batch {}", spec.batch_id());
    let summary = runner.run(&spec, &progress).await;
    if let Some(mocks) = mocks {
        mocks.stop().await;
    }
    runner.store.close().await;
    let summary = summary?;
    print_summary(&summary);
    if summary.pending > 0 && args.max.is_none() {
        anyhow::bail!("{} households are not done; run the same command again to resume", summary.pending);
    }
    Ok(())
}

fn date(text: &str, flag: &str) -> anyhow::Result<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| anyhow::anyhow!("{flag} must be a date like 2027-06-01"))
}

fn print_summary(summary: &Summary) {
    println!("batch {}: {} households", summary.batch_id, summary.total);
    println!("  re-checked          {}", summary.rechecked);
    println!("  done in a past run  {}", summary.done_before);
    println!("  needs new consent   {}", summary.needs_new_consent);
    println!("  failed (this run)   {}", summary.failed);
    println!("  not done yet        {}", summary.pending);
    println!("verdict changes:");
    for (outcome, count) in &summary.outcomes {
        println!("  {outcome:<32} {count}");
    }
}
