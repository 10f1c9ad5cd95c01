//! The re-planning problem: the visits of the published day not yet begun
//! and the fault as jobs, each engineer restarted from where they are at
//! the re-planning time, and the stored day it is compared with.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::placement::{Day, Replan};
use super::restart::{Restart, restart};
use super::{InsertionError, InsertionRequest};
use crate::dispatch::parts::DIAGNOSIS_MINUTES;
use crate::dispatch::{DispatchError, HubDay, HubProblem, LUNCH_LATEST};
use crate::domain::{EngineerId, GeoPoint, PartAction, Ticket, TicketId, VisitKind};
use crate::optimize::{Problem, Vehicle, Window};
use crate::travel::TravelModel;

/// Everything the placement and the outcome need about the day being
/// changed.
pub(super) struct Replanning {
    /// Job `i < emergency` is a visit not yet begun; job `emergency` is the
    /// fault. Vehicles restart where their engineers are.
    pub(super) hub_problem: HubProblem,
    pub(super) emergency: usize,
    /// Per stored route (as in the roster), where its engineer is.
    pub(super) restarts: Vec<Restart>,
    /// Per job: the vehicle and arrival (seconds) of the stored roster;
    /// the fault has none.
    pub(super) stored: Vec<(usize, i64)>,
    pub(super) pinned: Vec<bool>,
    pub(super) deferrable: Vec<bool>,
    /// Analyses not yet begun: slack filler the emergency takes.
    pub(super) preventive_given_up: u32,
}

impl Replanning {
    pub(super) fn build(
        request: &InsertionRequest,
        travel: &dyn TravelModel,
    ) -> Result<Self, InsertionError> {
        let roster = request.roster;
        let restarts: Vec<Restart> = roster
            .routes
            .iter()
            .map(|r| restart(r, request.at))
            .collect();
        let remaining = Remaining::of(request, &restarts)?;
        let emergency = remaining.tickets.len();
        let mut tickets = remaining.tickets;
        tickets.push(request.emergency.clone());
        let extra: Vec<GeoPoint> = restarts.iter().filter_map(|r| r.location).collect();
        let day = HubDay::new(roster.hub, roster.date, tickets, request.engineers.to_vec())?;
        let (built, first_extra) = HubProblem::build_with_points(&day, 1, travel, &extra)?;
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
        let vehicles = restarted(request, &built, &restarts, first_extra, &find_vehicle)?;
        let jobs = diagnoses_kept_short(request, &built);
        let problem = Problem::new(built.problem.matrix().clone(), jobs, vehicles)
            .map_err(DispatchError::from)?;
        let hub_problem = HubProblem { problem, ..built };

        let mut stored = Vec::with_capacity(emergency + 1);
        for (engineer, arrival) in &remaining.stored {
            stored.push((find_vehicle(engineer)?, hub_problem.seconds(*arrival)));
        }
        stored.push((usize::MAX, 0));
        Ok(Self {
            pinned: pinned(request, &hub_problem.tickets),
            deferrable: hub_problem
                .tickets
                .iter()
                .map(|t| t.severity() > request.emergency.severity())
                .collect(),
            hub_problem,
            emergency,
            restarts,
            stored,
            preventive_given_up: remaining.preventive_given_up,
        })
    }

    /// The view of the re-plan the placement works on.
    pub(super) fn replan(&self) -> Replan<'_> {
        Replan {
            problem: &self.hub_problem.problem,
            emergency: self.emergency,
            stored: &self.stored,
            pinned: &self.pinned,
            deferrable: &self.deferrable,
        }
    }

    /// The day as it stands, re-timed from where everyone is.
    pub(super) fn standing_day(&self) -> Result<Day, InsertionError> {
        let replan = self.replan();
        let mut plan: Vec<Vec<usize>> = vec![Vec::new(); self.hub_problem.engineers.len()];
        for (job, (vehicle, _)) in self.stored.iter().enumerate().take(self.emergency) {
            plan[*vehicle].push(job);
        }
        let mut timed = Vec::with_capacity(plan.len());
        for (vehicle, jobs) in plan.iter().enumerate() {
            timed.push(replan.time(vehicle, jobs).ok_or_else(|| {
                InsertionError::CannotContinue(self.hub_problem.engineers[vehicle].id().to_string())
            })?);
        }
        Ok(Day {
            plan,
            timed,
            deferred: Vec::new(),
        })
    }
}

/// The stored visits not yet begun, route by route, with their engineer
/// and arrival.
struct Remaining<'a> {
    tickets: Vec<Ticket>,
    stored: Vec<(&'a EngineerId, DateTime<Utc>)>,
    preventive_given_up: u32,
}

impl<'a> Remaining<'a> {
    fn of(request: &InsertionRequest<'a>, restarts: &[Restart]) -> Result<Self, InsertionError> {
        let by_id: HashMap<&TicketId, &Ticket> =
            request.tickets.iter().map(|t| (t.id(), t)).collect();
        let mut remaining = Remaining {
            tickets: Vec::new(),
            stored: Vec::new(),
            preventive_given_up: 0,
        };
        for (route, restart) in request.roster.routes.iter().zip(restarts) {
            for visit in &route.visits[restart.committed..] {
                if visit.kind == VisitKind::Preventive {
                    // Slack filler: an emergency takes the slack, and the
                    // analysis stays due for another day.
                    remaining.preventive_given_up += 1;
                    continue;
                }
                let ticket = by_id
                    .get(&visit.ticket_id)
                    .ok_or_else(|| InsertionError::MissingTicket(visit.ticket_id.to_string()))?;
                remaining.tickets.push((*ticket).clone());
                remaining.stored.push((&route.engineer_id, visit.arrival));
            }
        }
        Ok(remaining)
    }
}

/// Each engineer's remaining day, from where they are: a vehicle that
/// starts at the last committed site (or home), when they are free and not
/// before the re-planning time, with the working time already used
/// deducted and the lunch dropped once taken or past.
fn restarted(
    request: &InsertionRequest,
    built: &HubProblem,
    restarts: &[Restart],
    first_extra: usize,
    find_vehicle: &dyn Fn(&EngineerId) -> Result<usize, InsertionError>,
) -> Result<Vec<Vehicle>, InsertionError> {
    let at_seconds = built.seconds(request.at);
    let mut vehicles = built.problem.vehicles().to_vec();
    let mut restarted = vec![false; vehicles.len()];
    let mut extra_index = first_extra;
    for (route, restart) in request.roster.routes.iter().zip(restarts) {
        let vehicle_index = find_vehicle(&route.engineer_id)?;
        restarted[vehicle_index] = true;
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
    for (vehicle, _) in vehicles.iter_mut().zip(&restarted).filter(|(_, r)| !**r) {
        let start = vehicle.shift.start.max(at_seconds);
        vehicle.shift = Window {
            start,
            end: vehicle.shift.end.max(start),
        };
        if start > LUNCH_LATEST {
            vehicle.lunch = None;
        }
    }
    Ok(vehicles)
}

/// A visit whose part was ordered is today's diagnosis, not the repair: it
/// keeps its diagnosis length when re-timed.
fn diagnoses_kept_short(
    request: &InsertionRequest,
    built: &HubProblem,
) -> Vec<crate::optimize::Job> {
    let diagnosed: HashSet<&TicketId> = request
        .roster
        .parts
        .iter()
        .filter(|p| p.action == PartAction::Ordered)
        .map(|p| &p.ticket_id)
        .collect();
    let mut jobs = built.problem.jobs().to_vec();
    for (job, ticket) in jobs.iter_mut().zip(&built.tickets) {
        if diagnosed.contains(ticket.id()) {
            job.service = job.service.min(i64::from(DIAGNOSIS_MINUTES) * 60);
        }
    }
    jobs
}

/// Pinned visits, and swaps whose part was taken from their engineer's
/// shelf: they stay with that engineer, since nobody else carries the part.
fn pinned(request: &InsertionRequest, tickets: &[Ticket]) -> Vec<bool> {
    let pinned_ids: HashSet<&TicketId> = request
        .pinned
        .iter()
        .chain(
            request
                .roster
                .parts
                .iter()
                .filter(|p| p.action == PartAction::Reserved)
                .map(|p| &p.ticket_id),
        )
        .collect();
    tickets
        .iter()
        .map(|t| pinned_ids.contains(t.id()))
        .collect()
}
