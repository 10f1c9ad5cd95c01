use serde_json::Value;

use crate::fixtures::{monday_morning, roster, ticket};
use crate::helpers::{TestApp, expect_error, spawn_app};
use ruyi::domain::Region;

crate::on_both_databases!(spawn_app;
    unknown_hub_returns_404,
    create_roster_returns_400_naming_date_when_it_is_missing_or_malformed,
    get_roster_returns_the_stored_roster,
    get_roster_returns_404_when_missing,
);

async fn unknown_hub_returns_404(app: TestApp) {
    expect_error(
        app.create_roster("atlantis", "date=2026-11-30").await,
        404,
        None,
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
