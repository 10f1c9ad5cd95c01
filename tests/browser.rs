//! The web app in a real browser: Debian's headless Chromium driven through
//! chromedriver (WebDriver, with `fantoccini`) against the real server on
//! a random port over a fresh SQLite database holding the shipped network
//! and a generated day planned for the east hub — the largest — with the
//! server's clock at 09:00 of that day. Each page is opened as the role
//! that uses it, signed in through the sign-in page with its own token.
//!
//! Without Chromium and chromedriver the test is skipped with a message;
//! under `CI=true` it fails instead (`.ci/test` installs both). Writes
//! screenshots of the three main pages at desktop and phone sizes to
//! `target/screenshots/` and the hub board's render time to
//! `target/screenshots/timings.txt`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use ruyi::api::{Application, LiveSettings, issue_token};
use ruyi::clock::Clock;
use ruyi::domain::{EngineerId, Region, Role};
use ruyi::network::{Network, generate_tickets};
use ruyi::settings::{Database, DatabaseUrl, Settings};
use ruyi::storage::Store;
use serde_json::{Value, json};

const DATE: &str = "2026-11-30";
const DESKTOP: (u32, u32) = (1440, 1000);
const PHONE: (u32, u32) = (390, 844);

/// The browser and its driver, where the machine has them.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |variable: &str, candidates: &[&str]| {
        std::env::var_os(variable)
            .map(PathBuf::from)
            .into_iter()
            .chain(candidates.iter().map(PathBuf::from))
            .find(|path| path.exists())
    };
    let chromium = find(
        "RUYI_CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    )?;
    let driver = find("RUYI_CHROMEDRIVER", &["/usr/bin/chromedriver"])?;
    Some((chromium, driver))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(path: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// The browser's console, through chromedriver's log endpoint.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            ],
        }),
    );
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// Console errors (the browser's log at SEVERE, and what the page's error
/// hook caught) since the last call.
async fn console_errors(browser: &Client) -> Vec<String> {
    let mut errors = Vec::new();
    if let Ok(Value::Array(entries)) = browser.issue_cmd(BrowserLog).await {
        for entry in entries {
            if entry["level"] == "SEVERE" {
                errors.push(entry["message"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    if let Ok(Value::Array(caught)) = browser
        .execute("return window.__ruyiErrors || []", vec![])
        .await
    {
        errors.extend(caught.iter().map(|e| e.to_string()));
    }
    errors
}

async fn wait_until(browser: &Client, what: &str, script: &str, timeout: Duration) -> Value {
    let started = Instant::now();
    loop {
        let value = browser.execute(script, vec![]).await.expect("script runs");
        if !value.is_null() && value != Value::Bool(false) {
            return value;
        }
        if started.elapsed() > timeout {
            let toast = browser
                .execute(
                    "const t = document.getElementById('toast'); return t ? t.textContent : ''",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!("timed out after {timeout:?} waiting for {what} (the page said: {toast})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn resize(browser: &Client, (width, height): (u32, u32)) -> Result<(), String> {
    browser
        .set_window_size(width, height)
        .await
        .map_err(|e| e.to_string())
}

/// A screenshot at `size`, once the page has laid itself out again.
async fn screenshot_at(browser: &Client, size: (u32, u32), name: &str) -> Result<(), String> {
    resize(browser, size).await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    screenshot(browser, name).await;
    Ok(())
}

async fn screenshot(browser: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(dir.join(name), png).expect("write the screenshot");
}

/// 09:00 China Standard Time on `DATE`: the server's "now".
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
}

/// The real server over a fresh SQLite file with the shipped network,
/// its stock and a generated day of 1,500 tickets; its clock stands at
/// [`morning`] and live dispatch is off, so only the test changes the day.
async fn spawn_app(dir: &Path) -> (String, Store) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("browser.db").display());
    let settings = Settings {
        database: Database::Url(DatabaseUrl::parse(&url).expect("a database URL")),
        port: 0,
        // Small search budgets keep the test's plans quick; the pages do
        // not depend on how good the plan is.
        time_limit: Duration::from_millis(300),
        live_dispatch: None,
        ..Settings::default()
    };
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let network = Network::shipped().expect("the shipped network");
    store
        .replace_network(
            &network.cities,
            &network.hubs,
            &network.stations,
            &network.engineers,
        )
        .await
        .expect("load the network");
    store
        .set_stock(&Network::shipped_stock().expect("the shipped stock"))
        .await
        .expect("load the stock");
    let date = DATE.parse().expect("a date");
    let tickets = generate_tickets(&network, date, 1500, 7);
    store
        .insert_tickets(&tickets)
        .await
        .expect("insert tickets");
    let live = LiveSettings {
        clock: Clock::manual(morning()),
        max_clock_skew: settings.max_clock_skew,
    };
    let application =
        Application::with_store_live(&settings, store, live).expect("the application");
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store().clone();
    tokio::spawn(application.run_until_stopped());
    (address, store)
}

async fn token(store: &Store, role: Role) -> String {
    let (_, secret) = issue_token(store, role, None, Utc::now(), None)
        .await
        .expect("a token");
    secret.expose().to_string()
}

async fn api(token: &str, method: reqwest::Method, url: String) -> Value {
    let response = reqwest::Client::new()
        .request(method, &url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// Signs in through the sign-in page with `token`, coming back to `path`.
async fn sign_in(browser: &Client, address: &str, token: &str, path: &str) -> Result<(), String> {
    browser
        .goto(&format!("{address}/signin"))
        .await
        .map_err(|e| e.to_string())?;
    let _ = browser
        .execute("sessionStorage.clear(); localStorage.removeItem('ruyi.token'); localStorage.removeItem('ruyi.session');", vec![])
        .await;
    browser
        .goto(&format!("{address}{path}"))
        .await
        .map_err(|e| e.to_string())?;
    // Not signed in: the page sends the user to sign in first.
    let field = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#signin-token"))
        .await
        .map_err(|e| format!("the sign-in page: {e}"))?;
    field.send_keys(token).await.map_err(|e| e.to_string())?;
    click(browser, "#signin-submit").await?;
    let started = Instant::now();
    loop {
        let url = browser.current_url().await.map_err(|e| e.to_string())?;
        if !url.path().starts_with("/signin") {
            let back = format!(
                "{}{}",
                url.path(),
                url.query().map(|q| format!("?{q}")).unwrap_or_default()
            );
            return check(
                back == path,
                &format!("signed in, back at {path} (at {back})"),
            );
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the sign-in did not lead back".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_works_in_a_real_browser() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but Chromium or chromedriver is missing: .ci/test installs them");
        }
        eprintln!(
            "skipped: browser tests (install Debian's chromium and chromium-driver, \
             or set RUYI_CHROMIUM and RUYI_CHROMEDRIVER)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (address, store) = spawn_app(dir.path()).await;
    let tokens = Tokens {
        admin: token(&store, Role::Admin).await,
        coordinator: token(&store, Role::Coordinator(Region::East)).await,
        planner: token(&store, Role::Planner).await,
        engineer: String::new(),
    };
    let roster = api(
        &tokens.admin,
        reqwest::Method::POST,
        format!("{address}/api/v1/hubs/east/rosters?date={DATE}"),
    )
    .await;
    let routes = roster["routes"].as_array().expect("routes").clone();
    assert!(routes.len() > 50, "the east hub plans a full day");
    let engineer = tokens_engineer(&roster);
    let tokens = Tokens {
        engineer: token(
            &store,
            Role::Engineer(EngineerId::parse(&engineer).expect("an engineer id")),
        )
        .await,
        ..tokens
    };

    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().expect("a browser profile");
    let browser = open_browser(&driver, &chromium, profile.path()).await;
    let outcome = run(&browser, &address, &roster, &tokens).await;
    let _ = browser.close().await;
    outcome.unwrap_or_else(|message| panic!("{message}"));
}

struct Tokens {
    admin: String,
    coordinator: String,
    planner: String,
    engineer: String,
}

/// The steps, in order; `Err` names the step that failed (the browser is
/// closed either way).
async fn run(
    browser: &Client,
    address: &str,
    roster: &Value,
    tokens: &Tokens,
) -> Result<(), String> {
    let routes = roster["routes"].as_array().expect("routes");
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    resize(browser, DESKTOP).await?;

    // The hub board: every engineer of the roster in the Gantt, every
    // route on the map, rendered within a second of the data arriving.
    sign_in(
        browser,
        address,
        &tokens.coordinator,
        &format!("/hubs/east?date={DATE}"),
    )
    .await?;
    wait_until(
        browser,
        "the board's first render",
        "return window.ruyiRenders >= 1 && document.querySelectorAll('#map polyline.route').length > 0",
        Duration::from_secs(60),
    )
    .await;
    let render_ms = wait_until(
        browser,
        "the render time",
        "return window.ruyiRenderMs",
        Duration::from_secs(5),
    )
    .await
    .as_f64()
    .unwrap_or(f64::MAX);
    let gantt_rows: Vec<String> = string_list(
        browser,
        "return [...document.querySelectorAll('#gantt g.row')].map(r => r.dataset.engineer)",
    )
    .await;
    let map_routes: Vec<String> = string_list(
        browser,
        "return [...document.querySelectorAll('#map polyline.route')].map(r => r.dataset.engineer)",
    )
    .await;
    let engineers: Vec<String> = routes
        .iter()
        .map(|r| r["engineer_id"].as_str().unwrap_or_default().to_string())
        .collect();
    check(
        gantt_rows == engineers,
        "every engineer of the roster has a row in the Gantt",
    )?;
    check(map_routes == engineers, "every route is on the map")?;
    let visits: usize = routes
        .iter()
        .map(|r| r["visits"].as_array().map_or(0, Vec::len))
        .sum();
    let bars = count(browser, "#gantt rect.visit").await;
    check(bars == visits, "every visit is a bar in the Gantt")?;
    let timings = format!(
        "hub board, east hub, {DATE}: {} routes, {visits} visits, rendered in {render_ms:.0} ms after the data arrived\n",
        routes.len()
    );
    println!("{timings}");
    write_timing(&timings);
    check(
        render_ms <= 1000.0,
        &format!("the east hub board renders within 1 s of the data ({render_ms:.0} ms)"),
    )?;
    screenshot(browser, "board-desktop.png").await;
    errors.push(("hub board".into(), console_errors(browser).await));

    // Pin a visit, re-plan, and the visit is still with its engineer.
    let (pinned_ticket, pinned_engineer) = routes
        .iter()
        .find_map(|r| {
            // A visit late in the day, not yet begun at the server's 09:00.
            let visit = r["visits"]
                .as_array()?
                .iter()
                .rev()
                .find(|v| v["kind"] == "fault")?;
            Some((
                visit["ticket_id"].as_str()?.to_string(),
                r["engineer_id"].as_str()?.to_string(),
            ))
        })
        .ok_or("no fault visit to pin")?;
    click(
        browser,
        &format!("#gantt rect.visit[data-ticket='{pinned_ticket}']"),
    )
    .await?;
    click(browser, "#pin-toggle").await?;
    wait_until(
        browser,
        "the pin on the board",
        &format!("return window.ruyiBoard.board.pins.some(p => p.ticket_id === '{pinned_ticket}')"),
        Duration::from_secs(15),
    )
    .await;
    let before: i64 = browser
        .execute("return window.ruyiBoard.board.roster.id", vec![])
        .await
        .map_err(|e| e.to_string())?
        .as_i64()
        .unwrap_or_default();
    click(browser, "#visit-panel .close").await?;
    click(browser, "#replan").await?;
    wait_until(
        browser,
        "the re-planned roster",
        &format!("return window.ruyiBoard.board.roster.id !== {before}"),
        Duration::from_secs(180),
    )
    .await;
    let holder = browser
        .execute(
            &format!(
                "const r = window.ruyiBoard.board.roster.routes.find(r => r.visits.some(v => v.ticket_id === '{pinned_ticket}')); return r ? r.engineer_id : null"
            ),
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(
        holder == Value::String(pinned_engineer.clone()),
        &format!(
            "the pinned {pinned_ticket} stays with {pinned_engineer} after the re-plan (is with {holder})"
        ),
    )?;
    let stored = api(
        &tokens.admin,
        reqwest::Method::GET,
        format!("{address}/api/v1/engineers/{pinned_engineer}/route?date={DATE}"),
    )
    .await;
    check(
        stored["stops"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["ticket_id"] == pinned_ticket.as_str())),
        "the engineer's published route has the pinned visit",
    )?;

    errors.push(("pin and re-plan".into(), console_errors(browser).await));

    // A move by hand that breaks a rule is refused with the rule, and the
    // roster stays: the pinned visit to another engineer.
    let replanned: i64 = browser
        .execute("return window.ruyiBoard.board.roster.id", vec![])
        .await
        .map_err(|e| e.to_string())?
        .as_i64()
        .unwrap_or_default();
    click(
        browser,
        &format!("#gantt rect.visit[data-ticket='{pinned_ticket}']"),
    )
    .await?;
    browser
        .execute(
            &format!(
                "const s = document.getElementById('move-engineer');
                 s.value = [...s.options].map(o => o.value).find(v => v !== '{pinned_engineer}');"
            ),
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    click(browser, "#move-go").await?;
    let refusal = wait_until(
        browser,
        "the refused move's reason",
        "const r = document.getElementById('move-result'); return r && r.textContent ? r.textContent : null",
        Duration::from_secs(30),
    )
    .await;
    let refusal = refusal.as_str().unwrap_or_default().to_string();
    check(
        refusal.contains(&pinned_ticket) && refusal.contains(&pinned_engineer),
        &format!("a move of a pinned visit is refused naming the pin ({refusal})"),
    )?;
    let still: i64 = browser
        .execute("return window.ruyiBoard.board.roster.id", vec![])
        .await
        .map_err(|e| e.to_string())?
        .as_i64()
        .unwrap_or_default();
    check(still == replanned, "a refused move writes no revision")?;
    click(browser, "#visit-panel .close").await?;
    // The browser reports the refused request itself (a 4xx answer); any
    // other console error counts.
    let unexpected: Vec<String> = console_errors(browser)
        .await
        .into_iter()
        .filter(|e| !(e.contains("/moves") && e.contains("status of 4")))
        .collect();
    errors.push(("refused move".into(), unexpected));

    // An emergency from the form, right after the re-plan, shows on the
    // board without a reload.
    let loaded_at = browser
        .execute("return window.ruyiLoadedAt", vec![])
        .await
        .map_err(|e| e.to_string())?;
    click(browser, "#emergency-open").await?;
    browser
        .execute(
            "const f = document.getElementById('emergency-form');
             f.customer.value = 'Browser Test Bank'; f.skill.value = 'network';
             f.at.value = '09:00'; f.max_changes.value = '5';",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    click(browser, "#emergency-submit").await?;
    let inserted = wait_until(
        browser,
        "the emergency's ticket",
        "return window.ruyiLastInserted",
        Duration::from_secs(60),
    )
    .await;
    let inserted = inserted.as_str().unwrap_or_default().to_string();
    wait_until(
        browser,
        "the emergency's visit in the Gantt",
        &format!(
            "return !!document.querySelector(\"#gantt rect.visit[data-ticket='{inserted}']\")"
        ),
        Duration::from_secs(30),
    )
    .await;
    let still = browser
        .execute("return window.ruyiLoadedAt", vec![])
        .await
        .map_err(|e| e.to_string())?;
    check(still == loaded_at, "the board did not reload")?;
    errors.push(("emergency insertion".into(), console_errors(browser).await));

    // The board at phone size.
    click(browser, "#visit-panel .close").await?;
    screenshot_at(browser, PHONE, "board-phone.png").await?;

    // My day on a phone, signed in as the engineer: the stops in order
    // with working geo: links.
    let engineer = tokens_engineer(roster);
    let published = api(
        &tokens.admin,
        reqwest::Method::GET,
        format!("{address}/api/v1/engineers/{engineer}/route?date={DATE}"),
    )
    .await;
    let stops = published["stops"].as_array().ok_or("no stops")?;
    sign_in(
        browser,
        address,
        &tokens.engineer,
        &format!("/me?date={DATE}"),
    )
    .await?;
    wait_until(
        browser,
        "the stops",
        &format!(
            "return document.querySelectorAll('#stops li.stop').length === {}",
            stops.len()
        ),
        Duration::from_secs(20),
    )
    .await;
    let shown = string_list(
        browser,
        "return [...document.querySelectorAll('#stops li.stop')].map(s => s.dataset.ticket)",
    )
    .await;
    let expected: Vec<String> = stops
        .iter()
        .map(|s| s["ticket_id"].as_str().unwrap_or_default().to_string())
        .collect();
    check(shown == expected, "the stops are shown in route order")?;
    let links = string_list(
        browser,
        "return [...document.querySelectorAll('#stops li.stop a.nav')].map(a => a.getAttribute('href'))",
    )
    .await;
    check(
        links.len() == stops.len(),
        "every stop has a navigation link",
    )?;
    for (link, stop) in links.iter().zip(stops) {
        let (lat, lon) = (
            stop["location"]["lat"].as_f64().unwrap_or_default(),
            stop["location"]["lon"].as_f64().unwrap_or_default(),
        );
        check(
            geo_point(link).is_some_and(|(a, b)| (a - lat).abs() < 1e-5 && (b - lon).abs() < 1e-5),
            &format!("{link} is a geo: URI (RFC 5870) of the stop at {lat},{lon}"),
        )?;
    }
    let width = browser
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .map_err(|e| e.to_string())?
        .as_f64()
        .unwrap_or(f64::MAX);
    check(
        width <= f64::from(PHONE.0) + 1.0,
        &format!("My day fits a 390 px phone without sideways scrolling ({width} px)"),
    )?;
    screenshot(browser, "me-phone.png").await;
    errors.push(("my day".into(), console_errors(browser).await));
    screenshot_at(browser, DESKTOP, "me-desktop.png").await?;

    // Coverage: a station opened by clicking a city changes the share.
    sign_in(browser, address, &tokens.planner, "/coverage").await?;
    wait_until(
        browser,
        "the coverage map",
        "return document.querySelectorAll('#cov-map circle.city').length > 300 && !!document.querySelector('[data-kpi=urgent]')",
        Duration::from_secs(60),
    )
    .await;
    screenshot(browser, "coverage-desktop.png").await;
    let before = kpi(browser, "urgent").await;
    // Kashgar: four and a half million people, no station within 2 h.
    click(browser, "#cov-map circle.city[data-adcode='653100']").await?;
    wait_until(
        browser,
        "the what-if's share",
        "return !!document.querySelector('[data-kpi=urgent] [data-after]')",
        Duration::from_secs(60),
    )
    .await;
    let after = browser
        .execute(
            "return document.querySelector('[data-kpi=urgent] [data-after]').textContent",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(
        after.as_str().is_some_and(|a| a != before),
        &format!("the what-if changes the share covered within 2 h ({before} → {after})"),
    )?;
    screenshot(browser, "coverage-whatif-desktop.png").await;
    errors.push(("coverage".into(), console_errors(browser).await));
    screenshot_at(browser, PHONE, "coverage-phone.png").await?;

    // The ticket page, and the English switch.
    resize(browser, DESKTOP).await?;
    sign_in(
        browser,
        address,
        &tokens.coordinator,
        &format!("/tickets/{pinned_ticket}"),
    )
    .await?;
    wait_until(
        browser,
        "the ticket page",
        "return !!document.querySelector('#ticket ol.timeline')",
        Duration::from_secs(20),
    )
    .await;
    click(browser, "#lang-switch").await?;
    screenshot(browser, "ticket-desktop-en.png").await;
    click(browser, "#lang-switch").await?;
    errors.push(("ticket".into(), console_errors(browser).await));

    let logged: Vec<String> = errors
        .into_iter()
        .flat_map(|(page, errors)| errors.into_iter().map(move |e| format!("{page}: {e}")))
        .collect();
    check(
        logged.is_empty(),
        &format!("no page logs a console error: {logged:#?}"),
    )
}

/// The engineer whose day the phone shows: the longest day of the roster.
fn tokens_engineer(roster: &Value) -> String {
    roster["routes"]
        .as_array()
        .and_then(|routes| {
            routes
                .iter()
                .max_by_key(|r| r["visits"].as_array().map_or(0, Vec::len))
        })
        .and_then(|r| r["engineer_id"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("failed: {what}"))
    }
}

async fn click(browser: &Client, selector: &str) -> Result<(), String> {
    let element = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(selector))
        .await
        .map_err(|e| format!("{selector}: {e}"))?;
    if element.click().await.is_err() {
        // An SVG shape under another may not take a pointer click: the
        // page's own handler is what matters.
        browser
            .execute(
                "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                vec![serde_json::to_value(&element).map_err(|e| e.to_string())?],
            )
            .await
            .map_err(|e| format!("{selector}: {e}"))?;
    }
    Ok(())
}

async fn count(browser: &Client, selector: &str) -> usize {
    browser
        .find_all(Locator::Css(selector))
        .await
        .map_or(0, |all| all.len())
}

async fn string_list(browser: &Client, script: &str) -> Vec<String> {
    match browser.execute(script, vec![]).await {
        Ok(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

async fn kpi(browser: &Client, key: &str) -> String {
    browser
        .execute(
            &format!("return document.querySelector('[data-kpi={key}] b').textContent"),
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The point of a `geo:` URI (RFC 5870: `geo:lat,lon[;…][?…]`).
fn geo_point(uri: &str) -> Option<(f64, f64)> {
    let rest = uri.strip_prefix("geo:")?;
    let coordinates = rest.split(['?', ';']).next()?;
    let mut parts = coordinates.split(',');
    let lat: f64 = parts.next()?.parse().ok()?;
    let lon: f64 = parts.next()?.parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn write_timing(line: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("timings.txt"), line);
}
