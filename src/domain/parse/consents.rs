//! The `consents` part of an application body.

use super::fields::{Errors, Object, item};
use crate::domain::{Agency, Consent, Household, IdNumber, Program};
use std::collections::HashSet;
use time::{Date, OffsetDateTime, format_description::well_known::Rfc3339};

pub(crate) const CONSENT_FIELDS: &[&str] =
    &["id", "id_number", "agencies", "purpose", "signed_at", "expires_at", "evidence_ref"];

/// Consents may be absent (every query is then refused as `no_consent`), but each one
/// given must be well formed and name a member of the household.
pub(super) fn parse(
    root: &Object,
    household: Option<&Household>,
    as_of: Date,
    errors: &mut Errors,
) -> Option<Vec<Consent>> {
    let Some(items) = root.optional_array("consents", errors) else {
        return root.optional("consents").is_none().then(Vec::new);
    };
    let path = root.field_path("consents");
    let mut ids = HashSet::new();
    let mut consents = Vec::with_capacity(items.len());
    for (index, value) in items.iter().enumerate() {
        let consent = parse_consent(value, &item(&path, index), household, as_of, errors);
        if let Some(consent) = consent {
            if !ids.insert(consent.id.clone()) {
                errors.add(format!("{}.id", item(&path, index)), "duplicate consent id");
            }
            consents.push(consent);
        }
    }
    (consents.len() == items.len()).then_some(consents)
}

fn parse_consent(
    value: &serde_json::Value,
    path: &str,
    household: Option<&Household>,
    as_of: Date,
    errors: &mut Errors,
) -> Option<Consent> {
    let object = Object::open(value, path, CONSENT_FIELDS, errors)?;
    let id = object.required_text("id", 64, errors);
    let id_number = object.required_str("id_number", errors).and_then(|text| {
        IdNumber::parse(text, as_of)
            .map_err(|e| errors.add(object.field_path("id_number"), e.to_string()))
            .ok()
    });
    if let (Some(id_number), Some(household)) = (&id_number, household)
        && !household.members.iter().any(|m| &m.id_number == id_number)
    {
        errors.add(object.field_path("id_number"), "is not a member of the household");
    }
    let agencies = parse_agencies(&object, errors);
    let purpose = object.required_str("purpose", errors).and_then(|text| {
        let purpose = Program::parse(text);
        if purpose.is_none() {
            errors.add(object.field_path("purpose"), "must be one of dibao, tekun, low_income or temporary");
        }
        purpose
    });
    let signed_at = parse_time(&object, "signed_at", errors);
    let expires_at = parse_time(&object, "expires_at", errors);
    if let (Some(signed), Some(expires)) = (signed_at, expires_at)
        && expires <= signed
    {
        errors.add(object.field_path("expires_at"), "must be after signed_at");
    }
    let evidence_ref = object.required_text("evidence_ref", 128, errors);
    Some(Consent {
        id: id?,
        id_number: id_number?,
        agencies: agencies?,
        purpose: purpose?,
        signed_at: signed_at?,
        expires_at: expires_at?,
        evidence_ref: evidence_ref?,
    })
}

fn parse_agencies(object: &Object, errors: &mut Errors) -> Option<Vec<Agency>> {
    let path = object.field_path("agencies");
    let items = object.required_array("agencies", errors)?;
    if items.is_empty() {
        errors.add(&path, "must name at least one agency");
        return None;
    }
    let mut agencies = Vec::with_capacity(items.len());
    for (index, value) in items.iter().enumerate() {
        match value.as_str().and_then(Agency::parse) {
            Some(agency) if agencies.contains(&agency) => errors.add(item(&path, index), "duplicate agency"),
            Some(agency) => agencies.push(agency),
            None => errors.add(item(&path, index), "must be one of tax, real_estate, housing_fund or bank"),
        }
    }
    (agencies.len() == items.len()).then_some(agencies)
}

fn parse_time(object: &Object, key: &str, errors: &mut Errors) -> Option<OffsetDateTime> {
    let text = object.required_str(key, errors)?;
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| {
            errors.add(object.field_path(key), "must be an RFC 3339 time like 2026-11-20T09:00:00+08:00")
        })
        .ok()
}
