//! Service-network rules: turn a hub's open tickets and its engineers into an
//! [`optimize::Problem`](crate::optimize::Problem), solve it, re-check the
//! answer with the independent checker, and turn it into a [`Roster`].
//!
//! The translation, in one place so tests can rebuild it ([`build_problem`]):
//! time is counted in seconds from local midnight of the planned day;
//! locations are the distinct engineer homes followed by the ticket sites;
//! every ticket must be started within the day, and arriving after its
//! on-site deadline costs per second, more for more severe faults; a
//! severity-1 ticket needs a senior engineer; a ticket may be served by the
//! stations within reach of its site (or, where none reaches, by the
//! nearest ones) and by any hub engineer; office-hours engineers take a
//! 45-minute lunch starting between 12:00 and 13:30.
//!
//! A day is planned over a horizon of [`PlanOptions::horizon_days`] (today
//! and tomorrow by default, so the 48 h repair limit is visible): every
//! engineer gets a vehicle per day they work, tickets may be served on
//! either day and their deadlines keep counting across midnight. A MIP
//! ([`assignment`]) assigns tickets to engineers and days, the core builds
//! and improves the routes from that assignment, [`balance`] evens out each
//! station's working minutes, and the checker re-verifies the result. Only
//! the first day is published as the roster's routes; the next day's visits
//! are a tentative plan, listed as `planned_tomorrow` and counted in the
//! summary, and their tickets stay open for tomorrow's planning.
//!
//! Rules around the plan, one module each: [`triage`] (the call center's
//! remote attempts), [`loaners`], [`escalation`], [`preventive`] (key
//! customers' analyses in the plan's slack) and [`insertion`] (a severity-1
//! fault into a published day).
//!
//! Depends on `domain`, `optimize` and `travel`; never on storage or the API.

pub mod assignment;
pub mod balance;
pub mod escalation;
pub mod insertion;
pub mod loaners;
pub mod overtime;
pub mod parts;
pub mod preventive;
pub mod triage;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::domain::{
    AssignmentReport, Certification, Engineer, EngineerBase, EngineerRoute, GeoPoint, Region,
    Roster, RosterSummary, ShiftPattern, Skill, StationWorkload, Ticket, TicketStatus,
    UnassignedTicket, Visit, VisitKind, service_offset,
};
use crate::optimize::{
    self, Break, Job, OptimizeError, Problem, SoftDeadline, Solution, SolveParams, Stop, StopKind,
    UnassignedReason, Vehicle, Window,
};
use crate::travel::TravelModel;

/// The skill bit only senior engineers hold; severity-1 tickets require it.
/// Well above the seven `Skill` bits, so new skills can be added below it.
pub const SENIOR_BIT: u32 = 10;
/// Held by every station engineer: a swap whose part was reserved at a
/// station needs it, so hub engineers (who serve any station's tickets)
/// cannot take a part that is not on their shelf.
pub const STATION_STOCK_BIT: u32 = 11;
/// Held by hub engineers: a swap whose part was reserved at the hub's
/// warehouse needs it.
pub const HUB_STOCK_BIT: u32 = 12;
/// Held by nobody: a ticket waiting for its part gets no visit today.
pub const AWAITING_PART_BIT: u32 = 13;
/// Leaving a ticket out costs more than any lateness or driving a day can
/// add up to, so the solver only leaves out what it cannot serve.
pub const UNASSIGNED_PENALTY: i64 = 1_000_000_000;
/// Cost of one second past the on-site deadline, before the severity
/// weight. Driving costs 1 per metre, so an hour late for a severity-4
/// request weighs like 3.6 km of detour, and for a severity-1 fault 29 km.
/// Higher weights made the plans chase minutes of lateness with long
/// detours: on the 3,000-ticket national day (`ruyi bench dispatch`) a
/// weight of 10 drove 13 % more for the same on-time share, and 2 still
/// drove more than the greedy baseline.
pub const LATENESS_COST_PER_SECOND: i64 = 1;
/// The office-hours lunch break.
pub const LUNCH_MINUTES: i64 = 45;

/// A station's engineers serve sites within this straight-line distance of
/// the station: their own city and the neighbouring ones (about 2.5 h on
/// the road at the default circuity and speeds).
pub const STATION_REACH_KM: f64 = 120.0;
/// A site no station reaches borrows from this many nearest stations.
pub const BORROW_STATIONS: usize = 2;

const DAY_SECONDS: i64 = 24 * 3600;
const LUNCH_EARLIEST: i64 = 12 * 3600;
/// The latest start of the office-hours lunch, in seconds from midnight.
pub const LUNCH_LATEST: i64 = 13 * 3600 + 30 * 60;

/// Why a hub's day could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("{0}")]
    Invalid(String),
    #[error("ticket {ticket} belongs to the {region} region, not to the {hub} hub")]
    TicketOutsideHub {
        ticket: String,
        region: Region,
        hub: Region,
    },
    #[error("ticket {ticket} is {status}; only open or planned tickets can be planned")]
    TicketClosed { ticket: String, status: String },
    #[error("ticket {0} is given twice")]
    DuplicateTicket(String),
    #[error("the routing problem is invalid: {0}")]
    Problem(#[from] OptimizeError),
    /// HiGHS could not build or solve the assignment model.
    #[error("the assignment MIP failed: {0}")]
    Assignment(String),
    /// Never publish a plan the independent checker rejects.
    #[error("the solver's plan failed the independent check: {}", .0.join("; "))]
    CheckFailed(Vec<String>),
}

/// How hard to search, and which planning stages run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    pub seed: u64,
    pub time_limit: Duration,
    /// Days planned together, the first being the published one: 2 plans
    /// today and tomorrow; 1 plans today alone.
    pub horizon_days: u32,
    /// Assign tickets to engineers and days with the MIP before routing;
    /// without it the core's insertion assigns them.
    pub assignment: bool,
    /// Count the spread of a station's working minutes in the objective
    /// (see [`balance`]).
    pub balance: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(2),
            horizon_days: 2,
            assignment: true,
            balance: true,
        }
    }
}

/// Multiple of the time limit HiGHS may take on the assignment, and the
/// least it gets: a safety net only — its node limit must stop it first,
/// or the assignment (and the plan) would depend on the machine's load.
const ASSIGNMENT_SHARE: f64 = 3.0;
const ASSIGNMENT_MIN_SECONDS: f64 = 10.0;
/// The reason code of a ticket served in the next day's tentative plan.
pub const PLANNED_TOMORROW: &str = "planned_tomorrow";

/// The routing problem for one hub's day, with what is needed to read its
/// solution back in domain terms.
#[derive(Debug, Clone)]
pub struct HubProblem {
    pub problem: Problem,
    /// Local midnight of the planned day: time 0 of the problem.
    pub origin: DateTime<Utc>,
    /// Job `i` is `tickets[i]`.
    pub tickets: Vec<Ticket>,
    /// Vehicle `v` is `engineers[v]` on day `days[v]`: the hub region's
    /// engineers on each day of the horizon they work.
    pub engineers: Vec<Engineer>,
    /// `days[v]`: 0 for the planned (published) day, 1 for the next.
    pub days: Vec<u32>,
    /// The hub region's engineers who are off on the planned day (for
    /// reasons).
    pub engineers_off: Vec<Engineer>,
    /// Parts for the swaps among the tickets ([`parts`]); empty when stock
    /// is not tracked.
    pub parts: parts::Allocation,
    /// Job `tickets.len() + k` is the preventive visit to `preventive[k]`
    /// (see [`preventive`]); empty for a fault plan alone.
    pub preventive: Vec<preventive::KeyCustomer>,
}

impl HubProblem {
    /// Seconds since the origin as a time.
    pub fn at(&self, seconds: i64) -> DateTime<Utc> {
        self.origin + chrono::Duration::seconds(seconds)
    }

    /// A time as seconds since the origin.
    pub fn seconds(&self, at: DateTime<Utc>) -> i64 {
        (at - self.origin).num_seconds()
    }

    /// The roster visit for a solver stop at `job`, reached from location
    /// `previous`.
    pub fn visit(&self, job: usize, stop: &Stop, sequence: u32, previous: usize) -> Visit {
        let location = self.problem.jobs()[job].location;
        let (kind, ticket_id, site, deadlines) = match self.tickets.get(job) {
            Some(ticket) => (
                VisitKind::Fault,
                ticket.id().clone(),
                ticket.site(),
                ticket.deadlines(),
            ),
            None => {
                // A preventive visit has no SLA clock: any time today will do.
                let customer = &self.preventive[job - self.tickets.len()];
                let day_ends = self.at(DAY_SECONDS);
                let deadlines = crate::domain::SlaDeadlines {
                    respond_by: day_ends,
                    on_site_by: day_ends,
                    repaired_by: day_ends,
                };
                (
                    VisitKind::Preventive,
                    customer.visit_id.clone(),
                    customer.site,
                    deadlines,
                )
            }
        };
        Visit {
            sequence,
            kind,
            ticket_id,
            location: site,
            arrival: self.at(stop.arrival),
            start: self.at(stop.start),
            departure: self.at(stop.departure),
            on_site_by: deadlines.on_site_by,
            repaired_by: deadlines.repaired_by,
            late_minutes: (stop.lateness + 59) / 60,
            km_from_previous: self.problem.matrix().distance(previous, location) as f64 / 1000.0,
            late_reason: (stop.lateness > 0).then(|| self.late_reason(job)),
        }
    }

    /// Why job `job` cannot be on time: the earliest any qualified engineer
    /// could arrive, driving straight from their base at the start of
    /// their shift, set against its on-site deadline.
    fn late_reason(&self, job: usize) -> String {
        let target = &self.problem.jobs()[job];
        let Some(deadline) = target.deadline else {
            return "late".to_string();
        };
        let matrix = self.problem.matrix();
        let earliest = self
            .problem
            .vehicles()
            .iter()
            .enumerate()
            .filter(|(_, vehicle)| vehicle.can_serve(target))
            .map(|(v, vehicle)| {
                (
                    vehicle.shift.start + matrix.duration(vehicle.start, target.location),
                    v,
                )
            })
            .min();
        let clock = |seconds: i64| {
            self.at(seconds)
                .with_timezone(&service_offset())
                .format("%a %H:%M")
        };
        match earliest {
            Some((arrival, v)) if arrival > deadline.at => format!(
                "unreachable_in_time: the soonest a qualified engineer could be there is {} \
                 ({}, leaving at the start of the shift), after the deadline {}",
                clock(arrival),
                self.engineers[v].id(),
                clock(deadline.at)
            ),
            Some((arrival, v)) => format!(
                "engineers_busy: {} could have been there by {} with a lighter day; every \
                 qualified engineer's day was taken by more urgent or nearer work",
                self.engineers[v].id(),
                clock(arrival)
            ),
            None => "late".to_string(),
        }
    }

    /// Each vehicle's balance group: its station (or the hub, for hub
    /// engineers) on its day.
    pub fn balance_groups(&self) -> Vec<Option<usize>> {
        let mut keys: Vec<(String, u32)> = Vec::new();
        self.engineers
            .iter()
            .zip(&self.days)
            .map(|(engineer, day)| {
                let key = (base_name(engineer), *day);
                Some(keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                    keys.push(key);
                    keys.len() - 1
                }))
            })
            .collect()
    }
}

/// Where an engineer starts from, in the roster's words.
fn base_name(engineer: &Engineer) -> String {
    match engineer.base() {
        EngineerBase::Station(station) => format!("station {station}"),
        EngineerBase::Hub(region) => format!("the {region} hub"),
    }
}

/// Local midnight of `date` in the service time zone.
pub fn day_origin(date: NaiveDate) -> DateTime<Utc> {
    service_offset()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

fn required_bits(ticket: &Ticket) -> u64 {
    let mut bits = 1u64 << ticket.skill().bit();
    if ticket.severity().level() == 1 {
        bits |= 1 << SENIOR_BIT;
    }
    bits
}

fn held_bits(engineer: &Engineer) -> u64 {
    let mut bits = engineer.skill_set().bits();
    if engineer.certification() == Certification::Senior {
        bits |= 1 << SENIOR_BIT;
    }
    bits | match engineer.base() {
        EngineerBase::Station(_) => 1 << STATION_STOCK_BIT,
        EngineerBase::Hub(_) => 1 << HUB_STOCK_BIT,
    }
}

/// Who may serve a ticket: numbers the region's stations (a team each,
/// counting stations whose engineers are all off today, so that a city with
/// a station does not borrow from afar just because its own people rest)
/// and gives every working engineer their station's team; hub engineers
/// have none, so they are everyone's fallback. Returns the teams of the
/// working engineers and each team's position.
fn station_teams(
    working: &[Engineer],
    off: &[Engineer],
) -> (
    Vec<Option<u32>>,
    Vec<GeoPoint>,
    Vec<crate::domain::StationId>,
) {
    let mut ids: Vec<&crate::domain::StationId> = Vec::new();
    let mut positions = Vec::new();
    let teams: Vec<Option<u32>> = working
        .iter()
        .chain(off)
        .map(|engineer| match engineer.base() {
            EngineerBase::Station(id) => Some(match ids.iter().position(|known| *known == id) {
                Some(team) => team as u32,
                None => {
                    ids.push(id);
                    positions.push(engineer.home());
                    (ids.len() - 1) as u32
                }
            }),
            EngineerBase::Hub(_) => None,
        })
        .collect();
    let ids = ids.into_iter().cloned().collect();
    (teams[..working.len()].to_vec(), positions, ids)
}

/// The stations whose engineers may serve a site: those within
/// [`STATION_REACH_KM`], or, where none reaches, the
/// [`BORROW_STATIONS`] nearest — an area without a station borrows from its
/// neighbours. Sorted team numbers, as [`Job::teams`] wants.
pub fn candidate_stations(site: GeoPoint, stations: &[GeoPoint]) -> Vec<u32> {
    let mut by_distance: Vec<(f64, u32)> = stations
        .iter()
        .enumerate()
        .map(|(team, at)| (site.haversine_meters(at) / 1000.0, team as u32))
        .collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let within = by_distance
        .iter()
        .take_while(|(km, _)| *km <= STATION_REACH_KM)
        .count();
    let mut teams: Vec<u32> = by_distance
        .iter()
        .take(if within > 0 { within } else { BORROW_STATIONS })
        .map(|(_, team)| *team)
        .collect();
    teams.sort_unstable();
    teams
}

/// A ticket of another region, a closed ticket or a ticket given twice is
/// an error: the caller's selection is wrong, not the plan.
fn validate_tickets(hub: Region, tickets: &[Ticket]) -> Result<(), DispatchError> {
    let mut ids = HashSet::new();
    for ticket in tickets {
        if ticket.region() != hub {
            return Err(DispatchError::TicketOutsideHub {
                ticket: ticket.id().to_string(),
                region: ticket.region(),
                hub,
            });
        }
        if !matches!(ticket.status(), TicketStatus::Open | TicketStatus::Planned) {
            return Err(DispatchError::TicketClosed {
                ticket: ticket.id().to_string(),
                status: ticket.status().code().into(),
            });
        }
        if !ids.insert(ticket.id().clone()) {
            return Err(DispatchError::DuplicateTicket(ticket.id().to_string()));
        }
    }
    Ok(())
}

/// Builds the routing problem for `hub` on `date` alone (see the module
/// docs for the translation). Engineers of other regions and engineers off
/// that day are left out; a ticket of another region or a closed ticket is
/// an error.
pub fn build_problem(
    hub: Region,
    date: NaiveDate,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
) -> Result<HubProblem, DispatchError> {
    build_problem_with_points(hub, date, 1, tickets, engineers, travel, &[], None)
        .map(|(built, _)| built)
}

/// [`build_problem`] over `days` days from `date`: a vehicle per engineer
/// and day they work, tickets servable on any of the days, time counted
/// from the first day's midnight so deadlines keep counting across days.
pub fn build_horizon(
    hub: Region,
    date: NaiveDate,
    days: u32,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
) -> Result<HubProblem, DispatchError> {
    build_problem_with_points(hub, date, days, tickets, engineers, travel, &[], None)
        .map(|(built, _)| built)
}

/// The stock a plan draws on and the parts already on order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartsOnHand {
    pub stock: parts::Stock,
    pub orders: Vec<parts::PendingOrder>,
}

/// [`build_horizon`] with part swaps routed to where their part is
/// ([`parts`]; without `on_hand`, stock is not tracked and every part
/// counts as carried) and `extra` points appended to the travel matrix
/// after the ticket sites, for re-planning from where engineers are during
/// the day. Returns the problem and the location index of `extra[0]`.
#[allow(clippy::too_many_arguments)]
pub fn build_problem_with_points(
    hub: Region,
    date: NaiveDate,
    days: u32,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
    extra: &[GeoPoint],
    on_hand: Option<&PartsOnHand>,
) -> Result<(HubProblem, usize), DispatchError> {
    validate_tickets(hub, tickets)?;
    if days == 0 {
        return Err(DispatchError::Invalid(
            "the horizon needs at least one day".into(),
        ));
    }
    let origin = day_origin(date);
    let regional: Vec<&Engineer> = engineers.iter().filter(|e| e.region() == hub).collect();
    let off: Vec<Engineer> = regional
        .iter()
        .filter(|e| e.shift().window_on(date).is_none())
        .map(|e| (*e).clone())
        .collect();
    let mut working: Vec<Engineer> = Vec::new();
    let mut shifts = Vec::new();
    let mut day_of = Vec::new();
    for day in 0..days {
        let on = date + chrono::Days::new(u64::from(day));
        for engineer in &regional {
            if let Some(window) = engineer.shift().window_on(on) {
                working.push((*engineer).clone());
                shifts.push(window);
                day_of.push(day);
            }
        }
    }

    // Engineers of one station share a home: one matrix row serves them all.
    let mut points: Vec<GeoPoint> = Vec::new();
    let location_of = |point: GeoPoint, points: &mut Vec<GeoPoint>| {
        points.iter().position(|p| *p == point).unwrap_or_else(|| {
            points.push(point);
            points.len() - 1
        })
    };
    let homes: Vec<usize> = working
        .iter()
        .map(|e| location_of(e.home(), &mut points))
        .collect();
    let first_site = points.len();
    points.extend(tickets.iter().map(|t| t.site()));
    let first_extra = points.len();
    points.extend_from_slice(extra);
    let matrix = travel.matrix(&points);

    let (teams, stations, station_ids) = station_teams(&working, &off);
    let allocation = match on_hand {
        None => parts::Allocation {
            needs: vec![None; tickets.len()],
            plans: Vec::new(),
        },
        Some(on_hand) => {
            let reach = |ticket: &Ticket| {
                stock_points_in_reach(ticket, &working, &teams, &stations, &station_ids)
            };
            parts::allocate(tickets, &reach, &on_hand.stock, &on_hand.orders, origin)
        }
    };
    let seconds = |at: DateTime<Utc>| (at - origin).num_seconds();
    let day = Window::new(0, DAY_SECONDS * i64::from(days))?;
    let jobs: Vec<Job> = tickets
        .iter()
        .enumerate()
        .map(|(index, ticket)| {
            let mut job = Job::at(first_site + index, ticket.service_minutes() as i64 * 60);
            job.windows = vec![day];
            job.deadline = Some(SoftDeadline {
                at: seconds(ticket.deadlines().on_site_by),
                penalty_per_unit: LATENESS_COST_PER_SECOND * ticket.severity().lateness_weight(),
            });
            job.skills = required_bits(ticket);
            job.teams = candidate_stations(ticket.site(), &stations);
            job.unassigned_penalty = UNASSIGNED_PENALTY;
            match &allocation.needs[index] {
                None => {}
                Some(parts::PartNeed::From(parts::StockPoint::Station(id))) => {
                    let team = station_ids.iter().position(|s| s == id);
                    job.teams = team.map(|t| vec![t as u32]).unwrap_or_default();
                    job.skills |= 1 << STATION_STOCK_BIT;
                }
                Some(parts::PartNeed::From(parts::StockPoint::Hub(_))) => {
                    job.skills |= 1 << HUB_STOCK_BIT;
                }
                Some(parts::PartNeed::Diagnosis) => {
                    job.service = job.service.min(i64::from(parts::DIAGNOSIS_MINUTES) * 60);
                }
                Some(parts::PartNeed::Awaiting(_)) => job.skills |= 1 << AWAITING_PART_BIT,
            }
            job
        })
        .collect();
    let mut vehicles = Vec::with_capacity(working.len());
    for (((engineer, home), team), window) in working.iter().zip(&homes).zip(teams).zip(&shifts) {
        let shift = Window::new(seconds(window.start()), seconds(window.end()))?;
        let mut vehicle = Vehicle::new(*home, Some(*home), shift);
        vehicle.skills = held_bits(engineer);
        vehicle.team = team;
        vehicle.max_work = Some(engineer.shift().max_work_minutes() as i64 * 60);
        vehicle.cost_per_distance = 1;
        if matches!(engineer.shift(), ShiftPattern::FiveByEight { .. }) {
            let midnight = seconds(window.start()) / DAY_SECONDS * DAY_SECONDS;
            vehicle.lunch = Some(Break {
                windows: vec![Window::new(
                    midnight + LUNCH_EARLIEST,
                    midnight + LUNCH_LATEST,
                )?],
                duration: LUNCH_MINUTES * 60,
            });
        }
        vehicles.push(vehicle);
    }
    let built = HubProblem {
        problem: Problem::new(matrix, jobs, vehicles)?,
        origin,
        tickets: tickets.to_vec(),
        engineers: working,
        days: day_of,
        engineers_off: off,
        parts: allocation,
        preventive: Vec::new(),
    };
    Ok((built, first_extra))
}

/// The stock points whose working engineers may serve `ticket`, nearest
/// first: its candidate stations with a qualified engineer on shift, then
/// the hub if one of its engineers qualifies.
fn stock_points_in_reach(
    ticket: &Ticket,
    working: &[Engineer],
    teams: &[Option<u32>],
    stations: &[GeoPoint],
    station_ids: &[crate::domain::StationId],
) -> Vec<parts::StockPoint> {
    let needed = required_bits(ticket);
    let qualified = |e: &Engineer| held_bits(e) & needed == needed;
    let mut candidates: Vec<u32> = candidate_stations(ticket.site(), stations)
        .into_iter()
        .filter(|&team| {
            working
                .iter()
                .zip(teams)
                .any(|(e, t)| *t == Some(team) && qualified(e))
        })
        .collect();
    candidates.sort_by(|a, b| {
        let km = |team: &u32| ticket.site().haversine_meters(&stations[*team as usize]);
        km(a).total_cmp(&km(b)).then(a.cmp(b))
    });
    let mut points: Vec<parts::StockPoint> = candidates
        .into_iter()
        .map(|team| parts::StockPoint::Station(station_ids[team as usize].clone()))
        .collect();
    if working
        .iter()
        .zip(teams)
        .any(|(e, t)| t.is_none() && qualified(e))
    {
        points.push(parts::StockPoint::Hub(ticket.region()));
    }
    points
}

/// The independent check as the dispatcher reports it: a plan it rejects
/// is an error, never a roster.
pub fn checked(
    problem: &Problem,
    solution: &Solution,
) -> Result<optimize::Objective, DispatchError> {
    optimize::check(problem, solution).map_err(|violations| {
        DispatchError::CheckFailed(violations.into_iter().map(|v| v.0).collect())
    })
}

/// Plans one hub's day. `tickets` are the hub's open tickets, `engineers`
/// the hub region's engineers (those off shift on a day of the horizon are
/// left out of that day here).
pub fn plan_hub(
    hub: Region,
    date: NaiveDate,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
    options: &PlanOptions,
) -> Result<Roster, DispatchError> {
    plan_hub_with_preventive(hub, date, tickets, engineers, travel, options, &[], None)
}

/// [`plan_hub`], with part swaps drawing on `on_hand` ([`parts`]), then the
/// due preventive visits fitted into the plan's slack without making any
/// fault later ([`preventive::fill_slack`]); the roster lists the parts it
/// takes and orders, marks the preventive visits and counts what stays due.
#[allow(clippy::too_many_arguments)]
pub fn plan_hub_with_preventive(
    hub: Region,
    date: NaiveDate,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
    options: &PlanOptions,
    due: &[preventive::DueVisit],
    on_hand: Option<&PartsOnHand>,
) -> Result<Roster, DispatchError> {
    let (hub_problem, _) = build_problem_with_points(
        hub,
        date,
        options.horizon_days,
        tickets,
        engineers,
        travel,
        &[],
        on_hand,
    )?;
    let (solution, assignment) = solve_hub(&hub_problem, options)?;
    let objective = checked(&hub_problem.problem, &solution)?;
    let mut roster = if due.is_empty() {
        roster_from(hub, date, &hub_problem, &solution, objective.total())
    } else {
        let mut filled = preventive::fill_slack(
            hub,
            date,
            options.horizon_days,
            tickets,
            engineers,
            travel,
            &solution,
            due,
            on_hand,
        )?;
        filled.solution.stats = solution.stats.clone();
        roster_from(
            hub,
            date,
            &filled.hub_problem,
            &filled.solution,
            filled.objective,
        )
    };
    roster.summary.assignment = assignment;
    tracing::info!(
        hub = %hub,
        %date,
        tickets = roster.summary.tickets,
        assigned = roster.summary.assigned,
        tomorrow = roster.summary.tomorrow_planned,
        engineers_used = roster.summary.engineers_used,
        seconds = roster.summary.solve_seconds,
        preventive_placed = roster.summary.preventive_placed,
        preventive_due = roster.summary.preventive_due,
        "planned a hub's day"
    );
    Ok(roster)
}

/// The planning stages on a built problem. The assignment MIP (if asked)
/// assigns tickets to engineers over every day at once, pricing a day's
/// delay ([`assignment`]); then the days are routed in order, each over
/// the tickets the earlier days left: today is filled first, as the
/// dispatcher wants, and tomorrow is the plan for what remains. Today is
/// routed by the core twice — from the MIP's routes and from scratch — and
/// the cheaper plan by the core's objective is kept, so the MIP's routes
/// are published only where they help; a later, tentative day is routed
/// once from them on half the budget. Then the balance descent (if asked).
/// The caller checks the result; the solution's seconds count every stage.
pub fn solve_hub(
    hub_problem: &HubProblem,
    options: &PlanOptions,
) -> Result<(Solution, Option<AssignmentReport>), DispatchError> {
    let started = std::time::Instant::now();
    let problem = &hub_problem.problem;
    let params = SolveParams {
        seed: options.seed,
        time_limit: options.time_limit,
    };
    let groups = hub_problem.balance_groups();
    let balance_cost = if options.balance {
        balance::BALANCE_COST_PER_SECOND
    } else {
        0.0
    };
    let mut report = None;
    let mut seeds = None;
    if options.assignment {
        let assignment = assignment::assign(
            problem,
            &groups,
            &hub_problem.days,
            &assignment::AssignmentOptions {
                time_limit: (options.time_limit.as_secs_f64() * ASSIGNMENT_SHARE)
                    .max(ASSIGNMENT_MIN_SECONDS),
                balance_cost_per_second: balance_cost,
            },
        )?;
        seeds = Some(assignment::initial_routes(problem, &assignment));
        report = Some(assignment.report);
    }
    let tentative = SolveParams {
        time_limit: options.time_limit / 2,
        ..params.clone()
    };
    let mut seeded_days = 0;
    let mut plan: optimize::construction::Plan = vec![Vec::new(); problem.vehicles().len()];
    let mut open: Vec<usize> = (0..problem.jobs().len()).collect();
    let mut stats = optimize::SolveStats::default();
    let last_day = hub_problem.days.iter().copied().max().unwrap_or(0);
    for day in 0..=last_day {
        let crew: Vec<usize> = (0..problem.vehicles().len())
            .filter(|&v| hub_problem.days[v] == day)
            .collect();
        if crew.is_empty() || open.is_empty() {
            continue;
        }
        let today = Problem::new(
            problem.matrix().clone(),
            open.iter().map(|&j| problem.jobs()[j].clone()).collect(),
            crew.iter()
                .map(|&v| problem.vehicles()[v].clone())
                .collect(),
        )?;
        // The MIP's routes of this day's crew, over the tickets still open.
        let start: Option<optimize::construction::Plan> = seeds.as_ref().map(|seeds| {
            crew.iter()
                .map(|&v| {
                    seeds[v]
                        .iter()
                        .filter_map(|job| open.iter().position(|o| o == job))
                        .collect()
                })
                .collect()
        });
        let solution = match (day, start) {
            (0, Some(start)) => {
                let scratch = optimize::solve(&today, &params);
                let seeded = optimize::solve_from(&today, &start, &params);
                let kept = seeded.objective.total() < scratch.objective.total();
                tracing::debug!(
                    from_assignment = seeded.objective.total(),
                    from_scratch = scratch.objective.total(),
                    kept,
                    "routes of the published day"
                );
                if kept {
                    seeded_days += 1;
                    seeded
                } else {
                    scratch
                }
            }
            (0, None) => optimize::solve(&today, &params),
            // A later day is a tentative plan: routed once, on half the
            // budget, from the MIP's routes where there are some.
            (_, Some(start)) => {
                seeded_days += 1;
                optimize::solve_from(&today, &start, &tentative)
            }
            (_, None) => optimize::solve(&today, &tentative),
        };
        stats.iterations += solution.stats.iterations;
        stats.work_units += solution.stats.work_units;
        stats.routes_in_pool += solution.stats.routes_in_pool;
        let mut served = vec![false; open.len()];
        for (v, jobs) in balance::plan_of(&today, &solution).into_iter().enumerate() {
            for &job in &jobs {
                served[job] = true;
            }
            plan[crew[v]] = jobs.into_iter().map(|job| open[job]).collect();
        }
        open = open
            .iter()
            .zip(&served)
            .filter(|(_, served)| !**served)
            .map(|(job, _)| *job)
            .collect();
    }
    if let Some(report) = &mut report {
        report.seeded_days = seeded_days;
    }
    balance::rebalance(problem, &mut plan, &groups, balance_cost);
    let mut solution = optimize::construction::build_solution(problem, &plan);
    stats.seconds = started.elapsed().as_secs_f64();
    solution.stats = stats;
    Ok((solution, report))
}

/// Plans a hub's day the way the network works: the call center first
/// tries the remote candidates ([`triage`]); what it cannot solve is routed
/// by [`plan_hub`], and the due preventive visits fill the slack
/// ([`plan_hub_with_preventive`]). The roster lists the remote attempts
/// and counts every ticket.
#[allow(clippy::too_many_arguments)]
pub fn plan_hub_triaged(
    hub: Region,
    date: NaiveDate,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &dyn TravelModel,
    options: &PlanOptions,
    call_center: &triage::CallCenter,
    due: &[preventive::DueVisit],
    on_hand: Option<&PartsOnHand>,
) -> Result<Roster, DispatchError> {
    validate_tickets(hub, tickets)?;
    let triaged = triage::triage(tickets, call_center, options.seed);
    let mut roster = plan_hub_with_preventive(
        hub,
        date,
        &triaged.dispatch,
        engineers,
        travel,
        options,
        due,
        on_hand,
    )?;
    triaged.complete(&mut roster, tickets.len());
    Ok(roster)
}

/// One vehicle's route in the roster's terms, and how many of its visits
/// arrive by their on-site deadline.
fn engineer_route(hub_problem: &HubProblem, route: &optimize::Route) -> (EngineerRoute, u32) {
    let problem = &hub_problem.problem;
    let engineer = &hub_problem.engineers[route.vehicle];
    let mut previous = problem.vehicles()[route.vehicle].start;
    let mut visits = Vec::new();
    let mut lunch = None;
    let mut on_time = 0;
    for stop in &route.stops {
        match stop.kind {
            StopKind::Job(job) => {
                on_time += u32::from(stop.lateness == 0 && job < hub_problem.tickets.len());
                let sequence = visits.len() as u32 + 1;
                visits.push(hub_problem.visit(job, stop, sequence, previous));
                previous = problem.jobs()[job].location;
            }
            StopKind::Break => {
                lunch = Some((hub_problem.at(stop.start), hub_problem.at(stop.departure)));
            }
        }
    }
    let route = EngineerRoute {
        engineer_id: engineer.id().clone(),
        base: engineer.home(),
        leave_at: hub_problem.at(route.departure),
        return_at: hub_problem.at(route.end),
        km: route.distance as f64 / 1000.0,
        visits,
        lunch,
    };
    (route, on_time)
}

/// Working minutes per station on the published day, idle engineers
/// included, in order of first appearance.
fn station_workloads(hub_problem: &HubProblem, solution: &Solution) -> Vec<StationWorkload> {
    let problem = &hub_problem.problem;
    let minutes: Vec<f64> = balance::plan_of(problem, solution)
        .iter()
        .enumerate()
        .map(|(vehicle, jobs)| {
            balance::working_seconds(problem, vehicle, jobs).expect("checked routes are feasible")
                as f64
                / 60.0
        })
        .collect();
    let mut bases: Vec<(String, Vec<f64>)> = Vec::new();
    for (v, engineer) in hub_problem.engineers.iter().enumerate() {
        if hub_problem.days[v] != 0 {
            continue;
        }
        let base = base_name(engineer);
        match bases.iter_mut().find(|(name, _)| *name == base) {
            Some((_, group)) => group.push(minutes[v]),
            None => bases.push((base, vec![minutes[v]])),
        }
    }
    bases
        .into_iter()
        .filter_map(|(base, group)| StationWorkload::of(base, &group))
        .collect()
}

/// Turns a checked solution into the roster engineers and coordinators
/// see: the first day's routes; the next day's visits as tickets
/// `planned_tomorrow` (they stay open).
pub fn roster_from(
    hub: Region,
    date: NaiveDate,
    hub_problem: &HubProblem,
    solution: &Solution,
    objective: i64,
) -> Roster {
    let mut routes = Vec::new();
    let mut tomorrow = Vec::new();
    let mut on_time = 0;
    for route in solution.routes.iter().filter(|r| !r.stops.is_empty()) {
        let (engineer_route, in_time) = engineer_route(hub_problem, route);
        if hub_problem.days[route.vehicle] == 0 {
            on_time += in_time;
            routes.push(engineer_route);
        } else {
            tomorrow.push(engineer_route);
        }
    }
    routes.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    tomorrow.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    let mut unassigned: Vec<UnassignedTicket> = solution
        .unassigned
        .iter()
        // A preventive visit left out is still due, not an unassigned ticket.
        .filter(|left_out| left_out.job < hub_problem.tickets.len())
        .map(|left_out| {
            let ticket = &hub_problem.tickets[left_out.job];
            if let Some(Some(parts::PartNeed::Awaiting(arrives_at))) =
                hub_problem.parts.needs.get(left_out.job)
            {
                return UnassignedTicket {
                    ticket_id: ticket.id().clone(),
                    reason: "awaiting_part".to_string(),
                    detail: format!(
                        "its {} is on order and arrives {}; the repair visit is planned then",
                        ticket.part().map_or("part", |p| p.as_str()),
                        arrives_at
                            .with_timezone(&service_offset())
                            .format("%Y-%m-%d %H:%M")
                    ),
                };
            }
            let mut detail = explain(hub, date, ticket, left_out.reason, hub_problem);
            detail.push_str(&overtime_fix(
                hub_problem,
                solution,
                left_out.job,
                left_out.reason,
            ));
            UnassignedTicket {
                ticket_id: ticket.id().clone(),
                reason: reason_code(left_out.reason).to_string(),
                detail,
            }
        })
        .collect();
    // A reserved part leaves the shelf only if its visit is planned; an
    // order stands either way (the part is needed whenever the visit is).
    let visited: HashSet<&crate::domain::TicketId> = routes
        .iter()
        .flat_map(|r| r.visits.iter().map(|v| &v.ticket_id))
        .collect();
    let part_plans = hub_problem
        .parts
        .plans
        .iter()
        .filter(|p| {
            p.action == crate::domain::PartAction::Ordered || visited.contains(&p.ticket_id)
        })
        .cloned()
        .collect();
    // Tomorrow's visits count for loaners: a repair planned too late for
    // its 48 h limit needs one whichever day it is on.
    let all_routes: Vec<EngineerRoute> = routes.iter().chain(&tomorrow).cloned().collect();
    let loaners = loaners::plan_loaners(hub_problem, &all_routes, &unassigned);
    let end_of_tomorrow = hub_problem.at(2 * DAY_SECONDS);
    let mut tomorrow_planned = 0;
    let mut tomorrow_repair_due = 0;
    for route in &tomorrow {
        for visit in &route.visits {
            tomorrow_planned += 1;
            tomorrow_repair_due += u32::from(visit.repaired_by <= end_of_tomorrow);
            unassigned.push(UnassignedTicket {
                ticket_id: visit.ticket_id.clone(),
                reason: PLANNED_TOMORROW.to_string(),
                detail: format!(
                    "not served today; tentatively planned for {} with engineer {}, arriving {} \
                     (on site by {}, repaired by {})",
                    date + chrono::Days::new(1),
                    route.engineer_id,
                    visit
                        .arrival
                        .with_timezone(&service_offset())
                        .format("%H:%M"),
                    visit
                        .on_site_by
                        .with_timezone(&service_offset())
                        .format("%a %H:%M"),
                    visit
                        .repaired_by
                        .with_timezone(&service_offset())
                        .format("%a %H:%M"),
                ),
            });
        }
    }
    let workloads = station_workloads(hub_problem, solution);
    let balanced: Vec<&StationWorkload> = workloads.iter().filter(|w| w.engineers > 1).collect();
    let mean_of = |value: fn(&StationWorkload) -> f64| {
        if balanced.is_empty() {
            0.0
        } else {
            balanced.iter().map(|w| value(w)).sum::<f64>() / balanced.len() as f64
        }
    };
    let visits = routes.iter().flat_map(|r| &r.visits);
    let preventive_placed = visits
        .clone()
        .filter(|v| v.kind == VisitKind::Preventive)
        .count() as u32;
    let assigned = visits.count() as u32 - preventive_placed;
    let summary = RosterSummary {
        tickets: hub_problem.tickets.len() as u32,
        resolved_remotely: 0,
        assigned,
        engineers_available: hub_problem.days.iter().filter(|d| **d == 0).count() as u32,
        engineers_used: routes.len() as u32,
        on_time,
        km: routes.iter().map(|r| r.km).sum(),
        objective,
        solve_seconds: solution.stats.seconds,
        assignment: None,
        tomorrow_planned,
        tomorrow_repair_due,
        workload_spread_minutes: mean_of(StationWorkload::spread_minutes),
        workload_std_minutes: mean_of(|w| w.std_minutes),
        preventive_placed,
        preventive_due: hub_problem.preventive.len() as u32 - preventive_placed,
    };
    Roster {
        id: None,
        hub,
        date,
        created_at: Utc::now(),
        routes,
        unassigned,
        loaners,
        remote: Vec::new(),
        workloads,
        parts: part_plans,
        summary,
    }
}

/// The roster's stable reason codes, in the dispatcher's words.
pub(crate) fn reason_code(reason: UnassignedReason) -> &'static str {
    match reason {
        UnassignedReason::NoVehicleWithSkills => "no_engineer_with_skill",
        UnassignedReason::Unreachable => "unreachable",
        UnassignedReason::NoRoom => "no_room",
        UnassignedReason::ExceedsCapacity => "exceeds_capacity",
    }
}

/// The fix a day too short calls for, as a clause to append to a reason:
/// "; N minutes of overtime for E would take it". Only for the reasons
/// about hours (a full day, or a site too far for the shift that is left);
/// empty otherwise, or when even a longer day would not help.
pub(crate) fn overtime_fix(
    hub_problem: &HubProblem,
    solution: &Solution,
    job: usize,
    reason: UnassignedReason,
) -> String {
    if !matches!(
        reason,
        UnassignedReason::NoRoom | UnassignedReason::Unreachable
    ) {
        return String::new();
    }
    match overtime::least_overtime(&hub_problem.problem, solution, job) {
        Some((v, seconds)) => format!(
            "; {} minutes of overtime for {} would take it",
            (seconds + 59) / 60,
            hub_problem.engineers[v].id()
        ),
        None => String::new(),
    }
}

/// A sentence a coordinator can act on: who is missing, or why nobody fits.
pub(crate) fn explain(
    hub: Region,
    date: NaiveDate,
    ticket: &Ticket,
    reason: UnassignedReason,
    hub_problem: &HubProblem,
) -> String {
    let skill = skill_words(ticket.skill());
    let needs_senior = ticket.severity().level() == 1;
    match reason {
        UnassignedReason::NoVehicleWithSkills => {
            let holds = |e: &&Engineer| e.skill_set().contains(ticket.skill());
            let senior = |e: &&Engineer| e.certification() == Certification::Senior;
            let working_with_skill = hub_problem.engineers.iter().filter(holds).count();
            let off_with_skill = hub_problem.engineers_off.iter().filter(holds).count();
            if working_with_skill + off_with_skill == 0 {
                format!("no engineer in the {hub} region holds the {skill} skill")
            } else if working_with_skill == 0 {
                format!(
                    "no engineer of the {hub} region who holds the {skill} skill works on {date}"
                )
            } else if needs_senior
                && hub_problem
                    .engineers
                    .iter()
                    .filter(holds)
                    .filter(senior)
                    .count()
                    == 0
            {
                format!(
                    "a severity-1 fault needs a senior engineer, and no senior engineer of the {hub} region working on {date} holds the {skill} skill"
                )
            } else {
                // Qualified engineers exist but none of them may serve this
                // site: name the nearest as the one to borrow from.
                let nearest = hub_problem
                    .engineers
                    .iter()
                    .filter(holds)
                    .filter(|e| !needs_senior || senior(e))
                    .map(|e| (e.home().haversine_meters(&ticket.site()) / 1000.0, e))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                match nearest {
                    Some((km, engineer)) => format!(
                        "no qualified engineer of a station within reach works on {date}; \
                         borrow {} of {} ({km:.0} km away)",
                        engineer.id(),
                        match engineer.base() {
                            EngineerBase::Station(station) => format!("station {station}"),
                            EngineerBase::Hub(region) => format!("the {region} hub"),
                        }
                    ),
                    None => format!(
                        "no engineer of the {hub} region working on {date} is qualified for it"
                    ),
                }
            }
        }
        UnassignedReason::Unreachable => {
            "no qualified engineer can reach it within the day".to_string()
        }
        UnassignedReason::NoRoom => "every qualified engineer's day is full".to_string(),
        UnassignedReason::ExceedsCapacity => {
            "no qualified engineer can carry what it needs".to_string()
        }
    }
}

fn skill_words(skill: Skill) -> &'static str {
    match skill {
        Skill::PcHardware => "PC hardware",
        Skill::Printer => "printer",
        Skill::Server => "server",
        Skill::Storage => "storage",
        Skill::Network => "network",
        Skill::Systems => "systems",
        Skill::Integration => "integration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EngineerBase, EngineerId, Severity, SlaPolicy, TicketId};
    use crate::travel::GreatCircle;

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn hangzhou() -> GeoPoint {
        GeoPoint::new(30.24934, 120.20524).unwrap()
    }

    fn engineer(
        id: &str,
        skills: Vec<Skill>,
        certification: Certification,
        shift: ShiftPattern,
    ) -> Engineer {
        Engineer::new(
            EngineerId::parse(id).unwrap(),
            "Wang Wei",
            EngineerBase::Hub(Region::East),
            Region::East,
            hangzhou(),
            skills,
            certification,
            shift,
        )
        .unwrap()
    }

    fn ticket(id: &str, skill: Skill, severity: Severity, km_north: f64) -> Ticket {
        Ticket::new(
            TicketId::parse(id).unwrap(),
            "Hangzhou People's Hospital",
            GeoPoint::new(30.24934 + km_north / 111.32, 120.20524).unwrap(),
            330100,
            Region::East,
            severity,
            skill,
            day_origin(monday()) - chrono::Duration::hours(3),
            60,
            SlaPolicy::default(),
        )
        .unwrap()
    }

    fn options() -> PlanOptions {
        PlanOptions {
            seed: 1,
            time_limit: Duration::from_millis(200),
            ..PlanOptions::default()
        }
    }

    #[test]
    fn a_severity_one_fault_needs_a_senior_engineer() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Intermediate,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![
            ticket("T1", Skill::Server, Severity::CRITICAL, 5.0),
            ticket("T2", Skill::Server, Severity::MINOR, 8.0),
        ];
        let roster = plan_hub(
            Region::East,
            monday(),
            &tickets,
            &engineers,
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(roster.summary.assigned, 1);
        assert_eq!(roster.unassigned.len(), 1);
        assert_eq!(roster.unassigned[0].ticket_id.as_str(), "T1");
        assert_eq!(roster.unassigned[0].reason, "no_engineer_with_skill");
        assert!(
            roster.unassigned[0].detail.contains("senior"),
            "{}",
            roster.unassigned[0].detail
        );
    }

    #[test]
    fn a_full_day_names_the_overtime_that_would_take_the_rest() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        // Ten hour-long visits a few km apart: more than one office day.
        let tickets: Vec<Ticket> = (0..10)
            .map(|i| ticket(&format!("T{i}"), Skill::Server, Severity::MINOR, i as f64))
            .collect();
        let roster = plan_hub(
            Region::East,
            monday(),
            &tickets,
            &engineers,
            &GreatCircle::default(),
            &PlanOptions {
                horizon_days: 1,
                ..options()
            },
        )
        .unwrap();
        assert!(!roster.unassigned.is_empty());
        for left_out in &roster.unassigned {
            assert_eq!(left_out.reason, "no_room");
            let minutes: i64 = left_out
                .detail
                .split("; ")
                .nth(1)
                .and_then(|fix| fix.strip_suffix(" minutes of overtime for E1 would take it"))
                .unwrap_or_else(|| panic!("no overtime named: {}", left_out.detail))
                .parse()
                .unwrap();
            // What the day lacks for one more hour-long visit a few km
            // away: something, and no more than the visit and its drive.
            assert!(
                (1..=120).contains(&minutes),
                "{minutes}: {}",
                left_out.detail
            );
        }
    }

    #[test]
    fn a_late_visit_says_whether_anyone_could_have_been_on_time() {
        // Due at 09:00 (reported 21:00 the evening before, 12 h limit); the
        // only engineer starts in Hangzhou at the start of office hours.
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![
            ticket("NEAR1", Skill::Server, Severity::MINOR, 2.0),
            ticket("NEAR2", Skill::Server, Severity::MINOR, 3.0),
            ticket("FAR", Skill::Server, Severity::MINOR, 60.0),
        ];
        let roster = plan_hub(
            Region::East,
            monday(),
            &tickets,
            &engineers,
            &GreatCircle::default(),
            &PlanOptions {
                horizon_days: 1,
                ..options()
            },
        )
        .unwrap();
        let visit = |id: &str| {
            roster
                .routes
                .iter()
                .flat_map(|r| &r.visits)
                .find(|v| v.ticket_id.as_str() == id)
                .unwrap_or_else(|| panic!("{id} is visited"))
        };
        let far = visit("FAR");
        assert!(far.late_minutes > 0);
        let reason = far.late_reason.as_deref().unwrap();
        assert!(reason.starts_with("unreachable_in_time"), "{reason}");
        // One of the two near tickets is first and on time if the shift
        // starts early enough; every late one among them could have been
        // on time with a lighter day.
        for id in ["NEAR1", "NEAR2"] {
            let near = visit(id);
            match near.late_reason.as_deref() {
                None => assert_eq!(near.late_minutes, 0),
                Some(reason) => assert!(
                    reason.starts_with("engineers_busy")
                        || reason.starts_with("unreachable_in_time"),
                    "{reason}"
                ),
            }
        }
        let on_site_by = far.on_site_by;
        assert!(far.arrival > on_site_by);
    }

    #[test]
    fn a_missing_skill_is_named() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Printer],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![ticket("T1", Skill::Storage, Severity::MINOR, 5.0)];
        let roster = plan_hub(
            Region::East,
            monday(),
            &tickets,
            &engineers,
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(
            roster.unassigned[0].detail,
            "no engineer in the east region holds the storage skill"
        );
    }

    #[test]
    fn office_hours_engineers_are_off_at_the_weekend() {
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let engineers = vec![
            engineer(
                "E1",
                vec![Skill::Printer],
                Certification::Senior,
                ShiftPattern::office_hours(),
            ),
            engineer(
                "E2",
                vec![Skill::Server],
                Certification::Senior,
                ShiftPattern::OnCall { max_hours: 10 },
            ),
        ];
        let built = build_problem(
            Region::East,
            saturday,
            &[],
            &engineers,
            &GreatCircle::default(),
        )
        .unwrap();
        assert_eq!(built.engineers.len(), 1);
        assert_eq!(built.engineers[0].id().as_str(), "E2");
        assert_eq!(
            built.problem.vehicles()[0].shift,
            Window {
                start: 0,
                end: DAY_SECONDS
            }
        );
        assert_eq!(built.problem.vehicles()[0].max_work, Some(36_000));
        assert!(built.problem.vehicles()[0].lunch.is_none());
    }

    #[test]
    fn an_office_day_has_lunch_and_stays_in_the_shift() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Printer],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets: Vec<Ticket> = (0..5)
            .map(|i| {
                ticket(
                    &format!("T{i}"),
                    Skill::Printer,
                    Severity::MINOR,
                    2.0 * i as f64 + 1.0,
                )
            })
            .collect();
        let roster = plan_hub(
            Region::East,
            monday(),
            &tickets,
            &engineers,
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(roster.summary.assigned, 5);
        let route = &roster.routes[0];
        let (lunch_start, lunch_end) = route.lunch.expect("a 5-hour day crosses lunch");
        assert_eq!((lunch_end - lunch_start).num_minutes(), LUNCH_MINUTES);
        let shift = ShiftPattern::office_hours().window_on(monday()).unwrap();
        assert!(shift.contains(route.leave_at) && shift.contains(route.return_at));
        let local_noon = day_origin(monday()) + chrono::Duration::hours(12);
        assert!(lunch_start >= local_noon);
    }

    #[test]
    fn a_ticket_of_another_region_is_refused() {
        let mut tickets = vec![ticket("T1", Skill::Printer, Severity::MINOR, 1.0)];
        tickets[0] = Ticket::new(
            TicketId::parse("T9").unwrap(),
            "Beijing Tax Bureau",
            GeoPoint::new(39.9, 116.4).unwrap(),
            110000,
            Region::North,
            Severity::MINOR,
            Skill::Printer,
            day_origin(monday()),
            60,
            SlaPolicy::default(),
        )
        .unwrap();
        let err = build_problem(
            Region::East,
            monday(),
            &tickets,
            &[],
            &GreatCircle::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ticket T9 belongs to the north region, not to the east hub"
        );
        let twice = vec![ticket("T1", Skill::Printer, Severity::MINOR, 1.0); 2];
        let err = build_problem(Region::East, monday(), &twice, &[], &GreatCircle::default())
            .unwrap_err();
        assert_eq!(err.to_string(), "ticket T1 is given twice");
    }
}
