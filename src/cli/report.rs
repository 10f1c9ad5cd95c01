//! `ruyi report sla --from D --to D [--hub H] [--format csv]`: the SLA
//! report (see [`crate::service::sla`]) as a table or CSV.

use std::io::Write;

use crate::settings::Settings;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};

use crate::domain::Region;
use crate::service::sla::{sla_report, write_sla_csv, write_sla_table};

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Per hub and severity: tickets reported, 2 h response, 12 h on site
    /// and 48 h repair met, loaners issued, escalations reached.
    Sla(SlaArgs),
}

#[derive(Debug, clap::Args)]
pub struct SlaArgs {
    /// First local day of reports (YYYY-MM-DD).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last local day of reports, included.
    #[arg(long)]
    pub to: NaiveDate,
    /// One hub (`east`, …); default all.
    #[arg(long)]
    pub hub: Option<Region>,
    /// `table` (default) or `csv`.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub fn run(settings: &Settings, command: ReportCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let ReportCommand::Sla(args) = command;
    if args.to < args.from {
        bail!("--to {} is before --from {}", args.to, args.from);
    }
    let csv = match args.format.as_str() {
        "table" => false,
        "csv" => true,
        other => bail!("--format {other:?}: expected table or csv"),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(async {
        let store = super::open_store(&settings.database.url()).await?;
        let report = sla_report(&store, args.from, args.to, args.hub, Utc::now()).await?;
        store.close().await;
        anyhow::Ok(report)
    })?;
    if csv {
        write_sla_csv(out, &report)?;
    } else {
        write_sla_table(out, &report)?;
    }
    Ok(())
}
