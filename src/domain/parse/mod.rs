//! Parsing an application body (DESIGN §4.1) into a checked [`Application`].
//!
//! This is the edge: untyped JSON goes in, either a fully checked application or the
//! complete list of bad fields comes out. Nothing downstream re-validates.

mod consents;
mod fields;
mod household;

pub use fields::FieldError;
// For the test that keeps the OpenAPI schema of the body equal to what is parsed here.
#[cfg(test)]
pub(crate) use consents::CONSENT_FIELDS;
#[cfg(test)]
pub(crate) use household::MEMBER_FIELDS;

use super::{
    Application, Area, Money, Program, Recheck, RegionCode, RigidExpense, TemporaryKind, TemporaryRequest,
};
use fields::{Errors, Object, item};
use serde_json::Value;
use time::{Date, macros::format_description};

/// The fields of the body's root (the OpenAPI schema is checked against these lists).
pub(crate) const ROOT_FIELDS: &[&str] = &[
    "program",
    "region",
    "area",
    "as_of",
    "household",
    "consents",
    "rigid_expenses",
    "temporary",
    "callback_url",
    "recheck",
];

/// Checks an application body. `today` (Asia/Shanghai) is the default `as_of`.
pub fn parse_application(body: &Value, today: Date) -> Result<Application, Vec<FieldError>> {
    let mut errors = Errors::default();
    let Some(root) = Object::open(body, "", ROOT_FIELDS, &mut errors) else {
        return Err(errors.into_vec());
    };
    let program =
        parse_enum(&root, "program", Program::parse, "dibao, tekun, low_income or temporary", &mut errors);
    let region = root.required_str("region", &mut errors).and_then(|text| {
        RegionCode::parse(text).map_err(|message| errors.add(root.field_path("region"), message)).ok()
    });
    let area = parse_enum(&root, "area", Area::parse, "urban or rural", &mut errors);
    let as_of = parse_as_of(&root, today, &mut errors);
    // Without a valid as_of the ID numbers cannot be checked against it; the as_of
    // error is already recorded, so check them against today instead.
    let household = household::parse(&root, as_of.unwrap_or(today), &mut errors);
    let consents = consents::parse(&root, household.as_ref(), as_of.unwrap_or(today), &mut errors);
    let rigid_expenses = parse_rigid_expenses(&root, &mut errors);
    let temporary = parse_temporary(&root, program, &mut errors);
    let callback_url = parse_callback_url(&root, &mut errors);
    let recheck = parse_recheck(&root, &mut errors);

    match (program, region, area, as_of, household, consents, rigid_expenses, temporary) {
        (
            Some(program),
            Some(region),
            Some(area),
            Some(as_of),
            Some(household),
            Some(consents),
            Some(rigid_expenses),
            Some(temporary),
        ) if errors.is_empty() => Ok(Application {
            program,
            region,
            area,
            as_of,
            household,
            consents,
            rigid_expenses,
            temporary,
            callback_url,
            recheck,
        }),
        _ => Err(errors.into_vec()),
    }
}

/// Reads a required string field naming one value of an enum.
fn parse_enum<T>(
    object: &Object,
    key: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
    errors: &mut Errors,
) -> Option<T> {
    let text = object.required_str(key, errors)?;
    let value = parse(text);
    if value.is_none() {
        errors.add(object.field_path(key), format!("must be one of {expected}"));
    }
    value
}

/// Reads a money field: a JSON string with at most two decimals, not negative.
fn parse_money(object: &Object, key: &str, errors: &mut Errors) -> Option<Money> {
    let value = object.optional(key)?;
    let Some(text) = value.as_str() else {
        errors.add(object.field_path(key), "must be a string with two decimals such as \"1200.00\"");
        return None;
    };
    Money::parse(text).map_err(|e| errors.add(object.field_path(key), e.to_string())).ok()
}

fn parse_as_of(root: &Object, today: Date, errors: &mut Errors) -> Option<Date> {
    let Some(text) = root.optional_str("as_of", errors) else {
        return root.optional("as_of").is_none().then_some(today);
    };
    let date = Date::parse(text, format_description!("[year]-[month]-[day]"));
    date.map_err(|_| errors.add(root.field_path("as_of"), "must be a date like 2026-11-24")).ok()
}

fn parse_rigid_expenses(root: &Object, errors: &mut Errors) -> Option<Vec<RigidExpense>> {
    let Some(items) = root.optional_array("rigid_expenses", errors) else {
        return root.optional("rigid_expenses").is_none().then(Vec::new);
    };
    let path = root.field_path("rigid_expenses");
    let mut expenses = Vec::with_capacity(items.len());
    for (index, value) in items.iter().enumerate() {
        let Some(object) = Object::open(value, &item(&path, index), &["kind", "monthly_amount"], errors)
        else {
            continue;
        };
        let kind = object.required_text("kind", 32, errors);
        if object.optional("monthly_amount").is_none() {
            errors.add(object.field_path("monthly_amount"), "is required");
        }
        let amount = parse_money(&object, "monthly_amount", errors);
        if let (Some(kind), Some(monthly_amount)) = (kind, amount) {
            expenses.push(RigidExpense { kind, monthly_amount });
        }
    }
    Some(expenses)
}

/// `Some(None)` when absent and not needed, `None` when in error.
fn parse_temporary(
    root: &Object,
    program: Option<Program>,
    errors: &mut Errors,
) -> Option<Option<TemporaryRequest>> {
    let path = root.field_path("temporary");
    let Some(value) = root.optional("temporary") else {
        if program == Some(Program::Temporary) {
            errors.add(path, "is required for program temporary");
            return None;
        }
        return Some(None);
    };
    if program.is_some_and(|p| p != Program::Temporary) {
        errors.add(path, "is only allowed for program temporary");
        return None;
    }
    let object = Object::open(value, &path, &["kind", "requested_amount"], errors)?;
    let kind = parse_enum(
        &object,
        "kind",
        |text| match text {
            "emergency" => Some(TemporaryKind::Emergency),
            "expenditure" => Some(TemporaryKind::Expenditure),
            _ => None,
        },
        "emergency or expenditure",
        errors,
    );
    if object.optional("requested_amount").is_none() {
        errors.add(object.field_path("requested_amount"), "is required");
    }
    let requested_amount = parse_money(&object, "requested_amount", errors);
    Some(Some(TemporaryRequest { kind: kind?, requested_amount: requested_amount? }))
}

fn parse_callback_url(root: &Object, errors: &mut Errors) -> Option<String> {
    let text = root.optional_str("callback_url", errors)?;
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => Some(text.to_owned()),
        _ => {
            errors.add(root.field_path("callback_url"), "must be an absolute https URL");
            None
        }
    }
}

fn parse_recheck(root: &Object, errors: &mut Errors) -> Option<Recheck> {
    let value = root.optional("recheck")?;
    let object = Object::open(value, &root.field_path("recheck"), &["poverty_relief"], errors)?;
    Some(Recheck { poverty_relief: object.optional_bool("poverty_relief", errors).unwrap_or(false) })
}

#[cfg(test)]
mod tests;
