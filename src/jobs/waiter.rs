//! Lets a request wait for its application to finish (`?wait=S`) without holding a
//! worker or polling the database in a tight loop, and tells workers and waiters when
//! the process is stopping.

use super::Shutdown;
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

/// In-process signals: "new work queued" for workers, "application finished" for waiters,
/// and "stopping" for both.
pub struct Completions {
    finished: broadcast::Sender<Uuid>,
    queued: Notify,
    shutdown: Shutdown,
}

impl Default for Completions {
    fn default() -> Self {
        Self { finished: broadcast::channel(4096).0, queued: Notify::new(), shutdown: Shutdown::default() }
    }
}

impl Completions {
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.finished.subscribe()
    }

    pub fn announce_finished(&self, id: Uuid) {
        // No receiver is fine: nobody is waiting.
        let _ = self.finished.send(id);
    }

    pub fn announce_queued(&self) {
        self.queued.notify_one();
    }

    pub async fn work_queued(&self) {
        self.queued.notified().await;
    }
}
