//! `GET /ui/policies?region=&as_of=&version=`: the policy parameters in force for a region
//! on a date, with their readable name, version and where each value came from; the report
//! page links here. With `version` (the report's), the page says when the parameters in
//! force now are not the ones the report used (a reload since).

use super::error::{UiError, render};
use super::i18n::LangChoice;
use super::page::{Layout, respond};
use super::session::Session;
use crate::domain::RegionCode;
use crate::policy::explain::{parameter_label, parameter_value};
use crate::service::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;
use time::Date;
use time::macros::format_description;

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    layout: Layout,
    /// Why nothing is shown (a missing or malformed region or date).
    problem: Option<&'static str>,
    region: String,
    as_of: String,
    name: String,
    version: String,
    /// The report's version, when it differs from the one in force.
    report_version: Option<String>,
    rows: Vec<Row>,
}

struct Row {
    label: String,
    key: String,
    value: String,
    file: String,
    effective_from: String,
}

#[derive(Debug, Deserialize)]
pub struct PolicyPageQuery {
    region: Option<String>,
    as_of: Option<String>,
    version: Option<String>,
}

#[get("/policies")]
#[tracing::instrument(skip_all, fields(caller = %session.caller.sub))]
pub async fn show(
    request: HttpRequest,
    session: Session,
    lang: LangChoice,
    services: web::Data<Services>,
    query: web::Query<PolicyPageQuery>,
) -> Result<HttpResponse, UiError> {
    let (l, t) = (lang.lang, lang.lang.labels());
    let layout = Layout::new(&request, l, t.title_policy, "/ui/policies").signed_in(&session);
    let region = query.region.as_deref().and_then(|r| RegionCode::parse(r).ok());
    let as_of = query.as_of.as_deref().map_or(Some(crate::domain::today_in_shanghai()), |d| {
        Date::parse(d, format_description!("[year]-[month]-[day]")).ok()
    });
    let (Some(region), Some(as_of)) = (region, as_of) else {
        let page = PolicyPage {
            layout,
            problem: Some(t.policy_bad_query),
            region: query.region.clone().unwrap_or_default(),
            as_of: query.as_of.clone().unwrap_or_default(),
            name: String::new(),
            version: String::new(),
            report_version: None,
            rows: Vec::new(),
        };
        return Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, lang, render(&page)?));
    };
    let published = services.published_policy(region, as_of);
    let lang_explain = l.explain();
    let parameters = serde_json::to_value(&published.parameters).map_err(anyhow::Error::from)?;
    let rows = parameters
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(key, value)| {
                    let origin = published.origins.get(key);
                    Row {
                        label: parameter_label(key, lang_explain),
                        key: key.clone(),
                        value: parameter_value(key, value, lang_explain),
                        file: origin.map(|o| o.file.clone()).unwrap_or_default(),
                        effective_from: origin
                            .and_then(|o| o.effective_from)
                            .map_or_else(String::new, |d| d.to_string()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let name = if l == super::i18n::Lang::Zh { published.name_zh.clone() } else { published.name.clone() };
    let report_version = query.version.clone().filter(|v| *v != published.policy_version);
    let page = PolicyPage {
        layout,
        problem: None,
        region: published.region.to_string(),
        as_of: published.as_of.to_string(),
        name,
        version: published.policy_version,
        report_version,
        rows,
    };
    Ok(respond(StatusCode::OK, lang, render(&page)?))
}
