//! Live dispatch through the API: a ticket reported to the call center is
//! placed by the hub's own re-plan, and the engineer's route event stream
//! pushes the new revision.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_live_app};

crate::on_both_databases!(spawn_live_app;
    a_reported_ticket_is_placed_by_the_hub_s_own_re_plan_and_the_route_stream_says_so,
    a_re_plan_that_fails_keeps_the_published_plan_and_the_next_one_recovers,
);

/// What the server logged at warn level and above, from every test in
/// this process (the server runs in it): a failed live re-plan says so
/// only in the log.
fn captured_log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log: &'static Mutex<Vec<u8>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_env_filter("ruyi::service::live=warn")
                .with_ansi(false)
                .with_writer(move || LogWriter(log))
                .finish(),
        );
        log
    })
}

struct LogWriter(&'static Mutex<Vec<u8>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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

/// A printer fault in Hangzhou reported at `at` (local); only E002 holds
/// the skill. Its id.
async fn report_printer_fault(app: &TestApp, customer: &str, at: &str) -> String {
    let created = app
        .post_ticket(&json!({
            "customer": customer,
            "city_adcode": 330100,
            "site": {"lat": 30.30, "lon": 120.10},
            "severity": 2,
            "skill": "printer",
            "service_minutes": 30,
            "reported_at": at,
        }))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    crate::helpers::json_of(created).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// E002's stops today, by ticket.
async fn stops_of_e002(app: &TestApp) -> Vec<String> {
    let route = crate::helpers::json_of(app.engineer_route("E002", "date=2026-11-30").await).await;
    route["stops"]
        .as_array()
        .map(|stops| {
            stops
                .iter()
                .map(|stop| stop["ticket_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (a minute at most) until E002's route holds `want`.
async fn until_e002_serves(app: &TestApp, want: &[&str]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let stops = stops_of_e002(app).await;
        if want.iter().all(|id| stops.iter().any(|s| s == id)) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "E002 never served {want:?}: {stops:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_re_plan_that_fails_keeps_the_published_plan_and_the_next_one_recovers(app: TestApp) {
    let log = captured_log();
    let first = report_printer_fault(&app, "Hangzhou Metro", "2026-11-30T11:30:00+08:00").await;
    until_e002_serves(&app, &[&first]).await;
    let monday = crate::fixtures::monday();
    let head = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .current_roster(ruyi::domain::Region::East, monday)
                .await
                .unwrap()
                .and_then(|r| r.id)
        }
    };
    let published = head(&app).await;
    assert!(published.is_some());

    // The database refuses every new roster (a full disk, a lost
    // connection): the next re-plan fails while storing its revision.
    let refuse = match &app.store {
        ruyi::storage::Store::Sqlite(pool) => sqlx::query(
            "CREATE TRIGGER refuse_rosters BEFORE INSERT ON rosters \
                 BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
        )
        .execute(pool)
        .await
        .map(|_| ()),
        ruyi::storage::Store::Postgres(pool) => {
            sqlx::query(
                "CREATE FUNCTION refuse_rosters() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'the disk is full'; END $$ LANGUAGE plpgsql",
            )
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "CREATE TRIGGER refuse_rosters BEFORE INSERT ON rosters \
                 FOR EACH ROW EXECUTE FUNCTION refuse_rosters()",
            )
            .execute(pool)
            .await
            .map(|_| ())
        }
    };
    refuse.unwrap();
    let failures_before = String::from_utf8_lossy(&log.lock().unwrap())
        .matches("live re-plan failed")
        .count();
    let second = report_printer_fault(&app, "Hangzhou Library", "2026-11-30T11:45:00+08:00").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let text = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
        if text.matches("live re-plan failed").count() > failures_before {
            assert!(text.contains("the disk is full"), "{text}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no failed re-plan logged: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The published plan stays in force, whole: same revision, same route.
    assert_eq!(head(&app).await, published);
    assert_eq!(stops_of_e002(&app).await, vec![first.clone()]);
    let ticket = crate::helpers::json_of(app.get(&format!("/api/v1/tickets/{second}")).await).await;
    assert_eq!(ticket["ticket"]["status"], "open", "{ticket}");
    assert_eq!(ticket["visits"]["planned"], json!([]), "{ticket}");

    // The fault clears; the next change re-plans and both are served.
    let clear = match &app.store {
        ruyi::storage::Store::Sqlite(pool) => sqlx::query("DROP TRIGGER refuse_rosters")
            .execute(pool)
            .await
            .map(|_| ()),
        ruyi::storage::Store::Postgres(pool) => {
            sqlx::query("DROP TRIGGER refuse_rosters ON rosters")
                .execute(pool)
                .await
                .map(|_| ())
        }
    };
    clear.unwrap();
    let third = report_printer_fault(&app, "Hangzhou Museum", "2026-11-30T11:50:00+08:00").await;
    until_e002_serves(&app, &[&first, &second, &third]).await;
    assert_ne!(head(&app).await, published);
}
