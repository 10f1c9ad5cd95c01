//! `ruyi export --format vroom --hub east --date 2026-11-30`: a hub's day
//! as the dispatcher would route it, written as a VROOM problem document,
//! to compare Ruyi with VROOM on the problems Ruyi really solves.
//!
//! The tickets are the hub's open tickets in the database (as `ruyi plan`
//! reads them) or, with `--tickets`, a generated national day (as `ruyi
//! bench dispatch` generates it). The call center's triage runs first, as
//! in planning; what is left to visit is translated by
//! [`vroom::export`](crate::vroom::export) (see there for what VROOM can and
//! cannot say).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;

use super::solve::Format;
use crate::dispatch::{self, CallCenter, HubDay, HubProblem};
use crate::domain::{Engineer, Region, Ticket, TicketStatus};
use crate::network::{Network, generate_tickets};
use crate::settings::{DatabaseUrl, Settings};
use crate::storage::TicketFilter;
use crate::travel::GreatCircle;
use crate::vroom;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The document format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The hub: north, northeast, east, south, southwest, northwest or central.
    #[arg(long)]
    pub hub: Region,
    /// The day, YYYY-MM-DD.
    #[arg(long)]
    pub date: NaiveDate,
    /// Generate a national day of this many tickets instead of reading the
    /// database.
    #[arg(long)]
    pub tickets: Option<usize>,
    /// The ticket generator's seed (with `--tickets`).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The triage's seed (which remote attempts succeed).
    #[arg(long, default_value_t = 1)]
    pub triage_seed: u64,
    /// Write the document to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: ExportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let Format::Vroom = args.format;
    let (tickets, engineers) = match args.tickets {
        Some(count) => generated_day(args.hub, args.date, count, args.seed)?,
        None => from_database(&settings.database.url(), args.hub)?,
    };
    let travel = &settings.travel;
    let built = hub_day(
        args.hub,
        args.date,
        1,
        &tickets,
        &engineers,
        travel,
        args.triage_seed,
    )?;
    let names = vroom::export::Names {
        jobs: built.tickets.iter().map(|t| t.id().to_string()).collect(),
        vehicles: built.engineers.iter().map(|e| e.id().to_string()).collect(),
    };
    let mut text = serde_json::to_string(&vroom::export::document(&built.problem, &names))?;
    text.push('\n');
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}

/// The one place that builds the dispatcher's routing problem for a hub's
/// day (over `days` days, as planning does): the call center's triage,
/// then the problem of what is left to visit. The export and the time-limit
/// calibration both start here.
pub(super) fn hub_day(
    hub: Region,
    date: NaiveDate,
    days: u32,
    tickets: &[Ticket],
    engineers: &[Engineer],
    travel: &GreatCircle,
    triage_seed: u64,
) -> anyhow::Result<HubProblem> {
    let triaged = dispatch::triage(tickets, &CallCenter::default(), triage_seed);
    let day = HubDay::new(hub, date, triaged.dispatch, engineers.to_vec())
        .with_context(|| format!("the {hub} hub's day {date}"))?;
    HubProblem::build(&day, days, travel)
        .with_context(|| format!("building the {hub} hub's problem for {date}"))
}

/// The hub's tickets of a generated national day (as `ruyi bench dispatch`
/// generates it) and the shipped engineers.
pub(super) fn generated_day(
    hub: Region,
    date: NaiveDate,
    count: usize,
    seed: u64,
) -> anyhow::Result<(Vec<Ticket>, Vec<Engineer>)> {
    let network = Network::shipped().context("the shipped network is broken")?;
    let tickets = generate_tickets(&network, date, count, seed)
        .into_iter()
        .filter(|t| t.region() == hub)
        .collect();
    Ok((tickets, network.engineers))
}

/// The hub's open tickets and its region's engineers, as `ruyi plan` reads
/// them.
fn from_database(
    database_url: &DatabaseUrl,
    hub: Region,
) -> anyhow::Result<(Vec<Ticket>, Vec<Engineer>)> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = super::open_store(database_url).await?;
        let tickets = store
            .tickets(TicketFilter {
                status: Some(TicketStatus::Open),
                region: Some(hub),
            })
            .await?;
        let engineers = store.engineers_in_region(hub).await?;
        store.close().await;
        anyhow::Ok((tickets, engineers))
    })
}
