//! `ruyi generate`: a seeded day of tickets from the shipped network (or a
//! network directory), as CSV on stdout or in a file. The same arguments
//! always give the same bytes, so a generated day can be shared by its seed.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use crate::network::{Network, generate_tickets, write_tickets};
use crate::settings::{DEFAULT_TICKET_SEED, Settings};

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The day the tickets are to be served (they are reported the day
    /// before), as YYYY-MM-DD.
    #[arg(long)]
    pub date: NaiveDate,
    /// How many tickets to generate.
    #[arg(long, default_value_t = 1500)]
    pub tickets: usize,
    /// The generator's seed: same date, count and seed, same file (and the
    /// same tickets as `ruyi demo` generates with them).
    #[arg(long, alias = "seed", env = "RUYI_TICKET_SEED", value_name = "N",
          default_value_t = DEFAULT_TICKET_SEED.to_string())]
    pub ticket_seed: String,
    /// Write the CSV to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Read the network from this directory (cities.csv, hubs.csv,
    /// stations.csv, engineers.csv) instead of the shipped one.
    #[arg(long, env = "RUYI_NETWORK_DIR")]
    pub network: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: GenerateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let ticket_seed = settings.ticket_seed;
    let network = match &args.network {
        Some(dir) => Network::load(dir)?,
        None => Network::shipped().context("the shipped network is broken")?,
    };
    let started = Instant::now();
    let tickets = generate_tickets(&network, args.date, args.tickets, ticket_seed);
    tracing::info!(
        tickets = tickets.len(),
        ticket_seed = ticket_seed,
        seconds = started.elapsed().as_secs_f64(),
        "generated tickets"
    );
    match &args.out {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            write_tickets(&mut file, &tickets)
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                out,
                "wrote {} tickets for {} (ticket seed {}) to {}",
                tickets.len(),
                args.date,
                ticket_seed,
                path.display()
            )?;
        }
        None => write_tickets(out, &tickets)?,
    }
    Ok(())
}
