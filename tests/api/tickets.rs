use serde_json::{Value, json};

use crate::fixtures::{monday_morning, roster, ticket};
use crate::helpers::{TestApp, expect_error, spawn_app};
use ruyi::domain::{PartAction, PartCode, PartPlan, PartSource, Region, StockPoint};

crate::on_both_databases!(spawn_app;
    create_ticket_returns_201_with_the_ticket_and_its_deadlines,
    create_ticket_uses_the_city_centre_when_no_site_is_given,
    create_ticket_for_a_key_customer_sets_the_two_hour_on_site_limit,
    create_ticket_returns_400_naming_the_field_when_severity_is_out_of_range,
    create_ticket_returns_400_naming_the_field_when_a_value_has_the_wrong_type,
    create_ticket_returns_400_naming_a_missing_field,
    create_ticket_returns_400_for_malformed_json,
    create_ticket_returns_400_naming_city_adcode_when_the_city_is_unknown,
    create_ticket_returns_400_naming_site_lat_when_it_is_out_of_range,
    create_ticket_returns_400_naming_the_sla_field_when_limits_conflict,
    list_tickets_filters_by_hub,
    list_tickets_filters_by_status,
    list_tickets_accepts_awaiting_part_for_open_tickets_whose_part_is_on_order,
    list_tickets_returns_400_naming_an_unknown_status_or_hub,
);

fn valid_ticket() -> Value {
    json!({
        "customer": "Hangzhou Metro",
        "site": {"lat": 30.25, "lon": 120.2},
        "city_adcode": 330100,
        "severity": 2,
        "skill": "network",
        "service_minutes": 90,
        "reported_at": "2026-11-30T08:15:00+08:00"
    })
}

async fn create_ticket_returns_201_with_the_ticket_and_its_deadlines(app: TestApp) {
    let response = app.post_ticket(&valid_ticket()).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], "T20261130-00001");
    assert_eq!(body["hub"], "east", "region comes from the city");
    assert_eq!(body["status"], "open");
    assert_eq!(body["severity"], 2);
    assert_eq!(body["reported_at"], "2026-11-30T08:15:00+08:00");
    // The default contract is 5x8: its clocks run in service hours
    // (Mon–Fri 08:00–17:00). 12 h = 8¾ h on Monday and 3¼ h on Tuesday;
    // 48 h = 8¾ + 4 × 9 on Monday to Friday and 3¼ h the next Monday.
    assert_eq!(body["on_site_by"], "2026-12-01T11:15:00+08:00");
    assert_eq!(body["repaired_by"], "2026-12-07T11:15:00+08:00");
    assert_eq!(body["deadlines_counted_in"], "service_hours");
    assert_eq!(app.ticket_count().await, 1);
    let second: Value = app.post_ticket(&valid_ticket()).await.json().await.unwrap();
    assert_eq!(second["id"], "T20261130-00002");
}

async fn create_ticket_uses_the_city_centre_when_no_site_is_given(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket.as_object_mut().unwrap().remove("site");
    ticket["city_adcode"] = json!(110000);
    let response = app.post_ticket(&ticket).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["site"], json!({"lat": 39.904, "lon": 116.407}));
    assert_eq!(body["hub"], "north");
}

async fn create_ticket_for_a_key_customer_sets_the_two_hour_on_site_limit(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket["key_customer"] = json!(true);
    let body: Value = app.post_ticket(&ticket).await.json().await.unwrap();
    assert_eq!(body["on_site_by"], "2026-11-30T10:15:00+08:00");
    assert_eq!(body["sla"]["hours"], "seven_by_twenty_four");
}

async fn create_ticket_returns_400_naming_the_field_when_severity_is_out_of_range(app: TestApp) {
    for severity in [0, 5] {
        let mut ticket = valid_ticket();
        ticket["severity"] = json!(severity);
        expect_error(app.post_ticket(&ticket).await, 400, Some("severity")).await;
    }
    assert_eq!(app.ticket_count().await, 0, "nothing is written");
}

async fn create_ticket_returns_400_naming_the_field_when_a_value_has_the_wrong_type(app: TestApp) {
    let cases = [
        ("severity", json!("high"), "severity"),
        ("severity", json!(300), "severity"),
        ("service_minutes", json!(-5), "service_minutes"),
        ("site", json!({"lat": "north", "lon": 120.0}), "site.lat"),
        ("skill", json!("plumbing"), "skill"),
        ("reported_at", json!("yesterday"), "reported_at"),
    ];
    for (key, value, field) in cases {
        let mut ticket = valid_ticket();
        ticket[key] = value;
        expect_error(app.post_ticket(&ticket).await, 400, Some(field)).await;
    }
    assert_eq!(app.ticket_count().await, 0);
}

async fn create_ticket_returns_400_naming_a_missing_field(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket.as_object_mut().unwrap().remove("skill");
    expect_error(app.post_ticket(&ticket).await, 400, Some("skill")).await;
}

async fn create_ticket_returns_400_for_malformed_json(app: TestApp) {
    let response = app.post_raw_ticket("{\"customer\": ".to_string()).await;
    expect_error(response, 400, Some("body")).await;
    assert_eq!(app.ticket_count().await, 0);
}

async fn create_ticket_returns_400_naming_city_adcode_when_the_city_is_unknown(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket["city_adcode"] = json!(999999);
    expect_error(app.post_ticket(&ticket).await, 400, Some("city_adcode")).await;
    assert_eq!(app.ticket_count().await, 0);
}

async fn create_ticket_returns_400_naming_site_lat_when_it_is_out_of_range(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket["site"] = json!({"lat": 120.2, "lon": 30.25});
    expect_error(app.post_ticket(&ticket).await, 400, Some("site.lat")).await;
}

async fn create_ticket_returns_400_naming_the_sla_field_when_limits_conflict(app: TestApp) {
    let mut ticket = valid_ticket();
    ticket["sla"] = json!({"response_minutes": 120, "on_site_minutes": 60, "repair_minutes": 2880});
    expect_error(
        app.post_ticket(&ticket).await,
        400,
        Some("sla.on_site_minutes"),
    )
    .await;
    assert_eq!(app.ticket_count().await, 0);
}

async fn ids(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let tickets = body["tickets"].as_array().unwrap();
    assert_eq!(body["count"].as_u64().unwrap() as usize, tickets.len());
    tickets
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

async fn list_tickets_filters_by_hub(app: TestApp) {
    app.post_ticket(&valid_ticket()).await;
    let mut north = valid_ticket();
    north["city_adcode"] = json!(110000);
    north["site"] = json!({"lat": 39.9, "lon": 116.3});
    app.post_ticket(&north).await;
    assert_eq!(
        ids(app.list_tickets("hub=north").await).await,
        vec!["T20261130-00002"]
    );
    assert_eq!(
        ids(app.list_tickets("hub=east").await).await,
        vec!["T20261130-00001"]
    );
    assert_eq!(ids(app.list_tickets("").await).await.len(), 2);
    assert!(ids(app.list_tickets("hub=south").await).await.is_empty());
}

async fn list_tickets_filters_by_status(app: TestApp) {
    app.post_ticket(&valid_ticket()).await;
    app.post_ticket(&valid_ticket()).await;
    let planned = ruyi::domain::TicketId::parse("T20261130-00001").unwrap();
    app.store.mark_planned(&[planned]).await.unwrap();
    assert_eq!(
        ids(app.list_tickets("status=open").await).await,
        vec!["T20261130-00002"]
    );
    assert_eq!(
        ids(app.list_tickets("status=planned&hub=east").await).await,
        vec!["T20261130-00001"]
    );
}

/// The README's `awaiting_part`: a roster ordered the part, the ticket is
/// open again and waits for it.
async fn list_tickets_accepts_awaiting_part_for_open_tickets_whose_part_is_on_order(app: TestApp) {
    let (waiting, other) = (ticket("T1", Region::East), ticket("T2", Region::East));
    app.store
        .insert_tickets(&[waiting.clone(), other.clone()])
        .await
        .unwrap();
    let mut day = roster(&[], &[&waiting, &other], monday_morning());
    day.parts.push(PartPlan {
        ticket_id: waiting.id().clone(),
        part: PartCode::parse("SRV-PSU").unwrap(),
        action: PartAction::Ordered,
        base: StockPoint::parse("hub:east").unwrap(),
        source: PartSource::Maker,
        arrives_at: Some(monday_morning() + chrono::Duration::days(3)),
        detail: "ordered from the maker".to_string(),
    });
    app.store.save_roster(&day).await.unwrap();

    assert_eq!(
        ids(app.list_tickets("status=awaiting_part").await).await,
        vec!["T1"]
    );
    assert_eq!(
        ids(app.list_tickets("status=awaiting_part&hub=east").await).await,
        vec!["T1"]
    );
    assert!(
        ids(app.list_tickets("status=awaiting_part&hub=north").await)
            .await
            .is_empty()
    );
    assert_eq!(
        ids(app.list_tickets("status=open").await).await,
        vec!["T1", "T2"]
    );
}

async fn list_tickets_returns_400_naming_an_unknown_status_or_hub(app: TestApp) {
    expect_error(app.list_tickets("status=lost").await, 400, Some("status")).await;
    expect_error(app.list_tickets("hub=mars").await, 400, Some("hub")).await;
}
