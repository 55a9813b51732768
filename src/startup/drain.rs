//! The graceful stop: on SIGTERM or SIGINT the hub stops accepting connections and
//! claiming jobs, lets in-flight requests and verifications finish for up to
//! `server.shutdown_grace_s`, releases the jobs still running (so another instance takes
//! them at once rather than after their lease), and returns, so the process exits 0.

use crate::jobs::Shutdown;
use actix_web::dev::Server;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What must stop with the server.
pub struct Tasks {
    pub workers: Vec<JoinHandle<()>>,
    pub background: Vec<JoinHandle<()>>,
    pub shutdown: Shutdown,
    pub grace: Duration,
}

/// Completes at the first SIGTERM or SIGINT.
pub async fn termination_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Runs `server` until `stop`, then drains everything within the grace period.
pub async fn serve_then_drain(
    server: Server,
    stop: impl Future<Output = ()>,
    tasks: Tasks,
) -> std::io::Result<()> {
    let handle = server.handle();
    let mut server = std::pin::pin!(server);
    let ended_by_itself = tokio::select! {
        result = &mut server => Some(result),
        () = stop => None,
    };
    let deadline = Instant::now() + tasks.grace;
    tracing::info!(grace_s = tasks.grace.as_secs(), "stopping: no new connections or jobs; draining");
    tasks.shutdown.draining.cancel();
    // Leave time to release the jobs still running before the grace period is over.
    let abandon_at = deadline - release_margin(tasks.grace);
    let abandon = tasks.shutdown.abandon.clone();
    let timer = tokio::spawn(async move {
        tokio::time::sleep_until(abandon_at).await;
        abandon.cancel();
    });
    let http = async {
        match ended_by_itself {
            Some(result) => result,
            // The server's own future must be polled for the stop command to be carried out.
            None => tokio::join!(handle.stop(true), &mut server).1,
        }
    };
    let (result, workers, background) =
        tokio::join!(http, join_until(tasks.workers, deadline), join_until(tasks.background, deadline));
    timer.abort();
    if workers + background > 0 {
        tracing::warn!(
            tasks = workers + background,
            "tasks still running at the end of the grace period were stopped"
        );
    }
    result
}

/// A fifth of the grace period, at most 2 s: enough for a release (one UPDATE).
fn release_margin(grace: Duration) -> Duration {
    (grace / 5).min(Duration::from_secs(2))
}

/// Waits for `tasks` until `deadline`, then aborts the rest; returns how many were aborted.
async fn join_until(tasks: Vec<JoinHandle<()>>, deadline: Instant) -> usize {
    let mut aborted = 0;
    for mut task in tasks {
        if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
            task.abort();
            aborted += 1;
        }
    }
    aborted
}
