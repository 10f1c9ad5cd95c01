//! `ruyi bench`: route quality on the standard benchmarks.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::benchmark::{BestKnown, Instance, read_best_known, write_solution};
use crate::optimize::{self, SolveParams};

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Solve Solomon / Gehring & Homberger VRPTW instances on one thread and
    /// compare with the best-known solutions (distance objective).
    Vrptw(VrptwArgs),
    /// Plan a generated national day with Ruyi and with a greedy baseline
    /// (each ticket in report order to the nearest free qualified engineer).
    Dispatch(super::bench_dispatch::DispatchArgs),
    /// The time limit's calibration: CPU seconds the core takes for a time
    /// limit, on VRPTW instances, VROOM documents and hub days.
    Calibrate(super::bench_calibrate::CalibrateArgs),
    /// Event throughput: the API in this process over the database
    /// (`--database-url`, default a fresh SQLite file) driven by
    /// concurrent clients at a fixed rate; latency percentiles and stored
    /// rows against acknowledged events.
    Events(super::bench_events::EventsArgs),
    /// Live dispatch's answer time: a hub's day re-planned (warm start, on
    /// one core) once for each ticket reported after 08:00; percentiles
    /// against a cold plan of the same hub in the same process.
    Replan(super::bench_replan::ReplanArgs),
}

#[derive(Debug, clap::Args)]
pub struct VrptwArgs {
    /// Search budget per instance, in seconds (counted as deterministic
    /// work; the benchmark's own default, not `RUYI_TIME_LIMIT`).
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
    /// The solver's seed (the benchmark's own, not `RUYI_SEED`).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write `<instance>.sol` files.
    #[arg(long, default_value = "out/vrptw")]
    pub out: PathBuf,
    /// Best-known table (vehicles first); default: `bks.csv` beside the
    /// instances' folder.
    #[arg(long)]
    pub bks: Option<PathBuf>,
    /// Distance-only best-known table; default: `bks_distance.csv` beside
    /// the instances' folder.
    #[arg(long)]
    pub bks_distance: Option<PathBuf>,
    /// Instance files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(
    settings: &crate::settings::Settings,
    command: BenchCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        BenchCommand::Vrptw(args) => vrptw(args, out),
        BenchCommand::Dispatch(args) => super::bench_dispatch::run(settings, args, out),
        BenchCommand::Calibrate(args) => super::bench_calibrate::run(settings, args, out),
        BenchCommand::Events(args) => super::bench_events::run(settings, args, out),
        BenchCommand::Replan(args) => super::bench_replan::run(settings, args, out),
    }
}

/// One instance's result.
#[derive(Debug, Clone)]
struct Row {
    vehicles: usize,
    distance: f64,
    gap: Option<f64>,
    gap_distance: Option<f64>,
    feasible: bool,
    seconds: f64,
    cpu_seconds: f64,
}

fn table_beside(files: &[PathBuf], name: &str) -> Option<PathBuf> {
    let folder = files.first()?.parent()?.parent()?;
    let path = folder.join(name);
    path.exists().then_some(path)
}

fn load_table(
    path: Option<PathBuf>,
) -> anyhow::Result<std::collections::HashMap<String, BestKnown>> {
    match path {
        Some(path) => Ok(read_best_known(&path)?),
        None => Ok(Default::default()),
    }
}

fn gap(distance: f64, known: Option<&BestKnown>) -> Option<f64> {
    known.map(|k| 100.0 * (distance - k.distance) / k.distance)
}

fn vrptw(args: VrptwArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.time_limit > 0.0,
        "--time-limit must be positive, got {}",
        args.time_limit
    );
    let bks = load_table(
        args.bks
            .clone()
            .or_else(|| table_beside(&args.files, "bks.csv")),
    )?;
    let bks_distance = load_table(
        args.bks_distance
            .clone()
            .or_else(|| table_beside(&args.files, "bks_distance.csv")),
    )?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let progress = indicatif::ProgressBar::new(args.files.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .expect("static template"),
    );
    writeln!(
        out,
        "{:<12} {:>8} {:>12} {:>9} {:>10} {:>8} {:>8} {:>9} {:>8}",
        "instance",
        "vehicles",
        "distance",
        "gap_bks%",
        "gap_dist%",
        "seconds",
        "cpu_s",
        "cpu/limit",
        "feasible"
    )?;
    let mut rows = Vec::new();
    for file in &args.files {
        let instance = Instance::read(file)?;
        progress.set_message(instance.name.clone());
        let row = solve_instance(&instance, &args, &bks, &bks_distance, &args.out)?;
        let show = |g: Option<f64>| g.map_or("-".to_string(), |g| format!("{g:.2}"));
        progress.suspend(|| {
            writeln!(
                out,
                "{:<12} {:>8.2} {:>12.2} {:>9} {:>10} {:>8.2} {:>8.2} {:>9.2} {:>8}",
                instance.name,
                row.vehicles,
                row.distance,
                show(row.gap),
                show(row.gap_distance),
                row.seconds,
                row.cpu_seconds,
                row.cpu_seconds / args.time_limit,
                row.feasible
            )
        })?;
        rows.push(row);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mean = |values: Vec<f64>| {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let show = |g: Option<f64>| g.map_or("-".to_string(), |g| format!("{g:.2}"));
    let count = rows.len().max(1) as f64;
    let mean_cpu = rows.iter().map(|r| r.cpu_seconds).sum::<f64>() / count;
    writeln!(
        out,
        "{:<12} {:>8.2} {:>12.2} {:>9} {:>10} {:>8.2} {:>8.2} {:>9.2} {:>8}",
        format!("mean({})", rows.len()),
        rows.iter().map(|r| r.vehicles).sum::<usize>() as f64 / count,
        rows.iter().map(|r| r.distance).sum::<f64>() / count,
        show(mean(rows.iter().filter_map(|r| r.gap).collect())),
        show(mean(rows.iter().filter_map(|r| r.gap_distance).collect())),
        rows.iter().map(|r| r.seconds).sum::<f64>() / count,
        mean_cpu,
        mean_cpu / args.time_limit,
        rows.iter().all(|r| r.feasible)
    )?;
    anyhow::ensure!(
        rows.iter().all(|r| r.feasible),
        "a solution failed the checker"
    );
    Ok(())
}

fn solve_instance(
    instance: &Instance,
    args: &VrptwArgs,
    bks: &std::collections::HashMap<String, BestKnown>,
    bks_distance: &std::collections::HashMap<String, BestKnown>,
    out_dir: &Path,
) -> anyhow::Result<Row> {
    let problem = instance.to_problem();
    let params = SolveParams {
        seed: args.seed,
        time_limit: Duration::from_secs_f64(args.time_limit),
    };
    let started = std::time::Instant::now();
    let cpu_started = cpu_seconds();
    // Quality figures must not drift with the machine's load: no wall-clock
    // cut-off here, the seconds column shows what the work took.
    let solution = optimize::solve_by_work_only(&problem, &params);
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = cpu_seconds() - cpu_started;
    let feasible = match optimize::check(&problem, &solution) {
        Ok(_) => solution.unassigned.is_empty(),
        Err(violations) => {
            for v in violations.iter().take(5) {
                tracing::error!(instance = %instance.name, "{}", v.0);
            }
            false
        }
    };
    let distance = instance.distance(&solution);
    let path = out_dir.join(format!("{}.sol", instance.name));
    std::fs::write(&path, write_solution(instance, &solution))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Row {
        vehicles: solution.vehicles_used(),
        distance,
        gap: gap(distance, bks.get(&instance.name)),
        gap_distance: gap(distance, bks_distance.get(&instance.name)),
        feasible,
        seconds,
        cpu_seconds,
    })
}

/// CPU time (user and system) this process has used so far, in seconds:
/// what a solve costs on a shared machine, where wall time depends on the
/// others' load.
pub(crate) fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the rusage it is pointed at; on failure it
    // is left zeroed, which reads as no time.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
