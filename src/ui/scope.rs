//! Loading an application for an officer: region scope exactly as the API's.

use super::error::{Page, UiError};
use super::session::Session;
use crate::api::audited::{self, record_refusal};
use crate::audit::actions;
use crate::domain::RegionCode;
use crate::store::{ApplicationRecord, Store};
use actix_web::HttpRequest;
use uuid::Uuid;

/// The application `id` if the officer may read it. Unknown and out of scope give the same
/// 404 page (existence must not leak); an out-of-scope attempt is audited.
pub async fn load_in_scope(
    request: &HttpRequest,
    session: &Session,
    store: &Store,
    id: &str,
) -> Result<ApplicationRecord, UiError> {
    let not_found = || UiError::NotFound(Page::of(request, Some(session)));
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let record = store.get_application(id).await?.ok_or_else(not_found)?;
    let region = RegionCode::parse(&record.region).map_err(|e| anyhow::anyhow!(e))?;
    if !session.caller.may_read(&region, &record.caller_sub) {
        record_refusal(
            request,
            audited::event(
                &session.caller,
                actions::AUTHORIZATION_FAILURE,
                Some(id.to_string()),
                "out_of_scope",
            ),
        );
        return Err(not_found());
    }
    Ok(record)
}
