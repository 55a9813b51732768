//! Error answers as the OpenAPI document shows them: one RFC 9457 problem schema and one
//! reusable response per status, each with an example of what the hub really sends.

use utoipa::openapi::{ContentBuilder, HeaderBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{PartialSchema, ToResponse, ToSchema};

pub const PROBLEM_JSON: &str = super::super::problem::PROBLEM_JSON;

/// An error, as RFC 9457 problem details (`application/problem+json`). Every error the
/// hub answers has this shape, including unknown routes and unreadable bodies.
#[derive(ToSchema)]
#[allow(dead_code)] // read by the OpenAPI derive, never constructed
pub struct ProblemDetails {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[schema(rename = "type", example = "/problems/validation")]
    kind: String,
    /// Short summary of the kind of problem.
    #[schema(example = "Invalid request")]
    title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599, example = 422)]
    status: u16,
    /// What was wrong with this request; never an internal message.
    detail: String,
    /// The request path this problem occurred on (without the query string).
    #[schema(example = "/api/v1/applications")]
    instance: String,
    /// The id also sent as `X-Request-Id` and written in the hub's log line of the request.
    request_id: String,
    /// For 422: every bad field, named by its path in the body or by the parameter's name.
    #[schema(required = false)]
    errors: Option<Vec<FieldErrorDoc>>,
}

/// One bad field of a request.
#[derive(ToSchema)]
#[schema(as = FieldError)]
#[allow(dead_code)]
pub struct FieldErrorDoc {
    /// Path of the field, e.g. `household.members[1].id_number`, or a parameter or header name.
    #[schema(example = "household.members[1].id_number")]
    field: String,
    #[schema(example = "check digit mismatch")]
    message: String,
}

/// A 409 of an import: the household is registered already, under `beneficiary_id`.
#[derive(ToSchema)]
#[allow(dead_code)] // read by the OpenAPI derive, never constructed
pub struct AlreadyRegisteredProblem {
    #[serde(flatten)]
    problem: ProblemDetails,
    /// The id of the registration that holds the household.
    #[schema(example = "0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12")]
    beneficiary_id: String,
}

/// The household of an import is on the registry already; nothing was stored.
pub struct AlreadyRegistered;

impl<'s> ToResponse<'s> for AlreadyRegistered {
    fn response() -> (&'s str, RefOr<Response>) {
        let id = "0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12";
        let mut example = example(
            "already-registered",
            "Already registered",
            409,
            &format!(
                "the household is already registered for this programme as beneficiary {id}; \
                 renew its consents with PUT /api/v1/beneficiaries/{id}/consents"
            ),
            "/api/v1/beneficiaries",
        );
        example["beneficiary_id"] = id.into();
        let description = "The household (its applicant) is already registered for this programme by \
                           this intake system and not ineligible: `beneficiary_id` names that \
                           registration. Nothing was stored.";
        let content = ContentBuilder::new()
            .schema(Some(AlreadyRegisteredProblem::schema_ref()))
            .example(Some(example))
            .build();
        let response = ResponseBuilder::new().description(description).content(PROBLEM_JSON, content);
        ("AlreadyRegistered", response.build().into())
    }
}

/// A problem response with one example; `retry_after` adds the `Retry-After` header.
fn problem(description: &str, example: serde_json::Value, retry_after: bool) -> Response {
    let content = ContentBuilder::new().schema(Some(ProblemDetails::schema_ref())).example(Some(example));
    let mut response = ResponseBuilder::new().description(description).content(PROBLEM_JSON, content.build());
    if retry_after {
        let header = HeaderBuilder::new()
            .schema(Some(u64::schema()))
            .description(Some("Seconds to wait before retrying."))
            .build();
        response = response.header("Retry-After", header);
    }
    response.build()
}

trait SchemaRef {
    fn schema_ref() -> RefOr<utoipa::openapi::Schema>;
}

impl<T: ToSchema> SchemaRef for T {
    fn schema_ref() -> RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::Ref::from_schema_name(T::name()).into()
    }
}

fn example(kind: &str, title: &str, status: u16, detail: &str, instance: &str) -> serde_json::Value {
    serde_json::json!({
        "type": format!("/problems/{kind}"), "title": title, "status": status, "detail": detail,
        "instance": instance, "request_id": "4b8e5c1e-2f0a-4d55-9a53-7cf0d1d6b1a2"
    })
}

/// One reusable response per error status: `(type name, status, description, example)`.
macro_rules! problem_responses {
    ($($name:ident: $description:literal, $example:expr, $retry:literal;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                (stringify!($name), problem($description, $example, $retry).into())
            }
        }
    )*};
}

problem_responses! {
    Unauthorized: "No bearer token, or one that is expired, badly signed, of a refused algorithm, or for another issuer or audience.",
        example("unauthorized", "Unauthorized", 401, "a valid bearer token is required", "/api/v1/applications"), false;
    Forbidden: "The caller's role or regions do not allow this.",
        example("forbidden", "Forbidden", 403, "region 500103 is outside the caller's regions", "/api/v1/applications"), false;
    NotFound: "No such resource, or one outside the caller's scope (existence is not revealed).",
        example("not-found", "Not Found", 404, "no such resource", "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12"), false;
    Conflict: "The request conflicts with the resource's state; `Retry-After` is sent when retrying will help (an `Idempotency-Key` still being accepted).",
        example("conflict", "Conflict", 409, "only a completed application can be reviewed", "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12/reviews"), true;
    Gone: "The evidence behind the report was purged after its retention period.",
        example("gone", "Gone", 410, "the evidence was purged after its retention period", "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12/replay"), false;
    BadRequest: "The request could not be read at all (e.g. a body cut short).",
        example("bad-request", "Bad Request", 400, "the body could not be read", "/api/v1/applications"), false;
    PayloadTooLarge: "The body is larger than `server.body_limit_bytes` (256 KiB by default).",
        example("payload-too-large", "Payload Too Large", 413, "payload reached size limit", "/api/v1/applications"), false;
    UnsupportedMediaType: "The body is not `application/json`.",
        example("unsupported-media-type", "Unsupported Media Type", 415, "the body must be application/json", "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12/reviews"), false;
    Validation: "Invalid input: every bad field or parameter is named in `errors`; nothing was stored.",
        serde_json::json!({
            "type": "/problems/validation", "title": "Invalid request", "status": 422,
            "detail": "household.members[1].id_number: check digit mismatch; area: must be one of urban or rural",
            "instance": "/api/v1/applications", "request_id": "4b8e5c1e-2f0a-4d55-9a53-7cf0d1d6b1a2",
            "errors": [
                {"field": "household.members[1].id_number", "message": "check digit mismatch"},
                {"field": "area", "message": "must be one of urban or rural"}
            ]
        }), false;
    TooManyRequests: "The caller (JWT `sub`) exceeded `server.rate_limit_per_s`; retry after `Retry-After` seconds.",
        example("too-many-requests", "Too Many Requests", 429, "the caller's request rate limit is reached; retry in 1 s", "/api/v1/applications"), true;
    Internal: "Something failed inside the hub; the detail never says what (the log line of the request id does).",
        example("internal", "Internal Server Error", 500, "the request could not be completed", "/api/v1/applications"), false;
}
