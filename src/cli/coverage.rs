//! `ruyi coverage report | site | replay`: the planners' questions on the
//! shipped (or a given) network. Each prints a table and writes CSV files
//! and an SVG map under `--out` (default `out/coverage`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;

use crate::coverage::render::{self, Marker};
use crate::coverage::replay::RegionReplay;
use crate::coverage::report::AreaShare;
use crate::coverage::siting::{self, SitingOptions};
use crate::coverage::{
    BaseKind, CoverageReport, Demand, Fleet, Objective, ReplayOptions, ReplayReport, Scenario,
    Settings, TimeSpan,
};
use crate::domain::service_offset;
use crate::network::{Network, read_tickets_file};
use crate::travel::GreatCircle;

#[derive(Debug, clap::Subcommand)]
pub enum CoverageCommand {
    /// Share of demand reached within 12 h and 2 h, per region, province
    /// and city; with --scenario, before and after side by side.
    Report(ReportArgs),
    /// Choose k new stations (maximal covering within a limit, or p-median).
    Site(SiteArgs),
    /// Replay days of tickets through the dispatcher; on-time share per
    /// region and the engineers each base needs for a target.
    Replay(ReplayArgs),
}

/// What every coverage subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Time from the report to an engineer driving off (e.g. 1h, 45m).
    #[arg(long, default_value = "1h")]
    pub lead_time: TimeSpan,
    /// The on-site limit every contract sets.
    #[arg(long, default_value = "12h")]
    pub standard: TimeSpan,
    /// The key-customer on-site limit.
    #[arg(long, default_value = "2h")]
    pub urgent: TimeSpan,
    /// Demand from a ticket history CSV (as `ruyi generate` writes)
    /// instead of census population.
    #[arg(long)]
    pub demand_tickets: Option<PathBuf>,
    /// A what-if scenario (JSON) applied to the network.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// A network directory (cities.csv, hubs.csv, stations.csv,
    /// engineers.csv) instead of the shipped one.
    #[arg(long)]
    pub network: Option<PathBuf>,
    /// Where the CSV files and the SVG map are written.
    #[arg(long, env = "RUYI_COVERAGE_OUT", default_value = "out/coverage")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveArg {
    /// Maximise demand reached within --within.
    MaxCover,
    /// Minimise demand-weighted minutes to the nearest base.
    PMedian,
}

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// New stations to open.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// The limit to cover within (lead time included), e.g. 2h, 12h, 90m.
    #[arg(long, default_value = "2h")]
    pub within: TimeSpan,
    #[arg(long, value_enum, default_value_t = ObjectiveArg::MaxCover)]
    pub objective: ObjectiveArg,
    /// Candidate city adcodes, comma separated (default: every city
    /// without a station).
    #[arg(long, value_delimiter = ',')]
    pub candidates: Option<Vec<u32>>,
    /// Engineers a new station starts with.
    #[arg(long, default_value_t = 2)]
    pub new_engineers: usize,
    /// HiGHS's wall-clock limit in seconds (the answer then carries its gap).
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Days to replay.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// The first day (default: today in service time).
    #[arg(long)]
    pub start: Option<NaiveDate>,
    /// Generated tickets per national day.
    #[arg(long, default_value_t = 1500)]
    pub tickets_per_day: usize,
    /// The ticket generator's seed (day d uses seed + d), as in `ruyi
    /// generate`.
    #[arg(long, env = "RUYI_TICKET_SEED", value_name = "N",
          default_value_t = crate::settings::DEFAULT_TICKET_SEED.to_string())]
    pub ticket_seed: String,
    /// Replay a ticket history CSV instead of generated days.
    #[arg(long)]
    pub tickets: Option<PathBuf>,
    /// The dispatcher's budget per hub and day, seconds.
    #[arg(long, default_value_t = 0.05)]
    pub solver_time: f64,
    /// On-time target for sizing: 95% or 0.95.
    #[arg(long, default_value = "95%", value_parser = parse_share)]
    pub target: f64,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn parse_share(raw: &str) -> Result<f64, String> {
    let trimmed = raw.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(number) => (number, 100.0),
        None => (trimmed, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value / scale > 0.0 && value / scale <= 1.0 => Ok(value / scale),
        _ => Err(format!("{raw:?} is not a share; write e.g. 95% or 0.95")),
    }
}

/// The network, travel model and fleet(s) a subcommand works on.
struct Setup {
    network: Network,
    travel: GreatCircle,
    settings: Settings,
    demand: Demand,
    fleet: Fleet,
    /// The fleet after the scenario, and its title.
    scenario: Option<(String, Fleet)>,
}

fn setup(common: &CommonArgs, travel: GreatCircle) -> anyhow::Result<Setup> {
    let network = match &common.network {
        Some(dir) => Network::load(dir)?,
        None => Network::shipped().context("the shipped network is broken")?,
    };
    let settings = Settings {
        lead_time: common.lead_time,
        standard: common.standard,
        urgent: common.urgent,
    };
    settings.check()?;
    let demand = match &common.demand_tickets {
        Some(path) => Demand::from_tickets(&network.cities, &read_tickets_file(path)?)?,
        None => Demand::population(&network.cities),
    };
    let fleet = Fleet::from_network(&network);
    let scenario = match &common.scenario {
        Some(path) => {
            let scenario = Scenario::read(path)?;
            let after = scenario.apply(&network.cities, &fleet)?;
            Some((scenario.title(), after))
        }
        None => None,
    };
    super::ensure_dir(&common.out)?;
    Ok(Setup {
        network,
        travel,
        settings,
        demand,
        fleet,
        scenario,
    })
}

fn write_file(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn pct(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

pub fn run(
    settings: &crate::settings::Settings,
    command: CoverageCommand,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let travel = settings.travel;
    match command {
        CoverageCommand::Report(args) => report(args, travel, out),
        CoverageCommand::Site(args) => site(args, travel, out),
        CoverageCommand::Replay(args) => replay(args, travel, settings.ticket_seed, out),
    }
}

fn report(args: ReportArgs, travel: GreatCircle, out: &mut dyn Write) -> anyhow::Result<()> {
    let setup = setup(&args.common, travel)?;
    let cities = &setup.network.cities;
    let before = CoverageReport::build(
        cities,
        &setup.fleet,
        &setup.demand,
        &setup.travel,
        setup.settings,
    )?;
    let after = match &setup.scenario {
        Some((_, fleet)) => Some(CoverageReport::build(
            cities,
            fleet,
            &setup.demand,
            &setup.travel,
            setup.settings,
        )?),
        None => None,
    };
    if let Some((title, _)) = &setup.scenario {
        writeln!(out, "scenario: {title}")?;
    }
    write_heading(out, &before)?;
    write_areas(out, &before, after.as_ref())?;
    write_uncovered(out, after.as_ref().unwrap_or(&before))?;
    let dir = &args.common.out;
    write_file(
        dir,
        "coverage_cities.csv",
        &render::cities_csv(&before, after.as_ref()),
    )?;
    write_file(
        dir,
        "coverage_areas.csv",
        &render::areas_csv(&before, after.as_ref()),
    )?;
    let note = map_note(&before);
    write_file(
        dir,
        "coverage.svg",
        &render::svg_map(
            "Ruyi service coverage",
            &note,
            &before,
            &render::fleet_markers(&setup.fleet),
            None,
        ),
    )?;
    if let (Some(after), Some((title, fleet))) = (&after, &setup.scenario) {
        write_file(
            dir,
            "coverage_after.svg",
            &render::svg_map(
                &format!("Ruyi service coverage: {title}"),
                &note,
                after,
                &render::fleet_markers(fleet),
                None,
            ),
        )?;
    }
    writeln!(
        out,
        "wrote coverage_cities.csv, coverage_areas.csv and coverage.svg{} to {}",
        if after.is_some() {
            " (and coverage_after.svg)"
        } else {
            ""
        },
        dir.display()
    )?;
    Ok(())
}

fn map_note(report: &CoverageReport) -> String {
    format!(
        "{} bases, {} engineers; lead time {}; {} travel; demand: {}",
        report.bases,
        report.engineers,
        report.settings.lead_time,
        report.travel_model,
        demand_words(report)
    )
}

fn demand_words(report: &CoverageReport) -> String {
    match &report.demand_source {
        crate::coverage::report::DemandSource::Population => "census population".into(),
        crate::coverage::report::DemandSource::Tickets { tickets } => {
            format!("{tickets} tickets")
        }
    }
}

fn write_heading(out: &mut dyn Write, report: &CoverageReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "coverage of demand ({}) by {} staffed bases and {} engineers; lead time {} + {} travel",
        demand_words(report),
        report.bases,
        report.engineers,
        report.settings.lead_time,
        report.travel_model
    )?;
    Ok(())
}

fn write_areas(
    out: &mut dyn Write,
    before: &CoverageReport,
    after: Option<&CoverageReport>,
) -> anyhow::Result<()> {
    let standard = format!("≤{}", before.settings.standard);
    let urgent = format!("≤{}", before.settings.urgent);
    write!(
        out,
        "{:<22} {:>6} {:>6} {:>7} {:>8} {:>8}",
        "area", "cities", "w/base", "demand", standard, urgent
    )?;
    if after.is_some() {
        write!(
            out,
            " {:>8} {:>8}",
            format!("→{standard}"),
            format!("→{urgent}")
        )?;
    }
    writeln!(out)?;
    let row = |out: &mut dyn Write, area: &AreaShare, changed: Option<&AreaShare>| {
        write!(
            out,
            "{:<22} {:>6} {:>6} {:>7} {:>8} {:>8}",
            area.name,
            area.cities,
            area.cities_with_base,
            pct(area.demand_share),
            pct(area.standard_share),
            pct(area.urgent_share)
        )?;
        if let Some(changed) = changed {
            write!(
                out,
                " {:>8} {:>8}",
                pct(changed.standard_share),
                pct(changed.urgent_share)
            )?;
        }
        writeln!(out)
    };
    row(out, &before.national, after.map(|a| &a.national))?;
    for (index, region) in before.regions.iter().enumerate() {
        row(out, region, after.map(|a| &a.regions[index]))?;
    }
    writeln!(out, "-- provinces")?;
    for (index, province) in before.provinces.iter().enumerate() {
        row(out, province, after.map(|a| &a.provinces[index]))?;
    }
    Ok(())
}

fn write_uncovered(out: &mut dyn Write, report: &CoverageReport) -> anyhow::Result<()> {
    const SHOWN: usize = 15;
    for (limit, list) in [
        (report.settings.standard, &report.uncovered_standard),
        (report.settings.urgent, &report.uncovered_urgent),
    ] {
        writeln!(
            out,
            "not reached within {limit}: {} cities{}",
            list.len(),
            if list.len() > SHOWN {
                format!(", the {SHOWN} with most demand:")
            } else if list.is_empty() {
                String::new()
            } else {
                ":".into()
            }
        )?;
        for city in list.iter().take(SHOWN) {
            writeln!(
                out,
                "  {:<18} {:<14} demand {:>10.0}  nearest {}",
                city.name,
                city.province,
                city.demand,
                city.nearest_minutes
                    .map_or("none".to_string(), |m| format!("{:.1} h", m / 60.0))
            )?;
        }
    }
    Ok(())
}

fn site(args: SiteArgs, travel: GreatCircle, out: &mut dyn Write) -> anyhow::Result<()> {
    let setup = setup(&args.common, travel)?;
    let fleet = setup
        .scenario
        .as_ref()
        .map_or(&setup.fleet, |(_, fleet)| fleet);
    if let Some((title, _)) = &setup.scenario {
        writeln!(out, "scenario: {title} (siting starts from it)")?;
    }
    let options = SitingOptions {
        k: args.k,
        objective: match args.objective {
            ObjectiveArg::MaxCover => Objective::MaxCover {
                within: args.within,
            },
            ObjectiveArg::PMedian => Objective::PMedian,
        },
        candidates: args.candidates.clone(),
        new_engineers: args.new_engineers,
        time_limit: args.time_limit,
    };
    let spinner = indicatif::ProgressBar::new_spinner().with_message("solving the siting MIP");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let report = siting::site(
        &setup.network.cities,
        fleet,
        &setup.demand,
        &setup.travel,
        setup.settings,
        &options,
    );
    spinner.finish_and_clear();
    let report = report?;
    let solution = &report.solution;
    let what = match report.objective {
        Objective::MaxCover { within } => format!("maximal covering within {within}"),
        Objective::PMedian => "p-median (demand-weighted minutes)".to_string(),
    };
    writeln!(
        out,
        "siting {} new stations among {} candidate cities: {what}; lead time {}",
        report.k, report.candidates, setup.settings.lead_time
    )?;
    writeln!(
        out,
        "{:>4} {:<18} {:<14} {:<10} {:>14}",
        "rank", "city", "province", "region", "new demand"
    )?;
    for (rank, site) in report.sites.iter().enumerate() {
        writeln!(
            out,
            "{:>4} {:<18} {:<14} {:<10} {:>14}",
            rank + 1,
            site.name,
            site.province,
            site.region.to_string(),
            site.new_demand_within
                .map_or("-".to_string(), |d| format!("{d:.0}"))
        )?;
    }
    let total = report.before.national.demand.max(1e-9);
    let (objective, bound) = match report.objective {
        Objective::MaxCover { .. } => (
            format!(
                "{:.0} ({})",
                solution.objective,
                pct(solution.objective / total)
            ),
            format!("{:.0} ({})", solution.bound, pct(solution.bound / total)),
        ),
        Objective::PMedian => (
            format!("{:.1} min mean", solution.objective / total),
            format!("{:.1} min mean", solution.bound / total),
        ),
    };
    writeln!(
        out,
        "MIP (HiGHS): objective {objective}, bound {bound}, gap {:.4}%, status {}{}, {:.2} s",
        100.0 * solution.gap,
        solution.status,
        if solution.proven_optimal {
            " (proven optimal)"
        } else {
            ""
        },
        solution.seconds
    )?;
    let (b, a) = (&report.before.national, &report.after.national);
    writeln!(
        out,
        "covered share of demand   before   after\n  within {:<16} {:>6} {:>7}\n  within {:<16} {:>6} {:>7}",
        report.before.settings.standard.to_string(),
        pct(b.standard_share),
        pct(a.standard_share),
        report.before.settings.urgent.to_string(),
        pct(b.urgent_share),
        pct(a.urgent_share),
    )?;
    if let Objective::MaxCover { within } = report.objective
        && within != report.before.settings.standard
        && within != report.before.settings.urgent
    {
        let before_share = siting_share(&report.before, within);
        let after_share = siting_share(&report.after, within);
        writeln!(
            out,
            "  within {:<16} {:>6} {:>7}",
            within.to_string(),
            pct(before_share),
            pct(after_share)
        )?;
    }
    writeln!(
        out,
        "  mean minutes to nearest base: {:.1} → {:.1}",
        report.mean_minutes_before, report.mean_minutes_after
    )?;
    let dir = &args.common.out;
    write_file(dir, "sites.csv", &render::sites_csv(&report))?;
    write_file(
        dir,
        "coverage_cities.csv",
        &render::cities_csv(&report.before, Some(&report.after)),
    )?;
    write_file(
        dir,
        "coverage_areas.csv",
        &render::areas_csv(&report.before, Some(&report.after)),
    )?;
    let mut markers = render::fleet_markers(fleet);
    markers.extend(report.sites.iter().map(|site| Marker {
        lat: site.lat,
        lon: site.lon,
        kind: BaseKind::Proposed,
        label: format!("proposed: {} ({})", site.name, site.province),
        flagged: false,
    }));
    write_file(
        dir,
        "sites.svg",
        &render::svg_map(
            &format!("Ruyi: {} proposed stations ({what})", report.k),
            &map_note(&report.after),
            &report.after,
            &markers,
            None,
        ),
    )?;
    writeln!(
        out,
        "wrote sites.csv, coverage_cities.csv, coverage_areas.csv and sites.svg to {}",
        dir.display()
    )?;
    Ok(())
}

/// The share within a limit other than the report's two, from the city rows.
fn siting_share(report: &CoverageReport, within: TimeSpan) -> f64 {
    let total: f64 = report.cities.iter().map(|c| c.demand).sum();
    let covered: f64 = report
        .cities
        .iter()
        .filter(|c| {
            c.nearest_minutes
                .is_some_and(|m| m <= within.as_minutes() + 1e-9)
        })
        .map(|c| c.demand)
        .sum();
    if total > 0.0 { covered / total } else { 0.0 }
}

fn replay(
    args: ReplayArgs,
    travel: GreatCircle,
    ticket_seed: u64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if !(args.solver_time.is_finite() && args.solver_time > 0.0) {
        anyhow::bail!("--solver-time must be a positive number of seconds");
    }
    let setup = setup(&args.common, travel)?;
    let days = match &args.tickets {
        Some(path) => crate::coverage::ticket_days(&read_tickets_file(path)?),
        None => {
            if args.days == 0 || args.tickets_per_day == 0 {
                anyhow::bail!("--days and --tickets-per-day must be at least 1");
            }
            let start = args.start.unwrap_or_else(|| {
                chrono::Utc::now()
                    .with_timezone(&service_offset())
                    .date_naive()
            });
            crate::coverage::generated_days(
                &setup.network,
                start,
                args.days,
                args.tickets_per_day,
                ticket_seed,
            )
        }
    };
    if days.is_empty() {
        anyhow::bail!("no tickets to replay");
    }
    let options = ReplayOptions {
        time_limit: Duration::from_secs_f64(args.solver_time),
        seed: 1,
        target: args.target,
        lead_time: setup.settings.lead_time,
    };
    let started = Instant::now();
    let mut fleets = vec![("today".to_string(), &setup.fleet)];
    if let Some((title, fleet)) = &setup.scenario {
        fleets.push((title.clone(), fleet));
    }
    let mut reports: Vec<ReplayReport> = Vec::new();
    for (title, fleet) in &fleets {
        let progress = indicatif::ProgressBar::new(days.len() as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} days {msg} [{elapsed}]")
                .expect("static template"),
        );
        progress.set_message(format!("replaying ({title})"));
        let report =
            crate::coverage::replay(fleet, &days, &setup.travel, &options, &mut |done, _| {
                progress.set_position(done as u64)
            });
        progress.finish_and_clear();
        reports.push(report?);
    }
    let before = &reports[0];
    let after = reports.get(1);
    writeln!(
        out,
        "replayed {} days ({} tickets{}) through the dispatcher at {} s per hub-day",
        before.days,
        before.tickets,
        before
            .first_day
            .map_or(String::new(), |d| format!(" from {d}")),
        args.solver_time
    )?;
    if let Some((title, _)) = &setup.scenario {
        writeln!(out, "scenario: {title} (→ columns)")?;
    }
    write!(
        out,
        "{:<14} {:>9} {:>8} {:>8} {:>10} {:>12} {:>8}",
        "region", "engineers", "tickets", "on_time", "attainable", "of_attainbl", "key≤2h"
    )?;
    if after.is_some() {
        write!(
            out,
            " {:>9} {:>8} {:>12}",
            "→engnrs", "→on_time", "→of_attainbl"
        )?;
    }
    writeln!(out)?;
    let rows: Vec<(&RegionReplay, Option<&RegionReplay>)> = before
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r, after.map(|a| &a.regions[i])))
        .chain(std::iter::once((
            &before.national,
            after.map(|a| &a.national),
        )))
        .collect();
    for (stats, changed) in rows {
        write!(
            out,
            "{:<14} {:>9} {:>8} {:>8} {:>10} {:>12} {:>8}",
            stats.name,
            stats.engineers,
            stats.tickets,
            pct(stats.on_time_share),
            stats.attainable,
            pct(stats.on_time_share_of_attainable),
            if stats.key_tickets == 0 {
                "-".to_string()
            } else {
                pct(f64::from(stats.key_on_time) / f64::from(stats.key_tickets))
            }
        )?;
        if let Some(changed) = changed {
            write!(
                out,
                " {:>9} {:>8} {:>12}",
                changed.engineers,
                pct(changed.on_time_share),
                pct(changed.on_time_share_of_attainable)
            )?;
        }
        writeln!(out)?;
    }
    let last = after.unwrap_or(before);
    let needed: usize = last.bases.iter().filter_map(|b| b.needed).sum();
    let now: usize = last.bases.iter().map(|b| b.engineers).sum();
    let short: Vec<_> = {
        let mut short: Vec<_> = last
            .bases
            .iter()
            .filter(|b| b.needed.is_none_or(|n| n > b.engineers))
            .collect();
        short.sort_by_key(|b| {
            std::cmp::Reverse(
                b.needed
                    .unwrap_or(usize::MAX / 2)
                    .saturating_sub(b.engineers),
            )
        });
        short
    };
    writeln!(
        out,
        "sizing for {} of attainable tickets on site in time: {} engineers now, {} needed \
         (crews dispatched as tickets come in, after the lead time, from the nearest base); {} bases short{}",
        pct(args.target),
        now,
        needed,
        short.len(),
        if short.is_empty() {
            ""
        } else {
            ", most short first:"
        }
    )?;
    for base in short.iter().take(15) {
        writeln!(
            out,
            "  {:<10} {:<36} {:>5.1} tickets/day, on time now {:>6}, engineers {:>3} → {}",
            base.id,
            base.name,
            base.tickets_per_day,
            pct(base.on_time_share_now),
            base.engineers,
            base.needed.map_or(
                format!("> {}", crate::coverage::replay::MAX_ENGINEERS),
                |n| n.to_string()
            )
        )?;
    }
    let dir = &args.common.out;
    write_file(
        dir,
        "replay_regions.csv",
        &render::replay_regions_csv(before),
    )?;
    write_file(dir, "replay_bases.csv", &render::replay_bases_csv(before))?;
    if let Some(after) = after {
        write_file(
            dir,
            "replay_regions_after.csv",
            &render::replay_regions_csv(after),
        )?;
        write_file(
            dir,
            "replay_bases_after.csv",
            &render::replay_bases_csv(after),
        )?;
    }
    let fleet = fleets.last().expect("at least today's fleet").1;
    let coverage = CoverageReport::build(
        &setup.network.cities,
        fleet,
        &setup.demand,
        &setup.travel,
        setup.settings,
    )?;
    let mut markers = render::fleet_markers(fleet);
    for marker in &mut markers {
        let id = marker.label.split_whitespace().next().unwrap_or_default();
        marker.flagged = short.iter().any(|b| b.id == id);
    }
    write_file(
        dir,
        "replay.svg",
        &render::svg_map(
            &format!("Ruyi load replay: {} days", last.days),
            &map_note(&coverage),
            &coverage,
            &markers,
            Some(&format!("base short of engineers for {}", pct(args.target))),
        ),
    )?;
    writeln!(
        out,
        "replay took {:.1} s; wrote replay_regions.csv, replay_bases.csv and replay.svg to {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_is_a_percentage_or_a_fraction() {
        assert_eq!(parse_share("95%").unwrap(), 0.95);
        assert_eq!(parse_share("0.9").unwrap(), 0.9);
        assert!(parse_share("120%").is_err());
        assert!(parse_share("0").is_err());
    }
}
