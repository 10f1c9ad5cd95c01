//! Rule: assignment with the LP solver. Before any route is built, a MIP
//! (`good_lp` over HiGHS) decides which engineer serves which ticket on
//! which day; the core then sequences and improves the routes
//! ([`optimize::solve_from`](crate::optimize::solve_from)).
//!
//! The model, over one routing [`Problem`] (a vehicle per engineer and
//! working day):
//!
//! - `x[t,v] ∈ {0,1}` for the pairs the candidate sets allow (skills,
//!   senior for severity 1, the station teams of [`Job::teams`](crate::optimize::Job))
//!   and where a visit alone fits the engineer's day; a ticket keeps only
//!   its [`MAX_CANDIDATES`] nearest such vehicles, so big hubs stay small.
//! - `Σ_v x[t,v] + u[t] = 1`: served once, or left out at a price far above
//!   any assignment.
//! - hours: `Σ_t minutes[t,v]·x[t,v] ≤ available[v]`, where a ticket's
//!   minutes are its service plus a travel estimate — the out-and-back
//!   drive from the engineer's base, or twice the drive to the nearest
//!   other ticket when that is shorter (a visit among others costs about a
//!   leg in and a leg out); available is the shift or the working-time
//!   limit, less lunch.
//! - cost: the drive from the base to the site (a radial estimate: it picks
//!   the nearest qualified engineer, which is what a route's distance grows
//!   with) plus the lateness against the on-site deadline if the engineer
//!   drove there first thing, weighted by severity as in the routing model.
//!   A later day's vehicle also pays [`DEFERRAL_COST`] per day of delay, so
//!   tomorrow is chosen only when today is full: what can be done today is
//!   done today.
//! - balance ([`super::balance`]): for each group of engineers (a station's
//!   engineers on one day), `over[v] ≥ load[v] − mean(load of the group)`,
//!   `over[v] ≥ 0`, and `over` is priced per minute — a convex penalty on
//!   working time above the station's mean.
//!
//! Costs are in kilometre-equivalents (the routing model's metres / 1000)
//! so the coefficients stay in a range HiGHS handles well. HiGHS runs on
//! one thread with a fixed seed, a node limit and a relative gap target,
//! and a wall-clock limit that is only a safety net; it is warm-started
//! with a greedy assignment, and the bound and gap reported are the ones
//! HiGHS proved (the MIP dual bound, read from the underlying model as
//! `coverage::siting` does).

use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, SolverModel, Variable, variable};

use super::DispatchError;
use crate::domain::AssignmentReport;
use crate::optimize::{Plan, Problem, Vehicle, route_cost, schedule};

/// Candidate vehicles kept per ticket, nearest first (with two planned days
/// that is ten engineers, each on both days).
/// Why HiGHS gave no assignment: a server fault, never the caller's.
#[derive(Debug, thiserror::Error)]
pub enum MipFailure {
    #[error("HiGHS could not take the model: {0}")]
    Model(good_lp::ResolutionError),
    #[error("HiGHS refused the option {0}")]
    Option(&'static str),
    #[error("HiGHS stopped with status {0}")]
    Status(String),
}

pub const MAX_CANDIDATES: usize = 20;
/// Cost of putting a ticket off by a day, in kilometre-equivalents: far
/// above any drive, far below leaving it out.
pub const DEFERRAL_COST: f64 = 10_000.0;
/// Model cost units per routing cost unit: the routing model counts metres.
const COST_SCALE: f64 = 1000.0;
/// A ticket left out costs this much (in kilometre-equivalents) at most, far
/// above any assignment's estimate, without the routing model's 10⁹ that
/// would ruin the MIP's numerics.
const MAX_LEFT_OUT_COST: f64 = 1.0e6;
/// Branch-and-bound nodes HiGHS may explore: the stop that does not depend
/// on the machine's load, so the same input gives the same assignment.
const MAX_NODES: i32 = 100;
/// HiGHS stops once it proves the assignment within this relative gap of
/// the optimum: the model is an estimate, closer is not worth the time.
const TARGET_GAP: f64 = 0.002;
/// HiGHS's integrality tolerance is looser than this; values above it are
/// taken as chosen.
const CHOSEN: f64 = 0.5;
/// `primal_solution_status` of a feasible HiGHS solution.
const SOLUTION_FEASIBLE: i64 = 2;

/// How to build and solve the assignment model.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentOptions {
    /// Wall-clock safety net for HiGHS, in seconds.
    pub time_limit: f64,
    /// Cost of a second of an engineer's working time above the mean of
    /// their group, in routing cost units (metres); 0 turns balance off.
    pub balance_cost_per_second: f64,
}

/// The MIP's answer: a vehicle per ticket, or none.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `vehicle_of[job]`.
    pub vehicle_of: Vec<Option<usize>>,
    pub report: AssignmentReport,
}

impl Assignment {
    /// Each vehicle's assigned jobs.
    pub fn jobs_of(&self, vehicles: usize) -> Vec<Vec<usize>> {
        let mut jobs = vec![Vec::new(); vehicles];
        for (job, vehicle) in self.vehicle_of.iter().enumerate() {
            if let Some(v) = vehicle {
                jobs[*v].push(job);
            }
        }
        jobs
    }
}

/// One candidate pair of the model.
struct Candidate {
    job: usize,
    vehicle: usize,
    /// Estimated working seconds the visit adds to the vehicle's day.
    seconds: f64,
    /// Estimated cost, model units.
    cost: f64,
}

/// Seconds of an engineer's day that visits and driving may fill.
pub fn available_seconds(vehicle: &Vehicle) -> f64 {
    let shift = vehicle.shift.end - vehicle.shift.start;
    let work = vehicle.max_work.map_or(shift, |limit| limit.min(shift));
    let lunch = vehicle.lunch.as_ref().map_or(0, |lunch| lunch.duration);
    (work - lunch).max(0) as f64
}

/// Every allowed (ticket, vehicle) pair with its estimates, at most
/// [`MAX_CANDIDATES`] per ticket, nearest first.
fn candidates(problem: &Problem, days: &[u32]) -> Vec<Candidate> {
    let (jobs, vehicles, matrix) = (problem.jobs(), problem.vehicles(), problem.matrix());
    let nearest_other: Vec<(i64, i64)> = jobs
        .iter()
        .enumerate()
        .map(|(j, job)| {
            jobs.iter()
                .enumerate()
                .filter(|(k, _)| *k != j)
                .map(|(_, other)| {
                    (
                        matrix.duration(job.location, other.location),
                        matrix.distance(job.location, other.location),
                    )
                })
                .min()
                .unwrap_or((i64::MAX / 8, i64::MAX / 8))
        })
        .collect();
    let mut all = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let mut allowed: Vec<(i64, usize)> = vehicles
            .iter()
            .enumerate()
            .filter(|(v, vehicle)| vehicle.can_serve(job) && schedule(problem, *v, &[j]).is_some())
            .map(|(v, vehicle)| (matrix.duration(vehicle.start, job.location), v))
            .collect();
        allowed.sort_unstable();
        allowed.truncate(MAX_CANDIDATES);
        for (to_site, v) in allowed {
            let vehicle = &vehicles[v];
            let back = matrix.duration(job.location, vehicle.end.unwrap_or(vehicle.start));
            let travel = (to_site + back).min(2 * nearest_other[j].0);
            let drive = vehicle.leg_cost(matrix.distance(vehicle.start, job.location), to_site);
            let arrival = (vehicle.shift.start + to_site).max(job.envelope().start);
            let lateness = job.deadline.map_or(0, |d| d.cost((arrival - d.at).max(0)));
            all.push(Candidate {
                job: j,
                vehicle: v,
                seconds: (job.service + travel) as f64,
                cost: (drive + lateness) as f64 / COST_SCALE
                    + DEFERRAL_COST * f64::from(days.get(v).copied().unwrap_or(0)),
            });
        }
    }
    all
}

/// A feasible start for HiGHS: tickets in order of their cheapest
/// candidate, each to its cheapest candidate with hours left.
fn greedy(problem: &Problem, candidates: &[Candidate]) -> Vec<Option<usize>> {
    let mut left: Vec<f64> = problem.vehicles().iter().map(available_seconds).collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        candidates[a]
            .cost
            .total_cmp(&candidates[b].cost)
            .then(a.cmp(&b))
    });
    let mut chosen = vec![None; problem.jobs().len()];
    for c in order.into_iter().map(|i| &candidates[i]) {
        if chosen[c.job].is_none() && c.seconds <= left[c.vehicle] {
            left[c.vehicle] -= c.seconds;
            chosen[c.job] = Some(c.vehicle);
        }
    }
    chosen
}

/// Solves the assignment MIP. `groups[v]` is the balance group of vehicle
/// `v` (its station on its day); vehicles without a group, and groups of
/// one, are not balanced. `days[v]` is the day vehicle `v` works (0 for the
/// first).
pub fn assign(
    problem: &Problem,
    groups: &[Option<usize>],
    days: &[u32],
    options: &AssignmentOptions,
) -> Result<Assignment, DispatchError> {
    let started = Instant::now();
    let jobs = problem.jobs();
    let candidates = candidates(problem, days);
    let Formulation {
        model,
        members,
        over,
        per_minute,
        variables,
    } = formulate(problem, &candidates, groups, options);

    let mut model = model.try_into_inner().map_err(MipFailure::Model)?;
    model.make_quiet();
    let option = MipFailure::Option;
    model
        .try_set_option("threads", 1)
        .map_err(|_| option("threads"))?;
    model
        .try_set_option("random_seed", 0)
        .map_err(|_| option("random_seed"))?;
    model
        .try_set_option("time_limit", options.time_limit.max(0.1))
        .map_err(|_| option("time_limit"))?;
    model
        .try_set_option("mip_max_nodes", MAX_NODES)
        .map_err(|_| option("mip_max_nodes"))?;
    model
        .try_set_option("mip_rel_gap", TARGET_GAP)
        .map_err(|_| option("mip_rel_gap"))?;
    let (start, start_values) = warm_start(problem, &candidates, &members, &over);
    // A rejected warm start only costs time.
    let _ = model.try_set_solution(Some(&start_values), None, None, None);

    let solved = model
        .try_solve()
        .map_err(|status| MipFailure::Status(format!("{status:?}")))?;
    let status = format!("{:?}", solved.status());
    tracing::debug!(
        %status,
        variables,
        seconds = started.elapsed().as_secs_f64(),
        "assignment MIP solved"
    );
    let feasible = solved
        .int_info_value(c"primal_solution_status")
        .is_ok_and(|s| s == SOLUTION_FEASIBLE);
    let values = solved.get_solution().columns().to_vec();
    let vehicle_of: Vec<Option<usize>> = if feasible && values.len() == variables {
        let mut vehicle_of = vec![None; jobs.len()];
        for (c, value) in candidates.iter().zip(&values) {
            if *value > CHOSEN {
                vehicle_of[c.job] = Some(c.vehicle);
            }
        }
        vehicle_of
    } else {
        start
    };
    let objective = if feasible {
        solved.objective_value()
    } else {
        // No incumbent (an early stop): the greedy start stands, valued
        // with the same prices.
        start_values
            .iter()
            .zip(
                candidates
                    .iter()
                    .map(|c| c.cost)
                    .chain(jobs.iter().map(|job| {
                        (job.unassigned_penalty as f64 / COST_SCALE).min(MAX_LEFT_OUT_COST)
                    }))
                    .chain(over.iter().map(|_| per_minute)),
            )
            .map(|(value, cost)| value * cost)
            .sum()
    };
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|bound| bound.is_finite())
        .map_or(0.0, |bound| bound.min(objective));
    let gap_percent = if objective.abs() > f64::EPSILON {
        100.0 * (objective - bound) / objective.abs()
    } else {
        0.0
    };
    Ok(Assignment {
        vehicle_of,
        report: AssignmentReport {
            objective,
            bound,
            gap_percent,
            status,
            variables: variables as u32,
            seconds: started.elapsed().as_secs_f64(),
            seeded_days: 0,
        },
    })
}

/// The assignment MIP over the candidates, before HiGHS sees it.
struct Formulation {
    model: good_lp::solvers::highs::HighsProblem,
    /// The engineers of each balance group (a station's).
    members: Vec<Vec<usize>>,
    /// (group, engineer, minutes above the group's mean) for each engineer
    /// balanced.
    over: Vec<(usize, usize, Variable)>,
    /// The price of a minute above the mean.
    per_minute: f64,
    variables: usize,
}

/// Columns: a binary per candidate (ticket, engineer, day), a left-out
/// share per ticket, and each balanced engineer's minutes above their
/// station's mean; rows: each ticket served once or left out, each
/// engineer's minutes within their day.
fn formulate(
    problem: &Problem,
    candidates: &[Candidate],
    groups: &[Option<usize>],
    options: &AssignmentOptions,
) -> Formulation {
    let (jobs, vehicles) = (problem.jobs(), problem.vehicles());
    let mut vars = ProblemVariables::new();
    let mut goal = Expression::from(0.0);
    let mut rows: Vec<good_lp::Constraint> = Vec::new();

    // Columns are created in this order, which is how values are read back
    // from the underlying HiGHS model and how the warm start is given.
    let chosen: Vec<Variable> = candidates
        .iter()
        .map(|c| {
            let x = vars.add(variable().binary());
            goal += c.cost * x;
            x
        })
        .collect();
    let mut served: Vec<Expression> = vec![Expression::from(0.0); jobs.len()];
    let mut load: Vec<Expression> = vec![Expression::from(0.0); vehicles.len()];
    for (c, x) in candidates.iter().zip(&chosen) {
        served[c.job] += *x;
        load[c.vehicle] += (c.seconds / 60.0) * *x;
    }
    let left_out: Vec<Variable> = jobs
        .iter()
        .map(|job| {
            let u = vars.add(variable().min(0.0).max(1.0));
            goal += (job.unassigned_penalty as f64 / COST_SCALE).min(MAX_LEFT_OUT_COST) * u;
            u
        })
        .collect();
    for (row, u) in served.into_iter().zip(&left_out) {
        rows.push((row + *u).eq(1.0));
    }
    for (v, vehicle) in vehicles.iter().enumerate() {
        rows.push(load[v].clone().leq(available_seconds(vehicle) / 60.0));
    }
    let per_minute = options.balance_cost_per_second * 60.0 / COST_SCALE;
    let members = super::balance::members(groups);
    let mut over: Vec<(usize, usize, Variable)> = Vec::new();
    if per_minute > 0.0 {
        for (g, group) in members.iter().enumerate() {
            let total: Expression = group.iter().map(|&v| load[v].clone()).sum();
            let share = 1.0 / group.len() as f64;
            for &v in group {
                let above = vars.add(variable().min(0.0));
                goal += per_minute * above;
                rows.push((load[v].clone() - share * total.clone() - above).leq(0.0));
                over.push((g, v, above));
            }
        }
    }
    let variables = candidates.len() + left_out.len() + over.len();
    let model = rows
        .into_iter()
        .fold(highs(vars.minimise(goal)), |model, row| model.with(row));
    Formulation {
        model,
        members,
        over,
        per_minute,
        variables,
    }
}

/// The greedy assignment, and as a starting solution in column order: the
/// chosen candidates, the tickets left out, and each engineer's minutes
/// above their station's mean.
fn warm_start(
    problem: &Problem,
    candidates: &[Candidate],
    members: &[Vec<usize>],
    over: &[(usize, usize, Variable)],
) -> (Vec<Option<usize>>, Vec<f64>) {
    let start = greedy(problem, candidates);
    let start_load = |v: usize| -> f64 {
        candidates
            .iter()
            .filter(|c| c.vehicle == v && start[c.job] == Some(v))
            .map(|c| c.seconds / 60.0)
            .sum()
    };
    let mut values: Vec<f64> = candidates
        .iter()
        .map(|c| f64::from(u8::from(start[c.job] == Some(c.vehicle))))
        .collect();
    values.extend(start.iter().map(|v| f64::from(u8::from(v.is_none()))));
    values.extend(over.iter().map(|(g, v, _)| {
        let group = &members[*g];
        let mean = group.iter().map(|&w| start_load(w)).sum::<f64>() / group.len() as f64;
        (start_load(*v) - mean).max(0.0)
    }));
    (start, values)
}

/// Routes from an assignment: each vehicle's tickets by deadline, each put
/// where it adds least to the route among the places that keep it
/// feasible; a ticket that fits nowhere is left for the search to place.
pub fn initial_routes(problem: &Problem, assignment: &Assignment) -> Plan {
    let jobs = problem.jobs();
    assignment
        .jobs_of(problem.vehicles().len())
        .into_iter()
        .enumerate()
        .map(|(vehicle, mut mine)| {
            mine.sort_by_key(|&j| (jobs[j].deadline.map_or(i64::MAX, |d| d.at), j));
            let mut route: Vec<usize> = Vec::with_capacity(mine.len());
            for job in mine {
                let best = (0..=route.len())
                    .filter_map(|position| {
                        let mut trial = route.clone();
                        trial.insert(position, job);
                        route_cost(problem, vehicle, &trial).map(|cost| (cost, position))
                    })
                    .min();
                if let Some((_, position)) = best {
                    route.insert(position, job);
                }
            }
            route
        })
        .collect()
}
