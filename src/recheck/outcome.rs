//! What a finished re-check does to its beneficiary: new status, class, benefit and due date.

use crate::domain::add_months;
use crate::policy::{Report, Verdict};
use time::Date;

/// The beneficiary's new state after a re-check report.
pub struct NextState {
    pub status: &'static str,
    pub recheck_due: Date,
}

/// Eligible and low-income households stay on the roll until the report's re-check date;
/// a graduating one is re-checked when its grace period ends; an ineligible one leaves the
/// schedule (an officer ends the benefit); a report needing review keeps the old due date,
/// so the next batch tries again.
pub fn next_state(report: &Report, previous_due: Date) -> NextState {
    match report.verdict {
        Verdict::Eligible | Verdict::LowIncome => {
            NextState { status: "active", recheck_due: report.recheck_due.unwrap_or(previous_due) }
        }
        Verdict::Graduating => NextState {
            status: "graduating",
            recheck_due: add_months(report.as_of, report.grace_months.unwrap_or(0)),
        },
        Verdict::Ineligible => NextState { status: "ineligible", recheck_due: previous_due },
        Verdict::NeedsReview => NextState { status: "needs_review", recheck_due: previous_due },
    }
}
