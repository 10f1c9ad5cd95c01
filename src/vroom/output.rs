//! VROOM's solution document, written from a core [`Solution`].
//!
//! Times go back to seconds the way VROOM reports them (hundredths
//! truncated when a `speed_factor` made it count in hundredths); costs are
//! VROOM's reported units; loads follow VROOM's convention (all deliveries
//! on board at the start, pickups brought back). Unassigned jobs carry
//! Ruyi's `reason`, and `x-ruyi` says where the travel times came from.

use serde::Serialize;

use super::VroomError;
use super::build::{CostBasis, MatrixSource, Model};
use crate::optimize::{Route, Solution, SolveParams, StopKind};

/// Milliseconds spent per phase.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ComputingTimes {
    pub loading: u64,
    pub solving: u64,
    /// Always 0: no routing engine is called.
    pub routing: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SolutionDocument {
    /// 0: solved (errors are HTTP 400s / CLI failures, not documents).
    pub code: u8,
    pub summary: Summary,
    pub unassigned: Vec<UnassignedTask>,
    pub routes: Vec<RouteOutput>,
    #[serde(rename = "x-ruyi")]
    pub ruyi: RuyiReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub cost: u64,
    pub routes: usize,
    pub unassigned: usize,
    pub setup: u64,
    pub service: u64,
    pub duration: u64,
    pub waiting_time: u64,
    pub priority: u64,
    pub delivery: Vec<i64>,
    pub pickup: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
    pub violations: Vec<serde_json::Value>,
    pub computing_times: ComputingTimes,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnassignedTask {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Ruyi's addition: why no vehicle took it.
    pub reason: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteOutput {
    pub vehicle: u64,
    pub cost: u64,
    pub setup: u64,
    pub service: u64,
    pub duration: u64,
    pub waiting_time: u64,
    pub priority: u64,
    pub delivery: Vec<i64>,
    pub pickup: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
    pub steps: Vec<StepOutput>,
    pub violations: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutput {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub arrival: u64,
    /// Travel time so far.
    pub duration: u64,
    pub setup: u64,
    pub service: u64,
    pub waiting_time: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub load: Vec<i64>,
    /// Distance so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
    pub violations: Vec<serde_json::Value>,
}

/// What Ruyi adds to VROOM's answer.
#[derive(Debug, Clone, Serialize)]
pub struct RuyiReport {
    /// `"input"` or `"great-circle"`.
    pub matrix: &'static str,
    pub note: String,
    pub seed: u64,
    pub time_limit: f64,
    /// The answer passed Ruyi's independent checker.
    pub checked: bool,
    /// Top-level keys of the document that were not read (VROOM ignores
    /// them too).
    pub ignored: Vec<String>,
}

/// Writes the answer. The solution must already have passed the checker;
/// the core times breaks by VROOM's rule, so every stop is reported as
/// timed.
pub fn render(
    model: &Model,
    solution: &Solution,
    params: &SolveParams,
    computing_times: ComputingTimes,
) -> Result<SolutionDocument, VroomError> {
    let routes: Vec<RouteOutput> = solution
        .routes
        .iter()
        .filter(|r| !r.stops.is_empty())
        .map(|r| route(model, r))
        .collect();
    let unassigned: Vec<UnassignedTask> = solution
        .unassigned
        .iter()
        .map(|u| {
            let job = &model.jobs[u.job];
            UnassignedTask {
                id: job.id,
                kind: "job",
                location: job.location,
                location_index: job.location_index,
                description: job.description.clone(),
                reason: u.reason.code(),
            }
        })
        .collect();
    let add = |pick: fn(&RouteOutput) -> &Vec<i64>| {
        (0..model.amount_size)
            .map(|d| routes.iter().map(|r| pick(r)[d]).sum())
            .collect()
    };
    let summary = Summary {
        cost: routes.iter().map(|r| r.cost).sum(),
        routes: routes.len(),
        unassigned: unassigned.len(),
        setup: routes.iter().map(|r| r.setup).sum(),
        service: routes.iter().map(|r| r.service).sum(),
        duration: routes.iter().map(|r| r.duration).sum(),
        waiting_time: routes.iter().map(|r| r.waiting_time).sum(),
        priority: routes.iter().map(|r| r.priority).sum(),
        delivery: add(|r| &r.delivery),
        pickup: add(|r| &r.pickup),
        distance: model
            .distances
            .as_ref()
            .map(|_| routes.iter().filter_map(|r| r.distance).sum()),
        violations: Vec::new(),
        computing_times,
    };
    let (matrix, note) = match &model.matrix_source {
        MatrixSource::Input { profile } => {
            ("input", format!("travel times from matrices.{profile}"))
        }
        MatrixSource::GreatCircle(travel) => (
            "great-circle",
            format!(
                "no matrix given: durations and distances computed from coordinates by Ruyi's great-circle model (road distance {:.2}x the straight line, {} km/h for the first {} km, {} km/h beyond); no routing engine was called",
                travel.circuity, travel.city_kmh, travel.city_km, travel.highway_kmh
            ),
        ),
    };
    Ok(SolutionDocument {
        code: 0,
        summary,
        unassigned,
        routes,
        ruyi: RuyiReport {
            matrix,
            note,
            seed: params.seed,
            time_limit: params.time_limit.as_secs_f64(),
            checked: true,
            ignored: model.ignored.clone(),
        },
    })
}

fn route(model: &Model, route: &Route) -> RouteOutput {
    let ticks = model.ticks_per_second;
    let seconds = |ticks_value: i64| (ticks_value.max(0) / ticks) as u64;
    let problem = &model.problem;
    let vehicle = &problem.vehicles()[route.vehicle];
    let info = &model.vehicles[route.vehicle];
    let jobs: Vec<usize> = route.jobs().collect();
    let mut load: Vec<i64> = (0..model.amount_size)
        .map(|d| jobs.iter().map(|j| model.jobs[*j].delivery[d]).sum())
        .collect();
    let delivery = load.clone();
    let pickup: Vec<i64> = (0..model.amount_size)
        .map(|d| jobs.iter().map(|j| model.jobs[*j].pickup[d]).sum())
        .collect();
    let known_distance = model.distances.is_some();
    let mut odometer = Odometer {
        model,
        location: vehicle.start,
        travel: 0,
        distance: 0,
        matrix_cost: 0,
    };
    let mut steps = Vec::with_capacity(route.stops.len() + 2);

    // Without a start VROOM still reports one, at the first task.
    let (start_location, start_index) = match info.start {
        Some(start) => (start.location, start.location_index),
        None => {
            let first = &model.jobs[jobs[0]];
            (first.location, first.location_index)
        }
    };
    steps.push(StepOutput {
        kind: "start",
        arrival: seconds(route.departure),
        duration: 0,
        setup: 0,
        service: 0,
        waiting_time: 0,
        location: start_location,
        location_index: start_index,
        id: None,
        description: None,
        load: load.clone(),
        distance: known_distance.then_some(0),
        violations: Vec::new(),
    });
    let (mut setup, mut service, mut waiting, mut priority) = (0, 0, 0, 0);
    // How much of the next leg the vehicle has driven since its last stop
    // ended: a break may fall part-way along a leg (VROOM's rule), and VROOM
    // reports the travel time and distance driven up to it.
    let mut clock = route.departure;
    let mut driven = 0;
    let mut breaks = info.breaks.iter();
    for (position, stop) in route.stops.iter().enumerate() {
        let waiting_here = seconds(stop.start - stop.arrival);
        waiting += waiting_here;
        match stop.kind {
            StopKind::Job(index) => {
                let job = &model.jobs[index];
                let (travelled, distance) = odometer.drive(problem.jobs()[index].location);
                driven = 0;
                for (d, amount) in load.iter_mut().enumerate() {
                    *amount += job.pickup[d] - job.delivery[d];
                }
                setup += job.setup;
                service += job.service;
                priority += job.priority;
                steps.push(StepOutput {
                    kind: "job",
                    arrival: seconds(stop.arrival),
                    duration: seconds(travelled),
                    setup: job.setup,
                    service: job.service,
                    waiting_time: waiting_here,
                    location: job.location,
                    location_index: job.location_index,
                    id: Some(job.id),
                    description: job.description.clone(),
                    load: load.clone(),
                    distance: known_distance.then_some(distance),
                    violations: Vec::new(),
                });
            }
            StopKind::Break => {
                let next = route.stops[position + 1..]
                    .iter()
                    .find_map(|s| match s.kind {
                        StopKind::Job(j) => Some(problem.jobs()[j].location),
                        StopKind::Break => None,
                    })
                    .or(vehicle.end);
                let leg = next.map_or((0, 0), |to| odometer.leg(to));
                // Driving happens outside breaks until the leg is done.
                driven = (driven + (stop.arrival - clock).max(0)).min(leg.0);
                let a_break = breaks.next().expect("the checker counted the breaks");
                service += a_break.service;
                steps.push(StepOutput {
                    kind: "break",
                    arrival: seconds(stop.arrival),
                    duration: seconds(odometer.travel + driven),
                    setup: 0,
                    service: a_break.service,
                    waiting_time: waiting_here,
                    location: None,
                    location_index: None,
                    id: Some(a_break.id),
                    description: a_break.description.clone(),
                    load: load.clone(),
                    distance: known_distance
                        .then(|| odometer.distance + pro_rata(leg.1, driven, leg.0)),
                    violations: Vec::new(),
                });
            }
        }
        clock = stop.departure;
    }
    if let (Some(end), Some(end_info)) = (vehicle.end, info.end) {
        let (travelled, driven) = odometer.drive(end);
        steps.push(StepOutput {
            kind: "end",
            arrival: seconds(route.end),
            duration: seconds(travelled),
            setup: 0,
            service: 0,
            waiting_time: 0,
            location: end_info.location,
            location_index: end_info.location_index,
            id: None,
            description: None,
            load: load.clone(),
            distance: known_distance.then_some(driven),
            violations: Vec::new(),
        });
    }
    let duration = seconds(odometer.travel);
    let distance = odometer.distance;
    let variable = match model.cost_basis {
        CostBasis::CostsMatrix => odometer.matrix_cost,
        // VROOM's user cost: rates applied to the reported totals, rounded.
        CostBasis::Metrics => (duration as f64 * info.per_hour as f64 / 3600.0
            + distance as f64 * info.per_km as f64 / 1000.0)
            .round() as u64,
    };
    RouteOutput {
        vehicle: info.id,
        cost: info.fixed + variable,
        setup,
        service,
        duration,
        waiting_time: waiting,
        priority,
        delivery,
        pickup,
        description: info.description.clone(),
        distance: known_distance.then_some(distance),
        steps,
        violations: Vec::new(),
    }
}

/// Travel so far along a route, in core ticks, metres and matrix costs.
struct Odometer<'a> {
    model: &'a Model,
    location: usize,
    travel: i64,
    distance: u64,
    matrix_cost: u64,
}

/// Share `part / whole` of `amount`, rounded (VROOM's pro rata distance
/// of a break taken part-way along a leg).
fn pro_rata(amount: u64, part: i64, whole: i64) -> u64 {
    if whole <= 0 {
        0
    } else {
        (amount as f64 * part as f64 / whole as f64).round() as u64
    }
}

impl Odometer<'_> {
    /// Travel time and distance of the leg from here to `to`.
    fn leg(&self, to: usize) -> (i64, u64) {
        let from = self.location;
        (
            self.model.problem.matrix().duration(from, to),
            self.model.distance(from, to).unwrap_or(0),
        )
    }

    /// Drives to `to`; returns travel time and distance so far.
    fn drive(&mut self, to: usize) -> (i64, u64) {
        let from = self.location;
        self.travel += self.model.problem.matrix().duration(from, to);
        self.distance += self.model.distance(from, to).unwrap_or(0);
        self.matrix_cost += self.model.cost(from, to).unwrap_or(0);
        self.location = to;
        (self.travel, self.distance)
    }
}
