use super::*;
use crate::settings::StoreSettings;

async fn temporary_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    let store = Store::connect(&StoreSettings { url, max_connections: 2 }).await.unwrap();
    (dir, store)
}

fn refusal(n: usize) -> AuditEvent {
    AuditEvent {
        actor_sub: "unauthenticated".into(),
        actor_role: "none".into(),
        action: actions::AUTHORIZATION_FAILURE,
        application_id: None,
        subject: None,
        agency: None,
        consent_id: None,
        outcome: format!("401 GET /api/v1/applications #{n}"),
    }
}

#[tokio::test]
async fn a_full_queue_counts_refusals_and_one_summary_row_says_how_many() {
    let (_dir, store) = temporary_store().await;
    let (log, writer) = RefusalLog::new(store.clone(), 3, SUMMARY_EVERY);
    // The writer is not running yet: three refusals fit, seven do not.
    for n in 0..10 {
        log.record(refusal(n));
    }
    log.count_unrecorded("throttled");
    let stop = CancellationToken::new();
    stop.cancel();
    writer.run(stop).await;

    let rows = store.audit_rows().await.unwrap();
    let refusals = rows.iter().filter(|r| r.action == actions::AUTHORIZATION_FAILURE).count();
    let summaries: Vec<_> =
        rows.iter().filter(|r| r.action == actions::AUTHORIZATION_FAILURES_UNRECORDED).collect();
    assert_eq!(refusals, 3);
    assert_eq!(summaries.len(), 1, "{rows:?}");
    assert!(summaries[0].outcome.starts_with("8 refused requests not recorded"), "{:?}", summaries[0]);
    let report = crate::audit::verify(&rows, store.audit_head().await.unwrap());
    assert!(report.valid, "the refusal rows extend the chain: {report:?}");
}

#[tokio::test]
async fn nothing_unrecorded_writes_no_summary() {
    let (_dir, store) = temporary_store().await;
    let (log, writer) = RefusalLog::new(store.clone(), 8, SUMMARY_EVERY);
    log.record(refusal(1));
    let stop = CancellationToken::new();
    stop.cancel();
    writer.run(stop).await;
    let rows = store.audit_rows().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, actions::AUTHORIZATION_FAILURE);
}
