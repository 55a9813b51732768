//! Re-computing the chain and naming the first broken row.

use super::{AuditRow, GENESIS_HASH, row_hash};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub valid: bool,
    pub rows: u64,
    /// The first row whose link or hash does not hold (or the missing one).
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

impl ChainReport {
    fn broken(rows: u64, seq: i64, reason: impl Into<String>) -> Self {
        Self { valid: false, rows, first_broken_seq: Some(seq), reason: Some(reason.into()) }
    }
}

/// Checks `rows` (ordered by seq) against each other and against the recorded `head`.
pub fn verify(rows: &[AuditRow], head: Option<(i64, String)>) -> ChainReport {
    let mut previous_hash = GENESIS_HASH.to_owned();
    for (index, row) in rows.iter().enumerate() {
        let expected_seq = index as i64 + 1;
        let count = rows.len() as u64;
        if row.seq != expected_seq {
            return ChainReport::broken(
                count,
                expected_seq.min(row.seq),
                format!("row {expected_seq} is missing or out of order"),
            );
        }
        if row.prev_hash != previous_hash {
            return ChainReport::broken(count, row.seq, "does not link to the previous row");
        }
        if row_hash(&row.prev_hash, row) != row.hash {
            return ChainReport::broken(count, row.seq, "its content does not match its hash");
        }
        previous_hash = row.hash.clone();
    }
    let count = rows.len() as u64;
    let last = rows.last().map(|r| (r.seq, r.hash.clone()));
    match (head, last) {
        (None, None) => {}
        (Some((seq, hash)), Some((last_seq, last_hash))) if seq == last_seq && hash == last_hash => {}
        (Some((seq, _)), last) => {
            let at = last.map_or(1, |(s, _)| s + 1).min(seq);
            return ChainReport::broken(
                count,
                at,
                format!("the recorded head is row {seq}: rows were removed from the end"),
            );
        }
        (None, Some(_)) => return ChainReport::broken(count, 1, "no head is recorded for a non-empty log"),
    }
    ChainReport { valid: true, rows: count, first_broken_seq: None, reason: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRow> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut row = AuditRow {
                    seq,
                    at: seq,
                    actor_sub: "s".into(),
                    actor_role: "officer".into(),
                    action: "report_view".into(),
                    application_id: None,
                    subject: None,
                    agency: None,
                    consent_id: None,
                    outcome: "ok".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                row.hash = row_hash(&prev, &row);
                prev = row.hash.clone();
                row
            })
            .collect()
    }

    fn head(rows: &[AuditRow]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.seq, r.hash.clone()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(
            verify(&rows, head(&rows)),
            ChainReport { valid: true, rows: 5, first_broken_seq: None, reason: None }
        );
        assert!(verify(&[], None).valid);
    }

    #[test]
    fn tampering_deleting_reordering_and_truncating_are_caught() {
        let rows = chain(5);
        let recorded = head(&rows);
        let mut changed = rows.clone();
        changed[2].outcome = "denied".into();
        assert_eq!(verify(&changed, recorded.clone()).first_broken_seq, Some(3));

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted, recorded.clone()).first_broken_seq, Some(2));

        let mut reordered = rows.clone();
        reordered.swap(1, 2);
        assert_eq!(verify(&reordered, recorded.clone()).first_broken_seq, Some(2));

        let truncated = rows[..3].to_vec();
        let report = verify(&truncated, recorded);
        assert!(!report.valid);
        assert_eq!(report.first_broken_seq, Some(4));
    }
}
