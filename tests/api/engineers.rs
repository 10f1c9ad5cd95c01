use serde_json::Value;

use crate::fixtures::{monday_morning, roster, ticket};
use crate::helpers::{TestApp, expect_error, spawn_app};
use ruyi::domain::Region;

crate::on_both_databases!(spawn_app;
    engineer_route_returns_stops_in_order_with_deadlines,
    engineer_route_as_geojson_is_a_line_from_the_base_and_back_with_a_point_per_stop,
    engineer_route_returns_404_for_an_unknown_engineer_or_a_day_without_route,
    engineer_route_returns_400_naming_a_bad_format_or_date,
);

/// E001 visits T2 then T1 on Monday 2026-11-30.
async fn seed_route(app: &TestApp) -> i64 {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    app.store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    app.store
        .save_roster(&roster(&[&t2, &t1], &[], monday_morning()))
        .await
        .unwrap()
}

async fn engineer_route_returns_stops_in_order_with_deadlines(app: TestApp) {
    let roster_id = seed_route(&app).await;
    let response = app.engineer_route("E001", "date=2026-11-30").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["engineer_id"], "E001");
    assert_eq!(body["engineer_name"], "Li Wei");
    assert_eq!(body["roster_id"], roster_id);
    assert_eq!(body["leave_at"], "2026-11-30T08:30:00+08:00");
    let stops = body["stops"].as_array().unwrap();
    let order: Vec<&str> = stops
        .iter()
        .map(|s| s["ticket_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["T2", "T1"]);
    let first = &stops[0];
    assert_eq!(first["sequence"], 1);
    assert_eq!(first["arrival"], "2026-11-30T09:10:00+08:00");
    assert_eq!(first["start"], "2026-11-30T09:15:00+08:00");
    assert_eq!(first["departure"], "2026-11-30T10:45:00+08:00");
    assert_eq!(
        first["service_window"]["start"],
        "2026-11-30T09:15:00+08:00"
    );
    assert_eq!(first["service_window"]["end"], "2026-11-30T10:45:00+08:00");
    // Reported 08:00 local: on site by 20:00, repaired by Wednesday 08:00.
    assert_eq!(first["on_site_by"], "2026-11-30T20:00:00+08:00");
    assert_eq!(first["repaired_by"], "2026-12-02T08:00:00+08:00");
    assert_eq!(stops[1]["sequence"], 2);
    assert_eq!(stops[1]["arrival"], "2026-11-30T11:25:00+08:00");
}

async fn engineer_route_as_geojson_is_a_line_from_the_base_and_back_with_a_point_per_stop(
    app: TestApp,
) {
    seed_route(&app).await;
    let response = app
        .engineer_route("E001", "date=2026-11-30&format=geojson")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/geo+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], "FeatureCollection");
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 3, "one line and two stops");
    let line = &features[0]["geometry"];
    assert_eq!(line["type"], "LineString");
    let coordinates = line["coordinates"].as_array().unwrap();
    assert_eq!(coordinates.len(), 4, "base, two stops, base");
    assert_eq!(
        coordinates[0],
        serde_json::json!([121.544, 29.868]),
        "[lon, lat]"
    );
    assert_eq!(coordinates[0], coordinates[3]);
    assert_eq!(features[1]["geometry"]["type"], "Point");
    assert_eq!(features[1]["properties"]["ticket_id"], "T2");
    assert_eq!(features[2]["properties"]["sequence"], 2);
    assert_eq!(
        features[2]["properties"]["on_site_by"],
        "2026-11-30T20:00:00+08:00"
    );
}

async fn engineer_route_returns_404_for_an_unknown_engineer_or_a_day_without_route(app: TestApp) {
    seed_route(&app).await;
    expect_error(
        app.engineer_route("E999", "date=2026-11-30").await,
        404,
        None,
    )
    .await;
    expect_error(
        app.engineer_route("E002", "date=2026-11-30").await,
        404,
        None,
    )
    .await;
    expect_error(
        app.engineer_route("E001", "date=2026-12-01").await,
        404,
        None,
    )
    .await;
}

async fn engineer_route_returns_400_naming_a_bad_format_or_date(app: TestApp) {
    seed_route(&app).await;
    let response = app
        .engineer_route("E001", "date=2026-11-30&format=kml")
        .await;
    expect_error(response, 400, Some("format")).await;
    expect_error(
        app.engineer_route("E001", "date=monday").await,
        400,
        Some("date"),
    )
    .await;
}
