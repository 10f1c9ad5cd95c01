use serde_json::Value;

use crate::fixtures::ticket;
use crate::helpers::{TestApp, expect_error, spawn_app};
use ruyi::domain::{Region, TicketStatus};

crate::on_both_databases!(spawn_app;
    escalation_of_a_ticket_lists_who_was_notified_and_who_is_next,
    escalations_list_open_tickets_most_escalated_first_without_resolved_ones,
    escalation_returns_400_naming_a_bad_time_and_404_for_an_unknown_ticket,
);

/// The fixture tickets are severity 2, reported Monday 08:00 local.
async fn escalation_of_a_ticket_lists_who_was_notified_and_who_is_next(app: TestApp) {
    app.store
        .insert_tickets(&[ticket("T1", Region::East)])
        .await
        .unwrap();
    let response = app
        .get("/api/v1/tickets/T1/escalation?at=2026-11-30T10:30:00%2B08:00")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ticket_id"], "T1");
    assert_eq!(body["elapsed_minutes"], 150);
    let roles: Vec<&str> = body["notified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["system_engineer", "technical_dept_manager"]);
    assert_eq!(body["next"]["role"], "systems_dept_general_manager");
    assert_eq!(body["next"]["due_at"], "2026-11-30T04:00:00Z");
}

async fn escalations_list_open_tickets_most_escalated_first_without_resolved_ones(app: TestApp) {
    let early = ticket("T1", Region::East);
    let resolved = ticket("T3", Region::East).with_status(TicketStatus::Resolved);
    app.store
        .insert_tickets(&[early, ticket("T2", Region::North), resolved])
        .await
        .unwrap();
    let body: Value = app
        .get("/api/v1/escalations?at=2026-11-30T17:00:00%2B08:00")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["count"], 2, "{body}");
    let east: Value = app
        .get("/api/v1/escalations?hub=east&at=2026-11-30T17:00:00%2B08:00")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(east["count"], 1);
    assert_eq!(east["tickets"][0]["ticket_id"], "T1");
    // Nine hours on a level-2 fault: up to the marketing director.
    assert_eq!(
        east["tickets"][0]["notified"].as_array().unwrap().len(),
        4,
        "{east}"
    );
}

async fn escalation_returns_400_naming_a_bad_time_and_404_for_an_unknown_ticket(app: TestApp) {
    app.store
        .insert_tickets(&[ticket("T1", Region::East)])
        .await
        .unwrap();
    expect_error(
        app.get("/api/v1/tickets/T1/escalation?at=yesterday").await,
        400,
        Some("at"),
    )
    .await;
    expect_error(
        app.get("/api/v1/escalations?hub=mars").await,
        400,
        Some("hub"),
    )
    .await;
    expect_error(app.get("/api/v1/tickets/T9/escalation").await, 404, None).await;
}
