//! The web app `ruyi serve` serves beside the API: the hub board for
//! coordinators (`/hubs/{hub}?date=`), "My day" for engineers on a phone
//! (`/me`), coverage for planners (`/coverage`) and a ticket page
//! (`/tickets/{id}`).
//!
//! Each page is a small server-rendered HTML shell — header, navigation,
//! the page's frame and controls — and a hand-written script that fetches
//! the page's data from the JSON API with the bearer token the user signed
//! in with (`/signin`) and draws it: maps and the Gantt as SVG, no tiles,
//! no CDN, no build step. The token stays in the browser's session storage
//! (local storage if the user asks to be remembered) and goes out only as
//! `Authorization: Bearer`, never as a cookie, so another site cannot make
//! the browser use it; every page is served with a Content-Security-Policy
//! that runs only these scripts and talks only to this server. The scripts, the stylesheet and the
//! province outlines are compiled into the binary (`include_str!`), so
//! the app works wherever the server runs, offline included. Chinese
//! first, English by a switch; times in China Standard Time.
//!
//! Depends on actix-web only; the data comes through the API.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// An embedded asset: its name under `/assets/`, content type and text.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "ruyi.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/ruyi.css"),
    },
    Asset {
        name: "ruyi.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/ruyi.js"),
    },
    Asset {
        name: "board.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/board.js"),
    },
    Asset {
        name: "me.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/me.js"),
    },
    Asset {
        name: "coverage.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/coverage.js"),
    },
    Asset {
        name: "ticket.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/ticket.js"),
    },
    Asset {
        name: "signin.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/signin.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("assets/favicon.svg"),
    },
];

/// The hubs, in the order the navigation lists them, with their names.
const HUBS: [(&str, &str, &str); 7] = [
    ("north", "华北", "North"),
    ("northeast", "东北", "Northeast"),
    ("east", "华东", "East"),
    ("south", "华南", "South"),
    ("southwest", "西南", "Southwest"),
    ("northwest", "西北", "Northwest"),
    ("central", "华中", "Central"),
];

/// Adds the pages and `/assets/{name}` to an app.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(index))
        .route("/signin", web::get().to(sign_in))
        .route("/hubs/{hub}", web::get().to(hub_board))
        .route("/me", web::get().to(my_day))
        .route("/coverage", web::get().to(coverage))
        .route("/tickets/{id}", web::get().to(ticket))
        .route("/assets/{name}", web::get().to(asset));
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::ETAG, format!("\"{}\"", env!("CARGO_PKG_VERSION"))))
            .body(asset.body),
        None => HttpResponse::NotFound()
            .content_type("application/json")
            .body(r#"{"error":"no such asset"}"#),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A text in both languages: Chinese shown, English by the switch.
fn both(zh: &str, en: &str) -> String {
    format!(
        r#"<span lang="zh">{}</span><span lang="en">{}</span>"#,
        escape(zh),
        escape(en)
    )
}

/// The page frame: header with navigation, the language switch and the
/// token field; `main` is the page's own markup, `script` its script.
fn page(title_zh: &str, title_en: &str, page_id: &str, main: &str, script: &str) -> HttpResponse {
    let hubs: String = HUBS
        .iter()
        .map(|(code, zh, en)| {
            format!(
                r#"<a href="/hubs/{code}" data-hub="{code}">{}</a>"#,
                both(zh, en)
            )
        })
        .collect();
    let html = format!(
        r##"<!doctype html>
<html lang="zh-CN" data-page="{page_id}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_zh} · 如意 Ruyi</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/ruyi.css">
</head>
<body class="lang-zh">
<header class="top">
  <a class="brand" href="/">如意 <small>Ruyi</small></a>
  <nav class="hubs">{hubs}</nav>
  <nav class="pages">
    <a href="/me">{me}</a>
    <a href="/coverage">{coverage}</a>
  </nav>
  <div class="tools">
    <span id="who" class="who"></span>
    <button type="button" id="lang-switch" title="中文 / English">EN</button>
    <button type="button" id="sign-out" hidden>{sign_out}</button>
  </div>
</header>
<main id="main" class="page-{page_id}">
<h1 class="page-title">{title}</h1>
{main}
</main>
<div id="toast" role="status" aria-live="polite"></div>
<script src="/assets/ruyi.js"></script>
{script}
</body>
</html>
"##,
        me = both("我的一天", "My day"),
        coverage = both("覆盖", "Coverage"),
        sign_out = both("退出", "Sign out"),
        title = both(title_zh, title_en),
        title_zh = escape(title_zh),
        script = if script.is_empty() {
            String::new()
        } else {
            format!(r#"<script src="/assets/{script}"></script>"#)
        },
    );
    html_page(HttpResponse::Ok(), html)
}

/// What a page may load and where it may send: only this server's own
/// scripts, styles, images and API (inline styles are allowed for the
/// drawn maps' colours; inline scripts are not).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

fn html_page(mut response: actix_web::HttpResponseBuilder, html: String) -> HttpResponse {
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(html)
}

async fn sign_in() -> HttpResponse {
    let main = format!(
        r#"<form id="signin-form" class="panel signin" autocomplete="off">
  <p>{intro}</p>
  <label>{token} <input id="signin-token" name="token" type="password" required placeholder="ruyi_…" autocomplete="current-password"></label>
  <label class="check"><input id="signin-remember" type="checkbox"> {remember}</label>
  <button type="submit" class="primary" id="signin-submit">{submit}</button>
  <p id="signin-error" class="hint down" role="alert"></p>
  <p class="hint">{note}</p>
</form>"#,
        intro = both(
            "用管理员发给您的 API 令牌登录（ruyi token create）。",
            "Sign in with the API token your administrator issued (ruyi token create)."
        ),
        token = both("令牌", "Token"),
        remember = both(
            "在此设备上记住（仅限个人设备）",
            "Remember on this device (your own device only)"
        ),
        submit = both("登录", "Sign in"),
        note = both(
            "令牌只保存在本浏览器中，只随对本服务器的请求发送。",
            "The token stays in this browser and is sent only with requests to this server."
        ),
    );
    page("登录", "Sign in", "signin", &main, "signin.js")
}

async fn index() -> HttpResponse {
    let hubs: String = HUBS
        .iter()
        .map(|(code, zh, en)| {
            format!(
                r#"<li><a href="/hubs/{code}">{}</a></li>"#,
                both(&format!("{zh}区域中心排班板"), &format!("{en} hub board"))
            )
        })
        .collect();
    let main = format!(
        r#"<section class="cards">
<div class="card"><h2>{coordinators}</h2><ul class="plain">{hubs}</ul></div>
<div class="card"><h2>{engineers}</h2><p><a href="/me">{me}</a></p></div>
<div class="card"><h2>{planners}</h2><p><a href="/coverage">{coverage}</a></p></div>
</section>"#,
        coordinators = both("区域协调员", "Hub coordinators"),
        engineers = both("工程师", "Engineers"),
        me = both(
            "我的一天：今天的站点、导航、状态",
            "My day: today's stops, navigation, status"
        ),
        planners = both("网络规划", "Planners"),
        coverage = both(
            "覆盖：到最近服务点的时间、假设分析、选址",
            "Coverage: time to the nearest base, what-if, siting"
        ),
    );
    page("如意派工", "Ruyi dispatch", "index", &main, "")
}

async fn hub_board(hub: web::Path<String>) -> HttpResponse {
    let Some((code, zh, en)) = HUBS.iter().find(|(code, ..)| *code == hub.as_str()) else {
        return html_page(
            HttpResponse::NotFound(),
            format!(
                "<!doctype html><meta charset=utf-8><title>404</title><p>{} is not a hub. <a href=\"/\">Ruyi</a></p>",
                escape(&hub)
            ),
        );
    };
    let main = format!(
        r##"<section class="toolbar" data-hub="{code}">
  <label>{date} <input type="date" id="board-date"></label>
  <button type="button" id="generate" class="primary">{generate}</button>
  <button type="button" id="replan">{replan}</button>
  <button type="button" id="emergency-open" class="danger">{emergency}</button>
  <span id="live" class="live" title="">{live}</span>
</section>
<section id="summary" class="summary"></section>
<section class="board">
  <div class="panel map-panel"><h2>{map}</h2><div id="map" class="map"></div><div id="map-legend" class="legend"></div></div>
  <div class="panel gantt-panel"><h2>{gantt}</h2><div id="gantt-legend" class="legend"></div><div id="gantt" class="gantt"></div></div>
</section>
<section class="panel"><h2>{unassigned}</h2><div id="unassigned"></div></section>
<aside id="visit-panel" class="drawer" hidden></aside>
<dialog id="emergency-dialog">
<form id="emergency-form" method="dialog">
  <h2>{emergency_title}</h2>
  <label>{customer} <input name="customer" required value=""></label>
  <label>{city} <select name="city_adcode" id="emergency-city"></select></label>
  <label>{skill} <select name="skill">
    <option value="server">server</option><option value="network">network</option>
    <option value="storage">storage</option><option value="systems">systems</option>
    <option value="pc_hardware">pc_hardware</option><option value="printer">printer</option>
    <option value="integration">integration</option></select></label>
  <label>{minutes} <input name="service_minutes" type="number" min="10" max="600" value="90"></label>
  <label>{at} <input name="at" type="time" value="10:15"></label>
  <label>{max_changes} <input name="max_changes" type="number" min="0" max="20" value="3"></label>
  <label>{address} <input name="address"></label>
  <label>{phone} <input name="contact_phone"></label>
  <label>{fault} <input name="fault"></label>
  <p class="hint">{severity_note}</p>
  <menu><button type="button" id="emergency-cancel">{cancel}</button><button type="submit" class="danger" id="emergency-submit">{insert}</button></menu>
</form>
</dialog>"##,
        date = both("日期", "Date"),
        generate = both("生成排班", "Generate roster"),
        replan = both("重新规划", "Re-plan"),
        emergency = both("紧急插单", "Emergency"),
        live = both("实时", "live"),
        map = both("地图", "Map"),
        gantt = both("工程师日程", "Engineers' day"),
        unassigned = both("未分配工单", "Unassigned tickets"),
        emergency_title = both("插入一级故障", "Insert a severity-1 fault"),
        customer = both("客户", "Customer"),
        city = both("城市", "City"),
        skill = both("技能", "Skill"),
        minutes = both("现场分钟", "Minutes on site"),
        at = both("生效时间", "Effective at"),
        max_changes = both("最多改动", "Max changes"),
        address = both("地址", "Address"),
        phone = both("电话", "Phone"),
        fault = both("故障描述", "Fault"),
        severity_note = both(
            "一级：系统停机。插入当前发布的排班，不超过允许的改动数。",
            "Severity 1: system down. Inserted into the published day within the allowed changes."
        ),
        cancel = both("取消", "Cancel"),
        insert = both("插入", "Insert"),
    );
    page(
        &format!("{zh}区域中心排班板"),
        &format!("{en} hub board"),
        "board",
        &main,
        "board.js",
    )
}

async fn my_day() -> HttpResponse {
    let main = format!(
        r#"<section class="toolbar me-toolbar">
  <label>{engineer} <input id="me-engineer" placeholder="E0001" size="8" autocomplete="off"></label>
  <label>{date} <input type="date" id="me-date"></label>
  <button type="button" id="me-load" class="primary">{load}</button>
</section>
<section id="me-head" class="me-head"></section>
<section class="me-actions">
  <button type="button" id="me-print">{print}</button>
  <button type="button" id="me-ics">{calendar}</button>
</section>
<ol id="stops" class="stops"></ol>"#,
        engineer = both("工程师", "Engineer"),
        date = both("日期", "Date"),
        load = both("查看", "Show"),
        print = both("打印", "Print"),
        calendar = both("添加到日历", "Add to calendar"),
    );
    page("我的一天", "My day", "me", &main, "me.js")
}

async fn coverage() -> HttpResponse {
    let main = format!(
        r#"<section id="kpis" class="summary"></section>
<section class="board coverage-board">
  <div class="panel map-panel"><h2>{map}</h2><p class="hint">{hint}</p><div id="cov-map" class="map cov-map"></div><div id="cov-legend" class="legend"></div></div>
  <div class="panel side-panel">
    <h2>{whatif}</h2>
    <div id="whatif"></div>
    <button type="button" id="whatif-clear">{clear}</button>
    <h2>{siting}</h2>
    <label>k <input id="site-k" type="number" min="1" max="30" value="5"></label>
    <label>{within} <select id="site-within"><option value="2h">2 h</option><option value="12h">12 h</option></select></label>
    <button type="button" id="site-run" class="primary">{run}</button>
    <div id="siting"></div>
    <h2>{downloads}</h2>
    <p><button type="button" id="dl-svg">SVG</button> <button type="button" id="dl-png">PNG</button></p>
  </div>
</section>
<section class="panel"><h2>{skills}</h2><p class="hint">{skills_hint}</p><div id="skills"></div><h3>{gaps}</h3><div id="gaps"></div></section>"#,
        map = both("服务网络", "The network"),
        hint = both(
            "点击城市：假设在该城市新建服务站（2 名全技能工程师）。",
            "Click a city to open a station there (two engineers with every skill) in the what-if."
        ),
        whatif = both("假设分析", "What-if"),
        clear = both("清除", "Clear"),
        siting = both("选址：新增 k 个服务站", "Siting: k new stations"),
        within = both("覆盖时限", "Within"),
        run = both("计算", "Solve"),
        downloads = both("地图下载", "Map downloads"),
        skills = both(
            "按技能覆盖（与派工规则一致）",
            "Coverage by skill (as dispatch counts)"
        ),
        skills_hint = both(
            "城市仅在本区域有该技能的工程师可在班次内往返时计为覆盖。",
            "A city counts as covered for a skill only where an engineer of its region with that skill can make the trip within the shift."
        ),
        gaps = both("技能缺口（按需求排序）", "Skill gaps, most demand first"),
    );
    page(
        "覆盖规划",
        "Coverage planning",
        "coverage",
        &main,
        "coverage.js",
    )
}

async fn ticket(id: web::Path<String>) -> HttpResponse {
    let main = format!(
        r#"<section id="ticket" class="ticket" data-ticket="{}"></section>"#,
        escape(&id)
    );
    page("工单", "Ticket", "ticket", &main, "ticket.js")
}
