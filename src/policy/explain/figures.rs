//! Reading a rule's figures by name while rendering; a missing figure shows as "?" rather
//! than failing the page.

use crate::policy::report::{MemberTrace, Operator, RuleTrace};
use std::collections::BTreeMap;

pub(super) struct Figures<'a> {
    figures: &'a BTreeMap<String, String>,
    value: Option<&'a str>,
    operator: Option<Operator>,
    threshold: Option<&'a str>,
}

impl<'a> Figures<'a> {
    pub fn of(rule: &'a RuleTrace) -> Self {
        Self {
            figures: &rule.figures,
            value: rule.value.as_deref(),
            operator: rule.operator,
            threshold: rule.threshold.as_deref(),
        }
    }

    pub fn of_member(member: &'a MemberTrace) -> Self {
        Self {
            figures: &member.figures,
            value: member.value.as_deref(),
            operator: member.operator,
            threshold: member.threshold.as_deref(),
        }
    }

    pub fn get(&self, name: &str) -> &'a str {
        self.figures.get(name).map_or("?", String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.figures.contains_key(name)
    }

    pub fn yes(&self, name: &str) -> bool {
        self.figures.get(name).is_some_and(|v| v == "true")
    }

    pub fn value(&self) -> &'a str {
        self.value.unwrap_or("?")
    }

    pub fn threshold(&self) -> &'a str {
        self.threshold.unwrap_or("?")
    }

    /// The operator as printed (`<`, `≤`, `>`, `≥`).
    pub fn op(&self) -> &'static str {
        self.operator.map_or("?", Operator::symbol)
    }

    pub fn operator(&self) -> Option<Operator> {
        self.operator
    }

    /// Whether the value is below (`<`, `≤`) its threshold.
    pub fn below(&self) -> bool {
        matches!(self.operator, Some(Operator::Lt | Operator::Le))
    }
}
