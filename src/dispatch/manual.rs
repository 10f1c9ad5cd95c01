//! Rule 12: a coordinator's hand on a published day. A visit is moved to
//! another engineer (or to another place in the same engineer's day, or
//! from the unassigned list onto a route) by hand; Ruyi re-times the two
//! routes it touches with the core's exact [`schedule`], checks them with
//! the independent [`check`](crate::optimize::check), and refuses with the
//! rule the move would break: a skill the engineer lacks, a severity-1
//! fault for a non-senior engineer, a station that does not serve the
//! site, a part on another shelf, a day past the shift's end or over its
//! working limit.
//!
//! The same move keeps pinned visits with their engineer after a re-plan
//! ([`keep_pins`]): the search plans the day, and every pinned visit it
//! gave to someone else (or left out) moves back to its engineer at the
//! cheapest place that keeps their day within its rules.
//!
//! The problem is rebuilt from the roster the way the planner built it
//! ([`HubProblem::build`] over the tickets of the routes involved, one day,
//! parts as the roster decided them: a diagnosis stays a diagnosis), so a
//! stored route re-times to its stored times. The past stays as it was:
//! at the hand's `now` ([`ManualDay::now`]) a visit begun is not moved,
//! no visit begun on the routes involved changes its time, and no visit
//! is placed to start before `now`. Depends on `domain`, `optimize` and
//! `travel`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::preventive::{ANALYSIS_MINUTES, ANALYSIS_SKILL};
use super::roster::engineer_route;
use super::translate::{DAY_SECONDS, candidate_stations};
use super::{DispatchError, HubDay, HubProblem, checked};
use crate::domain::{
    Certification, DueVisit, Engineer, EngineerBase, EngineerId, EngineerRoute, EngineerState,
    KeyCustomer, PartAction, ReasonCode, Roster, StockPoint, Ticket, TicketId, TicketStatus,
    VisitKind, service_offset,
};
use crate::optimize::{
    Job, Problem, Stop, StopKind, Window, build_solution, schedule, schedule_as,
};
use crate::travel::TravelModel;

/// The published day a coordinator changes, and what it needs besides.
#[derive(Debug, Clone, Copy)]
pub struct ManualDay<'a> {
    pub roster: &'a Roster,
    /// The hub's tickets (at least those the roster visits or leaves out).
    pub tickets: &'a [Ticket],
    /// The hub region's engineers.
    pub engineers: &'a [Engineer],
    /// The hub's key customers, for the preventive visits on its routes.
    pub key_customers: &'a [KeyCustomer],
    /// Visits pinned to an engineer: no move takes them elsewhere.
    pub pinned: &'a [(TicketId, EngineerId)],
    /// When the hand acts: what began before stays as it was.
    pub now: DateTime<Utc>,
    /// What the engineers reported today: each day continues from where
    /// its engineer said they are (no entry: as the route has it).
    pub states: &'a HashMap<EngineerId, EngineerState>,
}

/// Which visit goes where.
#[derive(Debug, Clone, Copy)]
pub struct MoveRequest<'a> {
    /// A ticket on a route or on the unassigned list, or a preventive
    /// visit (`PM-…`).
    pub ticket: &'a TicketId,
    pub to: &'a EngineerId,
    /// 1-based place in the engineer's day; `None`: the cheapest place.
    pub position: Option<usize>,
}

/// Why a move was refused. Every variant but the last names the request
/// field to fix ([`MoveRefusal::field`]).
#[derive(Debug, thiserror::Error)]
pub enum MoveRefusal {
    #[error("{0} is neither visited nor left out on the roster")]
    NotOnRoster(String),
    #[error("ticket {0} is {1}: only an open or planned ticket is moved")]
    Closed(String, &'static str),
    #[error("ticket {0} waits for its part; its repair visit is planned when the part arrives")]
    AwaitingPart(String),
    #[error("{0} is not an engineer of the {1} hub")]
    UnknownEngineer(String, String),
    #[error("{0} does not work on {1}")]
    NotWorking(String, String),
    #[error("{ticket} is pinned to {engineer}; unpin it first")]
    Pinned { ticket: String, engineer: String },
    #[error("{engineer} lacks the {skill} skill that {ticket} needs")]
    MissingSkill {
        engineer: String,
        skill: String,
        ticket: String,
    },
    #[error("{ticket} is a severity-1 fault: it needs a senior engineer, and {engineer} is not")]
    NotSenior { ticket: String, engineer: String },
    #[error(
        "{engineer}'s base is not among those that serve the site of {ticket} \
         (stations within 120 km, or the two nearest where none is; hub engineers serve all)"
    )]
    OutOfReach { engineer: String, ticket: String },
    #[error(
        "the {part} for {ticket} was taken from the shelf of {base}; only its engineers carry it"
    )]
    PartElsewhere {
        ticket: String,
        part: String,
        base: String,
    },
    #[error("position {position} is past the end of {engineer}'s day ({visits} visits)")]
    Position {
        position: usize,
        engineer: String,
        visits: usize,
    },
    #[error("{engineer}'s day would end at {ends}, after the shift ends at {shift_end}")]
    ShiftEnd {
        engineer: String,
        ends: String,
        shift_end: String,
    },
    #[error("{engineer} would work {worked}, over the {limit} the shift allows")]
    WorkingTime {
        engineer: String,
        worked: String,
        limit: String,
    },
    #[error("{ticket}'s visit began at {began}; a visit under way or done is not moved")]
    Begun { ticket: String, began: String },
    #[error("{engineer} is on the way to {ticket}; the visit being driven to is not moved")]
    EnRoute { ticket: String, engineer: String },
    #[error(
        "every place in {engineer}'s day would start a visit before now ({now}) or change one \
         already begun"
    )]
    Past { engineer: String, now: String },
    #[error("no time in {engineer}'s day fits {ticket} there (lunch and the visits' windows)")]
    NoFit { engineer: String, ticket: String },
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
}

impl MoveRefusal {
    /// The request field to name in a refusal; `None` for a fault of ours.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            MoveRefusal::NotOnRoster(_)
            | MoveRefusal::Closed(..)
            | MoveRefusal::AwaitingPart(_)
            | MoveRefusal::Pinned { .. }
            | MoveRefusal::Begun { .. }
            | MoveRefusal::EnRoute { .. }
            | MoveRefusal::PartElsewhere { .. } => Some("ticket_id"),
            MoveRefusal::Position { .. } => Some("position"),
            MoveRefusal::UnknownEngineer(..)
            | MoveRefusal::NotWorking(..)
            | MoveRefusal::MissingSkill { .. }
            | MoveRefusal::NotSenior { .. }
            | MoveRefusal::OutOfReach { .. }
            | MoveRefusal::ShiftEnd { .. }
            | MoveRefusal::WorkingTime { .. }
            | MoveRefusal::Past { .. }
            | MoveRefusal::NoFit { .. } => Some("engineer_id"),
            MoveRefusal::Dispatch(error) if error.is_client_fault() => Some("ticket_id"),
            MoveRefusal::Dispatch(_) => None,
        }
    }
}

/// An instant as China Standard Time's hours and minutes.
fn clock_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&service_offset())
        .format("%H:%M")
        .to_string()
}

/// A move done: the day's new revision and where the visit went.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub roster: Roster,
    /// `None`: it was on the unassigned list.
    pub from: Option<EngineerId>,
    pub to: EngineerId,
    pub arrival: DateTime<Utc>,
    pub late_minutes: i64,
    /// The engineers whose day changed, sorted.
    pub affected: Vec<EngineerId>,
}

/// Moves one visit by hand (see the module docs): the routes it leaves
/// and joins re-timed and checked, everything else as stored.
pub fn move_visit(
    day: &ManualDay,
    request: &MoveRequest,
    travel: &dyn TravelModel,
) -> Result<Moved, MoveRefusal> {
    let roster = day.roster;
    let from = roster
        .routes
        .iter()
        .position(|r| r.visits.iter().any(|v| &v.ticket_id == request.ticket));
    let left_out = roster
        .unassigned
        .iter()
        .find(|u| &u.ticket_id == request.ticket);
    if from.is_none() && left_out.is_none() {
        return Err(MoveRefusal::NotOnRoster(request.ticket.to_string()));
    }
    if let Some(left_out) = left_out
        && left_out.reason == ReasonCode::AwaitingPart
    {
        return Err(MoveRefusal::AwaitingPart(request.ticket.to_string()));
    }
    if let Some(visit) = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| &v.ticket_id == request.ticket && v.start <= day.now)
    {
        return Err(MoveRefusal::Begun {
            ticket: request.ticket.to_string(),
            began: clock_time(visit.start),
        });
    }
    if let Some((_, engineer)) = day
        .pinned
        .iter()
        .find(|(ticket, engineer)| ticket == request.ticket && engineer != request.to)
    {
        return Err(MoveRefusal::Pinned {
            ticket: request.ticket.to_string(),
            engineer: engineer.to_string(),
        });
    }
    let target = day
        .engineers
        .iter()
        .find(|e| e.id() == request.to && e.region() == roster.hub)
        .ok_or_else(|| {
            MoveRefusal::UnknownEngineer(request.to.to_string(), roster.hub.to_string())
        })?;
    let to_route = roster
        .routes
        .iter()
        .position(|r| &r.engineer_id == request.to);
    let from_engineer = from.map(|f| roster.routes[f].engineer_id.clone());

    // The routes involved, and the moved visit when it is on none of them.
    let mut involved: Vec<&EngineerRoute> = Vec::new();
    for index in [from, to_route].into_iter().flatten() {
        if !involved
            .iter()
            .any(|r| r.engineer_id == roster.routes[index].engineer_id)
        {
            involved.push(&roster.routes[index]);
        }
    }
    let revision = Revision::build(day, &involved, left_out.map(|_| request.ticket), travel)?;
    let vehicle = revision
        .vehicle_of(target.id())
        .ok_or_else(|| MoveRefusal::NotWorking(target.id().to_string(), roster.date.to_string()))?;
    // A visit not begun but committed is the one its engineer is driving to.
    let job = revision
        .job_of(request.ticket)
        .ok_or_else(|| MoveRefusal::EnRoute {
            ticket: request.ticket.to_string(),
            engineer: from_engineer
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        })?;
    revision.may_serve(day, target, vehicle, job)?;

    let mut plan = revision.plan.clone();
    for jobs in plan.iter_mut() {
        jobs.retain(|&j| j != job);
    }
    let candidates: Vec<usize> = match request.position {
        Some(position) if position == 0 || position > plan[vehicle].len() + 1 => {
            return Err(MoveRefusal::Position {
                position,
                engineer: target.id().to_string(),
                visits: plan[vehicle].len(),
            });
        }
        Some(position) => vec![position - 1],
        None => (0..=plan[vehicle].len()).collect(),
    };
    let problem = &revision.hub_problem.problem;
    let mut best: Option<(i64, Vec<usize>)> = None;
    let mut first_refused: Option<Vec<usize>> = None;
    let mut kept_the_past = false;
    for place in candidates {
        let mut jobs = plan[vehicle].clone();
        jobs.insert(place, job);
        match schedule(problem, vehicle, &jobs) {
            Some(timed) if revision.keeps_the_past(day, &timed.route.stops) => {
                kept_the_past = true;
                let cost = timed.travel_cost + timed.lateness_cost;
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, jobs));
                }
            }
            Some(_) => {}
            None => {
                first_refused.get_or_insert(jobs);
            }
        }
    }
    let Some((_, jobs)) = best else {
        return Err(match first_refused {
            Some(jobs) if !kept_the_past => revision.why_not(vehicle, &jobs, request.ticket),
            _ => MoveRefusal::Past {
                engineer: target.id().to_string(),
                now: clock_time(day.now),
            },
        });
    };
    plan[vehicle] = jobs;
    if let Some(left) = from.and_then(|f| revision.vehicle_of(&roster.routes[f].engineer_id))
        && left != vehicle
    {
        // The day the visit leaves must keep its past too.
        let timed = schedule(problem, left, &plan[left]);
        if timed.is_none_or(|timed| !revision.keeps_the_past(day, &timed.route.stops)) {
            return Err(MoveRefusal::Past {
                engineer: revision.hub_problem.engineers[left].id().to_string(),
                now: clock_time(day.now),
            });
        }
    }
    let roster = revision.revised(day, &plan)?;
    let (arrival, late_minutes) = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| &v.ticket_id == request.ticket)
        .map(|v| (v.arrival, v.late_minutes))
        .expect("the moved visit is on a route");
    let mut affected: Vec<EngineerId> = involved
        .iter()
        .map(|r| r.engineer_id.clone())
        .chain([target.id().clone()])
        .collect();
    affected.sort();
    affected.dedup();
    Ok(Moved {
        roster,
        from: from_engineer,
        to: target.id().clone(),
        arrival,
        late_minutes,
        affected,
    })
}

/// A pin the re-planned day could not keep, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenPin {
    pub ticket_id: TicketId,
    pub engineer_id: EngineerId,
    pub reason: String,
}

/// Puts every pinned visit of `day.pinned` back with its engineer after a
/// re-plan (see the module docs). Returns the day and the pins it could
/// not keep, with the rule each would break.
pub fn keep_pins(
    day: &ManualDay,
    travel: &dyn TravelModel,
) -> Result<(Roster, Vec<BrokenPin>), DispatchError> {
    let mut roster = day.roster.clone();
    let mut broken = Vec::new();
    for (ticket, engineer) in day.pinned {
        let kept = roster
            .routes
            .iter()
            .any(|r| &r.engineer_id == engineer && r.visits.iter().any(|v| &v.ticket_id == ticket));
        let known = kept
            || roster
                .routes
                .iter()
                .any(|r| r.visits.iter().any(|v| &v.ticket_id == ticket))
            || roster.unassigned.iter().any(|u| &u.ticket_id == ticket);
        if kept || !known {
            if !known {
                broken.push(BrokenPin {
                    ticket_id: ticket.clone(),
                    engineer_id: engineer.clone(),
                    reason: "the ticket is no longer in the day's plan".to_string(),
                });
            }
            continue;
        }
        let moving = ManualDay {
            roster: &roster,
            // The other pins hold while this one moves.
            pinned: &[],
            ..*day
        };
        match move_visit(
            &moving,
            &MoveRequest {
                ticket,
                to: engineer,
                position: None,
            },
            travel,
        ) {
            Ok(moved) => roster = moved.roster,
            Err(MoveRefusal::Dispatch(error)) => return Err(error),
            Err(refusal) => broken.push(BrokenPin {
                ticket_id: ticket.clone(),
                engineer_id: engineer.clone(),
                reason: refusal.to_string(),
            }),
        }
    }
    Ok((roster, broken))
}

/// What keeping a day's pins needs besides the re-planned roster: the
/// hub's tickets, engineers and key customers, and the pins.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    pub tickets: Vec<Ticket>,
    pub engineers: Vec<Engineer>,
    pub key_customers: Vec<KeyCustomer>,
    pub pinned: Vec<(TicketId, EngineerId)>,
    /// What the engineers reported today (see [`ManualDay::states`]).
    pub states: HashMap<EngineerId, EngineerState>,
}

impl Pins {
    /// `roster` with every pin it can keep put back (see [`keep_pins`]),
    /// as the roster was made (just before its "now"), and the pins it
    /// could not keep with the rule each would break (also logged). Pins
    /// never cost the day its plan: should putting them back fail, the
    /// plan stands as the search made it and every pin not already kept is
    /// reported broken.
    pub fn keep(&self, roster: Roster, travel: &dyn TravelModel) -> (Roster, Vec<BrokenPin>) {
        if self.pinned.is_empty() {
            return (roster, Vec::new());
        }
        let made = roster.created_at;
        let kept = keep_pins(
            &ManualDay {
                roster: &roster,
                tickets: &self.tickets,
                engineers: &self.engineers,
                key_customers: &self.key_customers,
                pinned: &self.pinned,
                // The roster was made at its "now" and sends engineers off
                // at that instant at the earliest: nobody has acted on it
                // yet. Seen from the second before, a route leaving at
                // "now" is not yet on the road and the pins may change it;
                // what the plan kept from earlier began before that.
                now: roster.now - chrono::Duration::seconds(1),
                states: &self.states,
            },
            travel,
        );
        let (roster, broken) = match kept {
            Ok(kept) => kept,
            Err(error) => {
                tracing::warn!(%error, "pins not put back; the plan stands without them");
                let reason = format!("the pins could not be put back: {error}");
                let broken = self
                    .pinned
                    .iter()
                    .filter(|(ticket, engineer)| {
                        !roster.routes.iter().any(|r| {
                            &r.engineer_id == engineer
                                && r.visits.iter().any(|v| &v.ticket_id == ticket)
                        })
                    })
                    .map(|(ticket, engineer)| BrokenPin {
                        ticket_id: ticket.clone(),
                        engineer_id: engineer.clone(),
                        reason: reason.clone(),
                    })
                    .collect();
                (roster, broken)
            }
        };
        for pin in &broken {
            tracing::warn!(ticket = %pin.ticket_id, engineer = %pin.engineer_id, reason = %pin.reason, "pin not kept");
        }
        // Still the revision the plan made, when it made it.
        let roster = Roster {
            created_at: made,
            ..roster
        };
        (roster, broken)
    }
}

/// The routes a move touches, rebuilt as a one-day problem: vehicle `v`
/// is `hub_problem.engineers[v]`, job `i < tickets` is a ticket, the rest
/// the preventive visits on those routes.
struct Revision {
    hub_problem: HubProblem,
    /// The stored sequences of the involved routes, per vehicle.
    plan: Vec<Vec<usize>>,
}

impl Revision {
    fn build(
        day: &ManualDay,
        involved: &[&EngineerRoute],
        also: Option<&TicketId>,
        travel: &dyn TravelModel,
    ) -> Result<Self, MoveRefusal> {
        let roster = day.roster;
        let find_ticket = |id: &TicketId| {
            day.tickets
                .iter()
                .find(|t| t.id() == id)
                .ok_or_else(|| MoveRefusal::NotOnRoster(id.to_string()))
        };
        let mut tickets: Vec<Ticket> = Vec::new();
        let mut due: Vec<DueVisit> = Vec::new();
        // A visit done or under way may have a ticket closed since (and no
        // longer among the day's tickets): it is history, not a job.
        let mut missing: Vec<&TicketId> = Vec::new();
        for visit in involved.iter().flat_map(|r| &r.visits) {
            match visit.kind {
                VisitKind::Fault => match find_ticket(&visit.ticket_id) {
                    Ok(ticket) => tickets.push(ticket.clone()),
                    Err(_) => missing.push(&visit.ticket_id),
                },
                VisitKind::Preventive => {
                    let customer = day
                        .key_customers
                        .iter()
                        .find(|k| k.visit_id == visit.ticket_id)
                        .ok_or_else(|| MoveRefusal::NotOnRoster(visit.ticket_id.to_string()))?;
                    due.push(DueVisit {
                        customer: customer.clone(),
                        overdue_days: 0,
                    });
                }
            }
        }
        if let Some(id) = also {
            tickets.push(find_ticket(id)?.clone());
        }
        // The moved ticket must be open or planned (`may_serve`); the others
        // on its routes are re-timed as the plan has them, whatever
        // happened since.
        let tickets: Vec<Ticket> = tickets
            .into_iter()
            .map(|t| match t.status() {
                TicketStatus::Open | TicketStatus::Planned => t,
                _ => t.with_status(TicketStatus::Planned),
            })
            .collect();
        // Every engineer continues from where they are at `now`: what has
        // begun (and the visit being driven to) stays as stored and is no
        // job; the rest is re-timed from there.
        let hub_day = HubDay::new(roster.hub, roster.date, tickets, day.engineers.to_vec())?
            .with_preventive(due)
            .with_now(day.now)
            .with_states(day.states.clone())
            .with_published(Roster {
                parts: Vec::new(),
                loaners: Vec::new(),
                ..roster.clone()
            })?;
        let committed = hub_day.committed();
        if let Some(id) = missing.into_iter().find(|id| !committed.contains(*id)) {
            return Err(MoveRefusal::NotOnRoster(id.to_string()));
        }
        let built = HubProblem::build(&hub_day, 1, travel)?;
        let stations = built.station_positions();
        // Each visit keeps the length it was planned with (a diagnosis
        // stays a diagnosis, whichever revision ordered its part).
        let mut jobs = built.problem.jobs().to_vec();
        super::keep_stored_lengths(roster, &built.tickets, &mut jobs);
        let whole_day = Window::new(0, DAY_SECONDS).map_err(DispatchError::from)?;
        for (index, customer) in built.due.iter().enumerate() {
            let mut job = Job::at(built.first_preventive_site + index, ANALYSIS_MINUTES * 60);
            job.windows = vec![whole_day];
            job.skills = 1 << ANALYSIS_SKILL.bit();
            job.teams = candidate_stations(customer.site, &stations);
            job.unassigned_penalty = 0;
            jobs.push(job);
        }
        let problem = Problem::new(
            built.problem.matrix().clone(),
            jobs,
            built.problem.vehicles().to_vec(),
        )
        .map_err(DispatchError::from)?;
        let hub_problem = HubProblem {
            problem,
            preventive: built.due.clone(),
            ..built
        };
        let mut revision = Revision {
            plan: vec![Vec::new(); hub_problem.engineers.len()],
            hub_problem,
        };
        for route in involved {
            let vehicle = revision.vehicle_of(&route.engineer_id).ok_or_else(|| {
                MoveRefusal::NotWorking(route.engineer_id.to_string(), roster.date.to_string())
            })?;
            // The committed visits are no jobs: they stay as stored.
            revision.plan[vehicle] = route
                .visits
                .iter()
                .filter_map(|v| revision.job_of(&v.ticket_id))
                .collect();
        }
        Ok(revision)
    }

    /// Whether re-timed `stops` leave the past as it was: a visit begun
    /// before `now` keeps its start (to the minute), and no other starts
    /// before `now`.
    fn keeps_the_past(&self, day: &ManualDay, stops: &[Stop]) -> bool {
        let begun: HashMap<&TicketId, DateTime<Utc>> = day
            .roster
            .routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| v.start <= day.now)
            .map(|v| (&v.ticket_id, v.start))
            .collect();
        stops.iter().all(|stop| {
            let StopKind::Job(job) = stop.kind else {
                return true;
            };
            let start = self.hub_problem.at(stop.start);
            let id = self.ticket_of(job);
            match id.and_then(|id| begun.get(id)) {
                Some(stored) => (start - *stored).num_seconds().abs() < 60,
                None => start >= day.now,
            }
        })
    }

    fn ticket_of(&self, job: usize) -> Option<&TicketId> {
        let hub_problem = &self.hub_problem;
        match hub_problem.tickets.get(job) {
            Some(ticket) => Some(ticket.id()),
            None => hub_problem
                .preventive
                .get(job - hub_problem.tickets.len())
                .map(|k| &k.visit_id),
        }
    }

    fn vehicle_of(&self, engineer: &EngineerId) -> Option<usize> {
        self.hub_problem
            .engineers
            .iter()
            .position(|e| e.id() == engineer)
    }

    fn job_of(&self, id: &TicketId) -> Option<usize> {
        let hub_problem = &self.hub_problem;
        hub_problem
            .tickets
            .iter()
            .position(|t| t.id() == id)
            .or_else(|| {
                hub_problem
                    .preventive
                    .iter()
                    .position(|k| &k.visit_id == id)
                    .map(|k| hub_problem.tickets.len() + k)
            })
    }

    /// The rules that do not depend on time: status, skill, seniority,
    /// candidate stations, a reserved part's shelf.
    fn may_serve(
        &self,
        day: &ManualDay,
        engineer: &Engineer,
        vehicle: usize,
        job: usize,
    ) -> Result<(), MoveRefusal> {
        let problem = &self.hub_problem.problem;
        let name = || engineer.id().to_string();
        let Some(ticket) = self.hub_problem.tickets.get(job) else {
            // A preventive analysis: the systems skill and the stations.
            if !problem.vehicles()[vehicle].can_serve(&problem.jobs()[job]) {
                let id =
                    &self.hub_problem.preventive[job - self.hub_problem.tickets.len()].visit_id;
                let has_skill = engineer.skill_set().bits() & (1 << ANALYSIS_SKILL.bit()) != 0;
                return Err(if !has_skill {
                    MoveRefusal::MissingSkill {
                        engineer: name(),
                        skill: ANALYSIS_SKILL.code().to_string(),
                        ticket: id.to_string(),
                    }
                } else {
                    MoveRefusal::OutOfReach {
                        engineer: name(),
                        ticket: id.to_string(),
                    }
                });
            }
            return Ok(());
        };
        let stored = day.tickets.iter().find(|t| t.id() == ticket.id());
        if let Some(stored) = stored
            && !matches!(stored.status(), TicketStatus::Open | TicketStatus::Planned)
        {
            return Err(MoveRefusal::Closed(
                ticket.id().to_string(),
                stored.status().code(),
            ));
        }
        if engineer.skill_set().bits() & (1 << ticket.skill().bit()) == 0 {
            return Err(MoveRefusal::MissingSkill {
                engineer: name(),
                skill: ticket.skill().code().to_string(),
                ticket: ticket.id().to_string(),
            });
        }
        if ticket.severity().level() == 1 && engineer.certification() != Certification::Senior {
            return Err(MoveRefusal::NotSenior {
                ticket: ticket.id().to_string(),
                engineer: name(),
            });
        }
        if !problem.vehicles()[vehicle].can_serve(&problem.jobs()[job]) {
            return Err(MoveRefusal::OutOfReach {
                engineer: name(),
                ticket: ticket.id().to_string(),
            });
        }
        let reserved = day
            .roster
            .parts
            .iter()
            .find(|p| &p.ticket_id == ticket.id() && p.action == PartAction::Reserved);
        if let Some(plan) = reserved {
            let carries = match (&plan.base, engineer.base()) {
                (StockPoint::Station(shelf), EngineerBase::Station(own)) => shelf == own,
                (StockPoint::Hub(region), EngineerBase::Hub(own)) => region == own,
                _ => false,
            };
            if !carries {
                return Err(MoveRefusal::PartElsewhere {
                    ticket: ticket.id().to_string(),
                    part: plan.part.to_string(),
                    base: plan.base.code(),
                });
            }
        }
        Ok(())
    }

    /// Why `jobs` does not fit `vehicle`'s day: tried again with the
    /// shift's end and the working limit lifted, to say by how much.
    fn why_not(&self, vehicle: usize, jobs: &[usize], ticket: &TicketId) -> MoveRefusal {
        let problem = &self.hub_problem.problem;
        let engineer = self.hub_problem.engineers[vehicle].id().to_string();
        let mut relaxed = problem.vehicles()[vehicle].clone();
        let shift_end = relaxed.shift.end;
        relaxed.shift.end = relaxed.shift.end.max(DAY_SECONDS * 2);
        let limit = relaxed.max_work.take();
        let clock = |seconds: i64| {
            self.hub_problem
                .at(seconds)
                .with_timezone(&service_offset())
                .format("%H:%M")
                .to_string()
        };
        let hours = |seconds: i64| format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60);
        match schedule_as(problem, vehicle, &relaxed, jobs) {
            Some(timed) if timed.route.end > shift_end => MoveRefusal::ShiftEnd {
                engineer,
                ends: clock(timed.route.end),
                shift_end: clock(shift_end),
            },
            Some(timed)
                if limit.is_some_and(|limit| timed.route.end - timed.route.departure > limit) =>
            {
                MoveRefusal::WorkingTime {
                    engineer,
                    worked: hours(timed.route.end - timed.route.departure),
                    limit: hours(limit.unwrap_or_default()),
                }
            }
            _ => MoveRefusal::NoFit {
                engineer,
                ticket: ticket.to_string(),
            },
        }
    }

    /// The roster with the involved routes re-timed from `plan`, checked
    /// by the independent checker; everything else as stored.
    fn revised(&self, day: &ManualDay, plan: &[Vec<usize>]) -> Result<Roster, MoveRefusal> {
        let hub_problem = &self.hub_problem;
        let problem = &hub_problem.problem;
        let solution = build_solution(problem, &plan.to_vec());
        checked(problem, &solution)?;
        let stored = day.roster;
        let mut routes: Vec<EngineerRoute> = stored
            .routes
            .iter()
            .filter(|r| {
                self.vehicle_of(&r.engineer_id)
                    .is_none_or(|v| !self.touches(plan, v))
            })
            .cloned()
            .collect();
        // Each touched day whole: what stays as stored, then the re-timed
        // rest (an engineer left with neither has no route).
        for vehicle in (0..plan.len()).filter(|&v| self.touches(plan, v)) {
            let route = solution.routes.iter().find(|r| r.vehicle == vehicle);
            routes.extend(engineer_route(hub_problem, vehicle, route));
        }
        routes.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
        let visited: HashSet<&TicketId> = routes
            .iter()
            .flat_map(|r| &r.visits)
            .map(|v| &v.ticket_id)
            .collect();
        let unassigned = stored
            .unassigned
            .iter()
            .filter(|u| !visited.contains(&u.ticket_id))
            .cloned()
            .collect();
        let faults = routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| v.kind == VisitKind::Fault);
        let mut summary = stored.summary.clone();
        summary.assigned = faults.clone().count() as u32;
        summary.on_time = faults.filter(|v| v.late_minutes == 0).count() as u32;
        summary.engineers_used = routes.len() as u32;
        summary.km = routes.iter().map(|r| r.km).sum();
        let loaners = stored
            .loaners
            .iter()
            .filter(|loaner| {
                // A loaner stays while its repair still misses the 48 h
                // limit (or the ticket is off today's routes).
                routes
                    .iter()
                    .flat_map(|r| &r.visits)
                    .find(|v| v.ticket_id == loaner.ticket_id)
                    .is_none_or(|v| v.departure > v.repaired_by)
            })
            .cloned()
            .collect();
        Ok(Roster {
            id: None,
            created_at: day.now,
            routes,
            unassigned,
            loaners,
            summary,
            ..stored.clone()
        })
    }

    fn touches(&self, plan: &[Vec<usize>], vehicle: usize) -> bool {
        self.plan[vehicle] != plan[vehicle] || !plan[vehicle].is_empty()
    }
}
