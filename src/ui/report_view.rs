//! The report as an officer reads it: every code translated, every figure with the
//! arithmetic that produced it, members only by their masked ID numbers.

use super::i18n::{Kind, Lang};
use super::page::format_time;
use crate::domain::{Agency, Application, Money};
use crate::policy::explain;
use crate::policy::{Report, RuleOutcome};
use serde::Serialize;

/// The CSS class of a verdict badge or banner.
pub fn verdict_class(verdict: &str) -> &'static str {
    match verdict {
        "eligible" => "ok",
        "low_income" | "graduating" => "info",
        "ineligible" => "bad",
        _ => "warn",
    }
}

/// The snake_case code of a report enum, as it appears in the JSON.
fn code<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub struct ReportView {
    pub verdict_class: &'static str,
    pub verdict: String,
    pub category: Option<String>,
    pub benefit: Option<String>,
    pub approval_level: Option<String>,
    pub advance_relief: bool,
    pub grace_months: Option<u32>,
    pub recheck_due: Option<String>,
    pub as_of: String,
    pub figures: Vec<Figure>,
    pub members: Vec<MemberRow>,
    pub agencies: Vec<String>,
    pub sources: Vec<SourceRow>,
    pub rules: Vec<RuleRow>,
    pub flags: Vec<FlagRow>,
    pub missing: Vec<GapRow>,
    pub policy_version: String,
    /// The readable name of the parameters (region file, effective date); empty for reports
    /// written before it was recorded.
    pub policy_name: String,
    /// The officers' page of the parameters in force for this report's region and date.
    pub policy_href: String,
    /// Why the verdict is what it is, in the page's language.
    pub reasons: Vec<String>,
}

pub struct Figure {
    pub label: &'static str,
    pub value: String,
    /// How the figure was obtained, with the numbers.
    pub note: String,
}

pub struct MemberRow {
    pub masked: String,
    pub relation: String,
    pub age: u32,
    pub labor: &'static str,
    pub declared: String,
    pub tax_monthly: String,
    pub hf_wage: String,
    pub income: String,
    pub assets: String,
    pub hf_balance: String,
}

pub struct SourceRow {
    pub member: String,
    pub cells: Vec<Cell>,
}

pub struct Cell {
    pub class: &'static str,
    pub label: String,
    /// When the answer was fetched (and that it came from the cache), under which consent.
    pub details: Vec<String>,
}

pub struct RuleRow {
    pub name: String,
    pub code: String,
    pub class: &'static str,
    pub outcome: String,
    pub detail: String,
}

pub struct FlagRow {
    pub label: String,
    pub code: String,
    pub explanation: String,
}

pub struct GapRow {
    pub member: String,
    pub agency: String,
    pub cause: String,
}

impl ReportView {
    pub fn build(lang: Lang, report: &Report, application: Option<&Application>) -> Self {
        let verdict = code(&report.verdict);
        Self {
            verdict_class: verdict_class(&verdict),
            verdict: lang.value(Kind::Verdict, &verdict),
            category: report.category.as_ref().map(|c| lang.value(Kind::Category, &code(c))),
            benefit: report.suggested_monthly_benefit.map(|m| m.to_string()),
            approval_level: report.approval_level.map(|l| lang.value(Kind::ApprovalLevel, l.as_str())),
            advance_relief: report.advance_relief,
            grace_months: report.grace_months,
            recheck_due: report.recheck_due.map(|d| d.to_string()),
            as_of: report.as_of.to_string(),
            figures: figures(lang, report, application),
            members: report.members.iter().map(|m| member_row(lang, m, application)).collect(),
            agencies: Agency::ALL.iter().map(|a| lang.value(Kind::Agency, a.as_str())).collect(),
            sources: report.members.iter().map(|m| source_row(lang, m)).collect(),
            rules: report
                .rules
                .iter()
                .map(|rule| RuleRow {
                    name: explain::rule_name(rule, lang.explain()),
                    code: rule.rule.clone(),
                    class: match rule.outcome {
                        RuleOutcome::Pass => "ok",
                        RuleOutcome::Fail => "bad",
                        RuleOutcome::Info => "muted",
                    },
                    outcome: lang.value(Kind::RuleOutcome, &code(&rule.outcome)),
                    detail: explain::rule_detail(rule, lang.explain()),
                })
                .collect(),
            flags: report
                .flags
                .iter()
                .map(|flag| FlagRow {
                    label: lang.value(Kind::Flag, flag),
                    code: flag.clone(),
                    explanation: lang.value(Kind::FlagExplanation, flag),
                })
                .collect(),
            missing: report
                .missing
                .iter()
                .map(|gap| GapRow {
                    member: gap.member.clone(),
                    agency: lang.value(Kind::Agency, gap.agency.as_str()),
                    cause: lang.value(Kind::Cause, &gap.cause),
                })
                .collect(),
            policy_version: report.policy_version.clone(),
            policy_name: explain::policy_name(report.policy_source.as_ref(), lang.explain())
                .unwrap_or_default(),
            policy_href: policy_href(report),
            reasons: explain::reasons(report, lang.explain()),
        }
    }
}

fn policy_href(report: &Report) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("region", report.region.as_str())
        .append_pair("as_of", &report.as_of.to_string())
        .append_pair("version", &report.policy_version)
        .finish();
    format!("/ui/policies?{query}")
}

fn figures(lang: Lang, report: &Report, application: Option<&Application>) -> Vec<Figure> {
    let t = lang.labels();
    let n = report.household_size;
    let incomes: Vec<String> = report.members.iter().map(|m| m.monthly_income.to_string()).collect();
    let assets: Vec<String> = report.members.iter().map(|m| m.financial_assets.to_string()).collect();
    let gross = report.monthly_income_gross;
    let rigid = report.rigid_expenses_total;
    let deducted = Money::from_decimal((gross.amount() - rigid.amount()).max(rust_decimal::Decimal::ZERO));
    let total_note = if deducted.to_string() == report.monthly_income_total.to_string() {
        format!("= {gross} − {rigid}")
    } else {
        format!("= {gross}")
    };
    let area = application.map(|a| lang.value(Kind::Area, &code(&a.area))).unwrap_or_default();
    let figure = |label, value: String, note: String| Figure { label, value, note };
    vec![
        figure(t.fig_household_size, n.to_string(), String::new()),
        figure(t.fig_standard, report.standard_monthly.to_string(), format!("{} {area}", report.region)),
        figure(t.fig_gross, gross.to_string(), format!("= {}", incomes.join(" + "))),
        figure(t.fig_rigid, rigid.to_string(), String::new()),
        figure(t.fig_total, report.monthly_income_total.to_string(), total_note),
        figure(
            t.fig_per_capita,
            report.monthly_income_per_capita.to_string(),
            format!("= {} ÷ {n}", report.monthly_income_total),
        ),
        figure(t.fig_assets, report.financial_assets_total.to_string(), format!("= {}", assets.join(" + "))),
        figure(
            t.fig_assets_per_capita,
            report.financial_assets_per_capita.to_string(),
            format!("= {} ÷ {n}", report.financial_assets_total),
        ),
        figure(t.fig_residential, report.residential_properties.to_string(), String::new()),
        figure(t.fig_non_residential, report.non_residential_properties.to_string(), String::new()),
    ]
}

fn member_row(
    lang: Lang,
    member: &crate::policy::MemberReport,
    application: Option<&Application>,
) -> MemberRow {
    // The stored application names members by their raw ID number: matched here, never shown.
    let declared = application
        .and_then(|a| a.household.members.iter().find(|m| m.id_number.masked() == member.id_number_masked));
    MemberRow {
        masked: member.id_number_masked.clone(),
        relation: declared.map(|m| lang.value(Kind::Relation, &m.relation)).unwrap_or_default(),
        age: member.age,
        labor: lang.yes_no(member.labor_capable),
        declared: declared
            .and_then(|m| m.declared_monthly_income)
            .map(|m| m.to_string())
            .unwrap_or_else(dash),
        tax_monthly: member.tax_monthly.to_string(),
        hf_wage: member.hf_wage.to_string(),
        income: member.monthly_income.to_string(),
        assets: member.financial_assets.to_string(),
        hf_balance: member.housing_fund_balance.map(|m| m.to_string()).unwrap_or_else(dash),
    }
}

fn dash() -> String {
    "—".to_owned()
}

fn source_row(lang: Lang, member: &crate::policy::MemberReport) -> SourceRow {
    let t = lang.labels();
    let cells = Agency::ALL
        .iter()
        .map(|agency| match member.sources.get(agency) {
            None => Cell {
                class: "muted",
                label: lang.value(Kind::SourceStatus, "not_queried"),
                details: Vec::new(),
            },
            Some(source) => {
                let status = source.status.as_str();
                let ok = status == "ok";
                let (class, label) = match (ok, source.cached) {
                    (true, true) => ("info", lang.value(Kind::SourceStatus, "cached")),
                    (true, false) => ("ok", lang.value(Kind::SourceStatus, "ok")),
                    (false, _) if status == "no_consent" => ("warn", lang.value(Kind::SourceStatus, status)),
                    (false, _) => ("bad", lang.value(Kind::SourceStatus, status)),
                };
                let mut details = Vec::new();
                if let Some(at) = source.fetched_at {
                    let prefix = if source.cached { t.cached_at } else { t.fetched_at };
                    details.push(format!("{prefix} {}", format_time(at)));
                }
                if let Some(consent) = &source.consent_id {
                    details.push(format!("{} {consent}", t.under_consent));
                }
                Cell { class, label, details }
            }
        })
        .collect();
    SourceRow { member: member.id_number_masked.clone(), cells }
}
