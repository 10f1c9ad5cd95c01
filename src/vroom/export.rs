//! A core problem written as a VROOM problem document, for benchmarks
//! beside VROOM itself on the problems Ruyi really solves (`ruyi export
//! --format vroom`).
//!
//! VROOM's model is narrower than the core's, so the translation is exact
//! where VROOM has the key and a stated approximation where it has not:
//!
//! - travel: the core's matrix as `matrices.car` (durations in seconds,
//!   distances in metres); costs `per_hour` = 3600 × the core's cost per
//!   second, `per_km` = 1000 × its cost per metre, `fixed` as is.
//! - skills: skill bit `b` is skill `b + 1`; a job's candidate teams (the
//!   dispatcher's nearby stations) become one more skill per distinct set
//!   of teams, held by the vehicles of those teams and by vehicles without
//!   a team, which is exactly the core's rule.
//! - time windows: VROOM has no soft deadline, so a job's on-site deadline
//!   becomes a hard 12-hour window: the 12 hours up to the deadline, moved
//!   inside the job's own windows (the first 12 hours for a job already
//!   late when they open, the last 12 for one due after they close) and
//!   cut to them. A job without a deadline keeps its windows.
//! - priorities: from the lateness weight (the dispatcher's severity:
//!   weight × 10, at most 80), plus 20 when the deadline falls within the
//!   job's windows (due today).
//! - breaks: every break with its windows and duration; `max_work` (an
//!   on-call engineer's daily hours) has no VROOM key and becomes a
//!   `max_travel_time` of the same length, a looser limit.
//! - amounts: one `delivery` and `capacity` entry per dimension.
//!
//! Times before 0 (VROOM's are unsigned) are cut to 0.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::optimize::{Problem, Window};

/// Seconds in a job's exported window.
pub const WINDOW_SECONDS: i64 = 12 * 3600;

/// What VROOM shows besides the problem: a description per job and per
/// vehicle (ticket and engineer ids, say). Jobs are numbered from 1 and
/// vehicles from 1 in the problem's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub jobs: Vec<String>,
    pub vehicles: Vec<String>,
}

/// The VROOM document for `problem` (see the module docs).
pub fn document(problem: &Problem, names: &Names) -> Value {
    let clamp = |t: i64| t.clamp(0, super::build::MAX_VALUE as i64);
    let window = |w: &Window| json!([clamp(w.start), clamp(w.end)]);
    // One skill per distinct set of candidate teams, after the skill bits.
    let mut team_sets: BTreeMap<&[u32], u64> = BTreeMap::new();
    for job in problem.jobs() {
        if !job.teams.is_empty() {
            let next = 65 + team_sets.len() as u64;
            team_sets.entry(job.teams.as_slice()).or_insert(next);
        }
    }
    let bits = |mask: u64| (0..64).filter(move |b| mask & (1 << b) != 0).map(|b| b + 1);
    let jobs: Vec<Value> = problem
        .jobs()
        .iter()
        .enumerate()
        .map(|(index, job)| {
            let mut skills: Vec<u64> = bits(job.skills).collect();
            if let Some(&skill) = team_sets.get(job.teams.as_slice()) {
                skills.push(skill);
            }
            let (windows, priority) = match job.deadline {
                Some(deadline) => {
                    let Window {
                        start: open,
                        end: close,
                    } = job.envelope();
                    let end = deadline
                        .at
                        .clamp(open + WINDOW_SECONDS, close.max(open + WINDOW_SECONDS));
                    let cut: Vec<Window> = job
                        .windows
                        .iter()
                        .filter_map(|w| {
                            let start = w.start.max(end - WINDOW_SECONDS);
                            let end = w.end.min(end);
                            (start <= end).then_some(Window { start, end })
                        })
                        .collect();
                    let due = if deadline.at <= close { 20 } else { 0 };
                    let weight = (deadline.penalty_per_unit * 10).min(80);
                    let windows = if cut.is_empty() {
                        job.windows.clone()
                    } else {
                        cut
                    };
                    (windows, weight + due)
                }
                None => (job.windows.clone(), 0),
            };
            let mut value = json!({
                "id": index + 1,
                "location_index": job.location,
                "service": job.service.max(0),
                "skills": skills,
                "priority": priority.clamp(0, 100),
                "time_windows": windows.iter().map(window).collect::<Vec<_>>(),
            });
            if problem.dimensions() > 0 {
                value["delivery"] = json!(job.demand);
            }
            if let Some(name) = names.jobs.get(index) {
                value["description"] = json!(name);
            }
            value
        })
        .collect();
    let vehicles: Vec<Value> = problem
        .vehicles()
        .iter()
        .enumerate()
        .map(|(index, vehicle)| {
            let mut skills: Vec<u64> = bits(vehicle.skills).collect();
            skills.extend(
                team_sets
                    .iter()
                    .filter(|(teams, _)| vehicle.team.is_none_or(|t| teams.contains(&t)))
                    .map(|(_, skill)| *skill),
            );
            let mut value = json!({
                "id": index + 1,
                "start_index": vehicle.start,
                "time_window": window(&vehicle.shift),
                "skills": skills,
                "costs": {
                    "fixed": vehicle.fixed_cost,
                    "per_hour": vehicle.cost_per_duration * 3600,
                    "per_km": vehicle.cost_per_distance * 1000,
                },
            });
            if let Some(end) = vehicle.end {
                value["end_index"] = json!(end);
            }
            if problem.dimensions() > 0 {
                value["capacity"] = json!(vehicle.capacity);
            }
            let breaks: Vec<Value> = vehicle
                .breaks()
                .enumerate()
                .map(|(rank, a_break)| {
                    json!({
                        "id": (index + 1) * 100 + rank,
                        "service": a_break.duration,
                        "time_windows": a_break.windows.iter().map(window).collect::<Vec<_>>(),
                    })
                })
                .collect();
            if !breaks.is_empty() {
                value["breaks"] = json!(breaks);
            }
            let travel_limit = match (vehicle.max_travel_time, vehicle.max_work) {
                (Some(travel), Some(work)) => Some(travel.min(work)),
                (travel, work) => travel.or(work),
            };
            if let Some(limit) = travel_limit {
                value["max_travel_time"] = json!(limit.max(0));
            }
            if let Some(limit) = vehicle.max_distance {
                value["max_distance"] = json!(limit.max(0));
            }
            if let Some(name) = names.vehicles.get(index) {
                value["description"] = json!(name);
            }
            value
        })
        .collect();
    let matrix = problem.matrix();
    let size = matrix.size();
    let rows = |cell: &dyn Fn(usize, usize) -> i64| -> Vec<Vec<i64>> {
        (0..size)
            .map(|a| (0..size).map(|b| cell(a, b)).collect())
            .collect()
    };
    json!({
        "vehicles": vehicles,
        "jobs": jobs,
        "matrices": {"car": {
            "durations": rows(&|a, b| matrix.duration(a, b)),
            "distances": rows(&|a, b| matrix.distance(a, b)),
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{Break, Job, SoftDeadline, TravelMatrix, Vehicle};

    fn problem() -> Problem {
        let cells = vec![0, 600, 900, 600, 0, 400, 900, 400, 0];
        let mut urgent = Job::at(1, 1800);
        urgent.windows = vec![Window::new(0, 86_400).unwrap()];
        urgent.deadline = Some(SoftDeadline {
            at: 40_000,
            penalty_per_unit: 8,
            miss_cost: 0,
        });
        urgent.skills = 0b101;
        urgent.teams = vec![2];
        let mut calm = Job::at(2, 600);
        calm.windows = vec![Window::new(0, 86_400).unwrap()];
        calm.deadline = Some(SoftDeadline {
            at: 200_000,
            penalty_per_unit: 1,
            miss_cost: 0,
        });
        let mut engineer = Vehicle::new(0, Some(0), Window::new(28_800, 61_200).unwrap());
        engineer.skills = 0b111;
        engineer.team = Some(2);
        engineer.lunch = Some(Break {
            windows: vec![Window::new(43_200, 48_600).unwrap()],
            duration: 2700,
        });
        let mut on_call = Vehicle::new(0, Some(0), Window::new(0, 86_400).unwrap());
        on_call.team = Some(3);
        on_call.max_work = Some(43_200);
        Problem::new(
            TravelMatrix::new(3, cells.clone(), cells).unwrap(),
            vec![urgent, calm],
            vec![engineer, on_call],
        )
        .unwrap()
    }

    #[test]
    fn writes_a_document_the_adapter_reads_back() {
        let names = Names {
            jobs: vec!["T1".into(), "T2".into()],
            vehicles: vec!["E1".into(), "E2".into()],
        };
        let doc = document(&problem(), &names);
        let parsed = super::super::parse(doc.to_string().as_bytes()).unwrap();
        let model =
            super::super::build::build(&parsed, &crate::travel::GreatCircle::default()).unwrap();
        let jobs = model.problem.jobs();
        // Skill bits 0 and 2, and the team set {2}: held by the engineer of
        // team 2 only.
        assert_eq!(doc["jobs"][0]["skills"], json!([1, 3, 65]));
        assert_eq!(doc["vehicles"][0]["skills"], json!([1, 2, 3, 65]));
        assert_eq!(doc["vehicles"][1]["skills"], json!([]));
        assert!(model.problem.vehicles()[0].can_serve(&jobs[0]));
        assert!(!model.problem.vehicles()[1].can_serve(&jobs[0]));
        // The deadline becomes 12 hours inside the day: the first 12 for a
        // job due before they are over, the last 12 for one due tomorrow;
        // severity and being due today the priority.
        assert_eq!(doc["jobs"][0]["time_windows"], json!([[0, 43_200]]));
        assert_eq!(doc["jobs"][1]["time_windows"], json!([[43_200, 86_400]]));
        assert_eq!(doc["jobs"][0]["priority"], 100);
        assert_eq!(doc["jobs"][1]["priority"], 10);
        // Breaks, the working-time limit as a travel-time limit, names.
        assert_eq!(doc["vehicles"][0]["breaks"][0]["service"], 2700);
        assert_eq!(doc["vehicles"][1]["max_travel_time"], 43_200);
        assert_eq!(doc["jobs"][1]["description"], "T2");
        assert_eq!(model.problem.matrix().duration(0, 2), 900);
    }
}
