//! The translation of a hub's day into the core's terms
//! ([`crate::optimize::Problem`]), in one place so tests can rebuild it.
//!
//! Time is counted in seconds from local midnight of the planned day;
//! locations are the distinct engineer homes, then the ticket sites, then
//! the due preventive visits' sites, then any extra points (where engineers
//! are during the day); every ticket must be started within the horizon,
//! and arriving after its on-site deadline costs per second, more for more
//! severe faults; a severity-1 ticket needs a senior engineer; a ticket may
//! be served by the stations within reach of its site (or, where none
//! reaches, by the nearest ones) and by any hub engineer; office-hours
//! engineers take a 45-minute lunch starting between 12:00 and 13:30. A
//! vehicle is an engineer on one day of the horizon they work.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use super::DispatchError;
use super::day::HubDay;
use super::parts::{self, PartNeed};
use crate::domain::{
    Certification, Engineer, EngineerBase, GeoPoint, KeyCustomer, ShiftPattern, StationId,
    StockPoint, Ticket, service_offset,
};
use crate::optimize::{Break, Job, Problem, SoftDeadline, Vehicle, Window};
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

/// The latest start of the office-hours lunch, in seconds from midnight.
pub const LUNCH_LATEST: i64 = 13 * 3600 + 30 * 60;

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
    /// once [`super::preventive::fill_slack`] has added them; the fault
    /// plan's problem has the tickets' jobs only.
    pub preventive: Vec<KeyCustomer>,
    /// The key customers due on the day, whose sites are in the matrix
    /// from location `first_preventive_site` on, ready for the second stage.
    pub due: Vec<KeyCustomer>,
    pub first_preventive_site: usize,
}

/// One day in seconds.
pub(crate) const DAY_SECONDS: i64 = 24 * 3600;
const LUNCH_EARLIEST: i64 = 12 * 3600;

impl HubProblem {
    /// Builds the routing problem of `day` over `horizon_days` days from its
    /// date (see the module docs): a vehicle per engineer and day they
    /// work, tickets servable on any of the days, time counted from the
    /// first day's midnight so deadlines keep counting across days; part
    /// swaps routed to where their part is ([`parts`]; without stock on
    /// hand every part counts as carried).
    pub fn build(
        day: &HubDay,
        horizon_days: u32,
        travel: &dyn TravelModel,
    ) -> Result<Self, DispatchError> {
        Self::build_with_points(day, horizon_days, travel, &[]).map(|(built, _)| built)
    }

    /// [`HubProblem::build`] with `extra` points appended to the travel
    /// matrix after every site, for re-planning from where engineers are
    /// during the day. Returns the problem and the location of `extra[0]`.
    pub(crate) fn build_with_points(
        day: &HubDay,
        horizon_days: u32,
        travel: &dyn TravelModel,
        extra: &[GeoPoint],
    ) -> Result<(Self, usize), DispatchError> {
        if horizon_days == 0 {
            return Err(DispatchError::EmptyHorizon);
        }
        let date = day.date();
        let origin = day_origin(date);
        let crew = Crew::of(day, horizon_days);

        // Engineers of one station share a home: one matrix row serves them all.
        let mut points: Vec<GeoPoint> = Vec::new();
        let homes: Vec<usize> = crew
            .working
            .iter()
            .map(|e| {
                let home = e.home();
                points.iter().position(|p| *p == home).unwrap_or_else(|| {
                    points.push(home);
                    points.len() - 1
                })
            })
            .collect();
        let first_site = points.len();
        points.extend(day.tickets().iter().map(|t| t.site()));
        let first_preventive_site = points.len();
        points.extend(day.due().iter().map(|d| d.customer.site));
        let first_extra = points.len();
        points.extend_from_slice(extra);
        let matrix = travel.matrix(&points);

        let (teams, stations, station_ids) = station_teams(&crew.working, &crew.off);
        let allocation = match day.on_hand() {
            None => parts::Allocation {
                needs: vec![None; day.tickets().len()],
                plans: Vec::new(),
            },
            Some(on_hand) => {
                let reach = |ticket: &Ticket| {
                    stock_points_in_reach(ticket, &crew.working, &teams, &stations, &station_ids)
                };
                parts::allocate(
                    day.tickets(),
                    &reach,
                    &on_hand.stock,
                    &on_hand.orders,
                    origin,
                )
            }
        };
        let horizon = Window::new(0, DAY_SECONDS * i64::from(horizon_days))?;
        let jobs: Vec<Job> = day
            .tickets()
            .iter()
            .zip(&allocation.needs)
            .enumerate()
            .map(|(index, (ticket, need))| {
                let job = ticket_job(ticket, first_site + index, horizon, origin, &stations);
                restricted_by_part(job, need.as_ref(), &station_ids)
            })
            .collect();
        let mut vehicles = Vec::with_capacity(crew.working.len());
        for (((engineer, home), team), window) in
            crew.working.iter().zip(&homes).zip(teams).zip(&crew.shifts)
        {
            vehicles.push(engineer_vehicle(engineer, *home, team, window, origin)?);
        }
        let built = HubProblem {
            problem: Problem::new(matrix, jobs, vehicles)?,
            origin,
            tickets: day.tickets().to_vec(),
            engineers: crew.working,
            days: crew.day_of,
            engineers_off: crew.off,
            parts: allocation,
            preventive: Vec::new(),
            due: day.due().iter().map(|d| d.customer.clone()).collect(),
            first_preventive_site,
        };
        Ok((built, first_extra))
    }

    /// Seconds since the origin as a time.
    pub fn at(&self, seconds: i64) -> DateTime<Utc> {
        self.origin + chrono::Duration::seconds(seconds)
    }

    /// A time as seconds since the origin.
    pub fn seconds(&self, at: DateTime<Utc>) -> i64 {
        (at - self.origin).num_seconds()
    }

    /// The stations' positions, numbered as the jobs' teams are (see
    /// [`candidate_stations`]).
    pub(crate) fn station_positions(&self) -> Vec<GeoPoint> {
        station_teams(&self.engineers, &self.engineers_off).1
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

/// The region's engineers over the horizon: those working, each with the
/// shift and day of their vehicle, and those off on the planned day.
struct Crew {
    working: Vec<Engineer>,
    shifts: Vec<crate::domain::TimeWindow>,
    day_of: Vec<u32>,
    off: Vec<Engineer>,
}

impl Crew {
    fn of(day: &HubDay, horizon_days: u32) -> Self {
        let date = day.date();
        let regional: Vec<&Engineer> = day
            .engineers()
            .iter()
            .filter(|e| e.region() == day.hub())
            .collect();
        let off = regional
            .iter()
            .filter(|e| e.shift().window_on(date).is_none())
            .map(|e| (*e).clone())
            .collect();
        let mut crew = Crew {
            working: Vec::new(),
            shifts: Vec::new(),
            day_of: Vec::new(),
            off,
        };
        for offset in 0..horizon_days {
            let on = date + chrono::Days::new(u64::from(offset));
            for engineer in &regional {
                if let Some(window) = engineer.shift().window_on(on) {
                    crew.working.push((*engineer).clone());
                    crew.shifts.push(window);
                    crew.day_of.push(offset);
                }
            }
        }
        crew
    }
}

/// A ticket's visit: its service, the horizon, its on-site deadline priced
/// by severity, the skills it needs and the stations that may serve it.
fn ticket_job(
    ticket: &Ticket,
    location: usize,
    horizon: Window,
    origin: DateTime<Utc>,
    stations: &[GeoPoint],
) -> Job {
    let mut job = Job::at(location, ticket.service_minutes() as i64 * 60);
    job.windows = vec![horizon];
    job.deadline = Some(SoftDeadline {
        at: (ticket.deadlines().on_site_by - origin).num_seconds(),
        penalty_per_unit: LATENESS_COST_PER_SECOND * ticket.severity().lateness_weight(),
    });
    job.skills = required_bits(ticket);
    job.teams = candidate_stations(ticket.site(), stations);
    job.unassigned_penalty = UNASSIGNED_PENALTY;
    job
}

/// A part swap goes only to whoever carries its part; a diagnosis is
/// short; a ticket waiting for its part gets no visit.
fn restricted_by_part(mut job: Job, need: Option<&PartNeed>, station_ids: &[StationId]) -> Job {
    match need {
        None => {}
        Some(PartNeed::From(StockPoint::Station(id))) => {
            let team = station_ids.iter().position(|s| s == id);
            job.teams = team.map(|t| vec![t as u32]).unwrap_or_default();
            job.skills |= 1 << STATION_STOCK_BIT;
        }
        Some(PartNeed::From(StockPoint::Hub(_))) => {
            job.skills |= 1 << HUB_STOCK_BIT;
        }
        Some(PartNeed::Diagnosis) => {
            job.service = job.service.min(i64::from(parts::DIAGNOSIS_MINUTES) * 60);
        }
        Some(PartNeed::Awaiting(_)) => job.skills |= 1 << AWAITING_PART_BIT,
    }
    job
}

/// An engineer on one day: their shift, skills, station, working limit
/// and, on an office day, the lunch break.
fn engineer_vehicle(
    engineer: &Engineer,
    home: usize,
    team: Option<u32>,
    window: &crate::domain::TimeWindow,
    origin: DateTime<Utc>,
) -> Result<Vehicle, DispatchError> {
    let seconds = |at: DateTime<Utc>| (at - origin).num_seconds();
    let shift = Window::new(seconds(window.start()), seconds(window.end()))?;
    let mut vehicle = Vehicle::new(home, Some(home), shift);
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
    Ok(vehicle)
}

/// Where an engineer starts from, in the roster's words.
pub(crate) fn base_name(engineer: &Engineer) -> String {
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
pub(crate) fn station_teams(
    working: &[Engineer],
    off: &[Engineer],
) -> (Vec<Option<u32>>, Vec<GeoPoint>, Vec<StationId>) {
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

/// The stock points whose working engineers may serve `ticket`, nearest
/// first: its candidate stations with a qualified engineer on shift, then
/// the hub if one of its engineers qualifies.
fn stock_points_in_reach(
    ticket: &Ticket,
    working: &[Engineer],
    teams: &[Option<u32>],
    stations: &[GeoPoint],
    station_ids: &[StationId],
) -> Vec<StockPoint> {
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
    let mut points: Vec<StockPoint> = candidates
        .into_iter()
        .map(|team| StockPoint::Station(station_ids[team as usize].clone()))
        .collect();
    if working
        .iter()
        .zip(teams)
        .any(|(e, t)| t.is_none() && qualified(e))
    {
        points.push(StockPoint::Hub(ticket.region()));
    }
    points
}
