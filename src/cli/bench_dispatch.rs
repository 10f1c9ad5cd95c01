//! `ruyi bench dispatch --tickets 3000 --seed 7`: a generated national day
//! planned by Ruyi and by the greedy baseline, side by side.

use std::io::Write;

use anyhow::Context;
use chrono::NaiveDate;

use super::plan::SearchArgs;
use crate::benchmark::dispatch::{DayFigures, Planner, plan_day, scaled_workforce};
use crate::network::{Network, generate_tickets};
use crate::travel::GreatCircle;

#[derive(Debug, clap::Args)]
pub struct DispatchArgs {
    /// Tickets in the generated national day.
    #[arg(long, default_value_t = 3000)]
    pub tickets: usize,
    /// The ticket generator's seed: same seed, same day.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The planned day (a Monday by default, so office-hours engineers work).
    #[arg(long, default_value = "2026-11-30")]
    pub date: NaiveDate,
    /// Ruyi's search budget per hub, in seconds (deterministic work).
    #[arg(long, default_value_t = 2.0)]
    pub time_limit: f64,
    /// Ruyi's seed.
    #[arg(long, default_value_t = 1)]
    pub solver_seed: u64,
    /// Engineers in the national workforce: the shipped ones, repeated
    /// station by station up to this many for the scale benchmark (default:
    /// the shipped workforce).
    #[arg(long)]
    pub engineers: Option<usize>,
    /// Hubs planned at once.
    #[arg(long, default_value_t = 2, env = "RUYI_THREADS")]
    pub threads: usize,
    /// Plan with Ruyi only (the scale benchmark times Ruyi alone).
    #[arg(long)]
    pub skip_greedy: bool,
}

pub fn run(args: DispatchArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let options = SearchArgs {
        time_limit: args.time_limit,
        seed: args.solver_seed,
    }
    .options()?;
    let network = Network::shipped().context("the shipped network is broken")?;
    let tickets = generate_tickets(&network, args.date, args.tickets, args.seed);
    let travel = GreatCircle::from_env().map_err(anyhow::Error::msg)?;
    let engineers = match args.engineers {
        Some(count) => scaled_workforce(&network.engineers, count),
        None => network.engineers.clone(),
    };
    anyhow::ensure!(args.threads >= 1, "--threads must be at least 1");
    writeln!(
        out,
        "national day {}: {} tickets (generator seed {}), {} engineers; Ruyi at {} s per hub, seed {}",
        args.date,
        tickets.len(),
        args.seed,
        engineers.len(),
        args.time_limit,
        args.solver_seed
    )?;
    writeln!(
        out,
        "{:<8} {:>9} {:>7} {:>9} {:>9} {:>12} {:>12} {:>8} {:>10} {:>10} {:>8}",
        "planner",
        "tickets",
        "remote",
        "to_visit",
        "assigned",
        "on_site_12h",
        "repair_48h",
        "loaners",
        "km",
        "engineers",
        "seconds"
    )?;
    let planners: &[(&str, Planner)] = if args.skip_greedy {
        &[("ruyi", Planner::Ruyi)]
    } else {
        &[("greedy", Planner::Greedy), ("ruyi", Planner::Ruyi)]
    };
    let progress = indicatif::ProgressBar::new(7 * planners.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .expect("static template"),
    );
    let mut results = Vec::new();
    for &(name, planner) in planners {
        let (figures, _) = plan_day(
            planner,
            args.date,
            &tickets,
            &engineers,
            &travel,
            &options,
            args.threads,
            |hub| {
                progress.set_message(format!("{name}: {hub} planned"));
                progress.inc(1);
            },
        )
        .with_context(|| format!("planning the day with {name}"))?;
        progress.suspend(|| write_row(out, name, &figures))?;
        results.push(figures);
    }
    progress.finish_and_clear();
    if args.skip_greedy {
        return Ok(());
    }
    let (greedy, ruyi) = (&results[0], &results[1]);
    writeln!(
        out,
        "ruyi vs greedy: on site in time {:+.1} points, repaired in time {:+.1} points, km x{:.3}; \
         ruyi beats greedy on on-time share and km at once: {}",
        100.0 * (ruyi.on_site_share() - greedy.on_site_share()),
        100.0 * (ruyi.repaired_share() - greedy.repaired_share()),
        ruyi.km / greedy.km.max(1e-9),
        if ruyi.on_site_share() > greedy.on_site_share() && ruyi.km < greedy.km {
            "yes"
        } else {
            "no"
        }
    )?;
    Ok(())
}

fn write_row(out: &mut dyn Write, name: &str, figures: &DayFigures) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<8} {:>9} {:>7} {:>9} {:>9} {:>11.1}% {:>11.1}% {:>8} {:>10.0} {:>10} {:>8.1}",
        name,
        figures.tickets,
        figures.resolved_remotely,
        figures.to_visit,
        figures.assigned,
        100.0 * figures.on_site_share(),
        100.0 * figures.repaired_share(),
        figures.loaners,
        figures.km,
        figures.engineers_used,
        figures.seconds
    )
}
