//! The rule trace: every rule evaluated, in order, with the figures an officer needs to redo
//! the arithmetic by hand. Amounts are written with two decimals, factors as configured.

use super::exact::Ratio;
use super::report::{RuleOutcome, RuleTrace};
use rust_decimal::Decimal;

#[derive(Debug, Default)]
pub(crate) struct Trace {
    rules: Vec<RuleTrace>,
}

impl Trace {
    /// Records a test and returns its result, so a check reads `if trace.check(...)`.
    pub fn check(&mut self, rule: &str, passed: bool, detail: String) -> bool {
        self.push(rule, if passed { RuleOutcome::Pass } else { RuleOutcome::Fail }, detail);
        passed
    }

    pub fn info(&mut self, rule: &str, detail: String) {
        self.push(rule, RuleOutcome::Info, detail);
    }

    fn push(&mut self, rule: &str, outcome: RuleOutcome, detail: String) {
        self.rules.push(RuleTrace { rule: rule.into(), outcome, detail });
    }

    pub fn into_rules(self) -> Vec<RuleTrace> {
        self.rules
    }
}

/// A factor or count as configured ("1.5", "24", "0.10" → "0.1").
pub(crate) fn factor(value: Decimal) -> String {
    value.normalize().to_string()
}

/// An amount with two decimals.
pub(crate) fn amount(value: Decimal) -> String {
    Ratio::from_decimal(value).to_string()
}

/// "<" or "≥" as `less` says.
pub(crate) fn lt(less: bool) -> &'static str {
    if less { "<" } else { "≥" }
}

/// "≤" or ">" as `within` says.
pub(crate) fn le(within: bool) -> &'static str {
    if within { "≤" } else { ">" }
}
