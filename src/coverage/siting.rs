//! Choosing where to open `k` new stations.
//!
//! Two classic models over the same numbers ([`SitingInstance`]: demand per
//! city, the minutes the current fleet needs to reach it, and the minutes a
//! new station in each candidate city would need):
//!
//! - **maximal covering** (Church & ReVelle): maximise the demand reached
//!   within a limit. `x_j` opens candidate `j`, `z_i ≤ Σ x_j` over the
//!   candidates that reach city `i` in time, `Σ x_j = k`. Cities the fleet
//!   already covers are constants, which keeps the model small.
//! - **p-median** (Hakimi), here with the existing bases fixed open:
//!   minimise demand-weighted minutes to the nearest base. `y_ij ≤ x_j`
//!   assigns city `i` to candidate `j` only where `j` beats the existing
//!   fleet, so the model grows with what a new station could change, not
//!   with the square of the city count.
//!
//! HiGHS solves both with a relative and absolute gap of 0, warm-started
//! with the greedy answer. `good_lp`'s solution hides the dual bound, so the
//! model is built with `good_lp` and run on the underlying HiGHS model
//! (`into_inner`), which reports the objective and the MIP dual bound: the
//! gap printed is the one HiGHS proved, not an estimate. Column `c` of that
//! model is the `c`-th variable created, which is how values are read back.
//!
//! [`brute_force`] tries every subset; tests check the MIP against it.

use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, SolverModel, variable};
use serde::{Deserialize, Serialize};

use crate::domain::{City, Region};
use crate::travel::TravelModel;

use super::fleet::{BaseKind, Fleet};
use super::report::{CoverageReport, Demand, Reach, Settings};
use super::{CoverageError, TimeSpan};

/// What "better" means for a set of new stations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Objective {
    /// Maximise demand reached within `within` (lead time included).
    MaxCover { within: TimeSpan },
    /// Minimise demand-weighted minutes to the nearest base.
    PMedian,
}

/// The siting problem in numbers only; the MIP and brute force share it.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingInstance {
    /// Demand per city.
    pub weights: Vec<f64>,
    /// Per city: minutes from the current fleet's nearest base
    /// (`f64::INFINITY` when nobody reaches it).
    pub existing: Vec<f64>,
    /// `candidate_minutes[j][i]`: minutes from a new station at candidate
    /// `j` to city `i`.
    pub candidate_minutes: Vec<Vec<f64>>,
}

/// An answer and how good it is proven to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SitingSolution {
    /// Candidate indices, ascending.
    pub chosen: Vec<usize>,
    /// Max cover: demand covered (including what the fleet already covers).
    /// P-median: demand-weighted minutes.
    pub objective: f64,
    /// The best bound proven on the objective: an upper bound for max
    /// cover, a lower bound for p-median.
    pub bound: f64,
    /// `|bound − objective| / |objective|`.
    pub gap: f64,
    pub proven_optimal: bool,
    /// HiGHS's model status, or what produced the answer.
    pub status: String,
    pub seconds: f64,
}

const TOLERANCE: f64 = 1e-9;
/// Relative gap under which the bound and the objective are the same
/// number up to floating-point noise.
const PROVEN_GAP: f64 = 1e-7;

impl SitingInstance {
    fn check(&self, k: usize) -> Result<(), CoverageError> {
        let candidates = self.candidate_minutes.len();
        if k == 0 {
            return Err(CoverageError::invalid("k", "must be at least 1"));
        }
        if k > candidates {
            return Err(CoverageError::invalid(
                "k",
                format!("{k} new stations but only {candidates} candidate cities"),
            ));
        }
        let cities = self.weights.len();
        if self.existing.len() != cities || self.candidate_minutes.iter().any(|r| r.len() != cities)
        {
            return Err(CoverageError::invalid(
                "candidates",
                "every candidate needs a time to every city",
            ));
        }
        Ok(())
    }

    fn covered(minutes: f64, within: f64) -> bool {
        minutes <= within + TOLERANCE
    }

    /// The objective of opening `chosen` (see [`SitingSolution::objective`]).
    pub fn evaluate(&self, chosen: &[usize], objective: Objective) -> f64 {
        let best = |i: usize| {
            chosen
                .iter()
                .map(|&j| self.candidate_minutes[j][i])
                .fold(self.existing[i], f64::min)
        };
        match objective {
            Objective::MaxCover { within } => (0..self.weights.len())
                .filter(|&i| Self::covered(best(i), within.as_minutes()))
                .map(|i| self.weights[i])
                .sum(),
            Objective::PMedian => (0..self.weights.len())
                .filter(|&i| self.weights[i] > 0.0)
                .map(|i| self.weights[i] * best(i))
                .sum(),
        }
    }

    /// Opens the best candidate one at a time: the warm start, and a
    /// sanity floor for the MIP.
    pub fn greedy(&self, k: usize, objective: Objective) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(k);
        for _ in 0..k.min(self.candidate_minutes.len()) {
            let mut best: Option<(usize, f64)> = None;
            for j in 0..self.candidate_minutes.len() {
                if chosen.contains(&j) {
                    continue;
                }
                chosen.push(j);
                let value = self.evaluate(&chosen, objective);
                chosen.pop();
                let better = match (best, objective) {
                    (None, _) => true,
                    (Some((_, b)), Objective::MaxCover { .. }) => value > b + TOLERANCE,
                    (Some((_, b)), Objective::PMedian) => value < b - TOLERANCE,
                };
                if better {
                    best = Some((j, value));
                }
            }
            chosen.push(best.expect("k ≤ candidates").0);
        }
        chosen.sort_unstable();
        chosen
    }
}

/// Every `k`-subset of candidates; only for small instances (tests, and
/// checking a MIP answer by hand).
pub fn brute_force(instance: &SitingInstance, k: usize, objective: Objective) -> SitingSolution {
    let started = Instant::now();
    let m = instance.candidate_minutes.len();
    let mut subset: Vec<usize> = (0..k).collect();
    let mut best: Option<(Vec<usize>, f64)> = None;
    loop {
        let value = instance.evaluate(&subset, objective);
        let better = match (&best, objective) {
            (None, _) => true,
            (Some((_, b)), Objective::MaxCover { .. }) => value > *b + TOLERANCE,
            (Some((_, b)), Objective::PMedian) => value < *b - TOLERANCE,
        };
        if better {
            best = Some((subset.clone(), value));
        }
        // Next combination in lexicographic order.
        let Some(position) = (0..k).rev().find(|&p| subset[p] < m - k + p) else {
            break;
        };
        subset[position] += 1;
        for next in position + 1..k {
            subset[next] = subset[next - 1] + 1;
        }
    }
    let (chosen, objective) = best.expect("at least one subset when k ≤ candidates");
    SitingSolution {
        chosen,
        objective,
        bound: objective,
        gap: 0.0,
        proven_optimal: true,
        status: "brute force".into(),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// What a column of the MIP stands for.
enum Column {
    Site(usize),
    /// Max cover: city `i` is covered by a new station.
    Cover(usize),
    /// P-median: city `i` is served from candidate `j`.
    Assign(usize, usize),
}

/// Solves the siting MIP to proven optimality, or to `time_limit` seconds
/// (then the answer carries the gap HiGHS proved).
pub fn solve(
    instance: &SitingInstance,
    k: usize,
    objective: Objective,
    time_limit: f64,
) -> Result<SitingSolution, CoverageError> {
    instance.check(k)?;
    let started = Instant::now();
    let cities = instance.weights.len();
    let candidates = instance.candidate_minutes.len();
    let mut vars = ProblemVariables::new();
    let mut columns: Vec<Column> = Vec::new();
    let sites: Vec<_> = (0..candidates)
        .map(|j| {
            columns.push(Column::Site(j));
            vars.add(variable().binary())
        })
        .collect();
    let mut rows: Vec<good_lp::Constraint> = Vec::new();
    let mut goal = Expression::from(0.0);
    // The part of the objective no decision changes.
    let mut constant = 0.0;
    let maximise = matches!(objective, Objective::MaxCover { .. });
    match objective {
        Objective::MaxCover { within } => {
            for i in 0..cities {
                let weight = instance.weights[i];
                if SitingInstance::covered(instance.existing[i], within.as_minutes()) {
                    constant += weight;
                    continue;
                }
                let reachers: Vec<usize> = (0..candidates)
                    .filter(|&j| {
                        SitingInstance::covered(
                            instance.candidate_minutes[j][i],
                            within.as_minutes(),
                        )
                    })
                    .collect();
                if reachers.is_empty() || weight <= 0.0 {
                    continue;
                }
                columns.push(Column::Cover(i));
                let cover = vars.add(variable().min(0.0).max(1.0));
                goal += weight * cover;
                let mut row = Expression::from(cover);
                for j in reachers {
                    row -= sites[j];
                }
                rows.push(row.leq(0.0));
            }
        }
        Objective::PMedian => {
            for i in 0..cities {
                let weight = instance.weights[i];
                if weight <= 0.0 {
                    continue;
                }
                let existing = instance.existing[i];
                let mut assigned = Expression::from(0.0);
                for (j, site) in sites.iter().enumerate() {
                    let minutes = instance.candidate_minutes[j][i];
                    if minutes >= existing - TOLERANCE {
                        continue;
                    }
                    columns.push(Column::Assign(i, j));
                    let assign = vars.add(variable().min(0.0).max(1.0));
                    if existing.is_finite() {
                        goal -= weight * (existing - minutes) * assign;
                    } else {
                        goal += weight * minutes * assign;
                    }
                    assigned += assign;
                    rows.push((Expression::from(assign) - *site).leq(0.0));
                }
                if existing.is_finite() {
                    constant += weight * existing;
                    rows.push(assigned.leq(1.0));
                } else {
                    rows.push(assigned.eq(1.0));
                }
            }
        }
    }
    let opened: Expression = sites.iter().copied().sum();
    rows.push(opened.eq(k as f64));

    let unsolved = if maximise {
        vars.maximise(goal)
    } else {
        vars.minimise(goal)
    };
    let mut problem = highs(unsolved);
    for row in rows {
        problem = problem.with(row);
    }
    let mut model = problem
        .try_into_inner()
        .map_err(|error| CoverageError::Solver(error.to_string()))?;
    model.make_quiet();
    let option_error = |name: &str| CoverageError::Solver(format!("cannot set HiGHS {name}"));
    model
        .try_set_option("threads", 1)
        .map_err(|_| option_error("threads"))?;
    model
        .try_set_option("random_seed", 0)
        .map_err(|_| option_error("random_seed"))?;
    model
        .try_set_option("time_limit", time_limit.max(0.1))
        .map_err(|_| option_error("time_limit"))?;
    model
        .try_set_option("mip_rel_gap", 0.0)
        .map_err(|_| option_error("mip_rel_gap"))?;
    model
        .try_set_option("mip_abs_gap", 0.0)
        .map_err(|_| option_error("mip_abs_gap"))?;

    let start = instance.greedy(k, objective);
    let start_values: Vec<f64> = columns
        .iter()
        .map(|column| match *column {
            Column::Site(j) => f64::from(u8::from(start.contains(&j))),
            Column::Cover(i) => {
                let Objective::MaxCover { within } = objective else {
                    unreachable!("cover columns belong to max cover")
                };
                let reached = start.iter().any(|&j| {
                    SitingInstance::covered(instance.candidate_minutes[j][i], within.as_minutes())
                });
                f64::from(u8::from(reached))
            }
            Column::Assign(i, j) => {
                let best = start
                    .iter()
                    .copied()
                    .min_by(|a, b| {
                        instance.candidate_minutes[*a][i]
                            .total_cmp(&instance.candidate_minutes[*b][i])
                    })
                    .filter(|&b| {
                        instance.candidate_minutes[b][i] < instance.existing[i] - TOLERANCE
                    });
                f64::from(u8::from(best == Some(j)))
            }
        })
        .collect();
    // A rejected warm start only costs time.
    let _ = model.try_set_solution(Some(&start_values), None, None, None);

    let solved = model
        .try_solve()
        .map_err(|status| CoverageError::Solver(format!("HiGHS returned {status:?}")))?;
    let status = format!("{:?}", solved.status());
    let values = solved.get_solution().columns().to_vec();
    let mut chosen: Vec<usize> = columns
        .iter()
        .zip(&values)
        .filter_map(|(column, value)| match column {
            Column::Site(j) if *value > 0.5 => Some(*j),
            _ => None,
        })
        .collect();
    if chosen.len() != k {
        // No incumbent (an early stop): the greedy answer stands.
        chosen = start;
    }
    chosen.sort_unstable();
    // The objective is recomputed from the chosen sites, so what is
    // reported never depends on the solver's tolerances.
    let value = instance.evaluate(&chosen, objective);
    let dual = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|bound| bound.is_finite())
        .map(|bound| bound + constant);
    let bound = match (dual, maximise) {
        (Some(bound), true) => bound.max(value),
        (Some(bound), false) => bound.min(value),
        (None, true) => f64::INFINITY,
        (None, false) => 0.0,
    };
    let gap = if value.abs() > TOLERANCE {
        (bound - value).abs() / value.abs()
    } else {
        (bound - value).abs()
    };
    Ok(SitingSolution {
        chosen,
        objective: value,
        bound,
        gap,
        proven_optimal: gap <= PROVEN_GAP,
        status,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What the planner asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingOptions {
    pub k: usize,
    pub objective: Objective,
    /// Candidate cities by adcode; `None` means every city without a
    /// staffed base.
    pub candidates: Option<Vec<u32>>,
    /// Engineers a new station starts with (the network's smallest
    /// stations have two).
    pub new_engineers: usize,
    /// HiGHS's wall-clock limit, seconds.
    pub time_limit: f64,
}

impl Default for SitingOptions {
    fn default() -> Self {
        Self {
            k: 10,
            objective: Objective::MaxCover {
                within: TimeSpan::hours(2),
            },
            candidates: None,
            new_engineers: 2,
            time_limit: 60.0,
        }
    }
}

/// One chosen site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    pub adcode: u32,
    pub name: String,
    pub province: String,
    pub region: Region,
    pub lat: f64,
    pub lon: f64,
    /// Demand this site reaches within the siting limit that no base
    /// reached before (sites may overlap; max cover only).
    pub new_demand_within: Option<f64>,
}

/// The chosen sites, the solver's proof, and the network before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SitingReport {
    pub objective: Objective,
    pub k: usize,
    pub candidates: usize,
    pub sites: Vec<Site>,
    pub solution: SitingSolution,
    /// Demand-weighted average minutes to the nearest base, before and after.
    pub mean_minutes_before: f64,
    pub mean_minutes_after: f64,
    pub before: CoverageReport,
    pub after: CoverageReport,
}

/// The proposed id of a new station in a city.
pub fn proposed_id(adcode: u32) -> String {
    format!("NEW-{adcode}")
}

/// Builds the instance from the network, solves it, and reports coverage
/// before and after opening the chosen sites.
pub fn site(
    cities: &[City],
    fleet: &Fleet,
    demand: &Demand,
    travel: &dyn TravelModel,
    settings: Settings,
    options: &SitingOptions,
) -> Result<SitingReport, CoverageError> {
    settings.check()?;
    if let Objective::MaxCover { within } = options.objective
        && within <= settings.lead_time
    {
        return Err(CoverageError::invalid(
            "within",
            format!(
                "{within} leaves no time to travel after the {} lead time",
                settings.lead_time
            ),
        ));
    }
    if options.new_engineers == 0 {
        return Err(CoverageError::invalid(
            "new_engineers",
            "a new station needs at least one engineer",
        ));
    }
    let candidates: Vec<usize> = match &options.candidates {
        Some(adcodes) => {
            let mut picked = Vec::new();
            for (position, adcode) in adcodes.iter().enumerate() {
                let index = cities
                    .iter()
                    .position(|city| city.adcode == *adcode)
                    .ok_or_else(|| {
                        CoverageError::invalid(
                            format!("candidates[{position}]"),
                            format!("{adcode} is not a city of the network"),
                        )
                    })?;
                if !picked.contains(&index) {
                    picked.push(index);
                }
            }
            picked
        }
        None => cities
            .iter()
            .enumerate()
            .filter(|(_, city)| !fleet.staffed().any(|base| base.city_adcode == city.adcode))
            .map(|(i, _)| i)
            .collect(),
    };
    let reach = Reach::new(cities, fleet, travel, settings.lead_time);
    let lead = settings.lead_time.as_minutes();
    let instance = SitingInstance {
        weights: demand.weights.clone(),
        existing: (0..cities.len())
            .map(|i| reach.nearest(i).map_or(f64::INFINITY, |(_, m)| m))
            .collect(),
        candidate_minutes: candidates
            .iter()
            .map(|&j| {
                cities
                    .iter()
                    .map(|city| lead + travel.leg(cities[j].location, city.location).seconds / 60.0)
                    .collect()
            })
            .collect(),
    };
    let solution = solve(&instance, options.k, options.objective, options.time_limit)?;

    let mut after_fleet = fleet.clone();
    let mut sites = Vec::new();
    for &j in &solution.chosen {
        let city = &cities[candidates[j]];
        let id = proposed_id(city.adcode);
        after_fleet.open_station(
            &id,
            &format!("{} (proposed)", city.name_en),
            BaseKind::Proposed,
            city,
            options.new_engineers,
        )?;
        let new_demand_within = match options.objective {
            Objective::MaxCover { within } => Some(
                (0..cities.len())
                    .filter(|&i| {
                        !SitingInstance::covered(instance.existing[i], within.as_minutes())
                            && SitingInstance::covered(
                                instance.candidate_minutes[j][i],
                                within.as_minutes(),
                            )
                    })
                    .map(|i| instance.weights[i])
                    // Not `sum()`: an empty f64 sum is -0.0, printed "-0".
                    .fold(0.0, |total, weight| total + weight),
            ),
            Objective::PMedian => None,
        };
        sites.push(Site {
            id,
            adcode: city.adcode,
            name: city.name_en.clone(),
            province: city.province_en.clone(),
            region: city.region,
            lat: city.location.lat(),
            lon: city.location.lon(),
            new_demand_within,
        });
    }
    let total = demand.total().max(TOLERANCE);
    let before = CoverageReport::build(cities, fleet, demand, travel, settings)?;
    let after = CoverageReport::build(cities, &after_fleet, demand, travel, settings)?;
    Ok(SitingReport {
        objective: options.objective,
        k: options.k,
        candidates: candidates.len(),
        sites,
        mean_minutes_before: instance.evaluate(&[], Objective::PMedian) / total,
        mean_minutes_after: instance.evaluate(&solution.chosen, Objective::PMedian) / total,
        solution,
        before,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four cities on a line, 0–30–60–100 minutes from the left end; the
    /// fleet reaches only the first.
    fn line() -> SitingInstance {
        let position = [0.0, 30.0, 60.0, 100.0];
        let minutes = |from: f64| position.iter().map(|p| (p - from).abs()).collect();
        SitingInstance {
            weights: vec![5.0, 1.0, 2.0, 4.0],
            existing: position.to_vec(),
            candidate_minutes: vec![minutes(30.0), minutes(60.0), minutes(100.0)],
        }
    }

    #[test]
    fn max_cover_picks_the_heaviest_uncovered_reach() {
        let within = Objective::MaxCover {
            within: TimeSpan::minutes(35),
        };
        let solution = solve(&line(), 1, within, 10.0).unwrap();
        // The fleet already reaches 0 and 30 (5 + 1). A station at 30 or
        // 60 adds the city at 60 (2); one at 100 adds 100 (4).
        assert_eq!(solution.chosen, vec![2]);
        assert_eq!(solution.objective, 10.0);
        assert!(solution.proven_optimal, "{solution:?}");
        assert_eq!(
            solution.objective,
            brute_force(&line(), 1, within).objective
        );
    }

    #[test]
    fn p_median_matches_brute_force() {
        for k in 1..=3 {
            let mip = solve(&line(), k, Objective::PMedian, 10.0).unwrap();
            let brute = brute_force(&line(), k, Objective::PMedian);
            assert!((mip.objective - brute.objective).abs() < 1e-6, "k={k}");
            assert!(mip.proven_optimal);
        }
    }

    #[test]
    fn k_beyond_the_candidates_names_k() {
        let error = solve(&line(), 4, Objective::PMedian, 1.0).unwrap_err();
        assert_eq!(error.field(), Some("k"));
    }
}
