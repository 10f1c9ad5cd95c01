//! The SLA report over a hand-made week, counted exactly.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;

use crate::fixtures::{BEIJING, HANGZHOU, point, roster};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app};
use ruyi::domain::TicketReport;
use ruyi::domain::{
    EngineerEvent, EngineerId, EventId, EventKind, Finish, Outcome, PartCode, Region, Severity,
    Skill, Ticket, TicketId,
};
use ruyi::storage::{EventRules, NewEvent};

crate::on_both_databases!(spawn_app;
    the_sla_report_counts_a_hand_made_week_exactly,
    the_sla_report_refuses_a_bad_period_naming_the_field,
);

/// Local (+08:00) 2026-11-`day` or 2026-12-`day` at `hour:minute`.
fn local(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
        - Duration::hours(8)
}

fn reported(id: &str, region: Region, severity: u8, at: DateTime<Utc>) -> Ticket {
    let (adcode, site, skill) = match region {
        Region::North => (BEIJING, point(39.95, 116.30), Skill::Storage),
        _ => (HANGZHOU, point(30.30, 120.10), Skill::Server),
    };
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer of {id}"),
        site,
        city_adcode: adcode,
        region,
        severity: Severity::new(severity).unwrap(),
        skill,
        reported_at: at,
        service_minutes: 60,
        sla: crate::fixtures::round_the_clock(),
    })
    .unwrap()
}

fn event(engineer: &str, id: &str, at: DateTime<Utc>, kind: EventKind) -> NewEvent {
    NewEvent {
        event: EngineerEvent {
            event_id: EventId::parse(id).unwrap(),
            engineer_id: EngineerId::parse(engineer).unwrap(),
            at,
            kind,
        },
        request: json!({"event_id": id}).to_string(),
    }
}

fn en_route(ticket: &str) -> EventKind {
    EventKind::EnRoute {
        ticket_id: TicketId::parse(ticket).unwrap(),
    }
}

fn arrived(ticket: &str) -> EventKind {
    EventKind::Arrived {
        ticket_id: TicketId::parse(ticket).unwrap(),
        site: None,
        service_minutes: None,
    }
}

fn finished(ticket: &str, outcome: Outcome) -> EventKind {
    EventKind::Finished {
        ticket_id: TicketId::parse(ticket).unwrap(),
        finish: Finish::new(outcome, vec![], None, None).unwrap(),
    }
}

/// The week of Monday 30 November 2026:
/// - A (east, severity 2, Mon 08:00): E001 sets off 08:30, on site 09:40,
///   fixed 10:30 — all three limits met; escalated to the system engineer
///   (1 h) before the arrival stopped the climb.
/// - B (east, 2, Mon 08:00): sets off 10:40 (response missed), on site
///   11:30 (12 h met), needs a part; fixed Wednesday 10:00, after the 48 h
///   limit (Wed 08:00); escalated twice (1 h, 2 h) before the arrival.
/// - C (east, 2, Mon 08:00): left out Monday with a loaner, never visited:
///   every limit missed, the whole ladder (5) reached.
/// - D (north, 3, Tue 09:00): E003 sets off 09:30, on site 11:00, fixed
///   12:00 — all met, nobody notified (severity 3 starts at 4 h).
/// - E (east, 1, the next Monday): outside the week.
async fn seed_week(app: &TestApp) {
    let monday = local(11, 30, 8, 0);
    let a = reported("A", Region::East, 2, monday);
    let b = reported("B", Region::East, 2, monday);
    let c = reported("C", Region::East, 2, monday);
    let d = reported("D", Region::North, 3, local(12, 1, 9, 0));
    let e = reported("E", Region::East, 1, local(12, 7, 9, 0));
    app.store
        .insert_tickets(&[a.clone(), b.clone(), c.clone(), d.clone(), e])
        .await
        .unwrap();
    app.store
        .save_roster(&roster(&[&a, &b], &[&c], monday))
        .await
        .unwrap();
    let mut wednesday = roster(&[&b], &[], local(12, 2, 7, 0));
    wednesday.date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    wednesday.loaners.clear();
    app.store.save_roster(&wednesday).await.unwrap();
    let mut north = roster(&[&d], &[], local(12, 1, 9, 10));
    north.hub = Region::North;
    north.date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    north.routes[0].engineer_id = EngineerId::parse("E003").unwrap();
    app.store.save_roster(&north).await.unwrap();
    let events = [
        event("E001", "a1", local(11, 30, 8, 30), en_route("A")),
        event("E001", "a2", local(11, 30, 9, 40), arrived("A")),
        event(
            "E001",
            "a3",
            local(11, 30, 10, 30),
            finished("A", Outcome::Fixed),
        ),
        event("E001", "b1", local(11, 30, 10, 40), en_route("B")),
        event("E001", "b2", local(11, 30, 11, 30), arrived("B")),
        event(
            "E001",
            "b3",
            local(11, 30, 12, 0),
            finished(
                "B",
                Outcome::NeedsPart {
                    part: PartCode::parse("SRV-PSU").unwrap(),
                },
            ),
        ),
        event("E003", "d1", local(12, 1, 9, 30), en_route("D")),
        event("E003", "d2", local(12, 1, 11, 0), arrived("D")),
        event(
            "E003",
            "d3",
            local(12, 1, 12, 0),
            finished("D", Outcome::Fixed),
        ),
        event("E001", "b4", local(12, 2, 8, 30), en_route("B")),
        event("E001", "b5", local(12, 2, 9, 0), arrived("B")),
        event(
            "E001",
            "b6",
            local(12, 2, 10, 0),
            finished("B", Outcome::Fixed),
        ),
    ];
    let rules = EventRules {
        now: local(12, 10, 12, 0),
        max_skew: Duration::minutes(5),
        missing_part: ruyi::dispatch::order_missing_part,
    };
    for new in &events {
        app.store
            .record_event(new, &rules)
            .await
            .unwrap()
            .unwrap_or_else(|refusal| panic!("{}: {refusal}", new.event.event_id));
    }
    app.clock.set(local(12, 10, 12, 0));
}

async fn the_sla_report_counts_a_hand_made_week_exactly(app: TestApp) {
    seed_week(&app).await;
    let body = json_of(
        app.get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-06")
            .await,
    )
    .await;
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{body}");
    // Hubs in their usual order (north first), severities ascending.
    assert_eq!(
        lines[0],
        json!({"hub": "north", "severity": 3, "tickets": 1, "response_met": 1,
               "on_site_met": 1, "repair_met": 1, "loaners_issued": 0,
               "escalations_reached": 0})
    );
    assert_eq!(
        lines[1],
        json!({"hub": "east", "severity": 2, "tickets": 3, "response_met": 1,
               "on_site_met": 2, "repair_met": 1, "loaners_issued": 1,
               "escalations_reached": 8})
    );
    assert_eq!(body["total"]["tickets"], 4);
    assert_eq!(body["total"]["response_met"], 2);
    assert_eq!(body["total"]["on_site_met"], 3);
    assert_eq!(body["total"]["repair_met"], 2);

    let north = json_of(
        app.get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-06&hub=north")
            .await,
    )
    .await;
    assert_eq!(north["lines"].as_array().unwrap().len(), 1);
    assert_eq!(north["total"]["tickets"], 1);

    let response = app
        .get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-06&format=csv")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let csv = response.text().await.unwrap();
    assert_eq!(
        csv,
        "hub,severity,tickets,response_met,on_site_met,repair_met,loaners_issued,escalations_reached\n\
         north,3,1,1,1,1,0,0\n\
         east,2,3,1,2,1,1,8\n\
         all,all,4,2,3,2,1,8\n"
    );
    // The next week holds only E.
    let next = json_of(
        app.get("/api/v1/reports/sla?from=2026-12-07&to=2026-12-13")
            .await,
    )
    .await;
    assert_eq!(next["total"]["tickets"], 1);
}

async fn the_sla_report_refuses_a_bad_period_naming_the_field(app: TestApp) {
    expect_error(
        app.get("/api/v1/reports/sla?to=2026-12-06").await,
        400,
        Some("from"),
    )
    .await;
    expect_error(
        app.get("/api/v1/reports/sla?from=2026-12-06&to=2026-11-30")
            .await,
        400,
        Some("to"),
    )
    .await;
    expect_error(
        app.get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-06&hub=mars")
            .await,
        400,
        Some("hub"),
    )
    .await;
    expect_error(
        app.get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-06&format=xml")
            .await,
        400,
        Some("format"),
    )
    .await;
}
