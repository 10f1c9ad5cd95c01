//! `spawn_app()`: the real server on a random port over a fresh database,
//! with the small network loaded, and a typed client for it.

use reqwest::{Client, Method, Response};
use ruyi::api::{Application, LiveSettings, issue_token};
use ruyi::clock::Clock;
use ruyi::dispatch::Cadence;
use ruyi::domain::Role;
use ruyi::settings::{Database, DatabaseUrl, Limits, Settings};
use ruyi::storage::Store;
use serde_json::Value;

use crate::fixtures::{TestBackend, TestDatabase, fresh_database, load_small_network};

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub backend: TestBackend,
    /// The server's clock: set it to make "now" known.
    pub clock: Clock,
    /// An admin's token, sent by every helper below.
    pub admin_token: String,
    pub client: Client,
}

/// Starts the server without a rate limit (tests send bursts); `None`
/// when the backend is skipped (see [`fresh_database`]). The database
/// guard must outlive the test.
pub async fn spawn_app(backend: TestBackend) -> Option<(TestApp, TestDatabase)> {
    spawn_app_with(
        backend,
        Limits {
            rate: None,
            ..Limits::default()
        },
    )
    .await
}

/// Starts the server with these limits.
pub async fn spawn_app_with(
    backend: TestBackend,
    limits: Limits,
) -> Option<(TestApp, TestDatabase)> {
    spawn_configured(backend, limits, None, chrono::Utc::now()).await
}

/// Starts the server with live dispatch on a one-minute cadence, its clock
/// at Monday 12:00 China time (on a minute boundary, so a change is
/// planned at once), without a rate limit.
pub async fn spawn_live_app(backend: TestBackend) -> Option<(TestApp, TestDatabase)> {
    let one_minute = chrono::Duration::minutes(1);
    spawn_configured(
        backend,
        Limits {
            rate: None,
            ..Limits::default()
        },
        Some(Cadence {
            prompt: one_minute,
            routine: one_minute,
        }),
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 4, 0, 0).unwrap(),
    )
    .await
}

async fn spawn_configured(
    backend: TestBackend,
    limits: Limits,
    live_dispatch: Option<Cadence>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(TestApp, TestDatabase)> {
    let database = fresh_database(backend).await?;
    let clock = Clock::manual(now);
    let settings = Settings {
        database: Database::Url(DatabaseUrl::parse(&database.url).expect("a test database URL")),
        port: 0,
        limits,
        live_dispatch,
        ..Settings::default()
    };
    let store = Store::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let application = Application::with_store_live(
        &settings,
        store,
        LiveSettings {
            clock: clock.clone(),
            max_clock_skew: settings.max_clock_skew,
        },
    )
    .expect("build the application");
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store().clone();
    load_small_network(&store).await;
    tokio::spawn(application.run_until_stopped());
    let (_, admin) = issue_token(&store, Role::Admin, None, chrono::Utc::now(), None)
        .await
        .expect("issue the admin token");
    let app = TestApp {
        address,
        store,
        backend,
        clock,
        admin_token: admin.expose().to_string(),
        client: Client::new(),
    };
    Some((app, database))
}

impl TestApp {
    pub async fn health(&self) -> Response {
        self.get("/health").await
    }

    /// A new live token for `role`.
    pub async fn token(&self, role: Role) -> String {
        let (_, secret) = issue_token(&self.store, role, None, chrono::Utc::now(), None)
            .await
            .expect("issue a token");
        secret.expose().to_string()
    }

    /// A request with `token` (none: no `Authorization` header) and an
    /// optional JSON body.
    pub async fn request_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        request.send().await.expect("request")
    }

    pub async fn post_ticket(&self, body: &Value) -> Response {
        self.post_raw_ticket(body.to_string()).await
    }

    pub async fn post_raw_ticket(&self, body: String) -> Response {
        self.client
            .post(format!("{}/api/v1/tickets", self.address))
            .header("content-type", "application/json")
            .body(body)
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request")
    }

    /// `query` is the raw query string, e.g. `hub=east&status=open`.
    pub async fn list_tickets(&self, query: &str) -> Response {
        self.get(&format!("/api/v1/tickets?{query}")).await
    }

    /// Plans as the morning plan does (at 08:00 China time of the date)
    /// unless the query gives `at`: the fixtures' tickets are dated, the
    /// server's clock is not.
    pub async fn create_roster(&self, hub: &str, query: &str) -> Response {
        let mut query = query.to_string();
        let date = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("date="))
            .map(str::to_string);
        if let Some(date) = date
            && !query.split('&').any(|pair| pair.starts_with("at="))
            && chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_ok()
        {
            query.push_str(&format!("&at={date}T08:00:00%2B08:00"));
        }
        self.client
            .post(format!(
                "{}/api/v1/hubs/{hub}/rosters?{query}",
                self.address
            ))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_roster(&self, id: &str) -> Response {
        self.get(&format!("/api/v1/rosters/{id}")).await
    }

    pub async fn engineer_route(&self, engineer: &str, query: &str) -> Response {
        self.get(&format!("/api/v1/engineers/{engineer}/route?{query}"))
            .await
    }

    pub async fn ticket_count(&self) -> i64 {
        self.store
            .count_tickets(Default::default())
            .await
            .expect("count tickets")
    }

    /// `POST /api/v1/engineers/{engineer}/events`
    pub async fn post_event(&self, engineer: &str, body: &Value) -> Response {
        self.client
            .post(format!(
                "{}/api/v1/engineers/{engineer}/events",
                self.address
            ))
            .header("content-type", "application/json")
            .body(body.to_string())
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request")
    }

    /// A GET with an `Accept` header.
    pub async fn get_accepting(&self, path: &str, accept: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.address))
            .header("accept", accept)
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.address))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request")
    }
}

/// Asserts a JSON error response and returns its body.
pub async fn expect_error(response: Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert_eq!(body["field"].as_str(), field, "{body}");
    body
}

/// The JSON body of a response, whatever its status.
pub async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}
