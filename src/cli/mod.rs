//! The `ruyi` command line. Each subcommand lives in its own file and writes
//! to the writer it is given, so tests can run it and read its output.

mod bench;
mod bench_calibrate;
mod bench_dispatch;
mod coverage;
mod demo;
mod export;
mod generate;
mod import;
mod migrate;
mod plan;
mod serve;
mod solve;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::network::Network;
use crate::storage::Store;

#[derive(Debug, Parser)]
#[command(
    name = "ruyi",
    version,
    about = "Field-engineer dispatch and route scheduler"
)]
pub struct Cli {
    /// Database URL: a `sqlite:` file (the default) or `postgres://…`.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
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
    /// Benchmarks (route quality against best-known solutions).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// The SQLite file used when no `DATABASE_URL` is given.
pub fn default_database_url() -> String {
    std::env::var("RUYI_DB_FILE")
        .map(|file| format!("sqlite://{file}?mode=rwc"))
        .unwrap_or_else(|_| "sqlite://ruyi.db?mode=rwc".to_string())
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli
        .database_url
        .clone()
        .unwrap_or_else(default_database_url);
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Demo(args) => demo::run(cli.database_url.as_deref(), args, &mut out),
        Command::Plan(args) => plan::run(&database_url, args, &mut out),
        Command::Generate(args) => generate::run(args, &mut out),
        Command::Import(args) => import::run(&database_url, args, &mut out),
        Command::Migrate => migrate::run(&database_url, &mut out),
        Command::Serve(args) => serve::run(&database_url, args),
        Command::Solve(args) => solve::run(args, &mut out),
        Command::Export(args) => export::run(&database_url, args, &mut out),
        Command::Bench(command) => bench::run(command, &mut out),
        Command::Coverage(command) => coverage::run(command, &mut out),
    }
}

/// Connects, applies the migrations and, when the network tables are
/// empty, loads the shipped network: every subcommand that serves or plans
/// starts from here.
pub(crate) async fn open_store(database_url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(database_url)
        .await
        .with_context(|| format!("connecting to {}", redact(database_url)))?;
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

/// A database URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Where a subcommand writes files, created on demand.
pub fn ensure_dir(dir: &PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}
