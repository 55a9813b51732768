//! Group commit: writes that arrive while another is being committed wait, then go
//! together in one transaction.
//!
//! Every committed transaction costs a disk flush, and writes that must be serialized
//! anyway (the audit chain has one head) queue behind each other. Under load, a queue of
//! them is committed at once by whichever caller gets the lock first (the "leader");
//! alone, a write commits at once as before, so nothing waits for a batch to fill. No
//! task runs in the background: the leader is always one of the callers.
//!
//! A leader that is cancelled while it holds others' writes drops their answers; each of
//! those callers then gets an error and none of the writes is committed (their
//! transaction is rolled back with the dropped future), so they fail closed.

use std::future::Future;
use std::sync::Mutex as SyncMutex;
use tokio::sync::{Mutex, oneshot};

/// Most writes committed together: bounds one transaction's size and the time the
/// callers of a group wait for each other.
const MAX_GROUP: usize = 64;

type Waiting<Op, Out> = Vec<(Op, oneshot::Sender<anyhow::Result<Out>>)>;

pub(super) struct GroupCommit<Op, Out> {
    queue: SyncMutex<Waiting<Op, Out>>,
}

impl<Op, Out> Default for GroupCommit<Op, Out> {
    fn default() -> Self {
        Self { queue: SyncMutex::new(Vec::new()) }
    }
}

impl<Op, Out> GroupCommit<Op, Out> {
    /// Queues `op` and returns its result once a leader (this caller or another) has run
    /// it. `leader` is held while a group runs; `run` gets a group in arrival order and
    /// answers each op of it in the same order.
    pub(super) async fn submit<F, Fut>(&self, leader: &Mutex<()>, op: Op, run: F) -> anyhow::Result<Out>
    where
        F: Fn(Vec<Op>) -> Fut,
        Fut: Future<Output = Vec<anyhow::Result<Out>>>,
    {
        let (answer, mut answered) = oneshot::channel();
        self.lock_queue().push((op, answer));
        loop {
            let leading = leader.lock().await;
            match answered.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => {
                    anyhow::bail!("the group commit carrying this write was interrupted")
                }
                // Still queued (a leader holds the lock only while it answers its group).
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let group: Waiting<Op, Out> = {
                let mut queue = self.lock_queue();
                let take = queue.len().min(MAX_GROUP);
                queue.drain(..take).collect()
            };
            if group.is_empty() {
                anyhow::bail!("a queued write went missing from the group commit");
            }
            let (ops, answers): (Vec<Op>, Vec<_>) = group.into_iter().unzip();
            let mut results = run(ops).await.into_iter();
            for answer in answers {
                let result =
                    results.next().unwrap_or_else(|| Err(anyhow::anyhow!("a group commit gave no answer")));
                // A caller that gave up no longer listens; its write is done all the same.
                let _ = answer.send(result);
            }
            // Ours was in this group, or older writes filled it and we lead again.
            drop(leading);
        }
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Waiting<Op, Out>> {
        // A panic while holding this lock only ever leaves a valid Vec behind.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Runs a group by doubling each op and remembering the group's size.
    async fn double(sizes: &SyncMutex<Vec<usize>>, ops: Vec<u32>) -> Vec<anyhow::Result<u32>> {
        sizes.lock().unwrap().push(ops.len());
        ops.into_iter().map(|op| Ok(op * 2)).collect()
    }

    #[tokio::test]
    async fn a_write_alone_commits_at_once_in_a_group_of_one() {
        let (group, leader, sizes) = (GroupCommit::default(), Mutex::new(()), SyncMutex::new(Vec::new()));
        let answer = group.submit(&leader, 21, |ops| double(&sizes, ops)).await.unwrap();
        assert_eq!(answer, 42);
        assert_eq!(*sizes.lock().unwrap(), vec![1]);
    }

    #[tokio::test]
    async fn writes_queued_behind_a_commit_go_together_and_each_gets_its_own_answer() {
        let group = Arc::new(GroupCommit::<u32, u32>::default());
        let leader = Arc::new(Mutex::new(()));
        let sizes = Arc::new(SyncMutex::new(Vec::new()));
        // A commit in progress: everything submitted meanwhile queues.
        let busy = leader.clone().lock_owned().await;
        let callers: Vec<_> = (0..10u32)
            .map(|n| {
                let (group, leader, sizes) = (group.clone(), leader.clone(), sizes.clone());
                tokio::spawn(
                    async move { group.submit(&leader, n, |ops| double(&sizes, ops)).await.unwrap() },
                )
            })
            .collect();
        while group.lock_queue().len() < 10 {
            tokio::task::yield_now().await;
        }
        drop(busy);
        let answers: Vec<u32> =
            futures::future::join_all(callers).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, (0..10).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(*sizes.lock().unwrap(), vec![10], "one group for all ten");
    }

    #[tokio::test]
    async fn a_group_is_at_most_max_group_and_the_rest_follow() {
        let group = Arc::new(GroupCommit::<u32, u32>::default());
        let leader = Arc::new(Mutex::new(()));
        let sizes = Arc::new(SyncMutex::new(Vec::new()));
        let busy = leader.clone().lock_owned().await;
        let total = MAX_GROUP as u32 + 5;
        let callers: Vec<_> = (0..total)
            .map(|n| {
                let (group, leader, sizes) = (group.clone(), leader.clone(), sizes.clone());
                tokio::spawn(
                    async move { group.submit(&leader, n, |ops| double(&sizes, ops)).await.unwrap() },
                )
            })
            .collect();
        while group.lock_queue().len() < total as usize {
            tokio::task::yield_now().await;
        }
        drop(busy);
        let answers: Vec<u32> =
            futures::future::join_all(callers).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, (0..total).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(*sizes.lock().unwrap(), vec![MAX_GROUP, 5]);
    }

    #[tokio::test]
    async fn an_error_reaches_only_the_write_it_belongs_to() {
        let group = Arc::new(GroupCommit::<u32, u32>::default());
        let leader = Arc::new(Mutex::new(()));
        let busy = leader.clone().lock_owned().await;
        let run = |ops: Vec<u32>| async move {
            ops.into_iter().map(|op| if op == 1 { Err(anyhow::anyhow!("refused")) } else { Ok(op) }).collect()
        };
        let callers: Vec<_> = (0..3u32)
            .map(|n| {
                let (group, leader) = (group.clone(), leader.clone());
                tokio::spawn(async move { group.submit(&leader, n, run).await.map_err(|e| e.to_string()) })
            })
            .collect();
        while group.lock_queue().len() < 3 {
            tokio::task::yield_now().await;
        }
        drop(busy);
        let answers: Vec<_> =
            futures::future::join_all(callers).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, vec![Ok(0), Err("refused".to_owned()), Ok(2)]);
    }
}
