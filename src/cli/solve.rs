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
    /// Instead of solving, judge this answer to the document (from any
    /// solver, VROOM's own say) by VROOM's rules, with Ruyi's independent
    /// checker; fails listing every broken rule.
    #[arg(long, value_name = "ANSWER")]
    pub check: Option<PathBuf>,
    /// The problem document.
    pub input: PathBuf,
}

pub fn run(settings: &Settings, args: SolveArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    if let Some(answer) = &args.check {
        return judge(&bytes, answer, settings, out);
    }
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

/// Judges `answer_path` against the document by VROOM's rules.
fn judge(
    document: &[u8],
    answer_path: &PathBuf,
    settings: &Settings,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let model = vroom::build::build(&vroom::parse(document)?, &settings.travel)?;
    let text =
        std::fs::read(answer_path).with_context(|| format!("reading {}", answer_path.display()))?;
    let answer: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not JSON", answer_path.display()))?;
    match vroom::timing::check(&model, &answer) {
        Ok(()) => {
            writeln!(out, "{}: keeps every rule", answer_path.display())?;
            Ok(())
        }
        Err(broken) => {
            for rule in &broken {
                writeln!(out, "{rule}")?;
            }
            anyhow::bail!("{}: {} broken rules", answer_path.display(), broken.len())
        }
    }
}
