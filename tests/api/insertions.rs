//! `POST /api/v1/hubs/{hub}/rosters/{id}/insert`: a severity-1 fault into a
//! published day, stored with a new revision of the roster in one
//! transaction; refusals name the field and write nothing.

use reqwest::Response;
use serde_json::{Value, json};

use crate::fixtures::{NINGBO, monday_morning, point};
use crate::helpers::{TestApp, expect_error, json_of, spawn_app};
use ruyi::domain::TicketReport;
use ruyi::domain::{Region, Severity, Skill, SlaPolicy, Ticket, TicketId};

crate::on_both_databases!(spawn_app;
    insert_serves_the_fault_stores_a_revision_and_serves_the_new_route,
    insert_refuses_bad_input_naming_the_field_and_writes_nothing,
    insert_into_an_unknown_roster_or_hub_returns_404,
    insert_into_a_superseded_revision_is_refused_and_names_the_newest,
);

/// Three server faults around Ningbo for E001, reported at 08:00, planned
/// at 08:00; the roster's id.
pub(crate) async fn seed_day(app: &TestApp) -> i64 {
    let tickets: Vec<Ticket> = (1..=3)
        .map(|i| {
            Ticket::new(TicketReport {
                id: TicketId::parse(format!("N{i}")).unwrap(),
                customer: format!("Ningbo customer {i}"),
                site: point(29.868 + 0.03 * i as f64, 121.544 - 0.02 * i as f64),
                city_adcode: NINGBO,
                region: Region::East,
                severity: Severity::MINOR,
                skill: Skill::Server,
                reported_at: monday_morning(),
                service_minutes: 60,
                sla: SlaPolicy::default(),
            })
            .unwrap()
        })
        .collect();
    app.store.insert_tickets(&tickets).await.unwrap();
    let response = app.create_roster("east", "date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["summary"]["assigned"], 3, "{body}");
    body["id"].as_i64().unwrap()
}

/// A severity-1 key-customer server fault in Ningbo, as the call center
/// sends it.
pub fn fault() -> Value {
    json!({
        "customer": "Ningbo Port Authority",
        "city_adcode": NINGBO,
        "site": {"lat": 29.90, "lon": 121.60},
        "severity": 1,
        "skill": "server",
        "service_minutes": 60,
        "key_customer": true,
    })
}

fn request(max_changes: u64) -> Value {
    json!({
        "ticket": fault(),
        "at": "2026-11-30T09:30:00+08:00",
        "max_changes": max_changes,
    })
}

async fn post_insert(app: &TestApp, hub: &str, roster: &str, body: &Value) -> Response {
    reqwest::Client::new()
        .post(format!(
            "{}/api/v1/hubs/{hub}/rosters/{roster}/insert",
            app.address
        ))
        .bearer_auth(&app.admin_token)
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn insert_serves_the_fault_stores_a_revision_and_serves_the_new_route(app: TestApp) {
    let replaces = seed_day(&app).await;
    let response = post_insert(&app, "east", &replaces.to_string(), &request(2)).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    let roster_id = body["roster_id"].as_i64().unwrap();
    assert_ne!(roster_id, replaces);
    assert_eq!(body["replaces"], replaces);
    let ticket_id = body["ticket"]["id"].as_str().unwrap();
    assert_eq!(ticket_id, "T20261130-00001");
    assert_eq!(body["ticket"]["reported_at"], "2026-11-30T09:30:00+08:00");
    // The only senior server engineer of the east serves it.
    assert_eq!(body["placement"]["engineer_id"], "E001", "{body}");
    assert_eq!(body["placement"]["on_site_by"], "2026-11-30T11:30:00+08:00");
    assert!(body["unassigned"].is_null());
    let changes = body["changes"].as_array().unwrap();
    assert!(changes.len() <= 2, "{body}");
    let routes = body["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1);
    assert!(
        routes[0]["visits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["ticket_id"] == ticket_id)
    );

    let stored = json_of(app.get_roster(&roster_id.to_string()).await).await;
    assert_eq!(stored["summary"]["tickets"], 4);
    assert_eq!(stored["summary"]["assigned"], 4);
    assert_eq!(stored["routes"][0]["visits"], routes[0]["visits"]);
    let planned = json_of(app.list_tickets("hub=east&status=planned").await).await;
    assert_eq!(planned["count"], 4, "{planned}");
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    assert_eq!(route["roster_id"], roster_id, "the revision supersedes");
}

async fn insert_refuses_bad_input_naming_the_field_and_writes_nothing(app: TestApp) {
    let replaces = seed_day(&app).await;
    let roster = replaces.to_string();
    let tickets_before = app.ticket_count().await;
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut missing = request(1);
    missing.as_object_mut().unwrap().remove("max_changes");
    cases.push((missing, "max_changes"));
    let mut minor = request(1);
    minor["ticket"]["severity"] = json!(3);
    cases.push((minor, "ticket.severity"));
    let mut plumbing = request(1);
    plumbing["ticket"]["skill"] = json!("plumbing");
    cases.push((plumbing, "ticket.skill"));
    let mut endless = request(1);
    endless["ticket"]["service_minutes"] = json!(0);
    cases.push((endless, "ticket.service_minutes"));
    let mut tuesday = request(1);
    tuesday["at"] = json!("2026-12-01T09:30:00+08:00");
    cases.push((tuesday, "at"));
    let mut unknown = request(1);
    unknown["pinned"] = json!(["N9"]);
    cases.push((unknown, "pinned"));
    let mut beijing = request(1);
    beijing["ticket"]["city_adcode"] = json!(110000);
    beijing["ticket"]["site"] = json!({"lat": 39.9, "lon": 116.4});
    cases.push((beijing, "ticket.city_adcode"));
    for (body, field) in cases {
        expect_error(
            post_insert(&app, "east", &roster, &body).await,
            400,
            Some(field),
        )
        .await;
    }
    assert_eq!(app.ticket_count().await, tickets_before);
    expect_error(app.get_roster(&(replaces + 1).to_string()).await, 404, None).await;
    // The refusals took no intake number either.
    let response = post_insert(&app, "east", &roster, &request(0)).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ticket"]["id"], "T20261130-00001", "{body}");
}

async fn insert_into_an_unknown_roster_or_hub_returns_404(app: TestApp) {
    let replaces = seed_day(&app).await.to_string();
    expect_error(
        post_insert(&app, "atlantis", &replaces, &request(1)).await,
        404,
        Some("hub"),
    )
    .await;
    expect_error(
        post_insert(&app, "north", &replaces, &request(1)).await,
        404,
        None,
    )
    .await;
    expect_error(
        post_insert(&app, "east", "4242", &request(1)).await,
        404,
        None,
    )
    .await;
    assert_eq!(app.ticket_count().await, 3);
}

/// Two coordinators inserting into the same published day: the second
/// request still names the first revision, and building on it would drop
/// the first fault from the engineers' routes. It is refused with 409
/// naming the revision to use, and nothing is written.
async fn insert_into_a_superseded_revision_is_refused_and_names_the_newest(app: TestApp) {
    let first = seed_day(&app).await;
    let response = post_insert(&app, "east", &first.to_string(), &request(2)).await;
    assert_eq!(response.status().as_u16(), 201);
    let revision = response.json::<Value>().await.unwrap()["roster_id"]
        .as_i64()
        .unwrap();
    let tickets_before = app.ticket_count().await;

    let body = expect_error(
        post_insert(&app, "east", &first.to_string(), &request(2)).await,
        409,
        None,
    )
    .await;
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("insert into roster {revision}")),
        "{body}"
    );
    assert_eq!(app.ticket_count().await, tickets_before);
    let route = json_of(app.engineer_route("E001", "date=2026-11-30").await).await;
    assert_eq!(
        route["roster_id"], revision,
        "the first revision still stands"
    );

    // The newest revision takes the second fault.
    let response = post_insert(&app, "east", &revision.to_string(), &request(2)).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["replaces"], revision);
    assert_eq!(body["ticket"]["id"], "T20261130-00002", "{body}");
}
