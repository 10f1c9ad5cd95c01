//! The roster output: a checked solution in the words coordinators and
//! engineers read — routes with ETAs and deadlines, a reason for every
//! ticket left out (naming whom to borrow or the overtime that would take
//! it), a reason for every late visit, tomorrow's tentative visits,
//! loaners, parts, station workloads and the summary.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};

use super::HubProblem;
use super::loaners;
use super::overtime;
use super::parts;
use super::translate::{DAY_SECONDS, base_name};
use crate::domain::{
    Certification, Engineer, EngineerBase, EngineerRoute, PartAction, ReasonCode, Region, Roster,
    RosterSummary, ServiceHours, Skill, SlaDeadlines, StationWorkload, Ticket, TicketId,
    UnassignedTicket, Visit, VisitKind, service_offset,
};
use crate::optimize::{Route, Solution, Stop, StopKind, UnassignedReason};

impl HubProblem {
    /// The roster visit for a solver stop at `job`, reached from location
    /// `previous`.
    pub fn visit(&self, job: usize, stop: &Stop, sequence: u32, previous: usize) -> Visit {
        let location = self.problem.jobs()[job].location;
        let (kind, ticket_id, site, deadlines) = match self.tickets.get(job) {
            Some(ticket) => (
                VisitKind::Fault,
                ticket.id().clone(),
                ticket.site(),
                ticket.deadlines(),
            ),
            None => {
                // A preventive visit has no SLA clock: any time today will do.
                let customer = &self.preventive[job - self.tickets.len()];
                let day_ends = self.at(DAY_SECONDS);
                let deadlines = SlaDeadlines {
                    respond_by: day_ends,
                    on_site_by: day_ends,
                    repaired_by: day_ends,
                    hours: ServiceHours::FiveByEight,
                };
                (
                    VisitKind::Preventive,
                    customer.visit_id.clone(),
                    customer.site,
                    deadlines,
                )
            }
        };
        Visit {
            sequence,
            kind,
            ticket_id,
            location: site,
            arrival: self.at(stop.arrival),
            start: self.at(stop.start),
            departure: self.at(stop.departure),
            on_site_by: deadlines.on_site_by,
            repaired_by: deadlines.repaired_by,
            late_minutes: (stop.lateness + 59) / 60,
            km_from_previous: self.problem.matrix().distance(previous, location) as f64 / 1000.0,
            late_reason: (stop.lateness > 0).then(|| self.late_reason(job)),
        }
    }

    /// Why job `job` cannot be on time: the earliest any qualified engineer
    /// could arrive, driving straight from their base at the start of
    /// their shift, set against its on-site deadline.
    fn late_reason(&self, job: usize) -> String {
        let target = &self.problem.jobs()[job];
        let Some(deadline) = target.deadline else {
            return "late".to_string();
        };
        let matrix = self.problem.matrix();
        let earliest = self
            .problem
            .vehicles()
            .iter()
            .enumerate()
            .filter(|(_, vehicle)| vehicle.can_serve(target))
            .map(|(v, vehicle)| {
                (
                    vehicle.shift.start + matrix.duration(vehicle.start, target.location),
                    v,
                )
            })
            .min();
        let clock = |seconds: i64| {
            self.at(seconds)
                .with_timezone(&service_offset())
                .format("%a %H:%M")
        };
        match earliest {
            Some((arrival, v)) if arrival > deadline.at => format!(
                "unreachable_in_time: the soonest a qualified engineer could be there is {} \
                 ({}, leaving at the start of the shift), after the deadline {}",
                clock(arrival),
                self.engineers[v].id(),
                clock(deadline.at)
            ),
            Some((arrival, v)) => format!(
                "engineers_busy: {} could have been there by {} with a lighter day; every \
                 qualified engineer's day was taken by more urgent or nearer work",
                self.engineers[v].id(),
                clock(arrival)
            ),
            None => "late".to_string(),
        }
    }
}

/// One vehicle's route in the roster's terms: for an engineer continuing
/// a published day, the visits kept as published, then the re-planned ones
/// (see [`Continuation::join`]); `None` for an idle vehicle whose day has
/// not begun.
pub(crate) fn engineer_route(
    hub_problem: &HubProblem,
    vehicle_index: usize,
    route: Option<&Route>,
) -> Option<EngineerRoute> {
    let problem = &hub_problem.problem;
    let vehicle = &problem.vehicles()[vehicle_index];
    let engineer = &hub_problem.engineers[vehicle_index];
    let planned = route.filter(|r| !r.stops.is_empty()).map(|route| {
        let mut previous = vehicle.start;
        let mut visits = Vec::new();
        let mut lunch = None;
        for stop in &route.stops {
            match stop.kind {
                StopKind::Job(job) => {
                    let sequence = visits.len() as u32 + 1;
                    visits.push(hub_problem.visit(job, stop, sequence, previous));
                    previous = problem.jobs()[job].location;
                }
                StopKind::Break => {
                    lunch = Some((hub_problem.at(stop.start), hub_problem.at(stop.departure)));
                }
            }
        }
        EngineerRoute {
            engineer_id: engineer.id().clone(),
            base: engineer.home(),
            leave_at: hub_problem.at(route.departure),
            return_at: hub_problem.at(route.end),
            km: route.distance as f64 / 1000.0,
            visits,
            lunch,
        }
    });
    match &hub_problem.continuations[vehicle_index] {
        None => planned,
        Some(continuation) => continuation.join(planned, || {
            // Nothing left: home from where the engineer is.
            let home = vehicle.end.unwrap_or(vehicle.start);
            let matrix = problem.matrix();
            (
                hub_problem.at(vehicle.shift.start + matrix.duration(vehicle.start, home)),
                matrix.distance(vehicle.start, home) as f64 / 1000.0,
            )
        }),
    }
}

/// Working minutes per station on the published day, idle engineers
/// included, in order of first appearance.
fn station_workloads(hub_problem: &HubProblem, solution: &Solution) -> Vec<StationWorkload> {
    let problem = &hub_problem.problem;
    let minutes: Vec<f64> = super::balance::plan_of(problem, solution)
        .iter()
        .enumerate()
        .map(|(vehicle, jobs)| {
            super::balance::working_seconds(problem, vehicle, jobs)
                .expect("checked routes are feasible") as f64
                / 60.0
        })
        .collect();
    let mut bases: Vec<(String, Vec<f64>)> = Vec::new();
    for (v, engineer) in hub_problem.engineers.iter().enumerate() {
        if hub_problem.days[v] != 0 {
            continue;
        }
        let base = base_name(engineer);
        match bases.iter_mut().find(|(name, _)| *name == base) {
            Some((_, group)) => group.push(minutes[v]),
            None => bases.push((base, vec![minutes[v]])),
        }
    }
    bases
        .into_iter()
        .filter_map(|(base, group)| StationWorkload::of(base, &group))
        .collect()
}

/// Turns a checked solution into the roster engineers and coordinators
/// see: the first day's routes; the next day's visits as tickets
/// `planned_tomorrow` (they stay open).
pub fn roster_from(
    hub: Region,
    date: NaiveDate,
    hub_problem: &HubProblem,
    solution: &Solution,
    objective: i64,
) -> Roster {
    let mut routes = Vec::new();
    let mut tomorrow = Vec::new();
    for vehicle in 0..hub_problem.engineers.len() {
        let route = solution.routes.iter().find(|r| r.vehicle == vehicle);
        let Some(engineer_route) = engineer_route(hub_problem, vehicle, route) else {
            continue;
        };
        if hub_problem.days[vehicle] == 0 {
            routes.push(engineer_route);
        } else {
            tomorrow.push(engineer_route);
        }
    }
    routes.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    tomorrow.sort_by(|a, b| a.engineer_id.cmp(&b.engineer_id));
    let mut unassigned = left_out(hub, date, hub_problem, solution);
    let mut part_plans = hub_problem.kept.parts.clone();
    part_plans.extend(part_plans_of(hub_problem, &routes));
    // Tomorrow's visits count for loaners: a repair planned too late for
    // its 48 h limit needs one whichever day it is on. Visits kept from the
    // revision replaced keep their loaners.
    let replanned: Vec<&Visit> = routes
        .iter()
        .chain(&tomorrow)
        .flat_map(|r| &r.visits)
        .filter(|v| v.kind == VisitKind::Fault)
        .filter(|v| hub_problem.tickets.iter().any(|t| t.id() == &v.ticket_id))
        .collect();
    let mut loaners = hub_problem.kept.loaners.clone();
    loaners.extend(loaners::loaners_for(hub_problem, &replanned, &unassigned));
    let tentative = Tentative::of(hub_problem, date, &tomorrow);
    unassigned.extend(tentative.listed);
    let workloads = station_workloads(hub_problem, solution);
    let summary = RosterSummary {
        objective,
        solve_seconds: solution.stats.seconds,
        tomorrow_planned: tentative.planned,
        tomorrow_repair_due: tentative.repair_due,
        ..summary_of(hub_problem, &routes, &workloads)
    };
    Roster {
        id: None,
        hub,
        date,
        created_at: Utc::now(),
        now: hub_problem.now,
        replaces: hub_problem.kept.roster,
        routes,
        unassigned,
        loaners,
        remote: Vec::new(),
        workloads,
        parts: part_plans,
        summary,
    }
}

/// The tickets the solution leaves out, each with its reason: waiting for
/// a part, or why nobody could take it and what would fix it.
fn left_out(
    hub: Region,
    date: NaiveDate,
    hub_problem: &HubProblem,
    solution: &Solution,
) -> Vec<UnassignedTicket> {
    solution
        .unassigned
        .iter()
        // A preventive visit left out is still due, not an unassigned ticket.
        .filter(|left_out| left_out.job < hub_problem.tickets.len())
        .map(|left_out| {
            let ticket = &hub_problem.tickets[left_out.job];
            if let Some(Some(parts::PartNeed::Awaiting(arrives_at))) =
                hub_problem.parts.needs.get(left_out.job)
            {
                return UnassignedTicket {
                    ticket_id: ticket.id().clone(),
                    reason: ReasonCode::AwaitingPart,
                    detail: format!(
                        "its {} is on order and arrives {}; the repair visit is planned then",
                        ticket.part().map_or("part", |p| p.as_str()),
                        arrives_at
                            .with_timezone(&service_offset())
                            .format("%Y-%m-%d %H:%M")
                    ),
                };
            }
            let mut detail = explain(hub, date, ticket, left_out.reason, hub_problem);
            detail.push_str(&overtime_fix(
                hub_problem,
                solution,
                left_out.job,
                left_out.reason,
            ));
            UnassignedTicket {
                ticket_id: ticket.id().clone(),
                reason: reason_code(left_out.reason),
                detail,
            }
        })
        .collect()
}

/// The parts the published day takes or orders. A reserved part leaves
/// the shelf only if its visit is planned; an order stands either way (the
/// part is needed whenever the visit is).
fn part_plans_of(
    hub_problem: &HubProblem,
    routes: &[EngineerRoute],
) -> Vec<crate::domain::PartPlan> {
    let visited: HashSet<&TicketId> = routes
        .iter()
        .flat_map(|r| r.visits.iter().map(|v| &v.ticket_id))
        .collect();
    hub_problem
        .parts
        .plans
        .iter()
        .filter(|p| p.action == PartAction::Ordered || visited.contains(&p.ticket_id))
        .cloned()
        .collect()
}

/// The next day's tentative visits, listed as `planned_tomorrow`.
struct Tentative {
    listed: Vec<UnassignedTicket>,
    planned: u32,
    /// Of those, the ones whose 48 h limit falls by the end of tomorrow.
    repair_due: u32,
}

impl Tentative {
    fn of(hub_problem: &HubProblem, date: NaiveDate, tomorrow: &[EngineerRoute]) -> Self {
        let end_of_tomorrow = hub_problem.at(2 * DAY_SECONDS);
        let clock = |at: chrono::DateTime<Utc>, format: &'static str| {
            at.with_timezone(&service_offset()).format(format)
        };
        let mut tentative = Tentative {
            listed: Vec::new(),
            planned: 0,
            repair_due: 0,
        };
        for route in tomorrow {
            for visit in &route.visits {
                tentative.planned += 1;
                tentative.repair_due += u32::from(visit.repaired_by <= end_of_tomorrow);
                tentative.listed.push(UnassignedTicket {
                    ticket_id: visit.ticket_id.clone(),
                    reason: ReasonCode::PlannedTomorrow,
                    detail: format!(
                        "not served today; tentatively planned for {} with engineer {}, arriving \
                         {} (on site by {}, repaired by {})",
                        date + chrono::Days::new(1),
                        route.engineer_id,
                        clock(visit.arrival, "%H:%M"),
                        clock(visit.on_site_by, "%a %H:%M"),
                        clock(visit.repaired_by, "%a %H:%M"),
                    ),
                });
            }
        }
        tentative
    }
}

/// The summary's counts of the published day's routes and workloads.
fn summary_of(
    hub_problem: &HubProblem,
    routes: &[EngineerRoute],
    workloads: &[StationWorkload],
) -> RosterSummary {
    let balanced: Vec<&StationWorkload> = workloads.iter().filter(|w| w.engineers > 1).collect();
    let mean_of = |value: fn(&StationWorkload) -> f64| {
        if balanced.is_empty() {
            0.0
        } else {
            balanced.iter().map(|w| value(w)).sum::<f64>() / balanced.len() as f64
        }
    };
    let visits = routes.iter().flat_map(|r| &r.visits);
    let preventive_placed = visits
        .clone()
        .filter(|v| v.kind == VisitKind::Preventive)
        .count() as u32;
    let faults = visits.clone().filter(|v| v.kind == VisitKind::Fault);
    let honest = Headline::of(hub_problem, routes);
    RosterSummary {
        tickets: hub_problem.tickets.len() as u32 + hub_problem.kept.fault_visits,
        resolved_remotely: 0,
        assigned: visits.count() as u32 - preventive_placed,
        on_time: faults.filter(|v| v.late_minutes == 0).count() as u32,
        reachable: honest.reachable,
        on_time_reachable: honest.on_time_reachable,
        overdue_at_now: honest.overdue,
        engineers_available: hub_problem.days.iter().filter(|d| **d == 0).count() as u32,
        engineers_used: routes.len() as u32,
        km: routes.iter().map(|r| r.km).sum(),
        assignment: None,
        workload_spread_minutes: mean_of(StationWorkload::spread_minutes),
        workload_std_minutes: mean_of(|w| w.std_minutes),
        preventive_placed,
        // Due and not placed: the due ones (those kept as published among
        // them) less those placed (the kept ones counted there too).
        preventive_due: (hub_problem.preventive.len() as u32 + hub_problem.kept.preventive_visits)
            .saturating_sub(preventive_placed),
        ..RosterSummary::default()
    }
}

/// The day's headline counted honestly at the plan's "now": of the
/// tickets planned, those already past their on-site deadline at "now"
/// (overdue: no plan can be on time for them), those a qualified engineer
/// of the day could still reach in time (leaving at once, from where they
/// are), and of those the ones the published routes reach in time.
struct Headline {
    overdue: u32,
    reachable: u32,
    on_time_reachable: u32,
}

impl Headline {
    fn of(hub_problem: &HubProblem, routes: &[EngineerRoute]) -> Self {
        let problem = &hub_problem.problem;
        let matrix = problem.matrix();
        let now = hub_problem.seconds(hub_problem.now);
        let arrival: std::collections::HashMap<&TicketId, chrono::DateTime<Utc>> = routes
            .iter()
            .flat_map(|r| &r.visits)
            .map(|v| (&v.ticket_id, v.arrival))
            .collect();
        let mut headline = Headline {
            overdue: 0,
            reachable: 0,
            on_time_reachable: 0,
        };
        for (job, ticket) in problem.jobs().iter().zip(&hub_problem.tickets) {
            let Some(deadline) = job.deadline else {
                continue;
            };
            if deadline.at <= now {
                headline.overdue += 1;
                continue;
            }
            let soonest = problem
                .vehicles()
                .iter()
                .zip(&hub_problem.days)
                .filter(|(vehicle, day)| **day == 0 && vehicle.can_serve(job))
                .map(|(vehicle, _)| {
                    vehicle.shift.start.max(job.envelope().start)
                        + matrix.duration(vehicle.start, job.location)
                })
                .min();
            if soonest.is_some_and(|at| at <= deadline.at) {
                headline.reachable += 1;
                let on_site_by = hub_problem.at(deadline.at);
                headline.on_time_reachable += u32::from(
                    arrival
                        .get(ticket.id())
                        .is_some_and(|arrived| *arrived <= on_site_by),
                );
            }
        }
        headline
    }
}

/// The roster's stable reason codes, in the dispatcher's words.
pub(crate) fn reason_code(reason: UnassignedReason) -> ReasonCode {
    match reason {
        UnassignedReason::NoVehicleWithSkills => ReasonCode::NoEngineerWithSkill,
        UnassignedReason::Unreachable => ReasonCode::Unreachable,
        UnassignedReason::NoRoom => ReasonCode::NoRoom,
        UnassignedReason::ExceedsCapacity => ReasonCode::ExceedsCapacity,
    }
}

/// The fix a day too short calls for, as a clause to append to a reason:
/// "; N minutes of overtime for E would take it". Only for the reasons
/// about hours (a full day, or a site too far for the shift that is left);
/// empty otherwise, or when even a longer day would not help.
pub(crate) fn overtime_fix(
    hub_problem: &HubProblem,
    solution: &Solution,
    job: usize,
    reason: UnassignedReason,
) -> String {
    if !matches!(
        reason,
        UnassignedReason::NoRoom | UnassignedReason::Unreachable
    ) {
        return String::new();
    }
    match overtime::least_overtime(&hub_problem.problem, solution, job) {
        Some((v, seconds)) => format!(
            "; {} minutes of overtime for {} would take it",
            (seconds + 59) / 60,
            hub_problem.engineers[v].id()
        ),
        None => String::new(),
    }
}

/// A sentence a coordinator can act on: who is missing, or why nobody fits.
pub(crate) fn explain(
    hub: Region,
    date: NaiveDate,
    ticket: &Ticket,
    reason: UnassignedReason,
    hub_problem: &HubProblem,
) -> String {
    let skill = skill_words(ticket.skill());
    let needs_senior = ticket.severity().level() == 1;
    match reason {
        UnassignedReason::NoVehicleWithSkills => {
            let holds = |e: &&Engineer| e.skill_set().contains(ticket.skill());
            let senior = |e: &&Engineer| e.certification() == Certification::Senior;
            let working_with_skill = hub_problem.engineers.iter().filter(holds).count();
            let off_with_skill = hub_problem.engineers_off.iter().filter(holds).count();
            if working_with_skill + off_with_skill == 0 {
                format!("no engineer in the {hub} region holds the {skill} skill")
            } else if working_with_skill == 0 {
                format!(
                    "no engineer of the {hub} region who holds the {skill} skill works on {date}"
                )
            } else if needs_senior
                && hub_problem
                    .engineers
                    .iter()
                    .filter(holds)
                    .filter(senior)
                    .count()
                    == 0
            {
                format!(
                    "a severity-1 fault needs a senior engineer, and no senior engineer of the {hub} region working on {date} holds the {skill} skill"
                )
            } else {
                // Qualified engineers exist but none of them may serve this
                // site: name the nearest as the one to borrow from.
                let nearest = hub_problem
                    .engineers
                    .iter()
                    .filter(holds)
                    .filter(|e| !needs_senior || senior(e))
                    .map(|e| (e.home().haversine_meters(&ticket.site()) / 1000.0, e))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                match nearest {
                    Some((km, engineer)) => format!(
                        "no qualified engineer of a station within reach works on {date}; \
                         borrow {} of {} ({km:.0} km away)",
                        engineer.id(),
                        match engineer.base() {
                            EngineerBase::Station(station) => format!("station {station}"),
                            EngineerBase::Hub(region) => format!("the {region} hub"),
                        }
                    ),
                    None => format!(
                        "no engineer of the {hub} region working on {date} is qualified for it"
                    ),
                }
            }
        }
        UnassignedReason::Unreachable => {
            "no qualified engineer can reach it within the day".to_string()
        }
        UnassignedReason::NoRoom => "every qualified engineer's day is full".to_string(),
        UnassignedReason::ExceedsCapacity => {
            "no qualified engineer can carry what it needs".to_string()
        }
    }
}

fn skill_words(skill: Skill) -> &'static str {
    match skill {
        Skill::PcHardware => "PC hardware",
        Skill::Printer => "printer",
        Skill::Server => "server",
        Skill::Storage => "storage",
        Skill::Network => "network",
        Skill::Systems => "systems",
        Skill::Integration => "integration",
    }
}
