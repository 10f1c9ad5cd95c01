//! Who may do what: every endpoint under `/api/v1` answers 401 without a
//! token, 403 to a role it does not admit, and lets each role it admits
//! through; scoped roles stay in their hub or their own name; `/health`
//! stays open; the token's hash shows nowhere.
//!
//! The table below is the contract, written out by hand rather than read
//! from the server's route table, so that a handler whose roles change
//! fails here.

use reqwest::Method;
use ruyi::api::hash_token;
use ruyi::domain::{EngineerId, Region, Role, RoleKind};
use ruyi::settings::{Limits, RateLimit};
use serde_json::{Value, json};

use crate::fixtures::{HANGZHOU, TestBackend, TestDatabase, monday_morning, roster, ticket};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app, spawn_app_with};

crate::on_both_databases!(spawn_app;
    every_endpoint_is_401_without_a_token_403_for_a_role_it_does_not_admit_and_open_to_those_it_does,
    a_coordinator_acts_on_their_own_hub_only,
    an_engineer_reads_and_reports_as_themself_only,
    an_unknown_expired_or_revoked_token_is_401_and_health_stays_open,
    the_token_hash_appears_in_no_response,
);

crate::on_both_databases!(spawn_rate_limited_app;
    a_token_over_its_rate_limit_is_429_with_retry_after_and_others_go_on,
);

/// One token per role: the coordinator of east, engineer E001.
async fn tokens(app: &TestApp) -> Vec<(RoleKind, String)> {
    let mut tokens = Vec::new();
    for kind in RoleKind::ALL {
        let role = match kind {
            RoleKind::Coordinator => Role::Coordinator(Region::East),
            RoleKind::Engineer => Role::Engineer(EngineerId::parse("E001").unwrap()),
            RoleKind::Admin => Role::Admin,
            RoleKind::Planner => Role::Planner,
            RoleKind::CallCenter => Role::CallCenter,
            RoleKind::Integration => Role::Integration,
        };
        tokens.push((kind, app.token(role).await));
    }
    tokens
}

/// An east ticket `E1` and a stored east roster of it; the roster's id.
async fn seed(app: &TestApp) -> i64 {
    let east = ticket("E1", Region::East);
    app.store
        .insert_tickets(std::slice::from_ref(&east))
        .await
        .unwrap();
    app.store
        .save_roster(&roster(&[&east], &[], monday_morning()))
        .await
        .unwrap()
}

fn east_ticket() -> Value {
    json!({
        "customer": "Hangzhou Metro",
        "city_adcode": HANGZHOU,
        "severity": 3,
        "skill": "network",
        "service_minutes": 60,
    })
}

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    admits: &'static [RoleKind],
}

fn case(method: Method, path: impl Into<String>, admits: &'static [RoleKind]) -> Case {
    Case {
        method,
        path: path.into(),
        body: None,
        admits,
    }
}

use RoleKind::{Admin, CallCenter, Coordinator, Engineer, Integration, Planner};

/// Every endpoint, with a request each admitted role may make. Requests
/// that would start expensive work (planning, simulating, solving) carry
/// input refused after the token is checked, so an admitted role gets a
/// 400 rather than a solve.
fn cases(roster_id: i64) -> Vec<Case> {
    const INTAKE: &[RoleKind] = &[Admin, CallCenter, Coordinator];
    const TICKET_READERS: &[RoleKind] = &[Admin, Planner, Coordinator, CallCenter];
    const PLANNERS: &[RoleKind] = &[Admin, Planner, Coordinator];
    const ROUTE_READERS: &[RoleKind] = &[Admin, Planner, Coordinator, Engineer];
    vec![
        Case {
            body: Some(east_ticket()),
            ..case(Method::POST, "/api/v1/tickets", INTAKE)
        },
        case(Method::GET, "/api/v1/tickets", TICKET_READERS),
        case(Method::GET, "/api/v1/tickets/E1", TICKET_READERS),
        case(Method::GET, "/api/v1/tickets/E1/record", TICKET_READERS),
        case(Method::GET, "/api/v1/tickets/E1/escalation", TICKET_READERS),
        case(
            Method::GET,
            "/api/v1/call-center/follow-ups",
            &[Admin, CallCenter],
        ),
        case(
            Method::GET,
            "/api/v1/reports/sla?from=2026-11-01&to=2026-11-30",
            PLANNERS,
        ),
        case(Method::GET, "/api/v1/hubs/east/rosters", PLANNERS),
        case(
            Method::POST,
            "/api/v1/hubs/east/rosters?date=not-a-date",
            PLANNERS,
        ),
        Case {
            body: Some(json!({"unknown": true})),
            ..case(
                Method::POST,
                format!("/api/v1/hubs/east/rosters/{roster_id}/insert"),
                PLANNERS,
            )
        },
        case(
            Method::GET,
            format!("/api/v1/rosters/{roster_id}"),
            PLANNERS,
        ),
        case(Method::GET, "/api/v1/engineers", PLANNERS),
        case(Method::GET, "/api/v1/engineers/E001/events", ROUTE_READERS),
        Case {
            body: Some(json!({"unknown": true})),
            ..case(
                Method::POST,
                "/api/v1/engineers/E001/events",
                &[Admin, Engineer],
            )
        },
        case(
            Method::GET,
            "/api/v1/engineers/E001/route?date=2026-11-30",
            ROUTE_READERS,
        ),
        case(
            Method::GET,
            "/api/v1/engineers/E001/route/events?date=2026-11-30",
            ROUTE_READERS,
        ),
        case(Method::GET, "/api/v1/escalations", TICKET_READERS),
        Case {
            body: Some(json!({"kind": "replay", "days": 0})),
            ..case(Method::POST, "/api/v1/simulations", PLANNERS)
        },
        Case {
            body: Some(json!({"vehicles": "none"})),
            ..case(Method::POST, "/api/v1/vroom", &[Admin, Integration])
        },
        case(
            Method::GET,
            "/api/v1/hubs/east/board?date=2026-11-30",
            PLANNERS,
        ),
        case(
            Method::GET,
            "/api/v1/hubs/east/board/events?date=2026-11-30",
            PLANNERS,
        ),
        Case {
            body: Some(json!({"unknown": true})),
            ..case(
                Method::POST,
                format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
                PLANNERS,
            )
        },
        case(
            Method::DELETE,
            format!("/api/v1/hubs/east/rosters/{roster_id}/pins/E1"),
            PLANNERS,
        ),
        Case {
            body: Some(json!({"unknown": true})),
            ..case(
                Method::POST,
                format!("/api/v1/hubs/east/rosters/{roster_id}/moves"),
                PLANNERS,
            )
        },
        case(
            Method::GET,
            "/api/v1/network/map",
            &[Admin, Planner, Coordinator, Engineer, CallCenter],
        ),
        case(Method::GET, "/api/v1/coverage?add=nowhere", PLANNERS),
        case(
            Method::GET,
            "/api/v1/coverage/map.svg?add=nowhere",
            PLANNERS,
        ),
        case(
            Method::GET,
            "/api/v1/coverage/map.png?add=nowhere",
            PLANNERS,
        ),
        case(Method::GET, "/api/v1/session", RoleKind::ALL.as_slice()),
    ]
}

async fn every_endpoint_is_401_without_a_token_403_for_a_role_it_does_not_admit_and_open_to_those_it_does(
    app: TestApp,
) {
    let roster_id = seed(&app).await;
    let tokens = tokens(&app).await;
    let cases = cases(roster_id);
    // Every endpoint the server documents is in the table.
    let document: Value = json_of(app.get("/api/v1/openapi.json").await).await;
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/api/v1/"))
        .map(|(_, item)| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        cases.len(),
        "an endpoint missing from the table"
    );
    let tickets_before = app.ticket_count().await;
    let mut admitted_intakes = 0;
    for case in &cases {
        let what = format!("{} {}", case.method, case.path);
        let response = app
            .request_as(None, case.method.clone(), &case.path, case.body.as_ref())
            .await;
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"ruyi\""),
            "{what}"
        );
        let body = expect_error(response, 401, Some("authorization")).await;
        assert!(
            body["error"].as_str().unwrap().contains("token"),
            "{what}: {body}"
        );
        for (kind, token) in &tokens {
            let response = app
                .request_as(
                    Some(token),
                    case.method.clone(),
                    &case.path,
                    case.body.as_ref(),
                )
                .await;
            let status = response.status().as_u16();
            if case.admits.contains(kind) {
                assert!(
                    status < 500 && status != 401 && status != 403,
                    "{what} as {kind}: {status} {}",
                    response.text().await.unwrap_or_default()
                );
                if case.method == Method::POST && case.path == "/api/v1/tickets" {
                    assert_eq!(status, 201, "{what} as {kind}");
                    admitted_intakes += 1;
                }
            } else {
                let body = expect_error(response, 403, None).await;
                assert!(
                    body["error"].as_str().unwrap().contains(kind.code()),
                    "{what} as {kind}: {body}"
                );
            }
        }
    }
    // Only the admitted intakes wrote anything.
    assert_eq!(app.ticket_count().await, tickets_before + admitted_intakes);
}

async fn a_coordinator_acts_on_their_own_hub_only(app: TestApp) {
    let roster_id = seed(&app).await;
    app.store
        .insert_tickets(&[ticket("N1", Region::North)])
        .await
        .unwrap();
    let north = app.token(Role::Coordinator(Region::North)).await;
    let east = app.token(Role::Coordinator(Region::East)).await;
    let as_north = |method: Method, path: &str, body: Option<Value>| {
        let north = north.clone();
        let path = path.to_string();
        let app = &app;
        async move {
            app.request_as(Some(&north), method, &path, body.as_ref())
                .await
        }
    };
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/rosters/{roster_id}"), None),
        (Method::GET, "/api/v1/hubs/east/rosters".to_string(), None),
        (
            Method::POST,
            "/api/v1/hubs/east/rosters?date=2026-11-30".to_string(),
            None,
        ),
        (Method::GET, "/api/v1/tickets/E1".to_string(), None),
        (Method::GET, "/api/v1/tickets?hub=east".to_string(), None),
        (
            Method::GET,
            "/api/v1/engineers/E001/route?date=2026-11-30".to_string(),
            None,
        ),
        (Method::GET, "/api/v1/engineers?hub=east".to_string(), None),
        (
            Method::POST,
            "/api/v1/tickets".to_string(),
            Some(east_ticket()),
        ),
        (Method::GET, "/api/v1/hubs/east/board".to_string(), None),
        (
            Method::GET,
            "/api/v1/hubs/east/board/events".to_string(),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
            Some(json!({"ticket_id": "E1"})),
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/moves"),
            Some(json!({"ticket_id": "E1", "engineer_id": "E001"})),
        ),
    ] {
        let response = as_north(method.clone(), &path, body).await;
        let body = expect_error(response, 403, Some("hub")).await;
        assert!(
            body["error"].as_str().unwrap().contains("north"),
            "{method} {path}: {body}"
        );
    }
    // Their own hub's answers, and listings narrowed to it by default.
    let response = as_north(Method::GET, "/api/v1/tickets", None).await;
    let list = json_of(response).await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["tickets"][0]["id"], "N1");
    let response = app
        .request_as(
            Some(&east),
            Method::GET,
            &format!("/api/v1/rosters/{roster_id}"),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app
        .request_as(Some(&east), Method::GET, "/api/v1/engineers", None)
        .await;
    let engineers = json_of(response).await;
    assert_eq!(engineers["count"], 2, "east has E001 and E002: {engineers}");
}

async fn an_engineer_reads_and_reports_as_themself_only(app: TestApp) {
    seed(&app).await;
    let own = app
        .token(Role::Engineer(EngineerId::parse("E001").unwrap()))
        .await;
    let other = app
        .token(Role::Engineer(EngineerId::parse("E002").unwrap()))
        .await;
    let path = "/api/v1/engineers/E001/route?date=2026-11-30";
    let response = app.request_as(Some(&own), Method::GET, path, None).await;
    assert_eq!(response.status().as_u16(), 200);
    let route = json_of(response).await;
    assert_eq!(route["engineer_id"], "E001");
    let response = app.request_as(Some(&other), Method::GET, path, None).await;
    let body = expect_error(response, 403, Some("id")).await;
    assert!(body["error"].as_str().unwrap().contains("E002"), "{body}");
    let event = json!({
        "event_id": "phone-1",
        "kind": "position",
        "at": "2026-11-30T08:00:00+08:00",
        "position": {"lat": 29.87, "lon": 121.54},
    });
    let response = app
        .request_as(
            Some(&other),
            Method::POST,
            "/api/v1/engineers/E001/events",
            Some(&event),
        )
        .await;
    expect_error(response, 403, Some("id")).await;
    let response = app
        .request_as(
            Some(&other),
            Method::GET,
            "/api/v1/engineers/E001/events?date=2026-11-30",
            None,
        )
        .await;
    expect_error(response, 403, Some("id")).await;
    assert!(
        app.store
            .engineer_events(
                &EngineerId::parse("E001").unwrap(),
                monday_morning() - chrono::Duration::days(1),
                monday_morning() + chrono::Duration::days(1),
            )
            .await
            .unwrap()
            .is_empty(),
        "a refused event is not stored"
    );
}

async fn an_unknown_expired_or_revoked_token_is_401_and_health_stays_open(app: TestApp) {
    let path = "/api/v1/tickets";
    let unknown = format!("ruyi_{}", "0".repeat(64));
    for token in [unknown.as_str(), "", "not-a-bearer"] {
        let response = app.request_as(Some(token), Method::GET, path, None).await;
        expect_error(response, 401, Some("authorization")).await;
    }
    // `Basic` is not a bearer token.
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    expect_error(response, 401, Some("authorization")).await;

    let now = app.clock.now();
    let (_, expired) = ruyi::api::issue_token(
        &app.store,
        Role::Planner,
        None,
        now - chrono::Duration::days(2),
        Some(now - chrono::Duration::days(1)),
    )
    .await
    .unwrap();
    let response = app
        .request_as(Some(expired.expose()), Method::GET, path, None)
        .await;
    let body = expect_error(response, 401, Some("authorization")).await;
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );

    let (id, revoked) = ruyi::api::issue_token(&app.store, Role::Planner, None, now, None)
        .await
        .unwrap();
    let response = app
        .request_as(Some(revoked.expose()), Method::GET, path, None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    app.store.revoke_token(id, now).await.unwrap().unwrap();
    // The server trusts a token it read for TOKEN_CACHE_TTL: the
    // revocation (made from the CLI, another process) holds by then.
    let deadline = std::time::Instant::now() + ruyi::api::TOKEN_CACHE_TTL;
    let response = loop {
        let response = app
            .request_as(Some(revoked.expose()), Method::GET, path, None)
            .await;
        if response.status().as_u16() == 401 {
            break response;
        }
        assert!(
            std::time::Instant::now() < deadline + std::time::Duration::from_secs(1),
            "a revoked token still works after {:?}",
            ruyi::api::TOKEN_CACHE_TTL
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let body = expect_error(response, 401, Some("authorization")).await;
    assert!(
        body["error"].as_str().unwrap().contains("revoked"),
        "{body}"
    );

    let response = app.request_as(None, Method::GET, "/health", None).await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app
        .request_as(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

async fn the_token_hash_appears_in_no_response(app: TestApp) {
    seed(&app).await;
    let hash = hash_token(&app.admin_token);
    let mut seen = Vec::new();
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/E1",
        "/api/v1/engineers",
        "/api/v1/hubs/east/rosters",
        "/api/v1/openapi.json",
        "/api/v1/nowhere",
    ] {
        let response = app
            .request_as(Some(&app.admin_token), Method::GET, path, None)
            .await;
        let headers = format!("{:?}", response.headers());
        let body = response.text().await.unwrap();
        seen.push(format!("{headers}{body}"));
    }
    let response = app
        .request_as(Some(&app.admin_token), Method::PUT, "/api/v1/tickets", None)
        .await;
    seen.push(response.text().await.unwrap());
    for text in &seen {
        assert!(!text.contains(&hash), "the hash leaked: {text}");
        assert!(!text.contains(&app.admin_token), "the token leaked: {text}");
    }
}

async fn spawn_rate_limited_app(backend: TestBackend) -> Option<(TestApp, TestDatabase)> {
    spawn_app_with(
        backend,
        Limits {
            rate: Some(RateLimit {
                per_second: std::num::NonZeroU32::new(1).unwrap(),
                burst: std::num::NonZeroU32::new(3).unwrap(),
            }),
            ..Limits::default()
        },
    )
    .await
}

async fn a_token_over_its_rate_limit_is_429_with_retry_after_and_others_go_on(app: TestApp) {
    let planner = app.token(Role::Planner).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let response = app
            .request_as(Some(&planner), Method::GET, "/api/v1/tickets", None)
            .await;
        statuses.push(response.status().as_u16());
        if response.status().as_u16() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("retry"), "{body}");
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert!(
        retry_after.is_some_and(|s| (1..=2).contains(&s)),
        "{retry_after:?}"
    );
    // The limit is per token: another goes on.
    let response = app
        .request_as(Some(&app.admin_token), Method::GET, "/api/v1/tickets", None)
        .await;
    assert_eq!(response.status().as_u16(), 200);
}
