//! Listing applications, newest first, never beyond the caller's scope: officers their
//! regions, intake systems their own submissions, admins everything.

use super::Services;
use super::access::Action;
use super::error::ServiceResult;
use crate::auth::{Caller, Role};
use crate::domain::{Program, RegionPrefix};
use crate::policy::Verdict;
use crate::store::{ApplicationRecord, ApplicationStatus, Cursor, ListFilter};

/// What a listing asks for (checked by the caller's edge: API query or form).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub region: Option<RegionPrefix>,
    pub program: Option<Program>,
    pub status: Option<ApplicationStatus>,
    pub verdict: Option<Verdict>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub after: Option<Cursor>,
    pub page: u32,
    pub page_size: u32,
}

impl Services {
    /// One page of applications; an officer asking for a region outside theirs gets an
    /// empty page, not an error.
    pub async fn list_applications(
        &self,
        caller: &Caller,
        query: ListQuery,
    ) -> ServiceResult<Vec<ApplicationRecord>> {
        self.require(caller, Action::ListApplications)?;
        let Some(region_prefixes) = scoped_prefixes(caller, query.region.as_ref()) else {
            return Ok(Vec::new());
        };
        let filter = ListFilter {
            region_prefixes,
            caller_sub: (caller.role == Role::Intake).then(|| caller.sub.clone()),
            program: query.program,
            status: query.status,
            verdict: query.verdict,
            from_ms: query.from_ms,
            to_ms: query.to_ms,
            after: query.after,
            page: query.page.max(1),
            page_size: query.page_size.clamp(1, 200),
        };
        Ok(self.store.list_applications(&filter).await?)
    }
}

/// The region prefixes a listing may show: the caller's own, narrowed by the request.
/// `None`: the request lies wholly outside an officer's regions (nothing to show); an empty
/// list means every region (admins, and intake systems, which see only their own anyway).
pub fn scoped_prefixes(caller: &Caller, requested: Option<&RegionPrefix>) -> Option<Vec<String>> {
    let requested = requested.map(RegionPrefix::as_str);
    match (caller.role, requested) {
        (Role::Officer | Role::Auditor, None) => {
            let own: Vec<String> = caller.regions.iter().map(|r| r.as_str().to_owned()).collect();
            // No regions at all is nothing to show, never "every region".
            (!own.is_empty()).then_some(own)
        }
        (Role::Officer | Role::Auditor, Some(wanted)) => {
            let own: Vec<&str> = caller.regions.iter().map(|r| r.as_str()).collect();
            let prefixes: Vec<String> = if own.iter().any(|r| wanted.starts_with(r)) {
                vec![wanted.to_owned()]
            } else {
                // Narrower own prefixes inside the requested one.
                own.iter().filter(|r| r.starts_with(wanted)).map(|r| (*r).to_owned()).collect()
            };
            (!prefixes.is_empty()).then_some(prefixes)
        }
        (_, Some(wanted)) => Some(vec![wanted.to_owned()]),
        (_, None) => Some(Vec::new()),
    }
}
