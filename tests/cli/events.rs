//! `ruyi events import` replays an event file all or nothing, naming a bad
//! line; `ruyi report sla` prints the report as CSV.

use std::path::Path;
use std::process::{Command, Output};

fn ruyi(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ruyi"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUYI_DB_FILE", "events.db")
        .env("RUYI_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn an_event_file_is_imported_whole_or_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(
        path.join("day.jsonl"),
        concat!(
            r#"{"engineer_id": "E0001", "event_id": "a1", "kind": "shift_started", "at": "2026-11-29T08:30:00+08:00", "lat": 39.9, "lon": 116.4}"#,
            "\n\n",
            r#"{"engineer_id": "E0001", "event_id": "a2", "kind": "unavailable", "at": "2026-11-29T09:00:00+08:00", "from": "2026-11-29T09:00:00+08:00", "until": "2026-11-29T12:00:00+08:00", "reason": "car broke down"}"#,
            "\n",
        ),
    )
    .unwrap();
    std::fs::write(
        path.join("late.csv"),
        "engineer_id,event_id,kind,at,lat,lon\n\
         E0002,b1,position,2026-11-29T10:00:00+08:00,39.9,116.4\n\
         E0002,b2,shift_ended,2026-11-29T09:00:00+08:00,,\n",
    )
    .unwrap();

    let refused = ruyi(path, &["events", "import", "late.csv"]);
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(
        message.contains("line 3") && message.contains("at"),
        "{message}"
    );

    let imported = ruyi(path, &["events", "import", "day.jsonl"]);
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported).contains("imported 2 events"),
        "{}",
        text(&imported)
    );
    let again = ruyi(path, &["events", "import", "day.jsonl"]);
    assert!(
        text(&again).contains("imported 0 events") && text(&again).contains("2 already stored"),
        "{}",
        text(&again)
    );

    std::fs::write(
        path.join("bad.jsonl"),
        r#"{"engineer_id": "E0001", "event_id": "c1", "kind": "teleported", "at": "2026-11-29T13:00:00+08:00"}"#,
    )
    .unwrap();
    let bad = ruyi(path, &["events", "import", "bad.jsonl"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("line 1: kind"), "{}", text(&bad));

    let report = ruyi(
        path,
        &[
            "report",
            "sla",
            "--from",
            "2026-11-29",
            "--to",
            "2026-11-29",
            "--format",
            "csv",
        ],
    );
    assert!(report.status.success(), "{}", text(&report));
    assert_eq!(
        String::from_utf8_lossy(&report.stdout),
        "hub,severity,tickets,response_met,on_site_met,repair_met,loaners_issued,escalations_reached\n\
         all,all,0,0,0,0,0,0\n"
    );
}
