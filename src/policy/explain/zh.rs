//! Chinese, as an officer writes it: rule names that read right when the rule passes
//! ("无未申报收入"), the arithmetic with units, and the verdict's reasons
//! ("住宅 2 套，超过 1 套限额", "银行存款查询超时，需人工复核").

use super::figures::Figures;
use super::words::{agency_zh, cause_zh, level_zh, percent};
use crate::policy::report::{Operator, RuleOutcome, RuleTrace};

pub(super) fn name(rule: &RuleTrace, f: &Figures) -> Option<&'static str> {
    let pass = rule.outcome == RuleOutcome::Pass;
    Some(match rule.rule.as_str() {
        "data_complete" => pick(pass, "核对数据完整", "核对数据不完整"),
        "rigid_expenses_deduction" => pick(f.yes("deducted"), "扣减刚性支出", "不扣减刚性支出"),
        "financial_assets_within_dibao_limit" => pick(pass, "金融资产未超过低保限额", "金融资产超过低保限额"),
        "financial_assets_within_low_income_limit" => {
            pick(pass, "金融资产未超过低收入家庭限额", "金融资产超过低收入家庭限额")
        }
        "residential_properties_within_limit" => pick(pass, "住宅套数未超过限额", "住宅套数超过限额"),
        "non_residential_property" => match (f.get("count"), pass) {
            ("0", _) => "无非住宅房产",
            (_, true) => "有非住宅房产（允许持有）",
            (_, false) => "有非住宅房产（不允许持有）",
        },
        "income_below_standard" => {
            pick(f.operator() == Some(Operator::Lt), "人均收入低于低保标准", "人均收入不低于低保标准")
        }
        "income_within_low_income_limit" => pick(pass, "人均收入在低收入标准以内", "人均收入超过低收入标准"),
        "income_below_tekun_standard" => pick(pass, "人均收入低于特困供养标准", "人均收入不低于特困供养标准"),
        "single_person" => pick(pass, "符合单人户保障条件", "不符合单人户保障条件"),
        "tekun_person_category" => pick(pass, "属于特困人员类别", "不属于特困人员类别"),
        "recheck_graduation" => "复核渐退",
        "temporary_approval_level" => "临时救助审批层级",
        "undeclared_income" => pick(pass, "无未申报收入", "存在未申报收入"),
        "income_sources_disagree" => match (f.get("compared"), pass) {
            ("0", _) => "无需比对纳税与公积金收入",
            (_, true) => "纳税与公积金收入一致",
            (_, false) => "纳税与公积金收入不一致",
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
                "各成员在各部门的数据均已取得且可用".to_owned()
            } else {
                let listed: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        format!("{} 的{}{}", m.member, agency_zh(g.get("agency")), cause_zh(g.get("cause")))
                    })
                    .collect();
                format!(
                    "缺失 {} 项数据：{}。已取得的数据只是收入和财产的下限，不能据此认定符合条件",
                    f.get("gaps"),
                    listed.join("；")
                )
            }
        }
        "rigid_expenses_deduction" => {
            if f.yes("deducted") {
                let floor = if f.yes("floored") { "，不足 0 元按 0.00 元计" } else { "" };
                format!(
                    "成员月收入合计 {} 元 − 刚性支出 {} 元 = {} 元{floor}",
                    f.get("gross"),
                    f.get("rigid"),
                    f.get("difference")
                )
            } else {
                format!(
                    "成员月收入合计 {} 元，即家庭月收入 {} 元；本地政策不扣减刚性支出（{} 元）",
                    f.get("gross"),
                    f.get("total"),
                    f.get("rigid")
                )
            }
        }
        "financial_assets_within_dibao_limit" | "financial_assets_within_low_income_limit" => {
            let which = if rule.rule.ends_with("dibao_limit") { "低保" } else { "低收入家庭" };
            format!(
                "人均金融资产 {} 元 {op} {which}限额 {} 个月 × 低保标准 {} 元 = {} 元（家庭合计 {} 元 {op} {} 人 × {} 元 = {} 元）",
                f.value(),
                f.get("months"),
                f.get("standard"),
                f.threshold(),
                f.get("total"),
                f.get("household_size"),
                f.threshold(),
                f.get("total_limit"),
            )
        }
        "residential_properties_within_limit" => {
            format!("住宅 {} 套 {op} 限额 {} 套", f.value(), f.threshold())
        }
        "non_residential_property" => match (f.get("count"), f.yes("allowed")) {
            ("0", _) => "无非住宅房产".to_owned(),
            (count, true) => format!("非住宅房产 {count} 处，本地政策允许持有"),
            (count, false) => format!("非住宅房产 {count} 处，本地政策不允许持有"),
        },
        "income_below_standard" => {
            let mut text = format!(
                "人均月收入 {} 元 {op} 低保标准 {} 元（家庭月收入 {} 元 {op} {} 人 × {} 元 = {} 元）",
                f.value(),
                f.threshold(),
                f.get("total"),
                f.get("household_size"),
                f.threshold(),
                f.get("total_threshold"),
            );
            if f.has("benefit") {
                text.push_str(&format!(
                    "；建议救助金额 {} − {} = {} 元/月",
                    f.get("total_threshold"),
                    f.get("total"),
                    f.get("benefit")
                ));
            }
            if rule.outcome == RuleOutcome::Info && f.operator() == Some(Operator::Lt) {
                text.push_str("；建议按低保申请办理");
            }
            text
        }
        "income_within_low_income_limit" => format!(
            "人均月收入 {} 元 {op} 低收入标准 {} × {} 元 = {} 元（家庭月收入 {} 元 {op} {} 人 × {} 元 = {} 元）",
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
                "人均月收入 {} 元 {op} 特困供养标准 {} × {} 元 = {} 元（家庭月收入 {} 元 {op} {} 人 × {} 元 = {} 元）",
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
                    "；建议救助金额 {} − {} = {} 元/月",
                    f.get("total_threshold"),
                    f.get("total"),
                    f.get("benefit")
                ));
            }
            text
        }
        "single_person" => {
            if rule.members.is_empty() {
                "家庭中没有单人户保障对象（一级或二级残疾、三级智力或精神残疾、患重病）".to_owned()
            } else {
                let each: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        let gap = if g.has("gap") {
                            format!("，差额 {} − {} = {} 元", g.threshold(), g.value(), g.get("gap"))
                        } else {
                            String::new()
                        };
                        format!(
                            "{} 本人月收入 {} 元 {} 低保标准 {} 元{gap}",
                            m.member,
                            g.value(),
                            g.op(),
                            g.threshold()
                        )
                    })
                    .collect();
                let total = if f.has("benefit") {
                    format!("；建议救助金额 {} 元/月", f.get("benefit"))
                } else {
                    String::new()
                };
                format!("{}{total}", each.join("；"))
            }
        }
        "tekun_person_category" => match f.get("category") {
            "no_applicant" => "家庭成员中没有关系为“申请人”的成员".to_owned(),
            category => {
                let grade = match f.get("disability_grade") {
                    "none" => "无残疾等级".to_owned(),
                    grade => format!("残疾等级 {grade} 级"),
                };
                let reason = match category {
                    "under_18" => "未满 18 周岁",
                    "aged_60_or_over" => "年满 60 周岁",
                    "disability_grade_1_2" => "属一、二级残疾",
                    _ => "已满 18 周岁、未满 60 周岁，且不是一、二级残疾",
                };
                format!("申请人 {}：{} 岁，{grade}；{reason}", f.get("applicant"), f.get("age"))
            }
        },
        "recheck_graduation" => {
            let after = if f.yes("low_income_after_grace") {
                "；人均月收入在低收入标准以内，渐退期满后可认定为低收入家庭"
            } else {
                ""
            };
            format!("复核时人均月收入不低于低保标准，{}{after}", grace(f))
        }
        "temporary_approval_level" => {
            let county = match f.get("level") {
                "county" => format!("；≤ 县级审批限额 {} 元", f.get("county_limit")),
                "county_leading_group" => format!("；> 县级审批限额 {} 元", f.get("county_limit")),
                _ => String::new(),
            };
            let advance =
                if f.yes("emergency") { "；急难型救助，已按此层级先行救助" } else { "" };
            format!(
                "申请金额 {} 元 {op} 乡镇审批限额 {} × 城市低保标准 {} 元 = {} 元{county} → {}{advance}",
                f.value(),
                f.get("multiplier"),
                f.get("urban_standard"),
                f.threshold(),
                level_zh(f.get("level")),
            )
        }
        "undeclared_income" => format!(
            "差额 = 核实的家庭月收入 {} 元 − 申报合计 {} 元 = {} 元；差额 {} 容差 {} × {} 元 = {} 元；差额 {} 最低金额 {} 元",
            f.get("verified"),
            f.get("declared"),
            f.get("excess"),
            pick(f.yes("over_tolerance"), ">", "≤"),
            percent(f.get("tolerance_factor")),
            f.get("declared"),
            f.get("tolerance"),
            pick(f.yes("over_minimum"), ">", "≤"),
            f.get("minimum"),
        ),
        "income_sources_disagree" => {
            if rule.members.is_empty() {
                "没有成员同时有纳税收入和公积金推算工资".to_owned()
            } else {
                let share = percent(f.get("share"));
                let each: Vec<String> = rule
                    .members
                    .iter()
                    .map(|m| {
                        let g = Figures::of_member(m);
                        format!(
                            "{}：纳税月均 {} 元，公积金推算工资 {} 元，相差 {} 元 {} 较大者 {} 元的 {share} = {} 元",
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
                each.join("；")
            }
        }
        _ => return None,
    })
}

/// Which grace rule applied, and for how long.
fn grace(f: &Figures) -> String {
    let rule = if f.get("grace_rule") == "poverty_relief" {
        "按脱贫人口渐退"
    } else {
        "按就业增收渐退"
    };
    format!("{rule}，渐退期 {} 个月", f.get("grace_months"))
}

/// The rule as one deciding reason of the verdict.
pub(super) fn reason(rule: &RuleTrace, f: &Figures) -> Option<String> {
    let (value, threshold) = (f.value(), f.threshold());
    let over = if f.below() { "未超过" } else { "超过" };
    Some(match rule.rule.as_str() {
        "financial_assets_within_dibao_limit" => {
            format!("人均金融资产 {value} 元，{over}低保限额 {threshold} 元")
        }
        "financial_assets_within_low_income_limit" => {
            format!("人均金融资产 {value} 元，{over}低收入家庭限额 {threshold} 元")
        }
        "residential_properties_within_limit" => format!("住宅 {value} 套，{over} {threshold} 套限额"),
        "non_residential_property" => format!("有非住宅房产 {} 处，本地政策不允许持有", f.get("count")),
        "income_within_low_income_limit" => {
            if f.below() {
                format!("人均月收入 {value} 元，在低收入标准 {threshold} 元以内")
            } else {
                format!("人均月收入 {value} 元，超过低收入标准 {threshold} 元")
            }
        }
        "income_below_standard" => {
            let relation = if f.below() { "低于" } else { "不低于" };
            format!("人均月收入 {value} 元，{relation}低保标准 {threshold} 元")
        }
        "income_below_tekun_standard" => {
            let relation = if f.below() { "低于" } else { "不低于" };
            format!("人均月收入 {value} 元，{relation}特困供养标准 {threshold} 元")
        }
        "single_person" => {
            let cases: Vec<String> = rule
                .members
                .iter()
                .map(|m| (m, Figures::of_member(m)))
                .filter(|(_, g)| g.below())
                .map(|(m, g)| {
                    format!(
                        "单人户保障对象 {} 本人月收入 {} 元，低于低保标准 {} 元",
                        m.member,
                        g.value(),
                        g.threshold()
                    )
                })
                .collect();
            cases.join("；")
        }
        "tekun_person_category" => match f.get("category") {
            "no_applicant" => "家庭成员中没有申请人".to_owned(),
            _ => format!(
                "申请人 {} 岁（已满 18 周岁、未满 60 周岁），且不是一、二级残疾，不属于特困人员类别",
                f.get("age")
            ),
        },
        "recheck_graduation" => {
            let after = if f.yes("low_income_after_grace") {
                "；渐退期满后可认定为低收入家庭"
            } else {
                ""
            };
            format!("{}{after}", grace(f))
        }
        _ => return None,
    })
}

/// A gap as a reason to review: `member` is named in households of more than one.
pub(super) fn gap(member: Option<&str>, agency: &str, cause: &str) -> String {
    let whose = member.map(|m| format!("{m} 的")).unwrap_or_default();
    format!("{whose}{}{}，需人工复核", agency_zh(agency), cause_zh(cause))
}

pub(super) fn policy_name(prefix: Option<&str>, effective_from: Option<&str>) -> String {
    let scope = prefix.map_or_else(|| "默认政策参数".to_owned(), |p| format!("行政区划 {p} 政策参数"));
    match effective_from {
        Some(date) => format!("{scope}（{date} 起施行）"),
        None => scope,
    }
}
