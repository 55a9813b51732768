//! The rule trace: every rule evaluated, in order, with the figures an officer needs to redo
//! the arithmetic by hand. A rule records its inputs as a [`Line`]; the English `detail` is
//! rendered from them by [`super::explain`], the same renderer that writes the Chinese, so
//! the two texts cannot say different things. Amounts are written with two decimals,
//! factors as configured.

use super::exact::Ratio;
use super::explain::{self, Lang};
use super::report::{MemberTrace, Operator, RuleOutcome, RuleTrace};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Display;

#[derive(Debug, Default)]
pub(crate) struct Trace {
    rules: Vec<RuleTrace>,
}

impl Trace {
    /// Records a test and returns its result, so a check reads `if trace.check(...)`.
    pub fn check(&mut self, line: Line, passed: bool) -> bool {
        self.push(line, if passed { RuleOutcome::Pass } else { RuleOutcome::Fail });
        passed
    }

    /// Records a figure or a step shown for the arithmetic.
    pub fn info(&mut self, line: Line) {
        self.push(line, RuleOutcome::Info);
    }

    fn push(&mut self, line: Line, outcome: RuleOutcome) {
        let mut rule = RuleTrace { outcome, ..line.0 };
        rule.detail = explain::rule_detail(&rule, Lang::En);
        self.rules.push(rule);
    }

    pub fn into_rules(self) -> Vec<RuleTrace> {
        self.rules
    }
}

/// The inputs of one rule, before its outcome is known.
pub(crate) struct Line(RuleTrace);

impl Line {
    pub fn new(rule: &str) -> Self {
        Self(RuleTrace {
            rule: rule.into(),
            outcome: RuleOutcome::Info,
            detail: String::new(),
            value: None,
            operator: None,
            threshold: None,
            figures: BTreeMap::new(),
            members: Vec::new(),
        })
    }

    /// `value operator threshold`, a true statement about the exact figures.
    pub fn compare(mut self, value: impl Display, operator: Operator, threshold: impl Display) -> Self {
        self.0.value = Some(value.to_string());
        self.0.operator = Some(operator);
        self.0.threshold = Some(threshold.to_string());
        self
    }

    pub fn figure(mut self, name: &str, value: impl Display) -> Self {
        self.0.figures.insert(name.into(), value.to_string());
        self
    }

    pub fn member(mut self, member: MemberLine) -> Self {
        self.0.members.push(member.0);
        self
    }
}

/// The part of a rule about one member.
pub(crate) struct MemberLine(MemberTrace);

impl MemberLine {
    pub fn new(masked: &str) -> Self {
        Self(MemberTrace {
            member: masked.into(),
            value: None,
            operator: None,
            threshold: None,
            figures: BTreeMap::new(),
        })
    }

    pub fn compare(mut self, value: impl Display, operator: Operator, threshold: impl Display) -> Self {
        self.0.value = Some(value.to_string());
        self.0.operator = Some(operator);
        self.0.threshold = Some(threshold.to_string());
        self
    }

    pub fn figure(mut self, name: &str, value: impl Display) -> Self {
        self.0.figures.insert(name.into(), value.to_string());
        self
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
