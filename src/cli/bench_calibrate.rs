//! `ruyi bench calibrate --time-limit 5 FILES… [--hub east]`: how much CPU
//! the core spends for a time limit.
//!
//! The core counts its budget in deterministic work units
//! ([`optimize::WORK_PER_SECOND`]) so that a seed gives the same plan on a
//! loaded machine; this benchmark checks that the units still track time:
//! for each problem it solves once with the time limit and reports the CPU
//! seconds used (getrusage, not wall time: the machine may be shared) and
//! their ratio to the limit. Problems: Solomon / Gehring & Homberger `.txt`
//! instances, VROOM `.json` documents, and with `--hub` the dispatcher's
//! routing problem of a hub's generated day (as `ruyi plan` builds it).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;

use super::bench::cpu_seconds;
use crate::benchmark::Instance;
use crate::domain::Region;
use crate::optimize::{self, Problem, SolveParams};
use crate::vroom;

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// The time limit each problem is solved with, in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub time_limit: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also solve these hubs' days (generated, triaged, two days planned
    /// together as `ruyi plan` does).
    #[arg(long)]
    pub hub: Vec<Region>,
    #[arg(long, default_value = "2026-11-30")]
    pub date: NaiveDate,
    /// Tickets of the generated national day.
    #[arg(long, default_value_t = 3000)]
    pub tickets: usize,
    /// The ticket generator's seed.
    #[arg(long, default_value_t = 7)]
    pub ticket_seed: u64,
    /// Days of the hubs' horizon.
    #[arg(long, default_value_t = 2)]
    pub horizon_days: u32,
    /// VRPTW instances (`.txt`) and VROOM documents (`.json`).
    pub files: Vec<PathBuf>,
}

pub fn run(
    settings: &crate::settings::Settings,
    args: CalibrateArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.time_limit > 0.0,
        "--time-limit must be positive, got {}",
        args.time_limit
    );
    let mut problems: Vec<(String, Problem)> = Vec::new();
    for file in &args.files {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let problem = if file.extension().is_some_and(|e| e == "json") {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let document = vroom::parse(&bytes)?;
            vroom::build::build(&document, &settings.travel)?.problem
        } else {
            Instance::read(file)?.to_problem()
        };
        problems.push((name, problem));
    }
    if !args.hub.is_empty() {
        let travel = &settings.travel;
        for &hub in &args.hub {
            let (tickets, engineers) =
                super::export::generated_day(hub, args.date, args.tickets, args.ticket_seed)?;
            let built = super::export::hub_day(
                hub,
                args.date,
                args.horizon_days,
                &tickets,
                &engineers,
                travel,
                1,
            )?;
            problems.push((format!("hub-{hub}"), built.problem));
        }
    }
    writeln!(
        out,
        "{:<14} {:>6} {:>8} {:>12} {:>10} {:>8} {:>8} {:>9} {:>7}",
        "problem",
        "jobs",
        "vehicles",
        "work_units",
        "iterations",
        "seconds",
        "cpu_s",
        "cpu/limit",
        "clock"
    )?;
    let params = SolveParams {
        seed: args.seed,
        time_limit: Duration::from_secs_f64(args.time_limit),
    };
    let mut ratios = Vec::new();
    for (name, problem) in &problems {
        let started = Instant::now();
        let cpu_started = cpu_seconds();
        let solution = optimize::solve(problem, &params);
        let cpu = cpu_seconds() - cpu_started;
        let seconds = started.elapsed().as_secs_f64();
        if let Err(violations) = optimize::check(problem, &solution) {
            anyhow::bail!("{name}: the answer failed the checker: {}", violations[0]);
        }
        let ratio = cpu / args.time_limit;
        ratios.push(ratio);
        writeln!(
            out,
            "{:<14} {:>6} {:>8} {:>12} {:>10} {:>8.2} {:>8.2} {:>9.2} {:>7}",
            name,
            problem.jobs().len(),
            problem.vehicles().len(),
            solution.stats.work_units,
            solution.stats.iterations,
            seconds,
            cpu,
            ratio,
            if solution.stats.stopped_by_clock {
                "fired"
            } else {
                "-"
            }
        )?;
    }
    if let (Some(low), Some(high)) = (
        ratios.iter().copied().reduce(f64::min),
        ratios.iter().copied().reduce(f64::max),
    ) {
        writeln!(
            out,
            "cpu/limit from {low:.2} to {high:.2} over {} problems at {} s",
            ratios.len(),
            args.time_limit
        )?;
    }
    Ok(())
}
