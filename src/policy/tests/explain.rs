//! Explanations: every rule in Chinese (a snapshot, reviewed by reading it), rule names
//! that read right when passing, the verdict's deciding reasons, and the English `detail`
//! rendered by the same code.

use super::builder::*;
use crate::domain::Program::{Dibao, LowIncome, Tekun, Temporary};
use crate::domain::TemporaryKind::{Emergency, Expenditure};
use crate::domain::facts::PropertyUsage::{Commercial, Residential};
use crate::domain::{Agency, DisabilityType, SourceStatus};
use crate::policy::explain::{self, Lang};
use crate::policy::{Report, RuleOutcome};

/// Households that between them make every rule pass, fail or show its figure, each
/// variant of its text, and every verdict.
fn cases() -> Vec<(&'static str, Report)> {
    vec![
        (
            "低保，三口之家，一人银行查询超时",
            case(Dibao)
                .member(born(1949))
                .member(born(1990).wage("1800.00").bank("8000.00").unit("U-1", Residential))
                .member(born(2015).fails(Agency::Bank, SourceStatus::Timeout))
                .rigid("300.00")
                .run(),
        ),
        ("低保，独居老人无收入", case(Dibao).member(born(1949)).run()),
        (
            "低保，两套住宅、一处商铺、存款超限",
            case(Dibao)
                .member(born(1970).bank("40000.00").unit("U-1", Residential).unit("U-2", Residential))
                .member(born(1972).unit("U-3", Commercial))
                .run(),
        ),
        (
            "低保，收入超过低收入标准",
            case(Dibao).member(born(1980).wage("1200.00").declares("1200.00")).run(),
        ),
        ("低保，收入在低保和低收入标准之间", case(Dibao).member(born(1980).wage("800.00")).run()),
        (
            "低保单人户，重度残疾的儿子",
            case(Dibao)
                .member(born(1968).wage("1600.00"))
                .member(born(1996).disabled(1, DisabilityType::Intellectual))
                .run(),
        ),
        ("低保复核，脱贫人口渐退", case(Dibao).member(born(1980).wage("900.00")).recheck(true).run()),
        ("低保复核，就业增收渐退", case(Dibao).member(born(1980).wage("2000.00")).recheck(false).run()),
        (
            "低保，刚性支出大于收入",
            case(Dibao).member(born(1980).wage("300.00").declares("100.00")).rigid("500.00").run(),
        ),
        (
            "低保，本地不扣减刚性支出、允许非住宅房产；未申报收入",
            case(Dibao)
                .with(|p| {
                    p.deduct_rigid_expenses = false;
                    p.allow_non_residential_property = true;
                })
                .member(born(1980).wage("600.00").declares("400.00").unit("S-1", Commercial))
                .rigid("200.00")
                .run(),
        ),
        (
            "低保，纳税收入与公积金推算工资",
            case(Dibao)
                .member(born(1980).wage("5000.00").housing_fund(
                    crate::domain::facts::HousingFundStatus::Normal,
                    "720.00",
                    "0.12",
                    "9000.00",
                ))
                .member(born(1982).wage("3000.00").housing_fund(
                    crate::domain::facts::HousingFundStatus::Normal,
                    "744.00",
                    "0.12",
                    "100.00",
                ))
                .run(),
        ),
        ("低收入家庭认定，人均收入低于低保标准", case(LowIncome).member(born(1980).wage("500.00")).run()),
        ("特困，老人", case(Tekun).member(born(1940).wage("900.00")).run()),
        ("特困，成年无残疾", case(Tekun).member(born(1980)).run()),
        (
            "特困，未成年，收入超过特困标准",
            case(Tekun).member(born(2012)).member(born(1980).wage("2000.00")).run(),
        ),
        (
            "临时救助，急难型，县级审批",
            case(Temporary).temporary(Emergency, "5000.00").member(born(1980).wage("800.00")).run(),
        ),
        (
            "临时救助，支出型，乡镇审批",
            case(Temporary).temporary(Expenditure, "2000.00").member(born(1980)).run(),
        ),
        (
            "临时救助，存款超过低收入家庭限额",
            case(Temporary).temporary(Expenditure, "1000.00").member(born(1980).bank("30000.00")).run(),
        ),
        (
            "临时救助，超过县级限额",
            case(Temporary).temporary(Expenditure, "25000.00").member(born(1980)).run(),
        ),
        (
            "低保，未授权查询税务",
            case(Dibao)
                .member(born(1980).not_queried(Agency::Tax))
                .member(born(1985).fails(Agency::RealEstate, SourceStatus::Unavailable))
                .run(),
        ),
    ]
}

fn render(lang: Lang) -> String {
    let mut out = String::new();
    for (title, report) in cases() {
        out.push_str(&format!("## {title}\n"));
        out.push_str(&format!("结论 {:?}，理由：\n", report.verdict));
        for reason in explain::reasons(&report, lang) {
            out.push_str(&format!("  · {reason}\n"));
        }
        for rule in &report.rules {
            let outcome = match rule.outcome {
                RuleOutcome::Pass => "通过",
                RuleOutcome::Fail => "未通过",
                RuleOutcome::Info => "计算",
            };
            out.push_str(&format!(
                "[{outcome}] {}（{}）：{}\n",
                explain::rule_name(rule, lang),
                rule.rule,
                explain::rule_detail(rule, lang)
            ));
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_rule_in_chinese() {
    insta::assert_snapshot!(render(Lang::Zh));
}

#[test]
fn the_cases_cover_every_rule_and_verdict() {
    let reports: Vec<Report> = cases().into_iter().map(|(_, r)| r).collect();
    let seen = |id: &str, outcome: RuleOutcome| {
        reports.iter().any(|r| r.rules.iter().any(|rule| rule.rule == id && rule.outcome == outcome))
    };
    let tests = [
        "data_complete",
        "financial_assets_within_dibao_limit",
        "financial_assets_within_low_income_limit",
        "residential_properties_within_limit",
        "non_residential_property",
        "income_below_standard",
        "income_within_low_income_limit",
        "income_below_tekun_standard",
        "single_person",
        "tekun_person_category",
        "undeclared_income",
        "income_sources_disagree",
    ];
    for id in tests {
        assert!(seen(id, RuleOutcome::Pass) && seen(id, RuleOutcome::Fail), "{id} passes and fails");
    }
    for id in [
        "rigid_expenses_deduction",
        "recheck_graduation",
        "temporary_approval_level",
        "income_below_standard",
    ] {
        assert!(seen(id, RuleOutcome::Info), "{id} as a figure");
    }
    for verdict in ["eligible", "low_income", "graduating", "ineligible", "needs_review"] {
        assert!(reports.iter().any(|r| serde_json::to_value(r.verdict).unwrap() == verdict), "{verdict}");
    }
}

#[test]
fn chinese_pages_get_chinese_for_every_rule_and_reason() {
    let han = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for (title, report) in cases() {
        for rule in &report.rules {
            assert!(han(&explain::rule_name(rule, Lang::Zh)), "{title}: {}", rule.rule);
            assert!(han(&explain::rule_detail(rule, Lang::Zh)), "{title}: {}", rule.rule);
            assert!(!han(&explain::rule_detail(rule, Lang::En)), "{title}: {}", rule.rule);
        }
        let reasons = explain::reasons(&report, Lang::Zh);
        assert!(!reasons.is_empty(), "{title}: the verdict names its reasons");
        assert!(reasons.iter().all(|r| han(r)), "{title}: {reasons:?}");
    }
}

#[test]
fn names_read_right_whether_the_rule_passed_or_failed() {
    let clean = case(Dibao).member(born(1980).wage("500.00").declares("500.00")).run();
    let flagged = case(Dibao).member(born(1980).wage("500.00").declares("100.00")).run();
    let name = |report: &Report, lang| explain::rule_name(rule(report, "undeclared_income"), lang);
    assert_eq!(name(&clean, Lang::Zh), "无未申报收入");
    assert_eq!(name(&flagged, Lang::Zh), "存在未申报收入");
    assert_eq!(name(&clean, Lang::En), "No undeclared income");
    assert_eq!(name(&flagged, Lang::En), "Undeclared income");
}

#[test]
fn the_banner_names_the_deciding_reasons() {
    let two_homes = case(Dibao).member(born(1980).unit("U-1", Residential).unit("U-2", Residential)).run();
    assert_eq!(explain::reasons(&two_homes, Lang::Zh), ["住宅 2 套，超过 1 套限额"]);
    assert_eq!(explain::reasons(&two_homes, Lang::En), ["2 residential properties, over the limit of 1"]);
    let timed_out = case(Dibao).member(born(1980).fails(Agency::Bank, SourceStatus::Timeout)).run();
    assert_eq!(explain::reasons(&timed_out, Lang::Zh), ["银行存款查询超时，需人工复核"]);
    let eligible = case(Dibao).member(born(1949)).run();
    assert_eq!(explain::reasons(&eligible, Lang::Zh), ["人均月收入 0.00 元，低于低保标准 740.00 元"]);
}

#[test]
fn the_stored_english_detail_is_the_english_rendering() {
    for (title, report) in cases() {
        for rule in &report.rules {
            assert!(!rule.detail.is_empty(), "{title}: {}", rule.rule);
            assert_eq!(explain::rule_detail(rule, Lang::En), rule.detail, "{title}: {}", rule.rule);
        }
    }
}

#[test]
fn a_rule_without_figures_shows_its_stored_detail() {
    let mut report = case(Dibao).member(born(1949)).run();
    let rule = &mut report.rules[0];
    rule.figures.clear();
    rule.members.clear();
    rule.detail = "as recorded".into();
    assert_eq!(explain::rule_detail(rule, Lang::Zh), "as recorded");
}

#[test]
fn every_rule_has_its_section_in_the_policy_document() {
    let document = include_str!("../../../docs/POLICY.md");
    for (title, report) in cases() {
        for rule in &report.rules {
            let anchor = format!("<a id=\"{}\"></a>", rule.rule);
            assert!(document.contains(&anchor), "{title}: docs/POLICY.md has no section {anchor}");
        }
    }
}
