//! Live dispatch through the API: a ticket reported to the call center is
//! placed by the hub's own re-plan, and the engineer's route event stream
//! pushes the new revision.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_live_app};

crate::on_both_databases!(spawn_live_app;
    a_reported_ticket_is_placed_by_the_hub_s_own_re_plan_and_the_route_stream_says_so,
);

/// The `data` of each `route` event in `text`.
fn route_events(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|block| block.starts_with("event: route"))
        .filter_map(|block| block.lines().find_map(|line| line.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).expect("JSON data"))
        .collect()
}

async fn a_reported_ticket_is_placed_by_the_hub_s_own_re_plan_and_the_route_stream_says_so(
    app: TestApp,
) {
    let response = app
        .client
        .get(format!(
            "{}/api/v1/engineers/E002/route/events?date=2026-11-30",
            app.address
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    // At once: E002 (on call at the Hangzhou hub) has no route today.
    while route_events(&text).is_empty() {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("the first event at once")
            .expect("an open stream")
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert_eq!(route_events(&text)[0]["version"], Value::Null, "{text}");

    // A printer fault in Hangzhou at 12:00; only E002 holds the skill.
    let created = app
        .post_ticket(&json!({
            "customer": "Hangzhou Metro",
            "city_adcode": 330100,
            "site": {"lat": 30.30, "lon": 120.10},
            "severity": 2,
            "skill": "printer",
            "service_minutes": 60,
            "reported_at": "2026-11-30T12:00:00+08:00",
        }))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let id = crate::helpers::json_of(created).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // No one asked for a plan: the hub's task makes one…
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let head = app
            .store
            .current_roster(ruyi::domain::Region::East, crate::fixtures::monday())
            .await
            .unwrap();
        if head.is_some() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no re-plan within a minute"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // …and the stream pushes it.
    while route_events(&text).len() < 2 {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no second route event: {text}"))
            .expect("an open stream")
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert_ne!(route_events(&text)[1]["version"], Value::Null, "{text}");
    let route = crate::helpers::json_of(app.engineer_route("E002", "date=2026-11-30").await).await;
    let stops: Vec<&str> = route["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stop| stop["ticket_id"].as_str().unwrap())
        .collect();
    assert_eq!(stops, vec![id.as_str()], "{route}");
    assert!(route["stops"][0]["arrival"].as_str().unwrap() >= "2026-11-30T12:00:00+08:00");
}
