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

#[test]
fn serve_with_an_unreachable_database_fails_within_5_s_naming_the_url_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on this host: nothing listens, every connection is refused.
    let url = "postgres://ruyi:hunter2@127.0.0.1:1/ruyi";
    let started = std::time::Instant::now();
    let output = ruyi(
        dir.path(),
        &[("DATABASE_URL", url)],
        &["serve", "--port", "0"],
    );
    let elapsed = started.elapsed();
    assert!(!output.status.success());
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    let stderr = stderr(&output);
    assert!(
        stderr.contains("postgres://ruyi:***@127.0.0.1:1/ruyi"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn token_create_prints_the_token_once_list_shows_no_secret_and_revoke_marks_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = ruyi(
        dir.path(),
        &[],
        &[
            "token",
            "create",
            "--role",
            "coordinator",
            "--hub",
            "east",
            "--expires",
            "90d",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let token = stdout
        .lines()
        .find(|line| line.starts_with("ruyi_"))
        .unwrap_or_else(|| panic!("no token printed:\n{stdout}"))
        .to_string();
    assert_eq!(token.len(), "ruyi_".len() + 64);
    assert!(stdout.contains("coordinator of east"), "{stdout}");
    assert!(stdout.contains("expires"), "{stdout}");

    let list = ruyi(dir.path(), &[], &["token", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(
        listed.contains("coordinator") && listed.contains("live"),
        "{listed}"
    );
    assert!(!listed.contains(&token[5..]), "the secret is never listed");

    let revoked = ruyi(dir.path(), &[], &["token", "revoke", "1"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let list = ruyi(dir.path(), &[], &["token", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("revoked"));

    // A coordinator needs a hub; a planner takes none; lifetimes have units.
    for args in [
        vec!["token", "create", "--role", "coordinator"],
        vec!["token", "create", "--role", "planner", "--hub", "east"],
        vec!["token", "create", "--role", "root"],
        vec!["token", "create", "--role", "planner", "--expires", "90"],
        vec!["token", "revoke", "99"],
    ] {
        let output = ruyi(dir.path(), &[], &args);
        assert!(!output.status.success(), "{args:?}");
        assert!(!stderr(&output).is_empty(), "{args:?}");
    }
}

/// Stops a child process when the test ends, even on a failed assertion.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn neither_a_token_nor_its_hash_appears_in_the_servers_log_even_at_trace() {
    let dir = tempfile::tempdir().unwrap();
    let created = ruyi(dir.path(), &[], &["token", "create", "--role", "planner"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let token = String::from_utf8_lossy(&created.stdout)
        .lines()
        .find(|line| line.starts_with("ruyi_"))
        .unwrap()
        .to_string();
    let hash = ruyi::api::hash_token(&token);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruyi"));
    command
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("RUYI_DB_FILE", "settings.db")
        .env("RUYI_LOG", "trace")
        .args(["serve", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(log);
    let server = Child(command.spawn().unwrap());
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "ruyi serve did not come up");
    for path in ["/api/v1/tickets", "/api/v1/engineers", "/api/v1/nowhere"] {
        let response = client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_ne!(response.status().as_u16(), 401, "{path}");
    }
    drop(server);
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(
        log.lines().count() > 10,
        "the server logged at trace:\n{log}"
    );
    assert!(!log.contains(&hash), "the token's hash is in the log");
    assert!(!log.contains(&token[5..]), "the token is in the log");
}
