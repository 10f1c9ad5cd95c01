//! The HTTP API (actix-web, JSON). [`Application::build`] binds the
//! listener first so tests can ask for port 0 and read the real port.
//!
//! Handlers parse raw input into checked domain types at the boundary and
//! report every failure through [`ApiError`]: client faults as 4xx naming
//! the field, server faults as 500 with an id that the log repeats with the
//! cause. The [`Settings`] loaded at start-up reach the handlers as
//! `web::Data<Settings>`; no handler reads the environment. Depends on
//! `domain`, `storage`, `dispatch`, `coverage`, `vroom`, `travel`,
//! `service` and `settings`.

mod auth;
mod board;
mod engineers;
mod error;
mod escalations;
mod events;
mod guard;
mod health;
mod listings;
mod maps;
mod openapi;
mod reports;
mod rosters;
mod simulations;
mod ticket_view;
mod tickets;
mod vroom;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::middleware::{Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{
    ADMIN, CALL_CENTER, COORDINATOR, Caller, ENGINEER, Gate, INTEGRATION, IssueError, PLANNER,
    TOKEN_CACHE_TTL, TOKEN_PREFIX, TokenSecret, hash_token, issue_token,
};
pub use error::{ApiError, Conflict, Refusal, Resource, ServerFault};
pub use events::{EventError, EventRequest, local_times, parse_event_json};
pub use openapi::ApiDoc;
pub use tickets::{PointDto, SlaRequest, TicketList, TicketRequest, TicketResponse};

use crate::clock::Clock;
use crate::dispatch::PlanOptions;
use crate::service::live::{LiveDispatch, LivePlanning};
use crate::settings::Settings;
use crate::storage::{StorageError, Store};

/// What the live endpoints (events, ticket clocks, today's state) need
/// besides the store: where "now" comes from, and how far ahead of it an
/// engineer's phone clock may run.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    pub clock: Clock,
    pub max_clock_skew: chrono::Duration,
}

impl LiveSettings {
    /// The system clock with the settings' skew.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            clock: Clock::system(),
            max_clock_skew: settings.max_clock_skew,
        }
    }
}

/// A live re-plan's search budget is the plan's divided by this.
pub const LIVE_BUDGET_SHARE: u32 = 8;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// One endpoint under `/api/v1`: its path, method and the roles its
/// handler admits (read off the handler's [`Caller`]).
pub struct Endpoint {
    pub path: &'static str,
    pub method: Method,
    pub roles: u8,
    route: actix_web::Route,
}

fn endpoint<F, Args>(method: Method, path: &'static str, handler: F) -> Endpoint
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + auth::Admits + 'static,
    F::Output: actix_web::Responder + 'static,
{
    Endpoint {
        path,
        roles: Args::ROLES,
        route: web::route().method(method.clone()).to(handler),
        method,
    }
}

/// Every endpoint under `/api/v1`. The roles each admits are in its
/// handler's signature; the OpenAPI document lists them from here.
pub fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        endpoint(M::POST, "/tickets", tickets::create_ticket),
        endpoint(M::GET, "/tickets", tickets::list_tickets),
        endpoint(M::GET, "/tickets/{id}", ticket_view::get_ticket),
        endpoint(M::GET, "/tickets/{id}/record", ticket_view::service_record),
        endpoint(
            M::GET,
            "/tickets/{id}/escalation",
            escalations::ticket_escalation,
        ),
        endpoint(M::GET, "/call-center/follow-ups", ticket_view::follow_ups),
        endpoint(M::GET, "/reports/sla", reports::sla),
        endpoint(M::GET, "/hubs/{hub}/rosters", listings::hub_rosters),
        endpoint(M::POST, "/hubs/{hub}/rosters", rosters::create_roster),
        endpoint(
            M::POST,
            "/hubs/{hub}/rosters/{id}/insert",
            rosters::insert_into_roster,
        ),
        endpoint(M::GET, "/rosters/{id}", rosters::get_roster),
        endpoint(M::GET, "/hubs/{hub}/board", board::hub_board),
        endpoint(M::GET, "/hubs/{hub}/board/events", board::board_events),
        endpoint(M::POST, "/hubs/{hub}/rosters/{id}/pins", board::pin_visit),
        endpoint(
            M::DELETE,
            "/hubs/{hub}/rosters/{id}/pins/{ticket}",
            board::unpin_visit,
        ),
        endpoint(
            M::POST,
            "/hubs/{hub}/rosters/{id}/moves",
            board::move_by_hand,
        ),
        endpoint(M::GET, "/network/map", maps::network_map),
        endpoint(M::GET, "/coverage", maps::coverage),
        endpoint(M::GET, "/coverage/map.svg", maps::map_as_svg),
        endpoint(M::GET, "/coverage/map.png", maps::map_as_png),
        endpoint(M::GET, "/session", auth::session),
        endpoint(M::GET, "/engineers", events::list_engineers),
        endpoint(M::GET, "/engineers/{id}/events", events::engineer_events),
        endpoint(M::POST, "/engineers/{id}/events", events::post_event),
        endpoint(M::GET, "/engineers/{id}/route", engineers::engineer_route),
        endpoint(
            M::GET,
            "/engineers/{id}/route/events",
            engineers::route_events,
        ),
        endpoint(M::GET, "/escalations", escalations::list_escalations),
        endpoint(M::POST, "/simulations", simulations::create_simulation),
        endpoint(M::POST, vroom::PATH, vroom::solve),
    ]
}

/// The handler of every method a path does not serve: 405 naming those
/// it does.
fn method_not_allowed(allowed: Vec<&'static str>) -> actix_web::Route {
    web::to(move |request: actix_web::HttpRequest| {
        let allowed = allowed.clone();
        async move {
            Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed {
                method: request.method().to_string(),
                allowed,
            })
        }
    })
}

/// Mounts the endpoints, one resource per path, so that a path answers a
/// method it does not serve with 405 rather than 404.
fn api_v1(config: &mut web::ServiceConfig) {
    let mut paths: Vec<(&'static str, Vec<Endpoint>)> = Vec::new();
    for endpoint in endpoints() {
        match paths.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, same)) => same.push(endpoint),
            None => paths.push((endpoint.path, vec![endpoint])),
        }
    }
    for (path, endpoints) in paths {
        let allowed = endpoints.iter().map(|e| method_name(&e.method)).collect();
        let mut resource = web::resource(path);
        if path == vroom::PATH {
            resource = resource
                .app_data(web::PayloadConfig::new(vroom::MAX_DOCUMENT_BYTES))
                .app_data(guard::BodyLimit(vroom::MAX_DOCUMENT_BYTES));
        }
        for endpoint in endpoints {
            resource = resource.route(endpoint.route);
        }
        config.service(resource.default_service(method_not_allowed(allowed)));
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "OPTIONS",
    }
}

/// An open path (no token): one GET.
fn open_get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(method_not_allowed(vec!["GET"]))
}

pub struct Application {
    port: u16,
    store: Store,
    server: Server,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let store = Store::connect(settings.database.url().expose()).await?;
        store.migrate().await?;
        Self::with_store(settings, store)
    }

    /// Binds the listener for an already prepared store, with the system
    /// clock.
    pub fn with_store(settings: &Settings, store: Store) -> Result<Self, StartupError> {
        Self::with_store_live(settings, store, LiveSettings::from_settings(settings))
    }

    /// [`Application::with_store`] with the given clock and clock skew.
    pub fn with_store_live(
        settings: &Settings,
        store: Store,
        live: LiveSettings,
    ) -> Result<Self, StartupError> {
        let host = settings.host.as_str();
        let listener = TcpListener::bind((host, settings.port))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(store.clone());
        let settings_data = web::Data::new(settings.clone());
        let gate = web::Data::new(Gate::new(
            store.clone(),
            live.clock.clone(),
            settings.limits.rate,
        ));
        let capacity = web::Data::new(guard::Capacity::default());
        let route_answers = web::Data::new(engineers::RouteAnswers::default());
        let dispatch = web::Data::from(match settings.live_dispatch {
            Some(cadence) => LiveDispatch::start(LivePlanning {
                store: store.clone(),
                clock: live.clock.clone(),
                // A warm re-plan starts from the published routes: an
                // eighth of a plan's budget keeps one under a second.
                options: PlanOptions {
                    time_limit: settings.time_limit / LIVE_BUDGET_SHARE,
                    ..settings.plan_options()
                },
                travel: settings.travel,
                cadence,
            }),
            None => LiveDispatch::off(),
        });
        let live = web::Data::new(live);
        let openapi = ApiDoc::openapi();
        let cors_origins = settings.limits.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(settings_data.clone())
                .app_data(live.clone())
                .app_data(gate.clone())
                .app_data(capacity.clone())
                .app_data(route_answers.clone())
                .app_data(dispatch.clone())
                .app_data(web::PayloadConfig::new(guard::BODY_LIMIT))
                .app_data(guard::BodyLimit(guard::BODY_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    ApiError::bad_request("query", error.to_string()).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|error, _| {
                    ApiError::bad_request("path", error.to_string()).into()
                }))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    guard::cors(&cors_origins),
                ))
                .wrap(ErrorHandlers::new().default_handler(guard::json_errors))
                .wrap(from_fn(guard::header_limits))
                .wrap(TracingLogger::default())
                .service(open_get("/health", health::health))
                .configure(crate::web::routes)
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url(openapi::DOCUMENT_PATH, openapi.clone()),
                )
                .service(web::scope("/api/v1").configure(api_v1))
                .default_service(web::to(|request: actix_web::HttpRequest| async move {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound {
                        resource: Resource::Path,
                        id: request.path().to_string(),
                    })
                }))
        })
        .listen(listener)?
        .run();
        tracing::info!(
            host,
            port,
            database = store.backend().name(),
            "API listening"
        );
        Ok(Self {
            port,
            store,
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The store the server uses (tests seed data through it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
