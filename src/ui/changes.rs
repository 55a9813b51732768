//! The "what changed" lines of a re-check report, shown before anything else so the
//! officer reads the differences first (the diff itself is `recheck::diff`).

use super::i18n::Lang;
use serde_json::Value;

/// The heading of the section.
pub fn title(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "与上次核对相比的变化",
        Lang::En => "Changes since the previous check",
    }
}

/// One line per change recorded in the report's `changes` object; empty for a first check.
pub fn lines(lang: Lang, report_json: Option<&str>) -> Vec<String> {
    let Some(changes) =
        report_json.and_then(|r| serde_json::from_str::<Value>(r).ok()).map(|r| r["changes"].clone())
    else {
        return Vec::new();
    };
    if !changes.is_object() {
        return Vec::new();
    }
    let zh = lang == Lang::Zh;
    let pair = |change: &Value| format!("{} → {}", text(&change["old"]), text(&change["new"]));
    let mut lines = Vec::new();
    if changes["verdict"].is_object() {
        lines.push(format!("{}: {}", if zh { "核对结论" } else { "Verdict" }, pair(&changes["verdict"])));
    }
    if changes["category"].is_object() {
        lines.push(format!("{}: {}", if zh { "类别" } else { "Category" }, pair(&changes["category"])));
    }
    if let Some(income) = changes["income"].as_object() {
        for (member, change) in income {
            lines.push(format!(
                "{} {member}: {}",
                if zh { "月收入" } else { "Monthly income of" },
                pair(change)
            ));
        }
    }
    if changes["properties"].is_object() {
        let properties = &changes["properties"];
        lines.push(format!(
            "{}: {}; {}: {}",
            if zh { "住宅套数" } else { "Residential units" },
            pair(&properties["residential"]),
            if zh { "非住宅房产" } else { "Non-residential units" },
            pair(&properties["non_residential"])
        ));
        lines.extend(unit_lines(lang, properties));
    }
    if changes["assets"].is_object() {
        let assets = &changes["assets"];
        let now = if assets["now"] == "above" {
            if zh { "现超过限额" } else { "now above the limit" }
        } else if zh {
            "现未超过限额"
        } else {
            "now within the limit"
        };
        lines.push(format!(
            "{}: {} ({} {}, {now})",
            if zh { "人均金融资产" } else { "Financial assets per capita" },
            pair(&assets["per_capita"]),
            if zh { "限额" } else { "limit" },
            text(&assets["limit_per_capita"])
        ));
    }
    if let Some(household) = changes["household"].as_object() {
        for (key, zh_label, en_label) in [("joined", "新增成员", "Joined"), ("left", "减少成员", "Left")]
        {
            let members: Vec<String> = household
                .get(key)
                .and_then(Value::as_array)
                .map_or_else(Vec::new, |m| m.iter().map(text).collect());
            if !members.is_empty() {
                lines.push(format!("{}: {}", if zh { zh_label } else { en_label }, members.join(", ")));
            }
        }
    }
    if lines.is_empty() {
        lines.push(if zh { "无变化".to_owned() } else { "Nothing changed".to_owned() });
    }
    lines
}

/// One line per unit that went or appeared, right after the counts, so the officer sees
/// which property: member (masked), unit number, usage, area and share. Each line reads on
/// its own (a screen reader reads list items one by one).
fn unit_lines(lang: Lang, properties: &Value) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let mut lines = Vec::new();
    for (key, label) in [
        ("gone", if zh { "减少房产" } else { "Property gone" }),
        ("appeared", if zh { "新增房产" } else { "Property appeared" }),
    ] {
        for unit in properties[key].as_array().into_iter().flatten() {
            let usage = usage(lang, &unit["usage"]);
            let (area, share) = (text(&unit["area_m2"]), text(&unit["share"]));
            lines.push(if zh {
                format!(
                    "{label} {}: 不动产单元号 {}（{usage}，{area} m²，份额 {share}）",
                    text(&unit["member"]),
                    text(&unit["unit_id"])
                )
            } else {
                format!(
                    "{label}, {}: unit {} ({usage}, {area} m², share {share})",
                    text(&unit["member"]),
                    text(&unit["unit_id"])
                )
            });
        }
    }
    lines
}

/// The registry's planned usage (规划用途), as `i18n` would table it.
const USAGES: [(&str, &str, &str); 5] = [
    ("residential", "住宅", "residential"),
    ("commercial", "商业", "commercial"),
    ("office", "办公", "office"),
    ("industrial", "工业", "industrial"),
    ("other", "其他", "other"),
];

fn usage(lang: Lang, usage: &Value) -> String {
    USAGES
        .iter()
        .find(|(code, _, _)| usage.as_str() == Some(*code))
        .map_or_else(|| text(usage), |(_, zh, en)| (if lang == Lang::Zh { zh } else { en }).to_string())
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_listed_and_a_first_check_shows_none() {
        let report = r#"{"changes":{"previous_application":"x","verdict":{"old":"eligible","new":"graduating"},
            "income":{"500103********0016":{"old":"500.00","new":"3125.00"}}}}"#;
        assert_eq!(
            lines(Lang::En, Some(report)),
            vec!["Verdict: eligible → graduating", "Monthly income of 500103********0016: 500.00 → 3125.00"]
        );
        assert_eq!(lines(Lang::Zh, Some(r#"{"changes":{"previous_application":"x"}}"#)), vec!["无变化"]);
        assert!(lines(Lang::Zh, Some(r#"{"verdict":"eligible"}"#)).is_empty());
        assert!(lines(Lang::Zh, None).is_empty());
    }

    #[test]
    fn units_that_went_or_appeared_follow_the_counts() {
        let report = r#"{"changes":{"previous_application":"x","properties":{
            "residential":{"old":1,"new":1},"non_residential":{"old":0,"new":0},
            "gone":[{"member":"500103********001X","unit_id":"U-OLD","usage":"residential","area_m2":"89.50","share":"1"}],
            "appeared":[{"member":"500103********001X","unit_id":"U-NEW","usage":"commercial","area_m2":"30.00","share":"0.5"}]}}}"#;
        assert_eq!(
            lines(Lang::En, Some(report)),
            vec![
                "Residential units: 1 → 1; Non-residential units: 0 → 0",
                "Property gone, 500103********001X: unit U-OLD (residential, 89.50 m², share 1)",
                "Property appeared, 500103********001X: unit U-NEW (commercial, 30.00 m², share 0.5)",
            ]
        );
        assert_eq!(
            lines(Lang::Zh, Some(report))[1],
            "减少房产 500103********001X: 不动产单元号 U-OLD（住宅，89.50 m²，份额 1）"
        );
    }
}
