//! Settings are checked once, at start-up: a bad value stops `ruyi` before
//! it touches a database, with a message naming the variable (or the flag)
//! that holds it; an error's cause is printed once.

use std::path::Path;
use std::process::{Command, Output};

fn ruyi(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruyi"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUYI_PORT")
        .env_remove("RUYI_TIME_LIMIT")
        .env("RUYI_DB_FILE", "settings.db")
        .env("RUYI_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command.args(args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bad_setting_stops_start_up_naming_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let plan = ["plan", "--hub", "east", "--date", "2026-11-30"];
    for (variable, value, message) in [
        (
            "RUYI_CIRCUITY",
            "abc",
            r#"RUYI_CIRCUITY: "abc" is not a number"#,
        ),
        (
            "RUYI_CITY_KMH",
            "0",
            "RUYI_CITY_KMH: 0 is not a positive number",
        ),
        (
            "RUYI_TIME_LIMIT",
            "-2",
            "RUYI_TIME_LIMIT: -2 is not a positive number",
        ),
        (
            "RUYI_SEED",
            "one",
            r#"RUYI_SEED: "one" is not a whole number"#,
        ),
        (
            "RUYI_LOG",
            "ruyi=loud",
            r#"RUYI_LOG: "ruyi=loud" is not a log filter"#,
        ),
    ] {
        let output = ruyi(dir.path(), &[(variable, value)], &plan);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(message), "{}", stderr(&output));
    }
    // Nothing was opened or created.
    assert!(!dir.path().join("settings.db").exists());
    let output = ruyi(
        dir.path(),
        &[("RUYI_TICKET_SEED", "seven")],
        &["generate", "--date", "2026-11-30"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(r#"RUYI_TICKET_SEED: "seven" is not a whole number"#),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_flag_is_named_as_the_flag_and_a_bad_variable_as_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let output = ruyi(dir.path(), &[], &["serve", "--port", "http"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(r#"--port: "http" is not a port number"#),
        "{}",
        stderr(&output)
    );
    let output = ruyi(dir.path(), &[("RUYI_PORT", "99999")], &["serve"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(r#"RUYI_PORT: "99999" is not a port number"#),
        "{}",
        stderr(&output)
    );
    let output = ruyi(
        dir.path(),
        &[("DATABASE_URL", "mysql://root:secret@db/ruyi")],
        &["migrate"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("DATABASE_URL: "),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("secret"), "{}", stderr(&output));
}

#[test]
fn a_missing_file_is_reported_once_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let output = ruyi(dir.path(), &[], &["import", "--tickets", "missing.csv"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("missing.csv"), "{message}");
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
}
