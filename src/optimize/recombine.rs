//! Set partitioning over the routes the search met: a MIP (HiGHS through
//! `good_lp`) picks the cheapest combination of pooled routes that serves
//! every job at most once, each vehicle class used at most as often as it
//! has vehicles. Heuristic searches keep good routes in solutions that are
//! poor overall; the MIP recombines them, which no local move does.
//!
//! The model is warm-started with the search's best plan, so the answer is
//! never worse. HiGHS is limited by nodes, not seconds, to stay
//! deterministic; the wall-clock limit is only a safety net.

use std::collections::HashMap;

use good_lp::solvers::highs::highs;
use good_lp::{
    Expression, ProblemVariables, Solution as _, SolverModel, WithInitialSolution, variable,
};

use super::Problem;
use super::construction::{Plan, route_cost};

/// Branch-and-bound nodes HiGHS may explore.
const MAX_NODES: i32 = 2_000;

/// Vehicle classes: for each vehicle, the first identical one.
pub fn best_combination(
    problem: &Problem,
    class_of: &[usize],
    pool: &[(usize, Vec<usize>)],
    incumbent: &Plan,
    seconds: f64,
) -> Option<Plan> {
    let jobs = problem.jobs();
    // Columns: pooled routes plus the incumbent's, each with its exact cost.
    let mut columns: Vec<(usize, Vec<usize>, i64)> = Vec::new();
    let mut seen: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
    let mut add = |class: usize, route: &[usize], columns: &mut Vec<(usize, Vec<usize>, i64)>| {
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
    let mut vars = ProblemVariables::new();
    let picks: Vec<_> = columns
        .iter()
        .map(|_| vars.add(variable().binary()))
        .collect();
    let skips: Vec<_> = jobs.iter().map(|_| vars.add(variable().binary())).collect();
    let mut objective = Expression::from(0.0);
    for (pick, (_, _, cost)) in picks.iter().zip(&columns) {
        objective += *cost as f64 * *pick;
    }
    for (skip, job) in skips.iter().zip(jobs) {
        objective += job.unassigned_penalty as f64 * *skip;
    }
    let mut cover: Vec<Expression> = skips.iter().map(|s| Expression::from(*s)).collect();
    let mut fleet: HashMap<usize, Expression> = HashMap::new();
    for (pick, (class, route, _)) in picks.iter().zip(&columns) {
        for &job in route {
            cover[job] += *pick;
        }
        *fleet.entry(*class).or_insert_with(|| Expression::from(0.0)) += *pick;
    }
    let mut class_size: HashMap<usize, usize> = HashMap::new();
    for &class in class_of {
        *class_size.entry(class).or_default() += 1;
    }
    let mut model = highs(vars.minimise(objective))
        .set_threads(1)
        .set_time_limit(seconds.max(0.1))
        .set_option("mip_max_nodes", MAX_NODES)
        .set_option("random_seed", 0);
    for row in cover {
        model = model.with(row.eq(1.0));
    }
    let mut fleet: Vec<(usize, Expression)> = fleet.into_iter().collect();
    fleet.sort_by_key(|(class, _)| *class);
    for (class, row) in fleet {
        model = model.with(row.leq(class_size[&class] as f64));
    }
    let mut start = vec![0.0; columns.len()];
    for &c in &start_columns {
        start[c] = 1.0;
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
    for (pick, (class, route, _)) in picks.iter().zip(&columns) {
        if solution.value(*pick) > 0.5 {
            let vehicle = free.get_mut(class)?.pop()?;
            plan[vehicle] = route.clone();
        }
    }
    Some(plan)
}
