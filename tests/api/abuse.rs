//! Input a careless or hostile client sends: every refusal is a 4xx JSON
//! body naming the field (or `body`, `headers`, `method`), nothing is
//! written, and nothing panics the server.

use reqwest::Method;
use ruyi::settings::Limits;
use serde_json::{Value, json};

use crate::fixtures::{BEIJING, HANGZHOU, TestBackend, TestDatabase};
use crate::helpers::{TestApp, expect_error, spawn_app, spawn_app_with};

crate::on_both_databases!(spawn_app;
    dates_far_from_today_are_refused_naming_the_date,
    implausible_tickets_are_refused_naming_the_field_and_nothing_is_written,
    oversized_bodies_heads_and_wrong_methods_are_json_naming_the_cause,
    cors_is_off_by_default,
    simulations_are_bounded_by_role_before_they_start,
    the_openapi_document_and_an_offline_swagger_ui_are_served,
);

crate::on_both_databases!(spawn_app_with_cors;
    cors_answers_the_configured_origin_only,
);

fn ticket() -> Value {
    json!({
        "customer": "Hangzhou Metro",
        "city_adcode": HANGZHOU,
        "severity": 2,
        "skill": "server",
        "service_minutes": 60,
    })
}

async fn dates_far_from_today_are_refused_naming_the_date(app: TestApp) {
    for date in ["+262142-12-31", "-0001-01-01", "1900-01-01", "2099-12-31"] {
        let response = app.create_roster("east", &format!("date={date}")).await;
        expect_error(response, 400, Some("date")).await;
    }
    let response = app
        .get("/api/v1/engineers/E001/route?date=%2B262142-12-31")
        .await;
    expect_error(response, 400, Some("date")).await;
    let response = app
        .get("/api/v1/tickets/T1?at=%2B262142-12-31T00:00:00Z")
        .await;
    expect_error(response, 400, Some("at")).await;
    for start in ["+262142-12-31", "1900-01-01"] {
        let response = app
            .request_as(
                Some(&app.admin_token),
                Method::POST,
                "/api/v1/simulations",
                Some(&json!({"kind": "replay", "days": 1, "tickets_per_day": 10, "start": start})),
            )
            .await;
        expect_error(response, 400, Some("start")).await;
    }
    for (index, at) in ["1900-01-01T08:00:00+08:00", "2026-01-01T08:00:00+08:00"]
        .into_iter()
        .enumerate()
    {
        let event = json!({
            "event_id": format!("phone-{index}"),
            "kind": "position",
            "at": at,
            "position": {"lat": 29.87, "lon": 121.54},
        });
        let response = app.post_event("E001", &event).await;
        expect_error(response, 400, Some("at")).await;
    }
    // Nothing was planned.
    let rosters = app.get("/api/v1/hubs/east/rosters").await;
    let rosters: Value = rosters.json().await.unwrap();
    assert_eq!(rosters["count"], 0, "{rosters}");
}

async fn implausible_tickets_are_refused_naming_the_field_and_nothing_is_written(app: TestApp) {
    let now = app.clock.now();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut nul = ticket();
    nul["customer"] = json!("Hangzhou\u{0}Metro");
    cases.push((nul, "customer"));
    let mut escape = ticket();
    escape["fault"] = json!("screen \u{1b}[2J");
    cases.push((escape, "fault"));
    let mut future = ticket();
    future["reported_at"] = json!("9999-01-01T00:00:00+08:00");
    cases.push((future, "reported_at"));
    let mut tomorrow = ticket();
    tomorrow["reported_at"] = json!((now + chrono::Duration::hours(2)).to_rfc3339());
    cases.push((tomorrow, "reported_at"));
    let mut old = ticket();
    old["reported_at"] = json!("1970-01-01T00:00:00Z");
    cases.push((old, "reported_at"));
    let mut last_quarter = ticket();
    last_quarter["reported_at"] = json!((now - chrono::Duration::days(90)).to_rfc3339());
    cases.push((last_quarter, "reported_at"));
    let mut buenos_aires = ticket();
    buenos_aires["city_adcode"] = json!(BEIJING);
    buenos_aires["site"] = json!({"lat": -34.60, "lon": -58.38});
    cases.push((buenos_aires, "site"));
    let mut endless = ticket();
    endless["sla"] = json!({
        "response_minutes": 4_294_967_295u32,
        "on_site_minutes": 4_294_967_295u32,
        "repair_minutes": 4_294_967_295u32,
    });
    cases.push((endless, "sla.repair_minutes"));
    let mut unknown_part = ticket();
    unknown_part["part"] = json!("XYZ-999");
    cases.push((unknown_part, "part"));
    let mut wrong_part = ticket();
    wrong_part["skill"] = json!("network");
    wrong_part["part"] = json!("SRV-PSU");
    cases.push((wrong_part, "part"));
    for (body, field) in cases {
        let response = app.post_ticket(&body).await;
        let status = response.status().as_u16();
        assert_eq!(status, 400, "{field}");
        let error = expect_error(response, 400, Some(field)).await;
        assert!(
            !error["error"].as_str().unwrap().is_empty(),
            "{field}: {error}"
        );
    }
    assert_eq!(
        app.ticket_count().await,
        0,
        "a refused ticket writes nothing"
    );

    // The same ticket, plausible, is taken in: a site near its city, a part
    // of its skill, a report of an hour ago.
    let mut fine = ticket();
    fine["site"] = json!({"lat": 30.30, "lon": 120.10});
    fine["part"] = json!("SRV-PSU");
    fine["reported_at"] = json!((now - chrono::Duration::hours(1)).to_rfc3339());
    let response = app.post_ticket(&fine).await;
    assert_eq!(response.status().as_u16(), 201);
}

async fn oversized_bodies_heads_and_wrong_methods_are_json_naming_the_cause(app: TestApp) {
    let mut big = ticket();
    big["fault"] = json!("x".repeat(300 * 1024));
    let response = app.post_ticket(&big).await;
    let body = expect_error(response, 413, Some("body")).await;
    assert!(body["error"].as_str().unwrap().contains("cap"), "{body}");

    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets", app.address))
        .bearer_auth(&app.admin_token)
        .header("x-padding", "y".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    expect_error(response, 431, Some("headers")).await;

    let response = app
        .request_as(Some(&app.admin_token), Method::PUT, "/api/v1/tickets", None)
        .await;
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    expect_error(response, 405, Some("method")).await;
    let allow = allow.expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let response = app.request_as(None, Method::DELETE, "/health", None).await;
    expect_error(response, 405, Some("method")).await;

    let response = app.get("/api/v1/nowhere").await;
    assert_eq!(response.status().as_u16(), 404);
    let _: Value = response.json().await.expect("a JSON 404");
    assert_eq!(app.ticket_count().await, 0);
}

async fn cors_is_off_by_default(app: TestApp) {
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}/api/v1/tickets", app.address))
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        response.headers()
    );
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets", app.address))
        .bearer_auth(&app.admin_token)
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

async fn spawn_app_with_cors(backend: TestBackend) -> Option<(TestApp, TestDatabase)> {
    spawn_app_with(
        backend,
        Limits {
            rate: None,
            cors_origins: vec!["https://dispatch.example.com".to_string()],
            ..Limits::default()
        },
    )
    .await
}

async fn cors_answers_the_configured_origin_only(app: TestApp) {
    let preflight = |origin: &'static str| {
        let address = app.address.clone();
        async move {
            reqwest::Client::new()
                .request(Method::OPTIONS, format!("{address}/api/v1/tickets"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                )
                .send()
                .await
                .unwrap()
        }
    };
    let response = preflight("https://dispatch.example.com").await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://dispatch.example.com")
    );
    let response = preflight("https://evil.example.com").await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(response.status().is_client_error(), "{}", response.status());
}

async fn simulations_are_bounded_by_role_before_they_start(app: TestApp) {
    use ruyi::domain::{Region, Role};
    let coordinator = app.token(Role::Coordinator(Region::East)).await;
    let planner = app.token(Role::Planner).await;
    let simulate = |token: String, body: Value| {
        let app = &app;
        async move {
            app.request_as(
                Some(&token),
                Method::POST,
                "/api/v1/simulations",
                Some(&body),
            )
            .await
        }
    };
    // A coordinator's replay: at most 7 days and 2,000 tickets a day.
    let response = simulate(coordinator.clone(), json!({"kind": "replay", "days": 31})).await;
    expect_error(response, 400, Some("days")).await;
    let response = simulate(
        coordinator.clone(),
        json!({"kind": "replay", "days": 1, "tickets_per_day": 5000}),
    )
    .await;
    expect_error(response, 400, Some("tickets_per_day")).await;
    // A planner's: 31 days of 5,000 is over the 50,000-ticket total.
    let response = simulate(
        planner.clone(),
        json!({"kind": "replay", "days": 31, "tickets_per_day": 5000}),
    )
    .await;
    let body = expect_error(response, 400, Some("tickets_per_day")).await;
    assert!(body["error"].as_str().unwrap().contains("50000"), "{body}");
    let response = simulate(
        coordinator,
        json!({"kind": "site", "k": 1, "time_limit": 30}),
    )
    .await;
    expect_error(response, 400, Some("time_limit")).await;
}

async fn the_openapi_document_and_an_offline_swagger_ui_are_served(app: TestApp) {
    let response = app
        .request_as(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let ticket = &document["components"]["schemas"]["TicketRequest"];
    assert!(ticket["properties"]["customer"].is_object(), "{ticket}");
    let response = app
        .request_as(None, Method::GET, "/swagger-ui/", None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger"), "{page}");
    // Its scripts come from this server, not a CDN.
    assert!(!page.contains("https://"), "{page}");
    let response = app
        .request_as(None, Method::GET, "/swagger-ui/swagger-ui-bundle.js", None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
}
