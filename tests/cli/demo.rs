//! The README's main job end to end on a small day: `ruyi demo` in a fresh
//! directory, then `ruyi serve` on the database it made, and an engineer's
//! route fetched over HTTP the way an engineer would each morning.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

const DATE: &str = "2026-11-30";

fn ruyi(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruyi"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUYI_DB_FILE")
        .env_remove("RUYI_TICKET_SEED")
        .env("RUYI_LOG", "warn");
    command
}

/// Kills the server when the test ends, even on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn demo_plans_all_seven_hubs_and_serve_publishes_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let output = ruyi(dir.path())
        .args([
            "demo",
            "--date",
            DATE,
            "--tickets",
            "80",
            "--time-limit",
            "0.2",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The tickets `ruyi generate` writes for the same date and count.
    assert!(stdout.contains("(ticket seed 7)"), "{stdout}");
    for hub in [
        "north",
        "northeast",
        "east",
        "south",
        "southwest",
        "northwest",
        "central",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with(&format!("{hub} "))),
            "no row for {hub}:\n{stdout}"
        );
        let roster: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("out/{hub}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(roster["hub"], hub);
    }
    let all = stdout.lines().find(|l| l.starts_with("all ")).unwrap();
    let total: u32 = all.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_eq!(total, 80, "{stdout}");
    let geojson: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/routes.geojson")).unwrap())
            .unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    assert!(
        geojson["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["geometry"]["type"] == "LineString")
    );

    // The demo names an engineer with a route; serve and fetch it.
    let engineer = stdout
        .lines()
        .find_map(|l| l.split("/api/v1/engineers/").nth(1))
        .and_then(|rest| rest.split('/').next())
        .expect("the demo names an engineer to look up")
        .to_string();
    // One token per role, printed and written for the README's curls.
    let env = std::fs::read_to_string(dir.path().join("out/tokens.env")).unwrap();
    let variable = |name: &str| {
        env.lines()
            .find_map(|line| line.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("no {name} in tokens.env:\n{env}"))
            .to_string()
    };
    for role in [
        "ADMIN",
        "PLANNER",
        "COORDINATOR",
        "ENGINEER",
        "CALL_CENTER",
        "INTEGRATION",
    ] {
        let token = variable(&format!("RUYI_{role}_TOKEN"));
        assert!(token.starts_with("ruyi_"), "{token}");
        assert!(stdout.contains(&token), "the demo prints the {role} token");
    }
    assert_eq!(variable("RUYI_ENGINEER"), engineer);
    let engineer_token = variable("RUYI_ENGINEER_TOKEN");
    let call_center_token = variable("RUYI_CALL_CENTER_TOKEN");
    let port = free_port();
    let _server = Server(
        ruyi(dir.path())
            .args(["serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{base}/health")).send().await
            && response.status().is_success()
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "ruyi serve did not come up");
    let response = client
        .get(format!(
            "{base}/api/v1/engineers/{engineer}/route?date={DATE}"
        ))
        .bearer_auth(&engineer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let route: Value = response.json().await.unwrap();
    let stops = route["stops"].as_array().unwrap();
    assert!(!stops.is_empty());
    let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let mut previous = time(&route["leave_at"]);
    for (index, stop) in stops.iter().enumerate() {
        assert_eq!(stop["sequence"], index as u64 + 1);
        assert!(previous <= time(&stop["arrival"]), "{stop}");
        assert!(time(&stop["on_site_by"]) > time(&stop["start"]) - chrono::Duration::days(2));
        assert!(stop["repaired_by"].is_string());
        previous = time(&stop["departure"]);
    }
    assert!(previous <= time(&route["return_at"]));

    // A malformed ticket is refused with the field named, and nothing is added.
    let count_tickets = || async {
        let list: Value = client
            .get(format!("{base}/api/v1/tickets"))
            .bearer_auth(&call_center_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["count"].as_u64().unwrap()
    };
    let before = count_tickets().await;
    let response = client
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(&call_center_token)
        .json(&serde_json::json!({
            "customer": "Hangzhou Metro",
            "city_adcode": 330100,
            "severity": 9,
            "skill": "network",
            "service_minutes": 90,
            "reported_at": "2026-11-30T08:15:00+08:00"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["field"], "severity", "{error}");
    assert_eq!(
        count_tickets().await,
        before,
        "a refused ticket adds nothing"
    );
    assert!(before >= 80);

    // Running the demo again starts over rather than failing on old data.
    let again = ruyi(dir.path())
        .args([
            "demo",
            "--date",
            DATE,
            "--tickets",
            "20",
            "--time-limit",
            "0.1",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
