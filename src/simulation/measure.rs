//! What a policy's run is measured by: each ticket's fate against its own
//! deadlines, each engineer-day's kilometres, overtime and changes, each
//! plan's time — counted from what happened in the simulation, never from
//! what a plan promised.

use std::collections::HashMap;

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;

use super::Policy;
use crate::domain::{
    EngineerId, Region, ServiceHours, ShiftPattern, Ticket, TicketId, service_offset,
};

/// What became of one ticket.
#[derive(Debug, Clone)]
pub struct TicketFate {
    pub ticket_id: TicketId,
    pub severity: u8,
    /// The contract's clocks: `7x24` or `5x8` (service hours).
    pub clock: &'static str,
    pub hub: Region,
    pub reported_at: DateTime<Utc>,
    pub on_site_by: DateTime<Utc>,
    pub repaired_by: DateTime<Utc>,
    /// An idle qualified engineer could have been there in time.
    pub attainable: bool,
    pub first_arrival: Option<DateTime<Utc>>,
    pub repaired_at: Option<DateTime<Utc>>,
    /// Resolved by the call center without a visit, at this time.
    pub remote_at: Option<DateTime<Utc>>,
    /// Visits finished so far.
    pub visits: u32,
    closed: bool,
    /// Hindsight: already handed to the dispatcher.
    pub(super) revealed: bool,
}

impl TicketFate {
    pub(super) fn new(ticket: &Ticket, attainable: bool) -> Self {
        let deadlines = ticket.deadlines();
        TicketFate {
            ticket_id: ticket.id().clone(),
            severity: ticket.severity().level(),
            clock: match deadlines.hours {
                ServiceHours::FiveByEight => "5x8",
                ServiceHours::SevenByTwentyFour => "7x24",
            },
            hub: ticket.region(),
            reported_at: ticket.reported_at(),
            on_site_by: deadlines.on_site_by,
            repaired_by: deadlines.repaired_by,
            attainable,
            first_arrival: None,
            repaired_at: None,
            remote_at: None,
            visits: 0,
            closed: false,
            revealed: false,
        }
    }

    pub(super) fn needs_visit(&self) -> bool {
        !self.closed
    }

    pub(super) fn arrived(&mut self, at: DateTime<Utc>) {
        self.first_arrival.get_or_insert(at);
    }

    pub(super) fn finished(&mut self, at: DateTime<Utc>, fixed: bool) {
        self.visits += 1;
        if fixed {
            self.closed = true;
            self.repaired_at = Some(at);
        }
    }

    pub(super) fn resolved_remotely(&mut self, at: DateTime<Utc>) {
        if self.first_arrival.is_none() && !self.closed {
            self.closed = true;
            self.remote_at = Some(at);
            self.repaired_at = Some(at);
        }
    }

    /// The 12 h promise kept: on site by the deadline, or fixed by the
    /// call center before it (no visit needed).
    pub fn on_site_in_time(&self) -> bool {
        self.first_arrival
            .or(self.remote_at)
            .is_some_and(|at| at <= self.on_site_by)
    }

    pub fn repaired_in_time(&self) -> bool {
        self.repaired_at.is_some_and(|at| at <= self.repaired_by)
    }
}

/// One engineer's day as it went.
#[derive(Debug, Clone, Default)]
pub struct EngineerDay {
    /// Some revision gave the engineer a route that day.
    pub routed: bool,
    /// Revisions that changed what the engineer had been told was next.
    pub changes: u32,
    pub km: f64,
    pub worked_seconds: i64,
    pub overtime_seconds: i64,
}

/// How long one plan took (wall clock, planning and storing): the time a
/// hub's change waits for its placement. Hubs due at the same instant plan
/// side by side, so their times overlap and include each other's share of
/// the machine.
#[derive(Debug, Clone, Copy)]
pub struct PlanTiming {
    pub hub: Region,
    pub seconds: f64,
}

/// Everything measured in one policy's run.
#[derive(Debug, Clone)]
pub struct PolicyRun {
    pub policy: Policy,
    /// The tickets reported in the simulated period.
    pub fates: Vec<TicketFate>,
    pub days: Vec<(Region, EngineerDay)>,
    pub timings: Vec<PlanTiming>,
    /// Loaners on the revisions in force, per hub.
    pub loaners: HashMap<Region, usize>,
    /// Engineer events the store refused (the engineer went on regardless).
    pub refused_events: usize,
    pub events: u64,
    /// Plans that failed (the published plan stayed).
    pub failed_plans: usize,
    /// Every visit made, as it happened.
    pub visits: Vec<VisitRecord>,
}

impl PolicyRun {
    /// One policy's run from its runs over disjoint sets of hubs (see
    /// [`super::SimulationConfig::hubs`]): tickets in the order they were
    /// reported, visits in the order they ended, counts added up. `None`
    /// when there is nothing to merge or the runs are of different
    /// policies.
    pub fn merge(parts: Vec<PolicyRun>) -> Option<PolicyRun> {
        let policy = parts.first()?.policy;
        if parts.iter().any(|part| part.policy != policy) {
            return None;
        }
        let mut run = PolicyRun {
            policy,
            fates: Vec::new(),
            days: Vec::new(),
            timings: Vec::new(),
            loaners: HashMap::new(),
            refused_events: 0,
            events: 0,
            failed_plans: 0,
            visits: Vec::new(),
        };
        for part in parts {
            run.fates.extend(part.fates);
            run.days.extend(part.days);
            run.timings.extend(part.timings);
            for (hub, loaners) in part.loaners {
                *run.loaners.entry(hub).or_default() += loaners;
            }
            run.refused_events += part.refused_events;
            run.events += part.events;
            run.failed_plans += part.failed_plans;
            run.visits.extend(part.visits);
        }
        run.fates
            .sort_by(|a, b| (a.reported_at, &a.ticket_id).cmp(&(b.reported_at, &b.ticket_id)));
        run.visits.sort_by(|a, b| {
            (a.finished_at, &a.engineer, &a.ticket).cmp(&(b.finished_at, &b.engineer, &b.ticket))
        });
        Some(run)
    }
}

/// One visit as it happened.
#[derive(Debug, Clone)]
pub struct VisitRecord {
    pub engineer: EngineerId,
    pub ticket: TicketId,
    pub reported_at: DateTime<Utc>,
    /// The "now" of the revision that sent the engineer.
    pub planned_at: DateTime<Utc>,
    pub left_at: DateTime<Utc>,
    pub arrived_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub fixed: bool,
    /// The part worked beyond the engineer's shift.
    pub overtime_seconds: i64,
}

/// What must hold of every run, whatever the policy: no ticket visited
/// before it was reported or by an engineer sent before the plan that
/// sent them existed, no ticket visited by two engineers at once or after
/// it was fixed, no engineer in two places at once, and every visit
/// inside its engineer's shift or counted as overtime. The first breach,
/// named; `engineers` gives each engineer's shift.
pub fn check_invariants(
    run: &PolicyRun,
    engineers: &HashMap<EngineerId, ShiftPattern>,
) -> Result<(), String> {
    let mut by_ticket: HashMap<&TicketId, Vec<&VisitRecord>> = HashMap::new();
    let mut by_engineer: HashMap<&EngineerId, Vec<&VisitRecord>> = HashMap::new();
    for visit in &run.visits {
        // Hindsight may send someone on the way before the report (it
        // knows the day at midnight); no one is on site before it.
        if visit.arrived_at < visit.reported_at {
            return Err(format!(
                "{} visited {} before its report",
                visit.engineer, visit.ticket
            ));
        }
        if visit.left_at < visit.planned_at {
            return Err(format!(
                "{} left for {} at {} before the plan of {} existed",
                visit.engineer, visit.ticket, visit.left_at, visit.planned_at
            ));
        }
        if !(visit.left_at <= visit.arrived_at && visit.arrived_at <= visit.finished_at) {
            return Err(format!(
                "{}'s visit to {} runs backwards",
                visit.engineer, visit.ticket
            ));
        }
        let shift = engineers
            .get(&visit.engineer)
            .ok_or_else(|| format!("{} is no engineer of the network", visit.engineer))?;
        let date = visit.left_at.with_timezone(&service_offset()).date_naive();
        let inside = shift.window_on(date).is_some_and(|window| {
            window.start() <= visit.left_at && visit.finished_at <= window.end()
        });
        if !inside
            && visit.overtime_seconds == 0
            && matches!(shift, ShiftPattern::FiveByEight { .. })
        {
            return Err(format!(
                "{}'s visit to {} ({} to {}) is outside the shift and not counted as overtime",
                visit.engineer, visit.ticket, visit.left_at, visit.finished_at
            ));
        }
        by_ticket.entry(&visit.ticket).or_default().push(visit);
        by_engineer.entry(&visit.engineer).or_default().push(visit);
    }
    for (ticket, visits) in &mut by_ticket {
        visits.sort_by_key(|v| v.arrived_at);
        for pair in visits.windows(2) {
            if pair[1].arrived_at < pair[0].finished_at {
                return Err(format!("{ticket} was served by two engineers at once"));
            }
            if pair[0].fixed {
                return Err(format!("{ticket} was visited again after it was fixed"));
            }
        }
    }
    for (engineer, visits) in &mut by_engineer {
        visits.sort_by_key(|v| v.left_at);
        for pair in visits.windows(2) {
            if pair[1].left_at < pair[0].finished_at {
                return Err(format!(
                    "{engineer} was in two places at once ({} and {})",
                    pair[0].ticket, pair[1].ticket
                ));
            }
        }
    }
    Ok(())
}

/// One line of the comparison: a policy at a hub, or nationally (`all`).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub policy: String,
    pub hub: String,
    pub tickets: usize,
    pub attainable: usize,
    pub remote: usize,
    pub on_site_12h_pct: f64,
    pub on_site_12h_attainable_pct: f64,
    pub repaired_48h_pct: f64,
    pub median_hours_to_site: f64,
    pub p90_hours_to_site: f64,
    pub km: f64,
    pub overtime_hours: f64,
    pub loaners: usize,
    pub changes_per_engineer_day: f64,
    pub plans: usize,
    pub dispatcher_seconds: f64,
    pub p99_plan_seconds: f64,
}

/// The run's rows: one per hub, then the national one.
pub fn rows(run: &PolicyRun) -> Vec<Row> {
    let mut rows: Vec<Row> = Region::ALL
        .into_iter()
        .map(|hub| row(run, Some(hub)))
        .collect();
    rows.push(row(run, None));
    rows
}

fn row(run: &PolicyRun, hub: Option<Region>) -> Row {
    let here = |region: Region| hub.is_none_or(|hub| hub == region);
    let fates: Vec<&TicketFate> = run.fates.iter().filter(|f| here(f.hub)).collect();
    let attainable: Vec<&&TicketFate> = fates.iter().filter(|f| f.attainable).collect();
    let mut hours: Vec<f64> = fates
        .iter()
        .filter_map(|f| f.first_arrival.map(|at| hours(at - f.reported_at)))
        .collect();
    hours.sort_by(f64::total_cmp);
    let days: Vec<&EngineerDay> = run
        .days
        .iter()
        .filter(|(region, _)| here(*region))
        .map(|(_, day)| day)
        .collect();
    let routed = days.iter().filter(|d| d.routed).count();
    let mut plans: Vec<f64> = run
        .timings
        .iter()
        .filter(|t| here(t.hub))
        .map(|t| t.seconds)
        .collect();
    plans.sort_by(f64::total_cmp);
    Row {
        policy: run.policy.code().to_string(),
        hub: hub.map_or("all".to_string(), |h| h.code().to_string()),
        tickets: fates.len(),
        attainable: attainable.len(),
        remote: fates.iter().filter(|f| f.remote_at.is_some()).count(),
        on_site_12h_pct: percent(
            fates.iter().filter(|f| f.on_site_in_time()).count(),
            fates.len(),
        ),
        on_site_12h_attainable_pct: percent(
            attainable.iter().filter(|f| f.on_site_in_time()).count(),
            attainable.len(),
        ),
        repaired_48h_pct: percent(
            fates.iter().filter(|f| f.repaired_in_time()).count(),
            fates.len(),
        ),
        median_hours_to_site: quantile(&hours, 0.5),
        p90_hours_to_site: quantile(&hours, 0.9),
        km: days.iter().map(|d| d.km).sum(),
        overtime_hours: days.iter().map(|d| d.overtime_seconds).sum::<i64>() as f64 / 3600.0,
        loaners: Region::ALL
            .into_iter()
            .filter(|&r| here(r))
            .map(|r| run.loaners.get(&r).copied().unwrap_or(0))
            .sum(),
        changes_per_engineer_day: if routed == 0 {
            0.0
        } else {
            days.iter().map(|d| f64::from(d.changes)).sum::<f64>() / routed as f64
        },
        plans: plans.len(),
        dispatcher_seconds: plans.iter().sum(),
        p99_plan_seconds: quantile(&plans, 0.99),
    }
}

/// One line per ticket: what became of it (for a closer look at a run).
pub fn fates_csv(run: &PolicyRun) -> String {
    let time = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.with_timezone(&service_offset()).to_rfc3339())
            .unwrap_or_default()
    };
    let mut text = String::from(
        "ticket,hub,severity,clock,reported_at,on_site_by,repaired_by,attainable,first_arrival,\
         remote_at,repaired_at,visits,on_site_in_time,repaired_in_time\n",
    );
    for fate in &run.fates {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            fate.ticket_id,
            fate.hub,
            fate.severity,
            fate.clock,
            time(Some(fate.reported_at)),
            time(Some(fate.on_site_by)),
            time(Some(fate.repaired_by)),
            fate.attainable,
            time(fate.first_arrival),
            time(fate.remote_at),
            time(fate.repaired_at),
            fate.visits,
            fate.on_site_in_time(),
            fate.repaired_in_time(),
        ));
    }
    text
}

/// The 12 h share by the local hour a ticket was reported in.
#[derive(Debug, Clone, Serialize)]
pub struct HourShare {
    pub policy: String,
    pub hour: u32,
    pub tickets: usize,
    pub on_site_12h_pct: f64,
}

pub fn share_by_hour(run: &PolicyRun) -> Vec<HourShare> {
    (0..24)
        .map(|hour| {
            let fates: Vec<&TicketFate> = run
                .fates
                .iter()
                .filter(|f| f.reported_at.with_timezone(&service_offset()).hour() == hour)
                .collect();
            HourShare {
                policy: run.policy.code().to_string(),
                hour,
                tickets: fates.len(),
                on_site_12h_pct: percent(
                    fates.iter().filter(|f| f.on_site_in_time()).count(),
                    fates.len(),
                ),
            }
        })
        .collect()
}

fn hours(duration: chrono::Duration) -> f64 {
    duration.num_seconds() as f64 / 3600.0
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The `share` quantile of sorted values (nearest rank); 0 when empty.
fn quantile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&values, 0.5), 5.0);
        assert_eq!(quantile(&values, 0.9), 9.0);
        assert_eq!(quantile(&values, 0.99), 10.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    fn run_of(policy: Policy, hub: Region, loaners: usize) -> PolicyRun {
        PolicyRun {
            policy,
            fates: Vec::new(),
            days: Vec::new(),
            timings: vec![PlanTiming { hub, seconds: 0.5 }],
            loaners: HashMap::from([(hub, loaners)]),
            refused_events: 1,
            events: 10,
            failed_plans: 0,
            visits: Vec::new(),
        }
    }

    #[test]
    fn runs_of_one_policy_over_several_hubs_add_up() {
        let merged = PolicyRun::merge(vec![
            run_of(Policy::Live, Region::East, 2),
            run_of(Policy::Live, Region::North, 3),
        ])
        .unwrap();
        assert_eq!(merged.events, 20);
        assert_eq!(merged.refused_events, 2);
        assert_eq!(merged.timings.len(), 2);
        assert_eq!(merged.loaners[&Region::North], 3);
        // Nothing to merge, or two policies, is no run.
        assert!(PolicyRun::merge(Vec::new()).is_none());
        assert!(
            PolicyRun::merge(vec![
                run_of(Policy::Live, Region::East, 0),
                run_of(Policy::Greedy, Region::North, 0),
            ])
            .is_none()
        );
    }
}
