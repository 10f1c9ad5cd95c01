//! The input of a hub's day, checked once: the hub, the date, the plan's
//! "now", the tickets to plan, the region's engineers, the key customers'
//! analyses that are due, the stock on hand, the call center that tries
//! remote fixes first, and the published revision being re-planned. Every
//! planning stage reads this one value.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::DispatchError;
use super::continuation::{self, Continuation};
use super::translate::day_origin;
use super::triage::CallCenter;
use crate::domain::{
    DueVisit, Engineer, EngineerId, EngineerState, PartsOnHand, Region, Roster, Ticket, TicketId,
    TicketStatus,
};

/// One hub's day as the dispatcher plans it. Built by [`HubDay::new`],
/// which refuses a selection that is wrong rather than unplannable: a
/// ticket of another region, a closed ticket, a ticket given twice.
#[derive(Debug, Clone)]
pub struct HubDay {
    hub: Region,
    date: NaiveDate,
    now: DateTime<Utc>,
    tickets: Vec<Ticket>,
    engineers: Vec<Engineer>,
    due: Vec<DueVisit>,
    on_hand: Option<PartsOnHand>,
    call_center: Option<CallCenter>,
    published: Option<Roster>,
    /// What the engineers reported today, up to "now".
    states: HashMap<EngineerId, EngineerState>,
}

impl HubDay {
    /// The hub's `tickets` (open or planned) and its region's `engineers`
    /// on `date`, planned from the start of the day (see
    /// [`HubDay::with_now`]). Engineers of other regions are ignored;
    /// without [`HubDay::with_stock`] parts are not tracked, without
    /// [`HubDay::with_call_center`] every ticket goes on site.
    pub fn new(
        hub: Region,
        date: NaiveDate,
        tickets: Vec<Ticket>,
        engineers: Vec<Engineer>,
    ) -> Result<Self, DispatchError> {
        validate_tickets(hub, &tickets)?;
        Ok(Self {
            hub,
            date,
            now: day_origin(date),
            tickets,
            engineers,
            due: Vec::new(),
            on_hand: None,
            call_center: None,
            published: None,
            states: HashMap::new(),
        })
    }

    /// The plan's "now": no visit starts before it (nor before its
    /// ticket's report), engineers whose shift began earlier start from
    /// where they are at that moment, and on a re-planned revision the
    /// visits begun by then stay. Without it a day is planned from its
    /// local midnight.
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// The engineers' states folded from their events of the day up to
    /// "now": each continues from where they reported being (see
    /// [`super::Restart::reported`]), not from where the plan had them.
    pub fn with_states(mut self, states: HashMap<EngineerId, EngineerState>) -> Self {
        self.states = states;
        self
    }

    /// The revision of this hub and day in force, to be replaced whole: its
    /// engineers continue from where they are at "now" ([`Continuation`]),
    /// and its tickets not yet begun are planned again with the rest
    /// (the caller passes them among `tickets`).
    pub fn with_published(mut self, roster: Roster) -> Result<Self, DispatchError> {
        if roster.hub != self.hub || roster.date != self.date {
            return Err(DispatchError::ForeignRevision {
                roster: roster.id,
                hub: roster.hub,
                date: roster.date,
            });
        }
        self.published = Some(roster);
        Ok(self)
    }

    /// The key customers' analyses due on the day, most overdue first; they
    /// fill the fault plan's slack.
    pub fn with_preventive(mut self, due: Vec<DueVisit>) -> Self {
        self.due = due;
        self
    }

    /// The stock part swaps draw on and the parts already on order.
    pub fn with_stock(mut self, on_hand: PartsOnHand) -> Self {
        self.on_hand = Some(on_hand);
        self
    }

    /// The call center that tries the remote candidates before anyone
    /// drives ([`super::triage`]).
    pub fn with_call_center(mut self, call_center: CallCenter) -> Self {
        self.call_center = Some(call_center);
        self
    }

    /// The same day over other tickets of the hub (already checked): what
    /// triage leaves for the routes.
    pub(crate) fn with_tickets(&self, tickets: Vec<Ticket>) -> Self {
        Self {
            tickets,
            ..self.clone()
        }
    }

    pub fn hub(&self) -> Region {
        self.hub
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }
    pub fn published(&self) -> Option<&Roster> {
        self.published.as_ref()
    }

    /// Each published route as it stands at "now".
    pub fn continuations(&self) -> Vec<Continuation> {
        let mut continuations: Vec<Continuation> = self
            .published
            .iter()
            .flat_map(|roster| &roster.routes)
            .map(|route| match self.states.get(&route.engineer_id) {
                Some(state) => Continuation::reported(route, state, self.now),
                None => Continuation::of(route, self.now),
            })
            .collect();
        // Engineers without a published route who reported where they are.
        for engineer in &self.engineers {
            let Some(state) = self.states.get(engineer.id()) else {
                continue;
            };
            if state.last_event_at.is_some()
                && !continuations
                    .iter()
                    .any(|c| c.engineer_id() == engineer.id())
            {
                let route = continuation::unpublished(engineer, self.now);
                continuations.push(Continuation::reported(&route, state, self.now));
            }
        }
        continuations
    }

    /// The visits (tickets and analyses) begun on the published revision by
    /// "now": they stay as they are and are not planned again.
    pub fn committed(&self) -> HashSet<TicketId> {
        self.continuations()
            .iter()
            .flat_map(|c| c.committed().iter().map(|v| v.ticket_id.clone()))
            .collect()
    }

    /// The tickets to route: all but those committed.
    pub fn plannable(&self) -> Vec<Ticket> {
        let committed = self.committed();
        self.tickets
            .iter()
            .filter(|t| !committed.contains(t.id()))
            .cloned()
            .collect()
    }
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn tickets(&self) -> &[Ticket] {
        &self.tickets
    }
    pub fn engineers(&self) -> &[Engineer] {
        &self.engineers
    }
    pub fn due(&self) -> &[DueVisit] {
        &self.due
    }
    pub fn on_hand(&self) -> Option<&PartsOnHand> {
        self.on_hand.as_ref()
    }
    pub fn call_center(&self) -> Option<&CallCenter> {
        self.call_center.as_ref()
    }
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
    /// (see [`super::balance`]).
    pub balance: bool,
    /// How the routes are made: Ruyi's optimization, or the greedy rule a
    /// dispatch desk follows by hand (the simulation's baseline).
    pub method: PlanMethod,
    /// A re-plan of a published day starts from the published routes
    /// (`solve_from`) instead of the assignment MIP and a fresh search:
    /// what live dispatch does many times a day, where each re-plan should
    /// cost little and keep what engineers were told where it can.
    pub warm_start: bool,
    /// The plan is one of a live series: the hub is planned again as
    /// tickets and events come in, so a ticket the next day's crew can
    /// still reach in time may wait for them rather than cost a long drive
    /// today (see `stages::WAITING_COST`). A plan made once (the morning
    /// roster, hindsight) serves what it can today: tomorrow's new tickets
    /// would find the waiting ones in their way.
    pub live: bool,
}

/// How a hub's routes are made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlanMethod {
    /// The assignment MIP (when [`PlanOptions::assignment`]), the core's
    /// search, the balance descent.
    #[default]
    Optimize,
    /// Tickets in report order, each to the qualified engineer nearest to
    /// where their route then ends who can still take it
    /// ([`super::greedy_plan`]); no search.
    Greedy,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Duration::from_secs(2),
            horizon_days: 2,
            assignment: true,
            balance: true,
            method: PlanMethod::Optimize,
            warm_start: false,
            live: false,
        }
    }
}

/// A ticket of another region, a closed ticket or a ticket given twice is
/// an error: the caller's selection is wrong, not the plan.
fn validate_tickets(hub: Region, tickets: &[Ticket]) -> Result<(), DispatchError> {
    let mut ids = HashSet::new();
    for ticket in tickets {
        if ticket.region() != hub {
            return Err(DispatchError::TicketOutsideHub {
                ticket: ticket.id().clone(),
                region: ticket.region(),
                hub,
            });
        }
        if !matches!(ticket.status(), TicketStatus::Open | TicketStatus::Planned) {
            return Err(DispatchError::TicketClosed {
                ticket: ticket.id().clone(),
                status: ticket.status(),
            });
        }
        if !ids.insert(ticket.id().clone()) {
            return Err(DispatchError::DuplicateTicket(ticket.id().clone()));
        }
    }
    Ok(())
}
