//! `ruyi generate` end to end: the binary's output is deterministic per
//! seed and reads back with `network::read_tickets_file`.

use std::process::Command;

use ruyi::network::{Network, read_tickets_file};

fn generate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ruyi"))
        .arg("generate")
        .args(args)
        .env_remove("RUYI_TICKET_SEED")
        .env_remove("RUYI_NETWORK_DIR")
        .output()
        .expect("the binary runs")
}

#[test]
fn same_seed_gives_the_same_file_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    for (name, seed) in [("a.csv", "5"), ("b.csv", "5"), ("c.csv", "6")] {
        let output = generate(&[
            "--date",
            "2026-11-30",
            "--tickets",
            "300",
            "--seed",
            seed,
            "--out",
            &path(name),
        ]);
        assert!(output.status.success(), "{output:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("wrote 300 tickets"));
    }
    let a = std::fs::read(path("a.csv")).unwrap();
    let b = std::fs::read(path("b.csv")).unwrap();
    let c = std::fs::read(path("c.csv")).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);

    let tickets = read_tickets_file(&dir.path().join("a.csv")).unwrap();
    assert_eq!(tickets.len(), 300);
    let network = Network::shipped().unwrap();
    for ticket in &tickets {
        let city = network.city(ticket.city_adcode()).expect("a shipped city");
        assert_eq!(ticket.region(), city.region);
    }
}

#[test]
fn stdout_gets_the_csv_when_no_file_is_given() {
    let output = generate(&["--date", "2026-11-30", "--tickets", "3", "--seed", "1"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.starts_with("id,customer,city_adcode,region,"),
        "{text}"
    );
    assert!(text.contains("T20261130-00003"), "{text}");
}

/// Without a seed, `generate` writes the day `ruyi demo` plans: the same
/// default ticket seed, so a newcomer can reproduce the demo's tickets.
#[test]
fn the_default_seed_is_the_demos() {
    let output = generate(&["--date", "2026-11-30", "--tickets", "40"]);
    assert!(output.status.success(), "{output:?}");
    let network = Network::shipped().unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let tickets =
        ruyi::network::generate_tickets(&network, date, 40, ruyi::settings::DEFAULT_TICKET_SEED);
    let mut expected = Vec::new();
    ruyi::network::write_tickets(&mut expected, &tickets).unwrap();
    assert!(
        output.stdout == expected,
        "the default seed is not the demo's"
    );
    let named = generate(&[
        "--date",
        "2026-11-30",
        "--tickets",
        "40",
        "--ticket-seed",
        "7",
    ]);
    assert!(
        named.stdout == expected,
        "--ticket-seed 7 is not the default"
    );
}

#[test]
fn a_bad_date_is_refused() {
    let output = generate(&["--date", "2026-13-01"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--date"));
}

#[test]
fn a_broken_ticket_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tickets.csv");
    let output = generate(&["--date", "2026-11-30", "--tickets", "4", "--seed", "2"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut fields: Vec<String> = lines[2].split(',').map(String::from).collect();
    // severity is the seventh column
    fields[6] = "7".into();
    lines[2] = fields.join(",");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let err = read_tickets_file(&file).unwrap_err().to_string();
    assert!(
        err.ends_with("tickets.csv line 3: severity: 7 is not a severity (1-4)"),
        "{err}"
    );
}
