//! The discrete-event loop: one queue of timed happenings, processed in
//! time order (ties in the order they were scheduled), against one store.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Policy;
use super::measure::{EngineerDay, PlanTiming, PolicyRun, TicketFate, VisitRecord};
use crate::dispatch::{self, Cadence, PlanMethod, PlanOptions, Urgency, day_origin, morning_of};
use crate::domain::event::{EngineerEvent, EventKind, Finish, Outcome};
use crate::domain::{
    Engineer, EngineerId, EngineerRoute, EventId, GeoPoint, Region, Roster, ShiftPattern, Ticket,
    TicketId, VisitKind, service_offset,
};
use crate::network::{Network, generate_tickets};
use crate::rng::Rng;
use crate::service::plan_and_store_knowing;
use crate::storage::{EventRules, NewEvent, Recorded, StorageError, Store};
use crate::travel::{GreatCircle, TravelModel};

/// What a simulation runs.
#[derive(Debug, Clone)]
pub struct SimulationConfig {
    /// Tickets arrive from 08:00 of this day for [`Self::days`] days.
    pub start: NaiveDate,
    pub days: u32,
    /// Seeds the tickets, service times, outcomes and sickness.
    pub seed: u64,
    /// Tickets reported per day across the network.
    pub tickets_per_day: usize,
    /// When `live` and `greedy` re-plan a hub after something happened
    /// there: what happened between two boundaries is planned together.
    pub cadence: Cadence,
    /// Every plan's options (the method is set per policy).
    pub plan: PlanOptions,
    /// The search budget of a live re-plan, which starts from the
    /// published routes and so needs far less than a plan from nothing.
    pub replan_time_limit: StdDuration,
    pub travel: GreatCircle,
    /// The share of engineers who call in sick on a given day.
    pub sick_share: f64,
    /// The share of visits that end needing another visit.
    pub return_share: f64,
    /// After the last arrival, the simulation runs this long so the last
    /// tickets can be visited and repaired (48 h: the repair limit).
    pub drain: Duration,
    /// The hubs simulated (all by default). A hub's dispatch reads and
    /// writes only its own tickets, engineers, stock and rosters, and every
    /// random draw is keyed by ticket or engineer, so a run over some hubs
    /// gives exactly those hubs' part of the national run: the hubs can be
    /// simulated side by side, each on its own store.
    pub hubs: Vec<Region>,
}

impl SimulationConfig {
    /// The shipped day's volume (the demo's 1,500 tickets), re-plans on
    /// the default [`Cadence`].
    pub fn new(start: NaiveDate, days: u32, seed: u64) -> Self {
        SimulationConfig {
            start,
            days,
            seed,
            tickets_per_day: 1500,
            cadence: Cadence::default(),
            plan: PlanOptions {
                time_limit: StdDuration::from_millis(100),
                ..PlanOptions::default()
            },
            replan_time_limit: StdDuration::from_micros(12_500),
            travel: GreatCircle::default(),
            sick_share: 0.01,
            return_share: 0.06,
            drain: Duration::hours(48),
            hubs: Region::ALL.to_vec(),
        }
    }

    /// When the first ticket may arrive and the first plan is made.
    pub fn begins(&self) -> DateTime<Utc> {
        morning_of(self.start)
    }

    /// When the last ticket may arrive.
    pub fn arrivals_end(&self) -> DateTime<Utc> {
        self.begins() + Duration::days(i64::from(self.days))
    }
}

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Something that happens at a time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    /// Ticket `index` of the stream is reported.
    Report(usize),
    /// A new local day begins.
    Midnight(NaiveDate),
    /// Hindsight: every ticket reported before `until` is stored now, and
    /// the hubs are planned.
    Reveal(DateTime<Utc>),
    /// A hub is planned.
    Plan(Region),
    /// Engineer `index` decides what to do next.
    Wake {
        engineer: usize,
        generation: u64,
    },
    Arrive {
        engineer: usize,
        generation: u64,
    },
    Finish {
        engineer: usize,
        generation: u64,
    },
    /// Engineer `index`, idle, drives back to base.
    GoHome {
        engineer: usize,
        generation: u64,
    },
    /// Engineer `index` calls in sick for the day.
    Sick(usize),
}

/// An engineer's visits still ahead as a revision announced them: the
/// ticket and the planned arrival.
type Announced = Vec<(TicketId, DateTime<Utc>)>;

/// What a simulated engineer is doing.
#[derive(Debug, Clone, PartialEq)]
enum Doing {
    Idle,
    Driving {
        ticket: TicketId,
        left_at: DateTime<Utc>,
        site: GeoPoint,
        minutes: u32,
        /// When the plan had the engineer leave the site.
        planned_departure: DateTime<Utc>,
        /// The "now" of the revision that sent them.
        planned_at: DateTime<Utc>,
    },
    Working {
        ticket: TicketId,
        left_at: DateTime<Utc>,
        arrived_at: DateTime<Utc>,
        planned_departure: DateTime<Utc>,
        planned_at: DateTime<Utc>,
    },
}

struct SimEngineer {
    engineer: Engineer,
    position: GeoPoint,
    doing: Doing,
    /// Bumped whenever a scheduled decision goes stale.
    generation: u64,
    sick_on: Option<NaiveDate>,
    /// Driving back to base until then.
    free_at: DateTime<Utc>,
    /// When this engineer last finished each ticket.
    finished: HashMap<TicketId, DateTime<Utc>>,
}

/// Runs one policy over a fresh store holding the shipped network (and no
/// tickets), and measures what happened.
pub async fn simulate(
    store: &Store,
    network: &Network,
    config: &SimulationConfig,
    policy: Policy,
    mut progress: impl FnMut(DateTime<Utc>),
) -> Result<PolicyRun, SimulationError> {
    let mut sim = Simulation::new(store, network, config, policy);
    sim.schedule_start();
    let end = config.arrivals_end() + config.drain;
    while let Some(Reverse((at, _, happening))) = sim.queue.pop() {
        if at > end {
            break;
        }
        sim.now = at;
        match happening {
            // Hubs due at the same instant plan side by side, as `ruyi
            // serve`'s one task per hub does: a hub's plan reads only its
            // own tickets, engineers and stock, so the order they finish
            // in changes nothing, and their results are taken in the
            // order they were due.
            Happening::Plan(hub) => {
                let mut hubs = vec![hub];
                while let Some(Reverse((next_at, _, Happening::Plan(next)))) = sim.queue.peek()
                    && *next_at == at
                {
                    hubs.push(*next);
                    sim.queue.pop();
                }
                sim.plan(&hubs).await?;
            }
            happening => sim.handle(happening).await?,
        }
        progress(at);
    }
    sim.finish().await
}

struct Simulation<'a> {
    store: &'a Store,
    config: &'a SimulationConfig,
    policy: Policy,
    now: DateTime<Utc>,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Happening)>>,
    sequence: u64,
    tickets: Vec<Ticket>,
    ticket_index: HashMap<TicketId, usize>,
    fates: Vec<TicketFate>,
    engineers: Vec<SimEngineer>,
    engineer_index: HashMap<EngineerId, usize>,
    /// The hubs' next scheduled plan; a `Plan` happening at another time
    /// is stale.
    pending: HashMap<Region, DateTime<Utc>>,
    /// Each stored revision's "now", to tell a visit it planned from one
    /// already made.
    revision_now: HashMap<i64, DateTime<Utc>>,
    /// The announced future visits per engineer and day, to count changes.
    announced: HashMap<(EngineerId, NaiveDate), Announced>,
    days: HashMap<(EngineerId, NaiveDate), EngineerDay>,
    timings: Vec<PlanTiming>,
    event_counter: u64,
    refused_events: usize,
    failed_plans: usize,
    visits: Vec<VisitRecord>,
    /// Tickets a revision resolved through the call center.
    remote: HashSet<TicketId>,
    /// Head revision per hub and day, for loaners.
    heads: HashMap<(Region, NaiveDate), i64>,
    /// Each engineer's route of a day in the revision in force, as the
    /// revision's announcement brings it to the phone: the same route
    /// `engineer_route` reads back (checked against the store in debug
    /// builds), without a read per engineer per re-plan.
    routes: HashMap<(usize, NaiveDate), std::sync::Arc<(i64, EngineerRoute)>>,
    /// The revision each hub's planning stored last, which its next plan
    /// continues from when it is still the head (as a live hub's task
    /// keeps it).
    stored: HashMap<Region, Roster>,
}

impl<'a> Simulation<'a> {
    fn new(
        store: &'a Store,
        network: &Network,
        config: &'a SimulationConfig,
        policy: Policy,
    ) -> Self {
        let mut tickets = Vec::new();
        for day in 1..=config.days {
            let date = config.start + Duration::days(i64::from(day));
            tickets.extend(generate_tickets(
                network,
                date,
                config.tickets_per_day,
                config.seed ^ u64::from(day).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ));
        }
        tickets.sort_by(|a, b| (a.reported_at(), a.id()).cmp(&(b.reported_at(), b.id())));
        let ticket_index = tickets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id().clone(), i))
            .collect();
        let fates = tickets
            .iter()
            .map(|ticket| {
                // Only the simulated hubs' tickets are measured.
                let measured = config.hubs.contains(&ticket.region());
                TicketFate::new(
                    ticket,
                    measured && attainable(ticket, network, &config.travel),
                )
            })
            .collect();
        let engineers: Vec<SimEngineer> = network
            .engineers
            .iter()
            .map(|engineer| SimEngineer {
                position: engineer.home(),
                engineer: engineer.clone(),
                doing: Doing::Idle,
                generation: 0,
                sick_on: None,
                free_at: config.begins(),
                finished: HashMap::new(),
            })
            .collect();
        let engineer_index = engineers
            .iter()
            .enumerate()
            .map(|(i, e)| (e.engineer.id().clone(), i))
            .collect();
        Simulation {
            store,
            config,
            policy,
            now: config.begins(),
            queue: BinaryHeap::new(),
            sequence: 0,
            tickets,
            ticket_index,
            fates,
            engineers,
            engineer_index,
            pending: HashMap::new(),
            revision_now: HashMap::new(),
            announced: HashMap::new(),
            days: HashMap::new(),
            timings: Vec::new(),
            event_counter: 0,
            refused_events: 0,
            failed_plans: 0,
            visits: Vec::new(),
            remote: HashSet::new(),
            heads: HashMap::new(),
            routes: HashMap::new(),
            stored: HashMap::new(),
        }
    }

    fn at(&mut self, at: DateTime<Utc>, happening: Happening) {
        self.sequence += 1;
        self.queue.push(Reverse((at, self.sequence, happening)));
    }

    fn schedule_start(&mut self) {
        let begins = self.config.begins();
        let end = self.config.arrivals_end() + self.config.drain;
        if self.policy != Policy::Hindsight {
            for index in 0..self.tickets.len() {
                if self.simulated(self.tickets[index].region()) {
                    let at = self.tickets[index].reported_at();
                    self.at(at, Happening::Report(index));
                }
            }
        }
        let mut date = self.config.start + Duration::days(1);
        while day_origin(date) <= end {
            self.at(day_origin(date), Happening::Midnight(date));
            date += Duration::days(1);
        }
        // Sickness is known at 07:00 of the day it strikes.
        let mut rng = Rng::new(self.config.seed ^ 0x5EED_51C4);
        let mut date = self.config.start + Duration::days(1);
        while day_origin(date) <= self.config.arrivals_end() {
            for engineer in 0..self.engineers.len() {
                // Drawn for every engineer, so each one's luck is the same
                // whichever hubs are simulated.
                if rng.unit() < self.config.sick_share
                    && self.simulated(self.engineers[engineer].engineer.region())
                {
                    self.at(
                        day_origin(date) + Duration::hours(7),
                        Happening::Sick(engineer),
                    );
                }
            }
            date += Duration::days(1);
        }
        match self.policy {
            // The first, partial day is known at the start.
            Policy::Hindsight => {
                let until = day_origin(self.config.start + Duration::days(1));
                self.at(begins, Happening::Reveal(until));
            }
            _ => self.plan_all(begins),
        }
    }

    fn plan_all(&mut self, at: DateTime<Utc>) {
        for hub in Region::ALL {
            if self.simulated(hub) {
                self.pending.insert(hub, at);
                self.at(at, Happening::Plan(hub));
            }
        }
    }

    fn simulated(&self, hub: Region) -> bool {
        self.config.hubs.contains(&hub)
    }

    /// `live` and `greedy`: plan the hub at the next boundary of the
    /// change's urgency, unless a plan is due by then anyway.
    fn something_happened(&mut self, hub: Region, urgency: Urgency) {
        if !matches!(self.policy, Policy::Live | Policy::Greedy) {
            return;
        }
        let at = self.config.cadence.replan_at(self.now, urgency);
        if self.pending.get(&hub).is_some_and(|&due| due <= at) {
            return;
        }
        self.pending.insert(hub, at);
        self.at(at, Happening::Plan(hub));
    }

    async fn handle(&mut self, happening: Happening) -> Result<(), SimulationError> {
        match happening {
            Happening::Report(index) => {
                let ticket = self.tickets[index].clone();
                self.store
                    .insert_tickets(std::slice::from_ref(&ticket))
                    .await?;
                self.something_happened(ticket.region(), Urgency::of_ticket(&ticket));
            }
            Happening::Midnight(date) => match self.policy {
                Policy::Live | Policy::Greedy => self.plan_all(self.now),
                Policy::Morning => self.plan_all(morning_of(date)),
                Policy::Hindsight => {
                    let until = day_origin(date + Duration::days(1));
                    self.at(self.now, Happening::Reveal(until));
                }
            },
            Happening::Reveal(until) => {
                let end = self.config.arrivals_end();
                let revealed: Vec<Ticket> = self
                    .tickets
                    .iter()
                    .zip(&self.fates)
                    .filter(|(t, f)| {
                        !f.revealed
                            && t.reported_at() < until.min(end)
                            && self.simulated(t.region())
                    })
                    .map(|(t, _)| t.clone())
                    .collect();
                for ticket in &revealed {
                    let index = self.ticket_index[ticket.id()];
                    self.fates[index].revealed = true;
                }
                self.store.insert_tickets(&revealed).await?;
                self.plan_all(self.now);
            }
            Happening::Plan(hub) => self.plan(&[hub]).await?,
            Happening::Wake {
                engineer,
                generation,
            } => {
                if self.engineers[engineer].generation == generation {
                    self.decide(engineer).await?;
                }
            }
            Happening::Arrive {
                engineer,
                generation,
            } => {
                if self.engineers[engineer].generation == generation {
                    self.arrive(engineer).await?;
                }
            }
            Happening::Finish {
                engineer,
                generation,
            } => {
                if self.engineers[engineer].generation == generation {
                    self.finish_visit(engineer).await?;
                }
            }
            Happening::GoHome {
                engineer,
                generation,
            } => {
                let sim = &self.engineers[engineer];
                if sim.generation == generation && sim.doing == Doing::Idle {
                    self.go_home(engineer);
                }
            }
            Happening::Sick(engineer) => self.sick(engineer).await?,
        }
        Ok(())
    }

    /// Plans the hubs due now, side by side, and publishes each plan in
    /// the order given.
    async fn plan(&mut self, hubs: &[Region]) -> Result<(), SimulationError> {
        let now = self.now;
        let date = now.with_timezone(&service_offset()).date_naive();
        let known_until = match self.policy {
            Policy::Hindsight => day_origin(date + Duration::days(1)),
            _ => now,
        };
        let mut due: Vec<(Region, PlanOptions)> = Vec::new();
        for &hub in hubs {
            if self.pending.get(&hub) != Some(&now) {
                continue;
            }
            self.pending.remove(&hub);
            due.push((hub, self.options(hub, date)));
        }
        let store = self.store;
        let travel = &self.config.travel;
        let stored = &self.stored;
        let plans = futures_util::future::join_all(due.iter().map(|(hub, options)| async move {
            let started = Instant::now();
            let previous = stored.get(hub);
            let roster = plan_and_store_knowing(
                store,
                *hub,
                date,
                now,
                known_until,
                options,
                travel,
                previous,
            )
            .await;
            (roster, started.elapsed().as_secs_f64())
        }))
        .await;
        for ((hub, _), (roster, seconds)) in due.into_iter().zip(plans) {
            match roster {
                Ok(roster) => {
                    self.publish(hub, date, &roster, seconds);
                    self.stored.insert(hub, roster);
                }
                // As live dispatch does: the last published plan stays, and
                // the run says how often that happened.
                Err(error) => {
                    tracing::warn!(%hub, at = %now, %error, "a plan failed; the published one stays");
                    self.failed_plans += 1;
                }
            }
        }
        Ok(())
    }

    /// The options of the hub's plan now: the policy's method, and a live
    /// re-plan's small budget once the day has a published plan.
    fn options(&self, hub: Region, date: NaiveDate) -> PlanOptions {
        let options = PlanOptions {
            method: if self.policy == Policy::Greedy {
                PlanMethod::Greedy
            } else {
                PlanMethod::Optimize
            },
            // Live re-plans start from what was published; the day's first
            // plan (nothing published yet) runs the assignment MIP.
            warm_start: self.policy == Policy::Live,
            live: self.policy == Policy::Live,
            ..self.config.plan.clone()
        };
        let warm = options.warm_start && self.heads.contains_key(&(hub, date));
        PlanOptions {
            time_limit: if warm {
                self.config.replan_time_limit
            } else {
                options.time_limit
            },
            ..options
        }
    }

    /// Takes a stored plan as the hub's published routes: engineers follow
    /// it from now, and changes to what they were told are counted.
    fn publish(&mut self, hub: Region, date: NaiveDate, roster: &Roster, seconds: f64) {
        let now = self.now;
        self.timings.push(PlanTiming { hub, seconds });
        let id = roster.id.expect("a stored roster has its id");
        self.revision_now.insert(id, now);
        self.heads.insert((hub, date), id);
        let region = &self.engineers;
        // Days gone by are read no more; the hub's day is replaced whole.
        self.routes.retain(|&(index, day), _| {
            day > date || (day == date && region[index].engineer.region() != hub)
        });
        for route in &roster.routes {
            if let Some(&index) = self.engineer_index.get(&route.engineer_id) {
                self.routes
                    .insert((index, date), std::sync::Arc::new((id, route.clone())));
            }
        }
        for attempt in &roster.remote {
            if attempt.outcome == crate::domain::RemoteOutcome::Resolved
                && let Some(&index) = self.ticket_index.get(&attempt.ticket_id)
            {
                self.remote.insert(attempt.ticket_id.clone());
                self.fates[index].resolved_remotely(attempt.end);
            }
        }
        // Count the engineers whose announced future changed, then wake
        // everyone who might now have somewhere to go.
        let mut woken = Vec::new();
        for route in &roster.routes {
            let future: Announced = route
                .visits
                .iter()
                .filter(|v| v.kind != VisitKind::Preventive && v.arrival > now)
                .map(|v| (v.ticket_id.clone(), v.arrival))
                .collect();
            let key = (route.engineer_id.clone(), date);
            let day = self.days.entry(key.clone()).or_default();
            day.routed = true;
            if let Some(before) = self.announced.get(&key)
                && changed(before, &future, now)
            {
                day.changes += 1;
            }
            self.announced.insert(key, future);
            if let Some(&index) = self.engineer_index.get(&route.engineer_id) {
                woken.push(index);
            }
        }
        for (index, sim) in self.engineers.iter().enumerate() {
            if sim.engineer.region() == hub && !woken.contains(&index) {
                woken.push(index);
            }
        }
        for index in woken {
            if self.engineers[index].doing == Doing::Idle {
                self.engineers[index].generation += 1;
                let generation = self.engineers[index].generation;
                self.at(
                    now,
                    Happening::Wake {
                        engineer: index,
                        generation,
                    },
                );
            }
        }
    }

    /// An idle engineer looks at their route of the day and sets off for
    /// the next visit when it is time to.
    async fn decide(&mut self, index: usize) -> Result<(), SimulationError> {
        let now = self.now;
        let date = now.with_timezone(&service_offset()).date_naive();
        if self.engineers[index].sick_on == Some(date) {
            return Ok(());
        }
        let route = self.routes.get(&(index, date)).cloned();
        #[cfg(debug_assertions)]
        {
            let id = self.engineers[index].engineer.id();
            let stored = self.store.engineer_route(id, date).await?;
            assert_eq!(
                stored.map(|s| (s.roster_id, s.route)).as_ref(),
                route.as_deref(),
                "the route {id} holds is the stored one"
            );
        }
        let Some(route) = route else {
            return Ok(());
        };
        let (roster_id, route) = &*route;
        let made_at = self.revision_now.get(roster_id).copied().unwrap_or(now);
        let busy: HashSet<&TicketId> = self
            .engineers
            .iter()
            .filter_map(|e| match &e.doing {
                Doing::Driving { ticket, .. } | Doing::Working { ticket, .. } => Some(ticket),
                Doing::Idle => None,
            })
            .collect();
        let sim = &self.engineers[index];
        let next = route.visits.iter().find(|visit| {
            visit.kind != VisitKind::Preventive
                && !busy.contains(&visit.ticket_id)
                && self
                    .ticket_index
                    .get(&visit.ticket_id)
                    .is_some_and(|&t| self.fates[t].needs_visit())
                && sim
                    .finished
                    .get(&visit.ticket_id)
                    .is_none_or(|&finished| finished < made_at)
        });
        let Some(visit) = next else {
            // Nothing more on the route: wait where they are for what the
            // next plan brings, and head back to base at the end of the
            // shift (an on-call engineer after an idle hour).
            if sim.position != sim.engineer.home() {
                let home_at = match sim.engineer.shift() {
                    ShiftPattern::FiveByEight { .. } => sim
                        .engineer
                        .shift()
                        .window_on(date)
                        .map_or(now, |window| window.end().max(now)),
                    ShiftPattern::OnCall { .. } => now + Duration::hours(1),
                };
                let generation = sim.generation;
                self.at(
                    home_at,
                    Happening::GoHome {
                        engineer: index,
                        generation,
                    },
                );
            }
            return Ok(());
        };
        let leg = self.config.travel.leg(sim.position, visit.location);
        let drive = Duration::milliseconds((leg.seconds * 1000.0).round() as i64);
        let leave = (visit.start - drive).max(now).max(sim.free_at);
        if leave > now {
            let generation = sim.generation;
            self.at(
                leave,
                Happening::Wake {
                    engineer: index,
                    generation,
                },
            );
            return Ok(());
        }
        let ticket = visit.ticket_id.clone();
        let site = visit.location;
        let minutes = ((visit.departure - visit.start).num_seconds() / 60).max(1) as u32;
        let visit_departure = visit.departure;
        self.record(
            index,
            EventKind::EnRoute {
                ticket_id: ticket.clone(),
            },
        )
        .await?;
        let key = (self.engineers[index].engineer.id().clone(), date);
        self.days.entry(key).or_default().km += leg.meters / 1000.0;
        let sim = &mut self.engineers[index];
        sim.generation += 1;
        sim.doing = Doing::Driving {
            ticket,
            left_at: now,
            site,
            minutes,
            planned_departure: visit_departure,
            planned_at: made_at,
        };
        let generation = sim.generation;
        self.at(
            now + drive,
            Happening::Arrive {
                engineer: index,
                generation,
            },
        );
        Ok(())
    }

    async fn arrive(&mut self, index: usize) -> Result<(), SimulationError> {
        let Doing::Driving {
            ticket,
            left_at,
            site,
            minutes,
            planned_departure,
            planned_at,
        } = self.engineers[index].doing.clone()
        else {
            return Ok(());
        };
        self.record(
            index,
            EventKind::Arrived {
                ticket_id: ticket.clone(),
                site: None,
                service_minutes: None,
            },
        )
        .await?;
        let t = self.ticket_index[&ticket];
        self.fates[t].arrived(self.now);
        let factor = service_factor(self.config.seed, &ticket, self.fates[t].visits);
        let work = Duration::seconds((f64::from(minutes) * 60.0 * factor).round() as i64);
        let sim = &mut self.engineers[index];
        sim.position = site;
        sim.doing = Doing::Working {
            ticket,
            left_at,
            arrived_at: self.now,
            planned_departure,
            planned_at,
        };
        sim.generation += 1;
        let generation = sim.generation;
        self.at(
            self.now + work,
            Happening::Finish {
                engineer: index,
                generation,
            },
        );
        Ok(())
    }

    async fn finish_visit(&mut self, index: usize) -> Result<(), SimulationError> {
        let Doing::Working {
            ticket,
            left_at,
            arrived_at,
            planned_departure,
            planned_at,
        } = self.engineers[index].doing.clone()
        else {
            return Ok(());
        };
        let t = self.ticket_index[&ticket];
        let needs_return = outcome_draw(self.config.seed, &ticket, self.fates[t].visits)
            < self.config.return_share;
        let outcome = if needs_return {
            Outcome::NeedsReturn { minutes: 60 }
        } else {
            Outcome::Fixed
        };
        let finished = EventKind::Finished {
            ticket_id: ticket.clone(),
            finish: Finish {
                outcome,
                parts_used: Vec::new(),
                notes: None,
                signed_off_by: None,
            },
        };
        self.record(index, finished.clone()).await?;
        self.fates[t].finished(self.now, !needs_return);
        let now = self.now;
        let engineer = self.engineers[index].engineer.clone();
        let overtime = overtime_seconds(&engineer, left_at, now, self.days_worked(index, left_at));
        let date = left_at.with_timezone(&service_offset()).date_naive();
        let day = self.days.entry((engineer.id().clone(), date)).or_default();
        day.worked_seconds += (now - left_at).num_seconds().max(0);
        day.overtime_seconds += overtime;
        self.visits.push(VisitRecord {
            engineer: engineer.id().clone(),
            ticket: ticket.clone(),
            reported_at: self.tickets[t].reported_at(),
            planned_at,
            left_at,
            arrived_at,
            finished_at: now,
            fixed: !needs_return,
            overtime_seconds: overtime,
        });
        let sim = &mut self.engineers[index];
        sim.finished.insert(ticket, now);
        sim.doing = Doing::Idle;
        sim.generation += 1;
        let generation = sim.generation;
        self.at(
            now,
            Happening::Wake {
                engineer: index,
                generation,
            },
        );
        // A visit that ended as planned changes nothing the plan assumed.
        if let Some(urgency) = Urgency::of_event(&finished, now, Some(planned_departure)) {
            self.something_happened(engineer.region(), urgency);
        }
        Ok(())
    }

    /// The drive back to base: counted, and a new visit starts from base
    /// once they are there.
    fn go_home(&mut self, index: usize) {
        let now = self.now;
        let date = now.with_timezone(&service_offset()).date_naive();
        let sim = &self.engineers[index];
        let home = sim.engineer.home();
        let leg = self.config.travel.leg(sim.position, home);
        let key = (sim.engineer.id().clone(), date);
        self.days.entry(key).or_default().km += leg.meters / 1000.0;
        let sim = &mut self.engineers[index];
        sim.position = home;
        sim.free_at = now + Duration::seconds(leg.seconds.round() as i64);
    }

    /// Seconds already worked on the day `at` falls on.
    fn days_worked(&self, index: usize, at: DateTime<Utc>) -> i64 {
        let date = at.with_timezone(&service_offset()).date_naive();
        self.days
            .get(&(self.engineers[index].engineer.id().clone(), date))
            .map_or(0, |d| d.worked_seconds)
    }

    async fn sick(&mut self, index: usize) -> Result<(), SimulationError> {
        let now = self.now;
        let date = now.with_timezone(&service_offset()).date_naive();
        self.record(
            index,
            EventKind::Unavailable {
                from: now,
                until: day_origin(date + Duration::days(1)),
                reason: "sick".to_string(),
            },
        )
        .await?;
        let sim = &mut self.engineers[index];
        sim.sick_on = Some(date);
        if sim.doing == Doing::Idle {
            sim.generation += 1;
        }
        let hub = sim.engineer.region();
        self.something_happened(hub, Urgency::Prompt);
        Ok(())
    }

    /// Sends an engineer's event through the store as the API does.
    async fn record(&mut self, index: usize, kind: EventKind) -> Result<(), SimulationError> {
        self.event_counter += 1;
        let engineer_id = self.engineers[index].engineer.id().clone();
        let label = kind.code();
        let event = EngineerEvent {
            // Zero-padded, so ids sort as they were sent (orders are listed
            // by arrival, then event id).
            event_id: EventId::parse(format!("sim-{:09}", self.event_counter))
                .expect("a valid event id"),
            engineer_id: engineer_id.clone(),
            at: self.now,
            kind,
        };
        let request = serde_json::to_string(&event).unwrap_or_default();
        let rules = EventRules {
            now: self.now,
            max_skew: Duration::minutes(5),
            missing_part: dispatch::order_missing_part,
        };
        match self
            .store
            .record_event(&NewEvent { event, request }, &rules)
            .await?
        {
            Ok(Recorded::Created(_) | Recorded::Repeated(_)) => Ok(()),
            Err(refusal) => {
                // The engineer did it all the same; the dispatcher's
                // record misses it. Counted, so a run that loses events
                // says so.
                tracing::debug!(engineer = %engineer_id, kind = label, at = %self.now, %refusal, "event refused");
                self.refused_events += 1;
                Ok(())
            }
        }
    }

    async fn finish(self) -> Result<PolicyRun, SimulationError> {
        let mut loaners: HashMap<Region, usize> = HashMap::new();
        for (hub, date) in self.heads.keys() {
            if let Some(roster) = self.store.current_roster(*hub, *date).await? {
                *loaners.entry(*hub).or_default() += roster.loaners.len();
            }
        }
        let end = self.config.arrivals_end();
        let begins = self.config.begins();
        let fates = self
            .fates
            .into_iter()
            .zip(&self.tickets)
            .filter(|(_, t)| {
                t.reported_at() >= begins
                    && t.reported_at() < end
                    && self.config.hubs.contains(&t.region())
            })
            .map(|(fate, _)| fate)
            .collect();
        let region_of: HashMap<EngineerId, Region> = self
            .engineers
            .iter()
            .map(|e| (e.engineer.id().clone(), e.engineer.region()))
            .collect();
        let days = self
            .days
            .into_iter()
            .filter_map(|((id, _), day)| region_of.get(&id).map(|&hub| (hub, day)))
            .collect();
        Ok(PolicyRun {
            policy: self.policy,
            fates,
            days,
            timings: self.timings,
            loaners,
            refused_events: self.refused_events,
            events: self.event_counter,
            failed_plans: self.failed_plans,
            visits: self.visits,
        })
    }
}

/// Whether an engineer's announced future changed: a visit added,
/// dropped or reordered, or moved by more than half an hour.
fn changed(
    before: &[(TicketId, DateTime<Utc>)],
    after: &[(TicketId, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> bool {
    let before: Vec<_> = before.iter().filter(|(_, at)| *at > now).collect();
    if before.len() != after.len() {
        return true;
    }
    before.iter().zip(after).any(|((a, at_a), (b, at_b))| {
        a != b || (*at_a - *at_b).num_seconds().abs() > CHANGE_TOLERANCE_SECONDS
    })
}

/// A visit moved by more than this much is a change for the engineer.
const CHANGE_TOLERANCE_SECONDS: i64 = 30 * 60;

/// A seeded draw in [0, 1) for a ticket's `visit`-th visit and a purpose.
fn draw(seed: u64, ticket: &TicketId, visit: u32, purpose: u64) -> f64 {
    let mut hash = seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for byte in ticket.as_str().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    Rng::new(hash ^ u64::from(visit)).unit()
}

/// How much longer (or shorter) a visit takes than its estimate: mostly
/// within ±25 %, one in ten overruns by half to double.
fn service_factor(seed: u64, ticket: &TicketId, visit: u32) -> f64 {
    let spread = draw(seed, ticket, visit, 1);
    let overrun = draw(seed, ticket, visit, 2);
    if overrun < 0.1 {
        1.5 + spread * 0.5
    } else {
        0.75 + spread * 0.5
    }
}

fn outcome_draw(seed: u64, ticket: &TicketId, visit: u32) -> f64 {
    draw(seed, ticket, visit, 3)
}

/// The part of `[from, to]` an engineer worked beyond their shift: outside
/// a 5x8 window, or past an on-call engineer's daily hours.
fn overtime_seconds(
    engineer: &Engineer,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    worked_before: i64,
) -> i64 {
    let length = (to - from).num_seconds().max(0);
    let date = from.with_timezone(&service_offset()).date_naive();
    match engineer.shift() {
        ShiftPattern::FiveByEight { .. } => {
            // In milliseconds, rounded up: a visit that ends a fraction of
            // a second past the shift is overtime, however little.
            let inside = engineer.shift().window_on(date).map_or(0, |window| {
                let start = from.max(window.start());
                let end = to.min(window.end());
                (end - start).num_milliseconds().max(0)
            });
            let outside = ((to - from).num_milliseconds().max(0) - inside).max(0);
            (outside + 999) / 1000
        }
        ShiftPattern::OnCall { max_hours } => {
            let allowed = i64::from(max_hours) * 3600;
            (worked_before + length - allowed).clamp(0, length)
        }
    }
}

/// Whether an idle qualified engineer of the ticket's region, leaving
/// their base when the ticket is reported (or when their shift begins),
/// could be on site by its on-site deadline and, as the network's rules
/// have it, be back at base (lunch taken) within their shift and their
/// longest working day.
pub(super) fn attainable(ticket: &Ticket, network: &Network, travel: &GreatCircle) -> bool {
    let deadline = ticket.deadlines().on_site_by;
    let reported = ticket.reported_at();
    let senior = ticket.severity().level() == 1;
    let report_date = reported.with_timezone(&service_offset()).date_naive();
    network.engineers.iter().any(|engineer| {
        engineer.region() == ticket.region()
            && engineer.skills().contains(&ticket.skill())
            && (!senior || engineer.certification() == crate::domain::Certification::Senior)
            && (0..3).any(|offset| {
                let date = report_date + Duration::days(offset);
                let Some(window) = engineer.shift().window_on(date) else {
                    return false;
                };
                if window.end() <= reported {
                    return false;
                }
                let leave = reported.max(window.start());
                let leg = Duration::seconds(
                    travel.leg(engineer.home(), ticket.site()).seconds.round() as i64,
                );
                let arrive = leave + leg;
                // A day-shift engineer also takes their lunch on the way.
                let lunch = match engineer.shift() {
                    ShiftPattern::FiveByEight { .. } => Duration::minutes(dispatch::LUNCH_MINUTES),
                    ShiftPattern::OnCall { .. } => Duration::zero(),
                };
                let back =
                    arrive + Duration::minutes(i64::from(ticket.service_minutes())) + leg + lunch;
                let longest = Duration::minutes(i64::from(engineer.shift().max_work_minutes()));
                arrive <= deadline && back <= window.end() && back - leave <= longest
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        service_offset()
            .with_ymd_and_hms(2026, 11, 30, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_visit_ending_a_fraction_of_a_second_past_the_shift_is_overtime() {
        let network = Network::shipped().unwrap();
        let engineer = network
            .engineers
            .iter()
            .find(|e| matches!(e.shift(), ShiftPattern::FiveByEight { .. }))
            .unwrap();
        // Office hours end at 17:30; the visit runs 16:05:30 to 17:30:00.986.
        let from = at(16, 5) + Duration::seconds(30);
        let to = at(17, 30) + Duration::milliseconds(986);
        assert_eq!(overtime_seconds(engineer, from, to, 0), 1);
        assert_eq!(overtime_seconds(engineer, from, at(17, 30), 0), 0);
        assert_eq!(
            overtime_seconds(engineer, from, at(17, 45), 0),
            15 * 60,
            "a quarter hour past the shift"
        );
    }

    #[test]
    fn a_visit_moved_by_more_than_half_an_hour_is_a_change() {
        let t = |id: &str| TicketId::parse(id).unwrap();
        let before = vec![(t("A"), at(10, 0)), (t("B"), at(12, 0))];
        let now = at(9, 0);
        assert!(!changed(&before, &before.clone(), now));
        assert!(!changed(
            &before,
            &[(t("A"), at(10, 20)), (t("B"), at(12, 0))],
            now
        ));
        assert!(changed(
            &before,
            &[(t("A"), at(10, 40)), (t("B"), at(12, 0))],
            now
        ));
        assert!(changed(
            &before,
            &[(t("B"), at(12, 0)), (t("A"), at(13, 0))],
            now
        ));
        assert!(changed(&before, &[(t("A"), at(10, 0))], now));
        // A visit already past is not part of what is announced.
        assert!(!changed(&before, &[(t("B"), at(12, 0))], at(11, 0)));
    }

    #[test]
    fn service_factors_are_seeded_and_mostly_near_the_estimate() {
        let ticket = TicketId::parse("T20261130-00001").unwrap();
        assert_eq!(service_factor(7, &ticket, 0), service_factor(7, &ticket, 0));
        let factors: Vec<f64> = (0..1000)
            .map(|n| service_factor(7, &TicketId::parse(format!("T{n}")).unwrap(), 0))
            .collect();
        assert!(factors.iter().all(|f| (0.75..=2.0).contains(f)));
        let overruns = factors.iter().filter(|&&f| f >= 1.5).count();
        assert!((50..150).contains(&overruns), "{overruns} overruns of 1000");
    }
}
