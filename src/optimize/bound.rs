//! A lower bound on the objective from the assignment relaxation, solved as
//! an LP with HiGHS: every served job is entered once and left once, along
//! arcs its time windows allow, at the cheapest cost any vehicle would pay;
//! at most one route per vehicle; enough routes for the total demand. Any
//! plan is such an assignment, so the LP value can only be lower — a gap
//! the answer *proves*, unlike a comparison with a best-known value.
//!
//! The relaxation ignores subtours and most of the time dimension, so the
//! bound is weak on tightly windowed days; it is reported as what it is.

use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, Solution as _, SolverModel, variable};

use super::{LowerBound, Problem};

/// Jobs beyond which the quadratic arc set is not worth building.
pub const MAX_JOBS: usize = 300;

/// CPU seconds a simplex iteration takes per nonzero (see
/// [`super::recombine`]).
const SECONDS_PER_NONZERO_ITERATION: f64 = 4e-9;

/// The bound, if HiGHS proves the LP optimal within `budget` CPU seconds
/// (a simplex iteration limit, so the answer does not depend on the
/// machine's load).
pub fn assignment_bound(problem: &Problem, objective: i64, budget: f64) -> Option<LowerBound> {
    let jobs = problem.jobs();
    let vehicles = problem.vehicles();
    if jobs.is_empty() || jobs.len() > MAX_JOBS || vehicles.is_empty() {
        return None;
    }
    let matrix = problem.matrix();
    // The simplex needs at least about one iteration per row (two per
    // job) to prove anything; when the budget cannot pay for that, building
    // the LP (one variable per feasible arc) is all cost and no bound. A
    // live re-plan's budget is such a case.
    let arcs = jobs
        .iter()
        .map(|from| {
            let ready = from.envelope().start + from.service;
            jobs.iter()
                .filter(|to| {
                    ready + matrix.duration(from.location, to.location) <= to.envelope().end
                })
                .count()
        })
        .sum::<usize>();
    let nonzeros = 3 * (arcs + 3 * jobs.len());
    if budget / (nonzeros as f64 * SECONDS_PER_NONZERO_ITERATION) < 2.0 * jobs.len() as f64 {
        return None;
    }
    let per_distance = vehicles.iter().map(|v| v.cost_per_distance).min()? as f64;
    let per_duration = vehicles.iter().map(|v| v.cost_per_duration).min()? as f64;
    let fixed = vehicles.iter().map(|v| v.fixed_cost).min()? as f64;
    let leg = |a: usize, b: usize| {
        per_distance * matrix.distance(a, b) as f64 + per_duration * matrix.duration(a, b) as f64
    };
    let mut vars = ProblemVariables::new();
    // (variable, cost) pairs: the objective, evaluated again on the answer.
    let mut costs: Vec<(good_lp::Variable, f64)> = Vec::new();
    let mut entries: Vec<Expression> = vec![Expression::from(0.0); jobs.len()];
    let mut exits: Vec<Expression> = vec![Expression::from(0.0); jobs.len()];
    let mut starts = Expression::from(0.0);
    let mut served_demand = Expression::from(0.0);
    let largest_capacity = vehicles
        .iter()
        .filter_map(|v| v.capacity.first().copied())
        .max();
    for (j, job) in jobs.iter().enumerate() {
        let skip = vars.add(variable().min(0.0).max(1.0));
        costs.push((skip, job.unassigned_penalty as f64));
        entries[j] += skip;
        exits[j] += skip;
        let able: Vec<_> = vehicles.iter().filter(|v| v.can_serve(job)).collect();
        let first = able
            .iter()
            .map(|v| leg(v.start, job.location))
            .min_by(f64::total_cmp);
        if let Some(cost) = first {
            let start = vars.add(variable().min(0.0).max(1.0));
            costs.push((start, cost + fixed));
            entries[j] += start;
            starts += start;
        }
        let last = able
            .iter()
            .map(|v| v.end.map_or(0.0, |end| leg(job.location, end)))
            .min_by(f64::total_cmp);
        if let Some(cost) = last {
            let end = vars.add(variable().min(0.0).max(1.0));
            costs.push((end, cost));
            exits[j] += end;
        }
        if let Some(amount) = job.demand.first() {
            served_demand += *amount as f64;
            served_demand -= *amount as f64 * skip;
        }
    }
    for (i, from) in jobs.iter().enumerate() {
        let ready = from.envelope().start + from.service;
        for (j, to) in jobs.iter().enumerate() {
            if i == j || ready + matrix.duration(from.location, to.location) > to.envelope().end {
                continue;
            }
            let arc = vars.add(variable().min(0.0).max(1.0));
            costs.push((arc, leg(from.location, to.location)));
            exits[i] += arc;
            entries[j] += arc;
        }
    }
    let objective_expr: Expression = costs.iter().map(|(v, c)| *c * *v).sum();
    // Each variable sits in about three rows.
    let nonzeros = 3 * costs.len();
    let iterations = (budget / (nonzeros as f64 * SECONDS_PER_NONZERO_ITERATION)).clamp(50.0, 1e9);
    let mut model = highs(vars.minimise(objective_expr))
        .set_threads(1)
        .set_option("simplex_iteration_limit", iterations as i32)
        .set_time_limit(30.0);
    for row in entries.into_iter().chain(exits) {
        model = model.with(row.eq(1.0));
    }
    model = model.with(starts.clone().leq(vehicles.len() as f64));
    if let Some(capacity) = largest_capacity.filter(|c| *c > 0 && *c < i64::MAX / 8) {
        model = model.with((served_demand - capacity as f64 * starts).leq(0.0));
    }
    let solution = model.solve().ok()?;
    // Only an optimal LP value bounds anything.
    if !matches!(solution.status(), good_lp::SolutionStatus::Optimal) {
        return None;
    }
    let value: f64 = costs.iter().map(|(v, c)| c * solution.value(*v)).sum();
    let value = value.min(objective as f64).max(0.0);
    let gap_percent = if objective > 0 {
        100.0 * (objective as f64 - value) / objective as f64
    } else {
        0.0
    };
    Some(LowerBound {
        value,
        gap_percent,
        method: "assignment relaxation (LP)",
    })
}
