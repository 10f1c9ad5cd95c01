//! `ruyi bench dispatch --tickets 3000 --ticket-seed 7`: a generated national day
//! planned by Ruyi and by the greedy baseline, side by side.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;

use crate::benchmark::dispatch::{DayFigures, NationalDay, Planner, plan_day, scaled_workforce};
use crate::dispatch::PlanOptions;
use crate::domain::Region;
use crate::network::{Network, generate_tickets};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct DispatchArgs {
    /// Tickets in the generated national day.
    #[arg(long, default_value_t = 3000)]
    pub tickets: usize,
    /// The ticket generator's seed, as in `ruyi generate`: same seed, same
    /// day (`--seed` is the older name).
    #[arg(long, alias = "seed", env = "RUYI_TICKET_SEED", value_name = "N",
          default_value_t = crate::settings::DEFAULT_TICKET_SEED.to_string())]
    pub ticket_seed: String,
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
    /// Days Ruyi plans together (the first is the one measured).
    #[arg(long, default_value_t = 2)]
    pub horizon_days: u32,
    /// Leave out the assignment MIP: the core's insertion assigns.
    #[arg(long)]
    pub no_assignment: bool,
    /// Leave out the balance of a station's working minutes.
    #[arg(long)]
    pub no_balance: bool,
}

pub fn run(settings: &Settings, args: DispatchArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let (travel, ticket_seed) = (&settings.travel, settings.ticket_seed);
    if args.horizon_days == 0 {
        anyhow::bail!("--horizon-days must be at least 1");
    }
    let time_limit = Duration::try_from_secs_f64(args.time_limit)
        .ok()
        .filter(|limit| !limit.is_zero())
        .context("--time-limit must be a positive number of seconds")?;
    let options = PlanOptions {
        horizon_days: args.horizon_days,
        assignment: !args.no_assignment,
        balance: !args.no_balance,
        ..Settings {
            time_limit,
            seed: args.solver_seed,
            ..Settings::default()
        }
        .plan_options()
    };
    let network = Network::shipped().context("the shipped network is broken")?;
    let tickets = generate_tickets(&network, args.date, args.tickets, ticket_seed);
    let engineers = match args.engineers {
        Some(count) => scaled_workforce(&network.engineers, count),
        None => network.engineers.clone(),
    };
    anyhow::ensure!(args.threads >= 1, "--threads must be at least 1");
    writeln!(
        out,
        "national day {}: {} tickets (generator seed {}), {} engineers; Ruyi at {} s per hub, \
         seed {}, {} day(s) planned, assignment MIP {}, balance {}",
        args.date,
        tickets.len(),
        ticket_seed,
        engineers.len(),
        args.time_limit,
        args.solver_seed,
        options.horizon_days,
        if options.assignment { "on" } else { "off" },
        if options.balance { "on" } else { "off" },
    )?;
    writeln!(
        out,
        "{:<8} {:>9} {:>7} {:>9} {:>9} {:>8} {:>10} {:>12} {:>12} {:>8} {:>10} {:>10} {:>8}",
        "planner",
        "tickets",
        "remote",
        "to_visit",
        "assigned",
        "overdue",
        "reachable",
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
        let day = NationalDay {
            date: args.date,
            tickets: &tickets,
            engineers: &engineers,
            travel,
        };
        let (figures, _) = plan_day(planner, day, &options, args.threads, |hub| {
            progress.set_message(format!("{name}: {hub} planned"));
            progress.inc(1);
        })
        .with_context(|| format!("planning the day with {name}"))?;
        progress.suspend(|| write_row(out, name, &figures))?;
        results.push(figures);
    }
    progress.finish_and_clear();
    let ruyi = results.last().expect("Ruyi always plans");
    let greedy_spread = if args.skip_greedy {
        "-".to_string()
    } else {
        format!("{:.0}", results[0].workload_spread_minutes)
    };
    writeln!(
        out,
        "ruyi: assignment MIP objective {:.0}, bound {:.0} (gap {:.2} % overall, {:.2} % at \
         most per hub), routes seeded by it on {} of {} hub-days; {} tickets tentatively \
         planned for tomorrow; station spread of working \
         minutes (max - min, mean over stations) {:.0} vs greedy {}",
        ruyi.mip_objective,
        ruyi.mip_bound,
        if ruyi.mip_objective > 0.0 {
            100.0 * (ruyi.mip_objective - ruyi.mip_bound) / ruyi.mip_objective
        } else {
            0.0
        },
        ruyi.mip_max_gap_percent,
        ruyi.mip_seeded_days,
        Region::ALL.len() as u32 * options.horizon_days,
        ruyi.tomorrow_planned,
        ruyi.workload_spread_minutes,
        greedy_spread,
    )?;
    if args.skip_greedy {
        return Ok(());
    }
    let greedy = &results[0];
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
        "{:<8} {:>9} {:>7} {:>9} {:>9} {:>8} {:>10} {:>11.1}% {:>11.1}% {:>8} {:>10.0} {:>10} {:>8.1}",
        name,
        figures.tickets,
        figures.resolved_remotely,
        figures.to_visit,
        figures.assigned,
        figures.overdue_at_now,
        figures.reachable,
        100.0 * figures.on_site_share(),
        100.0 * figures.repaired_share(),
        figures.loaners,
        figures.km,
        figures.engineers_used,
        figures.seconds
    )
}
