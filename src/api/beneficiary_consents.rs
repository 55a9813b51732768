//! `PUT /api/v1/beneficiaries/{id}/consents`: a registered household's new authorizations.
//!
//! A household whose consent expired or was revoked is refused at re-check and flagged
//! `needs_new_consent`. Its intake system brings the new consents here, and the household
//! goes back on the re-check schedule under the same registration (a new import would be a
//! second registration, and is refused with 409).
//!
//! The consents are checked exactly as an application's: the stored application with these
//! consents is parsed again, so every error names its field (`consents[0].expires_at`).
//! Together they must cover every member of the household, for its programme, now.

use super::audited::{self, record_refusal};
use super::openapi::problems as p;
use super::problem::ApiError;
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::cache::Pseudonymizer;
use crate::domain::parse::{FieldError, parse_application};
use crate::domain::{Application, RegionCode, today_in_shanghai};
use crate::recheck::consent::all_members_covered;
use crate::store::{Beneficiary, ConsentRecord, ConsentRenewal, RenewalRefusal, Store};
use actix_web::{HttpRequest, HttpResponse, put, web};
use anyhow::Context;
use serde::Deserialize;
use time::OffsetDateTime;

/// A registered household's new consents. The field is optional here only so that a
/// missing one is named in the 422 like any other bad field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConsentRenewalRequest)]
pub struct RenewalRequest {
    /// The household's authorizations in the format of an application's `consents`
    /// (DESIGN §4.1). They replace the registered ones: together they must cover every
    /// member of the household for its programme, signed and not expired now. A consent id
    /// already on record for the person must come with the same terms (a retry); a new
    /// authorization has an id of its own.
    #[schema(value_type = Vec<super::openapi::body::ConsentBody>, required = true, min_items = 1)]
    consents: Option<serde_json::Value>,
}

/// Renew a registered household's consents.
///
/// Only the intake system that registered the household (or an admin) renews, within its
/// regions. The consents are recorded, replace those the re-checks are made under, and a
/// household flagged `needs_new_consent` becomes `active` again (its refused re-checks
/// are taken up by the next batch); any other status is left as it is. Audited.
#[utoipa::path(
    put,
    path = "/api/v1/beneficiaries/{id}/consents",
    tag = "beneficiaries",
    operation_id = "renewBeneficiaryConsents",
    params(("id" = String, Path, description = "The beneficiary's id.")),
    request_body(content = RenewalRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Renewed: the beneficiary as stored now.", body = Beneficiary),
        (status = 400, response = p::BadRequest),
        (status = 401, response = p::Unauthorized),
        (status = 403, response = p::Forbidden),
        (status = 404, response = p::NotFound),
        (status = 413, response = p::PayloadTooLarge),
        (status = 415, response = p::UnsupportedMediaType),
        (status = 422, response = p::Validation),
        (status = 429, response = p::TooManyRequests),
        (status = 500, response = p::Internal),
    ),
    security(("bearer" = [])),
)]
#[put("/api/v1/beneficiaries/{id}/consents")]
#[tracing::instrument(skip_all, fields(caller = %caller.sub))]
pub async fn renew(
    request: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RenewalRequest>,
    store: web::Data<Store>,
    pseudonymizer: web::Data<Pseudonymizer>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(caller.role, Role::Intake | Role::Admin) {
        return Err(ApiError::Forbidden(
            "consents are renewed by the intake system that registered the household".into(),
        ));
    }
    let id = path.into_inner();
    let beneficiary = own_registration(&request, &store, &caller, &id).await?;
    let stored: Application =
        serde_json::from_str(&beneficiary.body_json).context("stored beneficiary body unreadable")?;
    let application = parse_renewal(&stored, body.into_inner().consents, OffsetDateTime::now_utc())?;
    let records = ConsentRecord::of_application(&application, &pseudonymizer);
    let outcome = format!("renewed:{id}");
    let audit: Vec<_> = records
        .iter()
        .map(|record| {
            let mut event = audited::event(&caller, actions::CONSENT_RENEWAL, None, &outcome);
            event.subject = Some(record.subject.clone());
            event.consent_id = Some(record.id.clone());
            event
        })
        .collect();
    let renewal = ConsentRenewal {
        beneficiary_id: &id,
        consents: &application.consents,
        records: &records,
        audit: &audit,
    };
    match store.renew_consents(&renewal).await? {
        Ok(renewed) => Ok(HttpResponse::Ok().json(renewed)),
        Err(RenewalRefusal::UnknownBeneficiary) => Err(ApiError::NotFound),
        Err(RenewalRefusal::ConsentOnRecord { index, revoked }) => {
            let terms = if revoked { "revoked" } else { "on record with other terms" };
            Err(ApiError::field(
                &format!("consents[{index}].id"),
                format!(
                    "names a consent of this person that is {terms}: a new authorization needs an id of its own"
                ),
            ))
        }
    }
}

/// The registration, when it is the caller's to renew: its intake system's (or any, for
/// an admin) and within the caller's regions. Anything else is 404, as if it did not exist.
async fn own_registration(
    request: &HttpRequest,
    store: &Store,
    caller: &Caller,
    id: &str,
) -> Result<Beneficiary, ApiError> {
    let beneficiary = store.beneficiary(id).await?.ok_or(ApiError::NotFound)?;
    let region = RegionCode::parse(&beneficiary.region).map_err(|e| anyhow::anyhow!(e))?;
    let own = caller.role == Role::Admin || beneficiary.caller_sub == caller.sub;
    if !own || !caller.may_create_in(&region) {
        record_refusal(request, audited::event(caller, actions::AUTHORIZATION_FAILURE, None, "out_of_scope"));
        return Err(ApiError::NotFound);
    }
    Ok(beneficiary)
}

/// The stored application with the new consents, parsed as an application is (every bad
/// consent field at once), then checked to be valid `now` for the whole household.
fn parse_renewal(
    stored: &Application,
    consents: Option<serde_json::Value>,
    now: OffsetDateTime,
) -> Result<Application, ApiError> {
    let Some(consents) = consents.filter(|c| !c.is_null()) else {
        return Err(ApiError::field("consents", "is required"));
    };
    let mut body = serde_json::to_value(stored).context("Failed to serialize a stored application")?;
    let root = body.as_object_mut().context("a stored application is not an object")?;
    root.insert("consents".into(), consents);
    let application = parse_application(&body, today_in_shanghai()).map_err(|errors| {
        let (renewal, stored): (Vec<FieldError>, Vec<FieldError>) =
            errors.into_iter().partition(|e| is_consents_field(&e.field));
        if stored.is_empty() {
            return ApiError::Validation(renewal);
        }
        // The registered household itself no longer parses: not the caller's fault.
        let fields: Vec<&str> = stored.iter().map(|e| e.field.as_str()).collect();
        ApiError::Unexpected(anyhow::anyhow!("a stored beneficiary body is invalid at {fields:?}"))
    })?;
    let errors = valid_now(&application, now);
    if errors.is_empty() { Ok(application) } else { Err(ApiError::Validation(errors)) }
}

fn is_consents_field(field: &str) -> bool {
    field == "consents" || field.starts_with("consents[") || field.starts_with("consents.")
}

/// What keeps the consents from covering the household at `now`, by field.
fn valid_now(application: &Application, now: OffsetDateTime) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut bad = |field: String, message: String| errors.push(FieldError { field, message });
    for (index, consent) in application.consents.iter().enumerate() {
        let path = format!("consents[{index}]");
        if consent.purpose != application.program {
            let program = application.program.as_str();
            bad(format!("{path}.purpose"), format!("must be {program}, the household's programme"));
        }
        if consent.signed_at > now {
            bad(format!("{path}.signed_at"), "is in the future: a renewal must be valid now".into());
        }
        if consent.expires_at <= now {
            bad(format!("{path}.expires_at"), "has passed: a renewal must be valid now".into());
        }
    }
    for (index, member) in application.household.members.iter().enumerate() {
        if !application.consents.iter().any(|c| c.id_number == member.id_number) {
            bad(
                "consents".into(),
                format!(
                    "no consent for household member {} (household.members[{index}])",
                    member.id_number.masked()
                ),
            );
        }
    }
    if errors.is_empty() && !all_members_covered(application, now) {
        errors.push(FieldError {
            field: "consents".into(),
            message: "must cover every member of the household, valid now".into(),
        });
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::{ApiError, parse_renewal};
    use crate::domain::parse::parse_application;
    use serde_json::json;
    use time::macros::{date, datetime};

    fn consent(id_number: &str, expires_at: &str) -> serde_json::Value {
        json!({ "id": format!("c-{id_number}"), "id_number": id_number, "agencies": ["tax"],
            "purpose": "dibao", "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires_at,
            "evidence_ref": "scan-2" })
    }

    fn stored() -> crate::domain::Application {
        let body = json!({
            "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
            "household": { "members": [
                { "name": "张三", "id_number": "11010519491231002X", "relation": "applicant",
                  "disability_grade": 2, "disability_type": "visual", "serious_illness": true,
                  "declared_monthly_income": "1200.00" },
                { "name": "李四", "id_number": "500103195001010020", "relation": "spouse" } ] },
            "consents": [ consent("11010519491231002X", "2027-01-01T00:00:00+08:00") ],
            "rigid_expenses": [ { "kind": "medical", "monthly_amount": "300.00" } ],
            "recheck": { "poverty_relief": true }
        });
        parse_application(&body, date!(2026 - 11 - 24)).unwrap()
    }

    fn fields(error: ApiError) -> Vec<String> {
        let ApiError::Validation(errors) = error else { panic!("not a validation error: {error:?}") };
        errors.into_iter().map(|e| e.field).collect()
    }

    const NOW: time::OffsetDateTime = datetime!(2026-11-24 12:00 +08:00);

    #[test]
    fn a_stored_application_parses_again_as_it_was_with_the_new_consents() {
        let stored = stored();
        let consents = json!([
            consent("11010519491231002X", "2030-01-01T00:00:00+08:00"),
            consent("500103195001010020", "2030-01-01T00:00:00+08:00")
        ]);
        let renewed = parse_renewal(&stored, Some(consents), NOW).unwrap();
        assert_eq!(renewed.consents.len(), 2);
        assert_eq!(crate::domain::Application { consents: stored.consents.clone(), ..renewed }, stored);
    }

    #[test]
    fn each_consent_is_checked_as_an_applications_and_must_be_valid_now() {
        let consents = json!([consent("11010519491231002X", "2026-11-21T00:00:00+08:00"),
            { "id": "c-2", "id_number": "500103195001010020", "agencies": ["tax"], "purpose": "tekun",
              "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "soon", "evidence_ref": "scan-3" }]);
        let error = parse_renewal(&stored(), Some(consents), NOW).unwrap_err();
        assert_eq!(fields(error), ["consents[1].expires_at"], "the parser's errors first");
        let consents = json!([consent("11010519491231002X", "2026-11-21T00:00:00+08:00"),
            { "id": "c-2", "id_number": "500103195001010020", "agencies": ["tax"], "purpose": "tekun",
              "signed_at": "2027-01-01T09:00:00+08:00", "expires_at": "2030-01-01T00:00:00+08:00",
              "evidence_ref": "scan-3" }]);
        let error = parse_renewal(&stored(), Some(consents), NOW).unwrap_err();
        assert_eq!(fields(error), ["consents[0].expires_at", "consents[1].purpose", "consents[1].signed_at"]);
    }

    #[test]
    fn every_member_needs_a_consent() {
        let consents = json!([consent("11010519491231002X", "2030-01-01T00:00:00+08:00")]);
        let ApiError::Validation(errors) = parse_renewal(&stored(), Some(consents), NOW).unwrap_err() else {
            panic!("not a validation error")
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "consents");
        assert!(errors[0].message.contains("500103********0020"), "{errors:?}");
        assert!(!errors[0].message.contains("500103195001010020"), "never the raw ID number");
        assert_eq!(fields(parse_renewal(&stored(), None, NOW).unwrap_err()), ["consents"]);
        assert_eq!(fields(parse_renewal(&stored(), Some(json!({})), NOW).unwrap_err()), ["consents"]);
    }
}
