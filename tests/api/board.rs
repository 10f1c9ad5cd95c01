//! The hub board's endpoints: the day in one document with an ETag, the
//! stream of its revisions, pins that hold through a re-plan, visits moved
//! by hand (or refused with the rule and the field), and the planners'
//! coverage with its what-if and maps; the sign-in's session.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use ruyi::domain::{Region, Role};
use serde_json::{Value, json};

use crate::fixtures::{TestBackend, monday_morning};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app};

crate::on_both_databases!(spawn_app;
    the_board_shows_the_day_and_answers_304_until_it_changes,
    the_board_stream_announces_each_new_revision_of_the_day,
    a_pinned_visit_stays_with_its_engineer_through_a_re_plan,
    a_pin_the_re_plan_cannot_keep_says_why_on_the_board,
    a_visit_moved_by_hand_is_re_timed_stored_and_pinned,
    a_move_that_breaks_a_rule_is_refused_naming_it_and_writes_nothing,
    board_endpoints_refuse_bad_input_naming_the_field,
);

/// The insertion tests' day (three server faults around Ningbo that E001
/// serves, planned at 08:00) with the server's clock at 08:00, before any
/// visit begins; the roster's id.
async fn planned_day(app: &TestApp) -> i64 {
    app.clock.set(monday_morning());
    crate::insertions::seed_day(app).await
}

/// The board of the test day, sent with `If-None-Match: etag`.
async fn board_since(app: &TestApp, etag: &str) -> reqwest::Response {
    app.client
        .get(format!(
            "{}/api/v1/hubs/east/board?date=2026-11-30",
            app.address
        ))
        .bearer_auth(&app.admin_token)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap()
}

async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.request_as(Some(&app.admin_token), method, path, body.as_ref())
        .await
}

fn e001_stops(roster: &Value) -> Vec<String> {
    roster["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|route| route["engineer_id"] == "E001")
        .flat_map(|route| route["visits"].as_array().unwrap())
        .map(|visit| visit["ticket_id"].as_str().unwrap().to_string())
        .collect()
}

async fn the_board_shows_the_day_and_answers_304_until_it_changes(app: TestApp) {
    let empty = json_of(app.get("/api/v1/hubs/east/board?date=2026-11-30").await).await;
    assert_eq!(empty["roster"], Value::Null, "{empty}");
    let roster_id = planned_day(&app).await;
    let response = app.get("/api/v1/hubs/east/board?date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let board = json_of(response).await;
    assert_eq!(board["roster"]["id"], roster_id);
    assert_eq!(board["hub"], "east");
    let tickets: Vec<&str> = board["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(tickets.len(), 3, "{board}");
    assert!(tickets.contains(&"N2"));
    let engineers: Vec<&str> = board["engineers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(engineers, ["E001", "E002"]);
    assert!(
        board["roster"]["routes"][0]["visits"][0]["arrival"]
            .as_str()
            .unwrap()
            .ends_with("+08:00"),
        "times in China Standard Time: {board}"
    );
    let again = board_since(&app, &etag).await;
    assert_eq!(again.status().as_u16(), 304);
    // A pin changes the board.
    let pinned = send(
        &app,
        Method::POST,
        &format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
        Some(json!({"ticket_id": "N2"})),
    )
    .await;
    assert_eq!(pinned.status().as_u16(), 201);
    let changed = board_since(&app, &etag).await;
    assert_eq!(changed.status().as_u16(), 200);
    let board = json_of(changed).await;
    assert_eq!(board["pins"][0]["ticket_id"], "N2", "{board}");
    assert_eq!(board["pins"][0]["engineer_id"], "E001", "{board}");
}

/// The `data` of each `board` event in a stream's text.
fn board_events(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|block| block.lines().any(|line| line == "event: board"))
        .filter_map(|block| block.lines().find_map(|line| line.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).expect("JSON data"))
        .collect()
}

async fn the_board_stream_announces_each_new_revision_of_the_day(app: TestApp) {
    let first = planned_day(&app).await;
    let response = app
        .client
        .get(format!(
            "{}/api/v1/hubs/east/board/events?date=2026-11-30",
            app.address
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let mut read_until = async |count: usize, text: &mut String| {
        while board_events(text).len() < count {
            let chunk = tokio::time::timeout(Duration::from_secs(30), stream.next())
                .await
                .unwrap_or_else(|_| panic!("no board event {count}: {text}"))
                .expect("an open stream")
                .unwrap();
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    read_until(1, &mut text).await;
    assert_eq!(board_events(&text)[0]["roster_id"], first, "{text}");
    let second = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    read_until(2, &mut text).await;
    assert_eq!(board_events(&text)[1]["roster_id"], second["id"], "{text}");
    assert_ne!(second["id"], first);
}

/// Pins N3 to E001 on the roster.
async fn pin_n3_to_e001(app: &TestApp, roster_id: i64) {
    let pinned = send(
        app,
        Method::POST,
        &format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
        Some(json!({"ticket_id": "N3", "engineer_id": "E001"})),
    )
    .await;
    assert_eq!(pinned.status().as_u16(), 201);
}

async fn a_pinned_visit_stays_with_its_engineer_through_a_re_plan(app: TestApp) {
    let roster_id = planned_day(&app).await;
    pin_n3_to_e001(&app, roster_id).await;
    let replanned = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    assert!(
        e001_stops(&replanned).contains(&"N3".to_string()),
        "{replanned}"
    );
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    assert!(route["stops"].to_string().contains("N3"), "{route}");
    // Unpinned, the pin is gone; a second unpin finds none.
    let path = format!(
        "/api/v1/hubs/east/rosters/{}/pins/N3",
        replanned["id"].as_i64().unwrap()
    );
    assert_eq!(
        send(&app, Method::DELETE, &path, None)
            .await
            .status()
            .as_u16(),
        204
    );
    expect_error(
        send(&app, Method::DELETE, &path, None).await,
        404,
        Some("ticket"),
    )
    .await;
}

/// E001 ends their shift at 08:05 with N3 pinned to them: the re-plan
/// cannot put N3 back, and the board names the pin and the rule.
async fn a_pin_the_re_plan_cannot_keep_says_why_on_the_board(app: TestApp) {
    let roster_id = planned_day(&app).await;
    pin_n3_to_e001(&app, roster_id).await;
    app.clock
        .set(monday_morning() + chrono::Duration::minutes(10));
    let ended = app
        .post_event(
            "E001",
            &json!({"event_id": "e1", "kind": "shift_ended", "at": "2026-11-30T08:05:00+08:00"}),
        )
        .await;
    assert_eq!(
        ended.status().as_u16(),
        201,
        "{}",
        ended.text().await.unwrap()
    );
    let replanned = json_of(
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T08:10:00%2B08:00")
            .await,
    )
    .await;
    assert!(
        !e001_stops(&replanned).contains(&"N3".to_string()),
        "{replanned}"
    );
    let board = json_of(app.get("/api/v1/hubs/east/board?date=2026-11-30").await).await;
    let reason = board["pins"][0]["not_kept"].as_str().unwrap_or_default();
    assert!(
        reason.contains("E001"),
        "the rule, naming the engineer: {board}"
    );
}

async fn a_visit_moved_by_hand_is_re_timed_stored_and_pinned(app: TestApp) {
    let roster_id = planned_day(&app).await;
    let before = json_of(app.get_roster(&roster_id.to_string()).await).await;
    let order = e001_stops(&before);
    let last = order.last().unwrap().clone();
    let moved = send(
        &app,
        Method::POST,
        &format!("/api/v1/hubs/east/rosters/{roster_id}/moves"),
        Some(json!({"ticket_id": last, "engineer_id": "E001", "position": 1})),
    )
    .await;
    assert_eq!(moved.status().as_u16(), 201);
    let moved = json_of(moved).await;
    assert_eq!(moved["replaces"], roster_id);
    assert_eq!(moved["to_engineer"], "E001");
    let revision = json_of(app.get_roster(&moved["roster_id"].to_string()).await).await;
    assert_eq!(e001_stops(&revision)[0], last, "{revision}");
    assert_eq!(revision["replaces"], roster_id);
    // The phone gets the new order, and the move is pinned.
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    assert_eq!(route["stops"][0]["ticket_id"], last.as_str(), "{route}");
    let board = json_of(app.get("/api/v1/hubs/east/board?date=2026-11-30").await).await;
    assert_eq!(board["pins"][0]["ticket_id"], last.as_str(), "{board}");
}

async fn a_move_that_breaks_a_rule_is_refused_naming_it_and_writes_nothing(app: TestApp) {
    let roster_id = planned_day(&app).await;
    let path = format!("/api/v1/hubs/east/rosters/{roster_id}/moves");
    // E002 repairs printers only.
    let body = expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": "N1", "engineer_id": "E002"})),
        )
        .await,
        422,
        Some("engineer_id"),
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("server"), "{body}");
    // E003 works for another hub.
    expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": "N1", "engineer_id": "E003"})),
        )
        .await,
        422,
        Some("engineer_id"),
    )
    .await;
    expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": "N1", "engineer_id": "E001", "position": 9})),
        )
        .await,
        422,
        Some("position"),
    )
    .await;
    expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": "X9", "engineer_id": "E001"})),
        )
        .await,
        422,
        Some("ticket_id"),
    )
    .await;
    let head = app
        .store
        .current_roster(Region::East, crate::fixtures::monday())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.id, Some(roster_id), "a refused move wrote nothing");
    // At noon the first visit has begun: it stays where it is.
    app.clock.set(monday_morning() + chrono::Duration::hours(4));
    let first = e001_stops(&json_of(app.get_roster(&roster_id.to_string()).await).await)[0].clone();
    let body = expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": first, "engineer_id": "E001", "position": 2})),
        )
        .await,
        422,
        Some("ticket_id"),
    )
    .await;
    assert!(body["error"].as_str().unwrap().contains("began"), "{body}");
    // A move on a superseded revision is refused.
    let newer = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    let body = expect_error(
        send(
            &app,
            Method::POST,
            &path,
            Some(json!({"ticket_id": "N1", "engineer_id": "E001"})),
        )
        .await,
        409,
        None,
    )
    .await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains(&newer["id"].to_string()),
        "{body}"
    );
}

async fn board_endpoints_refuse_bad_input_naming_the_field(app: TestApp) {
    let roster_id = planned_day(&app).await;
    for (method, path, body, status, field) in [
        (
            Method::GET,
            "/api/v1/hubs/east/board?date=30-11-2026".to_string(),
            None,
            400,
            "date",
        ),
        (
            Method::GET,
            "/api/v1/hubs/atlantis/board".to_string(),
            None,
            404,
            "hub",
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
            Some(json!({"ticket_id": "N1", "engineer_id": "E002"})),
            400,
            "engineer_id",
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/pins"),
            Some(json!({"ticket_id": ""})),
            400,
            "ticket_id",
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/moves"),
            Some(json!({"ticket_id": "N1", "engineer_id": "E001", "colour": "red"})),
            400,
            "colour",
        ),
        (
            Method::POST,
            format!("/api/v1/hubs/east/rosters/{roster_id}/moves"),
            Some(json!({"ticket_id": "N1", "engineer_id": "E001", "position": -1})),
            400,
            "position",
        ),
    ] {
        let response = send(&app, method.clone(), &path, body).await;
        expect_error(response, status, Some(field)).await;
    }
    // A roster of another hub is not found under this one.
    expect_error(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/hubs/north/rosters/{roster_id}/moves"),
            Some(json!({"ticket_id": "N1", "engineer_id": "E001"})),
        )
        .await,
        404,
        None,
    )
    .await;
}

/// Coverage runs on the shipped network, whatever the database: SQLite
/// only.
#[tokio::test]
async fn the_coverage_what_if_changes_the_share_and_the_map_comes_as_svg_and_png() {
    let (app, _database) = spawn_app(TestBackend::Sqlite).await.unwrap();
    let before = json_of(app.get("/api/v1/coverage").await).await;
    let share = before["report"]["national"]["urgent_share"]
        .as_f64()
        .unwrap();
    assert!(
        before["skills"]["gaps"]
            .as_array()
            .is_some_and(|g| !g.is_empty())
    );
    // Kashgar: millions of people, no station within 2 h.
    let after = json_of(app.get("/api/v1/coverage?add=653100").await).await;
    let opened = after["after"]["national"]["urgent_share"].as_f64().unwrap();
    assert!(opened > share, "{share} → {opened}");
    let svg = app.get("/api/v1/coverage/map.svg?add=653100&lang=en").await;
    assert_eq!(svg.status().as_u16(), 200);
    assert!(
        svg.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let svg = svg.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{}",
        &svg[..80]
    );
    assert!(
        svg.contains("Kashgar") || svg.contains("Kashi"),
        "the proposed station is named"
    );
    let png = app.get("/api/v1/coverage/map.png").await;
    assert_eq!(png.status().as_u16(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    for query in ["add=99", "add=abc", "lang=fr"] {
        let field = query.split('=').next().unwrap();
        expect_error(
            app.get(&format!("/api/v1/coverage/map.svg?{query}")).await,
            400,
            Some(field),
        )
        .await;
    }
}

#[tokio::test]
async fn the_session_names_the_token_s_role_and_scope() {
    let (app, _database) = spawn_app(TestBackend::Sqlite).await.unwrap();
    let coordinator = app.token(Role::Coordinator(Region::East)).await;
    let session = app
        .request_as(Some(&coordinator), Method::GET, "/api/v1/session", None)
        .await;
    assert_eq!(
        json_of(session).await,
        json!({"role": "coordinator", "hub": "east", "engineer": null})
    );
}
