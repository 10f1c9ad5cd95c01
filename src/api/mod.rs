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

mod engineers;
mod error;
mod escalations;
mod events;
mod health;
mod listings;
mod reports;
mod rosters;
mod simulations;
mod ticket_view;
mod tickets;
mod vroom;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

pub use error::{ApiError, Conflict, Refusal, Resource, ServerFault};
pub use events::{EventError, EventRequest, parse_event_json};
pub use tickets::{PointDto, SlaRequest, TicketList, TicketRequest, TicketResponse};

use crate::clock::Clock;
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

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
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
        let live = web::Data::new(live);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .app_data(settings_data.clone())
                .app_data(live.clone())
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    ApiError::bad_request("query", error.to_string()).into()
                }))
                .route("/health", web::get().to(health::health))
                .service(
                    web::scope("/api/v1")
                        .route("/tickets", web::post().to(tickets::create_ticket))
                        .route("/tickets", web::get().to(tickets::list_tickets))
                        .route("/tickets/{id}", web::get().to(ticket_view::get_ticket))
                        .route(
                            "/tickets/{id}/record",
                            web::get().to(ticket_view::service_record),
                        )
                        .route(
                            "/call-center/follow-ups",
                            web::get().to(ticket_view::follow_ups),
                        )
                        .route("/reports/sla", web::get().to(reports::sla))
                        .route("/hubs/{hub}/rosters", web::get().to(listings::hub_rosters))
                        .route("/engineers", web::get().to(events::list_engineers))
                        .route("/engineers/{id}/events", web::post().to(events::post_event))
                        .route(
                            "/engineers/{id}/events",
                            web::get().to(events::engineer_events),
                        )
                        .route(
                            "/tickets/{id}/escalation",
                            web::get().to(escalations::ticket_escalation),
                        )
                        .route("/escalations", web::get().to(escalations::list_escalations))
                        .route(
                            "/hubs/{hub}/rosters",
                            web::post().to(rosters::create_roster),
                        )
                        .route(
                            "/hubs/{hub}/rosters/{id}/insert",
                            web::post().to(rosters::insert_into_roster),
                        )
                        .route("/rosters/{id}", web::get().to(rosters::get_roster))
                        .route(
                            "/simulations",
                            web::post().to(simulations::create_simulation),
                        )
                        .route(
                            "/engineers/{id}/route",
                            web::get().to(engineers::engineer_route),
                        )
                        .service(vroom::resource()),
                )
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
