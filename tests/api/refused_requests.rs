//! Refused requests cannot slow served ones: each client address has a budget of refusals
//! (beyond it its refusals are 429 and only counted), refusals are audited through one
//! bounded writer, and `X-Forwarded-For` is believed only from `server.trusted_proxies`.

use crate::eventually::eventually;
use crate::helpers::{Options, TestApp, spawn_app_with};
use hub::audit::actions;
use std::time::Duration;

async fn spawn_app_behind_proxy(trust_loopback: bool) -> TestApp {
    spawn_app_with(Options {
        configure: Some(Box::new(move |settings| {
            settings.server.refused_per_s = 1;
            settings.server.refused_burst = 5;
            if trust_loopback {
                settings.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            }
        })),
        ..Options::default()
    })
    .await
}

/// GET /api/v1/applications as the client `address` (via X-Forwarded-For).
async fn list_as(app: &TestApp, address: &str, token: &str) -> u16 {
    app.client
        .get(format!("{}/api/v1/applications", app.address))
        .header("X-Forwarded-For", address)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refusal_rows(app: &TestApp) -> usize {
    let rows = app.store.audit_rows().await.unwrap();
    rows.iter().filter(|row| row.action == actions::AUTHORIZATION_FAILURE).count()
}

#[tokio::test]
async fn a_flood_of_bad_tokens_is_throttled_per_address_and_audited_by_row_count() {
    let app = spawn_app_behind_proxy(true).await;
    let started = std::time::Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(list_as(&app, "198.51.100.7", "not-a-token").await);
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused + throttled, 40, "{statuses:?}");
    assert!(statuses[..5].iter().all(|s| *s == 401), "the burst is answered normally: {statuses:?}");
    // One more refusal per second elapsed may have been earned back.
    let earned = started.elapsed().as_secs() as usize + 1;
    assert!(refused <= 5 + earned, "{refused} refusals got through: {statuses:?}");
    assert!(throttled >= 40 - 5 - earned, "{statuses:?}");

    // Another client, and the flooding address itself with a good token, are served.
    let token = app.admin_token();
    assert_eq!(list_as(&app, "203.0.113.5", &token).await, 200);
    assert_eq!(list_as(&app, "198.51.100.7", &token).await, 200, "only refusals are throttled");
    // Every 401 has its row, and nothing more: the throttled ones are only counted.
    let rows = eventually("the refusal rows", Duration::from_secs(30), || async {
        let rows = refusal_rows(&app).await;
        (rows >= refused).then_some(rows)
    })
    .await;
    assert_eq!(rows, refused);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_does_not_choose_the_address() {
    let app = spawn_app_behind_proxy(false).await;
    // Each request claims another address, but the peer (127.0.0.1) is not a trusted proxy.
    let mut statuses = Vec::new();
    for n in 0..12 {
        statuses.push(list_as(&app, &format!("198.51.100.{n}"), "not-a-token").await);
    }
    assert!(statuses.contains(&429), "all were counted against the peer: {statuses:?}");
}
