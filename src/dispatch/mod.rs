//! Service-network rules around the optimization core: a hub's day in
//! ([`HubDay`]), a checked [`Roster`](crate::domain::Roster) out, by one
//! path, [`plan`]. Its rooms, in the order a day goes through them:
//!
//! - [`day`](HubDay): the input, validated once — the hub, the date, the
//!   plan's "now", the tickets, the region's engineers, the analyses due,
//!   the stock on hand, the call center, the revision in force and what the
//!   engineers reported today.
//! - `continuation`: where each engineer's published day stands at "now"
//!   ([`Restart`]): what stays as published, where and when the rest
//!   begins; by the plan's word or, once they report, by their events.
//! - `triage`: the call center's remote attempts come first.
//! - `translate`: the day in the core's terms ([`HubProblem`]): vehicles
//!   per engineer and day restarted at "now", jobs released at their
//!   report (never before "now") with deadlines priced by severity, skills,
//!   seniority, candidate stations, lunch, parts ([`HubProblem::build`]).
//! - `stages`: the stage order ([`plan`], [`solve_hub`]) — the assignment
//!   MIP (`assignment`), routing each day of the two-day horizon with the
//!   core, the balance descent (`balance`), the independent check, the
//!   preventive visits in the slack (`preventive`).
//! - `roster`: the roster output ([`roster_from`]) — routes, reasons for
//!   every ticket left out and every late visit (`overtime` finds the
//!   overtime that would take a ticket), tomorrow's tentative visits,
//!   loaners (`loaners`), parts (`parts`).
//! - `insertion`: a severity-1 fault into a published day, from where the
//!   engineers are.
//! - `cadence`: when live dispatch re-plans a hub ([`Cadence`]): urgent
//!   changes at the next half hour, routine ones within two hours.
//! - `escalation`: who has been notified of an open fault, by elapsed time.
//! - `manual`: a coordinator's hand — a visit moved by hand, re-timed and
//!   checked or refused with the rule it breaks; pins kept after a re-plan.
//!
//! A day is planned over [`PlanOptions::horizon_days`] (today and tomorrow
//! by default, so the 48 h repair limit is visible); only the first day is
//! published as the roster's routes, the next day's visits are a tentative
//! plan, listed as `planned_tomorrow`, and their tickets stay open.
//!
//! Depends on `domain`, `optimize` and `travel`; never on storage or the API.

mod assignment;
mod balance;
mod cadence;
mod call_in;
mod continuation;
mod day;
mod escalation;
mod greedy;
mod insertion;
mod loaners;
mod manual;
mod overtime;
mod parts;
mod preventive;
mod roster;
mod stages;
mod translate;
mod triage;

pub use assignment::{
    Assignment, AssignmentOptions, DEFERRAL_COST, MAX_CANDIDATES, MipFailure, assign,
    available_seconds, initial_routes,
};
pub use balance::{BALANCE_COST_PER_SECOND, plan_of, rebalance, working_seconds};
pub use cadence::{Cadence, DEVIATION_MINUTES, IMMEDIATE_WINDOW_HOURS, Urgency};
pub use call_in::{CallIn, MOST_OVERTIME, call_in};
pub(crate) use continuation::keep_stored_lengths;
pub use continuation::{Continuation, Restart};
pub use day::{HubDay, PlanMethod, PlanOptions};
pub use escalation::{
    Escalation, Notice, Role, Step, escalation, escalation_with_lifecycle, ladder,
};
pub use greedy::greedy_plan;
pub use insertion::{
    CHANGE_TOLERANCE_SECONDS, Change, Insertion, InsertionError, InsertionRequest, Placement,
    insert_emergency,
};
pub use manual::{
    BrokenPin, ManualDay, MoveRefusal, MoveRequest, Moved, Pins, keep_pins, move_visit,
};
pub use parts::{
    Allocation, DIAGNOSIS_MINUTES, MAKER_DAYS, PartNeed, allocate, order_missing_part,
};
pub use preventive::{
    ANALYSIS_MINUTES, ANALYSIS_SKILL, PreventiveReport, WithPreventive, fill_slack,
};
pub use roster::roster_from;
pub use stages::{checked, plan, solve_hub};
pub use translate::{
    AWAITING_PART_BIT, BORROW_STATIONS, DAYTIME_ENDS, DAYTIME_STARTS, HUB_STOCK_BIT, HubProblem,
    LATENESS_COST_PER_SECOND, LUNCH_LATEST, LUNCH_MINUTES, MORNING_PLAN_HOUR, NIGHT_CALL_SEVERITY,
    SENIOR_BIT, STATION_REACH_KM, STATION_STOCK_BIT, UNASSIGNED_PENALTY, candidate_stations,
    day_origin, morning_of,
};
pub use triage::{CallCenter, Triage, remote_chance, triage};

use crate::domain::{Region, TicketId, TicketStatus};
use crate::optimize::{OptimizeError, Violation};

/// Why a hub's day could not be planned. The first six are the caller's
/// selection being wrong (a client fault); the rest are ours (a server
/// fault: the input was valid and the planner failed).
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("ticket {ticket} belongs to the {region} region, not to the {hub} hub")]
    TicketOutsideHub {
        ticket: TicketId,
        region: Region,
        hub: Region,
    },
    #[error("ticket {ticket} is {}; only open or planned tickets can be planned", .status.code())]
    TicketClosed {
        ticket: TicketId,
        status: TicketStatus,
    },
    #[error("ticket {0} is given twice")]
    DuplicateTicket(TicketId),
    #[error("the horizon needs at least one day")]
    EmptyHorizon,
    #[error("roster {} is of the {hub} hub on {date}, not of the day being planned", .roster.map_or("(unsaved)".to_string(), |id| id.to_string()))]
    ForeignRevision {
        roster: Option<i64>,
        hub: Region,
        date: chrono::NaiveDate,
    },
    #[error("{date} is over at the plan's time {now}; plan a day that has not ended")]
    DayOver {
        date: chrono::NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// The translation built an inconsistent model from valid input.
    #[error("the routing problem is invalid: {0}")]
    Problem(#[from] OptimizeError),
    /// HiGHS could not build or solve the assignment model.
    #[error("the assignment MIP failed: {0}")]
    Assignment(#[from] assignment::MipFailure),
    /// Never publish a plan the independent checker rejects.
    #[error("the solver's plan failed the independent check: {}", join(.0))]
    CheckFailed(Vec<Violation>),
}

impl DispatchError {
    /// Whether the caller's input is to blame (a 4xx), rather than the
    /// planner (a 5xx).
    pub fn is_client_fault(&self) -> bool {
        matches!(
            self,
            DispatchError::TicketOutsideHub { .. }
                | DispatchError::TicketClosed { .. }
                | DispatchError::DuplicateTicket(_)
                | DispatchError::EmptyHorizon
                | DispatchError::ForeignRevision { .. }
                | DispatchError::DayOver { .. }
        )
    }
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| v.0.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}
