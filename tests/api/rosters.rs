use serde_json::Value;

use crate::fixtures::{monday_morning, roster, ticket, ticket_with};
use crate::helpers::{TestApp, expect_error, spawn_app};
use ruyi::domain::{Region, Severity, Skill};

crate::on_both_databases!(spawn_app;
    unknown_hub_returns_404,
    create_roster_returns_400_naming_date_when_it_is_missing_or_malformed,
    get_roster_returns_the_stored_roster,
    get_roster_returns_404_when_missing,
    create_roster_plans_open_tickets_stores_the_roster_and_serves_the_route,
    create_roster_tries_requests_remotely_first_and_resolves_what_the_call_center_solves,
);

async fn unknown_hub_returns_404(app: TestApp) {
    expect_error(
        app.create_roster("atlantis", "date=2026-11-30").await,
        404,
        Some("hub"),
    )
    .await;
}

async fn create_roster_returns_400_naming_date_when_it_is_missing_or_malformed(app: TestApp) {
    expect_error(app.create_roster("east", "").await, 400, Some("date")).await;
    expect_error(
        app.create_roster("east", "date=30.11.2026").await,
        400,
        Some("date"),
    )
    .await;
    expect_error(
        app.create_roster("east", "date=2026-02-30").await,
        400,
        Some("date"),
    )
    .await;
}

async fn get_roster_returns_the_stored_roster(app: TestApp) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    app.store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    let id = app
        .store
        .save_roster(&roster(&[&t1], &[&t2], monday_morning()))
        .await
        .unwrap();
    let response = app.get_roster(&id.to_string()).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], id);
    assert_eq!(body["hub"], "east");
    assert_eq!(body["date"], "2026-11-30");
    assert_eq!(body["routes"][0]["visits"][0]["ticket_id"], "T1");
    assert_eq!(body["unassigned"][0]["ticket_id"], "T2");
    assert_eq!(body["unassigned"][0]["reason"], "no_engineer_with_skill");
    assert_eq!(body["summary"]["assigned"], 1);
}

async fn get_roster_returns_404_when_missing(app: TestApp) {
    expect_error(app.get_roster("4242").await, 404, None).await;
    expect_error(app.get_roster("latest").await, 404, None).await;
}

/// The whole path: tickets in, a checked plan stored, the visited tickets
/// marked planned (the others, tomorrow's tentative visit included, stay
/// open with a reason), and the engineer's
/// route served with times inside the shift.
async fn create_roster_plans_open_tickets_stores_the_roster_and_serves_the_route(app: TestApp) {
    let tickets: Vec<_> = ["T1", "T2", "T3"]
        .iter()
        .map(|id| ticket(id, Region::East))
        .collect();
    app.store.insert_tickets(&tickets).await.unwrap();
    let response = app.create_roster("east", "date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["hub"], "east");
    assert_eq!(body["summary"]["tickets"], 3);
    // Ningbo to Hangzhou is about 190 km each way: with 90 minutes on site
    // per ticket and lunch, one visit fills E001's nine-hour day.
    assert_eq!(body["summary"]["assigned"], 1, "{body}");
    // Tomorrow E001 can take one more: planned tentatively, still open.
    let mut reasons: Vec<&str> = body["unassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["reason"].as_str().unwrap())
        .collect();
    reasons.sort_unstable();
    assert_eq!(reasons, ["no_room", "planned_tomorrow"], "{body}");
    assert_eq!(body["summary"]["tomorrow_planned"], 1, "{body}");
    assert!(
        body["summary"]["assignment"]["bound"].as_f64().unwrap()
            <= body["summary"]["assignment"]["objective"].as_f64().unwrap()
    );
    // Only E001 has the server skill in the east.
    let routes = body["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0]["engineer_id"], "E001");
    let roster_id = body["id"].as_i64().unwrap();

    let stored: Value = app
        .get_roster(&roster_id.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["routes"], body["routes"]);

    let open: Value = app
        .list_tickets("hub=east&status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["count"], 2, "{open}");
    let planned: Value = app
        .list_tickets("hub=east&status=planned")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(planned["count"], 1, "{planned}");

    let response = app.engineer_route("E001", "date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 200);
    let route: Value = response.json().await.unwrap();
    assert_eq!(route["roster_id"], roster_id);
    let stops = route["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 1);
    let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    // Office hours 08:30–17:30 local on Monday 2026-11-30.
    let shift_start = time(&Value::from("2026-11-30T08:30:00+08:00"));
    let shift_end = time(&Value::from("2026-11-30T17:30:00+08:00"));
    let mut previous = time(&route["leave_at"]);
    assert!(previous >= shift_start);
    for (index, stop) in stops.iter().enumerate() {
        assert_eq!(stop["sequence"], index as u64 + 1);
        let (arrival, start, departure) = (
            time(&stop["arrival"]),
            time(&stop["start"]),
            time(&stop["departure"]),
        );
        assert!(
            previous <= arrival && arrival <= start && start < departure,
            "{stop}"
        );
        assert_eq!(stop["on_site_by"], "2026-11-30T20:00:00+08:00");
        assert_eq!(stop["repaired_by"], "2026-12-02T08:00:00+08:00");
        previous = departure;
    }
    assert!(time(&route["return_at"]) <= shift_end);
}

/// Severity-4 requests go to the call center first; what it solves is
/// resolved without a visit, what it cannot is routed.
async fn create_roster_tries_requests_remotely_first_and_resolves_what_the_call_center_solves(
    app: TestApp,
) {
    let tickets: Vec<_> = (1..=6)
        .map(|i| {
            ticket_with(
                &format!("R{i}"),
                Region::East,
                Severity::REQUEST,
                Skill::Network,
            )
        })
        .collect();
    app.store.insert_tickets(&tickets).await.unwrap();
    let response = app.create_roster("east", "date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    let remote = body["remote"].as_array().unwrap();
    assert_eq!(remote.len(), 6, "{body}");
    let resolved = remote.iter().filter(|a| a["outcome"] == "resolved").count();
    assert!(resolved > 0, "{body}");
    assert_eq!(body["summary"]["tickets"], 6);
    assert_eq!(body["summary"]["resolved_remotely"], resolved);
    let routed: usize = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["visits"].as_array().unwrap().len())
        .sum::<usize>()
        + body["unassigned"].as_array().unwrap().len();
    assert_eq!(routed + resolved, 6, "every ticket is resolved or routed");
    let listed: Value = app
        .list_tickets("hub=east&status=resolved")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["count"], resolved);
    let stored: Value = app
        .get_roster(&body["id"].to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["remote"], body["remote"]);
    assert_eq!(stored["summary"]["resolved_remotely"], resolved);
}
