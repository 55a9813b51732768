//! The beneficiary registry: importing households from an existing roll (each entry
//! checked like an application, consents included, since re-checks query under them),
//! listing the households of one's regions, and renewing a household's consents.
//!
//! A household is registered once per intake system and programme; importing one already
//! registered is refused with the existing registration's id. A household whose consent
//! expired or was revoked is flagged `needs_new_consent` at re-check; its intake system
//! brings new consents, checked exactly as an application's (every error names its field,
//! `consents[0].expires_at`), which must together cover every member for the programme now.

use super::Services;
use super::access::{Action, event};
use super::error::{ServiceError, ServiceResult};
use crate::audit::actions;
use crate::auth::{Caller, Role};
use crate::domain::parse::{FieldError, parse_application};
use crate::domain::{Application, Money, RegionPrefix, today_in_shanghai};
use crate::recheck::consent::all_members_covered;
use crate::store::{
    Beneficiary, BeneficiaryFilter, ConsentRecord, ConsentRenewal, NewBeneficiary, Registration,
};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The categories a household can be registered with.
const CATEGORIES: [&str; 5] = ["dibao_a", "dibao_b", "dibao_single", "tekun", "low_income"];
/// An import whose registration kept changing under it is tried this many times.
const IMPORT_ATTEMPTS: usize = 3;

/// One entry of a roll, as sent.
#[derive(Debug, Clone)]
pub struct Import {
    pub application: serde_json::Value,
    pub category: String,
    pub benefit: Option<String>,
    pub recheck_due: String,
    pub poverty_relief: bool,
}

/// What an import did.
pub enum Imported {
    Registered(Box<Beneficiary>),
    /// Already on the registry: nothing was stored.
    AlreadyRegistered(String),
}

impl Services {
    pub async fn list_beneficiaries(
        &self,
        caller: &Caller,
        region: Option<&RegionPrefix>,
        due_before: Option<Date>,
        limit: u32,
    ) -> ServiceResult<Vec<Beneficiary>> {
        self.require(caller, Action::ListBeneficiaries)?;
        let Some(region_prefixes) = super::list::scoped_prefixes(caller, region) else {
            return Ok(Vec::new());
        };
        let filter = BeneficiaryFilter {
            region_prefixes,
            due_before: due_before.map(|d| d.to_string()),
            recheckable: false,
            limit: limit.clamp(1, 1000),
        };
        Ok(self.store.list_beneficiaries(&filter).await?)
    }

    pub async fn import_beneficiary(&self, caller: &Caller, entry: Import) -> ServiceResult<Imported> {
        self.require(caller, Action::ImportBeneficiary)?;
        let (application, benefit, due) = parse_import(&entry)?;
        self.require_region(caller, Action::ImportBeneficiary, &application.region)?;
        let applicant = application.household.applicant().ok_or_else(|| anyhow::anyhow!("no applicant"))?;
        let applicant_subject = self.pseudonymizer.pseudonym(&applicant.id_number);
        self.store.fill_applicant_subjects(&caller.sub, &application, &self.pseudonymizer).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let body_json = serde_json::to_string(&application).map_err(anyhow::Error::from)?;
        let consents = ConsentRecord::of_application(&application, &self.pseudonymizer);
        let (benefit, due) = (benefit.map(|b| b.to_string()), due.to_string());
        let new = NewBeneficiary {
            id: &id,
            program: application.program.as_str(),
            region: application.region.as_str(),
            caller_sub: &caller.sub,
            applicant_masked: &application.applicant_masked(),
            category: &entry.category,
            benefit: benefit.as_deref(),
            recheck_due: &due,
            poverty_relief: entry.poverty_relief,
            body_json: &body_json,
            consents: &consents,
        };
        for _ in 0..IMPORT_ATTEMPTS {
            let mut unit = self.store.begin().await?;
            self.refuse_conflicting_reuse(&mut unit, &caller.sub, &consents, "application.", false).await?;
            match self.store.import_beneficiary(&mut unit, &new, &applicant_subject).await? {
                Registration::Created => {
                    unit.audit_all(application.household.members.iter().map(|member| {
                        let mut registered =
                            event(caller, actions::BENEFICIARY_REGISTERED, None, &format!("imported:{id}"));
                        registered.subject = Some(self.pseudonymizer.pseudonym(&member.id_number));
                        registered
                    }));
                    unit.commit().await?;
                    let stored = self.store.beneficiary(&id).await?.ok_or(ServiceError::NotFound)?;
                    return Ok(Imported::Registered(Box::new(stored)));
                }
                Registration::AlreadyRegistered(existing) => {
                    return Ok(Imported::AlreadyRegistered(existing));
                }
                Registration::Vanished => continue,
            }
        }
        Err(ServiceError::RetryLater("the registration of this household kept changing; try again".into()))
    }

    /// Renews the consents of registration `id`: the intake system that registered it (in
    /// its regions) or an admin; anyone else is told it does not exist.
    pub async fn renew_consents(
        &self,
        caller: &Caller,
        id: &str,
        consents: Option<serde_json::Value>,
    ) -> ServiceResult<Beneficiary> {
        self.require(caller, Action::RenewConsents)?;
        let mut unit = self.store.begin().await?;
        let beneficiary = self.store.beneficiary(id).await?.ok_or(ServiceError::NotFound)?;
        let region = crate::domain::RegionCode::parse(&beneficiary.region).map_err(|e| anyhow::anyhow!(e))?;
        let own =
            caller.role == Role::Admin || (beneficiary.caller_sub == caller.sub && caller.covers(&region));
        if !own {
            self.refused(caller, Action::RenewConsents, None, "out_of_scope");
            return Err(ServiceError::NotFound);
        }
        let stored: Application = serde_json::from_str(&beneficiary.body_json)
            .map_err(|e| anyhow::anyhow!("stored beneficiary body unreadable: {e}"))?;
        let application = parse_renewal(&stored, consents, OffsetDateTime::now_utc())?;
        let records = ConsentRecord::of_application(&application, &self.pseudonymizer);
        self.refuse_conflicting_reuse(&mut unit, &beneficiary.caller_sub, &records, "", true).await?;
        let renewal =
            ConsentRenewal { beneficiary_id: id, consents: &application.consents, records: &records };
        let renewed = self.store.renew_consents(&mut unit, &beneficiary, &renewal).await?;
        let outcome = format!("renewed:{id}");
        unit.audit_all(records.iter().map(|record| {
            let mut renewed = event(caller, actions::CONSENT_RENEWAL, None, &outcome);
            renewed.subject = Some(record.subject.clone());
            renewed.consent_id = Some(record.id.clone());
            renewed
        }));
        unit.commit().await?;
        Ok(renewed)
    }
}

fn parse_import(entry: &Import) -> ServiceResult<(Application, Option<Money>, Date)> {
    let mut errors = Vec::new();
    let application = parse_application(&entry.application, today_in_shanghai())
        .map_err(|bad| {
            errors.extend(bad.into_iter().map(|mut e| {
                e.field = format!("application.{}", e.field).trim_end_matches('.').to_owned();
                e
            }))
        })
        .ok();
    let mut bad =
        |field: &str, message: &str| errors.push(FieldError { field: field.into(), message: message.into() });
    if !CATEGORIES.contains(&entry.category.as_str()) {
        bad("category", "must be dibao_a, dibao_b, dibao_single, tekun or low_income");
    }
    let benefit = entry
        .benefit
        .as_deref()
        .and_then(|b| Money::parse(b).map_err(|_| bad("benefit", "must be an amount like \"720.00\"")).ok());
    let due = Date::parse(&entry.recheck_due, format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad("recheck_due", "must be a date like 2027-05-24"))
        .ok();
    match (application, due) {
        (Some(application), Some(due)) if errors.is_empty() => Ok((application, benefit, due)),
        _ => Err(ServiceError::Validation(errors)),
    }
}

/// The stored application with the new consents, parsed as an application is (every bad
/// consent field at once), then checked to be valid `now` for the whole household.
fn parse_renewal(
    stored: &Application,
    consents: Option<serde_json::Value>,
    now: OffsetDateTime,
) -> ServiceResult<Application> {
    let Some(consents) = consents.filter(|c| !c.is_null()) else {
        return Err(ServiceError::field("consents", "is required"));
    };
    let mut body = serde_json::to_value(stored).map_err(anyhow::Error::from)?;
    let root =
        body.as_object_mut().ok_or_else(|| anyhow::anyhow!("a stored application is not an object"))?;
    root.insert("consents".into(), consents);
    let application = parse_application(&body, today_in_shanghai()).map_err(|errors| {
        let (renewal, stored): (Vec<FieldError>, Vec<FieldError>) =
            errors.into_iter().partition(|e| is_consents_field(&e.field));
        if stored.is_empty() {
            return ServiceError::Validation(renewal);
        }
        // The registered household itself no longer parses: not the caller's fault.
        let fields: Vec<&str> = stored.iter().map(|e| e.field.as_str()).collect();
        ServiceError::Unexpected(anyhow::anyhow!("a stored beneficiary body is invalid at {fields:?}"))
    })?;
    let errors = valid_now(&application, now);
    if errors.is_empty() { Ok(application) } else { Err(ServiceError::Validation(errors)) }
}

fn is_consents_field(field: &str) -> bool {
    field == "consents" || field.starts_with("consents[") || field.starts_with("consents.")
}

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
#[path = "beneficiaries/renewal_tests.rs"]
mod renewal_tests;
