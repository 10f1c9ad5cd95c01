//! Rule 10: emergency insertion. A severity-1 fault reported during a
//! published day goes into that day from where the engineers are, keeping
//! what has begun and changing at most `max_changes` other visits.
//!
//! The model, in the order the code applies it:
//!
//! - **Where an engineer is at `at`.** Visits that have started (start ≤
//!   `at`) are history and stay as they are. So does the visit an engineer
//!   is driving to (they left the previous stop, or home, at or before
//!   `at`): without the car's position we cannot turn it mid-road, so the
//!   engineer finishes that visit first. The rest of the day is re-planned
//!   from the site of the last of these stops, from its departure (or from
//!   home, from `at` or the shift start, when the day has not begun). An
//!   engineer whose visits are all done stays at the last site: a route is
//!   one tour from home to home, so going home and out again is not a route.
//! - **Lunch.** A lunch that has begun is history. An office-hours engineer
//!   who has not had it takes it between 12:00 and 13:30 as planned; one who
//!   is free only after 13:30 without a planned lunch had no visit over
//!   lunch (a day that runs past noon always plans one) and has eaten.
//! - **Working time** still counts from leaving home.
//! - **Pinned visits** stay with their engineer, in order: no move below
//!   takes them off their route, and no move reorders the visits it does
//!   not take. They may be delayed, which counts as a change.
//! - **Diagnosis visits** (the swap's part was ordered) keep their
//!   diagnosis length when re-timed; the repair comes with the part.
//! - **A change** is a visit not yet begun that goes to another engineer, or
//!   whose arrival moves by more than [`CHANGE_TOLERANCE_SECONDS`] from the
//!   stored roster. There are at most `max_changes` of them.
//! - **Where the fault goes.** Every engineer the planning rules allow (the
//!   stations within reach or the nearest ones, hub engineers as fallback,
//!   the skill, a senior engineer for severity 1) and every position in
//!   their remaining sequence is tried, timed exactly with
//!   [`schedule`]; among the placements within the budget the least
//!   lateness of the fault wins (it is the emergency), then the least cost
//!   of the day (the planning objective: severity-weighted lateness and
//!   driving), then the earliest arrival.
//! - **Displaced visits.** The visits the fault pushes back may then move
//!   to other engineers, one at a time, each to its cheapest feasible
//!   position, while that lowers the day's cost and the budget allows.
//!
//! The re-planned routes go through the independent checker
//! ([`optimize::check`]) against the re-planning problem before a roster is
//! returned. Depends on `domain`, `optimize` and `travel` only.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{
    DispatchError, HubProblem, LUNCH_LATEST, build_problem_with_points, day_origin, explain,
    loaners, overtime_fix, reason_code,
};
use crate::domain::{
    Engineer, EngineerId, EngineerRoute, GeoPoint, Region, Roster, RosterSummary, Ticket, TicketId,
    UnassignedTicket, Visit, VisitKind,
};
use crate::optimize::schedule::{Scheduled, schedule};
use crate::optimize::{Problem, Route, Stop, StopKind, Window, construction};
use crate::travel::TravelModel;

/// A visit whose arrival moves by more than this counts as changed: a
/// minute is within what a customer is told anyway, and it absorbs the
/// rounding of stored times.
pub const CHANGE_TOLERANCE_SECONDS: i64 = 60;

/// The reason code for a fault that could be served, but only by changing
/// more visits than allowed.
pub const TOO_MANY_CHANGES: &str = "too_many_changes";

/// The reason code for a visit that gave way to the fault.
pub const DEFERRED: &str = "deferred_for_emergency";

/// What to insert where, and the limits.
#[derive(Debug, Clone, Copy)]
pub struct InsertionRequest<'a> {
    /// The published roster of the day.
    pub roster: &'a Roster,
    /// The tickets of the roster's visits (others are ignored).
    pub tickets: &'a [Ticket],
    /// The new severity-1 fault.
    pub emergency: &'a Ticket,
    /// The hub region's engineers.
    pub engineers: &'a [Engineer],
    /// When the re-plan takes effect.
    pub at: DateTime<Utc>,
    /// How many other visits may change (see the module docs).
    pub max_changes: usize,
    /// Visits that must stay with their engineer.
    pub pinned: &'a [TicketId],
}

/// Why an insertion was refused: the request is wrong, or the stored day
/// cannot be continued.
#[derive(Debug, thiserror::Error)]
pub enum InsertionError {
    #[error(
        "ticket {ticket} is severity {severity}; only a severity-1 fault is inserted into a published day"
    )]
    NotCritical { ticket: String, severity: u8 },
    #[error("ticket {ticket} belongs to the {region} region, not to the {hub} hub")]
    OutsideHub {
        ticket: String,
        region: Region,
        hub: Region,
    },
    #[error("{at} is not on the roster's day {date}")]
    OutsideDay { at: DateTime<Utc>, date: NaiveDate },
    #[error("ticket {ticket} is reported at {reported_at}, after the re-planning time {at}")]
    ReportedLater {
        ticket: String,
        reported_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("pinned ticket {0} is not visited on the roster")]
    UnknownPinned(String),
    #[error("ticket {0} is already on the roster")]
    AlreadyOnRoster(String),
    #[error("the roster's ticket {0} was not given")]
    MissingTicket(String),
    #[error("the roster's engineer {0} does not work on the roster's day")]
    EngineerNotWorking(String),
    #[error("engineer {0}'s remaining visits cannot be kept from where the engineer is")]
    CannotContinue(String),
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
}

impl InsertionError {
    /// The request field to name in a refusal, where the request is to blame.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            InsertionError::NotCritical { .. } => Some("ticket.severity"),
            InsertionError::OutsideHub { .. } => Some("ticket.city_adcode"),
            InsertionError::OutsideDay { .. } => Some("at"),
            InsertionError::ReportedLater { .. } => Some("ticket.reported_at"),
            InsertionError::UnknownPinned(_) => Some("pinned"),
            _ => None,
        }
    }
}

/// A visit that changed: another engineer, another arrival, or none today.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub ticket_id: TicketId,
    pub from_engineer: EngineerId,
    /// `None`: the visit gave way to the fault and waits for another day.
    pub to_engineer: Option<EngineerId>,
    pub old_arrival: DateTime<Utc>,
    pub new_arrival: Option<DateTime<Utc>>,
}

/// Who serves the fault, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub engineer_id: EngineerId,
    pub arrival: DateTime<Utc>,
    pub on_site_by: DateTime<Utc>,
    pub late_minutes: i64,
}

/// The outcome: the roster's new revision and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Insertion {
    /// The whole day, with the fault placed (or listed unassigned).
    pub roster: Roster,
    pub placement: Option<Placement>,
    /// Why the fault could not be placed, when it could not.
    pub unassigned: Option<UnassignedTicket>,
    /// The other visits that changed, by ticket id; never more than
    /// `max_changes`.
    pub changes: Vec<Change>,
    /// Engineers whose routes differ from the stored roster, sorted.
    pub affected: Vec<EngineerId>,
}

/// Where and when an engineer's remaining day begins.
#[derive(Debug, Clone, PartialEq)]
struct Restart {
    /// Leading visits of the stored route that stay as they are.
    committed: usize,
    lunch_taken: bool,
    /// `None`: at home.
    location: Option<GeoPoint>,
    /// Free from (before the shift start and `at` are applied).
    free_at: Option<DateTime<Utc>>,
}

impl Restart {
    fn has_begun(&self) -> bool {
        self.committed > 0 || self.lunch_taken
    }
}

/// Where an engineer on `route` is at `at` (see the module docs).
fn restart(route: &EngineerRoute, at: DateTime<Utc>) -> Restart {
    let visits = &route.visits;
    let mut committed = visits.iter().take_while(|v| v.start <= at).count();
    let lunch_taken = route.lunch.is_some_and(|(start, _)| start <= at);
    let lunch_next = route.lunch.is_some_and(|(start, _)| {
        start > at && visits.get(committed).is_none_or(|v| start <= v.start)
    });
    let last_departure = |committed: usize| {
        let visit = committed.checked_sub(1).map(|last| visits[last].departure);
        let lunch = route.lunch.filter(|_| lunch_taken).map(|(_, end)| end);
        visit.max(lunch)
    };
    let left_previous = last_departure(committed).unwrap_or(route.leave_at);
    if committed < visits.len() && !lunch_next && left_previous <= at {
        committed += 1;
    }
    Restart {
        committed,
        lunch_taken,
        location: committed.checked_sub(1).map(|last| visits[last].location),
        free_at: last_departure(committed),
    }
}

/// The re-planning problem and the stored day it is compared with.
struct Replan<'a> {
    problem: &'a Problem,
    emergency: usize,
    /// Per job: the vehicle and arrival (seconds) of the stored roster.
    stored: &'a [(usize, i64)],
    pinned: &'a [bool],
    /// Less severe than the fault: may give way when nothing else helps.
    deferrable: &'a [bool],
}

/// A route timed, with its cost and the changes on it.
#[derive(Debug, Clone)]
struct Timed {
    cost: i64,
    changes: usize,
    scheduled: Scheduled,
}

impl Replan<'_> {
    fn time(&self, vehicle: usize, jobs: &[usize]) -> Option<Timed> {
        let scheduled = schedule(self.problem, vehicle, jobs)?;
        let fixed = if jobs.is_empty() {
            0
        } else {
            self.problem.vehicles()[vehicle].fixed_cost
        };
        let changes = scheduled
            .route
            .stops
            .iter()
            .filter(|stop| match stop.kind {
                StopKind::Job(job) if job != self.emergency => {
                    let (was_with, was_at) = self.stored[job];
                    was_with != vehicle || (stop.arrival - was_at).abs() > CHANGE_TOLERANCE_SECONDS
                }
                _ => false,
            })
            .count();
        Some(Timed {
            cost: fixed + scheduled.travel_cost + scheduled.lateness_cost,
            changes,
            scheduled,
        })
    }

    fn can_serve(&self, vehicle: usize, job: usize) -> bool {
        self.problem.vehicles()[vehicle].can_serve(&self.problem.jobs()[job])
    }
}

/// The day being changed: a sequence and its timing per vehicle.
struct Day {
    plan: Vec<Vec<usize>>,
    timed: Vec<Timed>,
    /// Visits that gave way to the fault and wait for another day.
    deferred: Vec<usize>,
}

/// New sequences for some vehicles, timed, and visits deferred.
#[derive(Debug, Clone)]
struct Edit {
    routes: Vec<(usize, Vec<usize>, Timed)>,
    deferred: Vec<usize>,
}

impl Edit {
    fn routes(routes: Vec<(usize, Vec<usize>, Timed)>) -> Self {
        Edit {
            routes,
            deferred: Vec::new(),
        }
    }
}

impl Day {
    fn cost(&self) -> i64 {
        self.timed.iter().map(|t| t.cost).sum::<i64>()
            + super::UNASSIGNED_PENALTY * self.deferred.len() as i64
    }

    fn changes(&self) -> usize {
        self.timed.iter().map(|t| t.changes).sum::<usize>() + self.deferred.len()
    }

    fn cost_with(&self, edit: &Edit) -> i64 {
        edit.routes
            .iter()
            .fold(self.cost(), |cost, (vehicle, _, timed)| {
                cost - self.timed[*vehicle].cost + timed.cost
            })
            + super::UNASSIGNED_PENALTY * edit.deferred.len() as i64
    }

    fn changes_with(&self, edit: &Edit) -> usize {
        edit.routes
            .iter()
            .fold(self.changes(), |changes, (vehicle, _, timed)| {
                changes - self.timed[*vehicle].changes + timed.changes
            })
            + edit.deferred.len()
    }

    fn apply(&mut self, edit: Edit) {
        for (vehicle, jobs, timed) in edit.routes {
            self.plan[vehicle] = jobs;
            self.timed[vehicle] = timed;
        }
        self.deferred.extend(edit.deferred);
    }

    /// The cheapest way to move `job` into another vehicle's sequence than
    /// `from`, with the cost of the day after `edit` plus the move.
    fn cheapest_move(
        &self,
        replan: &Replan,
        job: usize,
        from: usize,
    ) -> Option<(usize, Vec<usize>, Timed)> {
        let mut best: Option<(i64, usize, Vec<usize>, Timed)> = None;
        for other in (0..self.plan.len()).filter(|&o| o != from) {
            if !replan.can_serve(other, job) {
                continue;
            }
            for position in 0..=self.plan[other].len() {
                let mut jobs = self.plan[other].clone();
                jobs.insert(position, job);
                let Some(timed) = replan.time(other, &jobs) else {
                    continue;
                };
                let added = timed.cost - self.timed[other].cost;
                if best.as_ref().is_none_or(|b| added < b.0) {
                    best = Some((added, other, jobs, timed));
                }
            }
        }
        best.map(|(_, other, jobs, timed)| (other, jobs, timed))
    }
}

/// Where the fault arrives in an edit: (lateness, arrival).
fn fault_stop(replan: &Replan, edit: &Edit) -> (i64, i64) {
    edit.routes
        .iter()
        .flat_map(|(_, _, timed)| &timed.scheduled.route.stops)
        .find(|stop| stop.kind == StopKind::Job(replan.emergency))
        .map(|stop| (stop.lateness, stop.arrival))
        .expect("the fault is in the edit")
}

/// The best placement of the fault within the budget, and the fewest
/// changes any feasible placement needs (to explain a refusal). A position
/// that makes the day too long for its engineer is tried again with one
/// visit after it moved to another engineer, when the budget allows and no
/// placement in time was found. Only when the fault fits nowhere at all
/// does a less severe visit after it give way and wait for another day
/// (or, when one is not enough, the latest ones after it): a system down
/// comes before a visit that can wait.
fn best_placement(replan: &Replan, day: &Day, max_changes: usize) -> (Option<Edit>, Option<usize>) {
    let mut best: Option<((i64, i64, i64), Edit)> = None;
    let mut fewest_changes: Option<usize> = None;
    let mut too_long = Vec::new();
    let mut consider = |edit: Edit, best: &mut Option<((i64, i64, i64), Edit)>| {
        let changes = day.changes_with(&edit);
        fewest_changes = Some(fewest_changes.map_or(changes, |f| f.min(changes)));
        if changes > max_changes {
            return;
        }
        let (lateness, arrival) = fault_stop(replan, &edit);
        let key = (lateness, day.cost_with(&edit), arrival);
        if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
            *best = Some((key, edit));
        }
    };
    for vehicle in 0..day.plan.len() {
        if !replan.can_serve(vehicle, replan.emergency) {
            continue;
        }
        for position in 0..=day.plan[vehicle].len() {
            let mut jobs = day.plan[vehicle].clone();
            jobs.insert(position, replan.emergency);
            match replan.time(vehicle, &jobs) {
                Some(timed) => consider(Edit::routes(vec![(vehicle, jobs, timed)]), &mut best),
                None => too_long.push((vehicle, position, jobs)),
            }
        }
    }
    let in_time = best
        .as_ref()
        .is_some_and(|((lateness, ..), _)| *lateness == 0);
    if max_changes > 0 && !in_time {
        for (vehicle, position, jobs) in &too_long {
            let (vehicle, position) = (*vehicle, *position);
            for index in position + 1..jobs.len() {
                let job = jobs[index];
                if replan.pinned[job] {
                    continue;
                }
                let mut without = jobs.clone();
                without.remove(index);
                let Some(timed) = replan.time(vehicle, &without) else {
                    continue;
                };
                if let Some(taken) = day.cheapest_move(replan, job, vehicle) {
                    consider(
                        Edit::routes(vec![(vehicle, without, timed), taken]),
                        &mut best,
                    );
                }
            }
        }
    }
    if max_changes > 0 && best.is_none() {
        for (vehicle, position, jobs) in &too_long {
            let (vehicle, position) = (*vehicle, *position);
            for index in position + 1..jobs.len() {
                let job = jobs[index];
                if replan.pinned[job] || !replan.deferrable[job] {
                    continue;
                }
                let mut without = jobs.clone();
                without.remove(index);
                if let Some(timed) = replan.time(vehicle, &without) {
                    let edit = Edit {
                        routes: vec![(vehicle, without, timed)],
                        deferred: vec![job],
                    };
                    consider(edit, &mut best);
                }
            }
        }
    }
    if max_changes > 0 && best.is_none() {
        // A full day may need more than one visit to give way (a long drive
        // to the fault, or a day already at its working limit): the latest
        // ones go first, since they are the ones the fault pushes past the
        // shift's end, and the count needed is reported even over budget.
        for (vehicle, position, jobs) in too_long {
            let mut without = jobs;
            let mut deferred = Vec::new();
            for index in (position + 1..without.len()).rev() {
                let job = without[index];
                if replan.pinned[job] || !replan.deferrable[job] {
                    continue;
                }
                without.remove(index);
                deferred.push(job);
                if let Some(timed) = replan.time(vehicle, &without) {
                    let edit = Edit {
                        routes: vec![(vehicle, without, timed)],
                        deferred,
                    };
                    consider(edit, &mut best);
                    break;
                }
            }
        }
    }
    (best.map(|(_, edit)| edit), fewest_changes)
}

/// Moves visits the fault pushed back on `vehicle` to other engineers, one
/// at a time, each to its cheapest feasible position, while the day's cost
/// falls and the changes stay within `max_changes`.
fn relieve(replan: &Replan, day: &mut Day, vehicle: usize, max_changes: usize) {
    loop {
        let Some(fault_at) = day.plan[vehicle]
            .iter()
            .position(|&job| job == replan.emergency)
        else {
            return;
        };
        let cost = day.cost();
        let mut best: Option<(i64, usize, Edit)> = None;
        for index in fault_at + 1..day.plan[vehicle].len() {
            let job = day.plan[vehicle][index];
            if replan.pinned[job] {
                continue;
            }
            let mut without = day.plan[vehicle].clone();
            without.remove(index);
            let Some(relieved) = replan.time(vehicle, &without) else {
                continue;
            };
            let Some(taken) = day.cheapest_move(replan, job, vehicle) else {
                continue;
            };
            let edit = Edit::routes(vec![(vehicle, without, relieved), taken]);
            let (new_cost, new_changes) = (day.cost_with(&edit), day.changes_with(&edit));
            if new_changes <= max_changes
                && new_cost < cost
                && best
                    .as_ref()
                    .is_none_or(|b| (new_cost, new_changes) < (b.0, b.1))
            {
                best = Some((new_cost, new_changes, edit));
            }
        }
        match best {
            Some((_, _, edit)) => day.apply(edit),
            None => return,
        }
    }
}

fn validate(request: &InsertionRequest) -> Result<(), InsertionError> {
    let (roster, emergency, at) = (request.roster, request.emergency, request.at);
    if emergency.severity().level() != 1 {
        return Err(InsertionError::NotCritical {
            ticket: emergency.id().to_string(),
            severity: emergency.severity().level(),
        });
    }
    if emergency.region() != roster.hub {
        return Err(InsertionError::OutsideHub {
            ticket: emergency.id().to_string(),
            region: emergency.region(),
            hub: roster.hub,
        });
    }
    let origin = day_origin(roster.date);
    if at < origin || at >= origin + Duration::days(1) {
        return Err(InsertionError::OutsideDay {
            at,
            date: roster.date,
        });
    }
    if emergency.reported_at() > at {
        return Err(InsertionError::ReportedLater {
            ticket: emergency.id().to_string(),
            reported_at: emergency.reported_at(),
            at,
        });
    }
    let visited: HashSet<&TicketId> = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .map(|v| &v.ticket_id)
        .collect();
    if let Some(unknown) = request.pinned.iter().find(|id| !visited.contains(id)) {
        return Err(InsertionError::UnknownPinned(unknown.to_string()));
    }
    if visited.contains(emergency.id())
        || roster
            .unassigned
            .iter()
            .any(|u| &u.ticket_id == emergency.id())
    {
        return Err(InsertionError::AlreadyOnRoster(emergency.id().to_string()));
    }
    Ok(())
}

/// Inserts a severity-1 fault into a published day (see the module docs).
pub fn insert_emergency(
    request: &InsertionRequest,
    travel: &dyn TravelModel,
) -> Result<Insertion, InsertionError> {
    validate(request)?;
    let roster = request.roster;
    let at = request.at;
    let restarts: Vec<Restart> = roster.routes.iter().map(|r| restart(r, at)).collect();
    let by_id: HashMap<&TicketId, &Ticket> = request.tickets.iter().map(|t| (t.id(), t)).collect();

    // Jobs: the visits not yet begun, route by route, then the fault.
    let mut tickets = Vec::new();
    let mut stored_by_engineer: Vec<(&EngineerId, DateTime<Utc>)> = Vec::new();
    let mut preventive_given_up = 0;
    for (route, restart) in roster.routes.iter().zip(&restarts) {
        for visit in &route.visits[restart.committed..] {
            if visit.kind == VisitKind::Preventive {
                // Slack filler: an emergency takes the slack, and the
                // analysis stays due for another day.
                preventive_given_up += 1;
                continue;
            }
            let ticket = by_id
                .get(&visit.ticket_id)
                .ok_or_else(|| InsertionError::MissingTicket(visit.ticket_id.to_string()))?;
            tickets.push((*ticket).clone());
            stored_by_engineer.push((&route.engineer_id, visit.arrival));
        }
    }
    let emergency = tickets.len();
    tickets.push(request.emergency.clone());
    let extra: Vec<GeoPoint> = restarts.iter().filter_map(|r| r.location).collect();
    let (built, first_extra) = build_problem_with_points(
        roster.hub,
        roster.date,
        1,
        &tickets,
        request.engineers,
        travel,
        &extra,
        None,
    )?;
    let vehicle_of: HashMap<EngineerId, usize> = built
        .engineers
        .iter()
        .enumerate()
        .map(|(v, e)| (e.id().clone(), v))
        .collect();
    let find_vehicle = |id: &EngineerId| {
        vehicle_of
            .get(id)
            .copied()
            .ok_or_else(|| InsertionError::EngineerNotWorking(id.to_string()))
    };

    // Each engineer's remaining day, from where they are.
    let at_seconds = built.seconds(at);
    let mut vehicles = built.problem.vehicles().to_vec();
    let mut restart_of: Vec<Option<usize>> = vec![None; vehicles.len()];
    let mut extra_index = first_extra;
    for (index, (route, restart)) in roster.routes.iter().zip(&restarts).enumerate() {
        let vehicle_index = find_vehicle(&route.engineer_id)?;
        restart_of[vehicle_index] = Some(index);
        let vehicle = &mut vehicles[vehicle_index];
        if restart.location.is_some() {
            vehicle.start = extra_index;
            extra_index += 1;
        }
        let free = restart
            .free_at
            .map_or(vehicle.shift.start, |free| built.seconds(free));
        let start = free.max(at_seconds);
        if restart.has_begun() {
            let worked = start - built.seconds(route.leave_at);
            vehicle.max_work = vehicle.max_work.map(|limit| (limit - worked).max(0));
        }
        vehicle.shift = Window {
            start,
            end: vehicle.shift.end.max(start),
        };
        if restart.lunch_taken || start > LUNCH_LATEST {
            vehicle.lunch = None;
        }
    }
    for (vehicle_index, vehicle) in vehicles.iter_mut().enumerate() {
        if restart_of[vehicle_index].is_none() {
            let start = vehicle.shift.start.max(at_seconds);
            vehicle.shift = Window {
                start,
                end: vehicle.shift.end.max(start),
            };
            if start > LUNCH_LATEST {
                vehicle.lunch = None;
            }
        }
    }
    // A visit whose part was ordered is today's diagnosis, not the repair:
    // it keeps its diagnosis length when re-timed.
    let diagnosed: HashSet<&TicketId> = roster
        .parts
        .iter()
        .filter(|p| p.action == crate::domain::PartAction::Ordered)
        .map(|p| &p.ticket_id)
        .collect();
    let mut jobs = built.problem.jobs().to_vec();
    for (job, ticket) in jobs.iter_mut().zip(&tickets) {
        if diagnosed.contains(ticket.id()) {
            job.service = job
                .service
                .min(i64::from(super::parts::DIAGNOSIS_MINUTES) * 60);
        }
    }
    let problem = Problem::new(built.problem.matrix().clone(), jobs, vehicles)
        .map_err(DispatchError::from)?;
    let replan_problem = HubProblem { problem, ..built };

    let mut stored = Vec::with_capacity(tickets.len());
    for (engineer, arrival) in &stored_by_engineer {
        stored.push((find_vehicle(engineer)?, replan_problem.seconds(*arrival)));
    }
    stored.push((usize::MAX, 0));
    // A swap whose part was taken from its engineer's shelf stays with that
    // engineer: nobody else carries the part.
    let pinned_ids: HashSet<&TicketId> = request
        .pinned
        .iter()
        .chain(
            roster
                .parts
                .iter()
                .filter(|p| p.action == crate::domain::PartAction::Reserved)
                .map(|p| &p.ticket_id),
        )
        .collect();
    let pinned: Vec<bool> = tickets
        .iter()
        .map(|t| pinned_ids.contains(t.id()))
        .collect();
    let deferrable: Vec<bool> = tickets
        .iter()
        .map(|t| t.severity() > request.emergency.severity())
        .collect();
    let replan = Replan {
        problem: &replan_problem.problem,
        emergency,
        stored: &stored,
        pinned: &pinned,
        deferrable: &deferrable,
    };

    // The day as it stands, re-timed from where everyone is.
    let mut plan: Vec<Vec<usize>> = vec![Vec::new(); replan_problem.engineers.len()];
    for (job, (vehicle, _)) in stored.iter().enumerate().take(emergency) {
        plan[*vehicle].push(job);
    }
    let mut timed = Vec::with_capacity(plan.len());
    for (vehicle, jobs) in plan.iter().enumerate() {
        timed.push(replan.time(vehicle, jobs).ok_or_else(|| {
            InsertionError::CannotContinue(replan_problem.engineers[vehicle].id().to_string())
        })?);
    }
    let mut day = Day {
        plan,
        timed,
        deferred: Vec::new(),
    };
    let standing_cost = day.cost();

    let (placement, fewest_changes) = best_placement(&replan, &day, request.max_changes);
    if let Some(edit) = placement {
        let vehicle = edit.routes[0].0;
        day.apply(edit);
        relieve(&replan, &mut day, vehicle, request.max_changes);
    }

    let solution = construction::build_solution(&replan_problem.problem, &day.plan);
    let objective = super::checked(&replan_problem.problem, &solution)?;

    let unassigned = solution
        .unassigned
        .iter()
        .find(|u| u.job == emergency)
        .map(|left_out| {
            let ticket = request.emergency;
            match (left_out.reason, fewest_changes) {
                (_, Some(needed)) => UnassignedTicket {
                    ticket_id: ticket.id().clone(),
                    reason: TOO_MANY_CHANGES.to_string(),
                    detail: format!(
                        "placing it changes at least {needed} other visits; max_changes is {}",
                        request.max_changes
                    ),
                },
                // A severity-1 fault is what overtime is for: say how much
                // would bring someone.
                (reason, _) => UnassignedTicket {
                    ticket_id: ticket.id().clone(),
                    reason: reason_code(reason).to_string(),
                    detail: explain(roster.hub, roster.date, ticket, reason, &replan_problem)
                        + &overtime_fix(&replan_problem, &solution, emergency, reason),
                },
            }
        });

    let routes = assemble_routes(roster, &restarts, &replan_problem, &solution.routes);
    let changes = changes(&replan_problem, &replan, &solution.routes, &day.deferred);
    let placement = solution.routes.iter().find_map(|route| {
        route.stops.iter().find_map(|stop| {
            (stop.kind == StopKind::Job(emergency)).then(|| Placement {
                engineer_id: replan_problem.engineers[route.vehicle].id().clone(),
                arrival: replan_problem.at(stop.arrival),
                on_site_by: request.emergency.deadlines().on_site_by,
                late_minutes: (stop.lateness + 59) / 60,
            })
        })
    });
    let stored_routes: HashMap<&EngineerId, &EngineerRoute> =
        roster.routes.iter().map(|r| (&r.engineer_id, r)).collect();
    let mut affected: Vec<EngineerId> = routes
        .iter()
        .filter(|r| stored_routes.get(&r.engineer_id) != Some(r))
        .map(|r| r.engineer_id.clone())
        .chain(
            roster
                .routes
                .iter()
                .filter(|s| !routes.iter().any(|r| r.engineer_id == s.engineer_id))
                .map(|s| s.engineer_id.clone()),
        )
        .collect();
    affected.sort();

    let replanned_visits: Vec<&Visit> = routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| {
            replan_problem
                .tickets
                .iter()
                .any(|t| t.id() == &v.ticket_id)
        })
        .collect();
    let mut fault_unassigned: Vec<UnassignedTicket> = unassigned.iter().cloned().collect();
    fault_unassigned.extend(day.deferred.iter().map(|&job| UnassignedTicket {
        ticket_id: replan_problem.tickets[job].id().clone(),
        reason: DEFERRED.to_string(),
        detail: match &placement {
            Some(placed) => format!(
                "gave way to severity-1 fault {} ({} on site at {}); plan it another day",
                request.emergency.id(),
                placed.engineer_id,
                placed.arrival.with_timezone(&crate::domain::service_offset()).format("%H:%M"),
            ),
            None => format!(
                "gave way to severity-1 fault {}; plan it another day",
                request.emergency.id()
            ),
        },
    }));
    let mut loaners = roster.loaners.clone();
    for loaner in loaners::loaners_for(&replan_problem, &replanned_visits, &fault_unassigned) {
        if !loaners.iter().any(|l| l.ticket_id == loaner.ticket_id) {
            loaners.push(loaner);
        }
    }
    let mut all_unassigned = roster.unassigned.clone();
    all_unassigned.extend(fault_unassigned);
    let faults = routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| v.kind == VisitKind::Fault);
    let summary = RosterSummary {
        tickets: roster.summary.tickets + 1,
        assigned: faults.clone().count() as u32,
        engineers_used: routes.len() as u32,
        on_time: faults.filter(|v| v.late_minutes == 0).count() as u32,
        preventive_placed: roster.summary.preventive_placed - preventive_given_up,
        preventive_due: roster.summary.preventive_due + preventive_given_up,
        km: routes.iter().map(|r| r.km).sum(),
        // The begun part of the day is unchanged, so the day's objective
        // moves by exactly what the re-plan's did.
        objective: roster.summary.objective - standing_cost + objective.total(),
        ..roster.summary.clone()
    };
    Ok(Insertion {
        roster: Roster {
            id: None,
            created_at: Utc::now(),
            routes,
            unassigned: all_unassigned,
            loaners,
            summary,
            ..roster.clone()
        },
        placement,
        unassigned,
        changes,
        affected,
    })
}

/// The visits that changed (see [`CHANGE_TOLERANCE_SECONDS`]), by ticket id.
fn changes(
    replan_problem: &HubProblem,
    replan: &Replan,
    routes: &[Route],
    deferred: &[usize],
) -> Vec<Change> {
    let mut changes: Vec<Change> = routes
        .iter()
        .flat_map(|route| route.stops.iter().map(move |stop| (route.vehicle, stop)))
        .filter_map(|(vehicle, stop)| match stop.kind {
            StopKind::Job(job) if job != replan.emergency => {
                let (was_with, was_at) = replan.stored[job];
                (was_with != vehicle || (stop.arrival - was_at).abs() > CHANGE_TOLERANCE_SECONDS)
                    .then(|| Change {
                        ticket_id: replan_problem.tickets[job].id().clone(),
                        from_engineer: replan_problem.engineers[was_with].id().clone(),
                        to_engineer: Some(replan_problem.engineers[vehicle].id().clone()),
                        old_arrival: replan_problem.at(was_at),
                        new_arrival: Some(replan_problem.at(stop.arrival)),
                    })
            }
            _ => None,
        })
        .collect();
    changes.extend(deferred.iter().map(|&job| {
        let (was_with, was_at) = replan.stored[job];
        Change {
            ticket_id: replan_problem.tickets[job].id().clone(),
            from_engineer: replan_problem.engineers[was_with].id().clone(),
            to_engineer: None,
            old_arrival: replan_problem.at(was_at),
            new_arrival: None,
        }
    }));
    changes.sort_by(|a, b| a.ticket_id.cmp(&b.ticket_id));
    changes
}

/// Each engineer's whole day: the begun visits as stored, then the
/// re-planned ones. A route whose visits and lunch come out as stored is
/// kept exactly as stored.
fn assemble_routes(
    roster: &Roster,
    restarts: &[Restart],
    replan_problem: &HubProblem,
    replanned: &[Route],
) -> Vec<EngineerRoute> {
    let problem = &replan_problem.problem;
    let mut routes = Vec::new();
    for (vehicle_index, engineer) in replan_problem.engineers.iter().enumerate() {
        let stored = roster
            .routes
            .iter()
            .zip(restarts)
            .find(|(r, _)| &r.engineer_id == engineer.id());
        let vehicle = &problem.vehicles()[vehicle_index];
        let (mut visits, leave_at, lunch) = match stored {
            Some((route, restart)) => (
                route.visits[..restart.committed].to_vec(),
                restart.has_begun().then_some(route.leave_at),
                route.lunch.filter(|_| restart.lunch_taken),
            ),
            None => (Vec::new(), None, None),
        };
        let begun_km: f64 = visits.iter().map(|v| v.km_from_previous).sum();
        let home = vehicle.end.expect("engineers return home");
        let new_route = match replanned.iter().find(|r| r.vehicle == vehicle_index) {
            Some(route) => {
                let mut lunch = lunch;
                let mut previous = vehicle.start;
                for stop in &route.stops {
                    match stop.kind {
                        StopKind::Job(job) => {
                            let sequence = visits.len() as u32 + 1;
                            visits.push(replan_problem.visit(job, stop, sequence, previous));
                            previous = problem.jobs()[job].location;
                        }
                        StopKind::Break => lunch = Some(lunch_of(replan_problem, stop)),
                    }
                }
                Some(EngineerRoute {
                    engineer_id: engineer.id().clone(),
                    base: engineer.home(),
                    leave_at: leave_at.unwrap_or(replan_problem.at(route.departure)),
                    return_at: replan_problem.at(route.end),
                    km: begun_km + route.distance as f64 / 1000.0,
                    visits,
                    lunch,
                })
            }
            // Nothing left to do: home from where the engineer is, if the
            // day has begun at all.
            None => leave_at.map(|leave_at| EngineerRoute {
                engineer_id: engineer.id().clone(),
                base: engineer.home(),
                leave_at,
                return_at: replan_problem
                    .at(vehicle.shift.start + problem.matrix().duration(vehicle.start, home)),
                km: begun_km + problem.matrix().distance(vehicle.start, home) as f64 / 1000.0,
                visits,
                lunch,
            }),
        };
        let Some(new_route) = new_route else {
            continue;
        };
        match stored {
            Some((route, _)) if same_day(route, &new_route) => routes.push(route.clone()),
            _ => routes.push(new_route),
        }
    }
    routes.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    routes
}

fn lunch_of(replan_problem: &HubProblem, stop: &Stop) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        replan_problem.at(stop.start),
        replan_problem.at(stop.departure),
    )
}

/// Same visits at the same times and the same lunch: the route did not
/// change (its kilometres may differ in the last digit from summing legs).
fn same_day(stored: &EngineerRoute, new: &EngineerRoute) -> bool {
    stored.lunch == new.lunch
        && stored.visits.len() == new.visits.len()
        && stored.visits.iter().zip(&new.visits).all(|(a, b)| {
            a.ticket_id == b.ticket_id
                && a.arrival == b.arrival
                && a.start == b.start
                && a.departure == b.departure
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EngineerId;

    fn point(km_north: f64) -> GeoPoint {
        GeoPoint::new(30.274 + km_north / 111.32, 120.155).unwrap()
    }

    /// 2026-11-30 at `hour:minute` UTC.
    fn time(hour: u32, minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap()
    }

    fn visit(id: &str, km_north: f64, arrival: DateTime<Utc>, minutes: i64) -> Visit {
        Visit {
            sequence: 1,
            kind: VisitKind::Fault,
            ticket_id: TicketId::parse(id).unwrap(),
            location: point(km_north),
            arrival,
            start: arrival,
            departure: arrival + Duration::minutes(minutes),
            on_site_by: arrival,
            repaired_by: arrival,
            late_minutes: 0,
            km_from_previous: 1.0,
            late_reason: None,
        }
    }

    /// Leave at 01:00, A 01:30–02:30, B 03:00–04:00, lunch 04:00–04:45,
    /// C 05:00–06:00, home 06:30.
    fn route() -> EngineerRoute {
        EngineerRoute {
            engineer_id: EngineerId::parse("E1").unwrap(),
            base: point(0.0),
            leave_at: time(1, 0),
            return_at: time(6, 30),
            km: 10.0,
            visits: vec![
                visit("A", 1.0, time(1, 30), 60),
                visit("B", 2.0, time(3, 0), 60),
                visit("C", 3.0, time(5, 0), 60),
            ],
            lunch: Some((time(4, 0), time(4, 45))),
        }
    }

    #[test]
    fn before_leaving_home_nothing_is_begun() {
        let restart = restart(&route(), time(0, 30));
        assert_eq!(restart.committed, 0);
        assert!(!restart.lunch_taken && !restart.has_begun());
        assert_eq!(restart.location, None);
        assert_eq!(restart.free_at, None);
    }

    #[test]
    fn on_the_road_to_the_first_visit_the_engineer_goes_there_first() {
        let restart = restart(&route(), time(1, 10));
        assert_eq!(restart.committed, 1);
        assert_eq!(restart.location, Some(point(1.0)));
        assert_eq!(restart.free_at, Some(time(2, 30)));
    }

    #[test]
    fn during_a_visit_the_engineer_is_free_when_it_ends() {
        let restart = restart(&route(), time(3, 20));
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 0)));
        assert_eq!(restart.location, Some(point(2.0)));
    }

    #[test]
    fn waiting_for_lunch_after_a_visit_is_not_driving_to_the_next() {
        let mut route = route();
        route.lunch = Some((time(4, 10), time(4, 55)));
        let restart = restart(&route, time(4, 5));
        assert_eq!(restart.committed, 2);
        assert!(!restart.lunch_taken);
        assert_eq!(restart.free_at, Some(time(4, 0)));
    }

    #[test]
    fn after_lunch_the_next_visit_is_on_its_way() {
        let restart = restart(&route(), time(4, 50));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 3);
        assert_eq!(restart.free_at, Some(time(6, 0)));
    }

    #[test]
    fn during_lunch_the_engineer_is_free_when_it_ends() {
        let restart = restart(&route(), time(4, 20));
        assert!(restart.lunch_taken);
        assert_eq!(restart.committed, 2);
        assert_eq!(restart.free_at, Some(time(4, 45)));
    }
}
