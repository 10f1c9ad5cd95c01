//! The `ruyi` command line. [`main`] parses the flags and environment once,
//! checks them into [`Settings`] (a bad value stops here, named) and hands
//! them to the subcommand. Each subcommand lives in its own file and writes
//! to the writer it is given, so tests can run it and read its output.

mod bench;
mod bench_calibrate;
mod bench_dispatch;
mod bench_events;
mod bench_replan;
mod coverage;
mod demo;
mod events;
mod export;
mod generate;
mod import;
mod migrate;
mod plan;
mod report;
mod serve;
mod simulate;
mod solve;
mod token;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::network::Network;
use crate::service::error_chain;
use crate::settings::{self, DatabaseUrl, Origin, RawSettings, Setting, Settings};
use crate::storage::Store;
use crate::travel::GreatCircle;

#[derive(Debug, Parser)]
#[command(
    name = "ruyi",
    version,
    about = "Field-engineer dispatch and route scheduler"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The settings every subcommand takes (a flag wins over its variable);
/// checked once by [`Settings::load`] before the subcommand runs.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Settings")]
pub struct SettingsArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://user:pass@host/db`
    /// [default: the SQLite file below].
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The SQLite file used when no database URL is given.
    #[arg(long, global = true, env = "RUYI_DB_FILE", value_name = "FILE",
          default_value = settings::DEFAULT_DATABASE_FILE)]
    pub db_file: String,
    /// Road distance divided by great-circle distance.
    #[arg(long, global = true, env = "RUYI_CIRCUITY", value_name = "FACTOR",
          default_value_t = GreatCircle::default().circuity.to_string())]
    pub circuity: String,
    /// Average speed on the first and last `--city-km` of a trip.
    #[arg(long, global = true, env = "RUYI_CITY_KMH", value_name = "KMH",
          default_value_t = GreatCircle::default().city_kmh.to_string())]
    pub city_kmh: String,
    /// Road kilometres at each end of a trip driven at city speed.
    #[arg(long, global = true, env = "RUYI_CITY_KM", value_name = "KM",
          default_value_t = GreatCircle::default().city_km.to_string())]
    pub city_km: String,
    /// Average speed on the rest of a trip.
    #[arg(long, global = true, env = "RUYI_HIGHWAY_KMH", value_name = "KMH",
          default_value_t = GreatCircle::default().highway_kmh.to_string())]
    pub highway_kmh: String,
    /// Log filter, e.g. `ruyi=debug` [default: info for serve, warn otherwise].
    #[arg(long, global = true, env = "RUYI_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// Hours a 5x8 contract's clocks run in, China time.
    #[arg(long, global = true, env = "RUYI_SERVICE_HOURS", value_name = "HH:MM-HH:MM",
          default_value = settings::DEFAULT_SERVICE_HOURS)]
    pub service_hours: String,
    /// Weekdays a 5x8 contract's clocks run on (`mon-fri` or `mon,tue,sat`).
    #[arg(long, global = true, env = "RUYI_SERVICE_DAYS", value_name = "DAYS",
          default_value = settings::DEFAULT_SERVICE_DAYS)]
    pub service_days: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: create the SQLite database, load the shipped network
    /// and a generated day, plan all seven hubs, print a table and write the
    /// routes as JSON and GeoJSON.
    Demo(demo::DemoArgs),
    /// Plan one hub's day and store the roster.
    Plan(plan::PlanArgs),
    /// Generate a seeded day of tickets.
    Generate(generate::GenerateArgs),
    /// Load a ticket CSV into the database (all or nothing).
    Import(import::ImportArgs),
    /// Apply the database migrations.
    Migrate,
    /// Serve the HTTP API.
    Serve(serve::ServeArgs),
    /// Planners' coverage: report, new-station siting, load replay.
    #[command(subcommand)]
    Coverage(coverage::CoverageCommand),
    /// Solve a problem document in another tool's format (VROOM's JSON) and
    /// answer in that format; no database needed.
    Solve(solve::SolveArgs),
    /// Write a hub's day as a problem document in another tool's format
    /// (VROOM's JSON), to compare solvers on it.
    Export(export::ExportArgs),
    /// Benchmarks (route quality against best-known solutions, event
    /// throughput).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Engineers' status events: replay an event file.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Reports computed from what happened (the SLA report).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The API's bearer tokens: create (printed once), list, revoke.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// A month of the national network under each dispatch policy (live,
    /// morning, greedy, hindsight), side by side.
    Simulate(simulate::SimulateArgs),
}

/// The binary: parses the command line, loads the settings (a bad one
/// stops here, named), starts the log and runs the subcommand; an error is
/// printed once with its causes. Exit codes: 0 done, 1 failed, 2 a bad
/// command line or setting.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let settings = match load_settings(&cli, &matches) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&settings.log_filter))
        .with_writer(std::io::stderr)
        .init();
    // Every 5x8 deadline, wherever it is read, counts on this one calendar.
    if let Err(error) = crate::domain::ServiceCalendar::install(settings.service_calendar) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    match run(cli.command, &settings, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_chain(error.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// The settings of this command line: the global ones, and those of the
/// subcommand that takes them (`serve`'s address, `plan`'s search).
pub fn load_settings(cli: &Cli, matches: &ArgMatches) -> Result<Settings, settings::SettingsError> {
    let global = &cli.settings;
    let mut raw = RawSettings {
        database_url: global.database_url.clone(),
        db_file: Some(global.db_file.clone()),
        circuity: Some(global.circuity.clone()),
        city_kmh: Some(global.city_kmh.clone()),
        city_km: Some(global.city_km.clone()),
        highway_kmh: Some(global.highway_kmh.clone()),
        log: global.log.clone(),
        service_hours: Some(global.service_hours.clone()),
        service_days: Some(global.service_days.clone()),
        ..RawSettings::default()
    };
    let search = match &cli.command {
        Command::Demo(args) => {
            raw.ticket_seed = Some(args.ticket_seed.clone());
            Some(&args.search)
        }
        Command::Plan(args) => Some(&args.search),
        Command::Serve(args) => {
            raw.host = Some(args.host.clone());
            raw.port = Some(args.port.clone());
            raw.clock_skew = Some(args.clock_skew.clone());
            raw.live_dispatch = Some(args.live_dispatch.clone());
            args.limits.fill(&mut raw);
            Some(&args.search)
        }
        Command::Events(events::EventsCommand::Import(args)) => {
            raw.clock_skew = Some(args.clock_skew.clone());
            None
        }
        Command::Generate(args) => {
            raw.ticket_seed = Some(args.ticket_seed.clone());
            None
        }
        Command::Coverage(coverage::CoverageCommand::Replay(args)) => {
            raw.ticket_seed = Some(args.ticket_seed.clone());
            None
        }
        Command::Bench(bench::BenchCommand::Dispatch(args)) => {
            raw.ticket_seed = Some(args.ticket_seed.clone());
            None
        }
        Command::Import(_)
        | Command::Simulate(_)
        | Command::Report(_)
        | Command::Token(_)
        | Command::Migrate
        | Command::Coverage(_)
        | Command::Solve(_)
        | Command::Export(_)
        | Command::Bench(_) => None,
    };
    if let Some(search) = search {
        raw.time_limit = Some(search.time_limit.clone());
        raw.seed = Some(search.seed.clone());
    }
    let default_log = match cli.command {
        Command::Serve(_) => settings::SERVER_LOG,
        _ => settings::QUIET_LOG,
    };
    // Global arguments are propagated to the innermost subcommand, so its
    // matches know where every setting came from.
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    let origin = |setting: Setting| {
        let known = leaf.ids().any(|id| id.as_str() == setting.id());
        match known.then(|| leaf.value_source(setting.id())).flatten() {
            Some(ValueSource::EnvVariable) => Origin::Environment,
            Some(ValueSource::CommandLine) => Origin::Flag,
            _ => Origin::Default,
        }
    };
    Settings::load(&raw, &origin, default_log)
}

pub fn run(command: Command, settings: &Settings, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => demo::run(settings, args, out),
        Command::Plan(args) => plan::run(settings, args, out),
        Command::Generate(args) => generate::run(settings, args, out),
        Command::Import(args) => import::run(settings, args, out),
        Command::Migrate => migrate::run(settings, out),
        Command::Serve(_) => serve::run(settings),
        Command::Solve(args) => solve::run(settings, args, out),
        Command::Bench(command) => bench::run(settings, command, out),
        Command::Coverage(command) => coverage::run(settings, command, out),
        Command::Events(command) => events::run(settings, command, out),
        Command::Report(command) => report::run(settings, command, out),
        Command::Token(command) => token::run(settings, command, out),
        Command::Export(args) => export::run(settings, args, out),
        Command::Simulate(args) => simulate::run(settings, args, out),
    }
}

/// A roster as the API serves it: JSON with every time at +08:00.
pub(crate) fn roster_json(roster: &crate::domain::Roster) -> anyhow::Result<Vec<u8>> {
    let mut json = serde_json::to_value(roster)?;
    crate::api::local_times(&mut json);
    Ok(serde_json::to_vec_pretty(&json)?)
}

/// Connects, applies the migrations and, when the network tables are
/// empty, loads the shipped network: every subcommand that serves or plans
/// starts from here.
pub(crate) async fn open_store(database_url: &DatabaseUrl) -> anyhow::Result<Store> {
    let store = Store::connect(database_url.expose())
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    prepare_store(store).await
}

/// [`open_store`] on one connection ([`Store::connect_sole`]), for a
/// simulation's own database.
pub(crate) async fn open_sole_store(database_url: &DatabaseUrl) -> anyhow::Result<Store> {
    let store = Store::connect_sole(database_url.expose())
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    prepare_store(store).await
}

async fn prepare_store(store: Store) -> anyhow::Result<Store> {
    store.migrate().await.context("applying migrations")?;
    if store.network_counts().await?.is_empty() {
        tracing::info!("empty network tables: loading the shipped network");
        let network = Network::shipped().context("the shipped network is broken")?;
        store
            .replace_network(
                &network.cities,
                &network.hubs,
                &network.stations,
                &network.engineers,
            )
            .await
            .context("loading the shipped network")?;
        let stock = Network::shipped_stock().context("the shipped stock is broken")?;
        store
            .set_stock(&stock)
            .await
            .context("loading the shipped part stock")?;
    }
    Ok(store)
}

/// Where a subcommand writes files, created on demand.
pub fn ensure_dir(dir: &PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}
