//! From a VROOM document to an [`optimize::Problem`], key by key.
//!
//! The core minimises one integer objective; VROOM ranks solutions by
//! priority sum, then number of assigned jobs, then cost. Both meet when a
//! job's unassigned penalty is `A + B·priority` with `A` above any possible
//! routing cost and `B` above `A` times the number of jobs: then one more
//! priority point beats any number of jobs, and one more job beats any
//! cost. Costs use VROOM's own internal unit (1/360 000 of a reported cost
//! unit: per_hour × 100 per second, per_km × 360 per metre), reduced by
//! their common divisor, so the core minimises exactly VROOM's cost.
//!
//! How each key maps (anything not mapped exactly is refused by name):
//!
//! - `location`/`location_index`, `start(_index)`, `end(_index)`: matrix
//!   indices. A vehicle without `start` starts at a virtual location at zero
//!   distance from everywhere, which is VROOM's "starts at its first task".
//! - `matrices.<profile>`: one profile for the whole fleet (the core has one
//!   matrix). Without matrices, durations and distances come from
//!   coordinates through [`GreatCircle`] — no routing engine is called.
//! - `speed_factor`: the same for every vehicle; durations become
//!   `round(100 / speed_factor)` hundredths of a second per matrix second,
//!   as VROOM scales them.
//! - `service` + `setup`: the core has one service time, so `setup` is
//!   accepted only where VROOM would always apply it (no other job or start
//!   shares the location).
//! - `delivery`/`pickup`: VROOM loads deliveries at the start and brings
//!   pickups back, so the load only falls with deliveries and only rises with
//!   pickups. Per capacity dimension the core's cumulative demand is exact
//!   when a dimension holds deliveries only or pickups only; mixing both in
//!   one dimension is refused.
//! - `max_tasks`: an extra capacity dimension where every job weighs 1.
//! - `breaks`: the core's breaks, which follow VROOM's rule (a break may
//!   fall while waiting, before or after a leg, within its windows; the
//!   drive fills the time outside breaks), in VROOM's order (by first
//!   window), every one taken by a used vehicle
//!   ([`Vehicle::take_every_break`]). Breaks that cannot all fit in the
//!   vehicle's time window are refused as VROOM refuses them.
//! - `max_travel_time`, `max_distance`: the core's limits on a route's
//!   driving time and length. A distance limit needs metres in the core's
//!   distance channel, so it is refused where that channel carries costs
//!   (a `costs` matrix, or a `speed_factor` other than 1).

use std::collections::{BTreeSet, HashMap};

use super::VroomError;
use super::input::{Coordinates, Document, JobInput, MatrixSet, TimeWindow, VehicleInput};
use crate::domain::GeoPoint;
use crate::optimize::{Break, Job, Problem, TravelMatrix, Vehicle, Window};
use crate::travel::{GreatCircle, TravelModel};

/// Largest time, duration or matrix entry accepted: about 34 000 years in
/// seconds, far beyond any plan, and small enough that no sum overflows.
pub const MAX_VALUE: u64 = 1 << 40;

/// VROOM's internal cost units per reported cost unit (`DURATION_FACTOR`
/// 100 × `COST_FACTOR` 3600).
const COST_UNITS: i64 = 360_000;

/// Where the travel times came from; the answer says which.
#[derive(Debug, Clone, PartialEq)]
pub enum MatrixSource {
    /// The document's `matrices.<profile>`.
    Input { profile: String },
    /// Computed from coordinates by Ruyi's own travel model, because the
    /// document has no matrix and Ruyi does not call a routing engine.
    GreatCircle(GreatCircle),
}

/// What a route's reported cost is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostBasis {
    /// `per_hour` on travel time plus `per_km` on distance.
    Metrics,
    /// The sum of the document's `costs` matrix over the legs.
    CostsMatrix,
}

/// A job as the answer needs to echo it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    pub id: u64,
    pub description: Option<String>,
    pub location: Option<Coordinates>,
    pub location_index: Option<usize>,
    pub setup: u64,
    pub service: u64,
    pub priority: u64,
    pub delivery: Vec<i64>,
    pub pickup: Vec<i64>,
}

/// A vehicle as the answer needs to echo it.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleInfo {
    pub id: u64,
    pub description: Option<String>,
    /// `None`: starts at its first task (the virtual start location).
    pub start: Option<Endpoint>,
    pub end: Option<Endpoint>,
    /// The vehicle's breaks in the order the core takes them.
    pub breaks: Vec<BreakInfo>,
    pub fixed: u64,
    pub per_hour: u64,
    pub per_km: u64,
}

/// A break as the answer needs to echo it.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakInfo {
    pub id: u64,
    pub description: Option<String>,
    pub service: u64,
}

/// A start or end as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Endpoint {
    pub location: Option<Coordinates>,
    pub location_index: Option<usize>,
}

/// The core problem plus what is needed to answer in VROOM's terms.
#[derive(Debug, Clone)]
pub struct Model {
    pub problem: Problem,
    /// Core time units per second: 1, or 100 when a `speed_factor` other
    /// than 1 makes VROOM count in hundredths.
    pub ticks_per_second: i64,
    pub matrix_source: MatrixSource,
    pub cost_basis: CostBasis,
    pub jobs: Vec<JobInfo>,
    pub vehicles: Vec<VehicleInfo>,
    /// Distances in metres between core locations, when known.
    pub distances: Option<Vec<u64>>,
    /// The document's `costs` matrix over core locations, when given.
    pub costs: Option<Vec<u64>>,
    /// Number of core locations (the matrix's side).
    pub size: usize,
    /// Length of VROOM's amount arrays (without the `max_tasks` dimension).
    pub amount_size: usize,
    /// Top-level keys of the document that were not read.
    pub ignored: Vec<String>,
}

impl Model {
    pub fn distance(&self, from: usize, to: usize) -> Option<u64> {
        self.distances.as_ref().map(|d| d[from * self.size + to])
    }

    pub fn cost(&self, from: usize, to: usize) -> Option<u64> {
        self.costs.as_ref().map(|c| c[from * self.size + to])
    }
}

/// The travel matrices over core locations, in the document's units.
struct Matrices {
    size: usize,
    durations: Vec<u64>,
    distances: Option<Vec<u64>>,
    costs: Option<Vec<u64>>,
    source: MatrixSource,
}

/// Matrix indices of each job and each vehicle's start and end.
struct Places {
    jobs: Vec<usize>,
    starts: Vec<Option<usize>>,
    ends: Vec<Option<usize>>,
}

/// Builds the core problem, refusing what it cannot model exactly.
pub fn build(document: &Document, travel: &GreatCircle) -> Result<Model, VroomError> {
    refuse_unsupported_top_level(document)?;
    if document.vehicles.is_empty() {
        return Err(VroomError::invalid(
            "vehicles",
            "needs at least one vehicle",
        ));
    }
    let profile = fleet_profile(&document.vehicles)?;
    check_ids(document)?;
    for (index, job) in document.jobs.iter().enumerate() {
        refuse_unsupported_job_keys(index, job)?;
    }
    for (index, vehicle) in document.vehicles.iter().enumerate() {
        refuse_unsupported_vehicle_keys(index, vehicle)?;
    }
    let (mut matrices, places) = match document.matrices.as_ref().and_then(|m| m.get(&profile)) {
        Some(set) => from_input_matrices(document, &profile, set)?,
        None => from_coordinates(document, travel)?,
    };
    // A vehicle without a start starts at its first task: a virtual location
    // at zero time and distance from everywhere.
    let virtual_start = places.starts.iter().any(Option::is_none).then(|| {
        add_virtual_location(&mut matrices);
        matrices.size - 1
    });
    let (ticks_per_second, duration_factor, speed_factor) = time_scale(&document.vehicles)?;
    let amount_size = amount_size(document)?;
    let dimension_kinds = dimension_kinds(&document.jobs, amount_size)?;
    let skill_bits = skill_bits(&document.jobs)?;
    let with_max_tasks = document.vehicles.iter().any(|v| v.max_tasks.is_some());

    // Costs, in VROOM's internal unit before reduction.
    let costs_input: Vec<super::input::CostsInput> = document
        .vehicles
        .iter()
        .map(|v| v.costs.as_ref().copied().unwrap_or_default())
        .collect();
    let (cost_basis, channel) = cost_channel(&costs_input, &matrices, &profile, speed_factor)?;

    let size = matrices.size;
    let core_durations: Vec<i64> = matrices
        .durations
        .iter()
        .map(|d| *d as i64 * duration_factor)
        .collect();
    let mut core_channel: Vec<i64> = match &channel {
        Channel::Distances => matrices
            .distances
            .as_ref()
            .map(|d| d.iter().map(|v| *v as i64).collect())
            .unwrap_or_else(|| vec![0; size * size]),
        Channel::LegCosts(values) => values.clone(),
    };

    let mut vehicles = Vec::with_capacity(document.vehicles.len());
    let mut infos = Vec::with_capacity(document.vehicles.len());
    for (index, input) in document.vehicles.iter().enumerate() {
        let start = places.starts[index]
            .or(virtual_start)
            .expect("a virtual start exists for vehicles without one");
        let shift = match input.time_window {
            Some(tw) => window(tw, ticks_per_second, || {
                format!("vehicles[{index}].time_window")
            })?,
            None => Window {
                start: 0,
                end: Window::UNBOUNDED.end,
            },
        };
        let mut vehicle = Vehicle::new(start, places.ends[index], shift);
        vehicle.skills = input
            .skills
            .iter()
            .flatten()
            .filter_map(|s| skill_bits.get(s))
            .fold(0, |mask, bit| mask | bit);
        let mut capacity = input
            .capacity
            .clone()
            .unwrap_or_else(|| vec![0; amount_size]);
        if with_max_tasks {
            capacity.push(
                input
                    .max_tasks
                    .map_or(i64::MAX / 4, |m| m.min(MAX_VALUE) as i64),
            );
        }
        vehicle.capacity = capacity;
        let costs = &costs_input[index];
        match channel {
            Channel::Distances => {
                vehicle.cost_per_duration = costs.per_hour as i64 * 100 / ticks_per_second;
                vehicle.cost_per_distance = costs.per_km as i64 * 360;
            }
            Channel::LegCosts(_) => {
                vehicle.cost_per_duration = 0;
                vehicle.cost_per_distance = 1;
            }
        }
        vehicle.fixed_cost = costs.fixed as i64 * COST_UNITS;
        vehicle.max_travel_time = input
            .max_travel_time
            .map(|t| t.min(MAX_VALUE) as i64 * ticks_per_second);
        vehicle.max_distance = match (input.max_distance, &channel) {
            (None, _) => None,
            (Some(_), Channel::Distances) if matrices.distances.is_none() => {
                return Err(VroomError::invalid(
                    format!("vehicles[{index}].max_distance"),
                    format!(
                        "needs matrices.{profile}.distances: Ruyi does not call a routing engine for distances"
                    ),
                ));
            }
            (Some(metres), Channel::Distances) => Some(metres.min(MAX_VALUE) as i64),
            (Some(_), Channel::LegCosts(_)) => {
                return Err(VroomError::unsupported(
                    format!("vehicles[{index}].max_distance"),
                    "with a costs matrix or a speed_factor other than 1 Ruyi's route distance carries costs, so a distance limit cannot be kept alongside",
                ));
            }
        };
        let mut info = VehicleInfo {
            id: input.id,
            description: input.description.clone(),
            start: places.starts[index].map(|_| Endpoint {
                location: input.start,
                location_index: input.start_index,
            }),
            end: places.ends[index].map(|_| Endpoint {
                location: input.end,
                location_index: input.end_index,
            }),
            breaks: Vec::new(),
            fixed: costs.fixed,
            per_hour: costs.per_hour,
            per_km: costs.per_km,
        };
        let mut breaks = Vec::new();
        for (rank, input_break) in input.breaks.iter().flatten().enumerate() {
            let field = |key: &str| format!("vehicles[{index}].breaks[{rank}]{key}");
            if input_break.max_load.is_some() {
                return Err(VroomError::unsupported(
                    field(".max_load"),
                    "Ruyi has no load limit on breaks",
                ));
            }
            let windows = match &input_break.time_windows {
                Some(list) => windows(list, ticks_per_second, || field(".time_windows"))?,
                None => vec![Window {
                    start: 0,
                    end: Window::UNBOUNDED.end,
                }],
            };
            check_value(input_break.service, || field(".service"))?;
            if info.breaks.iter().any(|b| b.id == input_break.id) {
                return Err(VroomError::invalid(
                    field(".id"),
                    format!("duplicate break id {}", input_break.id),
                ));
            }
            breaks.push((
                Break {
                    windows,
                    duration: input_break.service as i64 * ticks_per_second,
                },
                BreakInfo {
                    id: input_break.id,
                    description: input_break.description.clone(),
                    service: input_break.service,
                },
            ));
            info.breaks
                .push(breaks.last().expect("just pushed").1.clone());
        }
        // VROOM takes breaks in the order of their first window.
        breaks.sort_by_key(|(b, _)| (b.windows[0].start, b.windows[0].end));
        check_breaks_fit(index, &shift, breaks.iter().map(|(b, _)| b))?;
        let (mut core_breaks, break_infos): (Vec<Break>, Vec<BreakInfo>) =
            breaks.into_iter().unzip();
        info.breaks = break_infos;
        if !core_breaks.is_empty() {
            vehicle.lunch = Some(core_breaks.remove(0));
            vehicle.further_breaks = core_breaks;
            vehicle.take_every_break = true;
        }
        vehicles.push(vehicle);
        infos.push(info);
    }

    let mut jobs = Vec::with_capacity(document.jobs.len());
    let mut job_infos = Vec::with_capacity(document.jobs.len());
    for (index, input) in document.jobs.iter().enumerate() {
        let location = places.jobs[index];
        check_value(input.setup, || format!("jobs[{index}].setup"))?;
        check_value(input.service, || format!("jobs[{index}].service"))?;
        if input.setup > 0 {
            let shared = places
                .jobs
                .iter()
                .enumerate()
                .any(|(other, l)| other != index && *l == location)
                || places.starts.contains(&Some(location));
            if shared {
                return Err(VroomError::unsupported(
                    format!("jobs[{index}].setup"),
                    "VROOM skips setup after a task at the same place; Ruyi applies setup exactly only at a location no other job or vehicle start shares",
                ));
            }
        }
        if input.priority > 100 {
            return Err(VroomError::invalid(
                format!("jobs[{index}].priority"),
                format!("{} is outside [0, 100]", input.priority),
            ));
        }
        let mut job = Job::at(
            location,
            (input.setup + input.service) as i64 * ticks_per_second,
        );
        if let Some(list) = &input.time_windows {
            job.windows = windows(list, ticks_per_second, || {
                format!("jobs[{index}].time_windows")
            })?;
        }
        job.skills = input
            .skills
            .iter()
            .flatten()
            .fold(0, |mask, skill| mask | skill_bits[skill]);
        let delivery = input
            .delivery
            .clone()
            .unwrap_or_else(|| vec![0; amount_size]);
        let pickup = input.pickup.clone().unwrap_or_else(|| vec![0; amount_size]);
        job.demand = (0..amount_size)
            .map(|d| match dimension_kinds[d] {
                Load::Pickup => pickup[d],
                Load::Delivery | Load::Empty => delivery[d],
            })
            .collect();
        if with_max_tasks {
            job.demand.push(1);
        }
        jobs.push(job);
        job_infos.push(JobInfo {
            id: input.id,
            description: input.description.clone(),
            location: input.location,
            location_index: input.location_index,
            setup: input.setup,
            service: input.service,
            priority: input.priority,
            delivery,
            pickup,
        });
    }

    reduce_costs(&mut vehicles, &mut core_channel, &channel);
    set_penalties(
        &mut jobs,
        &job_infos,
        &vehicles,
        &core_durations,
        &core_channel,
    )?;

    let matrix = TravelMatrix::new(size, core_durations, core_channel)
        .map_err(|e| VroomError::invalid("matrices", e.to_string()))?;
    let problem = Problem::new(matrix, jobs, vehicles)
        .map_err(|e| VroomError::invalid("body", e.to_string()))?;
    Ok(Model {
        problem,
        ticks_per_second,
        matrix_source: matrices.source,
        cost_basis,
        jobs: job_infos,
        vehicles: infos,
        distances: matrices.distances,
        costs: matrices.costs,
        size,
        amount_size,
        ignored: document.ignored.clone(),
    })
}

/// VROOM's own check of a vehicle's breaks ("Inconsistent breaks"): taken
/// in order, each as early as its windows allow from the start of the
/// working hours, and each as late as they allow before their end, every
/// break must have its earliest start no later than its latest.
fn check_breaks_fit<'a>(
    index: usize,
    shift: &Window,
    breaks: impl Iterator<Item = &'a Break> + Clone,
) -> Result<(), VroomError> {
    let refuse = || {
        VroomError::invalid(
            format!("vehicles[{index}].breaks"),
            "the breaks cannot all be taken within the vehicle's time_window (VROOM refuses them as inconsistent)",
        )
    };
    let mut earliest = Vec::new();
    let mut clock = shift.start;
    for a_break in breaks.clone() {
        let window = a_break
            .windows
            .iter()
            .find(|w| clock <= w.end)
            .ok_or_else(refuse)?;
        let start = clock.max(window.start);
        earliest.push(start);
        clock = start + a_break.duration;
    }
    let all: Vec<&Break> = breaks.collect();
    let mut bound = shift.end;
    for (a_break, earliest) in all.iter().zip(earliest).rev() {
        bound -= a_break.duration;
        let window = a_break
            .windows
            .iter()
            .rev()
            .find(|w| w.start <= bound)
            .ok_or_else(refuse)?;
        bound = bound.min(window.end);
        if bound < earliest {
            return Err(refuse());
        }
    }
    Ok(())
}

fn refuse_unsupported_top_level(document: &Document) -> Result<(), VroomError> {
    if document.shipments.as_ref().is_some_and(|s| !is_empty(s)) {
        return Err(VroomError::unsupported(
            "shipments",
            "Ruyi has no pickup-and-delivery pairs; send them as separate jobs only if their order does not matter",
        ));
    }
    if document.matrix.is_some() {
        return Err(VroomError::unsupported(
            "matrix",
            "the deprecated single matrix is not read; send it as matrices.<profile>.durations",
        ));
    }
    Ok(())
}

fn refuse_unsupported_job_keys(index: usize, job: &JobInput) -> Result<(), VroomError> {
    if job.amount.is_some() {
        return Err(VroomError::unsupported(
            format!("jobs[{index}].amount"),
            "deprecated in VROOM; use delivery or pickup",
        ));
    }
    for (key, value) in [
        ("setup_per_type", &job.setup_per_type),
        ("service_per_type", &job.service_per_type),
    ] {
        if value.as_ref().is_some_and(|v| !is_empty(v)) {
            return Err(VroomError::unsupported(
                format!("jobs[{index}].{key}"),
                "Ruyi has one service time per job for every vehicle",
            ));
        }
    }
    Ok(())
}

fn refuse_unsupported_vehicle_keys(index: usize, vehicle: &VehicleInput) -> Result<(), VroomError> {
    if vehicle.steps.as_ref().is_some_and(|s| !is_empty(s)) {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].steps"),
            "Ruyi has no plan mode and no user-given starting routes",
        ));
    }
    if let Some(costs) = &vehicle.costs
        && costs.per_task_hour != 0
    {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].costs.per_task_hour"),
            "Ruyi does not cost task time",
        ));
    }
    if vehicle.start.is_none()
        && vehicle.start_index.is_none()
        && vehicle.end.is_none()
        && vehicle.end_index.is_none()
    {
        return Err(VroomError::invalid(
            format!("vehicles[{index}]"),
            "needs a start or an end",
        ));
    }
    Ok(())
}

fn is_empty(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.is_empty(),
        serde_json::Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// The one routing profile of the fleet (the core has one matrix).
fn fleet_profile(vehicles: &[VehicleInput]) -> Result<String, VroomError> {
    let profile = |v: &VehicleInput| v.profile.clone().unwrap_or_else(|| "car".to_string());
    let first = profile(&vehicles[0]);
    if let Some(index) = vehicles.iter().position(|v| profile(v) != first) {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].profile"),
            format!(
                "Ruyi plans over one travel matrix; all vehicles must share the profile {first:?}"
            ),
        ));
    }
    Ok(first)
}

fn check_ids(document: &Document) -> Result<(), VroomError> {
    let mut seen = BTreeSet::new();
    for (index, job) in document.jobs.iter().enumerate() {
        if !seen.insert(job.id) {
            return Err(VroomError::invalid(
                format!("jobs[{index}].id"),
                format!("duplicate job id {}", job.id),
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (index, vehicle) in document.vehicles.iter().enumerate() {
        if !seen.insert(vehicle.id) {
            return Err(VroomError::invalid(
                format!("vehicles[{index}].id"),
                format!("duplicate vehicle id {}", vehicle.id),
            ));
        }
    }
    Ok(())
}

fn check_value(value: u64, field: impl Fn() -> String) -> Result<(), VroomError> {
    if value > MAX_VALUE {
        return Err(VroomError::invalid(
            field(),
            format!("{value} is larger than {MAX_VALUE}"),
        ));
    }
    Ok(())
}

fn window(
    [start, end]: TimeWindow,
    ticks_per_second: i64,
    field: impl Fn() -> String,
) -> Result<Window, VroomError> {
    check_value(end, &field)?;
    if start > end {
        return Err(VroomError::invalid(
            field(),
            format!("starts at {start}, after its end {end}"),
        ));
    }
    Ok(Window {
        start: start as i64 * ticks_per_second,
        end: end as i64 * ticks_per_second,
    })
}

/// Sorted windows, overlapping ones merged (a union of closed intervals
/// is the same set of allowed start times), as the core requires.
fn windows(
    list: &[TimeWindow],
    ticks_per_second: i64,
    field: impl Fn() -> String,
) -> Result<Vec<Window>, VroomError> {
    if list.is_empty() {
        return Err(VroomError::invalid(field(), "an empty list of windows"));
    }
    let mut windows = list
        .iter()
        .enumerate()
        .map(|(k, tw)| window(*tw, ticks_per_second, || format!("{}[{k}]", field())))
        .collect::<Result<Vec<_>, _>>()?;
    windows.sort_by_key(|w| (w.start, w.end));
    let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
    for w in windows {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    Ok(merged)
}

fn from_input_matrices(
    document: &Document,
    profile: &str,
    set: &MatrixSet,
) -> Result<(Matrices, Places), VroomError> {
    let key = |name: &str| format!("matrices.{profile}.{name}");
    let Some(durations) = &set.durations else {
        return Err(VroomError::unsupported(
            key("durations"),
            "Ruyi needs travel times with custom matrices; it does not call a routing engine",
        ));
    };
    let size = durations.len();
    if size == 0 {
        return Err(VroomError::invalid(key("durations"), "an empty matrix"));
    }
    let flatten = |rows: &Vec<Vec<u64>>, name: &str| -> Result<Vec<u64>, VroomError> {
        if rows.len() != size {
            return Err(VroomError::invalid(
                key(name),
                format!("{} rows, durations have {size}", rows.len()),
            ));
        }
        let mut cells = Vec::with_capacity(size * size);
        for (row_index, row) in rows.iter().enumerate() {
            if row.len() != size {
                return Err(VroomError::invalid(
                    format!("{}[{row_index}]", key(name)),
                    format!("{} columns in a {size}×{size} matrix", row.len()),
                ));
            }
            for value in row {
                check_value(*value, || format!("{}[{row_index}]", key(name)))?;
            }
            cells.extend_from_slice(row);
        }
        Ok(cells)
    };
    let matrices = Matrices {
        size,
        durations: flatten(durations, "durations")?,
        distances: set
            .distances
            .as_ref()
            .map(|d| flatten(d, "distances"))
            .transpose()?,
        costs: set
            .costs
            .as_ref()
            .map(|c| flatten(c, "costs"))
            .transpose()?,
        source: MatrixSource::Input {
            profile: profile.to_string(),
        },
    };
    let index = |given: Option<usize>, coordinates: Option<Coordinates>, field: String| match (
        given,
        coordinates,
    ) {
        (Some(i), _) if i < size => Ok(Some(i)),
        (Some(i), _) => Err(VroomError::invalid(
            field,
            format!("{i} is outside the {size}×{size} matrix"),
        )),
        (None, Some(_)) => Err(VroomError::invalid(
            field,
            "required with custom matrices (coordinates alone do not name a row)",
        )),
        (None, None) => Ok(None),
    };
    let mut places = Places {
        jobs: Vec::new(),
        starts: Vec::new(),
        ends: Vec::new(),
    };
    for (i, job) in document.jobs.iter().enumerate() {
        let field = format!("jobs[{i}].location_index");
        match index(job.location_index, job.location, field.clone())? {
            Some(location) => places.jobs.push(location),
            None => return Err(VroomError::invalid(field, "required with custom matrices")),
        }
    }
    for (i, vehicle) in document.vehicles.iter().enumerate() {
        places.starts.push(index(
            vehicle.start_index,
            vehicle.start,
            format!("vehicles[{i}].start_index"),
        )?);
        places.ends.push(index(
            vehicle.end_index,
            vehicle.end,
            format!("vehicles[{i}].end_index"),
        )?);
    }
    Ok((matrices, places))
}

/// Without matrices: one location per distinct coordinate pair, travel
/// from Ruyi's great-circle model.
fn from_coordinates(
    document: &Document,
    travel: &GreatCircle,
) -> Result<(Matrices, Places), VroomError> {
    let mut points: Vec<GeoPoint> = Vec::new();
    let mut known: HashMap<(u64, u64), usize> = HashMap::new();
    let mut place = |coordinates: Coordinates, field: String| -> Result<usize, VroomError> {
        let [lon, lat] = coordinates;
        let key = (lon.to_bits(), lat.to_bits());
        if let Some(index) = known.get(&key) {
            return Ok(*index);
        }
        let point = GeoPoint::new(lat, lon).map_err(|e| {
            VroomError::invalid(field, format!("{} (coordinates are [lon, lat])", e.message))
        })?;
        points.push(point);
        known.insert(key, points.len() - 1);
        Ok(points.len() - 1)
    };
    let mut places = Places {
        jobs: Vec::new(),
        starts: Vec::new(),
        ends: Vec::new(),
    };
    for (i, job) in document.jobs.iter().enumerate() {
        let field = format!("jobs[{i}].location");
        let Some(location) = job.location else {
            return Err(VroomError::invalid(
                field,
                "required without matrices (Ruyi computes travel from coordinates)",
            ));
        };
        places.jobs.push(place(location, field)?);
    }
    for (i, vehicle) in document.vehicles.iter().enumerate() {
        let endpoint = |coordinates: Option<Coordinates>, index: Option<usize>, key: &str| match (
            coordinates,
            index,
        ) {
            (Some(c), _) => Ok(Some(c)),
            (None, Some(_)) => Err(VroomError::invalid(
                format!("vehicles[{i}].{key}"),
                "coordinates are required without matrices",
            )),
            (None, None) => Ok(None),
        };
        let start = endpoint(vehicle.start, vehicle.start_index, "start")?;
        let end = endpoint(vehicle.end, vehicle.end_index, "end")?;
        places.starts.push(
            start
                .map(|c| place(c, format!("vehicles[{i}].start")))
                .transpose()?,
        );
        places.ends.push(
            end.map(|c| place(c, format!("vehicles[{i}].end")))
                .transpose()?,
        );
    }
    let model = *travel;
    let matrix = model.matrix(&points);
    let size = points.len();
    let mut durations = Vec::with_capacity(size * size);
    let mut distances = Vec::with_capacity(size * size);
    for from in 0..size {
        for to in 0..size {
            durations.push(matrix.duration(from, to) as u64);
            distances.push(matrix.distance(from, to) as u64);
        }
    }
    Ok((
        Matrices {
            size,
            durations,
            distances: Some(distances),
            costs: None,
            source: MatrixSource::GreatCircle(model),
        },
        places,
    ))
}

fn add_virtual_location(matrices: &mut Matrices) {
    let old = matrices.size;
    let grow = |cells: &[u64]| grow_matrix(cells, old);
    matrices.durations = grow_matrix(&matrices.durations, old);
    matrices.distances = matrices.distances.as_deref().map(grow);
    matrices.costs = matrices.costs.as_deref().map(grow);
    matrices.size = old + 1;
}

/// A square matrix of side `old` with a zero row and column added.
fn grow_matrix(cells: &[u64], old: usize) -> Vec<u64> {
    let size = old + 1;
    let mut grown = vec![0; size * size];
    for from in 0..old {
        grown[from * size..from * size + old].copy_from_slice(&cells[from * old..from * old + old]);
    }
    grown
}

/// `(ticks per second, core ticks per matrix second, speed factor)`.
fn time_scale(vehicles: &[VehicleInput]) -> Result<(i64, i64, f64), VroomError> {
    let factor = |v: &VehicleInput| v.speed_factor.unwrap_or(1.0);
    for (index, vehicle) in vehicles.iter().enumerate() {
        let f = factor(vehicle);
        if !(f > 0.0 && f <= 5.0) {
            return Err(VroomError::invalid(
                format!("vehicles[{index}].speed_factor"),
                format!("{f} is outside (0, 5]"),
            ));
        }
    }
    let first = factor(&vehicles[0]);
    if let Some(index) = vehicles.iter().position(|v| factor(v) != first) {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].speed_factor"),
            "Ruyi plans over one travel matrix; all vehicles must share the speed_factor",
        ));
    }
    if first == 1.0 {
        Ok((1, 1, 1.0))
    } else {
        // VROOM's own scaling: hundredths of a second, factor rounded.
        Ok((100, (100.0 / first).round() as i64, first))
    }
}

/// Length of the amount arrays, which must all agree (VROOM's rule).
fn amount_size(document: &Document) -> Result<usize, VroomError> {
    let mut size: Option<usize> = None;
    let mut agree = |length: usize, field: String| match size {
        None => {
            size = Some(length);
            Ok(())
        }
        Some(s) if s == length => Ok(()),
        Some(s) => Err(VroomError::invalid(
            field,
            format!("{length} amounts where the others have {s}"),
        )),
    };
    for (i, vehicle) in document.vehicles.iter().enumerate() {
        if let Some(capacity) = &vehicle.capacity {
            agree(capacity.len(), format!("vehicles[{i}].capacity"))?;
            if capacity.iter().any(|c| *c < 0 || *c as u64 > MAX_VALUE) {
                return Err(VroomError::invalid(
                    format!("vehicles[{i}].capacity"),
                    format!("amounts must be within [0, {MAX_VALUE}]"),
                ));
            }
        }
    }
    for (i, job) in document.jobs.iter().enumerate() {
        for (key, amounts) in [("delivery", &job.delivery), ("pickup", &job.pickup)] {
            if let Some(amounts) = amounts {
                agree(amounts.len(), format!("jobs[{i}].{key}"))?;
                if amounts.iter().any(|a| *a < 0 || *a as u64 > MAX_VALUE) {
                    return Err(VroomError::invalid(
                        format!("jobs[{i}].{key}"),
                        format!("amounts must be within [0, {MAX_VALUE}]"),
                    ));
                }
            }
        }
    }
    Ok(size.unwrap_or(0))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    Empty,
    Delivery,
    Pickup,
}

/// Whether each dimension carries deliveries or pickups; both in one
/// dimension is refused (the load would not be a running sum).
fn dimension_kinds(jobs: &[JobInput], amount_size: usize) -> Result<Vec<Load>, VroomError> {
    let mut kinds = vec![Load::Empty; amount_size];
    for (dimension, kind) in kinds.iter_mut().enumerate() {
        let delivers = jobs
            .iter()
            .any(|j| j.delivery.as_ref().is_some_and(|d| d[dimension] > 0));
        let picks_up = jobs
            .iter()
            .position(|j| j.pickup.as_ref().is_some_and(|p| p[dimension] > 0));
        *kind = match (delivers, picks_up) {
            (true, Some(index)) => {
                return Err(VroomError::unsupported(
                    format!("jobs[{index}].pickup"),
                    format!(
                        "dimension {dimension} has both deliveries and pickups; Ruyi's load is a running sum, exact only when each dimension holds one or the other"
                    ),
                ));
            }
            (true, None) => Load::Delivery,
            (false, Some(_)) => Load::Pickup,
            (false, None) => Load::Empty,
        };
    }
    Ok(kinds)
}

/// One bit per distinct skill a job asks for; vehicle skills no job needs
/// change nothing and are dropped.
fn skill_bits(jobs: &[JobInput]) -> Result<HashMap<u64, u64>, VroomError> {
    let mut bits = HashMap::new();
    for (index, job) in jobs.iter().enumerate() {
        for skill in job.skills.iter().flatten() {
            if !bits.contains_key(skill) {
                if bits.len() == 64 {
                    return Err(VroomError::unsupported(
                        format!("jobs[{index}].skills"),
                        "Ruyi supports up to 64 distinct job skills",
                    ));
                }
                bits.insert(*skill, 1u64 << bits.len());
            }
        }
    }
    Ok(bits)
}

/// What the core's distance channel holds.
enum Channel {
    /// Metres; each vehicle prices time and distance with its own rates.
    Distances,
    /// The exact cost of each leg, for costs the core's per-vehicle linear
    /// rates cannot express (a `costs` matrix, or `speed_factor`'s rounded
    /// cost factor); the same for every vehicle.
    LegCosts(Vec<i64>),
}

fn cost_channel(
    costs: &[super::input::CostsInput],
    matrices: &Matrices,
    profile: &str,
    speed_factor: f64,
) -> Result<(CostBasis, Channel), VroomError> {
    if let Some(cost_matrix) = &matrices.costs {
        for (index, c) in costs.iter().enumerate() {
            if c.per_hour != 3600 {
                return Err(VroomError::invalid(
                    format!("vehicles[{index}].costs.per_hour"),
                    "VROOM refuses a custom per_hour together with a costs matrix",
                ));
            }
            if c.per_km != 0 {
                return Err(VroomError::invalid(
                    format!("vehicles[{index}].costs.per_km"),
                    "per_km has no effect with a costs matrix",
                ));
            }
        }
        let legs = cost_matrix.iter().map(|c| *c as i64 * COST_UNITS).collect();
        return Ok((CostBasis::CostsMatrix, Channel::LegCosts(legs)));
    }
    if matrices.distances.is_none()
        && let Some(index) = costs.iter().position(|c| c.per_km != 0)
    {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].costs.per_km"),
            format!(
                "needs matrices.{profile}.distances: Ruyi does not call a routing engine for distances"
            ),
        ));
    }
    if speed_factor == 1.0 {
        return Ok((CostBasis::Metrics, Channel::Distances));
    }
    // VROOM prices time with round(100 · per_hour / speed_factor) per matrix
    // second, which per-vehicle rates on scaled durations cannot reproduce:
    // price each leg once, for a fleet that shares its rates.
    let first = (costs[0].per_hour, costs[0].per_km);
    if let Some(index) = costs.iter().position(|c| (c.per_hour, c.per_km) != first) {
        return Err(VroomError::unsupported(
            format!("vehicles[{index}].costs"),
            "with a speed_factor other than 1, Ruyi prices travel exactly only when all vehicles share per_hour and per_km",
        ));
    }
    let (per_hour, per_km) = first;
    let duration_cost = (100.0 / speed_factor * per_hour as f64).round() as i64;
    let size = matrices.size;
    let legs = (0..size * size)
        .map(|cell| {
            duration_cost * matrices.durations[cell] as i64
                + 360 * per_km as i64 * matrices.distances.as_ref().map_or(0, |d| d[cell] as i64)
        })
        .collect();
    Ok((CostBasis::Metrics, Channel::LegCosts(legs)))
}

/// Divides every cost by their common divisor: the same ranking with
/// smaller numbers, leaving room for the priority penalties.
fn reduce_costs(vehicles: &mut [Vehicle], channel_values: &mut [i64], channel: &Channel) {
    fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 { a.abs() } else { gcd(b, a % b) }
    }
    let fixed = vehicles.iter().fold(0, |d, v| gcd(d, v.fixed_cost));
    // Leg costs sit in the channel at rate 1; otherwise the rates carry them.
    let divisor = match channel {
        Channel::LegCosts(_) => channel_values.iter().fold(fixed, |d, v| gcd(d, *v)),
        Channel::Distances => vehicles.iter().fold(fixed, |d, v| {
            gcd(gcd(d, v.cost_per_distance), v.cost_per_duration)
        }),
    };
    if divisor <= 1 {
        return;
    }
    for vehicle in vehicles.iter_mut() {
        vehicle.fixed_cost /= divisor;
    }
    match channel {
        Channel::LegCosts(_) => channel_values.iter_mut().for_each(|v| *v /= divisor),
        Channel::Distances => {
            for vehicle in vehicles.iter_mut() {
                vehicle.cost_per_distance /= divisor;
                vehicle.cost_per_duration /= divisor;
            }
        }
    }
}

/// Unassigned penalties that make the core's single objective rank like
/// VROOM: priority sum first, then assigned count, then cost.
fn set_penalties(
    jobs: &mut [Job],
    infos: &[JobInfo],
    vehicles: &[Vehicle],
    durations: &[i64],
    channel: &[i64],
) -> Result<(), VroomError> {
    let longest = durations.iter().copied().max().unwrap_or(0) as i128;
    let farthest = channel.iter().copied().max().unwrap_or(0) as i128;
    let legs = (jobs.len() + vehicles.len()) as i128;
    let dearest_leg = vehicles
        .iter()
        .map(|v| v.cost_per_distance as i128 * farthest + v.cost_per_duration as i128 * longest)
        .max()
        .unwrap_or(0);
    let fixed: i128 = vehicles.iter().map(|v| v.fixed_cost as i128).sum();
    // Above the cost of any set of routes: every job is worth more than
    // every cost.
    let needed = legs * dearest_leg + fixed + 1;
    let any_priority = infos.iter().any(|j| j.priority > 0);
    let penalties = |per_job: i128| {
        let per_priority = if any_priority {
            (jobs.len() as i128 + 1) * per_job
        } else {
            0
        };
        let worst = jobs.len() as i128 * (per_job + 100 * per_priority);
        (worst <= (i64::MAX / 16) as i128).then_some((per_job, per_priority))
    };
    // The core's own default penalty as a floor where it fits, so a problem
    // sent as VROOM JSON is the very problem Ruyi's other readers build
    // (the Solomon round trip relies on it).
    let floor = Job::at(0, 0).unassigned_penalty as i128;
    let Some((per_job, per_priority)) = penalties(needed.max(floor)).or_else(|| penalties(needed))
    else {
        return Err(VroomError::unsupported(
            "jobs",
            "costs and priorities this large cannot be ranked exactly in 64-bit integers",
        ));
    };
    for (job, info) in jobs.iter_mut().zip(infos) {
        job.unassigned_penalty = (per_job + per_priority * info.priority as i128) as i64;
    }
    Ok(())
}
