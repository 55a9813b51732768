//! Words both languages share the shape of: agency names, causes of a gap, approval
//! levels, and the labels and values of the policy parameters.

use crate::policy::book::keys::{Kind, kind_of};
use rust_decimal::Decimal;
use std::str::FromStr;

use super::Lang;

/// (code, Chinese, English).
type Words = &'static [(&'static str, &'static str, &'static str)];

const AGENCIES: Words = &[
    ("tax", "税务", "Tax"),
    ("real_estate", "不动产登记", "Real estate"),
    ("housing_fund", "住房公积金", "Housing fund"),
    ("bank", "银行存款", "Bank deposits"),
    ("insurance", "商业保险", "Commercial insurance"),
    ("securities", "证券及互联网金融", "Securities"),
    ("vehicles", "车辆登记", "Vehicles"),
];

/// How a source failed, as the end of a sentence about it.
const CAUSES: Words = &[
    ("no_consent", "未查询（无有效授权）", "not queried: no valid consent"),
    ("timeout", "查询超时", "timed out"),
    ("unavailable", "系统不可用", "agency unavailable"),
    ("malformed", "返回数据异常", "malformed answer"),
    ("unconverted_currency", "含外币账户，无法折算", "foreign-currency account not converted"),
    ("circuit_open", "因故障熔断未查询", "not called: circuit open"),
    ("bulkhead_full", "因并发已满未查询", "not called: too many concurrent queries"),
    ("rate_limited", "因超出限流未查询", "not called: rate limited"),
];

const LEVELS: Words = &[
    ("township", "乡镇（街道）审批", "township"),
    ("county", "县级民政部门审批", "county"),
    ("county_leading_group", "县级协调机制（领导小组）审批", "county leading group"),
];

const PARAMETERS: Words = &[
    ("dibao_monthly_urban", "城市低保标准（元/人·月）", "Urban dibao standard (yuan a person a month)"),
    ("dibao_monthly_rural", "农村低保标准（元/人·月）", "Rural dibao standard (yuan a person a month)"),
    ("tekun_multiplier", "特困供养标准（低保标准的倍数）", "Tekun standard (× dibao standard)"),
    ("low_income_multiplier", "低收入家庭收入标准（低保标准的倍数）", "Low-income limit (× dibao standard)"),
    (
        "financial_assets_months_dibao",
        "低保人均金融资产限额（低保标准的月数）",
        "Dibao financial-asset limit (months of the standard)",
    ),
    (
        "financial_assets_months_low_income",
        "低收入家庭人均金融资产限额（低保标准的月数）",
        "Low-income financial-asset limit (months of the standard)",
    ),
    ("max_residential_properties", "住宅套数上限", "Most residential properties"),
    ("allow_non_residential_property", "允许持有非住宅房产", "Non-residential property allowed"),
    ("deduct_rigid_expenses", "扣减刚性支出", "Rigid expenses deducted"),
    (
        "temporary_township_limit_multiplier",
        "临时救助乡镇审批限额（城市低保标准的倍数）",
        "Temporary assistance: township limit (× urban standard)",
    ),
    ("temporary_county_limit", "临时救助县级审批限额（元）", "Temporary assistance: county limit (yuan)"),
    ("grace_months_employment", "就业增收渐退期（月）", "Grace period after employment (months)"),
    ("grace_months_poverty_relief", "脱贫人口渐退期（月）", "Grace period for poverty relief (months)"),
    (
        "undeclared_income_tolerance",
        "未申报收入容差（占申报收入的比例）",
        "Undeclared income tolerance (share of declared)",
    ),
    ("undeclared_income_min", "未申报收入最低金额（元）", "Undeclared income minimum (yuan)"),
    ("recheck_months_dibao_a", "低保 A 类复核周期（月）", "Re-check interval, dibao class A (months)"),
    ("recheck_months_dibao_b", "低保 B 类复核周期（月）", "Re-check interval, dibao class B (months)"),
    ("recheck_months_tekun", "特困供养复核周期（月）", "Re-check interval, tekun (months)"),
    ("recheck_months_low_income", "低收入家庭复核周期（月）", "Re-check interval, low income (months)"),
    ("sources", "核对数据来源", "Sources queried"),
    ("max_vehicles", "车辆数量上限", "Most vehicles"),
];

fn look_up(words: Words, code: &str, lang: Lang) -> Option<&'static str> {
    words.iter().find(|(c, _, _)| *c == code).map(|(_, zh, en)| if lang == Lang::Zh { *zh } else { *en })
}

pub(super) fn agency_zh(code: &str) -> String {
    look_up(AGENCIES, code, Lang::Zh).map_or_else(|| code.to_owned(), str::to_owned)
}

pub(super) fn agency_en(code: &str) -> String {
    look_up(AGENCIES, code, Lang::En).map_or_else(|| code.to_owned(), str::to_owned)
}

pub(super) fn cause_zh(code: &str) -> String {
    look_up(CAUSES, code, Lang::Zh).map_or_else(|| code.to_owned(), str::to_owned)
}

pub(super) fn cause_en(code: &str) -> String {
    look_up(CAUSES, code, Lang::En).map_or_else(|| code.to_owned(), str::to_owned)
}

pub(super) fn level_zh(code: &str) -> String {
    look_up(LEVELS, code, Lang::Zh).map_or_else(|| code.to_owned(), str::to_owned)
}

/// A share as a percentage: "0.2" → "20%".
pub(super) fn percent(share: &str) -> String {
    match Decimal::from_str(share) {
        Ok(share) => format!("{}%", (share * Decimal::ONE_HUNDRED).normalize()),
        Err(_) => share.to_owned(),
    }
}

/// The label of a policy parameter; the key itself for one this version does not know.
pub fn parameter_label(key: &str, lang: Lang) -> String {
    look_up(PARAMETERS, key, lang).map_or_else(|| key.to_owned(), str::to_owned)
}

/// A parameter's value as an officer reads it: amounts with two decimals, yes/no for
/// flags, agency names for sources.
pub fn parameter_value(key: &str, value: &serde_json::Value, lang: Lang) -> String {
    match (kind_of(key), value) {
        (Some(Kind::Amount), serde_json::Value::String(text)) => match Decimal::from_str(text) {
            Ok(amount) => format!("{:.2}", crate::domain::round_money(amount)),
            Err(_) => text.clone(),
        },
        (Some(Kind::Flag), serde_json::Value::Bool(flag)) => match (lang, flag) {
            (Lang::Zh, true) => "是".into(),
            (Lang::Zh, false) => "否".into(),
            (Lang::En, true) => "yes".into(),
            (Lang::En, false) => "no".into(),
        },
        (Some(Kind::Sources), serde_json::Value::Array(items)) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(|code| if lang == Lang::Zh { agency_zh(code) } else { agency_en(code) })
                .collect();
            names.join(if lang == Lang::Zh { "、" } else { ", " })
        }
        (_, serde_json::Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}
