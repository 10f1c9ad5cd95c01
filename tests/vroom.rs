//! Ruyi speaking VROOM's JSON: documents written for these tests (one per
//! group of keys, in `tests/vroom/`) solved through the library, the CLI
//! and the HTTP API; every answer read back and judged by the independent
//! checker; refusals that name the key; and a Solomon instance sent as
//! VROOM JSON solving exactly as `ruyi bench vrptw` solves it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use proptest::prelude::*;
use ruyi::benchmark::Instance;
use ruyi::optimize::{self, SolveParams};
use ruyi::vroom::{self, Model, Overrides};
use serde_json::{Value, json};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn document(name: &str) -> Value {
    let path = manifest().join("tests/vroom").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn model(doc: &Value) -> Model {
    let parsed = vroom::parse(doc.to_string().as_bytes()).expect("parses");
    vroom::build::build(&parsed, &Default::default()).expect("builds")
}

fn solve(doc: &Value) -> Value {
    let answer = vroom::solve_document(doc.to_string().as_bytes(), &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(answer).unwrap()
}

/// The answer keeps every rule of the document, judged by VROOM's rules
/// (the core's own answer has already passed `optimize::check` inside
/// `solve_document`, which fails otherwise).
fn assert_checked(doc: &Value, answer: &Value) {
    if let Err(violations) = vroom::timing::check(&model(doc), answer) {
        panic!("violations: {violations:?}\n{answer:#}");
    }
}

fn refusal(doc: &Value) -> vroom::VroomError {
    vroom::solve_document(doc.to_string().as_bytes(), &Overrides::default())
        .expect_err("should be refused")
}

fn job_ids(route: &Value) -> Vec<u64> {
    route["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["type"] == "job")
        .map(|s| s["id"].as_u64().unwrap())
        .collect()
}

fn step_types(route: &Value) -> Vec<String> {
    route["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_day_with_skills_windows_breaks_and_a_matrix_keeps_every_rule() {
    let doc = document("field_day.json");
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["x-ruyi"]["matrix"], "input");

    // Job 17 needs skill 3, which no vehicle has.
    let unassigned = answer["unassigned"].as_array().unwrap();
    assert_eq!(unassigned.len(), 1, "{answer:#}");
    assert_eq!(unassigned[0]["id"], 17);
    assert_eq!(unassigned[0]["type"], "job");
    assert_eq!(unassigned[0]["reason"], "no_vehicle_with_skills");
    assert_eq!(answer["summary"]["unassigned"], 1);
    assert_eq!(answer["summary"]["priority"], 50);

    let routes = answer["routes"].as_array().unwrap();
    for route in routes {
        let types = step_types(route);
        assert_eq!(types.first().unwrap(), "start");
        assert_eq!(types.last().unwrap(), "end");
        // VROOM takes the break of every vehicle it uses.
        assert_eq!(
            types.iter().filter(|t| *t == "break").count(),
            1,
            "{route:#}"
        );
        // Deliveries are all on board at the start and only fall.
        let loads: Vec<i64> = route["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["load"][0].as_i64().unwrap())
            .collect();
        assert!(loads.windows(2).all(|p| p[1] <= p[0]), "{loads:?}");
        assert!(loads[0] <= 6 && *loads.last().unwrap() == 0);
        if route["vehicle"] == 1 {
            assert!(job_ids(route).len() <= 4, "max_tasks 4: {route:#}");
        }
        // Skills: job 10 needs skill 1, which only vehicle 1 has.
        if job_ids(route).contains(&10) {
            assert_eq!(route["vehicle"], 1);
        }
    }
    let route_costs: u64 = routes.iter().map(|r| r["cost"].as_u64().unwrap()).sum();
    assert_eq!(answer["summary"]["cost"].as_u64().unwrap(), route_costs);
    assert_eq!(answer["summary"]["setup"], 300, "job 11's setup is applied");
    assert!(answer["summary"]["distance"].as_u64().unwrap() > 0);
}

#[test]
fn the_rules_check_catches_a_tampered_answer() {
    let doc = document("field_day.json");
    let mut answer = solve(&doc);
    // Arrive at the first job a minute earlier than the matrix allows.
    let step = &mut answer["routes"][0]["steps"][1];
    let arrival = step["arrival"].as_i64().unwrap();
    step["arrival"] = json!(arrival - 60);
    let broken = vroom::timing::check(&model(&doc), &answer).unwrap_err();
    assert!(broken[0].contains("before it can"), "{broken:?}");
    // Drop a break: VROOM takes every break of a used vehicle.
    let mut answer = solve(&doc);
    let steps = answer["routes"][0]["steps"].as_array_mut().unwrap();
    steps.retain(|s| s["type"] != "break");
    assert!(vroom::timing::check(&model(&doc), &answer).is_err());
}

#[test]
fn route_costs_follow_vroom_rates_per_hour_per_km_and_fixed() {
    let doc = document("field_day.json");
    let answer = solve(&doc);
    for route in answer["routes"].as_array().unwrap() {
        let duration = route["duration"].as_u64().unwrap() as f64;
        let distance = route["distance"].as_u64().unwrap() as f64;
        let expected = match route["vehicle"].as_u64().unwrap() {
            1 => 1000.0 + duration,
            _ => (duration * 1800.0 / 3600.0 + distance * 200.0 / 1000.0).round(),
        };
        assert_eq!(route["cost"].as_f64().unwrap(), expected, "{route:#}");
    }
}

#[test]
fn without_matrices_travel_comes_from_coordinates_and_the_answer_says_so() {
    let doc = document("coordinates_pickups.json");
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    assert_eq!(answer["x-ruyi"]["matrix"], "great-circle");
    assert!(
        answer["x-ruyi"]["note"]
            .as_str()
            .unwrap()
            .contains("no routing engine"),
        "{answer:#}"
    );
    assert_eq!(answer["summary"]["unassigned"], 0, "{answer:#}");
    for route in answer["routes"].as_array().unwrap() {
        let types = step_types(route);
        match route["vehicle"].as_u64().unwrap() {
            // No end: the route stops at its last task.
            1 => assert_ne!(types.last().unwrap(), "end"),
            // No start: VROOM reports the start at the first task.
            _ => {
                let steps = route["steps"].as_array().unwrap();
                assert_eq!(steps[0]["location"], steps[1]["location"]);
                assert_eq!(types.last().unwrap(), "end");
            }
        }
        // Pickups are brought back: the load only grows.
        let loads: Vec<i64> = route["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["load"][0].as_i64().unwrap())
            .collect();
        assert_eq!(loads[0], 0);
        assert!(loads.windows(2).all(|p| p[1] >= p[0]), "{loads:?}");
    }
    let pickup = &answer["summary"]["pickup"];
    assert_eq!(pickup, &json!([8, 3]));
}

#[test]
fn speed_factor_scales_every_vehicle_travel_time() {
    let mut doc = document("coordinates_pickups.json");
    let slow = solve(&doc);
    for vehicle in doc["vehicles"].as_array_mut().unwrap() {
        vehicle["speed_factor"] = json!(1.0);
    }
    let model_at_one = model(&doc);
    doc["vehicles"][0]["speed_factor"] = json!(0.5);
    doc["vehicles"][1]["speed_factor"] = json!(0.5);
    let model_at_half = model(&doc);
    // Half the speed: twice the time, counted in hundredths as VROOM does.
    assert_eq!(model_at_one.ticks_per_second, 1);
    assert_eq!(model_at_half.ticks_per_second, 100);
    assert_eq!(
        model_at_half.problem.matrix().duration(0, 1),
        2 * 100 * model_at_one.problem.matrix().duration(0, 1)
    );
    assert!(slow["summary"]["duration"].as_u64().unwrap() > 0);
}

#[test]
fn priority_wins_over_count_and_count_over_cost() {
    let doc = document("costs_priority.json");
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    // Room for two of three: the far job with priority 10 goes first, then
    // the cheaper of the two near ones; cost is the costs matrix plus fixed.
    let routes = answer["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1);
    let mut jobs = job_ids(&routes[0]);
    jobs.sort();
    assert_eq!(jobs, vec![1, 2], "{answer:#}");
    assert_eq!(answer["unassigned"][0]["id"], 3);
    assert_eq!(answer["summary"]["priority"], 10);
    assert_eq!(answer["summary"]["cost"], 10_070);
    // Only durations were given: no distance is reported.
    assert!(answer["summary"].get("distance").is_none());
}

#[test]
fn the_same_seed_gives_the_same_answer() {
    let doc = document("field_day.json");
    let first = solve(&doc);
    let second = solve(&doc);
    assert_eq!(first["routes"], second["routes"]);
}

/// A change made to a test document.
type Edit = fn(&mut Value);

/// `max_travel_time` and `max_distance` bind: capped below what the free
/// answer drives, every route keeps them (judged by VROOM's rules, which
/// sum the matrix along the steps) and the answer changes.
#[test]
fn travel_time_and_distance_limits_are_kept() {
    let free = solve(&document("field_day.json"));
    let longest = |key: &str| {
        free["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[key].as_i64().unwrap())
            .max()
            .unwrap()
    };
    for (key, limit_key) in [
        ("duration", "max_travel_time"),
        ("distance", "max_distance"),
    ] {
        let limit = longest(key) * 3 / 4;
        let mut doc = document("field_day.json");
        for vehicle in doc["vehicles"].as_array_mut().unwrap() {
            vehicle[limit_key] = json!(limit);
        }
        let answer = solve(&doc);
        assert_checked(&doc, &answer);
        for route in answer["routes"].as_array().unwrap() {
            assert!(
                route[key].as_i64().unwrap() <= limit,
                "{limit_key} {limit}: {route:#}"
            );
        }
        assert_ne!(
            answer["routes"], free["routes"],
            "{limit_key} {limit} did not bind"
        );
    }
    // A costs matrix fills the core's distance channel with costs: refused.
    let mut doc = document("costs_priority.json");
    doc["vehicles"][0]["max_distance"] = json!(10_000);
    assert_eq!(refusal(&doc).field(), "vehicles[0].max_distance");
}

/// Each key Ruyi cannot model exactly, and the field the 400 names.
#[test]
fn unsupported_keys_are_refused_by_name() {
    let cases: Vec<(&str, Edit)> = vec![
        ("shipments", |d| {
            d["shipments"] = json!([{"pickup": {"id": 1, "location_index": 1},
                                     "delivery": {"id": 1, "location_index": 2}}])
        }),
        ("vehicles[0].steps", |d| {
            d["vehicles"][0]["steps"] = json!([{"type": "start"}, {"type": "end"}])
        }),
        ("jobs[0].pickup", |d| d["jobs"][0]["pickup"] = json!([1])),
        ("vehicles[0].costs.per_task_hour", |d| {
            d["vehicles"][0]["costs"]["per_task_hour"] = json!(60)
        }),
        ("vehicles[1].profile", |d| {
            d["vehicles"][1]["profile"] = json!("truck")
        }),
        ("vehicles[1].speed_factor", |d| {
            d["vehicles"][1]["speed_factor"] = json!(1.5)
        }),
        ("vehicles[0].breaks[0].max_load", |d| {
            d["vehicles"][0]["breaks"][0]["max_load"] = json!([3])
        }),
        ("jobs[2].setup", |d| {
            d["jobs"][2]["location_index"] = json!(1);
            d["jobs"][2]["setup"] = json!(60);
        }),
        ("jobs[0].service_per_type", |d| {
            d["jobs"][0]["service_per_type"] = json!({"fast": 300})
        }),
        ("jobs[0].amount", |d| d["jobs"][0]["amount"] = json!([1])),
        ("matrix", |d| d["matrix"] = json!([[0, 1], [1, 0]])),
        // VROOM refuses breaks that cannot all fit in the working hours.
        ("vehicles[1].breaks", |d| {
            d["vehicles"][1]["breaks"][0]["time_windows"] = json!([[50_000, 60_000]])
        }),
        ("vehicles[0].breaks[1].id", |d| {
            d["vehicles"][0]["breaks"]
                .as_array_mut()
                .unwrap()
                .push(json!({"id": 101, "service": 600}))
        }),
    ];
    for (field, mutate) in cases {
        let mut doc = document("field_day.json");
        mutate(&mut doc);
        let error = refusal(&doc);
        assert!(error.is_caller_error(), "{field}: {error}");
        assert_eq!(error.field(), field, "{error}");
    }
}

#[test]
fn unknown_top_level_keys_are_ignored_and_listed_while_shipments_are_still_refused() {
    let mut doc = document("field_day.json");
    let plain = solve(&doc);
    doc["options"] = json!({"g": true});
    doc["meta"] = json!({"client": "dispatch-ui", "version": 3});
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    // Listed in document order; serde_json writes this test's keys sorted.
    assert_eq!(answer["x-ruyi"]["ignored"], json!(["meta", "options"]));
    assert_eq!(plain["x-ruyi"]["ignored"], json!([]));
    // Ignored keys change nothing.
    assert_eq!(answer["routes"], plain["routes"]);
    // Keys that would change the problem are still refused by name.
    doc["shipments"] = json!([{"pickup": {"id": 1, "location_index": 1},
                               "delivery": {"id": 1, "location_index": 2}}]);
    let error = refusal(&doc);
    assert!(error.is_caller_error());
    assert_eq!(error.field(), "shipments", "{error}");
    // Inside a vehicle an unknown key is still refused: a typo there would
    // silently change the problem.
    let mut doc = document("field_day.json");
    doc["vehicles"][0]["max_task"] = json!(2);
    assert_eq!(refusal(&doc).field(), "vehicles[0].max_task");
}

/// One vehicle from 0 (location 0) and one job at location 1, 600 s away,
/// with the given windows; the vehicle's one break of 1800 s with its own.
fn break_case(job_window: [u64; 2], service: u64, break_window: [u64; 2]) -> Value {
    json!({
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 20_000],
                      "breaks": [{"id": 7, "service": 1800, "time_windows": [break_window]}]}],
        "jobs": [{"id": 1, "location_index": 1, "service": service, "time_windows": [job_window]}],
        "matrices": {"car": {"durations": [[0, 600], [600, 0]]}},
        "x-ruyi": {"time_limit": 0.1},
    })
}

/// The steps of the one route as (type, arrival, waiting_time, duration).
fn timeline(answer: &Value) -> Vec<(String, u64, u64, u64)> {
    answer["routes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["type"].as_str().unwrap().to_string(),
                s["arrival"].as_u64().unwrap(),
                s["waiting_time"].as_u64().unwrap(),
                s["duration"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(steps: &[(&str, u64, u64, u64)]) -> Vec<(String, u64, u64, u64)> {
    steps
        .iter()
        .map(|(kind, a, w, d)| (kind.to_string(), *a, *w, *d))
        .collect()
}

#[test]
fn a_break_is_taken_while_waiting_for_a_visit() {
    // The job opens at 5000; the break opens at 3000: drive (600), wait,
    // break at 3000 on site, then the visit at 5000.
    let doc = break_case([5000, 6000], 300, [3000, 4000]);
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    assert_eq!(
        timeline(&answer),
        owned(&[
            ("start", 0, 0, 0),
            ("break", 600, 2400, 600),
            ("job", 4800, 200, 600),
            ("end", 5900, 0, 1200),
        ])
    );
}

#[test]
fn a_break_is_taken_before_a_leg() {
    // The break is open from the start and the job must start by 2400:
    // break 0–1800, then drive to it.
    let doc = break_case([0, 2400], 300, [0, 100]);
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    assert_eq!(
        timeline(&answer),
        owned(&[
            ("start", 0, 0, 0),
            ("break", 0, 0, 0),
            ("job", 2400, 0, 600),
            ("end", 3300, 0, 1200),
        ])
    );
}

#[test]
fn a_break_is_taken_after_a_leg_and_part_way_along_the_next() {
    // The job must start by 700, the break opens at 1000: the visit first
    // (600–900), 100 s of the way back, the break, the other 500 s.
    let doc = break_case([0, 700], 300, [1000, 5000]);
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    assert_eq!(
        timeline(&answer),
        owned(&[
            ("start", 0, 0, 0),
            ("job", 600, 0, 600),
            ("break", 1000, 0, 700),
            ("end", 3300, 0, 1200),
        ])
    );
}

#[test]
fn several_breaks_per_vehicle_are_all_taken_in_order() {
    let mut doc = document("field_day.json");
    // Listed out of order: VROOM takes them by their first window.
    doc["vehicles"][0]["breaks"] = json!([
        {"id": 102, "service": 600, "time_windows": [[52_000, 56_000]]},
        {"id": 101, "service": 1800, "time_windows": [[43_200, 46_800]]},
    ]);
    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    for route in answer["routes"].as_array().unwrap() {
        let breaks: Vec<u64> = route["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["type"] == "break")
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        let expected = if route["vehicle"] == 1 {
            vec![101, 102]
        } else {
            vec![201]
        };
        assert_eq!(breaks, expected, "{route:#}");
    }
}

/// A random document with breaks: up to 3 vehicles, each with up to two
/// breaks (windows drawn inside its working hours), up to 9 jobs with one
/// or two windows, over a random matrix (the triangle inequality need not
/// hold).
fn document_with_breaks() -> impl Strategy<Value = Value> {
    let size = 6usize;
    (
        prop::collection::vec(0u64..3000, size * size),
        prop::collection::vec(
            (
                0..size,
                0u64..900,
                prop::collection::vec((0u64..30_000, 600u64..9000), 1..3),
            ),
            1..10,
        ),
        prop::collection::vec(
            (
                0u64..10_000,
                16_000u64..30_000,
                prop::collection::vec((0u64..20_000, 0u64..6000, 0u64..2400), 0..3),
            ),
            1..4,
        ),
    )
        .prop_map(move |(cells, jobs, vehicles)| {
            let durations: Vec<Vec<u64>> = (0..size)
                .map(|a| {
                    (0..size)
                        .map(|b| if a == b { 0 } else { cells[a * size + b] })
                        .collect()
                })
                .collect();
            let jobs: Vec<Value> = jobs
                .iter()
                .enumerate()
                .map(|(k, (location, service, windows))| {
                    let windows: Vec<[u64; 2]> = windows.iter().map(|&(s, l)| [s, s + l]).collect();
                    json!({"id": k + 1, "location_index": location, "service": service,
                           "time_windows": windows})
                })
                .collect();
            let vehicles: Vec<Value> = vehicles
                .iter()
                .enumerate()
                .map(|(k, (start, length, breaks))| {
                    let end = start + length;
                    // Breaks one after the other inside the working hours.
                    let mut clock = *start;
                    let mut list = Vec::new();
                    for (n, (offset, width, service)) in breaks.iter().enumerate() {
                        let open = clock + offset % 4000;
                        if open + width + service > end {
                            break;
                        }
                        list.push(json!({"id": 100 * (k + 1) + n, "service": service,
                                         "time_windows": [[open, open + width]]}));
                        clock = open + width + service;
                    }
                    json!({"id": k + 1, "start_index": 0, "end_index": k % size,
                           "time_window": [start, end], "breaks": list})
                })
                .collect();
            json!({
                "vehicles": vehicles,
                "jobs": jobs,
                "matrices": {"car": {"durations": durations}},
                "x-ruyi": {"time_limit": 0.05},
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every document with breaks gets an answer, and the answer keeps
    /// VROOM's rules (judged by the VROOM-rules checker) besides passing
    /// the core's checker inside `solve_document`.
    #[test]
    fn every_answer_to_a_document_with_breaks_keeps_vrooms_rules(doc in document_with_breaks()) {
        let answer = vroom::solve_document(doc.to_string().as_bytes(), &Overrides::default())
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        let answer = serde_json::to_value(answer).unwrap();
        if let Err(violations) = vroom::timing::check(&model(&doc), &answer) {
            return Err(TestCaseError::fail(format!("{violations:?}\n{answer:#}")));
        }
    }
}

#[test]
fn malformed_documents_name_the_json_path() {
    let cases: Vec<(&str, Edit)> = vec![
        ("jobs[1].time_windows[0]", |d| {
            d["jobs"][1]["time_windows"][0] = json!("morning")
        }),
        ("vehicles[0].colour", |d| {
            d["vehicles"][0]["colour"] = json!("red")
        }),
        ("x-ruyi.seed", |d| d["x-ruyi"]["seed"] = json!(-1)),
        ("jobs[0].priority", |d| {
            d["jobs"][0]["priority"] = json!(101)
        }),
        ("jobs[3].location_index", |d| {
            d["jobs"][3]["location_index"] = json!(99)
        }),
        ("jobs[1].id", |d| d["jobs"][1]["id"] = json!(10)),
        ("vehicles", |d| {
            d.as_object_mut().unwrap().remove("vehicles");
        }),
    ];
    for (field, mutate) in cases {
        let mut doc = document("field_day.json");
        mutate(&mut doc);
        let error = refusal(&doc);
        assert!(error.is_caller_error(), "{field}: {error}");
        assert_eq!(error.field(), field, "{error}");
    }
}

/// A Solomon instance written as VROOM JSON: the durations and distances
/// `Instance::to_problem` uses, cost per metre (`per_km` with no time
/// cost), the depot's horizon as every vehicle's time window.
fn solomon_as_vroom(instance: &Instance, seed: u64, time_limit: f64) -> Value {
    let problem = instance.to_problem();
    let matrix = problem.matrix();
    let size = matrix.size();
    let rows = |cell: &dyn Fn(usize, usize) -> i64| -> Vec<Vec<i64>> {
        (0..size)
            .map(|a| (0..size).map(|b| cell(a, b)).collect())
            .collect()
    };
    let vehicle = &problem.vehicles()[0];
    let vehicles: Vec<Value> = (0..problem.vehicles().len())
        .map(|i| {
            json!({
                "id": i + 1,
                "start_index": 0,
                "end_index": 0,
                "capacity": [vehicle.capacity[0]],
                "time_window": [vehicle.shift.start, vehicle.shift.end],
                "costs": {"per_hour": 0, "per_km": 1},
            })
        })
        .collect();
    let jobs: Vec<Value> = problem
        .jobs()
        .iter()
        .enumerate()
        .map(|(i, job)| {
            json!({
                "id": instance.customers[i + 1].number,
                "location_index": job.location,
                "service": job.service,
                "delivery": [job.demand[0]],
                "time_windows": [[job.windows[0].start, job.windows[0].end]],
            })
        })
        .collect();
    json!({
        "vehicles": vehicles,
        "jobs": jobs,
        "matrices": {"car": {
            "durations": rows(&|a, b| matrix.duration(a, b)),
            "distances": rows(&|a, b| matrix.distance(a, b)),
        }},
        "x-ruyi": {"seed": seed, "time_limit": time_limit},
    })
}

#[test]
fn a_solomon_instance_sent_as_vroom_json_solves_as_bench_vrptw_does() {
    // The benchmark instances live beside the project, not in it (as for
    // `benches/optimize.rs`): a checkout without them skips this test.
    let path: PathBuf = manifest().join("../shared/benchmarks/solomon/c101.txt");
    if !path.exists() {
        eprintln!("skipped: {} is not present", path.display());
        return;
    }
    let instance = Instance::read(&path).expect("c101 is readable");
    let doc = solomon_as_vroom(&instance, 1, 0.3);

    // The adapter builds the very problem the Solomon reader builds.
    assert_eq!(model(&doc).problem, instance.to_problem());

    let answer = solve(&doc);
    assert_checked(&doc, &answer);
    // What `ruyi bench vrptw --seed 1 --time-limit 0.3` runs on the file.
    let bench = optimize::solve(
        &instance.to_problem(),
        &SolveParams {
            seed: 1,
            time_limit: Duration::from_secs_f64(0.3),
        },
    );
    assert_eq!(
        answer["summary"]["distance"].as_i64().unwrap(),
        bench.distance(),
        "same problem, same seed, same budget: same distance"
    );
    let bench_routes: Vec<Vec<u64>> = bench
        .routes
        .iter()
        .filter(|r| !r.stops.is_empty())
        .map(|r| {
            r.jobs()
                .map(|j| instance.customers[j + 1].number as u64)
                .collect()
        })
        .collect();
    let vroom_routes: Vec<Vec<u64>> = answer["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(job_ids)
        .collect();
    assert_eq!(vroom_routes, bench_routes);
    // VROOM's cost with per_km 1 is the distance in kilometres of the scaled
    // matrix, rounded per route.
    assert_eq!(answer["summary"]["unassigned"], 0);
}

fn ruyi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruyi"));
    command.env_remove("DATABASE_URL").env("RUYI_LOG", "warn");
    command
}

#[test]
fn the_cli_solves_a_document_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("answer.json");
    let input = manifest().join("tests/vroom/field_day.json");
    let status = ruyi()
        .args(["solve", "--format", "vroom"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let answer: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let doc = document("field_day.json");
    assert_checked(&doc, &answer);
    // Same document, seed and budget as the library call: same routes.
    assert_eq!(answer["routes"], solve(&doc)["routes"]);
}

#[test]
fn the_cli_writes_to_stdout_and_refuses_an_unsupported_key_by_name() {
    let input = manifest().join("tests/vroom/costs_priority.json");
    let output = ruyi()
        .args(["solve", "--format", "vroom"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success());
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["summary"]["cost"], 10_070);

    let dir = tempfile::tempdir().unwrap();
    let mut doc = document("costs_priority.json");
    doc["shipments"] = json!([{"pickup": {"id": 1}, "delivery": {"id": 2}}]);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, doc.to_string()).unwrap();
    let output = ruyi()
        .args(["solve", "--format", "vroom"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shipments"), "{stderr}");
}

mod api {
    use super::*;
    use ruyi::api::{Application, issue_token};
    use ruyi::domain::Role;
    use ruyi::settings::{Database, Limits, Settings};

    /// The server, its VROOM address and an integration token.
    struct Served {
        address: String,
        token: String,
        store: ruyi::storage::Store,
        _dir: tempfile::TempDir,
    }

    async fn spawn_with(limits: Limits) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let application = Application::build(&Settings {
            database: Database::File(dir.path().join("t.db")),
            port: 0,
            limits,
            ..Settings::default()
        })
        .await
        .expect("build the application");
        let address = format!("http://127.0.0.1:{}/api/v1/vroom", application.port());
        let store = application.store().clone();
        tokio::spawn(application.run_until_stopped());
        let (_, token) = issue_token(&store, Role::Integration, None, chrono::Utc::now(), None)
            .await
            .unwrap();
        Served {
            address,
            token: token.expose().to_string(),
            store,
            _dir: dir,
        }
    }

    async fn spawn() -> Served {
        spawn_with(Limits::default()).await
    }

    impl Served {
        async fn post(&self, token: Option<&str>, body: String) -> reqwest::Response {
            let mut request = reqwest::Client::new()
                .post(&self.address)
                .header("content-type", "application/json")
                .body(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap()
        }
    }

    #[tokio::test]
    async fn post_vroom_answers_a_document_every_route_of_which_is_feasible() {
        let served = spawn().await;
        let doc = document("field_day.json");
        let response = served.post(Some(&served.token), doc.to_string()).await;
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_checked(&doc, &answer);
        assert_eq!(answer["routes"], solve(&doc)["routes"]);
    }

    #[tokio::test]
    async fn post_vroom_returns_a_400_naming_an_unsupported_key() {
        let served = spawn().await;
        let mut doc = document("field_day.json");
        doc["vehicles"][0]["steps"] = json!([{"type": "job", "id": 10}]);
        let response = served.post(Some(&served.token), doc.to_string()).await;
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "vehicles[0].steps", "{body}");
    }

    #[tokio::test]
    async fn post_vroom_returns_a_400_naming_the_path_of_a_malformed_value() {
        let served = spawn().await;
        let response = served
            .post(
                Some(&served.token),
                r#"{"vehicles":[{"id":1,"start_index":0,"time_window":[0,"noon"]}]}"#.into(),
            )
            .await;
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "vehicles[0].time_window[1]", "{body}");
    }

    #[tokio::test]
    async fn post_vroom_is_401_without_a_token_and_403_for_a_planner() {
        let served = spawn().await;
        let doc = document("field_day.json").to_string();
        let response = served.post(None, doc.clone()).await;
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "authorization", "{body}");
        let (_, planner) =
            issue_token(&served.store, Role::Planner, None, chrono::Utc::now(), None)
                .await
                .unwrap();
        let response = served.post(Some(planner.expose()), doc).await;
        assert_eq!(response.status().as_u16(), 403);
    }

    #[tokio::test]
    async fn a_document_over_the_job_cap_is_413_naming_the_cap_before_any_solving() {
        let served = spawn_with(Limits {
            vroom_max_jobs: 3,
            ..Limits::default()
        })
        .await;
        // Ten jobs with a time limit no solve could meet in the time the
        // answer takes: the refusal comes from the size check alone.
        let jobs: Vec<Value> = (1..=10)
            .map(|id| json!({"id": id, "location": [120.15, 30.28], "service": 600}))
            .collect();
        let doc = json!({
            "vehicles": [{"id": 1, "start": [120.15, 30.28]}],
            "jobs": jobs,
            "options": {"t": 60},
        });
        let started = std::time::Instant::now();
        let response = served.post(Some(&served.token), doc.to_string()).await;
        assert_eq!(response.status().as_u16(), 413);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "jobs", "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("cap of 3"),
            "{body}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}

/// Side by side with VROOM: judges another solver's answer (pyvroom's, say)
/// to one of these documents with the same checker. Run by hand:
/// `RUYI_VROOM_DOCUMENT=tests/vroom/field_day.json RUYI_VROOM_ANSWER=answer.json
/// cargo test --test vroom -- --ignored --nocapture`.
#[test]
#[ignore = "needs an answer file from another solver"]
fn another_solvers_answer_keeps_every_rule() {
    let (Ok(document_path), Ok(answer_path)) = (
        std::env::var("RUYI_VROOM_DOCUMENT"),
        std::env::var("RUYI_VROOM_ANSWER"),
    ) else {
        panic!("set RUYI_VROOM_DOCUMENT and RUYI_VROOM_ANSWER");
    };
    let read = |path: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(manifest().join(path)).unwrap()).unwrap()
    };
    let (doc, answer) = (read(&document_path), read(&answer_path));
    assert_checked(&doc, &answer);
    let ours = solve(&doc);
    println!(
        "summary cost: ruyi {} vs other {}; unassigned {} vs {}",
        ours["summary"]["cost"],
        answer["summary"]["cost"],
        ours["summary"]["unassigned"],
        answer["summary"]["unassigned"]
    );
}
