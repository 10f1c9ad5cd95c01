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

use super::ApiError;
use super::tickets::parse_json;
use crate::coverage::siting::{self, SitingOptions, SitingReport};
use crate::coverage::{
    CoverageReport, Demand, Fleet, Objective, ReplayOptions, ReplayReport, Scenario,
    Settings as CoverageSettings, TimeSpan,
};
use crate::network::Network;
use crate::service::spawn_blocking_with_tracing;
use crate::settings::{DEFAULT_TICKET_SEED, Settings};
use crate::travel::GreatCircle;

/// Longest replay the API runs in one request; longer ones belong to
/// `ruyi coverage replay`.
pub const MAX_REPLAY_DAYS: u32 = 31;
pub const MAX_TICKETS_PER_DAY: usize = 5_000;
pub const MAX_SITING_SECONDS: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SimulationKind {
    Report,
    Site,
    Replay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveName {
    MaxCover,
    PMedian,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationRequest {
    pub kind: SimulationKind,
    pub lead_time: Option<TimeSpan>,
    pub standard: Option<TimeSpan>,
    pub urgent: Option<TimeSpan>,
    /// A what-if scenario, as in a scenario file.
    pub scenario: Option<Scenario>,
    // Siting.
    pub k: Option<usize>,
    pub within: Option<TimeSpan>,
    pub objective: Option<ObjectiveName>,
    pub candidates: Option<Vec<u32>>,
    pub new_engineers: Option<usize>,
    pub time_limit: Option<f64>,
    // Replay.
    pub days: Option<u32>,
    pub start: Option<NaiveDate>,
    pub tickets_per_day: Option<usize>,
    pub seed: Option<u64>,
    pub target: Option<f64>,
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

/// `POST /api/v1/simulations`
pub async fn create_simulation(
    settings: web::Data<Settings>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: SimulationRequest = parse_json(&body)?;
    let travel = settings.travel;
    let response = spawn_blocking_with_tracing(move || simulate(request, &travel)).await??;
    Ok(HttpResponse::Ok().json(response))
}

/// Runs one simulation (blocking: the MIP and the dispatcher are CPU work).
pub fn simulate(
    request: SimulationRequest,
    travel: &GreatCircle,
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
                    MAX_SITING_SECONDS,
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
            let days = check_range("days", request.days.unwrap_or(7), 1, MAX_REPLAY_DAYS)?;
            let per_day = check_range(
                "tickets_per_day",
                request.tickets_per_day.unwrap_or(1500),
                1,
                MAX_TICKETS_PER_DAY,
            )?;
            let start = request.start.unwrap_or_else(|| {
                chrono::Utc::now()
                    .with_timezone(&crate::domain::service_offset())
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
