//! `ruyi events import FILE`: replays engineers' status events from a
//! file — JSON lines (one event body per line, with its `engineer_id`) or
//! CSV (a header row naming the fields) — through the same checks as
//! `POST /api/v1/engineers/{id}/events`. All or nothing: the first bad
//! line is named by number and nothing is stored.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use serde_json::{Map, Value};

use crate::api::EventRequest;
use crate::domain::EngineerId;
use crate::settings::{DEFAULT_CLOCK_SKEW_MINUTES, Settings};
use crate::storage::{EventRules, NewEvent, Recorded};

#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Replay an event file (JSON lines or CSV), all or nothing.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// `.jsonl` / `.json` (one JSON object per line) or `.csv`.
    pub file: PathBuf,
    /// How far in the future (minutes) an event's time may be.
    /// Raw here: the settings check it.
    #[arg(long, env = "RUYI_CLOCK_SKEW_MINUTES", default_value_t = DEFAULT_CLOCK_SKEW_MINUTES.to_string())]
    pub clock_skew: String,
}

pub fn run(settings: &Settings, command: EventsCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        EventsCommand::Import(args) => import(settings, args, out),
    }
}

/// One line of the file, parsed but not yet checked.
struct Line {
    number: usize,
    engineer: String,
    body: Value,
}

/// Columns whose CSV text is a number or a list.
const NUMBER_COLUMNS: [&str; 3] = ["lat", "lon", "minutes"];

fn read_lines(path: &Path) -> anyhow::Result<Vec<Line>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let mut lines = Vec::new();
    if csv {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .with_context(|| format!("{}: line 1: the header row", path.display()))?
            .clone();
        for (index, record) in reader.records().enumerate() {
            let number = index + 2;
            let record = record.with_context(|| format!("{}: line {number}", path.display()))?;
            let mut body = Map::new();
            for (name, value) in headers.iter().zip(record.iter()) {
                if value.is_empty() {
                    continue;
                }
                let value = if NUMBER_COLUMNS.contains(&name) {
                    let number_value: f64 = value.parse().map_err(|_| {
                        anyhow::anyhow!(
                            "{}: line {number}: {name}: {value:?} is not a number",
                            path.display()
                        )
                    })?;
                    if name == "minutes" {
                        Value::from(number_value as i64)
                    } else {
                        Value::from(number_value)
                    }
                } else if name == "parts_used" {
                    Value::Array(
                        value
                            .split(';')
                            .map(|part| Value::String(part.trim().to_string()))
                            .collect(),
                    )
                } else {
                    Value::String(value.to_string())
                };
                body.insert(name.to_string(), value);
            }
            lines.push(line(path, number, Value::Object(body))?);
        }
    } else {
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let body: Value = serde_json::from_str(raw)
                .map_err(|e| anyhow::anyhow!("{}: line {number}: not JSON: {e}", path.display()))?;
            lines.push(line(path, number, body)?);
        }
    }
    Ok(lines)
}

/// Takes the engineer out of the body: what is left is what a phone
/// would post for that engineer.
fn line(path: &Path, number: usize, mut body: Value) -> anyhow::Result<Line> {
    let Some(object) = body.as_object_mut() else {
        bail!("{}: line {number}: expected a JSON object", path.display());
    };
    let engineer = match object.remove("engineer_id") {
        Some(Value::String(id)) => id,
        _ => bail!(
            "{}: line {number}: engineer_id: is required (a string)",
            path.display()
        ),
    };
    Ok(Line {
        number,
        engineer,
        body,
    })
}

fn import(settings: &Settings, args: ImportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let lines = read_lines(&args.file)?;
    let file = args.file.display().to_string();
    let mut events = Vec::with_capacity(lines.len());
    for line in &lines {
        let at = |field: &str, message: &str| {
            anyhow::anyhow!("{file}: line {}: {field}: {message}", line.number)
        };
        let engineer =
            EngineerId::parse(&line.engineer).map_err(|e| at("engineer_id", &e.message))?;
        let request: EventRequest = crate::api::parse_event_json(&line.body)
            .map_err(|(field, message)| at(&field, &message))?;
        let event = request
            .into_event(&engineer)
            .map_err(|e| at(&e.field, &e.message))?;
        events.push(NewEvent {
            event,
            request: line.body.to_string(),
        });
    }
    let rules = EventRules {
        now: Utc::now(),
        max_skew: settings.max_clock_skew,
        missing_part: crate::dispatch::order_missing_part,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let recorded = runtime.block_on(async {
        let store = super::open_store(&settings.database.url()).await?;
        let recorded = store
            .record_events(&events, &rules)
            .await
            .with_context(|| format!("storing the events of {file}"))?;
        store.close().await;
        anyhow::Ok(recorded)
    })?;
    match recorded {
        Ok(recorded) => {
            let new = recorded
                .iter()
                .filter(|r| matches!(r, Recorded::Created(_)))
                .count();
            writeln!(
                out,
                "imported {new} events from {file} ({} already stored)",
                recorded.len() - new
            )?;
            Ok(())
        }
        Err((index, refusal)) => bail!(
            "{file}: line {}: {}: {} (nothing was imported)",
            lines[index].number,
            refusal.field(),
            refusal.message()
        ),
    }
}
