//! `ruyi simulate`: a month of the national network under each dispatch
//! policy, side by side (see [`crate::simulation`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::Region;
use crate::network::Network;
use crate::settings::{Database, Settings};
use crate::simulation::{
    HourShare, Policy, PolicyRun, Row, SimulationConfig, check_invariants, fates_csv, rows,
    share_by_hour, simulate,
};

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Simulated days of ticket arrivals (each then runs on 48 h so the
    /// last tickets can be served).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// The first day (tickets arrive from its 08:00), YYYY-MM-DD.
    #[arg(long, default_value = "2026-11-30")]
    pub start: NaiveDate,
    /// Seeds the tickets, service times, outcomes and sickness: the same
    /// seed gives the same tables.
    #[arg(long, env = "RUYI_SIMULATION_SEED", default_value_t = 7)]
    pub seed: u64,
    /// Policies, comma-separated: live, morning, greedy, hindsight.
    #[arg(long, default_value = "live,morning,greedy,hindsight")]
    pub policy: String,
    /// Tickets reported per day across the network.
    #[arg(long, default_value_t = 1500)]
    pub tickets: usize,
    /// `live` and `greedy` re-plan a hub at the next boundary of this many
    /// simulated minutes after an urgent change (a severity-1/2 or 7x24
    /// ticket, a visit far from plan, an engineer off sick)…
    #[arg(long, default_value_t = 30)]
    pub prompt_minutes: u32,
    /// …and of this many after a routine one (any other ticket).
    #[arg(long, default_value_t = 120)]
    pub routine_minutes: u32,
    /// Search budget of each plan from nothing (the day's first, and every
    /// plan of the other policies), in seconds of deterministic work.
    #[arg(long, default_value_t = 0.1)]
    pub plan_seconds: f64,
    /// Search budget of a live re-plan, which starts from the published
    /// routes.
    #[arg(long, default_value_t = 0.0125)]
    pub replan_seconds: f64,
    /// Hubs simulated at once (each policy's hub on its own database).
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// `table` (default) or `csv` (one header, one row per policy and hub,
    /// the national rows with hub `all`).
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Where the databases, the CSV tables and the chart are written.
    #[arg(long, default_value = "out/simulate")]
    pub out: PathBuf,
}

/// The CSV header, in the order of [`Row`]'s fields.
const COLUMNS: &str = "policy,hub,tickets,attainable,remote,on_site_12h_pct,\
on_site_12h_attainable_pct,repaired_48h_pct,median_hours_to_site,p90_hours_to_site,km,\
overtime_hours,loaners,changes_per_engineer_day,plans,dispatcher_seconds,p99_plan_seconds";

pub fn run(settings: &Settings, args: SimulateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let policies =
        Policy::parse_list(&args.policy).map_err(|e| anyhow::anyhow!("--policy: {e}"))?;
    if args.days == 0 {
        anyhow::bail!("--days must be at least 1");
    }
    if args.tickets == 0 {
        anyhow::bail!("--tickets must be at least 1");
    }
    for (flag, minutes) in [
        ("--prompt-minutes", args.prompt_minutes),
        ("--routine-minutes", args.routine_minutes),
    ] {
        if !(1..=24 * 60).contains(&minutes) {
            anyhow::bail!("{flag} must be between 1 and 1440");
        }
    }
    for (flag, seconds) in [
        ("--plan-seconds", args.plan_seconds),
        ("--replan-seconds", args.replan_seconds),
    ] {
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
            anyhow::bail!("{flag} must be a positive number of seconds (at most 3600)");
        }
    }
    let csv = match args.format.as_str() {
        "table" => false,
        "csv" => true,
        other => anyhow::bail!("--format: {other:?} is not a format; expected table or csv"),
    };
    let mut config = SimulationConfig::new(args.start, args.days, args.seed);
    config.tickets_per_day = args.tickets;
    config.cadence = crate::dispatch::Cadence {
        prompt: chrono::Duration::minutes(i64::from(args.prompt_minutes)),
        routine: chrono::Duration::minutes(i64::from(args.routine_minutes)),
    };
    config.plan.time_limit = std::time::Duration::from_secs_f64(args.plan_seconds);
    config.replan_time_limit = std::time::Duration::from_secs_f64(args.replan_seconds);
    config.plan.seed = settings.seed;
    config.travel = settings.travel;
    super::ensure_dir(&args.out)?;
    let network = Network::shipped().context("the shipped network is broken")?;
    let started = Instant::now();
    let runs = run_policies(&network, &config, &policies, &args.out, args.jobs.max(1))?;
    let elapsed = started.elapsed().as_secs_f64();
    let shifts = network
        .engineers
        .iter()
        .map(|e| (e.id().clone(), e.shift()))
        .collect();
    for run in &runs {
        check_invariants(run, &shifts).map_err(|breach| {
            anyhow::anyhow!("the {} run broke an invariant: {breach}", run.policy)
        })?;
    }
    let table: Vec<Row> = runs.iter().flat_map(rows).collect();
    let by_hour: Vec<HourShare> = runs.iter().flat_map(share_by_hour).collect();
    write_csv(&args.out.join("simulation.csv"), &table)?;
    write_hours_csv(&args.out.join("by_hour.csv"), &by_hour)?;
    std::fs::write(args.out.join("by_hour.svg"), chart(&by_hour, &policies))
        .context("writing the chart")?;
    for run in &runs {
        let path = args.out.join(format!("{}_tickets.csv", run.policy));
        std::fs::write(&path, fates_csv(run))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if csv {
        write!(out, "{}", csv_text(&table))?;
        return Ok(());
    }
    write_table(out, &table)?;
    for run in &runs {
        if run.failed_plans > 0 {
            writeln!(
                out,
                "{}: {} plan(s) failed; the published plan stayed each time (see the log)",
                run.policy, run.failed_plans
            )?;
        }
        if run.refused_events > 0 {
            writeln!(
                out,
                "{}: {} of {} engineer events refused by the store (see the log at debug)",
                run.policy, run.refused_events, run.events
            )?;
        }
    }
    writeln!(
        out,
        "every run keeps the invariants: no visit before its report or its plan, no ticket \
         served twice at once or after it was fixed, no engineer in two places, every visit \
         in its shift or counted as overtime ({} visits checked)",
        runs.iter().map(|r| r.visits.len()).sum::<usize>()
    )?;
    writeln!(
        out,
        "{} day(s) from {} 08:00, {} tickets a day, seed {}, re-plans within the minute for a \
         ticket due on site within {} h, else at the next {}/{} min, {} s of search per plan \
         ({} s per live re-plan); simulated in {elapsed:.0} s. Tables in {}, chart in {}",
        args.days,
        args.start,
        args.tickets,
        args.seed,
        crate::dispatch::IMMEDIATE_WINDOW_HOURS,
        args.prompt_minutes,
        args.routine_minutes,
        args.plan_seconds,
        args.replan_seconds,
        args.out.join("simulation.csv").display(),
        args.out.join("by_hour.svg").display(),
    )?;
    Ok(())
}

/// Runs each policy on fresh SQLite databases under `dir`, one per hub
/// (a hub's dispatch is independent of the others', see
/// [`SimulationConfig::hubs`]), `jobs` hubs at a time; each policy's hubs
/// are merged into its run, and the runs come back in the order of
/// `policies`. The hubs of all policies share one queue, the longest first
/// (the re-planning policies, the hubs with most engineers), so the cores
/// finish together rather than one waiting on the month's longest policy.
pub fn run_policies(
    network: &Network,
    config: &SimulationConfig,
    policies: &[Policy],
    dir: &Path,
    jobs: usize,
) -> anyhow::Result<Vec<PolicyRun>> {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let bars = indicatif::MultiProgress::new();
    let total = (config.arrivals_end() + config.drain - config.begins()).num_minutes() as u64;
    let hubs: Vec<Region> = Region::ALL
        .into_iter()
        .filter(|hub| config.hubs.contains(hub))
        .collect();
    let mut tasks: Vec<(usize, Region)> = (0..policies.len())
        .flat_map(|index| hubs.iter().map(move |&hub| (index, hub)))
        .collect();
    let engineers = |hub: Region| {
        network
            .engineers
            .iter()
            .filter(|e| e.region() == hub)
            .count()
    };
    // A hub's CPU grows with its engineers (and tickets); per engineer, a
    // re-planning policy costs several times a once-a-day one.
    let weight = |policy: Policy| match policy {
        Policy::Live => 6,
        Policy::Greedy => 4,
        Policy::Morning => 2,
        Policy::Hindsight => 1,
    };
    tasks.sort_by_key(|&(index, hub)| {
        std::cmp::Reverse((weight(policies[index]) * engineers(hub), hub))
    });
    let bars: Vec<indicatif::ProgressBar> = policies
        .iter()
        .map(|policy| {
            let bar = bars.add(
                indicatif::ProgressBar::new(total).with_style(
                    indicatif::ProgressStyle::with_template("{prefix:>9} {bar:30} [{elapsed}]")
                        .expect("static template"),
                ),
            );
            bar.set_prefix(policy.code());
            bar
        })
        .collect();
    // Simulated minutes done per task; a policy's bar shows its hubs' mean.
    let done_minutes: Vec<AtomicU64> = tasks.iter().map(|_| AtomicU64::new(0)).collect();
    let next = AtomicUsize::new(0);
    let mut results: Vec<Vec<(Region, anyhow::Result<PolicyRun>)>> =
        (0..policies.len()).map(|_| Vec::new()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(tasks.len()))
            .map(|_| {
                let (next, bars, tasks, done_minutes, hubs) =
                    (&next, &bars, &tasks, &done_minutes, &hubs);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let taken = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(index, hub)) = tasks.get(taken) else {
                            return done;
                        };
                        let policy = policies[index];
                        let progress = |minutes: u64| {
                            done_minutes[taken].store(minutes, Ordering::Relaxed);
                            let sum: u64 = (tasks.iter().zip(done_minutes))
                                .filter(|((of, _), _)| *of == index)
                                .map(|(_, minutes)| minutes.load(Ordering::Relaxed))
                                .sum();
                            bars[index].set_position(sum / hubs.len() as u64);
                        };
                        let run = run_one(network, config, policy, hub, dir, &progress);
                        done.push((index, hub, run));
                    }
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (index, hub, run) in done {
                        results[index].push((hub, run));
                    }
                }
                Err(_) => results[0].push((
                    hubs[0],
                    Err(anyhow::anyhow!("a simulation thread panicked")),
                )),
            }
        }
    });
    let mut runs = Vec::new();
    for (index, mut parts) in results.into_iter().enumerate() {
        bars[index].finish_and_clear();
        parts.sort_by_key(|(hub, _)| *hub);
        let parts = parts
            .into_iter()
            .map(|(_, run)| run)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let run = PolicyRun::merge(parts)
            .ok_or_else(|| anyhow::anyhow!("the {} policy was not simulated", policies[index]))?;
        runs.push(run);
    }
    Ok(runs)
}

/// One policy over one hub, on its own database under `dir`; `progress`
/// hears the simulated minutes done.
fn run_one(
    network: &Network,
    config: &SimulationConfig,
    policy: Policy,
    hub: Region,
    dir: &Path,
    progress: &dyn Fn(u64),
) -> anyhow::Result<PolicyRun> {
    let file = dir.join(format!("{policy}-{}.db", hub.code()));
    let config = SimulationConfig {
        hubs: vec![hub],
        ..config.clone()
    };
    for stale in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{stale}", file.display()));
        match std::fs::remove_file(&path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("removing {}", path.display()));
            }
            _ => {}
        }
    }
    let url = Database::File(file).url();
    // Timers only: a simulation talks to its SQLite file through sqlx's
    // worker thread, never a socket, and a runtime without the IO driver
    // waits for that thread's replies on a condition variable rather than
    // an epoll wake-up — the round trip a simulated day makes some 60,000
    // times.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("starting the async runtime")?;
    let begins = config.begins();
    let run = runtime.block_on(async {
        let store = super::open_sole_store(&url).await?;
        let run = simulate(&store, network, &config, policy, |at| {
            progress((at - begins).num_minutes().max(0) as u64);
        })
        .await
        .with_context(|| format!("simulating the {policy} policy at the {hub} hub"))?;
        store.close().await;
        anyhow::Ok(run)
    })?;
    Ok(run)
}

/// A row's values in [`COLUMNS`] order, as both the CSV and the table
/// print them.
fn cells(row: &Row) -> [String; 17] {
    [
        row.policy.clone(),
        row.hub.clone(),
        row.tickets.to_string(),
        row.attainable.to_string(),
        row.remote.to_string(),
        format!("{:.1}", row.on_site_12h_pct),
        format!("{:.1}", row.on_site_12h_attainable_pct),
        format!("{:.1}", row.repaired_48h_pct),
        format!("{:.2}", row.median_hours_to_site),
        format!("{:.2}", row.p90_hours_to_site),
        format!("{:.0}", row.km),
        format!("{:.1}", row.overtime_hours),
        row.loaners.to_string(),
        format!("{:.2}", row.changes_per_engineer_day),
        row.plans.to_string(),
        format!("{:.1}", row.dispatcher_seconds),
        format!("{:.3}", row.p99_plan_seconds),
    ]
}

fn csv_text(table: &[Row]) -> String {
    let mut text = format!("{COLUMNS}\n");
    for row in table {
        text.push_str(&cells(row).join(","));
        text.push('\n');
    }
    text
}

fn write_csv(path: &Path, table: &[Row]) -> anyhow::Result<()> {
    std::fs::write(path, csv_text(table)).with_context(|| format!("writing {}", path.display()))
}

fn write_hours_csv(path: &Path, hours: &[HourShare]) -> anyhow::Result<()> {
    let mut text = String::from("policy,hour,tickets,on_site_12h_pct\n");
    for hour in hours {
        text.push_str(&format!(
            "{},{},{},{:.1}\n",
            hour.policy, hour.hour, hour.tickets, hour.on_site_12h_pct
        ));
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The table's headings and widths, column by column in [`COLUMNS`] order
/// (the first two left-aligned).
const TABLE: [(&str, usize); 17] = [
    ("policy", 9),
    ("hub", 9),
    ("tix", 6),
    ("attain", 6),
    ("remote", 6),
    ("12h%", 6),
    ("12h%att", 7),
    ("48h%", 6),
    ("med_h", 6),
    ("p90_h", 6),
    ("km", 8),
    ("ot_h", 7),
    ("loan", 4),
    ("chg/ed", 6),
    ("plans", 6),
    ("disp_s", 7),
    ("p99_s", 6),
];

fn write_table(out: &mut dyn Write, table: &[Row]) -> anyhow::Result<()> {
    let line = |values: &[String]| {
        values
            .iter()
            .zip(TABLE)
            .enumerate()
            .map(|(column, (value, (_, width)))| {
                if column < 2 {
                    format!("{value:<width$}")
                } else {
                    format!("{value:>width$}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let headings: Vec<String> = TABLE.iter().map(|(name, _)| name.to_string()).collect();
    writeln!(out, "{}", line(&headings))?;
    for row in table {
        writeln!(out, "{}", line(&cells(row)))?;
    }
    Ok(())
}

/// The 12 h share by hour of report, one line per policy, as SVG.
fn chart(hours: &[HourShare], policies: &[Policy]) -> String {
    const COLOURS: [&str; 4] = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"];
    let (left, top, width, height) = (60.0, 40.0, 720.0, 320.0);
    let x = |hour: u32| left + width * f64::from(hour) / 23.0;
    let y = |pct: f64| top + height * (1.0 - pct / 100.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"420\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"900\" height=\"420\" \
         fill=\"white\"/>\n<text x=\"{left}\" y=\"24\" font-size=\"15\">On site within the \
         12 h limit, by hour the ticket was reported (China time)</text>\n"
    );
    for pct in [0, 25, 50, 75, 100] {
        let at = y(f64::from(pct));
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{at}\" x2=\"{}\" y2=\"{at}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{pct} %</text>\n",
            left + width,
            left - 6.0,
            at + 4.0
        ));
    }
    for hour in (0..24).step_by(3) {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{hour:02}:00</text>\n",
            x(hour),
            top + height + 18.0
        ));
    }
    for (index, policy) in policies.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let points: Vec<String> = hours
            .iter()
            .filter(|h| h.policy == policy.code() && h.tickets > 0)
            .map(|h| format!("{:.1},{:.1}", x(h.hour), y(h.on_site_12h_pct)))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n\
             <rect x=\"{}\" y=\"{}\" width=\"14\" height=\"3\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{policy}</text>\n",
            points.join(" "),
            left + width + 12.0,
            top + 10.0 + 20.0 * index as f64,
            left + width + 30.0,
            top + 15.0 + 20.0 * index as f64,
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_one_header_and_the_columns_the_issue_names() {
        for column in [
            "policy",
            "hub",
            "tickets",
            "attainable",
            "on_site_12h_pct",
            "on_site_12h_attainable_pct",
            "repaired_48h_pct",
            "median_hours_to_site",
            "km",
            "overtime_hours",
            "changes_per_engineer_day",
        ] {
            assert!(COLUMNS.split(',').any(|c| c == column), "{column}");
        }
        assert_eq!(csv_text(&[]).lines().count(), 1);
    }
}
