//! Whose fault: a server fault answers 500 with an opaque id (the cause is
//! logged, never sent); an unknown hub is named as the field `hub` whether
//! it comes in the path (404) or in a query (400).

use serde_json::Value;

use crate::helpers::{TestApp, expect_error, spawn_app};

crate::on_both_databases!(spawn_app;
    a_broken_database_answers_500_with_an_opaque_id_and_no_cause,
    an_unknown_hub_is_404_naming_hub_in_a_path_and_400_naming_hub_in_a_query,
);

async fn a_broken_database_answers_500_with_an_opaque_id_and_no_cause(app: TestApp) {
    // The server shares this pool: closed, every query fails.
    app.store.close().await;
    let response = app.list_tickets("hub=east").await;
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"], "internal error", "{body}");
    let id = body["id"].as_str().expect("an id");
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{body}"
    );
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "nothing but the message and the id: {body}"
    );

    let again: Value = app.list_tickets("").await.json().await.unwrap();
    assert_ne!(again["id"], body["id"], "one id per fault");
}

async fn an_unknown_hub_is_404_naming_hub_in_a_path_and_400_naming_hub_in_a_query(app: TestApp) {
    let body = expect_error(
        app.create_roster("atlantis", "date=2026-11-30").await,
        404,
        Some("hub"),
    )
    .await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("\"atlantis\" is not a hub"),
        "{body}"
    );
    expect_error(app.list_tickets("hub=atlantis").await, 400, Some("hub")).await;
    expect_error(
        app.get("/api/v1/escalations?hub=atlantis").await,
        400,
        Some("hub"),
    )
    .await;
}
