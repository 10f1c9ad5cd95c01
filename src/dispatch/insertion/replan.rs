//! The re-planning problem: the visits of the published day not yet begun
//! and the fault as jobs, each engineer restarted from where they are at
//! the re-planning time, and the stored day it is compared with.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::placement::{Day, Replan};
use super::{InsertionError, InsertionRequest};
use crate::dispatch::call_in::keep_overtime;
use crate::dispatch::continuation::Continuation;
use crate::dispatch::{DispatchError, HubDay, HubProblem, keep_stored_lengths};
use crate::domain::{EngineerId, PartAction, Roster, Ticket, TicketId, VisitKind};
use crate::optimize::Problem;
use crate::travel::TravelModel;

/// Everything the placement and the outcome need about the day being
/// changed.
pub(super) struct Replanning {
    /// Job `i < emergency` is a visit not yet begun; job `emergency` is the
    /// fault. Vehicles restart where their engineers are.
    pub(super) hub_problem: HubProblem,
    pub(super) emergency: usize,
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
        let continuations: Vec<Continuation> = roster
            .routes
            .iter()
            .map(|r| Continuation::of(r, request.at))
            .collect();
        let remaining = Remaining::of(request, &continuations)?;
        let emergency = remaining.tickets.len();
        let mut tickets = remaining.tickets;
        tickets.push(request.emergency.clone());
        // The day continues from where everyone is at `at`; the analyses
        // not yet begun give way and are not planned again here.
        let day = HubDay::new(roster.hub, roster.date, tickets, request.engineers.to_vec())?
            .with_now(request.at)
            .with_published(Roster {
                parts: Vec::new(),
                loaners: Vec::new(),
                ..roster.clone()
            })?;
        let built = HubProblem::build(&day, 1, travel)?;
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
        for route in &roster.routes {
            find_vehicle(&route.engineer_id)?;
        }
        // Each visit not yet begun keeps the length it was planned with (a
        // diagnosis stays a diagnosis; the roster's parts are not rebuilt).
        let mut jobs = built.problem.jobs().to_vec();
        keep_stored_lengths(roster, &built.tickets, &mut jobs);
        let problem = Problem::new(
            built.problem.matrix().clone(),
            jobs,
            built.problem.vehicles().to_vec(),
        )
        .map_err(DispatchError::from)?;
        let mut hub_problem = HubProblem { problem, ..built };

        let mut stored = Vec::with_capacity(emergency + 1);
        for (engineer, arrival) in &remaining.stored {
            stored.push((find_vehicle(engineer)?, hub_problem.seconds(*arrival)));
        }
        let mut plan = vec![Vec::new(); hub_problem.engineers.len()];
        for (job, (vehicle, _)) in stored.iter().enumerate() {
            plan[*vehicle].push(job);
        }
        keep_overtime(&mut hub_problem, &plan)?;
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
    fn of(
        request: &InsertionRequest<'a>,
        continuations: &[Continuation],
    ) -> Result<Self, InsertionError> {
        let by_id: HashMap<&TicketId, &Ticket> =
            request.tickets.iter().map(|t| (t.id(), t)).collect();
        let mut remaining = Remaining {
            tickets: Vec::new(),
            stored: Vec::new(),
            preventive_given_up: 0,
        };
        for (route, continuation) in request.roster.routes.iter().zip(continuations) {
            for visit in continuation.remaining() {
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
