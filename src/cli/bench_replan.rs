//! `ruyi bench replan --hub east`: how long a newly reported ticket waits
//! for its placement under live dispatch — the call center's promise to
//! the customer on the phone. The hub's day is planned at 08:00 from the
//! tickets reported by then; each later ticket is then stored and the
//! hub re-planned at its report time the way `ruyi serve --live-dispatch`
//! does it (warm start from the published routes, the serve budget over
//! [`crate::api::LIVE_BUDGET_SHARE`], checked and stored as a revision),
//! one re-plan per ticket, unbatched: the worst case for the cadence.
//!
//! On one core: a single-threaded runtime with one blocking thread (the
//! solver and HiGHS run single-threaded), so the figures are what one
//! core gives. A benchmark, not a test: the baseline is a cold plan
//! (assignment MIP, full budget) of the same hub at the same moment, in
//! the same process, and the warm re-plans are reported against it.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use crate::dispatch::{PlanOptions, morning_of};
use crate::domain::Region;
use crate::network::{Network, generate_tickets};
use crate::service::plan_and_store;
use crate::settings::{Database, Settings};

#[derive(Debug, clap::Args)]
pub struct ReplanArgs {
    /// The hub (the largest, east, by default).
    #[arg(long, default_value = "east")]
    pub hub: Region,
    /// Tickets in the generated national day (the hub gets its share).
    #[arg(long, default_value_t = 1500)]
    pub tickets: usize,
    /// The day (a Monday, so office-hours engineers work).
    #[arg(long, default_value = "2026-11-30")]
    pub date: NaiveDate,
    /// Tickets reported after 08:00 that each get their own re-plan.
    #[arg(long, default_value_t = 100)]
    pub events: usize,
    /// The SQLite file the day is stored in (replaced).
    #[arg(long, default_value = "out/bench-replan.db")]
    pub db: PathBuf,
}

pub fn run(settings: &Settings, args: ReplanArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::ensure!(args.events >= 1, "--events must be at least 1");
    let network = Network::shipped().context("the shipped network is broken")?;
    // The generator's day `d` is reported in the 24 h before 08:00 on `d`:
    // the date's own tickets are the morning's backlog, the next date's
    // arrive through the day.
    let mut tickets = generate_tickets(&network, args.date, args.tickets, settings.ticket_seed);
    tickets.extend(generate_tickets(
        &network,
        args.date + chrono::Duration::days(1),
        args.tickets,
        settings.ticket_seed,
    ));
    tickets.retain(|t| t.region() == args.hub);
    tickets.sort_by(|a, b| (a.reported_at(), a.id()).cmp(&(b.reported_at(), b.id())));
    let morning = morning_of(args.date);
    let known = tickets
        .iter()
        .take_while(|t| t.reported_at() <= morning)
        .count();
    let later = &tickets[known..tickets.len().min(known + args.events)];
    anyhow::ensure!(
        !later.is_empty(),
        "no ticket of the {} hub is reported after 08:00",
        args.hub
    );
    if let Some(dir) = args.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for stale in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{stale}", args.db.display()));
    }
    let url = Database::File(args.db.clone()).url();
    let cold = settings.plan_options();
    let warm = PlanOptions {
        warm_start: true,
        live: true,
        time_limit: settings.time_limit / crate::api::LIVE_BUDGET_SHARE,
        ..settings.plan_options()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let travel = settings.travel;
    let progress = indicatif::ProgressBar::new(later.len() as u64);
    let (seconds, baseline, last) = runtime.block_on(async {
        let store = super::open_store(&url).await?;
        store.insert_tickets(&tickets[..known]).await?;
        plan_and_store(&store, args.hub, args.date, morning, &cold, &travel)
            .await
            .context("the morning plan")?;
        let mut seconds = Vec::with_capacity(later.len());
        let mut last = None;
        for ticket in later {
            store.insert_tickets(std::slice::from_ref(ticket)).await?;
            let started = Instant::now();
            let roster = plan_and_store(
                &store,
                args.hub,
                args.date,
                ticket.reported_at(),
                &warm,
                &travel,
            )
            .await
            .with_context(|| format!("the re-plan for {}", ticket.id()))?;
            seconds.push(started.elapsed().as_secs_f64());
            last = Some(roster);
            progress.inc(1);
        }
        // The baseline: the same hub at the last ticket's time, planned
        // cold (assignment MIP, the full budget), not stored twice over.
        let at = later.last().expect("at least one ticket").reported_at();
        let started = Instant::now();
        plan_and_store(
            &store,
            args.hub,
            args.date,
            at,
            &PlanOptions {
                warm_start: false,
                ..cold.clone()
            },
            &travel,
        )
        .await
        .context("the cold baseline plan")?;
        let baseline = started.elapsed().as_secs_f64();
        store.close().await;
        anyhow::Ok((seconds, baseline, last))
    })?;
    progress.finish_and_clear();
    let last = last.expect("at least one re-plan");
    let mut sorted = seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let at =
        |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
    writeln!(
        out,
        "{} hub, {}: {} tickets by 08:00 planned cold, then {} re-plans, one per ticket as it is \
         reported ({} s of search each, warm start), on one core",
        args.hub,
        args.date,
        known,
        seconds.len(),
        warm.time_limit.as_secs_f64(),
    )?;
    writeln!(
        out,
        "last revision: {} tickets, {} assigned, {} engineers",
        last.summary.tickets, last.summary.assigned, last.summary.engineers_used
    )?;
    writeln!(
        out,
        "{:>10} {:>8} {:>8} {:>8} {:>8} {:>10} {:>12}",
        "re-plans", "p50_s", "p90_s", "p99_s", "max_s", "cold_s", "p99/cold"
    )?;
    writeln!(
        out,
        "{:>10} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>10.3} {:>12.2}",
        seconds.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        sorted.last().copied().unwrap_or_default(),
        baseline,
        at(0.99) / baseline,
    )?;
    Ok(())
}
