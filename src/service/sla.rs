//! The SLA report a hub coordinator sends upward: per hub and severity,
//! the tickets reported in a period, how many met the 2 h response, the
//! 12 h on-site and the 48 h repair limits, loaners issued and escalation
//! notices reached. Computed from what was recorded — the reports, the
//! call center's remote attempts and the engineers' events — never from
//! what a plan expected; the loaners are those stored rosters issued.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::dispatch::escalation_with_lifecycle;
use crate::domain::lifecycle::{SlaInput, SlaReport};
use crate::domain::{Region, service_offset};
use crate::storage::{StorageError, Store};

/// Local midnight of `date`, in UTC.
pub fn local_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(service_offset())
        .single()
        .expect("a fixed offset is unambiguous")
        .with_timezone(&Utc)
}

/// The report for tickets reported on the local days `from..=to` (of
/// one hub when given), with each clock evaluated at `now`: a limit still
/// running counts as not met.
pub async fn sla_report(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    hub: Option<Region>,
    now: DateTime<Utc>,
) -> Result<SlaReport, StorageError> {
    let histories = store
        .histories_reported_between(
            local_midnight(from),
            local_midnight(to + chrono::Days::new(1)),
            hub,
        )
        .await?;
    let lifecycles: Vec<_> = histories.iter().map(|h| h.lifecycle()).collect();
    let inputs: Vec<SlaInput<'_>> = histories
        .iter()
        .zip(&lifecycles)
        .map(|(history, life)| SlaInput {
            ticket: &history.ticket,
            lifecycle: life,
            loaner: history.loaner,
            escalations: escalation_with_lifecycle(
                &history.ticket,
                now,
                life.on_site_at,
                life.fixed_at,
            )
            .notified
            .len() as u32,
        })
        .collect();
    Ok(SlaReport::count(&inputs, now))
}

/// The report's columns, in order.
pub const SLA_COLUMNS: [&str; 8] = [
    "hub",
    "severity",
    "tickets",
    "response_met",
    "on_site_met",
    "repair_met",
    "loaners_issued",
    "escalations_reached",
];

/// The report as CSV: one line per hub and severity, then `all`.
pub fn write_sla_csv(out: &mut dyn Write, report: &SlaReport) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(SLA_COLUMNS)?;
    let total = std::iter::once(&report.total);
    for line in report.lines.iter().chain(total) {
        writer.write_record([
            line.hub.map_or("all".to_string(), |h| h.code().to_string()),
            if line.hub.is_some() {
                line.severity.to_string()
            } else {
                "all".to_string()
            },
            line.tickets.to_string(),
            line.response_met.to_string(),
            line.on_site_met.to_string(),
            line.repair_met.to_string(),
            line.loaners_issued.to_string(),
            line.escalations_reached.to_string(),
        ])?;
    }
    writer.flush()
}

/// The report as an aligned table, for the terminal.
pub fn write_sla_table(out: &mut dyn Write, report: &SlaReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>11}",
        "hub", "severity", "tickets", "2h_resp", "12h_site", "48h_fix", "loaners", "escalations"
    )?;
    let percent = |met: u32, of: u32| {
        if of == 0 {
            "-".to_string()
        } else {
            format!("{met} {:>3.0}%", 100.0 * f64::from(met) / f64::from(of))
        }
    };
    let total = std::iter::once(&report.total);
    for line in report.lines.iter().chain(total) {
        writeln!(
            out,
            "{:<10} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>11}",
            line.hub.map_or("all".to_string(), |h| h.code().to_string()),
            if line.hub.is_some() {
                line.severity.to_string()
            } else {
                "all".to_string()
            },
            line.tickets,
            percent(line.response_met, line.tickets),
            percent(line.on_site_met, line.tickets),
            percent(line.repair_met, line.tickets),
            line.loaners_issued,
            line.escalations_reached,
        )?;
    }
    Ok(())
}
