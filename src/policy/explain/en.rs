//! English: rule names, arithmetic (stored as each rule's `detail`) and reasons.

use super::figures::Figures;
use super::words::{agency_en, cause_en, percent};
use crate::policy::report::{Operator, RuleOutcome, RuleTrace};

pub(super) fn name(rule: &RuleTrace, f: &Figures) -> Option<&'static str> {
    let pass = rule.outcome == RuleOutcome::Pass;
    Some(match rule.rule.as_str() {
        "data_complete" => pick(pass, "Data complete", "Data incomplete"),
        "rigid_expenses_deduction" => {
            pick(f.yes("deducted"), "Rigid expenses deducted", "Rigid expenses not deducted")
        }
        "financial_assets_within_dibao_limit" => {
            pick(pass, "Financial assets within the dibao limit", "Financial assets over the dibao limit")
        }
        "financial_assets_within_low_income_limit" => pick(
            pass,
            "Financial assets within the low-income limit",
            "Financial assets over the low-income limit",
        ),
        "residential_properties_within_limit" => {
            pick(pass, "Residential properties within the limit", "Residential properties over the limit")
        }
        "non_residential_property" => match (f.get("count"), pass) {
            ("0", _) => "No non-residential property",
            (_, true) => "Non-residential property, allowed",
            (_, false) => "Non-residential property, not allowed",
        },
        "income_below_standard" => pick(
            f.operator() == Some(Operator::Lt),
            "Per-capita income below the standard",
            "Per-capita income not below the standard",
        ),
        "income_within_low_income_limit" => pick(
            pass,
            "Per-capita income within the low-income limit",
            "Per-capita income over the low-income limit",
        ),
        "income_below_tekun_standard" => pick(
            pass,
            "Per-capita income below the tekun standard",
            "Per-capita income not below the tekun standard",
        ),
        "single_person" => pick(pass, "Single-person case qualifies", "No qualifying single-person case"),
        "tekun_person_category" => {
            pick(pass, "In an extreme-poverty person category", "Not in an extreme-poverty person category")
        }
        "recheck_graduation" => "Re-check: graduating after a grace period",
        "temporary_approval_level" => "Temporary-assistance approval level",
        "undeclared_income" => pick(pass, "No undeclared income", "Undeclared income"),
        "income_sources_disagree" => match (f.get("compared"), pass) {
            ("0", _) => "No tax and housing-fund incomes to compare",
            (_, true) => "Tax and housing-fund incomes agree",
            (_, false) => "Tax and housing-fund incomes disagree",
        },
        _ => return None,
    })
}

fn pick(condition: bool, yes: &'static str, no: &'static str) -> &'static str {
    if condition { yes } else { no }
}

pub(super) fn detail(rule: &RuleTrace, f: &Figures) -> Option<String> {
    let op = f.op();
    Some(match rule.rule.as_str() {
        "data_complete" => {
            if rule.members.is_empty() {
                "every member × agency source answered with usable data".to_owned()
            } else {
                let listed: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        format!("{} {} {}", m.member, g.get("agency"), g.get("cause"))
                    })
                    .collect();
                format!(
                    "{} gap(s): {}; the data present is a lower bound, so the verdict cannot be eligible",
                    f.get("gaps"),
                    listed.join(", ")
                )
            }
        }
        "rigid_expenses_deduction" => {
            if f.yes("deducted") {
                let floor = if f.yes("floored") { ", floored at 0.00" } else { "" };
                format!(
                    "Σ income {} − rigid expenses {} = {}{floor}",
                    f.get("gross"),
                    f.get("rigid"),
                    f.get("difference")
                )
            } else {
                format!(
                    "Σ income {} = {}; rigid expenses {} not deducted (deduct_rigid_expenses = false)",
                    f.get("gross"),
                    f.get("total"),
                    f.get("rigid")
                )
            }
        }
        "financial_assets_within_dibao_limit" | "financial_assets_within_low_income_limit" => format!(
            "per-capita {} {op} limit {} × {} = {} (total {} {op} {} × {} = {})",
            f.value(),
            f.get("months"),
            f.get("standard"),
            f.threshold(),
            f.get("total"),
            f.get("household_size"),
            f.threshold(),
            f.get("total_limit"),
        ),
        "residential_properties_within_limit" => {
            format!("{} residential unit(s) {op} max {}", f.value(), f.threshold())
        }
        "non_residential_property" => match (f.get("count"), f.yes("allowed")) {
            ("0", _) => "no non-residential unit".to_owned(),
            (count, true) => {
                format!("{count} non-residential unit(s), allowed (allow_non_residential_property = true)")
            }
            (count, false) => {
                format!(
                    "{count} non-residential unit(s), not allowed (allow_non_residential_property = false)"
                )
            }
        },
        "income_below_standard" => {
            let mut text = format!(
                "per-capita {} {op} standard {} (total {} {op} {} × {} = {})",
                f.value(),
                f.threshold(),
                f.get("total"),
                f.get("household_size"),
                f.threshold(),
                f.get("total_threshold"),
            );
            if f.has("benefit") {
                text.push_str(&format!(
                    "; benefit {} − {} = {}",
                    f.get("total_threshold"),
                    f.get("total"),
                    f.get("benefit")
                ));
            }
            if rule.outcome == RuleOutcome::Info && f.operator() == Some(Operator::Lt) {
                text.push_str("; dibao recommended");
            }
            text
        }
        "income_within_low_income_limit" => format!(
            "per-capita {} {op} {} × {} = {} (total {} {op} {} × {} = {})",
            f.value(),
            f.get("multiplier"),
            f.get("standard"),
            f.threshold(),
            f.get("total"),
            f.get("household_size"),
            f.threshold(),
            f.get("total_limit"),
        ),
        "income_below_tekun_standard" => {
            let mut text = format!(
                "per-capita {} {op} tekun standard {} × {} = {} (total {} {op} {} × {} = {})",
                f.value(),
                f.get("multiplier"),
                f.get("standard"),
                f.threshold(),
                f.get("total"),
                f.get("household_size"),
                f.threshold(),
                f.get("total_threshold"),
            );
            if f.has("benefit") {
                text.push_str(&format!(
                    "; benefit {} − {} = {}",
                    f.get("total_threshold"),
                    f.get("total"),
                    f.get("benefit")
                ));
            }
            text
        }
        "single_person" => {
            if rule.members.is_empty() {
                "no member is a single-person case (disability grade 1–2, grade 3 intellectual or mental, serious illness)"
                    .to_owned()
            } else {
                let each: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        let gap = if g.has("gap") {
                            format!(": {} − {} = {}", g.threshold(), g.value(), g.get("gap"))
                        } else {
                            String::new()
                        };
                        format!(
                            "{} own income {} {} standard {}{gap}",
                            m.member,
                            g.value(),
                            g.op(),
                            g.threshold()
                        )
                    })
                    .collect();
                let total =
                    if f.has("benefit") { format!("; benefit {}", f.get("benefit")) } else { String::new() };
                format!("{}{total}", each.join("; "))
            }
        }
        "tekun_person_category" => match f.get("category") {
            "no_applicant" => "no member has relation applicant".to_owned(),
            category => {
                let reason = match category {
                    "under_18" => "under 18",
                    "aged_60_or_over" => "60 or older",
                    "disability_grade_1_2" => "disability grade 1–2",
                    _ => "not under 18, not 60 or older, not disability grade 1–2",
                };
                format!(
                    "applicant {}: age {}, disability grade {}: {reason}",
                    f.get("applicant"),
                    f.get("age"),
                    f.get("disability_grade")
                )
            }
        },
        "recheck_graduation" => {
            let why = if f.get("grace_rule") == "poverty_relief" { "poverty relief" } else { "employment" };
            let after = if f.yes("low_income_after_grace") {
                "; per-capita income within the low-income limit: low income after the grace period"
            } else {
                ""
            };
            format!(
                "re-check with per-capita income at or above standard: graduating with {} grace months ({why}){after}",
                f.get("grace_months")
            )
        }
        "temporary_approval_level" => {
            let county = match f.get("level") {
                "county" => format!("; ≤ county limit {}", f.get("county_limit")),
                "county_leading_group" => format!("; > county limit {}", f.get("county_limit")),
                _ => String::new(),
            };
            let advance =
                if f.yes("emergency") { "; emergency: advance relief granted at this level" } else { "" };
            format!(
                "requested {} {op} township limit {} × urban standard {} = {}{county} → {}{advance}",
                f.value(),
                f.get("multiplier"),
                f.get("urban_standard"),
                f.threshold(),
                f.get("level"),
            )
        }
        "undeclared_income" => format!(
            "verified {} − declared {} = {}; {} tolerance {} × {} = {}; {} minimum {}",
            f.get("verified"),
            f.get("declared"),
            f.get("excess"),
            pick(f.yes("over_tolerance"), ">", "≤"),
            f.get("tolerance_factor"),
            f.get("declared"),
            f.get("tolerance"),
            pick(f.yes("over_minimum"), ">", "≤"),
            f.get("minimum"),
        ),
        "income_sources_disagree" => {
            if rule.members.is_empty() {
                "no member has both tax and housing-fund income".to_owned()
            } else {
                let share = percent(f.get("share"));
                let each: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        format!(
                            "{}: tax {} vs housing fund {}, difference {} {} {share} of {} = {}",
                            m.member,
                            g.get("tax_monthly"),
                            g.get("hf_wage"),
                            g.value(),
                            g.op(),
                            g.get("larger"),
                            g.threshold(),
                        )
                    })
                    .collect();
                each.join("; ")
            }
        }
        _ => return None,
    })
}

/// The rule as one deciding reason of the verdict.
pub(super) fn reason(rule: &RuleTrace, f: &Figures) -> Option<String> {
    let (value, threshold) = (f.value(), f.threshold());
    Some(match rule.rule.as_str() {
        "financial_assets_within_dibao_limit" => {
            format!("per-capita financial assets {value}, {} the dibao limit of {threshold}", over(f))
        }
        "financial_assets_within_low_income_limit" => {
            format!("per-capita financial assets {value}, {} the low-income limit of {threshold}", over(f))
        }
        "residential_properties_within_limit" => {
            format!("{value} residential properties, {} the limit of {threshold}", over(f))
        }
        "non_residential_property" => {
            format!("{} non-residential properties, not allowed in this region", f.get("count"))
        }
        "income_within_low_income_limit" => {
            format!("per-capita income {value}, {} the low-income limit of {threshold}", over(f))
        }
        "income_below_standard" => {
            let relation = if f.below() { "below" } else { "not below" };
            format!("per-capita income {value}, {relation} the dibao standard of {threshold}")
        }
        "income_below_tekun_standard" => {
            let relation = if f.below() { "below" } else { "not below" };
            format!("per-capita income {value}, {relation} the tekun standard of {threshold}")
        }
        "single_person" => {
            let cases: Vec<String> = rule
                .members
                .iter()
                .map(|m| (m, Figures::of_member(m)))
                .filter(|(_, g)| g.below())
                .map(|(m, g)| {
                    format!(
                        "{} with own income {} below the standard of {}",
                        m.member,
                        g.value(),
                        g.threshold()
                    )
                })
                .collect();
            format!("single-person case: {}", cases.join("; "))
        }
        "tekun_person_category" => match f.get("category") {
            "no_applicant" => "no member is the applicant".to_owned(),
            _ => format!(
                "the applicant, aged {}, is not under 18, not 60 or older and not disabled at grade 1–2",
                f.get("age")
            ),
        },
        "recheck_graduation" => {
            let why = if f.get("grace_rule") == "poverty_relief" { "poverty relief" } else { "employment" };
            let after =
                if f.yes("low_income_after_grace") { "; low income after the grace period" } else { "" };
            format!("grace period of {} months ({why}){after}", f.get("grace_months"))
        }
        _ => return None,
    })
}

/// "over" or "within", as the comparison went.
fn over(f: &Figures) -> &'static str {
    if f.below() { "within" } else { "over" }
}

/// A gap as a reason to review: `member` is named in households of more than one.
pub(super) fn gap(member: Option<&str>, agency: &str, cause: &str) -> String {
    let whose = member.map(|m| format!(" of {m}")).unwrap_or_default();
    format!("{}{whose}: {}; needs review by an officer", agency_en(agency), cause_en(cause))
}

pub(super) fn policy_name(prefix: Option<&str>, effective_from: Option<&str>) -> String {
    let scope = prefix.map_or_else(|| "Default parameters".to_owned(), |p| format!("Region {p} parameters"));
    match effective_from {
        Some(date) => format!("{scope}, effective {date}"),
        None => scope,
    }
}
