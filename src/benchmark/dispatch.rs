//! The national-day dispatch benchmark: Ruyi's plan of every hub beside a
//! greedy baseline — each ticket, in report order, to the nearest qualified
//! engineer who can still fit it into the day — measured the same way.

use std::time::Instant;

use chrono::NaiveDate;

use crate::dispatch::{
    self, CallCenter, DispatchError, HubDay, HubProblem, PlanOptions, greedy_plan, triage,
};
use crate::domain::{Engineer, EngineerId, Region, Roster, Ticket};
use crate::optimize;
use crate::travel::TravelModel;

/// What a dispatcher compares, for one way of planning a national day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayFigures {
    pub tickets: usize,
    /// Resolved by the call center without a visit (same for both planners).
    pub resolved_remotely: usize,
    /// Tickets that need a visit: the routes' work.
    pub to_visit: usize,
    pub assigned: usize,
    /// Tickets already past their on-site deadline when the plan is made
    /// (08:00): no plan can keep their promise any more.
    pub overdue_at_now: usize,
    /// Tickets whose on-site deadline lies after the plan's time.
    pub reachable: usize,
    /// Of those, visited by the deadline.
    pub on_time_reachable: usize,
    /// Tickets visited by their on-site deadline (12 h, or the contract's).
    pub on_site_in_time: usize,
    /// Tickets visited and finished by their repair deadline (48 h).
    pub repaired_in_time: usize,
    /// Loaners planned because a repair misses its 48 h limit.
    pub loaners: usize,
    pub km: f64,
    pub engineers_used: usize,
    pub seconds: f64,
    /// Tickets tentatively planned for the next day (two-day horizon).
    pub tomorrow_planned: usize,
    /// Sums over the hubs of the assignment MIP's objective and proven
    /// bound (kilometre-equivalents), and the largest gap of a hub, when a
    /// MIP ran.
    pub mip_objective: f64,
    pub mip_bound: f64,
    pub mip_max_gap_percent: f64,
    /// Hub-days whose routes came from the MIP's assignment (the rest were
    /// cheaper from scratch).
    pub mip_seeded_days: u32,
    /// Mean over the hubs' stations of the max − min of working minutes.
    pub workload_spread_minutes: f64,
    stations_balanced: usize,
}

impl DayFigures {
    /// On site in time, among the tickets that need a visit and whose
    /// deadline had not passed when the plan was made: the share a plan
    /// made at that hour can be held to.
    pub fn on_site_share(&self) -> f64 {
        share(self.on_time_reachable, self.reachable)
    }
    /// Repaired in time among all tickets; a remote resolution counts.
    pub fn repaired_share(&self) -> f64 {
        share(self.repaired_in_time + self.resolved_remotely, self.tickets)
    }

    fn add(&mut self, roster: &Roster) {
        self.tickets += roster.summary.tickets as usize;
        self.resolved_remotely += roster.summary.resolved_remotely as usize;
        self.to_visit +=
            roster.summary.tickets as usize - roster.summary.resolved_remotely as usize;
        self.assigned += roster.summary.assigned as usize;
        self.overdue_at_now += roster.summary.overdue_at_now as usize;
        self.reachable += roster.summary.reachable as usize;
        self.on_time_reachable += roster.summary.on_time_reachable as usize;
        self.km += roster.summary.km;
        self.engineers_used += roster.summary.engineers_used as usize;
        self.loaners += roster.loaners.len();
        self.tomorrow_planned += roster.summary.tomorrow_planned as usize;
        if let Some(mip) = &roster.summary.assignment {
            self.mip_objective += mip.objective;
            self.mip_bound += mip.bound;
            self.mip_max_gap_percent = self.mip_max_gap_percent.max(mip.gap_percent);
            self.mip_seeded_days += mip.seeded_days;
        }
        // A running mean over the stations with two engineers or more.
        for workload in roster.workloads.iter().filter(|w| w.engineers > 1) {
            self.stations_balanced += 1;
            self.workload_spread_minutes += (workload.spread_minutes()
                - self.workload_spread_minutes)
                / self.stations_balanced as f64;
        }
        for visit in roster.routes.iter().flat_map(|r| &r.visits) {
            self.on_site_in_time += usize::from(visit.arrival <= visit.on_site_by);
            self.repaired_in_time += usize::from(visit.departure <= visit.repaired_by);
        }
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// A workforce of `count` for the scale benchmark: the shipped engineers,
/// then copies of them round-robin (same station, home, skills and shift;
/// the id gets a `-2`, `-3`, … suffix) — a network with the same shape and
/// more people at every station. A smaller `count` keeps the first ones.
pub fn scaled_workforce(engineers: &[Engineer], count: usize) -> Vec<Engineer> {
    (0..count)
        .filter_map(|i| {
            let original = engineers.get(i % engineers.len().max(1))?;
            let copy = i / engineers.len();
            if copy == 0 {
                return Some(original.clone());
            }
            let id = EngineerId::parse(format!("{}-{}", original.id(), copy + 1))
                .expect("a suffixed id stays an id");
            Some(
                Engineer::new(crate::domain::EngineerProfile {
                    id,
                    name: original.name().into(),
                    base: original.base().clone(),
                    region: original.region(),
                    home: original.home(),
                    skills: original.skills().to_vec(),
                    certification: original.certification(),
                    shift: original.shift(),
                })
                .expect("a copy of a valid engineer is valid"),
            )
        })
        .collect()
}

/// Which planner a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planner {
    Greedy,
    Ruyi,
}

/// A national day to plan: its date, every hub's tickets and engineers,
/// and the travel model.
#[derive(Clone, Copy)]
pub struct NationalDay<'a> {
    pub date: NaiveDate,
    pub tickets: &'a [Ticket],
    pub engineers: &'a [Engineer],
    pub travel: &'a dyn TravelModel,
}

/// Plans every hub's share of the day's tickets with `planner`, after the
/// same call-center triage for both; every plan goes through the
/// independent checker before it counts. Hubs are planned on `threads`
/// threads (each plan is deterministic on its own, so the figures do not
/// depend on the thread count); `progress` hears of each hub as it
/// finishes.
pub fn plan_day(
    planner: Planner,
    day: NationalDay,
    options: &PlanOptions,
    threads: usize,
    progress: impl Fn(Region) + Sync,
) -> Result<(DayFigures, Vec<Roster>), DispatchError> {
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let plan_next = || -> Vec<(usize, Result<Roster, DispatchError>)> {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&hub) = Region::ALL.get(index) else {
                return done;
            };
            let roster = plan_hub_with(planner, hub, day, options);
            progress(hub);
            done.push((index, roster));
        }
    };
    let mut planned: Vec<(usize, Result<Roster, DispatchError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| scope.spawn(plan_next))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a hub's planning thread panicked"))
            .collect()
    });
    planned.sort_by_key(|(index, _)| *index);
    let mut figures = DayFigures::default();
    let mut rosters = Vec::new();
    for (_, roster) in planned {
        let roster = roster?;
        figures.add(&roster);
        rosters.push(roster);
    }
    figures.seconds = started.elapsed().as_secs_f64();
    Ok((figures, rosters))
}

fn plan_hub_with(
    planner: Planner,
    hub: Region,
    day: NationalDay,
    options: &PlanOptions,
) -> Result<Roster, DispatchError> {
    let hub_tickets: Vec<Ticket> = day
        .tickets
        .iter()
        .filter(|t| t.region() == hub)
        .cloned()
        .collect();
    let count = hub_tickets.len();
    match planner {
        Planner::Ruyi => {
            let hub_day = HubDay::new(hub, day.date, hub_tickets, day.engineers.to_vec())?
                .with_call_center(CallCenter::default())
                .with_now(dispatch::morning_of(day.date));
            dispatch::plan(&hub_day, day.travel, options)
        }
        Planner::Greedy => {
            let triaged = triage(&hub_tickets, &CallCenter::default(), options.seed);
            let hub_day = HubDay::new(
                hub,
                day.date,
                triaged.dispatch.clone(),
                day.engineers.to_vec(),
            )?
            .with_now(dispatch::morning_of(day.date));
            let hub_problem = HubProblem::build(&hub_day, 1, day.travel)?;
            let solution =
                optimize::build_solution(&hub_problem.problem, &greedy_plan(&hub_problem));
            let objective = dispatch::checked(&hub_problem.problem, &solution)?;
            let mut roster =
                dispatch::roster_from(hub, day.date, &hub_problem, &solution, objective.total());
            triaged.complete(&mut roster, count);
            Ok(roster)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Network, generate_tickets};
    use crate::travel::GreatCircle;

    #[test]
    fn the_greedy_baseline_is_feasible_and_serves_in_report_order_where_it_can() {
        let network = Network::shipped().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let tickets = generate_tickets(&network, date, 120, 3);
        let day = NationalDay {
            date,
            tickets: &tickets,
            engineers: &network.engineers,
            travel: &GreatCircle::default(),
        };
        let (figures, rosters) =
            plan_day(Planner::Greedy, day, &PlanOptions::default(), 2, |_| {}).unwrap();
        assert_eq!(figures.tickets, 120);
        assert_eq!(rosters.len(), 7);
        let assigned: usize = rosters.iter().map(|r| r.summary.assigned as usize).sum();
        assert!(assigned > 60, "greedy assigned only {assigned}");
        assert!(figures.on_site_in_time <= assigned);
        assert!(figures.km > 0.0);
    }

    #[test]
    fn a_scaled_workforce_repeats_every_station_with_new_ids() {
        let network = Network::shipped().unwrap();
        let shipped = network.engineers.len();
        let scaled = scaled_workforce(&network.engineers, shipped * 2 + 3);
        assert_eq!(scaled.len(), shipped * 2 + 3);
        let ids: std::collections::HashSet<_> = scaled.iter().map(|e| e.id().clone()).collect();
        assert_eq!(ids.len(), scaled.len(), "ids stay unique");
        let copy = &scaled[shipped];
        assert_eq!(
            copy.id().as_str(),
            format!("{}-2", network.engineers[0].id())
        );
        assert_eq!(copy.base(), network.engineers[0].base());
        assert_eq!(copy.shift(), network.engineers[0].shift());
        assert_eq!(scaled_workforce(&network.engineers, 5).len(), 5);
    }
}
