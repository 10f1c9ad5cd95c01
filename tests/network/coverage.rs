//! Coverage planning (issue #5): reachability and shares on a tiny network
//! computed by hand, the siting MIP against brute force, and the CLI and
//! API on the shipped network.

use std::process::Command;

use ruyi::coverage::fleet::{Base, BaseKind, Fleet};
use ruyi::coverage::siting::{self, Objective, SitingInstance};
use ruyi::coverage::{CoverageReport, Demand, Settings, TimeSpan};
use ruyi::domain::EngineerProfile;
use ruyi::domain::{
    Certification, City, Engineer, EngineerBase, EngineerId, GeoPoint, Region, ShiftPattern, Skill,
    StationId,
};
use ruyi::network::Network;
use ruyi::rng::Rng;
use ruyi::travel::{GreatCircle, TravelModel};
use serde_json::{Value, json};

fn city(adcode: u32, name: &str, province: &str, region: Region, lat: f64, pop: u64) -> City {
    City {
        adcode,
        name_zh: name.into(),
        name_en: name.into(),
        province_zh: province.into(),
        province_en: province.into(),
        location: GeoPoint::new(lat, 120.0).unwrap(),
        population: Some(pop),
        region,
    }
}

/// Four cities due north of each other along 120° E: A at 30° N, B half a
/// degree north, C two degrees, D ten degrees.
fn tiny_cities() -> Vec<City> {
    vec![
        city(330100, "A", "Zhejiang", Region::East, 30.0, 1_000_000),
        city(330200, "B", "Zhejiang", Region::East, 30.5, 2_000_000),
        city(320100, "C", "Jiangsu", Region::East, 32.0, 3_000_000),
        city(130100, "D", "Hebei", Region::North, 40.0, 4_000_000),
    ]
}

fn station(id: &str, at: &City, engineers: usize) -> Base {
    let location = at.location;
    Base {
        id: id.into(),
        kind: BaseKind::Station,
        name: format!("{} station", at.name_en),
        city_adcode: at.adcode,
        region: at.region,
        location,
        engineers: (0..engineers)
            .map(|n| {
                Engineer::new(EngineerProfile {
                    id: EngineerId::parse(format!("{id}-E{n}")).unwrap(),
                    name: "Wang Wei".to_string(),
                    base: EngineerBase::Station(StationId::parse(id).unwrap()),
                    region: at.region,
                    home: location,
                    skills: vec![Skill::Printer],
                    certification: Certification::Senior,
                    shift: ShiftPattern::office_hours(),
                })
                .unwrap()
            })
            .collect(),
    }
}

/// By hand, with the default model (road = 1.3 × great circle, the first
/// 20 road km at 30 km/h, the rest at 80 km/h) and one degree of latitude
/// = 111.195 km, from a station in A with a 1 h lead time:
///
/// | city | straight km | road km | drive min | + lead | ≤ 2 h | ≤ 12 h |
/// |------|-------------|---------|-----------|--------|-------|--------|
/// | A    | 0           | 0       | 0         | 60     | yes   | yes    |
/// | B    | 55.6        | 72.3    | 40 + 39.2 | 139.2  | no    | yes    |
/// | C    | 222.4       | 289.1   | 40 + 201.8| 301.8  | no    | yes    |
/// | D    | 1112.0      | 1445.6  | 40+1069.2 | 1169.2 | no    | no     |
///
/// Demand (population, millions) 1 + 2 + 3 + 4 = 10: within 12 h
/// 6/10 = 60 %, within 2 h 1/10 = 10 %.
#[test]
fn tiny_network_coverage_matches_the_hand_computation() {
    let cities = tiny_cities();
    // D's station has no engineers: it sends nobody, so it covers nothing.
    let fleet = Fleet {
        bases: vec![station("S1", &cities[0], 2), station("S2", &cities[3], 0)],
    };
    let travel = GreatCircle::default();
    let report = CoverageReport::build(
        &cities,
        &fleet,
        &Demand::population(&cities),
        &travel,
        Settings::default(),
    )
    .unwrap();

    let minutes: Vec<f64> = report
        .cities
        .iter()
        .map(|c| c.nearest_minutes.unwrap())
        .collect();
    let expected = [60.0, 139.2, 301.8, 1169.2];
    for (got, want) in minutes.iter().zip(expected) {
        assert!((got - want).abs() < 0.5, "{minutes:?} vs {expected:?}");
    }
    assert!((report.national.standard_share - 0.6).abs() < 1e-12);
    assert!((report.national.urgent_share - 0.1).abs() < 1e-12);
    assert_eq!(report.bases, 1);
    assert_eq!(report.engineers, 2);

    let east = &report.regions[Region::ALL.iter().position(|r| *r == Region::East).unwrap()];
    assert!((east.standard_share - 1.0).abs() < 1e-12);
    assert!((east.urgent_share - 1.0 / 6.0).abs() < 1e-12);
    assert!((east.demand_share - 0.6).abs() < 1e-12);
    let north = &report.regions[Region::ALL
        .iter()
        .position(|r| *r == Region::North)
        .unwrap()];
    assert_eq!((north.standard_share, north.urgent_share), (0.0, 0.0));

    let zhejiang = report
        .provinces
        .iter()
        .find(|p| p.name == "Zhejiang")
        .unwrap();
    assert!((zhejiang.urgent_share - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!((zhejiang.cities, zhejiang.cities_with_base), (2, 1));

    let ranked = |list: &[ruyi::coverage::report::Uncovered]| {
        list.iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ranked(&report.uncovered_standard), ["D"]);
    assert_eq!(ranked(&report.uncovered_urgent), ["D", "C", "B"]);
}

#[test]
fn a_shorter_lead_time_reaches_further() {
    let cities = tiny_cities();
    let fleet = Fleet {
        bases: vec![station("S1", &cities[0], 2)],
    };
    let settings = Settings {
        lead_time: TimeSpan::minutes(30),
        ..Settings::default()
    };
    let report = CoverageReport::build(
        &cities,
        &fleet,
        &Demand::population(&cities),
        &GreatCircle::default(),
        settings,
    )
    .unwrap();
    // B: 30 + 79.2 = 109.2 min ≤ 120.
    assert!((report.national.urgent_share - 0.3).abs() < 1e-12);
    let refused = CoverageReport::build(
        &cities,
        &fleet,
        &Demand::population(&cities),
        &GreatCircle::default(),
        Settings {
            lead_time: TimeSpan::hours(2),
            ..Settings::default()
        },
    )
    .unwrap_err();
    assert_eq!(refused.field(), Some("lead_time"));
}

fn random_instance(seed: u64, cities: usize, candidates: usize) -> SitingInstance {
    let mut rng = Rng::new(seed);
    let points: Vec<(f64, f64)> = (0..cities)
        .map(|_| (rng.range_f64(0.0, 300.0), rng.range_f64(0.0, 300.0)))
        .collect();
    let minutes = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).hypot(a.1 - b.1)).round();
    let existing_base = (150.0, 150.0);
    SitingInstance {
        weights: (0..cities)
            .map(|_| rng.range_f64(1.0, 100.0).round())
            .collect(),
        existing: points.iter().map(|p| minutes(*p, existing_base)).collect(),
        candidate_minutes: (0..candidates)
            .map(|j| points.iter().map(|p| minutes(*p, points[j])).collect())
            .collect(),
    }
}

#[test]
fn the_siting_mip_equals_brute_force_on_small_cases() {
    for seed in 1..=6 {
        let instance = random_instance(seed, 14, 9);
        for k in 1..=3 {
            for objective in [
                Objective::MaxCover {
                    within: TimeSpan::minutes(70),
                },
                Objective::PMedian,
            ] {
                let mip = siting::solve(&instance, k, objective, 30.0).unwrap();
                let brute = siting::brute_force(&instance, k, objective);
                assert!(
                    (mip.objective - brute.objective).abs() < 1e-6,
                    "seed {seed} k {k} {objective:?}: MIP {} vs brute force {}",
                    mip.objective,
                    brute.objective
                );
                assert!(mip.proven_optimal, "{mip:?}");
                assert_eq!(mip.chosen.len(), k);
                assert!((instance.evaluate(&mip.chosen, objective) - mip.objective).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn siting_on_real_geography_equals_brute_force() {
    // Jiangsu's cities with the real travel model, no station yet but one
    // in Nanjing; every other Jiangsu city is a candidate.
    let network = Network::shipped().unwrap();
    let cities: Vec<&City> = network
        .cities
        .iter()
        .filter(|c| c.province_en == "Jiangsu")
        .collect();
    let travel = GreatCircle::default();
    let lead = 60.0;
    let minutes = |a: &City, b: &City| lead + travel.leg(a.location, b.location).seconds / 60.0;
    let nanjing = cities.iter().find(|c| c.adcode == 320100).unwrap();
    let candidates: Vec<&&City> = cities.iter().filter(|c| c.adcode != 320100).collect();
    let instance = SitingInstance {
        weights: cities
            .iter()
            .map(|c| c.population.unwrap() as f64)
            .collect(),
        existing: cities.iter().map(|c| minutes(nanjing, c)).collect(),
        candidate_minutes: candidates
            .iter()
            .map(|j| cities.iter().map(|c| minutes(j, c)).collect())
            .collect(),
    };
    for objective in [
        Objective::MaxCover {
            within: TimeSpan::hours(2),
        },
        Objective::PMedian,
    ] {
        let mip = siting::solve(&instance, 3, objective, 30.0).unwrap();
        let brute = siting::brute_force(&instance, 3, objective);
        assert!(
            (mip.objective - brute.objective).abs() <= 1e-9 * brute.objective.abs().max(1.0),
            "{objective:?}: {} vs {}",
            mip.objective,
            brute.objective
        );
        assert!(mip.proven_optimal);
    }
}

fn ruyi(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruyi"));
    command.current_dir(dir).env("RUYI_LOG", "warn");
    command
}

#[test]
fn coverage_site_prints_the_chosen_cities_and_writes_a_map() {
    let dir = tempfile::tempdir().unwrap();
    let output = ruyi(dir.path())
        .args(["coverage", "site", "--k", "3", "--within", "90m"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("maximal covering within 1h30m"), "{stdout}");
    assert!(stdout.contains("(proven optimal)"), "{stdout}");
    assert!(stdout.contains("before   after"), "{stdout}");
    let out = dir.path().join("out/coverage");
    let sites = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    assert_eq!(sites.lines().count(), 4, "{sites}");
    let svg = std::fs::read_to_string(out.join("sites.svg")).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("proposed:").count(), 3);
    assert!(svg.contains("id=\"legend\""));
}

#[test]
fn coverage_report_with_a_scenario_shows_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("what-if.json");
    std::fs::write(
        &scenario,
        r#"{"name": "Kashgar station",
            "add_stations": [{"id": "S901", "city_adcode": 653100, "engineers": 3}]}"#,
    )
    .unwrap();
    let output = ruyi(dir.path())
        .args(["coverage", "report", "--scenario"])
        .arg(&scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("scenario: Kashgar station"), "{stdout}");
    assert!(stdout.contains("→≤12h"), "{stdout}");
    assert!(dir.path().join("out/coverage/coverage_after.svg").exists());
    let cities =
        std::fs::read_to_string(dir.path().join("out/coverage/coverage_cities.csv")).unwrap();
    let kashgar = cities.lines().find(|l| l.starts_with("653100,")).unwrap();
    assert!(kashgar.ends_with("S901,60.0,true,true"), "{kashgar}");
}

#[test]
fn a_bad_scenario_or_limit_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.json");
    std::fs::write(&scenario, "{\n  \"remove_stations\": [\"S001\",\n  7]\n}").unwrap();
    let output = ruyi(dir.path())
        .args(["coverage", "report", "--scenario"])
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3 column"), "{stderr}");
    assert!(stderr.contains("remove_stations[1]"), "{stderr}");

    let output = ruyi(dir.path())
        .args(["coverage", "site", "--within", "2 days"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--within"), "{stderr}");
    assert!(stderr.contains("is not a duration"), "{stderr}");
}

async fn post(address: &(String, String), body: Value) -> (u16, Value) {
    let (address, token) = address;
    let response = reqwest::Client::new()
        .post(format!("{address}/api/v1/simulations"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn post_simulations_answers_reports_and_names_bad_fields() {
    let dir = tempfile::tempdir().unwrap();
    let application = ruyi::api::Application::build(&ruyi::settings::Settings {
        database: ruyi::settings::Database::File(dir.path().join("t.db")),
        port: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let (_, planner) = ruyi::api::issue_token(
        application.store(),
        ruyi::domain::Role::Planner,
        None,
        chrono::Utc::now(),
        None,
    )
    .await
    .unwrap();
    // The server's address and a planner's token.
    let address = (
        format!("http://127.0.0.1:{}", application.port()),
        planner.expose().to_string(),
    );
    tokio::spawn(application.run_until_stopped());

    let (status, body) = post(&address, json!({"kind": "report"})).await;
    assert_eq!(status, 200, "{body}");
    let share = body["report"]["national"]["urgent_share"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&share), "{share}");
    assert_eq!(body["report"]["cities"].as_array().unwrap().len(), 337);

    let (status, body) = post(&address, json!({"kind": "site", "k": 2, "within": "12h"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["siting"]["sites"].as_array().unwrap().len(), 2);
    assert_eq!(body["siting"]["solution"]["proven_optimal"], true);

    let (status, body) = post(
        &address,
        json!({"kind": "replay", "days": 1, "tickets_per_day": 100, "start": "2026-11-30"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["replay"]["tickets"], 100);

    for (request, field) in [
        (json!({"kind": "site", "within": "3x"}), "within"),
        (json!({"kind": "site", "k": 0}), "k"),
        (json!({"kind": "simulate"}), "kind"),
        (json!({"kind": "replay", "days": 400}), "days"),
        (
            json!({"kind": "report", "scenario": {"remove_stations": ["S999"]}}),
            "scenario.remove_stations[0]",
        ),
        (
            json!({"kind": "report", "scenario": {"add_stations": [{"id": "S9", "city_adcode": "x", "engineers": 1}]}}),
            "scenario.add_stations[0].city_adcode",
        ),
    ] {
        let (status, body) = post(&address, request.clone()).await;
        assert_eq!(status, 400, "{request} → {body}");
        assert_eq!(body["field"], field, "{request} → {body}");
    }
}
