//! The planning path from the command line: `generate` a day, `import` it,
//! `plan` one hub; a broken CSV line is refused by number and stores
//! nothing.

use std::path::Path;
use std::process::{Command, Output};

fn ruyi(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ruyi"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUYI_DB_FILE", "plan.db")
        .env("RUYI_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn generate_import_and_plan_a_hub_then_refuse_a_broken_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    stdout(&ruyi(
        path,
        &[
            "generate",
            "--date",
            "2026-11-30",
            "--tickets",
            "120",
            "--seed",
            "5",
            "--out",
            "day.csv",
        ],
    ));
    let imported = stdout(&ruyi(path, &["import", "--tickets", "day.csv"]));
    assert!(imported.contains("imported 120 tickets"), "{imported}");

    let planned = stdout(&ruyi(
        path,
        &[
            "plan",
            "--hub",
            "east",
            "--date",
            "2026-11-30",
            "--time-limit",
            "0.2",
            "--out",
            "east.json",
        ],
    ));
    assert!(
        planned.starts_with("roster 1 for the east hub on 2026-11-30"),
        "{planned}"
    );
    let roster: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("east.json")).unwrap()).unwrap();
    assert_eq!(roster["hub"], "east");
    let tickets = roster["summary"]["tickets"].as_u64().unwrap();
    assert!(tickets > 0);
    // The key customers' analyses due fill the slack, marked as such.
    let analyses = roster["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["visits"].as_array().unwrap())
        .filter(|v| v["kind"] == "preventive")
        .count() as u64;
    assert!(analyses > 0, "{roster}");
    assert_eq!(roster["summary"]["preventive_placed"], analyses);
    assert!(
        planned.contains(&format!("system analyses: {analyses} placed in slack")),
        "{planned}"
    );

    // Planning again finds nothing open: every ticket was planned, resolved
    // remotely or left open with a reason, and the open ones come back.
    // The summary counts the unassigned tickets by reason; --verbose lists
    // each of them.
    assert!(planned.lines().count() <= 6, "{planned}");
    let again = stdout(&ruyi(
        path,
        &[
            "plan",
            "--hub",
            "east",
            "--date",
            "2026-11-30",
            "--time-limit",
            "0.2",
            "--verbose",
            "--out",
            "again.json",
        ],
    ));
    assert!(again.starts_with("roster 2 for the east hub"), "{again}");
    let roster: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("again.json")).unwrap()).unwrap();
    for unassigned in roster["unassigned"].as_array().unwrap() {
        let id = unassigned["ticket_id"].as_str().unwrap();
        assert!(again.contains(&format!("unassigned {id}: ")), "{again}");
    }

    // Line 3 has a severity of 7: refused by line, nothing stored.
    let csv = std::fs::read_to_string(path.join("day.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let severity = header.iter().position(|c| *c == "severity").unwrap();
    let id = header.iter().position(|c| *c == "id").unwrap();
    for (n, line) in lines.iter_mut().enumerate().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[id] = format!("NEW-{n}");
        if n == 2 {
            cells[severity] = "7".to_string();
        }
        *line = cells.join(",");
    }
    std::fs::write(path.join("bad.csv"), lines.join("\n") + "\n").unwrap();
    let refused = ruyi(path, &["import", "--tickets", "bad.csv"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("line 3") && message.contains("severity"),
        "{message}"
    );
    let url = format!("sqlite://{}", path.join("plan.db").display());
    let count = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = ruyi::storage::Store::connect(&url).await.unwrap();
        store.count_tickets(Default::default()).await.unwrap()
    });
    assert_eq!(count, 120, "no ticket of the refused file was stored");
}
