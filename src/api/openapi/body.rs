//! The application body of DESIGN §4.1 as an OpenAPI schema, for documentation only.
//!
//! The hand-written parser (`crate::domain::parse`) stays the source of truth: it reports
//! every bad field at once, which a derived deserializer would not. These types only
//! describe what it accepts; a unit test keeps their field names equal to the parser's.
//! Money is a string with at most two decimals (`^[0-9]+(\.[0-9]{1,2})?$`, never negative);
//! ID numbers are GB 11643: 17 digits and a check character (`x` is read as `X`). Text
//! is trimmed, so it must hold a non-space character (`\S`).

use serde::Deserialize;
use utoipa::ToSchema;

/// An application for one household (DESIGN §4.1). Unknown fields are refused at every
/// level, `null` counts as absent for optional fields, and every bad field is named in
/// the 422 answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(application_example()))]
#[allow(dead_code)] // read by the OpenAPI derive, never constructed
pub struct ApplicationBody {
    program: ProgramName,
    /// The household's six-digit administrative region code (行政区划代码).
    #[schema(pattern = r"^[0-9]{6}$", example = "500103")]
    region: String,
    area: AreaName,
    /// Fixes the income window (the 12 full calendar months before its month); defaults to
    /// today in Asia/Shanghai. Every member must be born on or before it.
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-24")]
    as_of: Option<String>,
    household: HouseholdBody,
    /// One authorization (授权) per person; none at all means every query is refused
    /// (`no_consent`) and the verdict is `needs_review`.
    #[schema(nullable)]
    consents: Option<Vec<ConsentBody>>,
    /// Monthly rigid expenditure (刚性支出), deducted from income when the region's policy says so.
    #[schema(nullable)]
    rigid_expenses: Option<Vec<RigidExpenseBody>>,
    /// Required for program `temporary`, refused for every other program.
    #[schema(nullable)]
    temporary: Option<TemporaryBody>,
    /// Where the finished application is POSTed, signed: an absolute `https://` URL on a
    /// public address (plain http only for allow-listed hosts).
    #[schema(format = "uri", nullable)]
    callback_url: Option<String>,
    /// Marks the periodic re-check (定期核查) of a registered beneficiary.
    #[schema(nullable)]
    recheck: Option<RecheckBody>,
}

/// The assistance program applied for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ProgramName {
    Dibao,
    Tekun,
    LowIncome,
    Temporary,
}

/// Urban or rural: selects the dibao standard.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum AreaName {
    Urban,
    Rural,
}

/// The members of the household: 1 to 20, distinct ID numbers, exactly one `applicant`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct HouseholdBody {
    #[schema(min_items = 1, max_items = 20)]
    members: Vec<MemberBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MemberBody {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S", example = "张三")]
    name: String,
    /// Resident ID number (居民身份证号码), check digit verified; never echoed back unmasked.
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$", example = "11010519491231002X")]
    id_number: String,
    /// Relation to the applicant: `applicant` for exactly one member, free text otherwise.
    #[schema(min_length = 1, max_length = 32, pattern = r"\S", example = "applicant")]
    relation: String,
    /// Certified disability grade, 1 (most severe) to 4.
    #[schema(minimum = 1, maximum = 4, nullable)]
    disability_grade: Option<u8>,
    #[schema(nullable)]
    disability_type: Option<DisabilityTypeName>,
    #[schema(nullable)]
    serious_illness: Option<bool>,
    /// What the household declared; compared with verified income (`undeclared_income`).
    #[schema(pattern = r"^[0-9]+(\.[0-9]{1,2})?$", example = "1200.00", nullable)]
    declared_monthly_income: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DisabilityTypeName {
    Physical,
    Visual,
    Hearing,
    Speech,
    Intellectual,
    Mental,
    Multiple,
}

/// A person's written authorization to query the named agencies for one purpose. Its
/// purpose and validity are checked at query time, so a wrong one shows in the report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ConsentBody {
    /// The intake system's own id of the consent (unique within the body).
    #[schema(min_length = 1, max_length = 64, pattern = r"\S", example = "c-001")]
    id: String,
    /// Must be the ID number of a member of the household.
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$", example = "11010519491231002X")]
    id_number: String,
    /// Each agency at most once.
    #[schema(min_items = 1, max_items = 4)]
    agencies: Vec<AgencyName>,
    purpose: ProgramName,
    #[schema(value_type = String, format = DateTime, example = "2026-11-20T09:00:00+08:00")]
    signed_at: String,
    /// Must be after `signed_at`.
    #[schema(value_type = String, format = DateTime, example = "2027-11-20T09:00:00+08:00")]
    expires_at: String,
    /// Reference to the signed form in the intake system.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S", example = "scan-7781")]
    evidence_ref: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum AgencyName {
    Tax,
    RealEstate,
    HousingFund,
    Bank,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RigidExpenseBody {
    /// What the expenditure is, e.g. `medical` or `education`.
    #[schema(min_length = 1, max_length = 32, pattern = r"\S", example = "medical")]
    kind: String,
    #[schema(pattern = r"^[0-9]+(\.[0-9]{1,2})?$", example = "300.00")]
    monthly_amount: String,
}

/// Temporary assistance (临时救助): `emergency` (急难型) is answered at once with advance
/// relief, `expenditure` (支出型) is checked first.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TemporaryBody {
    kind: TemporaryKindName,
    #[schema(pattern = r"^[0-9]+(\.[0-9]{1,2})?$", example = "5000.00")]
    requested_amount: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TemporaryKindName {
    Emergency,
    Expenditure,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RecheckBody {
    /// The household is covered by poverty-relief policy (longer grace period when it graduates).
    #[schema(nullable)]
    poverty_relief: Option<bool>,
}

/// A complete, valid application (the one of DESIGN §4.1, without a callback).
pub fn application_example() -> serde_json::Value {
    serde_json::json!({
        "program": "dibao",
        "region": "500103",
        "area": "urban",
        "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "张三", "id_number": "11010519491231002X", "relation": "applicant",
              "disability_grade": null, "disability_type": null, "serious_illness": false,
              "declared_monthly_income": "1200.00" } ] },
        "consents": [
            { "id": "c-001", "id_number": "11010519491231002X",
              "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": "dibao",
              "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "2027-11-20T09:00:00+08:00",
              "evidence_ref": "scan-7781" } ],
        "rigid_expenses": [ { "kind": "medical", "monthly_amount": "300.00" } ]
    })
}

#[cfg(test)]
mod tests {
    use super::application_example;
    use crate::domain::parse::{CONSENT_FIELDS, MEMBER_FIELDS, ROOT_FIELDS, parse_application};
    use utoipa::openapi::{RefOr, schema::Schema};

    /// The property names of a component schema, sorted.
    fn properties(name: &str) -> Vec<String> {
        let components = super::super::document().components.as_ref().unwrap();
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(name) else {
            panic!("{name} is not an object schema");
        };
        assert_eq!(
            serde_json::to_value(&object.additional_properties).unwrap(),
            serde_json::json!(false),
            "{name} must refuse unknown fields, as the parser does"
        );
        object.properties.keys().cloned().collect()
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        fields.sort();
        fields
    }

    #[test]
    fn the_schema_names_exactly_the_fields_the_parser_accepts() {
        assert_eq!(properties("ApplicationBody"), sorted(ROOT_FIELDS));
        assert_eq!(properties("MemberBody"), sorted(MEMBER_FIELDS));
        assert_eq!(properties("ConsentBody"), sorted(CONSENT_FIELDS));
        assert_eq!(properties("HouseholdBody"), sorted(&["members"]));
        assert_eq!(properties("RigidExpenseBody"), sorted(&["kind", "monthly_amount"]));
        assert_eq!(properties("TemporaryBody"), sorted(&["kind", "requested_amount"]));
        assert_eq!(properties("RecheckBody"), sorted(&["poverty_relief"]));
    }

    #[test]
    fn the_documented_example_is_a_valid_application() {
        let today = time::macros::date!(2026 - 11 - 24);
        assert!(parse_application(&application_example(), today).is_ok());
    }
}
