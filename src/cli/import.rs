//! `ruyi import --tickets FILE`: loads a ticket CSV (as `ruyi generate`
//! writes it, or from the call center's export) into the database. All or
//! nothing: a bad line is reported by number and nothing is stored.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::network::read_tickets_file;
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The ticket CSV file.
    #[arg(long)]
    pub tickets: PathBuf,
}

pub fn run(settings: &Settings, args: ImportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // Read and check the whole file before touching the database.
    let tickets = read_tickets_file(&args.tickets)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let stored = runtime.block_on(async {
        let store = super::open_store(&settings.database.url()).await?;
        let stored = store
            .insert_tickets(&tickets)
            .await
            .with_context(|| format!("storing the tickets of {}", args.tickets.display()))?;
        store.close().await;
        anyhow::Ok(stored)
    })?;
    writeln!(
        out,
        "imported {stored} tickets from {}",
        args.tickets.display()
    )?;
    Ok(())
}
