//! One policy file: its top-level parameters and its dated `[[changes]]`, every key and
//! value checked, and the changes in strictly ascending date order.

use super::PolicyBookError;
use super::keys::{check_value, kind_of};
use std::str::FromStr;
use time::Date;
use time::macros::format_description;
use toml::{Table, Value};

/// The key of the dated changes in a policy file.
const CHANGES: &str = "changes";
const EFFECTIVE_FROM: &str = "effective_from";

/// A checked policy file.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The file's name in the policy directory (`default.toml`, `50.toml`), as the
    /// published parameters name it.
    pub name: String,
    /// Where the file was read from, as errors name it.
    pub path: String,
    pub top: Table,
    /// Values the file does not set but the book supplies (see `keys::built_in_default`),
    /// layered under `top`.
    pub implied: Table,
    /// Ascending by date, at most one per date.
    pub changes: Vec<Change>,
}

/// One `[[changes]]` table: parameters that apply from `effective_from` on.
#[derive(Debug, Clone)]
pub struct Change {
    pub effective_from: Date,
    pub table: Table,
}

impl PolicyFile {
    pub fn parse(name: &str, path: &str, text: &str) -> Result<Self, PolicyBookError> {
        let mut top = Table::from_str(text)
            .map_err(|e| PolicyBookError::Syntax { file: path.into(), message: e.to_string() })?;
        let changes = match top.remove(CHANGES) {
            None => Vec::new(),
            Some(Value::Array(items)) => parse_changes(path, items)?,
            Some(_) => return Err(invalid(path, CHANGES, "must be tables written [[changes]]")),
        };
        check_table(path, "", &top)?;
        Ok(Self { name: name.into(), path: path.into(), top, implied: Table::new(), changes })
    }
}

fn parse_changes(path: &str, items: Vec<Value>) -> Result<Vec<Change>, PolicyBookError> {
    let mut changes: Vec<Change> = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let at = format!("{CHANGES}[{index}]");
        let Value::Table(mut table) = item else {
            return Err(invalid(path, &at, "must be a table written [[changes]]"));
        };
        let key = format!("{at}.{EFFECTIVE_FROM}");
        let effective_from = match table.remove(EFFECTIVE_FROM) {
            None => return Err(PolicyBookError::MissingKey { file: path.into(), key }),
            Some(value) => parse_date(&value).map_err(|problem| invalid(path, &key, problem))?,
        };
        if let Some(previous) = changes.last() {
            let earlier = previous.effective_from;
            let before = index - 1;
            if effective_from == earlier {
                let problem = format!(
                    "repeats {effective_from}, the date of changes[{before}]: put both in one change"
                );
                return Err(invalid(path, &key, &problem));
            }
            if effective_from < earlier {
                let problem = format!(
                    "{effective_from} comes before {earlier} of changes[{before}]: list changes in ascending date order"
                );
                return Err(invalid(path, &key, &problem));
            }
        }
        check_table(path, &format!("{at}."), &table)?;
        changes.push(Change { effective_from, table });
    }
    Ok(changes)
}

/// A date as the policy files write it, `"2027-01-01"`; a bare TOML date (`2027-01-01`) is read too.
fn parse_date(value: &Value) -> Result<Date, &'static str> {
    const PROBLEM: &str = "must be a date written \"YYYY-MM-DD\"";
    match value {
        Value::String(text) => {
            Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| PROBLEM)
        }
        Value::Datetime(moment) if moment.time.is_none() && moment.offset.is_none() => {
            let date = moment.date.ok_or(PROBLEM)?;
            let month = time::Month::try_from(date.month).map_err(|_| PROBLEM)?;
            Date::from_calendar_date(i32::from(date.year), month, date.day).map_err(|_| PROBLEM)
        }
        _ => Err(PROBLEM),
    }
}

/// Every key known and every value of its kind; `prefix` locates the table (`changes[1].`).
fn check_table(path: &str, prefix: &str, table: &Table) -> Result<(), PolicyBookError> {
    for (key, value) in table {
        let named = format!("{prefix}{key}");
        let Some(kind) = kind_of(key) else {
            return Err(PolicyBookError::UnknownKey { file: path.into(), key: named });
        };
        check_value(kind, value).map_err(|problem| invalid(path, &named, &problem))?;
    }
    Ok(())
}

fn invalid(path: &str, key: &str, problem: &str) -> PolicyBookError {
    PolicyBookError::InvalidValue { file: path.into(), key: key.into(), problem: problem.into() }
}
