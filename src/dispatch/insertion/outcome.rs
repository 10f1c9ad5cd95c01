//! The outcome of an insertion: the fault's placement or the reason it has
//! none, the visits that changed, each engineer's whole day (begun part as
//! stored, the rest re-planned), loaners and the roster's new revision.

use std::collections::HashMap;

use chrono::Utc;

use super::placement::Replan;
use super::replan::Replanning;
use super::{CHANGE_TOLERANCE_SECONDS, Change, Insertion, InsertionRequest, Placement};
use crate::dispatch::roster::{engineer_route, explain, overtime_fix, reason_code};
use crate::dispatch::{HubProblem, loaners};
use crate::domain::{
    EngineerId, EngineerRoute, ReasonCode, Roster, RosterSummary, UnassignedTicket, Visit,
    VisitKind, service_offset,
};
use crate::optimize::{Route, Solution, StopKind};

/// What the re-plan did, in the roster's terms.
pub(super) struct Outcome<'a> {
    pub(super) request: &'a InsertionRequest<'a>,
    pub(super) replanning: &'a Replanning,
    pub(super) solution: &'a Solution,
    /// Visits that gave way to the fault.
    pub(super) deferred: &'a [usize],
    /// The fewest changes any feasible placement needs.
    pub(super) fewest_changes: Option<usize>,
    /// The objective of the day as it stood and of the re-plan.
    pub(super) standing_cost: i64,
    pub(super) objective: i64,
}

impl Outcome<'_> {
    pub(super) fn insertion(&self) -> Insertion {
        let (request, replanning) = (self.request, self.replanning);
        let roster = request.roster;
        let hub_problem = &replanning.hub_problem;
        let replan = replanning.replan();
        let unassigned = self.fault_left_out();
        let routes = assemble_routes(roster, hub_problem, &self.solution.routes);
        let changes = changes(hub_problem, &replan, &self.solution.routes, self.deferred);
        let placement = self.placement();
        let affected = affected(roster, &routes);
        let replanned_visits: Vec<&Visit> = routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| hub_problem.tickets.iter().any(|t| t.id() == &v.ticket_id))
            .collect();
        let mut fault_unassigned: Vec<UnassignedTicket> = unassigned.iter().cloned().collect();
        fault_unassigned.extend(self.deferred_visits(placement.as_ref()));
        let mut loaners = roster.loaners.clone();
        for loaner in loaners::loaners_for(hub_problem, &replanned_visits, &fault_unassigned) {
            if !loaners.iter().any(|l| l.ticket_id == loaner.ticket_id) {
                loaners.push(loaner);
            }
        }
        let mut all_unassigned = roster.unassigned.clone();
        all_unassigned.extend(fault_unassigned);
        let summary = self.summary(&routes);
        Insertion {
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
        }
    }

    /// Why the fault could not be placed, when it could not: over the
    /// change budget, or nobody can take it (and what overtime would).
    fn fault_left_out(&self) -> Option<UnassignedTicket> {
        let (request, replanning) = (self.request, self.replanning);
        let roster = request.roster;
        self.solution
            .unassigned
            .iter()
            .find(|u| u.job == replanning.emergency)
            .map(|left_out| {
                let ticket = request.emergency;
                match (left_out.reason, self.fewest_changes) {
                    (_, Some(needed)) => UnassignedTicket {
                        ticket_id: ticket.id().clone(),
                        reason: ReasonCode::TooManyChanges,
                        detail: format!(
                            "placing it changes at least {needed} other visits; max_changes is {}",
                            request.max_changes
                        ),
                    },
                    // A severity-1 fault is what overtime is for: say how
                    // much would bring someone.
                    (reason, _) => UnassignedTicket {
                        ticket_id: ticket.id().clone(),
                        reason: reason_code(reason),
                        detail: explain(
                            roster.hub,
                            roster.date,
                            ticket,
                            reason,
                            &replanning.hub_problem,
                        ) + &overtime_fix(
                            &replanning.hub_problem,
                            self.solution,
                            replanning.emergency,
                            reason,
                        ),
                    },
                }
            })
    }

    /// Who serves the fault, and when.
    fn placement(&self) -> Option<Placement> {
        let hub_problem = &self.replanning.hub_problem;
        let emergency = self.replanning.emergency;
        self.solution.routes.iter().find_map(|route| {
            route.stops.iter().find_map(|stop| {
                (stop.kind == StopKind::Job(emergency)).then(|| Placement {
                    engineer_id: hub_problem.engineers[route.vehicle].id().clone(),
                    arrival: hub_problem.at(stop.arrival),
                    on_site_by: self.request.emergency.deadlines().on_site_by,
                    late_minutes: (stop.lateness + 59) / 60,
                })
            })
        })
    }

    /// The visits that gave way, listed unassigned.
    fn deferred_visits(&self, placement: Option<&Placement>) -> Vec<UnassignedTicket> {
        let hub_problem = &self.replanning.hub_problem;
        let fault = self.request.emergency.id();
        self.deferred
            .iter()
            .map(|&job| UnassignedTicket {
                ticket_id: hub_problem.tickets[job].id().clone(),
                reason: ReasonCode::DeferredForEmergency,
                detail: match placement {
                    Some(placed) => format!(
                        "gave way to severity-1 fault {fault} ({} on site at {}); plan it another day",
                        placed.engineer_id,
                        placed.arrival.with_timezone(&service_offset()).format("%H:%M"),
                    ),
                    None => format!("gave way to severity-1 fault {fault}; plan it another day"),
                },
            })
            .collect()
    }

    /// The summary of the new revision: the day's counts, and its
    /// objective moved by exactly what the re-plan's did (the begun part
    /// of the day is unchanged).
    fn summary(&self, routes: &[EngineerRoute]) -> RosterSummary {
        let roster = self.request.roster;
        let given_up = self.replanning.preventive_given_up;
        let faults = routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| v.kind == VisitKind::Fault);
        RosterSummary {
            tickets: roster.summary.tickets + 1,
            assigned: faults.clone().count() as u32,
            engineers_used: routes.len() as u32,
            on_time: faults.filter(|v| v.late_minutes == 0).count() as u32,
            preventive_placed: roster.summary.preventive_placed - given_up,
            preventive_due: roster.summary.preventive_due + given_up,
            km: routes.iter().map(|r| r.km).sum(),
            objective: roster.summary.objective - self.standing_cost + self.objective,
            ..roster.summary.clone()
        }
    }
}

/// Engineers whose routes differ from the stored roster, sorted.
fn affected(roster: &Roster, routes: &[EngineerRoute]) -> Vec<EngineerId> {
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
    affected
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
/// re-planned ones (see [`crate::dispatch::Continuation`]). A route whose
/// visits and lunch come out as stored is kept exactly as stored.
fn assemble_routes(
    roster: &Roster,
    replan_problem: &HubProblem,
    replanned: &[Route],
) -> Vec<EngineerRoute> {
    let mut routes = Vec::new();
    for (vehicle, engineer) in replan_problem.engineers.iter().enumerate() {
        let route = replanned.iter().find(|r| r.vehicle == vehicle);
        let Some(new_route) = engineer_route(replan_problem, vehicle, route) else {
            continue;
        };
        match roster
            .routes
            .iter()
            .find(|r| &r.engineer_id == engineer.id())
        {
            Some(stored) if same_day(stored, &new_route) => routes.push(stored.clone()),
            _ => routes.push(new_route),
        }
    }
    routes.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    routes
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
