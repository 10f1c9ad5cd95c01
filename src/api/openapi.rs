//! The OpenAPI 3.1 document of the API, generated from the handlers'
//! types and `#[utoipa::path]` annotations, served at
//! `/api/v1/openapi.json` with a Swagger UI at `/swagger-ui/` (its files
//! are compiled in, so it works offline).
//!
//! The roles of each operation come from the route table
//! ([`super::endpoints`], whose handlers' [`super::Caller`] declares them):
//! [`Roles`] adds the bearer requirement, the `x-roles` list, a "Roles:"
//! line to the description and the answers every authenticated operation
//! can give (401, 403, 429), so the document cannot disagree with the
//! server about who may call what.

use serde::Serialize;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use super::board::{MoveBody, PinRequest};
use super::engineers::{PartToBring, RouteResponse, ServiceWindow, StopResponse};
use super::events::EventRequest;
use super::rosters::InsertRequest;
use super::simulations::{ObjectiveName, SimulationKind, SimulationRequest};
use super::tickets::{PointDto, SlaRequest, TicketList, TicketRequest, TicketResponse};
use crate::domain::RoleKind;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// A refused request: what is wrong and, where one is to blame, the field
/// (`customer`, `ticket.site.lat`, `authorization`, `hub`, `body`, …).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A fault on the server's side: the log has the same id with the cause.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaultBody {
    /// Always `internal error`.
    pub error: String,
    /// 16 hex digits.
    pub id: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ruyi",
        description = "Field-engineer dispatch and route scheduling. Every operation under \
            `/api/v1` takes `Authorization: Bearer ruyi_…` (a token from `ruyi token create`); \
            `x-roles` lists the roles it admits. Refusals are JSON `{\"error\", \"field\"}`; a \
            server fault is 500 `{\"error\": \"internal error\", \"id\"}`. A method a path does \
            not serve is 405 with `Allow`; a body over its cap 413, a request head over 16 KiB \
            431; a token over its rate limit 429 with `Retry-After`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        super::health::health,
        super::tickets::create_ticket,
        super::tickets::list_tickets,
        super::ticket_view::get_ticket,
        super::ticket_view::service_record,
        super::escalations::ticket_escalation,
        super::ticket_view::follow_ups,
        super::reports::sla,
        hub_rosters,
        create_roster,
        insert_into_roster,
        get_roster,
        super::events::list_engineers,
        super::events::engineer_events,
        super::events::post_event,
        super::engineers::engineer_route,
        super::engineers::route_events,
        super::escalations::list_escalations,
        super::simulations::create_simulation,
        super::vroom::solve,
        super::board::hub_board,
        super::board::board_events,
        super::board::pin_visit,
        super::board::unpin_visit,
        super::board::move_by_hand,
        super::maps::network_map,
        super::maps::coverage,
        super::maps::map_as_svg,
        super::maps::map_as_png,
        super::auth::session,
    ),
    components(schemas(
        ErrorBody,
        FaultBody,
        TicketRequest,
        TicketResponse,
        TicketList,
        PointDto,
        SlaRequest,
        EventRequest,
        InsertRequest,
        RouteResponse,
        StopResponse,
        ServiceWindow,
        PartToBring,
        SimulationRequest,
        SimulationKind,
        ObjectiveName,
        PinRequest,
        MoveBody,
    )),
    modifiers(&Roles),
    tags(
        (name = "tickets", description = "Intake, listing, one ticket's state, escalation, follow-up calls"),
        (name = "rosters", description = "A hub's day: planning, revisions, emergency insertion"),
        (name = "engineers", description = "Routes and status events"),
        (name = "planning", description = "Coverage simulations"),
        (name = "reports", description = "The SLA report"),
        (name = "board", description = "The hub board: the day with what it names, its revisions as they come, pins, visits moved by hand"),
        (name = "session", description = "Who a token is"),
        (name = "vroom", description = "The VROOM-compatible solver"),
        (name = "service", description = "Liveness"),
    ),
)]
pub struct ApiDoc;

/// The name of the bearer scheme in the document.
const BEARER: &str = "bearer";

/// Adds what the route table knows to every operation: the bearer
/// requirement and roles, and the answers any request may get.
struct Roles;

fn error_response(description: &str, schema: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(schema)))
                    .build(),
            )
            .build(),
    )
}

fn operation_mut<'a>(
    item: &'a mut PathItem,
    method: &actix_web::http::Method,
) -> Option<&'a mut Operation> {
    match *method {
        actix_web::http::Method::GET => item.get.as_mut(),
        actix_web::http::Method::POST => item.post.as_mut(),
        actix_web::http::Method::PUT => item.put.as_mut(),
        actix_web::http::Method::DELETE => item.delete.as_mut(),
        actix_web::http::Method::PATCH => item.patch.as_mut(),
        _ => None,
    }
}

impl Modify for Roles {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for endpoint in super::endpoints() {
            let path = format!("/api/v1{}", endpoint.path);
            let Some(operation) = openapi
                .paths
                .paths
                .get_mut(&path)
                .and_then(|item| operation_mut(item, &endpoint.method))
            else {
                continue;
            };
            let roles: Vec<&str> = RoleKind::of_set(endpoint.roles)
                .into_iter()
                .map(RoleKind::code)
                .collect();
            operation.security = Some(vec![SecurityRequirement::new(BEARER, [""; 0])]);
            let line = format!("Roles: {}.", roles.join(", "));
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{line}"),
                _ => line,
            });
            let extensions = ExtensionsBuilder::new()
                .add("x-roles", serde_json::json!(roles))
                .build();
            match &mut operation.extensions {
                Some(existing) => existing.merge(extensions),
                None => operation.extensions = Some(extensions),
            }
            let responses = &mut operation.responses.responses;
            responses.entry("401".into()).or_insert_with(|| {
                error_response(
                    "No token, or an unknown, expired or revoked one (`field`: `authorization`)",
                    "ErrorBody",
                )
            });
            responses.entry("403".into()).or_insert_with(|| {
                error_response(
                    "The token's role may not do this, or not for this hub or engineer",
                    "ErrorBody",
                )
            });
            responses.entry("429".into()).or_insert_with(|| {
                let RefOr::T(mut response) = error_response(
                    "The token's rate limit is spent; retry after `Retry-After` seconds",
                    "ErrorBody",
                ) else {
                    unreachable!("built inline")
                };
                response.headers.insert(
                    "Retry-After".into(),
                    RefOr::T(
                        HeaderBuilder::new()
                            .schema(Some(utoipa::openapi::schema::Object::with_type(
                                Type::Integer,
                            )))
                            .description(Some("Seconds to wait"))
                            .build(),
                    ),
                );
                RefOr::T(response)
            });
        }
        // Any request may be refused for its head, or meet a server fault.
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut operation.responses.responses;
                responses.entry("431".into()).or_insert_with(|| {
                    error_response("The request's head is over 16 KiB", "ErrorBody")
                });
                responses.entry("500".into()).or_insert_with(|| {
                    error_response(
                        "A fault on the server's side, logged with the same id",
                        "FaultBody",
                    )
                });
            }
        }
    }
}

// The roster handlers are documented here rather than beside them (their
// module is being reworked on another branch); the route table still
// checks that each exists and names its roles.

/// The hub's stored rosters (of one day when given), newest first — the
/// first is the one in force.
#[utoipa::path(
    get,
    path = "/api/v1/hubs/{hub}/rosters",
    tag = "rosters",
    params(
        ("hub" = String, Path, description = "north, northeast, east, south, southwest, northwest or central"),
        ("date" = Option<String>, Query, description = "YYYY-MM-DD"),
    ),
    responses(
        (status = 200, description = "`{hub, date, count, rosters}`", body = Object),
        (status = 400, description = "A bad date (named)", body = ErrorBody),
        (status = 404, description = "No such hub (`field`: `hub`)", body = ErrorBody),
    ),
)]
#[allow(dead_code)]
fn hub_rosters() {}

/// Plans the hub's day (within a year of today) at `at` — its open
/// tickets and those of the revision in force, continued from where each
/// engineer is — and stores the roster as the day's new revision.
#[utoipa::path(
    post,
    path = "/api/v1/hubs/{hub}/rosters",
    tag = "rosters",
    params(
        ("hub" = String, Path, description = "north, northeast, east, south, southwest, northwest or central"),
        ("date" = String, Query, description = "YYYY-MM-DD, within a year of today"),
        ("at" = Option<String>, Query, description = "The plan's \"now\" (RFC 3339); the request's time by default"),
    ),
    responses(
        (status = 201, description = "The roster: routes, unassigned tickets with reasons, summary", body = Object),
        (status = 400, description = "A bad or missing date (named)", body = ErrorBody),
        (status = 404, description = "No such hub (`field`: `hub`)", body = ErrorBody),
        (status = 409, description = "A part the plan takes is no longer in stock, the day was planned meanwhile by another request, or a ticket is on another hub-day's route", body = ErrorBody),
        (status = 422, description = "The planner cannot serve this input", body = ErrorBody),
    ),
)]
#[allow(dead_code)]
fn create_roster() {}

/// Inserts a severity-1 fault into a published day and stores the
/// revision (see the README).
#[utoipa::path(
    post,
    path = "/api/v1/hubs/{hub}/rosters/{id}/insert",
    tag = "rosters",
    params(
        ("hub" = String, Path, description = "The roster's hub"),
        ("id" = String, Path, description = "The newest roster of the hub's day"),
    ),
    request_body = InsertRequest,
    responses(
        (status = 201, description = "`{roster_id, replaces, ticket, placement, unassigned, changes, routes}`", body = Object),
        (status = 400, description = "A field is wrong (named, `ticket.…` for the fault)", body = ErrorBody),
        (status = 404, description = "No such hub or roster", body = ErrorBody),
        (status = 409, description = "The roster is superseded (names the one to use)", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
        (status = 422, description = "The insertion cannot go on", body = ErrorBody),
    ),
)]
#[allow(dead_code)]
fn insert_into_roster() {}

/// A stored roster.
#[utoipa::path(
    get,
    path = "/api/v1/rosters/{id}",
    tag = "rosters",
    params(("id" = String, Path, description = "The roster's id")),
    responses(
        (status = 200, description = "The roster: routes, unassigned tickets with reasons, summary", body = Object),
        (status = 404, description = "No such roster", body = ErrorBody),
    ),
)]
#[allow(dead_code)]
fn get_roster() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_documented_with_its_roles_and_every_operation_is_an_endpoint() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = document["paths"].as_object().unwrap();
        let endpoints = super::super::endpoints();
        for endpoint in &endpoints {
            let path = format!("/api/v1{}", endpoint.path);
            let method = endpoint.method.as_str().to_lowercase();
            let operation = &paths[&path][&method];
            assert!(operation.is_object(), "{method} {path} is not documented");
            let roles: Vec<&str> = RoleKind::of_set(endpoint.roles)
                .into_iter()
                .map(RoleKind::code)
                .collect();
            assert_eq!(operation["x-roles"], serde_json::json!(roles), "{path}");
            assert_eq!(operation["security"], serde_json::json!([{"bearer": []}]));
            for status in ["401", "403", "429", "431", "500"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} lacks {status}"
                );
            }
        }
        let operations: usize = paths
            .iter()
            .filter(|(path, _)| path.starts_with("/api/v1/"))
            .map(|(_, item)| item.as_object().unwrap().len())
            .sum();
        assert_eq!(operations, endpoints.len(), "an operation without a route");
        assert!(paths["/health"]["get"]["security"].is_null());
    }
}
