//! The policy parameters: what is in force for a region on a date (any authenticated role)
//! and their reload (administrators). The book, its reload and the published view are
//! `crate::policy`'s; this adds who may, and the refusal of a bad set as a validation error
//! naming the file and the key.

use super::Services;
use super::access::Action;
use super::error::{ServiceError, ServiceResult};
use crate::auth::Caller;
use crate::domain::RegionCode;
use crate::domain::parse::FieldError;
use crate::policy::{PolicyBookError, PublishedPolicy, ReloadSummary};
use time::Date;

impl Services {
    /// The parameters an application of `region` on `as_of` is judged by, from the set in
    /// force now. Public figures: any authenticated caller, any region.
    pub fn published_policy(&self, region: RegionCode, as_of: Date) -> PublishedPolicy {
        let book = self.policies.snapshot();
        let effective = book.effective(&region, as_of);
        PublishedPolicy::new(region, as_of, effective)
    }

    /// Re-reads the policy directory and puts it in force, or refuses it whole (the running
    /// set stays). Verifications already running keep the parameters they started with.
    pub async fn reload_policies(&self, caller: &Caller) -> ServiceResult<ReloadSummary> {
        self.require(caller, Action::ReloadPolicies)?;
        let policies = self.policies.clone();
        // File reads: off the async workers.
        let outcome = tokio::task::spawn_blocking(move || policies.reload())
            .await
            .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("policy reload stopped: {e}")))?;
        outcome.map_err(|error| refused(&error))
    }
}

/// A refused set as a validation error naming the file and, where there is one, the key.
fn refused(error: &PolicyBookError) -> ServiceError {
    let (file, key) = error.location();
    let field = match key {
        Some(key) => format!("{file}: {key}"),
        None => file.to_owned(),
    };
    ServiceError::Validation(vec![FieldError { field, message: error.problem() }])
}
