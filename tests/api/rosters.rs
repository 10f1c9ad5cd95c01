use serde_json::Value;

use std::collections::HashMap;

use crate::fixtures::{NINGBO, monday_morning, point, roster, ticket, ticket_with};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app};
use ruyi::domain::TicketReport;
use ruyi::domain::{Region, Severity, Skill};

crate::on_both_databases!(spawn_app;
    unknown_hub_returns_404,
    create_roster_returns_400_naming_date_when_it_is_missing_or_malformed,
    get_roster_returns_the_stored_roster,
    get_roster_returns_404_when_missing,
    create_roster_plans_open_tickets_stores_the_roster_and_serves_the_route,
    create_roster_tries_requests_remotely_first_and_resolves_what_the_call_center_solves,
    re_posting_a_day_keeps_every_planned_visit_on_exactly_one_route,
    an_insertion_then_a_re_plan_leave_each_ticket_on_one_route,
    two_concurrent_re_plans_of_one_hub_day_do_not_both_write,
    a_plan_keeps_the_clock,
    a_re_plan_starts_each_engineer_from_what_they_reported,
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

/// East server faults around Ningbo (E001's station), reported at 07:00
/// China time on Monday, on a 7x24 contract.
async fn ningbo_faults(app: &TestApp, prefix: &str, count: usize) -> Vec<String> {
    let tickets: Vec<ruyi::domain::Ticket> = (1..=count)
        .map(|i| {
            ruyi::domain::Ticket::new(TicketReport {
                id: ruyi::domain::TicketId::parse(format!("{prefix}{i}")).unwrap(),
                customer: format!("Ningbo customer {prefix}{i}"),
                site: point(29.868 + 0.02 * i as f64, 121.544 - 0.015 * i as f64),
                city_adcode: NINGBO,
                region: Region::East,
                severity: Severity::MINOR,
                skill: Skill::Server,
                reported_at: monday_morning() - chrono::Duration::hours(1),
                service_minutes: 45,
                sla: crate::fixtures::round_the_clock(),
            })
            .unwrap()
        })
        .collect();
    app.store.insert_tickets(&tickets).await.unwrap();
    tickets.iter().map(|t| t.id().to_string()).collect()
}

/// Ticket → the engineers whose published route (the day's head revision)
/// holds it, over the given days.
async fn published_routes(app: &TestApp, dates: &[&str]) -> HashMap<String, Vec<String>> {
    let mut on_routes: HashMap<String, Vec<String>> = HashMap::new();
    for date in dates {
        let listed = json_of(
            app.get(&format!("/api/v1/hubs/east/rosters?date={date}"))
                .await,
        )
        .await;
        let Some(head) = listed["rosters"].as_array().and_then(|r| r.first()) else {
            continue;
        };
        let roster = json_of(app.get_roster(&head["id"].to_string()).await).await;
        for route in roster["routes"].as_array().unwrap() {
            for visit in route["visits"].as_array().unwrap() {
                if visit["kind"] == "fault" {
                    on_routes
                        .entry(visit["ticket_id"].as_str().unwrap().to_string())
                        .or_default()
                        .push(route["engineer_id"].as_str().unwrap().to_string());
                }
            }
        }
    }
    on_routes
}

/// Every ticket stored as planned is on exactly one published route.
async fn assert_one_route_per_planned_ticket(app: &TestApp, dates: &[&str]) {
    let on_routes = published_routes(app, dates).await;
    for (ticket, engineers) in &on_routes {
        assert_eq!(engineers.len(), 1, "{ticket} is on {engineers:?}");
    }
    let planned = json_of(app.list_tickets("hub=east&status=planned").await).await;
    for ticket in planned["tickets"].as_array().unwrap() {
        let id = ticket["id"].as_str().unwrap();
        assert!(
            on_routes.contains_key(id),
            "{id} is planned but on no published route"
        );
    }
}

async fn re_posting_a_day_keeps_every_planned_visit_on_exactly_one_route(app: TestApp) {
    let ids = ningbo_faults(&app, "N", 4).await;
    let first = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    let first_id = first["id"].as_i64().unwrap();
    let planned_first: Vec<String> = first["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["visits"].as_array().unwrap().clone())
        .map(|v| v["ticket_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!planned_first.is_empty(), "{first}");
    assert_one_route_per_planned_ticket(&app, &["2026-11-30"]).await;

    // Re-planned at 10:00: the first revision's visits are planned again
    // with the rest, none is lost and none doubled.
    let response = app
        .create_roster("east", "date=2026-11-30&at=2026-11-30T10:00:00+08:00")
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let second = json_of(response).await;
    assert_eq!(second["replaces"], first_id, "{second}");
    assert_eq!(second["now"], "2026-11-30T10:00:00+08:00");
    let on_routes = published_routes(&app, &["2026-11-30"]).await;
    for id in &planned_first {
        assert_eq!(
            on_routes.get(id).map(Vec::len),
            Some(1),
            "{id} planned by the first revision is lost or doubled: {on_routes:?}"
        );
    }
    assert!(ids.iter().all(|id| on_routes.contains_key(id) || {
        second["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["ticket_id"] == id.as_str())
    }));
    assert_one_route_per_planned_ticket(&app, &["2026-11-30"]).await;
    // Engineers are served the new revision: what the first had them begin
    // before 10:00 stays as it was, everything else lies after 10:00.
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    assert_eq!(route["roster_id"], second["id"]);
    let first_arrivals: HashMap<String, String> = first["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["visits"].as_array().unwrap().clone())
        .map(|v| {
            (
                v["ticket_id"].as_str().unwrap().to_string(),
                v["arrival"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for stop in route["stops"].as_array().unwrap() {
        let arrival = stop["arrival"].as_str().unwrap();
        let ticket = stop["ticket_id"].as_str().unwrap();
        assert!(
            arrival >= "2026-11-30T10:00:00+08:00"
                || first_arrivals.get(ticket).map(String::as_str) == Some(arrival),
            "{stop}"
        );
    }
}

async fn an_insertion_then_a_re_plan_leave_each_ticket_on_one_route(app: TestApp) {
    ningbo_faults(&app, "N", 6).await;
    let monday = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    let tuesday = app.create_roster("east", "date=2026-12-01").await;
    assert_eq!(tuesday.status().as_u16(), 201);
    // A severity-1 fault inserted into Monday at 10:15.
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/hubs/east/rosters/{}/insert",
            app.address, monday["id"]
        ))
        .bearer_auth(&app.admin_token)
        .json(&serde_json::json!({
            "ticket": crate::insertions::fault(),
            "at": "2026-11-30T10:15:00+08:00",
            "max_changes": 3,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let inserted = json_of(response).await;
    let fault = inserted["ticket"]["id"].as_str().unwrap().to_string();
    let engineer = inserted["placement"]["engineer_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_one_route_per_planned_ticket(&app, &["2026-11-30", "2026-12-01"]).await;

    // Re-planning Tuesday neither takes Monday's tickets nor doubles its own.
    let response = app.create_roster("east", "date=2026-12-01").await;
    assert_eq!(response.status().as_u16(), 201);
    assert_one_route_per_planned_ticket(&app, &["2026-11-30", "2026-12-01"]).await;
    let on_routes = published_routes(&app, &["2026-11-30", "2026-12-01"]).await;
    assert_eq!(
        on_routes.get(&fault),
        Some(&vec![engineer.clone()]),
        "{on_routes:?}"
    );
    let route = json_of(app.engineer_route(&engineer, "date=2026-11-30").await).await;
    assert!(
        route["stops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["ticket_id"] == fault.as_str()),
        "{route}"
    );
}

async fn two_concurrent_re_plans_of_one_hub_day_do_not_both_write(app: TestApp) {
    ningbo_faults(&app, "N", 5).await;
    let first = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    let (a, b) = tokio::join!(
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T09:00:00%2B08:00"),
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T09:00:00%2B08:00"),
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    for status in statuses {
        assert!(status == 201 || status == 409, "{statuses:?}");
    }
    assert!(statuses.contains(&201), "{statuses:?}");
    // Whatever the interleaving: each revision replaces a different one,
    // in one chain from the first.
    let listed = json_of(app.get("/api/v1/hubs/east/rosters?date=2026-11-30").await).await;
    let revisions = listed["rosters"].as_array().unwrap();
    assert_eq!(
        revisions.len(),
        1 + statuses.iter().filter(|s| **s == 201).count()
    );
    let mut replaced: Vec<i64> = revisions
        .iter()
        .filter_map(|r| r["replaces"].as_i64())
        .collect();
    replaced.sort_unstable();
    let count = replaced.len();
    replaced.dedup();
    assert_eq!(
        replaced.len(),
        count,
        "two revisions from the same state: {listed}"
    );
    assert!(replaced.contains(&first["id"].as_i64().unwrap()));
    assert_one_route_per_planned_ticket(&app, &["2026-11-30"]).await;
}

/// Times in +08:00, no visit before the plan's time, and a day that is
/// over cannot be planned.
async fn a_plan_keeps_the_clock(app: TestApp) {
    ningbo_faults(&app, "N", 3).await;
    // `+` pasted unescaped arrives as a space and is still understood.
    let body = json_of(
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T13:00:00+08:00")
            .await,
    )
    .await;
    assert_eq!(body["now"], "2026-11-30T13:00:00+08:00", "{body}");
    assert!(body["created_at"].as_str().unwrap().ends_with("+08:00"));
    for route in body["routes"].as_array().unwrap() {
        assert!(route["leave_at"].as_str().unwrap() >= "2026-11-30T13:00:00+08:00");
        for visit in route["visits"].as_array().unwrap() {
            assert!(visit["arrival"].as_str().unwrap() >= "2026-11-30T13:00:00+08:00");
            assert!(visit["on_site_by"].as_str().unwrap().ends_with("+08:00"));
        }
    }
    expect_error(
        app.create_roster("east", "date=2026-11-30&at=2026-12-05T09:00:00%2B08:00")
            .await,
        422,
        Some("at"),
    )
    .await;
}

fn at(hour: u32, minute: u32) -> String {
    format!("2026-11-30T{hour:02}:{minute:02}:00+08:00")
}

/// Plans learn from events: E001 reported arriving at their first stop
/// later than planned, so the re-plan keeps that visit and starts the rest
/// from that site when its service is done; once the fault is fixed and
/// E001 calls in sick, the next re-plan keeps the finished visit and gives
/// them nothing more.
async fn a_re_plan_starts_each_engineer_from_what_they_reported(app: TestApp) {
    ningbo_faults(&app, "N", 4).await;
    let first = json_of(app.create_roster("east", "date=2026-11-30").await).await;
    let stops = first["routes"][0]["visits"].as_array().unwrap().clone();
    assert!(stops.len() >= 2, "{first}");
    let ticket = stops[0]["ticket_id"].as_str().unwrap().to_string();
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339(&at(12, 0))
            .unwrap()
            .into(),
    );
    let mut start = serde_json::json!({"event_id": "e1", "kind": "shift_started", "at": at(8, 30)});
    start["lat"] = serde_json::json!(29.868);
    start["lon"] = serde_json::json!(121.544);
    crate::events::post_ok(&app, start).await;
    for (id, kind, when) in [("e2", "en_route", at(9, 20)), ("e3", "arrived", at(10, 0))] {
        crate::events::post_ok(
            &app,
            serde_json::json!({"event_id": id, "kind": kind, "at": when, "ticket_id": ticket}),
        )
        .await;
    }

    // Re-planned at 10:05: the visit under way stays first, as published;
    // 45 minutes on site from 10:00, so the next stop is reached after 10:45.
    let second = json_of(
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T10:05:00%2B08:00")
            .await,
    )
    .await;
    let route = second["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["engineer_id"] == "E001")
        .unwrap_or_else(|| panic!("{second}"));
    let visits = route["visits"].as_array().unwrap();
    assert_eq!(visits[0]["ticket_id"], ticket.as_str(), "{route}");
    assert_eq!(visits[0]["arrival"], stops[0]["arrival"]);
    assert!(visits.len() >= 2, "{route}");
    assert!(
        visits[1]["arrival"].as_str().unwrap() >= at(10, 45).as_str(),
        "{}",
        visits[1]
    );

    // Fixed at 10:40, then sick from 10:45 for the rest of the day.
    let mut finish = serde_json::json!({"event_id": "e4", "kind": "finished", "at": at(10, 40),
                                         "ticket_id": ticket});
    finish["outcome"] = serde_json::json!("fixed");
    crate::events::post_ok(&app, finish).await;
    crate::events::post_ok(
        &app,
        serde_json::json!({"event_id": "e5", "kind": "unavailable", "at": at(10, 45),
                           "from": at(10, 45), "until": at(23, 0), "reason": "sick"}),
    )
    .await;
    let third = json_of(
        app.create_roster("east", "date=2026-11-30&at=2026-11-30T10:50:00%2B08:00")
            .await,
    )
    .await;
    let e001: Vec<&serde_json::Value> = third["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["engineer_id"] == "E001")
        .flat_map(|r| r["visits"].as_array().unwrap())
        .collect();
    assert_eq!(e001.len(), 1, "only the finished visit stays: {third}");
    assert_eq!(e001[0]["ticket_id"], ticket.as_str());
    let fixed = json_of(app.get(&format!("/api/v1/tickets/{ticket}")).await).await;
    assert_eq!(fixed["ticket"]["status"], "resolved", "{fixed}");
    assert_one_route_per_planned_ticket(&app, &["2026-11-30"]).await;
}
