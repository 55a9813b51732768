//! The `household` part of an application body.

use super::fields::{Errors, Object, item};
use super::parse_money;
use crate::domain::{DisabilityType, Household, IdNumber, Member};
use std::collections::HashMap;
use time::Date;

pub(crate) const MEMBER_FIELDS: &[&str] = &[
    "name",
    "id_number",
    "relation",
    "disability_grade",
    "disability_type",
    "serious_illness",
    "declared_monthly_income",
];

pub(super) fn parse(root: &Object, as_of: Date, errors: &mut Errors) -> Option<Household> {
    let value = root.required("household", errors)?;
    let household = Object::open(value, &root.field_path("household"), &["members"], errors)?;
    let path = household.field_path("members");
    let items = household.required_array("members", errors)?;
    if items.is_empty() {
        errors.add(&path, "must have at least one member");
        return None;
    }
    if items.len() > Household::MAX_MEMBERS {
        errors.add(&path, format!("must have at most {} members", Household::MAX_MEMBERS));
        return None;
    }
    let members: Vec<Option<Member>> = items
        .iter()
        .enumerate()
        .map(|(index, value)| parse_member(value, &item(&path, index), as_of, errors))
        .collect();
    check_distinct_ids(&members, &path, errors);
    let applicants = members.iter().flatten().filter(|m| m.is_applicant()).count();
    let all_parsed = members.iter().all(Option::is_some);
    if all_parsed && applicants != 1 {
        errors.add(&path, "exactly one member must have relation \"applicant\"");
    }
    let members: Option<Vec<Member>> = members.into_iter().collect();
    Some(Household { members: members? })
}

fn parse_member(value: &serde_json::Value, path: &str, as_of: Date, errors: &mut Errors) -> Option<Member> {
    let object = Object::open(value, path, MEMBER_FIELDS, errors)?;
    let name = object.required_text("name", 100, errors);
    let id_number = object.required_str("id_number", errors).and_then(|text| {
        IdNumber::parse(text, as_of)
            .map_err(|e| errors.add(object.field_path("id_number"), e.to_string()))
            .ok()
    });
    let relation = object.required_text("relation", 32, errors);
    let disability_grade = parse_grade(&object, errors);
    let disability_type = object.optional_str("disability_type", errors).and_then(|text| {
        let parsed = DisabilityType::parse(text);
        if parsed.is_none() {
            let expected = "physical, visual, hearing, speech, intellectual, mental or multiple";
            errors.add(object.field_path("disability_type"), format!("must be one of {expected}"));
        }
        parsed
    });
    let serious_illness = object.optional_bool("serious_illness", errors).unwrap_or(false);
    let declared_monthly_income = parse_money(&object, "declared_monthly_income", errors);
    let type_error = object.optional("disability_type").is_some() && disability_type.is_none();
    let grade_error = object.optional("disability_grade").is_some() && disability_grade.is_none();
    let income_error =
        object.optional("declared_monthly_income").is_some() && declared_monthly_income.is_none();
    if type_error || grade_error || income_error {
        return None;
    }
    Some(Member {
        name: name?,
        id_number: id_number?,
        relation: relation?,
        disability_grade,
        disability_type,
        serious_illness,
        declared_monthly_income,
    })
}

fn parse_grade(object: &Object, errors: &mut Errors) -> Option<u8> {
    let value = object.optional("disability_grade")?;
    let grade = value.as_u64().filter(|g| (1..=4).contains(g)).map(|g| g as u8);
    if grade.is_none() {
        errors.add(object.field_path("disability_grade"), "must be 1, 2, 3, 4 or null");
    }
    grade
}

fn check_distinct_ids(members: &[Option<Member>], path: &str, errors: &mut Errors) {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, member) in members.iter().enumerate() {
        let Some(member) = member else { continue };
        match first_seen.get(member.id_number.expose()) {
            Some(first) => errors.add(
                format!("{}.id_number", item(path, index)),
                format!("duplicate of {}.id_number", item(path, *first)),
            ),
            None => {
                first_seen.insert(member.id_number.expose(), index);
            }
        }
    }
}
