//! The policy book in force, swapped whole on reload (`SIGHUP` or the admin endpoint).
//!
//! A reader takes one snapshot (an `Arc` of the whole book) and keeps it for as long as it
//! needs: a verification takes its snapshot when it starts, so a reload while the agencies
//! answer does not change the parameters it decides with. A reload reads the whole directory
//! first; an invalid set is refused and the running one stays. Reloads and refusals are
//! counted (`hub_policy_reloads_total{outcome}`).

use super::{PolicyBook, PolicyBookError};
use arc_swap::ArcSwap;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

pub const RELOADS: &str = "hub_policy_reloads_total";

pub struct LivePolicies {
    /// Re-read on every reload: `default.toml` and the region-prefix files.
    dir: PathBuf,
    current: ArcSwap<PolicyBook>,
    /// One reload at a time, so the set in force is the one read last.
    reloading: Mutex<()>,
}

/// What a successful reload put in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReloadSummary {
    /// Every file read, by name in the policy directory, with its dated changes.
    pub files: Vec<FileSummary>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileSummary {
    #[schema(example = "50.toml")]
    pub file: String,
    /// How many `[[changes]]` it holds.
    pub changes: usize,
}

impl LivePolicies {
    /// Loads `dir` (or the embedded defaults when it has no `default.toml`).
    pub fn load(dir: &Path) -> Result<Self, PolicyBookError> {
        Ok(Self::new(dir, PolicyBook::load_or_embedded(dir)?))
    }

    /// A book already loaded, reloaded from `dir` later.
    pub fn new(dir: &Path, book: PolicyBook) -> Self {
        Self { dir: dir.to_owned(), current: ArcSwap::from_pointee(book), reloading: Mutex::new(()) }
    }

    /// The book in force; keep it for the whole of one verification.
    pub fn snapshot(&self) -> Arc<PolicyBook> {
        self.current.load_full()
    }

    /// Re-reads the directory and puts it in force, or refuses it and keeps the running set.
    pub fn reload(&self) -> Result<ReloadSummary, PolicyBookError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(PoisonError::into_inner);
        match PolicyBook::load_or_embedded(&self.dir) {
            Ok(book) => {
                let summary = summarize(&book);
                self.current.store(Arc::new(book));
                metrics::counter!(RELOADS, "outcome" => "applied").increment(1);
                tracing::info!(dir = %self.dir.display(), files = summary.files.len(), "policy parameters reloaded");
                Ok(summary)
            }
            Err(error) => {
                metrics::counter!(RELOADS, "outcome" => "refused").increment(1);
                tracing::warn!(error = %error, "policy reload refused; the running parameters stay");
                Err(error)
            }
        }
    }
}

fn summarize(book: &PolicyBook) -> ReloadSummary {
    let files =
        book.files().iter().map(|(file, changes)| FileSummary { file: file.clone(), changes: *changes });
    ReloadSummary { files: files.collect() }
}

/// Reloads on every `SIGHUP` until `stop` is cancelled (Unix only; elsewhere it just waits).
/// The handler is installed before this returns, so a hang-up sent once the hub has started
/// reloads it rather than ending the process.
pub fn spawn_reload_on_hangup(policies: Arc<LivePolicies>, stop: CancellationToken) -> JoinHandle<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for SIGHUP; reload policies through the API");
                return tokio::spawn(async move { stop.cancelled().await });
            }
        };
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    received = hangups.recv() => {
                        if received.is_none() {
                            return;
                        }
                        // Blocking file reads, off the async workers; a refusal is logged and counted.
                        let policies = policies.clone();
                        let _ = tokio::task::spawn_blocking(move || policies.reload()).await;
                    }
                }
            }
        })
    }
    #[cfg(not(unix))]
    {
        drop(policies);
        tokio::spawn(async move { stop.cancelled().await })
    }
}
