//! Explanations in the reader's language: a rule's name (as it reads given its outcome:
//! "无未申报收入" when it passed), its arithmetic, the verdict's deciding reasons, the readable
//! name of a parameter set, and parameter labels. Everything is rendered from the structured
//! rule trace (figures, threshold, operator), so the Chinese and the English say the same.
//!
//! The English arithmetic is also what the engine stores as each rule's `detail`. A rule
//! without figures (a report written before they were recorded, or a rule this version does
//! not know) is shown with its stored `detail`.

mod en;
mod figures;
mod words;
mod zh;

pub use words::{parameter_label, parameter_value};

use super::report::{Category, PolicySource, Report, RuleOutcome, RuleTrace, Verdict};
use figures::Figures;

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// The rule's name as it reads given its outcome and figures.
pub fn rule_name(rule: &RuleTrace, lang: Lang) -> String {
    let named = match lang {
        Lang::Zh => zh::name(rule, &Figures::of(rule)),
        Lang::En => en::name(rule, &Figures::of(rule)),
    };
    named.map_or_else(|| rule.rule.clone(), str::to_owned)
}

/// The rule's arithmetic.
pub fn rule_detail(rule: &RuleTrace, lang: Lang) -> String {
    if !has_figures(rule) {
        return rule.detail.clone();
    }
    let rendered = match lang {
        Lang::Zh => zh::detail(rule, &Figures::of(rule)),
        Lang::En => en::detail(rule, &Figures::of(rule)),
    };
    rendered.unwrap_or_else(|| rule.detail.clone())
}

/// Why the report has its verdict, one phrase per deciding reason: the gaps that send it
/// to an officer, the failed tests that rule it out, or the tests that grant it.
pub fn reasons(report: &Report, lang: Lang) -> Vec<String> {
    let phrase = |rule: &RuleTrace| match (has_figures(rule), lang) {
        (false, _) => None,
        (true, Lang::Zh) => zh::reason(rule, &Figures::of(rule)),
        (true, Lang::En) => en::reason(rule, &Figures::of(rule)),
    };
    let named = |ids: &[&str]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| report.rules.iter().find(|rule| rule.rule == *id))
            .filter_map(|rule| phrase(rule).or_else(|| Some(rule_name(rule, lang))))
            .collect()
    };
    match report.verdict {
        Verdict::NeedsReview => {
            let named_member = report.household_size > 1;
            report
                .missing
                .iter()
                .map(|gap| {
                    let member = named_member.then_some(gap.member.as_str());
                    match lang {
                        Lang::Zh => zh::gap(member, gap.agency.as_str(), &gap.cause),
                        Lang::En => en::gap(member, gap.agency.as_str(), &gap.cause),
                    }
                })
                .collect()
        }
        Verdict::Ineligible => report
            .rules
            .iter()
            .filter(|rule| {
                rule.outcome == RuleOutcome::Fail && !NEVER_DECIDES_INELIGIBLE.contains(&rule.rule.as_str())
            })
            .map(|rule| phrase(rule).unwrap_or_else(|| rule_name(rule, lang)))
            .collect(),
        Verdict::Eligible => match report.category {
            Some(Category::DibaoSingle) => named(&["single_person"]),
            Some(Category::Tekun) => named(&["income_below_tekun_standard"]),
            Some(Category::Temporary) => named(&["income_within_low_income_limit"]),
            _ => named(&["income_below_standard"]),
        },
        Verdict::LowIncome => named(&["income_below_standard", "income_within_low_income_limit"]),
        Verdict::Graduating => named(&["income_below_standard", "recheck_graduation"]),
    }
}

/// Failed rules that only lead to a further step (or are flags), never by themselves to
/// `ineligible`; any other failed test rules the household out.
const NEVER_DECIDES_INELIGIBLE: [&str; 6] = [
    "data_complete",
    "income_below_standard",
    "income_below_tekun_standard",
    "single_person",
    "undeclared_income",
    "income_sources_disagree",
];

/// A readable name for the parameters behind a report: the region file and the date of the
/// latest change in effect. `None` for reports written before it was recorded.
pub fn policy_name(source: Option<&PolicySource>, lang: Lang) -> Option<String> {
    let source = source?;
    let prefix = source.region_prefix.as_deref();
    let date = source.effective_from.map(|d| d.to_string());
    Some(match lang {
        Lang::Zh => zh::policy_name(prefix, date.as_deref()),
        Lang::En => en::policy_name(prefix, date.as_deref()),
    })
}

fn has_figures(rule: &RuleTrace) -> bool {
    rule.value.is_some() || !rule.figures.is_empty() || !rule.members.is_empty()
}
