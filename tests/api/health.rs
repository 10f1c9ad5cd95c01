use serde_json::Value;

use crate::fixtures::TestBackend;
use crate::helpers::{TestApp, spawn_app};

crate::on_both_databases!(spawn_app; health_reports_ok_and_the_database);

async fn health_reports_ok_and_the_database(app: TestApp) {
    let response = app.health().await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let database = match app.backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    };
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database": database})
    );
}
