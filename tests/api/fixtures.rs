//! Shared by the API tests and the storage tests (included with `#[path]`):
//! a fresh database per test on SQLite or PostgreSQL, a small hand-built
//! network, tickets and a roster.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use ruyi::domain::{
    Certification, City, Engineer, EngineerBase, EngineerId, EngineerRoute, GeoPoint, Hub, Loaner,
    ReasonCode, Region, Roster, RosterSummary, Severity, ShiftPattern, Skill, SlaPolicy, Station,
    StationId, StockPoint, Ticket, TicketId, UnassignedTicket, Visit, VisitKind,
};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::storage::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A database that lives as long as the test holds it.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database; `None` when PostgreSQL is not configured
/// outside CI. Under `CI=true` a missing PostgreSQL is a failure, so CI
/// cannot pass by skipping half the tests.
pub async fn fresh_database(backend: TestBackend) -> Option<TestDatabase> {
    match backend {
        TestBackend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            Some(TestDatabase {
                url,
                _dir: Some(dir),
            })
        }
        TestBackend::Postgres => {
            let Ok(admin_url) = std::env::var("RUYI_TEST_POSTGRES_URL") else {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!(
                        "CI=true but RUYI_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI"
                    );
                }
                eprintln!("skipped: PostgreSQL test (RUYI_TEST_POSTGRES_URL is not set)");
                return None;
            };
            let name = format!(
                "test_{}_{}_{}",
                std::process::id(),
                Utc::now().timestamp_nanos_opt().unwrap_or_default(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            use sqlx::{Connection, Executor};
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to RUYI_TEST_POSTGRES_URL");
            admin
                .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
                .await
                .expect("create test database");
            admin.close().await.ok();
            Some(TestDatabase {
                url: with_database(&admin_url, &name),
                _dir: None,
            })
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Generates `sqlite` and `postgres` variants of each named test. Each test
/// is an `async fn name(subject)` in the calling module, and `$setup` is an
/// `async fn(TestBackend) -> Option<(Subject, Guard)>`; `None` means skipped.
#[macro_export]
macro_rules! on_both_databases {
    ($setup:path; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    let (subject, _guard) = $setup($crate::fixtures::TestBackend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(subject).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some((subject, _guard)) =
                        $setup($crate::fixtures::TestBackend::Postgres).await
                    {
                        super::$name(subject).await;
                    }
                }
            }
        )*
    };
}

pub fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::new(lat, lon).unwrap()
}

pub fn city(adcode: u32, name: &str, region: Region, lat: f64, lon: f64) -> City {
    City {
        adcode,
        name_zh: format!("{name}市"),
        name_en: name.to_string(),
        province_zh: "省".to_string(),
        province_en: "Province".to_string(),
        location: point(lat, lon),
        population: Some(1_000_000),
        region,
    }
}

pub const HANGZHOU: u32 = 330100;
pub const NINGBO: u32 = 330200;
pub const BEIJING: u32 = 110000;

/// Two hubs (east, north), one station in Ningbo, three engineers.
pub struct SmallNetwork {
    pub cities: Vec<City>,
    pub hubs: Vec<Hub>,
    pub stations: Vec<Station>,
    pub engineers: Vec<Engineer>,
}

pub fn small_network() -> SmallNetwork {
    let cities = vec![
        city(HANGZHOU, "Hangzhou", Region::East, 30.274, 120.155),
        city(NINGBO, "Ningbo", Region::East, 29.868, 121.544),
        // Unknown population, as for a few real prefectures.
        City {
            population: None,
            ..city(BEIJING, "Beijing", Region::North, 39.904, 116.407)
        },
    ];
    let hubs = vec![
        Hub {
            region: Region::East,
            city_adcode: HANGZHOU,
            name: "East China hub".to_string(),
            location: point(30.274, 120.155),
        },
        Hub {
            region: Region::North,
            city_adcode: BEIJING,
            name: "North China hub".to_string(),
            location: point(39.904, 116.407),
        },
    ];
    let station_id = StationId::parse("S001").unwrap();
    let stations = vec![
        Station::new(
            station_id.clone(),
            "Ningbo station",
            NINGBO,
            Region::East,
            point(29.868, 121.544),
        )
        .unwrap(),
    ];
    let engineers = vec![
        Engineer::new(EngineerProfile {
            id: EngineerId::parse("E001").unwrap(),
            name: "Li Wei".to_string(),
            base: EngineerBase::Station(station_id),
            region: Region::East,
            home: point(29.868, 121.544),
            skills: vec![Skill::Server, Skill::Network],
            certification: Certification::Senior,
            shift: ShiftPattern::office_hours(),
        })
        .unwrap(),
        Engineer::new(EngineerProfile {
            id: EngineerId::parse("E002").unwrap(),
            name: "Wang Fang".to_string(),
            base: EngineerBase::Hub(Region::East),
            region: Region::East,
            home: point(30.274, 120.155),
            skills: vec![Skill::Printer],
            certification: Certification::Intermediate,
            shift: ShiftPattern::OnCall { max_hours: 10 },
        })
        .unwrap(),
        Engineer::new(EngineerProfile {
            id: EngineerId::parse("E003").unwrap(),
            name: "Zhao Lei".to_string(),
            base: EngineerBase::Hub(Region::North),
            region: Region::North,
            home: point(39.904, 116.407),
            skills: vec![Skill::Storage],
            certification: Certification::Senior,
            shift: ShiftPattern::FiveByEight {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            },
        })
        .unwrap(),
    ];
    SmallNetwork {
        cities,
        hubs,
        stations,
        engineers,
    }
}

pub async fn load_small_network(store: &Store) {
    let network = small_network();
    store
        .replace_network(
            &network.cities,
            &network.hubs,
            &network.stations,
            &network.engineers,
        )
        .await
        .expect("load network");
}

/// 2026-11-30 08:00 +08:00, a Monday.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
}

pub fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// An open ticket in Hangzhou (east) or Beijing (north).
pub fn ticket(id: &str, region: Region) -> Ticket {
    ticket_with(id, region, Severity::MAJOR, Skill::Server)
}

/// The same with a given severity and skill.
pub fn ticket_with(id: &str, region: Region, severity: Severity, skill: Skill) -> Ticket {
    let (adcode, site) = match region {
        Region::North => (BEIJING, point(39.95, 116.30)),
        _ => (HANGZHOU, point(30.30, 120.10)),
    };
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer of {id}"),
        site,
        city_adcode: adcode,
        region,
        severity,
        skill,
        reported_at: monday_morning(),
        service_minutes: 90,
        sla: round_the_clock(),
    })
    .unwrap()
}

/// The service plan's 2 h / 12 h / 48 h on a 7x24 contract: the clocks run
/// through nights and weekends, so deadlines are report time plus hours.
pub fn round_the_clock() -> SlaPolicy {
    SlaPolicy::round_the_clock()
}

/// An east roster for Monday: E001 visits the given tickets in order, and
/// `unassigned` could not be placed. Times are whole seconds so they
/// survive every database's timestamp precision.
pub fn roster(visited: &[&Ticket], unassigned: &[&Ticket], created_at: DateTime<Utc>) -> Roster {
    let leave_at = monday_morning() + Duration::minutes(30);
    let mut clock = leave_at;
    let visits: Vec<Visit> = visited
        .iter()
        .enumerate()
        .map(|(index, ticket)| {
            let arrival = clock + Duration::minutes(40);
            let start = arrival + Duration::minutes(5);
            let departure = start + Duration::minutes(i64::from(ticket.service_minutes()));
            clock = departure;
            let deadlines = ticket.deadlines();
            Visit {
                sequence: index as u32 + 1,
                kind: VisitKind::Fault,
                ticket_id: ticket.id().clone(),
                location: ticket.site(),
                arrival,
                start,
                departure,
                on_site_by: deadlines.on_site_by,
                repaired_by: deadlines.repaired_by,
                late_minutes: 0,
                km_from_previous: 25.5 + index as f64,
                late_reason: None,
            }
        })
        .collect();
    let return_at = clock + Duration::minutes(45);
    let route = EngineerRoute {
        engineer_id: EngineerId::parse("E001").unwrap(),
        base: point(29.868, 121.544),
        leave_at,
        return_at,
        km: 80.25,
        lunch: Some((
            monday_morning() + Duration::hours(4),
            monday_morning() + Duration::hours(5),
        )),
        visits,
    };
    Roster {
        id: None,
        hub: Region::East,
        date: monday(),
        created_at,
        now: monday_morning(),
        replaces: None,
        routes: vec![route],
        unassigned: unassigned
            .iter()
            .map(|ticket| UnassignedTicket {
                ticket_id: ticket.id().clone(),
                reason: ReasonCode::NoEngineerWithSkill,
                detail: "nobody in the region repairs this".to_string(),
            })
            .collect(),
        loaners: unassigned
            .iter()
            .map(|ticket| Loaner {
                ticket_id: ticket.id().clone(),
                repaired_by: ticket.deadlines().repaired_by,
                source: StockPoint::Station(StationId::parse("S001").unwrap()),
                detail: "not visited today: send a loaner by courier".to_string(),
            })
            .collect(),
        remote: Vec::new(),
        parts: Vec::new(),
        workloads: Vec::new(),
        summary: RosterSummary {
            tickets: (visited.len() + unassigned.len()) as u32,
            resolved_remotely: 0,
            assigned: visited.len() as u32,
            engineers_available: 2,
            engineers_used: 1,
            on_time: visited.len() as u32,
            km: 80.25,
            objective: 1234,
            solve_seconds: 0.5,
            preventive_placed: 0,
            preventive_due: 0,
            ..RosterSummary::default()
        },
    }
}
