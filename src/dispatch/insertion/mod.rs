//! Rule 10: emergency insertion. A severity-1 fault reported during a
//! published day goes into that day from where the engineers are, keeping
//! what has begun and changing at most `max_changes` other visits.
//!
//! The model, in the order the code applies it:
//!
//! - **Where an engineer is at `at`**: as for any re-plan of a published
//!   day (see [`crate::dispatch::Continuation`]) — begun visits and the one
//!   being driven to stay, the rest of the day starts from the last of them,
//!   lunch and working time as they stand.
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
//!
//! The steps, one room each: `replan` (the re-planning problem, from where
//! everyone is), `placement` (where the fault goes) and `outcome` (the new
//! revision and what changed).

mod outcome;
mod placement;
mod replan;

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{DispatchError, checked, day_origin};
use crate::domain::{Engineer, EngineerId, Region, Roster, Ticket, TicketId, UnassignedTicket};
use crate::optimize::build_solution;
use crate::travel::TravelModel;

/// A visit whose arrival moves by more than this counts as changed: a
/// minute is within what a customer is told anyway, and it absorbs the
/// rounding of stored times.
pub const CHANGE_TOLERANCE_SECONDS: i64 = 60;

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

/// Inserts a severity-1 fault into a published day (see the module docs):
/// the re-planning problem from where everyone is, the day as it stands,
/// the best placement within the change budget, visits the fault pushed
/// back moved to others, the independent check, and the outcome.
pub fn insert_emergency(
    request: &InsertionRequest,
    travel: &dyn TravelModel,
) -> Result<Insertion, InsertionError> {
    validate(request)?;
    let replanning = replan::Replanning::build(request, travel)?;
    let replan = replanning.replan();
    let mut day = replanning.standing_day()?;
    let standing_cost = day.cost();
    let (placement, fewest_changes) = placement::best_placement(&replan, &day, request.max_changes);
    if let Some(edit) = placement {
        let vehicle = edit.routes[0].0;
        day.apply(edit);
        placement::relieve(&replan, &mut day, vehicle, request.max_changes);
    }
    let problem = &replanning.hub_problem.problem;
    let solution = build_solution(problem, &day.plan);
    let objective = checked(problem, &solution)?;
    Ok(outcome::Outcome {
        request,
        replanning: &replanning,
        solution: &solution,
        deferred: &day.deferred,
        fewest_changes,
        standing_cost,
        objective: objective.total(),
    }
    .insertion())
}
