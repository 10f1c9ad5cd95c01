//! Where the fault goes: every position of every engineer allowed to take
//! it, timed exactly; visits the fault pushes back moved to others while
//! that lowers the day's cost; and, only when the fault fits nowhere, less
//! severe visits giving way (see the module docs of [`super`]).

use crate::optimize::{Problem, Scheduled, StopKind, schedule};

use super::CHANGE_TOLERANCE_SECONDS;
use crate::dispatch::UNASSIGNED_PENALTY;

/// The re-planning problem and the stored day it is compared with.
pub(super) struct Replan<'a> {
    pub(super) problem: &'a Problem,
    pub(super) emergency: usize,
    /// Per job: the vehicle and arrival (seconds) of the stored roster.
    pub(super) stored: &'a [(usize, i64)],
    pub(super) pinned: &'a [bool],
    /// Less severe than the fault: may give way when nothing else helps.
    pub(super) deferrable: &'a [bool],
}

/// A route timed, with its cost and the changes on it.
#[derive(Debug, Clone)]
pub(super) struct Timed {
    pub(super) cost: i64,
    pub(super) changes: usize,
    pub(super) scheduled: Scheduled,
}

impl Replan<'_> {
    pub(super) fn time(&self, vehicle: usize, jobs: &[usize]) -> Option<Timed> {
        let scheduled = schedule(self.problem, vehicle, jobs)?;
        let fixed = if jobs.is_empty() {
            0
        } else {
            self.problem.vehicles()[vehicle].fixed_cost
        };
        let changes = scheduled
            .route
            .stops
            .iter()
            .filter(|stop| match stop.kind {
                StopKind::Job(job) if job != self.emergency => {
                    let (was_with, was_at) = self.stored[job];
                    was_with != vehicle || (stop.arrival - was_at).abs() > CHANGE_TOLERANCE_SECONDS
                }
                _ => false,
            })
            .count();
        Some(Timed {
            cost: fixed + scheduled.travel_cost + scheduled.lateness_cost,
            changes,
            scheduled,
        })
    }

    pub(super) fn can_serve(&self, vehicle: usize, job: usize) -> bool {
        self.problem.vehicles()[vehicle].can_serve(&self.problem.jobs()[job])
    }
}

/// The day being changed: a sequence and its timing per vehicle.
pub(super) struct Day {
    pub(super) plan: Vec<Vec<usize>>,
    pub(super) timed: Vec<Timed>,
    /// Visits that gave way to the fault and wait for another day.
    pub(super) deferred: Vec<usize>,
}

/// New sequences for some vehicles, timed, and visits deferred.
#[derive(Debug, Clone)]
pub(super) struct Edit {
    pub(super) routes: Vec<(usize, Vec<usize>, Timed)>,
    pub(super) deferred: Vec<usize>,
}

impl Edit {
    fn routes(routes: Vec<(usize, Vec<usize>, Timed)>) -> Self {
        Edit {
            routes,
            deferred: Vec::new(),
        }
    }
}

impl Day {
    pub(super) fn cost(&self) -> i64 {
        self.timed.iter().map(|t| t.cost).sum::<i64>()
            + UNASSIGNED_PENALTY * self.deferred.len() as i64
    }

    pub(super) fn changes(&self) -> usize {
        self.timed.iter().map(|t| t.changes).sum::<usize>() + self.deferred.len()
    }

    fn cost_with(&self, edit: &Edit) -> i64 {
        edit.routes
            .iter()
            .fold(self.cost(), |cost, (vehicle, _, timed)| {
                cost - self.timed[*vehicle].cost + timed.cost
            })
            + UNASSIGNED_PENALTY * edit.deferred.len() as i64
    }

    fn changes_with(&self, edit: &Edit) -> usize {
        edit.routes
            .iter()
            .fold(self.changes(), |changes, (vehicle, _, timed)| {
                changes - self.timed[*vehicle].changes + timed.changes
            })
            + edit.deferred.len()
    }

    pub(super) fn apply(&mut self, edit: Edit) {
        for (vehicle, jobs, timed) in edit.routes {
            self.plan[vehicle] = jobs;
            self.timed[vehicle] = timed;
        }
        self.deferred.extend(edit.deferred);
    }

    /// The cheapest way to move `job` into another vehicle's sequence than
    /// `from`, with the cost of the day after `edit` plus the move.
    fn cheapest_move(
        &self,
        replan: &Replan,
        job: usize,
        from: usize,
    ) -> Option<(usize, Vec<usize>, Timed)> {
        let mut best: Option<(i64, usize, Vec<usize>, Timed)> = None;
        for other in (0..self.plan.len()).filter(|&o| o != from) {
            if !replan.can_serve(other, job) {
                continue;
            }
            for position in 0..=self.plan[other].len() {
                let mut jobs = self.plan[other].clone();
                jobs.insert(position, job);
                let Some(timed) = replan.time(other, &jobs) else {
                    continue;
                };
                let added = timed.cost - self.timed[other].cost;
                if best.as_ref().is_none_or(|b| added < b.0) {
                    best = Some((added, other, jobs, timed));
                }
            }
        }
        best.map(|(_, other, jobs, timed)| (other, jobs, timed))
    }
}

/// Where the fault arrives in an edit: (lateness, arrival).
pub(super) fn fault_stop(replan: &Replan, edit: &Edit) -> (i64, i64) {
    edit.routes
        .iter()
        .flat_map(|(_, _, timed)| &timed.scheduled.route.stops)
        .find(|stop| stop.kind == StopKind::Job(replan.emergency))
        .map(|stop| (stop.lateness, stop.arrival))
        .expect("the fault is in the edit")
}

/// The best placement of the fault within the budget, and the fewest
/// changes any feasible placement needs (to explain a refusal). A position
/// that makes the day too long for its engineer is tried again with one
/// visit after it moved to another engineer, when the budget allows and no
/// placement in time was found. Only when the fault fits nowhere at all
/// does a less severe visit after it give way and wait for another day
/// (or, when one is not enough, the latest ones after it): a system down
/// comes before a visit that can wait.
pub(super) fn best_placement(
    replan: &Replan,
    day: &Day,
    max_changes: usize,
) -> (Option<Edit>, Option<usize>) {
    let mut best: Option<((i64, i64, i64), Edit)> = None;
    let mut fewest_changes: Option<usize> = None;
    let mut too_long = Vec::new();
    let mut consider = |edit: Edit, best: &mut Option<((i64, i64, i64), Edit)>| {
        let changes = day.changes_with(&edit);
        fewest_changes = Some(fewest_changes.map_or(changes, |f| f.min(changes)));
        if changes > max_changes {
            return;
        }
        let (lateness, arrival) = fault_stop(replan, &edit);
        let key = (lateness, day.cost_with(&edit), arrival);
        if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
            *best = Some((key, edit));
        }
    };
    for vehicle in 0..day.plan.len() {
        if !replan.can_serve(vehicle, replan.emergency) {
            continue;
        }
        for position in 0..=day.plan[vehicle].len() {
            let mut jobs = day.plan[vehicle].clone();
            jobs.insert(position, replan.emergency);
            match replan.time(vehicle, &jobs) {
                Some(timed) => consider(Edit::routes(vec![(vehicle, jobs, timed)]), &mut best),
                None => too_long.push((vehicle, position, jobs)),
            }
        }
    }
    let in_time = best
        .as_ref()
        .is_some_and(|((lateness, ..), _)| *lateness == 0);
    if max_changes > 0 && !in_time {
        for (vehicle, position, jobs) in &too_long {
            let (vehicle, position) = (*vehicle, *position);
            for index in position + 1..jobs.len() {
                let job = jobs[index];
                if replan.pinned[job] {
                    continue;
                }
                let mut without = jobs.clone();
                without.remove(index);
                let Some(timed) = replan.time(vehicle, &without) else {
                    continue;
                };
                if let Some(taken) = day.cheapest_move(replan, job, vehicle) {
                    consider(
                        Edit::routes(vec![(vehicle, without, timed), taken]),
                        &mut best,
                    );
                }
            }
        }
    }
    if max_changes > 0 && best.is_none() {
        for (vehicle, position, jobs) in &too_long {
            let (vehicle, position) = (*vehicle, *position);
            for index in position + 1..jobs.len() {
                let job = jobs[index];
                if replan.pinned[job] || !replan.deferrable[job] {
                    continue;
                }
                let mut without = jobs.clone();
                without.remove(index);
                if let Some(timed) = replan.time(vehicle, &without) {
                    let edit = Edit {
                        routes: vec![(vehicle, without, timed)],
                        deferred: vec![job],
                    };
                    consider(edit, &mut best);
                }
            }
        }
    }
    if max_changes > 0 && best.is_none() {
        // A full day may need more than one visit to give way (a long drive
        // to the fault, or a day already at its working limit): the latest
        // ones go first, since they are the ones the fault pushes past the
        // shift's end, and the count needed is reported even over budget.
        for (vehicle, position, jobs) in too_long {
            let mut without = jobs;
            let mut deferred = Vec::new();
            for index in (position + 1..without.len()).rev() {
                let job = without[index];
                if replan.pinned[job] || !replan.deferrable[job] {
                    continue;
                }
                without.remove(index);
                deferred.push(job);
                if let Some(timed) = replan.time(vehicle, &without) {
                    let edit = Edit {
                        routes: vec![(vehicle, without, timed)],
                        deferred,
                    };
                    consider(edit, &mut best);
                    break;
                }
            }
        }
    }
    (best.map(|(_, edit)| edit), fewest_changes)
}

/// Moves visits the fault pushed back on `vehicle` to other engineers, one
/// at a time, each to its cheapest feasible position, while the day's cost
/// falls and the changes stay within `max_changes`.
pub(super) fn relieve(replan: &Replan, day: &mut Day, vehicle: usize, max_changes: usize) {
    loop {
        let Some(fault_at) = day.plan[vehicle]
            .iter()
            .position(|&job| job == replan.emergency)
        else {
            return;
        };
        let cost = day.cost();
        let mut best: Option<(i64, usize, Edit)> = None;
        for index in fault_at + 1..day.plan[vehicle].len() {
            let job = day.plan[vehicle][index];
            if replan.pinned[job] {
                continue;
            }
            let mut without = day.plan[vehicle].clone();
            without.remove(index);
            let Some(relieved) = replan.time(vehicle, &without) else {
                continue;
            };
            let Some(taken) = day.cheapest_move(replan, job, vehicle) else {
                continue;
            };
            let edit = Edit::routes(vec![(vehicle, without, relieved), taken]);
            let (new_cost, new_changes) = (day.cost_with(&edit), day.changes_with(&edit));
            if new_changes <= max_changes
                && new_cost < cost
                && best
                    .as_ref()
                    .is_none_or(|b| (new_cost, new_changes) < (b.0, b.1))
            {
                best = Some((new_cost, new_changes, edit));
            }
        }
        match best {
            Some((_, _, edit)) => day.apply(edit),
            None => return,
        }
    }
}
