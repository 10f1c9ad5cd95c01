//! `POST /api/v1/simulations`: the planners' coverage questions over HTTP,
//! answering with the same reports `ruyi coverage` prints, as JSON.
//!
//! The body names the `kind` (`report`, `site` or `replay`) and any of the
//! options the CLI takes; everything else has the CLI's defaults. The
//! simulation runs on the shipped network (the network a planner compares
//! against), off the async workers. A bad value answers 400 naming its
//! field (`within`, `scenario.remove_stations[0]`, …).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use utoipa::ToSchema;

use super::guard::Capacity;
use super::openapi::ErrorBody;
use super::tickets::parse_json;
use super::{ADMIN, ApiError, COORDINATOR, Caller, PLANNER};
use crate::coverage::siting::{self, SitingOptions, SitingReport};
use crate::coverage::{
    CoverageReport, Demand, Fleet, Objective, ReplayOptions, ReplayReport, Scenario,
    Settings as CoverageSettings, TimeSpan,
};
use crate::domain::{RoleKind, service_offset};
use crate::network::Network;
use crate::service::spawn_blocking_with_tracing;
use crate::settings::{DEFAULT_TICKET_SEED, Settings};
use crate::travel::GreatCircle;

/// How big a simulation a caller may ask for: planners (and admins) run
/// the full sizes, a hub's coordinator smaller ones. Longer replays belong
/// to `ruyi coverage replay`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationBounds {
    pub max_days: u32,
    pub max_tickets_per_day: usize,
    /// Days x tickets per day (`RUYI_SIMULATION_MAX_TICKETS` for a planner).
    pub max_tickets: usize,
    pub max_siting_seconds: f64,
}

impl SimulationBounds {
    /// The bounds of `role`, with `max_tickets` the planners' total.
    pub fn of(role: RoleKind, max_tickets: usize) -> Self {
        match role {
            RoleKind::Admin | RoleKind::Planner => SimulationBounds {
                max_days: 31,
                max_tickets_per_day: 5_000,
                max_tickets,
                max_siting_seconds: 60.0,
            },
            _ => SimulationBounds {
                max_days: 7,
                max_tickets_per_day: 2_000,
                max_tickets: (max_tickets / 5).max(1),
                max_siting_seconds: 10.0,
            },
        }
    }
}

/// How far from today a replay may start.
const MAX_START_DAYS_FROM_TODAY: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SimulationKind {
    Report,
    Site,
    Replay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveName {
    MaxCover,
    PMedian,
}

/// A planner's coverage question; every option has `ruyi coverage`'s
/// default. Durations are written `90m`, `2h`, `1h30m`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationRequest {
    pub kind: SimulationKind,
    #[schema(value_type = Option<String>, example = "1h")]
    pub lead_time: Option<TimeSpan>,
    #[schema(value_type = Option<String>, example = "12h")]
    pub standard: Option<TimeSpan>,
    #[schema(value_type = Option<String>, example = "2h")]
    pub urgent: Option<TimeSpan>,
    /// A what-if scenario, as in a scenario file.
    #[schema(value_type = Option<Object>)]
    pub scenario: Option<Scenario>,
    /// Siting: new stations to place.
    pub k: Option<usize>,
    /// Siting: the reach that counts as covered.
    #[schema(value_type = Option<String>, example = "2h")]
    pub within: Option<TimeSpan>,
    pub objective: Option<ObjectiveName>,
    /// Siting: candidate city adcodes (default: cities without a station).
    pub candidates: Option<Vec<u32>>,
    pub new_engineers: Option<usize>,
    /// Siting: seconds for the MIP (at most 60 for a planner, 10 for a
    /// coordinator).
    pub time_limit: Option<f64>,
    /// Replay: days (at most 31 for a planner, 7 for a coordinator).
    pub days: Option<u32>,
    /// Replay: the first day, within a year of today.
    pub start: Option<NaiveDate>,
    /// Replay: at most 5,000 (planner) or 2,000 (coordinator), and days x
    /// tickets at most `RUYI_SIMULATION_MAX_TICKETS` (a fifth of it for a
    /// coordinator).
    pub tickets_per_day: Option<usize>,
    pub seed: Option<u64>,
    pub target: Option<f64>,
    /// Replay: seconds of search per hub-day, at most 2.
    pub solver_time: Option<f64>,
}

/// The answer: the report(s) of the kind asked for.
#[derive(Debug, Serialize)]
pub struct SimulationResponse {
    pub kind: SimulationKind,
    /// `report`: the network as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<CoverageReport>,
    /// `report` with a scenario: the network after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<CoverageReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub siting: Option<SitingReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayReport>,
    /// `replay` with a scenario: the replay after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_after: Option<ReplayReport>,
}

fn check_range<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    low: T,
    high: T,
) -> Result<T, ApiError> {
    if value < low || value > high {
        return Err(ApiError::bad_request(
            field,
            format!("{value} is outside {low}..={high}"),
        ));
    }
    Ok(value)
}

/// Runs a coverage report, a siting or a load replay on the shipped
/// network; one at a time (503 with `Retry-After` while another runs).
#[utoipa::path(
    post,
    path = "/api/v1/simulations",
    tag = "planning",
    request_body = SimulationRequest,
    responses(
        (status = 200, description = "The report(s) of the kind asked for: `report` (and `after`), `siting`, or `replay` (and `replay_after`)", body = Object),
        (status = 400, description = "A bad or too large option (named)", body = ErrorBody),
        (status = 413, description = "The body is over the cap", body = ErrorBody),
        (status = 422, description = "The dispatcher refused the replay's input", body = ErrorBody),
        (status = 503, description = "A simulation is running; retry after `Retry-After` seconds", body = ErrorBody),
    ),
)]
pub async fn create_simulation(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR }>,
    settings: web::Data<Settings>,
    capacity: web::Data<Capacity>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: SimulationRequest = parse_json(&body)?;
    let bounds = SimulationBounds::of(caller.role().kind(), settings.limits.simulation_max_tickets);
    let today = chrono::Utc::now()
        .with_timezone(&service_offset())
        .date_naive();
    check_request(&request, &bounds, today)?;
    let slot = capacity.simulate()?;
    let travel = settings.travel;
    let response = spawn_blocking_with_tracing(move || {
        let _slot = slot;
        simulate(request, &travel, &bounds)
    })
    .await??;
    Ok(HttpResponse::Ok().json(response))
}

/// The checks that need no network: sizes within `bounds`, a start near
/// `today` (far dates overflow the calendar arithmetic of the generator).
fn check_request(
    request: &SimulationRequest,
    bounds: &SimulationBounds,
    today: NaiveDate,
) -> Result<(), ApiError> {
    if let Some(start) = request.start
        && (start - today).num_days().abs() > MAX_START_DAYS_FROM_TODAY
    {
        return Err(ApiError::bad_request(
            "start",
            format!("{start} is more than a year from today ({today})"),
        ));
    }
    if request.kind == SimulationKind::Replay {
        let days = check_range("days", request.days.unwrap_or(7), 1, bounds.max_days)?;
        let per_day = check_range(
            "tickets_per_day",
            request.tickets_per_day.unwrap_or(1500),
            1,
            bounds.max_tickets_per_day,
        )?;
        if days as usize * per_day > bounds.max_tickets {
            return Err(ApiError::bad_request(
                "tickets_per_day",
                format!(
                    "{days} days x {per_day} tickets is over the cap of {} tickets per \
                     simulation for this role",
                    bounds.max_tickets
                ),
            ));
        }
    }
    Ok(())
}

/// Runs one simulation (blocking: the MIP and the dispatcher are CPU work).
pub fn simulate(
    request: SimulationRequest,
    travel: &GreatCircle,
    bounds: &SimulationBounds,
) -> Result<SimulationResponse, ApiError> {
    let defaults = CoverageSettings::default();
    let settings = CoverageSettings {
        lead_time: request.lead_time.unwrap_or(defaults.lead_time),
        standard: request.standard.unwrap_or(defaults.standard),
        urgent: request.urgent.unwrap_or(defaults.urgent),
    };
    settings.check()?;
    let network = Network::shipped()?;
    let demand = Demand::population(&network.cities);
    let fleet = Fleet::from_network(&network);
    let after_fleet = match &request.scenario {
        Some(scenario) => {
            let mut scenario = scenario.clone();
            scenario.source = "scenario".into();
            Some(scenario.apply(&network.cities, &fleet)?)
        }
        None => None,
    };
    let mut response = SimulationResponse {
        kind: request.kind,
        report: None,
        after: None,
        siting: None,
        replay: None,
        replay_after: None,
    };
    match request.kind {
        SimulationKind::Report => {
            response.report = Some(CoverageReport::build(
                &network.cities,
                &fleet,
                &demand,
                travel,
                settings,
            )?);
            if let Some(after) = &after_fleet {
                response.after = Some(CoverageReport::build(
                    &network.cities,
                    after,
                    &demand,
                    travel,
                    settings,
                )?);
            }
        }
        SimulationKind::Site => {
            let defaults = SitingOptions::default();
            let within = request.within.unwrap_or(TimeSpan::hours(2));
            let options = SitingOptions {
                k: check_range(
                    "k",
                    request.k.unwrap_or(defaults.k),
                    1,
                    network.cities.len(),
                )?,
                objective: match request.objective.unwrap_or(ObjectiveName::MaxCover) {
                    ObjectiveName::MaxCover => Objective::MaxCover { within },
                    ObjectiveName::PMedian => Objective::PMedian,
                },
                candidates: request.candidates.clone(),
                new_engineers: check_range(
                    "new_engineers",
                    request.new_engineers.unwrap_or(defaults.new_engineers),
                    1,
                    100,
                )?,
                time_limit: check_range(
                    "time_limit",
                    request.time_limit.unwrap_or(defaults.time_limit),
                    0.1,
                    bounds.max_siting_seconds,
                )?,
            };
            response.siting = Some(siting::site(
                &network.cities,
                after_fleet.as_ref().unwrap_or(&fleet),
                &demand,
                travel,
                settings,
                &options,
            )?);
        }
        SimulationKind::Replay => {
            let days = check_range("days", request.days.unwrap_or(7), 1, bounds.max_days)?;
            let per_day = check_range(
                "tickets_per_day",
                request.tickets_per_day.unwrap_or(1500),
                1,
                bounds.max_tickets_per_day,
            )?;
            let start = request.start.unwrap_or_else(|| {
                chrono::Utc::now()
                    .with_timezone(&service_offset())
                    .date_naive()
            });
            let defaults = ReplayOptions::default();
            let options = ReplayOptions {
                time_limit: Duration::from_secs_f64(check_range(
                    "solver_time",
                    request
                        .solver_time
                        .unwrap_or(defaults.time_limit.as_secs_f64()),
                    0.001,
                    2.0,
                )?),
                seed: 1,
                target: request.target.unwrap_or(defaults.target),
                lead_time: settings.lead_time,
            };
            let replayed = crate::coverage::generated_days(
                &network,
                start,
                days,
                per_day,
                request.seed.unwrap_or(DEFAULT_TICKET_SEED),
            );
            response.replay = Some(crate::coverage::replay(
                &fleet,
                &replayed,
                travel,
                &options,
                &mut |_, _| {},
            )?);
            if let Some(after) = &after_fleet {
                response.replay_after = Some(crate::coverage::replay(
                    after,
                    &replayed,
                    travel,
                    &options,
                    &mut |_, _| {},
                )?);
            }
        }
    }
    Ok(response)
}
