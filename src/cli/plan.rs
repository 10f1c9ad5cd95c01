//! `ruyi plan --hub east --date 2026-11-28`: plans one hub's day from the
//! database (its open tickets, its region's engineers), checks the plan,
//! stores the roster and prints its summary.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::{Region, Roster, RosterSummary};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The hub: north, northeast, east, south, southwest, northwest or central.
    #[arg(long)]
    pub hub: Region,
    /// The day to plan, YYYY-MM-DD.
    #[arg(long)]
    pub date: NaiveDate,
    /// The plan's "now" (RFC 3339, e.g. 2026-11-30T10:15:00+08:00): visits
    /// begun by then on the day's roster in force stay, nothing starts
    /// earlier. Default: 08:00 of the day, the morning plan.
    #[arg(long)]
    pub at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[command(flatten)]
    pub search: SearchArgs,
    /// Also write the roster as JSON to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// List every station's working minutes and every unassigned ticket
    /// with its reason (the summary counts them).
    #[arg(long, short)]
    pub verbose: bool,
}

/// How hard the solver searches; shared by `plan`, `demo` and `serve`
/// (for the rosters it plans). Raw here: [`Settings::load`] checks them.
///
/// [`Settings::load`]: crate::settings::Settings::load
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// Search budget per hub, in seconds (counted as deterministic work).
    #[arg(long, env = "RUYI_TIME_LIMIT", value_name = "SECONDS",
          default_value_t = Settings::default().time_limit.as_secs_f64().to_string())]
    pub time_limit: String,
    /// The solver's seed: same seed and data, same plan.
    #[arg(long, env = "RUYI_SEED", value_name = "N",
          default_value_t = Settings::default().seed.to_string())]
    pub seed: String,
}

pub fn run(settings: &Settings, args: PlanArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let options = settings.plan_options();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let roster = runtime.block_on(async {
        let store = super::open_store(&settings.database.url()).await?;
        let now = args.at.map_or_else(
            || crate::dispatch::morning_of(args.date),
            |at| at.with_timezone(&chrono::Utc),
        );
        let roster = crate::service::plan_and_store(
            &store,
            args.hub,
            args.date,
            now,
            &options,
            &settings.travel,
        )
        .await
        .with_context(|| format!("planning the {} hub on {}", args.hub, args.date))?;
        store.close().await;
        anyhow::Ok(roster)
    })?;
    write_summary(out, &roster, args.verbose)?;
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&roster)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(out, "wrote the roster to {}", path.display())?;
    }
    Ok(())
}

fn write_summary(out: &mut dyn Write, roster: &Roster, verbose: bool) -> anyhow::Result<()> {
    let summary = &roster.summary;
    writeln!(
        out,
        "roster {} for the {} hub on {}: {} of {} tickets assigned to {} of {} engineers, \
         {} on site by the 12 h deadline, {:.0} km",
        roster.id.unwrap_or_default(),
        roster.hub,
        roster.date,
        summary.assigned,
        summary.tickets,
        summary.engineers_used,
        summary.engineers_available,
        summary.on_time,
        summary.km,
    )?;
    if summary.preventive_placed + summary.preventive_due > 0 {
        writeln!(
            out,
            "  key customers' system analyses: {} placed in slack, {} still due",
            summary.preventive_placed, summary.preventive_due,
        )?;
    }
    if !roster.parts.is_empty() {
        let ordered = roster
            .parts
            .iter()
            .filter(|p| p.action == crate::domain::PartAction::Ordered)
            .count();
        writeln!(
            out,
            "  parts: {} taken from stock, {} ordered (diagnosis visits today)",
            roster.parts.len() - ordered,
            ordered
        )?;
    }
    writeln!(out, "  {}", plan_report(summary))?;
    if verbose {
        for workload in roster.workloads.iter().filter(|w| w.engineers > 1) {
            writeln!(
                out,
                "  {}: {} engineers, {:.0}-{:.0} working minutes (spread {:.0}, std {:.0})",
                workload.base,
                workload.engineers,
                workload.min_minutes,
                workload.max_minutes,
                workload.spread_minutes(),
                workload.std_minutes
            )?;
        }
        for unassigned in &roster.unassigned {
            writeln!(
                out,
                "  unassigned {}: {} ({})",
                unassigned.ticket_id, unassigned.reason, unassigned.detail
            )?;
        }
    } else if !roster.unassigned.is_empty() {
        writeln!(
            out,
            "  unassigned: {} (--verbose lists each ticket and each station's working minutes)",
            reason_counts(roster)
        )?;
    }
    Ok(())
}

/// `12 no_engineer_with_skill, 3 awaiting_part`: the unassigned tickets
/// counted by reason, the most frequent first.
fn reason_counts(roster: &Roster) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for unassigned in &roster.unassigned {
        let reason = unassigned.reason.to_string();
        match counts.iter_mut().find(|(known, _)| *known == reason) {
            Some((_, count)) => *count += 1,
            None => counts.push((reason, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
        .iter()
        .map(|(reason, count)| format!("{count} {reason}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The two-day plan's figures in one line: the assignment MIP's objective,
/// proven bound and gap, tomorrow's tentative visits, and the spread of
/// the stations' working minutes. Shared by `plan` and `demo`.
pub(crate) fn plan_report(summary: &RosterSummary) -> String {
    let mip = match &summary.assignment {
        Some(mip) => format!(
            "assignment MIP objective {:.1}, bound {:.1}, gap {:.2} % ({}, {} variables, {:.1} s; \
             routes seeded by it on {} day(s))",
            mip.objective,
            mip.bound,
            mip.gap_percent,
            mip.status,
            mip.variables,
            mip.seconds,
            mip.seeded_days
        ),
        None => "no assignment MIP".to_string(),
    };
    format!(
        "{mip}; {} tickets tentatively planned for tomorrow ({} due for repair by its end); \
         station spread of working minutes: mean max-min {:.0}, mean std {:.0}",
        summary.tomorrow_planned,
        summary.tomorrow_repair_due,
        summary.workload_spread_minutes,
        summary.workload_std_minutes
    )
}
