//! Importing a household from a roll, at most once: an intake system's household stays on
//! the registry under one registration per programme until a re-check finds it
//! ineligible. The unique index `beneficiaries_one_per_applicant` (caller, programme,
//! applicant pseudonym, over rows not `ineligible`) decides, so two concurrent imports of
//! the same household register it once whatever the interleaving.

use super::{NewBeneficiary, insert};
use crate::cache::Pseudonymizer;
use crate::domain::Application;
use crate::store::{Store, UnitOfWork, consents::record_consents};
use anyhow::Context;
use sqlx::Row;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    Created,
    /// The household is already on the registry for this programme and intake system:
    /// nothing was stored. Holds the existing registration's id.
    AlreadyRegistered(String),
    /// A registration refused the insert but left the registry before it could be read
    /// (found ineligible in between): the caller tries again in a new unit.
    Vanished,
}

impl Store {
    /// Imports a household with its consents inside `unit`, unless its applicant
    /// (`applicant_subject`, the pseudonym of the applicant's ID number) is already
    /// registered for the programme by the same intake system and not ineligible.
    pub async fn import_beneficiary(
        &self,
        unit: &mut UnitOfWork,
        new: &NewBeneficiary<'_>,
        applicant_subject: &str,
    ) -> anyhow::Result<Registration> {
        let tx = unit.tx();
        // The insert comes first: on PostgreSQL it waits for a concurrent import of the
        // same household.
        if insert(tx, new, None, Some(applicant_subject)).await? {
            record_consents(tx, new.caller_sub, new.consents).await?;
            return Ok(Registration::Created);
        }
        let existing = sqlx::query(
            "SELECT id FROM beneficiaries WHERE caller_sub = $1 AND program = $2 \
             AND applicant_subject = $3 AND status <> 'ineligible'",
        )
        .bind(new.caller_sub)
        .bind(new.program)
        .bind(applicant_subject)
        .fetch_optional(&mut **tx)
        .await
        .context("Failed to read the existing registration")?;
        match existing {
            Some(row) => Ok(Registration::AlreadyRegistered(row.try_get("id")?)),
            None => Ok(Registration::Vanished),
        }
    }

    /// Gives the registrations of this intake system and programme that have no applicant
    /// pseudonym yet (registered before the column existed, or approved where the key was
    /// not at hand) theirs, when their applicant looks like `application`'s (same masked ID
    /// number), so that the unique index sees them before an import of the household.
    ///
    /// Best effort, outside the import's transaction: a row whose household is already
    /// registered under a pseudonym (an earlier duplicate) is left without one.
    pub async fn fill_applicant_subjects(
        &self,
        caller_sub: &str,
        application: &Application,
        pseudonymizer: &Pseudonymizer,
    ) -> anyhow::Result<()> {
        let rows = sqlx::query(
            "SELECT id, body FROM beneficiaries WHERE caller_sub = $1 AND program = $2 \
             AND applicant_subject IS NULL AND status <> 'ineligible' AND applicant_masked = $3",
        )
        .bind(caller_sub)
        .bind(application.program.as_str())
        .bind(application.applicant_masked())
        .fetch_all(&self.pool)
        .await
        .context("Failed to read registrations without an applicant pseudonym")?;
        for row in rows {
            let (id, body): (String, String) = (row.try_get("id")?, row.try_get("body")?);
            let stored: Application =
                serde_json::from_str(&body).context("stored beneficiary body unreadable")?;
            let Some(applicant) = stored.household.applicant() else { continue };
            let subject = pseudonymizer.pseudonym(&applicant.id_number);
            let filled = sqlx::query(
                "UPDATE beneficiaries SET applicant_subject = $1 WHERE id = $2 AND applicant_subject IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM beneficiaries other WHERE other.caller_sub = $3 \
                 AND other.program = $4 AND other.applicant_subject = $1 AND other.status <> 'ineligible')",
            )
            .bind(&subject)
            .bind(&id)
            .bind(caller_sub)
            .bind(application.program.as_str())
            .execute(&self.pool)
            .await;
            // Only a concurrent fill of a duplicate of the same household can fail here
            // (the unique index); the other import's registration then stands for both.
            if let Err(error) = filled {
                tracing::warn!(beneficiary = %id, error = ?error, "could not record an applicant pseudonym");
            }
        }
        Ok(())
    }
}
