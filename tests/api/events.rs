//! Engineer status events: the happy path of a ticket from report to close,
//! every refusal, idempotent sends, a part ordered by a visit, and what the
//! route, the ticket and the engineer list then say.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::fixtures::{monday, monday_morning, roster, ticket};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app};
use ruyi::domain::{PartCode, Region, TicketContact, TicketId, TicketStatus};
use ruyi::domain::{Stock, StockPoint};

crate::on_both_databases!(spawn_app;
    a_ticket_goes_from_report_to_close_through_the_engineer_s_events,
    arriving_at_a_ticket_off_the_route_is_409_naming_the_route_s_tickets,
    finishing_what_the_engineer_did_not_arrive_at_is_409,
    a_time_in_the_future_beyond_the_skew_or_before_the_previous_event_is_422_naming_at,
    a_malformed_event_is_400_naming_the_field_and_an_unknown_engineer_404,
    a_repeated_event_id_is_stored_once_and_a_different_body_under_it_is_409,
    a_needs_part_outcome_orders_the_part_and_opens_the_ticket_for_a_return_visit,
    a_needs_return_outcome_opens_the_ticket_again,
    parts_fitted_leave_the_engineer_s_stock_and_a_missing_one_is_409,
    the_route_says_whom_to_visit_what_to_bring_and_serves_icalendar,
    the_route_etag_changes_exactly_when_the_route_does,
    the_engineers_of_a_hub_come_with_today_s_state,
    the_hub_s_rosters_are_listed_newest_first,
    the_escalation_stops_climbing_once_the_engineer_is_on_site,
);

/// 2026-11-30 at local `hh:mm` (+08:00), as sent.
fn local(hour: u32, minute: u32) -> String {
    format!("2026-11-30T{hour:02}:{minute:02}:00+08:00")
}

/// E001's Monday: T1 then T2 (east), reported 08:00; the clock at noon.
async fn seed_day(app: &TestApp) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    app.store
        .insert_tickets(&[
            t1.clone().with_contact(
                TicketContact::new(
                    Some("12 Wensan Road, Hangzhou".into()),
                    Some("+86 138 0000 0001".into()),
                    Some("server down, PSU alarm".into()),
                )
                .unwrap(),
            ),
            t2.clone(),
        ])
        .await
        .unwrap();
    app.store
        .save_roster(&roster(&[&t1, &t2], &[], monday_morning()))
        .await
        .unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap());
}

fn event(id: &str, kind: &str, at: &str) -> Value {
    json!({"event_id": id, "kind": kind, "at": at})
}

fn on_ticket(id: &str, kind: &str, at: &str, ticket: &str) -> Value {
    let mut body = event(id, kind, at);
    body["ticket_id"] = json!(ticket);
    body
}

/// Posts one of E001's events and expects it stored (201).
pub async fn post_ok(app: &TestApp, body: Value) -> Value {
    let response = app.post_event("E001", &body).await;
    let status = response.status().as_u16();
    let json = json_of(response).await;
    assert_eq!(status, 201, "{body} → {json}");
    json
}

async fn events_stored(app: &TestApp) -> i64 {
    app.store.count_events().await.unwrap()
}

async fn a_ticket_goes_from_report_to_close_through_the_engineer_s_events(app: TestApp) {
    seed_day(&app).await;
    let mut start = event("e1", "shift_started", &local(8, 30));
    start["lat"] = json!(29.868);
    start["lon"] = json!(121.544);
    post_ok(&app, start).await;
    post_ok(&app, on_ticket("e2", "en_route", &local(8, 40), "T1")).await;
    let arrived = post_ok(&app, on_ticket("e3", "arrived", &local(9, 40), "T1")).await;
    assert_eq!(arrived["at"], "2026-11-30T09:40:00+08:00");
    assert_eq!(arrived["kind"], "arrived");
    let mut finish = on_ticket("e4", "finished", &local(10, 30), "T1");
    finish["outcome"] = json!("fixed");
    finish["notes"] = json!("replaced nothing, reseated the PSU");
    finish["signed_off_by"] = json!("Ms Chen");
    post_ok(&app, finish).await;

    let stored = app
        .store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status(), TicketStatus::Resolved);

    let body = json_of(app.get("/api/v1/tickets/T1").await).await;
    assert_eq!(body["stage"], "closed", "{body}");
    let life = &body["lifecycle"];
    assert_eq!(life["reported_at"], "2026-11-30T08:00:00+08:00");
    assert_eq!(life["planned_at"], "2026-11-30T08:00:00+08:00");
    assert_eq!(life["en_route_at"], "2026-11-30T08:40:00+08:00");
    assert_eq!(life["on_site_at"], "2026-11-30T09:40:00+08:00");
    assert_eq!(life["fixed_at"], "2026-11-30T10:30:00+08:00");
    assert_eq!(life["closed_at"], "2026-11-30T10:30:00+08:00");
    let stages: Vec<&str> = life["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        vec![
            "reported", "planned", "en_route", "on_site", "fixed", "closed"
        ]
    );
    // Response due 10:00 (met at 08:40), on site by 20:00, repaired by Wednesday 08:00.
    let clocks = &body["clocks"];
    assert_eq!(clocks["response"]["state"], "met");
    assert_eq!(clocks["response"]["minutes_to_spare"], 80);
    assert_eq!(clocks["response"]["due"], "2026-11-30T10:00:00+08:00");
    assert_eq!(clocks["on_site"]["minutes_to_spare"], 620);
    assert_eq!(clocks["repair"]["state"], "met");
    assert_eq!(body["visits"]["planned"].as_array().unwrap().len(), 1);
    assert_eq!(body["visits"]["planned"][0]["engineer_id"], "E001");
    assert_eq!(
        body["visits"]["done"][0]["arrived_at"],
        "2026-11-30T09:40:00+08:00"
    );
    assert_eq!(body["escalation"]["active"], false);
    assert_eq!(body["ticket"]["address"], "12 Wensan Road, Hangzhou");

    // An open ticket's clocks run against the clock (noon) or `at`.
    let t2 = json_of(app.get("/api/v1/tickets/T2").await).await;
    assert_eq!(t2["stage"], "planned");
    assert_eq!(t2["clocks"]["response"]["state"], "missed");
    assert_eq!(t2["clocks"]["response"]["minutes_late"], 120);
    assert_eq!(t2["clocks"]["on_site"]["state"], "running");
    assert_eq!(t2["clocks"]["on_site"]["minutes_left"], 480);
    let early = json_of(
        app.get("/api/v1/tickets/T2?at=2026-11-30T09:30:00%2B08:00")
            .await,
    )
    .await;
    assert_eq!(early["clocks"]["response"]["state"], "running");
    assert_eq!(early["clocks"]["response"]["minutes_left"], 30);

    let record = json_of(app.get("/api/v1/tickets/T1/record").await).await;
    let visit = &record["visits"][0];
    assert_eq!(visit["engineer_id"], "E001");
    assert_eq!(visit["arrived_at"], "2026-11-30T09:40:00+08:00");
    assert_eq!(visit["departed_at"], "2026-11-30T10:30:00+08:00");
    assert_eq!(visit["outcome"], "fixed");
    assert_eq!(visit["signed_off_by"], "Ms Chen");
    assert_eq!(record["satisfaction_call_due"], "2026-12-01T10:30:00+08:00");

    for response in [
        app.get("/api/v1/tickets/T1/record?format=html").await,
        app.get_accepting("/api/v1/tickets/T1/record", "text/html")
            .await,
    ] {
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Ms Chen") && page.contains("Service record"),
            "{page}"
        );
    }

    let queue = json_of(app.get("/api/v1/call-center/follow-ups").await).await;
    assert_eq!(queue["count"], 1);
    assert_eq!(queue["follow_ups"][0]["ticket_id"], "T1");
    assert_eq!(queue["follow_ups"][0]["kind"], "satisfaction_call");
    assert_eq!(
        queue["follow_ups"][0]["due_at"],
        "2026-12-01T10:30:00+08:00"
    );
    assert_eq!(queue["follow_ups"][0]["contact_phone"], "+86 138 0000 0001");
    let not_yet = json_of(
        app.get("/api/v1/call-center/follow-ups?due_by=2026-12-01T09:00:00%2B08:00")
            .await,
    )
    .await;
    assert_eq!(not_yet["count"], 0);
}

async fn arriving_at_a_ticket_off_the_route_is_409_naming_the_route_s_tickets(app: TestApp) {
    seed_day(&app).await;
    app.store
        .insert_tickets(&[ticket("T9", Region::East)])
        .await
        .unwrap();
    let body = expect_error(
        app.post_event("E001", &on_ticket("e1", "arrived", &local(9, 0), "T9"))
            .await,
        409,
        Some("ticket_id"),
    )
    .await;
    assert_eq!(body["route_tickets"], json!(["T1", "T2"]));
    assert!(body["error"].as_str().unwrap().contains("T1, T2"), "{body}");
    // E002 has no route that day at all.
    expect_error(
        app.post_event("E002", &on_ticket("e2", "en_route", &local(9, 0), "T1"))
            .await,
        409,
        Some("ticket_id"),
    )
    .await;
    assert_eq!(events_stored(&app).await, 0);
}

async fn finishing_what_the_engineer_did_not_arrive_at_is_409(app: TestApp) {
    seed_day(&app).await;
    post_ok(&app, on_ticket("e1", "arrived", &local(9, 0), "T1")).await;
    let mut finish = on_ticket("e2", "finished", &local(9, 30), "T2");
    finish["outcome"] = json!("fixed");
    expect_error(
        app.post_event("E001", &finish).await,
        409,
        Some("ticket_id"),
    )
    .await;
    // Arriving elsewhere before finishing is refused too.
    expect_error(
        app.post_event("E001", &on_ticket("e3", "arrived", &local(9, 40), "T2"))
            .await,
        409,
        Some("ticket_id"),
    )
    .await;
    assert_eq!(events_stored(&app).await, 1);
    let t2 = app
        .store
        .ticket(&TicketId::parse("T2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t2.status(),
        TicketStatus::Planned,
        "a refusal writes nothing"
    );
}

async fn a_time_in_the_future_beyond_the_skew_or_before_the_previous_event_is_422_naming_at(
    app: TestApp,
) {
    seed_day(&app).await;
    // The clock says 12:00; phones may run 5 minutes ahead.
    expect_error(
        app.post_event("E001", &event("e1", "shift_ended", &local(12, 6)))
            .await,
        422,
        Some("at"),
    )
    .await;
    post_ok(&app, on_ticket("e2", "en_route", &local(10, 0), "T1")).await;
    // Out of order: before the previous event.
    expect_error(
        app.post_event("E001", &on_ticket("e3", "arrived", &local(9, 59), "T1"))
            .await,
        422,
        Some("at"),
    )
    .await;
    post_ok(&app, on_ticket("e4", "arrived", &local(10, 0), "T1")).await;
    post_ok(&app, event("e5", "shift_ended", &local(12, 4))).await;
    assert_eq!(events_stored(&app).await, 3);
}

async fn a_malformed_event_is_400_naming_the_field_and_an_unknown_engineer_404(app: TestApp) {
    seed_day(&app).await;
    let cases = [
        (event("e1", "teleported", &local(9, 0)), "kind"),
        (event("e1", "arrived", &local(9, 0)), "ticket_id"),
        (event("e1", "shift_started", &local(9, 0)), "position"),
        (
            json!({"event_id": "e1", "kind": "shift_ended", "at": "2026-11-30T09:00:00"}),
            "at",
        ),
        (
            json!({"kind": "shift_ended", "at": local(9, 0)}),
            "event_id",
        ),
        (event("e 1", "shift_ended", &local(9, 0)), "event_id"),
        (
            {
                let mut body = on_ticket("e1", "finished", &local(9, 0), "T1");
                body["outcome"] = json!("needs_part");
                body
            },
            "part",
        ),
        (
            {
                let mut body = event("e1", "unavailable", &local(9, 0));
                body["from"] = json!(local(10, 0));
                body["until"] = json!(local(9, 0));
                body["reason"] = json!("sick");
                body
            },
            "until",
        ),
        (
            {
                let mut body = event("e1", "shift_ended", &local(9, 0));
                body["colour"] = json!("red");
                body
            },
            "colour",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_event("E001", &body).await;
        let status = response.status().as_u16();
        let error = json_of(response).await;
        assert_eq!(status, 400, "{body} → {error}");
        // An unknown key is named in the message (serde reports it at the body).
        assert!(
            error["field"].as_str().is_some_and(|f| f.contains(field))
                || error["error"].as_str().is_some_and(|e| e.contains(field)),
            "{body} → {error}"
        );
    }
    expect_error(
        app.post_event("E999", &event("e1", "shift_ended", &local(9, 0)))
            .await,
        404,
        None,
    )
    .await;
    assert_eq!(events_stored(&app).await, 0);
}

async fn a_repeated_event_id_is_stored_once_and_a_different_body_under_it_is_409(app: TestApp) {
    seed_day(&app).await;
    let body = on_ticket("phone-7f3a", "en_route", &local(8, 40), "T1");
    let first = post_ok(&app, body.clone()).await;
    let again = app.post_event("E001", &body).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(json_of(again).await, first);
    assert_eq!(events_stored(&app).await, 1);
    let other = on_ticket("phone-7f3a", "en_route", &local(8, 41), "T1");
    expect_error(app.post_event("E001", &other).await, 409, Some("event_id")).await;
    assert_eq!(events_stored(&app).await, 1);
}

async fn visit_t1_until(app: &TestApp, outcome: Value) {
    post_ok(app, on_ticket("e1", "arrived", &local(9, 40), "T1")).await;
    let mut finish = on_ticket("e2", "finished", &local(10, 30), "T1");
    for (key, value) in outcome.as_object().unwrap() {
        finish[key] = value.clone();
    }
    post_ok(app, finish).await;
}

async fn a_needs_part_outcome_orders_the_part_and_opens_the_ticket_for_a_return_visit(
    app: TestApp,
) {
    seed_day(&app).await;
    let part = PartCode::parse("SRV-PSU").unwrap();
    app.store
        .set_stock(&Stock::new([(
            StockPoint::Hub(Region::East),
            part.clone(),
            1,
        )]))
        .await
        .unwrap();
    visit_t1_until(&app, json!({"outcome": "needs_part", "part": "SRV-PSU"})).await;
    let t1 = app
        .store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.status(), TicketStatus::Open, "open for the return visit");
    assert_eq!(t1.part(), Some(&part));
    // S001 holds none: the hub's warehouse sends it, there next morning.
    let orders = app.store.pending_orders(None).await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].ticket_id.as_str(), "T1");
    assert_eq!(orders[0].base.code(), "S001");
    assert_eq!(
        orders[0].arrives_at,
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    );
    let stock = app.store.stock().await.unwrap().unwrap();
    assert_eq!(stock.quantity(&StockPoint::Hub(Region::East), &part), 0);
    let body = json_of(app.get("/api/v1/tickets/T1").await).await;
    assert_eq!(body["stage"], "awaiting_part");
    assert_eq!(body["lifecycle"]["awaiting_part"], "SRV-PSU");
    assert_eq!(body["clocks"]["repair"]["state"], "running");

    // Tuesday's plan takes it up again: a return visit bringing the part,
    // which reached S001 at 08:00.
    let tuesday = app.create_roster("east", "date=2026-12-01").await;
    assert_eq!(tuesday.status().as_u16(), 201);
    let route = json_of(app.engineer_route("E001", "date=2026-12-01").await).await;
    let stop = &route["stops"][0];
    assert_eq!(stop["visit_kind"], "return_visit", "{route}");
    assert_eq!(stop["part_to_bring"]["part"], "SRV-PSU");
    assert_eq!(stop["part_to_bring"]["from"], "S001");
    let body = json_of(app.get("/api/v1/tickets/T1").await).await;
    assert_eq!(body["stage"], "planned");
    assert_eq!(body["visits"]["planned"].as_array().unwrap().len(), 2);
}

/// GET the route with `If-None-Match: held` (when given): status, ETag
/// and body.
async fn route_tagged(app: &TestApp, held: Option<&str>) -> (u16, String, String) {
    let mut request = app
        .client
        .get(format!(
            "{}/api/v1/engineers/E001/route?date=2026-11-30",
            app.address
        ))
        .bearer_auth(&app.admin_token);
    if let Some(held) = held {
        request = request.header("if-none-match", held);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let tag = response.headers()["etag"].to_str().unwrap().to_string();
    (status, tag, response.text().await.unwrap())
}

async fn the_route_etag_changes_exactly_when_the_route_does(app: TestApp) {
    seed_day(&app).await;
    let (status, tag, body) = route_tagged(&app, None).await;
    assert_eq!(status, 200);
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    assert_eq!(
        route_tagged(&app, None).await,
        (200, tag.clone(), body.clone())
    );
    // A phone holding this version gets 304 and no body.
    assert_eq!(
        route_tagged(&app, Some(&tag)).await,
        (304, tag.clone(), String::new())
    );
    assert_eq!(route_tagged(&app, Some("\"other\"")).await.0, 200);
    // An event that leaves the answer as it was leaves the tag.
    post_ok(&app, on_ticket("e1", "arrived", &local(9, 40), "T1")).await;
    assert_eq!(route_tagged(&app, Some(&tag)).await.0, 304);
    // One that changes a stop (T1 now needs a return visit) changes it.
    let mut finish = on_ticket("e2", "finished", &local(10, 30), "T1");
    finish["outcome"] = json!("needs_return");
    finish["minutes"] = json!(60);
    post_ok(&app, finish).await;
    let (status, changed, new_body) = route_tagged(&app, Some(&tag)).await;
    assert_eq!(status, 200);
    assert_ne!(changed, tag);
    assert_ne!(new_body, body);
    assert!(new_body.contains("return_visit"), "{new_body}");
    // A new revision of the day is a new answer.
    let replan = app
        .create_roster("east", "date=2026-11-30&at=2026-11-30T12:00:00%2B08:00")
        .await;
    assert_eq!(replan.status().as_u16(), 201);
    let (status, replanned, _) = route_tagged(&app, Some(&changed)).await;
    assert_eq!(status, 200);
    assert_ne!(replanned, changed);
}

async fn a_needs_return_outcome_opens_the_ticket_again(app: TestApp) {
    seed_day(&app).await;
    visit_t1_until(&app, json!({"outcome": "needs_return", "minutes": 120})).await;
    let t1 = app
        .store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.status(), TicketStatus::Open);
    let body = json_of(app.get("/api/v1/tickets/T1").await).await;
    assert_eq!(body["stage"], "return_visit");
    assert_eq!(body["lifecycle"]["return_minutes"], 120);
    assert!(app.store.follow_ups(None).await.unwrap().is_empty());
}

async fn parts_fitted_leave_the_engineer_s_stock_and_a_missing_one_is_409(app: TestApp) {
    seed_day(&app).await;
    let (disk, psu) = (
        PartCode::parse("SRV-DISK").unwrap(),
        PartCode::parse("SRV-PSU").unwrap(),
    );
    let s001 = StockPoint::parse("S001").unwrap();
    app.store
        .set_stock(&Stock::new([(s001.clone(), disk.clone(), 2)]))
        .await
        .unwrap();
    post_ok(&app, on_ticket("e1", "arrived", &local(9, 40), "T1")).await;
    let mut missing = on_ticket("e2", "finished", &local(10, 30), "T1");
    missing["outcome"] = json!("fixed");
    missing["parts_used"] = json!(["SRV-DISK", "SRV-PSU"]);
    expect_error(
        app.post_event("E001", &missing).await,
        409,
        Some("parts_used"),
    )
    .await;
    let stock = app.store.stock().await.unwrap().unwrap();
    assert_eq!(
        stock.quantity(&s001, &disk),
        2,
        "nothing taken on a refusal"
    );
    let mut fitted = on_ticket("e3", "finished", &local(10, 30), "T1");
    fitted["outcome"] = json!("fixed");
    fitted["parts_used"] = json!(["SRV-DISK"]);
    post_ok(&app, fitted).await;
    let stock = app.store.stock().await.unwrap().unwrap();
    assert_eq!(stock.quantity(&s001, &disk), 1);
    assert_eq!(stock.quantity(&s001, &psu), 0);
    let record = json_of(app.get("/api/v1/tickets/T1/record").await).await;
    assert_eq!(
        record["visits"][0]["parts_used"],
        json!([{"part": "SRV-DISK", "from": "S001", "taken": "stock"}])
    );
}

async fn the_route_says_whom_to_visit_what_to_bring_and_serves_icalendar(app: TestApp) {
    seed_day(&app).await;
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    let first = &route["stops"][0];
    assert_eq!(first["customer"], "Customer of T1");
    assert_eq!(first["address"], "12 Wensan Road, Hangzhou");
    assert_eq!(first["contact_phone"], "+86 138 0000 0001");
    assert_eq!(first["severity"], 2);
    assert_eq!(first["fault"], "server down, PSU alarm");
    assert_eq!(first["visit_kind"], "repair");
    assert_eq!(first["part_to_bring"], Value::Null);
    let response = app
        .engineer_route("E001", "date=2026-11-30&format=ics")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let calendar = response.text().await.unwrap();
    assert!(calendar.starts_with("BEGIN:VCALENDAR\r\n"), "{calendar}");
    assert_eq!(calendar.matches("BEGIN:VEVENT").count(), 2);
    // 09:15 local is 01:15 UTC.
    assert!(calendar.contains("DTSTART:20261130T011500Z"), "{calendar}");
    assert!(calendar.contains("LOCATION:12 Wensan Road"), "{calendar}");
    assert!(calendar.contains("Customer of T1"), "{calendar}");
    assert!(calendar.trim_end().ends_with("END:VCALENDAR"));
}

async fn the_engineers_of_a_hub_come_with_today_s_state(app: TestApp) {
    seed_day(&app).await;
    post_ok(&app, on_ticket("e1", "arrived", &local(9, 40), "T1")).await;
    let body = json_of(app.get("/api/v1/engineers?hub=east").await).await;
    assert_eq!(body["count"], 2, "{body}");
    let e001 = body["engineers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "E001")
        .unwrap();
    assert_eq!(e001["name"], "Li Wei");
    let state = &e001["today"]["state"];
    assert_eq!(state["activity"], "on_site");
    assert_eq!(state["ticket_id"], "T1");
    // At the customer, free after T1's 90 minutes.
    assert_eq!(state["position"]["lat"], 30.30);
    assert_eq!(state["free_from"], "2026-11-30T11:10:00+08:00");
    let e002 = body["engineers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "E002")
        .unwrap();
    assert_eq!(e002["today"]["state"]["activity"], "off_shift");
    let events = json_of(
        app.get("/api/v1/engineers/E001/events?date=2026-11-30")
            .await,
    )
    .await;
    assert_eq!(events["count"], 1);
    expect_error(
        app.get("/api/v1/engineers?hub=atlantis").await,
        400,
        Some("hub"),
    )
    .await;
}

async fn the_hub_s_rosters_are_listed_newest_first(app: TestApp) {
    seed_day(&app).await;
    let t3 = ticket("T3", Region::East);
    app.store
        .insert_tickets(std::slice::from_ref(&t3))
        .await
        .unwrap();
    let first = app
        .store
        .current_roster(Region::East, monday())
        .await
        .unwrap()
        .expect("the seeded roster")
        .id;
    let mut revision = roster(&[&t3], &[], monday_morning() + chrono::Duration::hours(1));
    revision.replaces = first;
    let newer = app.store.save_roster(&revision).await.unwrap();
    let body = json_of(app.get("/api/v1/hubs/east/rosters?date=2026-11-30").await).await;
    assert_eq!(body["count"], 2);
    assert_eq!(body["rosters"][0]["id"], newer);
    assert_eq!(
        body["rosters"][0]["created_at"],
        "2026-11-30T09:00:00+08:00"
    );
    let other_day = json_of(app.get("/api/v1/hubs/east/rosters?date=2026-12-01").await).await;
    assert_eq!(other_day["count"], 0);
    expect_error(app.get("/api/v1/hubs/mars/rosters").await, 404, Some("hub")).await;
    // Arrivals now follow the newest revision: T1 is no longer E001's.
    expect_error(
        app.post_event("E001", &on_ticket("e1", "arrived", &local(9, 40), "T1"))
            .await,
        409,
        Some("ticket_id"),
    )
    .await;
}

async fn the_escalation_stops_climbing_once_the_engineer_is_on_site(app: TestApp) {
    seed_day(&app).await;
    post_ok(&app, on_ticket("e1", "arrived", &local(9, 40), "T1")).await;
    // Severity 2: the system engineer after 1 h; on site at 1 h 40 min.
    let late = "at=2026-12-01T12:00:00%2B08:00";
    let t1 = json_of(
        app.get(&format!("/api/v1/tickets/T1/escalation?{late}"))
            .await,
    )
    .await;
    assert_eq!(t1["notified"].as_array().unwrap().len(), 1, "{t1}");
    assert_eq!(t1["next"], Value::Null);
    let t2 = json_of(
        app.get(&format!("/api/v1/tickets/T2/escalation?{late}"))
            .await,
    )
    .await;
    assert_eq!(t2["notified"].as_array().unwrap().len(), 5, "{t2}");
    let list = json_of(
        app.get(&format!("/api/v1/escalations?hub=east&{late}"))
            .await,
    )
    .await;
    let t1_listed = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["ticket_id"] == "T1")
        .unwrap();
    assert_eq!(t1_listed["notified"].as_array().unwrap().len(), 1);
}
