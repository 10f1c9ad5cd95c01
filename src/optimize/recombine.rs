//! Set partitioning over the routes the search met: a MIP (HiGHS through
//! `good_lp`) picks the cheapest combination of pooled routes that serves
//! every job at most once, each vehicle class used at most as often as it
//! has vehicles. Heuristic searches keep good routes in solutions that are
//! poor overall; the MIP recombines them, which no local move does.
//!
//! HiGHS has no deterministic work limit, and its root cut loop on a few
//! thousand degenerate set-partitioning columns can take seconds, so the
//! MIP only sees a core of the pool: the LP relaxation over all columns is
//! solved first, and only the columns whose reduced cost could still matter
//! are kept (exactly those that can improve on the incumbent when they are
//! few, else the [`CORE_COLUMNS`] smallest). The model is warm-started with
//! the search's best plan, so the answer is never worse. HiGHS is limited by
//! simplex iterations and nodes, not seconds, to stay deterministic and
//! within the time limit's share; the wall-clock limit is only a safety
//! net. An LP stopped by its iteration limit still gives usable (if not
//! optimal) reduced costs for choosing the core.

use std::collections::HashMap;

use good_lp::solvers::highs::highs;
use good_lp::{
    Constraint, DualValues, Expression, ProblemVariables, Solution as _, SolutionWithDual as _,
    SolverModel, Variable, WithInitialSolution, variable,
};

use super::Problem;
use super::construction::{Plan, route_cost};

/// Branch-and-bound nodes HiGHS may explore.
const MAX_NODES: i32 = 500;
/// CPU seconds a dual simplex iteration takes per nonzero of the model
/// (measured on the pools of Solomon and Gehring & Homberger instances,
/// 12,000 to 210,000 nonzeros): the iteration limit that keeps HiGHS
/// within its share of the time limit.
const SECONDS_PER_NONZERO_ITERATION: f64 = 4e-9;

/// Simplex iterations that fit in `seconds` on a model of `nonzeros`.
fn iteration_limit(seconds: f64, nonzeros: usize) -> i32 {
    (seconds / (nonzeros.max(1) as f64 * SECONDS_PER_NONZERO_ITERATION)).clamp(50.0, 1e9) as i32
}
/// Most pooled columns the MIP sees besides the incumbent's.
const CORE_COLUMNS: usize = 1000;

/// A pooled route: vehicle class, job sequence, exact cost.
type Column = (usize, Vec<usize>, i64);

/// The variables and rows of a set-partitioning model over `columns`.
struct Model {
    vars: ProblemVariables,
    picks: Vec<Variable>,
    skips: Vec<Variable>,
    objective: Expression,
    /// One cover row per job, then one fleet row per class (with its class).
    cover: Vec<Constraint>,
    fleet: Vec<(usize, Constraint)>,
}

fn model(problem: &Problem, class_of: &[usize], columns: &[&Column], integer: bool) -> Model {
    let jobs = problem.jobs();
    let mut vars = ProblemVariables::new();
    let kind = || {
        if integer {
            variable().binary()
        } else {
            variable().min(0.0).max(1.0)
        }
    };
    let picks: Vec<_> = columns.iter().map(|_| vars.add(kind())).collect();
    let skips: Vec<_> = jobs.iter().map(|_| vars.add(kind())).collect();
    let mut objective = Expression::from(0.0);
    for (pick, (_, _, cost)) in picks.iter().zip(columns) {
        objective += *cost as f64 * *pick;
    }
    for (skip, job) in skips.iter().zip(jobs) {
        objective += job.unassigned_penalty as f64 * *skip;
    }
    let mut cover: Vec<Expression> = skips.iter().map(|s| Expression::from(*s)).collect();
    let mut fleet: HashMap<usize, Expression> = HashMap::new();
    for (pick, (class, route, _)) in picks.iter().zip(columns) {
        for &job in route {
            cover[job] += *pick;
        }
        *fleet.entry(*class).or_insert_with(|| Expression::from(0.0)) += *pick;
    }
    let mut class_size: HashMap<usize, usize> = HashMap::new();
    for &class in class_of {
        *class_size.entry(class).or_default() += 1;
    }
    let mut fleet: Vec<(usize, Expression)> = fleet.into_iter().collect();
    fleet.sort_by_key(|(class, _)| *class);
    Model {
        vars,
        picks,
        skips,
        objective,
        cover: cover.into_iter().map(|row| row.eq(1.0)).collect(),
        fleet: fleet
            .into_iter()
            .map(|(class, row)| (class, row.leq(class_size[&class] as f64)))
            .collect(),
    }
}

/// Reduced cost of each column at the LP optimum over all of them, and the
/// LP value; `None` if HiGHS gave no answer.
fn reduced_costs(
    problem: &Problem,
    class_of: &[usize],
    columns: &[&Column],
    seconds: f64,
    budget: f64,
) -> Option<(Vec<f64>, f64)> {
    let iterations = iteration_limit(budget, nonzeros(problem, columns));
    let Model {
        vars,
        picks,
        objective,
        cover,
        fleet,
        ..
    } = model(problem, class_of, columns, false);
    let mut lp = highs(vars.minimise(objective.clone()))
        .set_threads(1)
        .set_time_limit(seconds.max(0.1))
        .set_option("simplex_iteration_limit", iterations)
        .set_option("presolve", "off")
        .set_option("random_seed", 0);
    let cover: Vec<_> = cover
        .into_iter()
        .map(|row| lp.add_constraint(row))
        .collect();
    let fleet: Vec<_> = fleet
        .into_iter()
        .map(|(class, row)| (class, lp.add_constraint(row)))
        .collect();
    let mut solution = match lp.solve() {
        Ok(solution) => solution,
        Err(error) => {
            tracing::debug!(%error, "set partitioning relaxation gave no answer");
            return None;
        }
    };
    let value = objective.eval_with(&solution);
    let picked: Vec<f64> = picks.iter().map(|p| solution.value(*p)).collect();
    let duals = solution.compute_dual();
    let cover: Vec<f64> = cover.into_iter().map(|row| duals.dual(row)).collect();
    let fleet: HashMap<usize, f64> = fleet
        .into_iter()
        .map(|(class, row)| (class, duals.dual(row)))
        .collect();
    let reduced = columns
        .iter()
        .zip(picked)
        .map(|((class, route, cost), x)| {
            let rc = *cost as f64 - route.iter().map(|j| cover[*j]).sum::<f64>() - fleet[class];
            // Columns in the LP answer are kept whatever round-off says.
            if x > 1e-6 { rc.min(0.0) } else { rc }
        })
        .collect();
    Some((reduced, value))
}

/// The cheapest plan made of pooled routes, if one beats nothing: `None`
/// when the pool adds nothing or HiGHS gives no answer.
/// Nonzeros of the set-partitioning model over `columns`.
fn nonzeros(problem: &Problem, columns: &[&Column]) -> usize {
    problem.jobs().len()
        + columns
            .iter()
            .map(|(_, route, _)| route.len() + 1)
            .sum::<usize>()
}

/// `seconds` is the wall-clock safety limit, `budget` the CPU seconds the
/// LP and the MIP may each take, turned into simplex iteration limits.
pub fn best_combination(
    problem: &Problem,
    class_of: &[usize],
    pool: &[(usize, Vec<usize>)],
    incumbent: &Plan,
    seconds: f64,
    budget: f64,
) -> Option<Plan> {
    let jobs = problem.jobs();
    // Columns: the incumbent's routes, then the pooled ones, each with its
    // exact cost.
    let mut columns: Vec<Column> = Vec::new();
    let mut seen: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
    let mut add = |class: usize, route: &[usize], columns: &mut Vec<Column>| {
        let mut key = route.to_vec();
        key.sort_unstable();
        if let Some(&existing) = seen.get(&(class, key.clone())) {
            return Some(existing);
        }
        let cost = route_cost(problem, class, route)?;
        seen.insert((class, key), columns.len());
        columns.push((class, route.to_vec(), cost));
        Some(columns.len() - 1)
    };
    let mut start_columns = Vec::new();
    for (vehicle, route) in incumbent.iter().enumerate() {
        if !route.is_empty() {
            start_columns.push(add(class_of[vehicle], route, &mut columns)?);
        }
    }
    for (class, route) in pool {
        add(*class, route, &mut columns);
    }
    if columns.len() <= start_columns.len() {
        return None;
    }
    let incumbent_cost: i64 = start_columns.iter().map(|&c| columns[c].2).sum::<i64>()
        + jobs
            .iter()
            .enumerate()
            .filter(|(j, _)| !incumbent.iter().any(|r| r.contains(j)))
            .map(|(_, job)| job.unassigned_penalty)
            .sum::<i64>();
    let all: Vec<&Column> = columns.iter().collect();
    let (reduced, lp_value) = reduced_costs(problem, class_of, &all, seconds / 2.0, budget)?;
    // A column whose reduced cost exceeds the gap between the incumbent and
    // the LP value is in no plan cheaper than the incumbent.
    let gap = incumbent_cost as f64 - lp_value + 1e-6;
    let mut order: Vec<usize> = (0..columns.len())
        .filter(|&c| !start_columns.contains(&c) && reduced[c] <= gap)
        .collect();
    order.sort_by(|&a, &b| reduced[a].total_cmp(&reduced[b]).then(a.cmp(&b)));
    order.truncate(CORE_COLUMNS);
    order.sort_unstable();
    let mut core: Vec<usize> = start_columns.clone();
    core.extend(order);
    if core.len() <= start_columns.len() {
        return None;
    }
    tracing::debug!(
        columns = columns.len(),
        core = core.len(),
        lp_value,
        incumbent_cost,
        below_zero = reduced.iter().filter(|r| **r < -1e-6).count(),
        "set partitioning core"
    );
    let chosen: Vec<&Column> = core.iter().map(|&c| &columns[c]).collect();
    let iterations = iteration_limit(budget, nonzeros(problem, &chosen));
    let Model {
        vars,
        picks,
        skips,
        objective,
        cover,
        fleet,
    } = model(problem, class_of, &chosen, true);
    let mut model = highs(vars.minimise(objective))
        .set_threads(1)
        .set_time_limit((seconds / 2.0).max(0.1))
        .set_option("simplex_iteration_limit", iterations)
        .set_option("mip_max_nodes", MAX_NODES)
        .set_option("presolve", "off")
        .set_option("random_seed", 0);
    for row in cover {
        model = model.with(row);
    }
    for (_, row) in fleet {
        model = model.with(row);
    }
    // The incumbent's columns come first in `chosen`.
    let mut start = vec![0.0; chosen.len()];
    for value in start.iter_mut().take(start_columns.len()) {
        *value = 1.0;
    }
    let mut covered = vec![false; jobs.len()];
    for &c in &start_columns {
        for &job in &columns[c].1 {
            covered[job] = true;
        }
    }
    let initial = picks
        .iter()
        .zip(start)
        .chain(
            skips
                .iter()
                .zip(covered.iter().map(|c| if *c { 0.0 } else { 1.0 })),
        )
        .map(|(v, x)| (*v, x))
        .collect::<Vec<_>>();
    let model = model.with_initial_solution(initial);
    let solution = match model.solve() {
        Ok(solution) => solution,
        Err(error) => {
            tracing::debug!(%error, "set partitioning gave no answer");
            return None;
        }
    };
    // Hand the chosen routes to vehicles of their class.
    let mut free: HashMap<usize, Vec<usize>> = HashMap::new();
    for (vehicle, &class) in class_of.iter().enumerate().rev() {
        free.entry(class).or_default().push(vehicle);
    }
    let mut plan: Plan = vec![Vec::new(); class_of.len()];
    for (pick, (class, route, _)) in picks.iter().zip(&chosen) {
        if solution.value(*pick) > 0.5 {
            let vehicle = free.get_mut(class)?.pop()?;
            plan[vehicle] = route.clone();
        }
    }
    Some(plan)
}
