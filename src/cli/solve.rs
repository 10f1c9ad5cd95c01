//! `ruyi solve --format vroom INPUT.json`: solve a problem written in
//! another tool's format and answer in that format, without a database.
//! The same adapter serves `POST /api/v1/vroom`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::settings::Settings;
use crate::vroom::{self, Overrides};

/// Problem formats `ruyi solve` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// VROOM's JSON problem and solution documents.
    Vroom,
}

#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// The input document's format (and the answer's).
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write the answer to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Search budget in seconds; overrides the document's `x-ruyi.time_limit`.
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// Seed; overrides the document's `x-ruyi.seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The problem document.
    pub input: PathBuf,
}

pub fn run(settings: &Settings, args: SolveArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let answer = match args.format {
        Format::Vroom => vroom::solve_document(
            &bytes,
            &Overrides {
                time_limit: args.time_limit,
                seed: args.seed,
                travel: settings.travel,
            },
        )
        .with_context(|| format!("solving {}", args.input.display()))?,
    };
    let mut text = serde_json::to_string_pretty(&answer)?;
    text.push('\n');
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}
