//! `ruyi demo`, the README's main job: a fresh database with the shipped
//! network and a generated day of tickets, all seven hubs planned, a table
//! per hub, and the routes written as JSON and GeoJSON.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;

use super::plan::SearchArgs;
use crate::api::{TokenSecret, issue_token};
use crate::domain::{Region, Role, RoleKind, Roster, RosterSummary, service_offset};
use crate::network::{Network, generate_tickets};
use crate::settings::{DEFAULT_TICKET_SEED, Database, Settings};
use crate::storage::{Store, TicketFilter};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The day to plan, YYYY-MM-DD (default: today in service time).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Tickets in the generated national day.
    #[arg(long, env = "RUYI_DEMO_TICKETS", default_value_t = 1500)]
    pub tickets: usize,
    /// The ticket generator's seed, as in `ruyi generate`: the same date,
    /// count and seed give the same tickets.
    #[arg(long, env = "RUYI_TICKET_SEED", value_name = "N",
          default_value_t = DEFAULT_TICKET_SEED.to_string())]
    pub ticket_seed: String,
    /// The plans' "now" (RFC 3339); default 08:00 of the day, the morning
    /// plan. Nothing is planned before it.
    #[arg(long)]
    pub at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[command(flatten)]
    pub search: SearchArgs,
    /// Where the JSON and GeoJSON routes are written.
    #[arg(long, env = "RUYI_OUT", default_value = "out/demo")]
    pub out: PathBuf,
    /// Skip the closing simulated day (live dispatch beside the morning
    /// plan), which takes about as long again as the plans.
    #[arg(long)]
    pub no_live_day: bool,
}

/// Without a database URL the demo (re)creates its SQLite file (the one
/// `ruyi serve` then serves); with one it insists on a database without
/// tickets rather than mix the demo into real data.
pub fn run(settings: &Settings, args: DemoArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let options = settings.plan_options();
    if args.tickets == 0 {
        anyhow::bail!("--tickets must be at least 1");
    }
    let ticket_seed = settings.ticket_seed;
    let date = args.date.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&service_offset())
            .date_naive()
    });
    let now = args.at.map_or_else(
        || crate::dispatch::morning_of(date),
        |at| at.with_timezone(&chrono::Utc),
    );
    let hint = match &settings.database {
        Database::Url(_) => "unset DATABASE_URL to let it create its SQLite file".to_string(),
        Database::File(file) => {
            let name = file.display().to_string();
            for stale in [
                name.clone(),
                format!("{name}-wal"),
                format!("{name}-shm"),
                format!("{name}-journal"),
            ] {
                match std::fs::remove_file(&stale) {
                    Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                        return Err(error).with_context(|| format!("removing the old {stale}"));
                    }
                    _ => {}
                }
            }
            format!("it recreates {name} when no DATABASE_URL is set")
        }
    };
    let url = settings.database.url();
    super::ensure_dir(&args.out)?;
    let network = Network::shipped().context("the shipped network is broken")?;
    let tickets = generate_tickets(&network, date, args.tickets, ticket_seed);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let started = Instant::now();
    let rosters = runtime.block_on(async {
        let store = super::open_store(&url).await?;
        let present = store.count_tickets(TicketFilter::default()).await?;
        if present > 0 {
            anyhow::bail!(
                "{url} already holds {present} tickets; the demo needs a database without \
                 tickets ({hint})"
            );
        }
        store.insert_tickets(&tickets).await?;
        writeln!(
            out,
            "database {}: shipped network ({} cities, {} stations, {} engineers) and {} tickets \
             for {date} (ticket seed {})",
            url,
            network.cities.len(),
            network.stations.len(),
            network.engineers.len(),
            tickets.len(),
            ticket_seed,
        )?;
        let progress = indicatif::ProgressBar::new(Region::ALL.len() as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} hubs {msg} [{elapsed}]")
                .expect("static template"),
        );
        let mut rosters = Vec::new();
        for hub in Region::ALL {
            progress.set_message(format!("planning {hub}"));
            let roster =
                crate::service::plan_and_store(&store, hub, date, now, &options, &settings.travel)
                    .await
                    .with_context(|| format!("planning the {hub} hub"))?;
            rosters.push(roster);
            progress.inc(1);
        }
        progress.finish_and_clear();
        let tokens = demo_tokens(&store, &rosters).await?;
        store.close().await;
        anyhow::Ok((rosters, tokens))
    })?;
    let (rosters, tokens) = rosters;
    write_table(out, &rosters)?;
    write_files(&args.out, &rosters)?;
    writeln!(
        out,
        "planned {date} in {:.1} s; rosters written to {} (one <hub>.json each, all routes in \
         routes.geojson)",
        started.elapsed().as_secs_f64(),
        args.out.display()
    )?;
    write_tokens(out, &args.out, &tokens)?;
    if !args.no_live_day {
        live_day(
            out,
            &network,
            date,
            args.tickets,
            ticket_seed,
            &settings.travel,
            &args.out,
        )?;
    }
    if let Some(route) = rosters.iter().flat_map(|r| &r.routes).next() {
        writeln!(
            out,
            "next: `ruyi serve`, then GET /api/v1/engineers/{}/route?date={date} with \
             Authorization: Bearer $RUYI_ENGINEER_TOKEN (`. {}`)",
            route.engineer_id,
            args.out.join(TOKENS_FILE).display()
        )?;
    }
    Ok(())
}

/// One simulated day of the network from 08:00 of `date` (the same
/// volume, fresh tickets arriving at their reported times, engineers
/// following their routes), under live dispatch and under the morning
/// plan alone, side by side: what the service promise looks like live.
fn live_day(
    out: &mut dyn Write,
    network: &Network,
    date: NaiveDate,
    tickets: usize,
    seed: u64,
    travel: &crate::travel::GreatCircle,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    use crate::simulation::{Policy, SimulationConfig, rows};
    let mut config = SimulationConfig::new(date, 1, seed);
    config.tickets_per_day = tickets;
    config.travel = *travel;
    let started = Instant::now();
    let dir = dir.join("live-day");
    super::ensure_dir(&dir)?;
    let runs =
        super::simulate::run_policies(network, &config, &[Policy::Live, Policy::Morning], &dir, 2)?;
    writeln!(
        out,
        "\none simulated day from {date} 08:00 ({tickets} new tickets arriving as reported, \
         engineers following their routes; `ruyi simulate` for a month of four policies):"
    )?;
    writeln!(
        out,
        "{:<8} {:>7} {:>10} {:>9} {:>12} {:>9} {:>8} {:>6}",
        "policy", "tickets", "attainable", "12h%", "12h%attain", "48h%", "km", "plans"
    )?;
    for run in &runs {
        if let Some(row) = rows(run).into_iter().find(|row| row.hub == "all") {
            writeln!(
                out,
                "{:<8} {:>7} {:>10} {:>9.1} {:>12.1} {:>9.1} {:>8.0} {:>6}",
                row.policy,
                row.tickets,
                row.attainable,
                row.on_site_12h_pct,
                row.on_site_12h_attainable_pct,
                row.repaired_48h_pct,
                row.km,
                row.plans
            )?;
        }
    }
    writeln!(
        out,
        "simulated in {:.0} s (counted after each plan's now, from what the engineers did; \
         databases in {})",
        started.elapsed().as_secs_f64(),
        dir.display()
    )?;
    Ok(())
}

/// Where the demo writes its tokens as shell variables.
const TOKENS_FILE: &str = "tokens.env";

/// One demo token: the role it was issued for, the shell variable that
/// holds it, and the token.
struct DemoToken {
    role: Role,
    variable: String,
    secret: TokenSecret,
}

/// One token per role, to try the API with: the coordinator's is for the
/// hub of the first planned route, the engineer's for that route's
/// engineer (the one the `next:` line names).
async fn demo_tokens(store: &Store, rosters: &[Roster]) -> anyhow::Result<Vec<DemoToken>> {
    let first = rosters
        .iter()
        .find_map(|roster| roster.routes.first().map(|route| (roster.hub, route)));
    let (hub, engineer) = match first {
        Some((hub, route)) => (hub, route.engineer_id.clone()),
        None => {
            let engineer = store
                .engineers_in_region(Region::ALL[0])
                .await?
                .into_iter()
                .next()
                .context("the network has no engineer")?;
            (engineer.region(), engineer.id().clone())
        }
    };
    let now = chrono::Utc::now();
    let mut tokens = Vec::new();
    for kind in RoleKind::ALL {
        let role = match kind {
            RoleKind::Coordinator => Role::Coordinator(hub),
            RoleKind::Engineer => Role::Engineer(engineer.clone()),
            RoleKind::Admin => Role::Admin,
            RoleKind::Planner => Role::Planner,
            RoleKind::CallCenter => Role::CallCenter,
            RoleKind::Integration => Role::Integration,
        };
        let (_, secret) = issue_token(store, role.clone(), Some("ruyi demo".into()), now, None)
            .await
            .context("issuing the demo tokens")?;
        tokens.push(DemoToken {
            variable: format!("RUYI_{}_TOKEN", kind.code().to_uppercase()),
            role,
            secret,
        });
    }
    Ok(tokens)
}

/// Prints the tokens and writes them to `tokens.env` in `dir` (readable by
/// its owner only) for `. out/demo/tokens.env` before the README's curls.
fn write_tokens(
    out: &mut dyn Write,
    dir: &std::path::Path,
    tokens: &[DemoToken],
) -> anyhow::Result<()> {
    let mut env = String::new();
    writeln!(
        out,
        "API tokens, one per role (shown only now; `ruyi token list` lists them):"
    )?;
    for token in tokens {
        writeln!(
            out,
            "  {:<26} {:<30} {}",
            token.variable,
            token.role.to_string(),
            token.secret.expose()
        )?;
        env.push_str(&format!(
            "export {}={}\n",
            token.variable,
            token.secret.expose()
        ));
        if let Role::Engineer(id) = &token.role {
            env.push_str(&format!("export RUYI_ENGINEER={id}\n"));
        }
        if let Role::Coordinator(hub) = &token.role {
            env.push_str(&format!("export RUYI_HUB={hub}\n"));
        }
    }
    let path = dir.join(TOKENS_FILE);
    write_private(&path, env.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes a file only its owner may read: it holds secrets.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}

/// The day's table, one row per hub. The 12 h share is counted honestly at
/// the plan's "now" (08:00 unless `--at`): `overdue` tickets were past their
/// on-site deadline before the plan was made, `reachable` ones could still
/// be reached in time by a qualified engineer leaving then, and `in_12h%`
/// is the share of those the routes reach in time. Nothing here depends on
/// the clock, so two runs print the same table.
fn write_table(out: &mut dyn Write, rosters: &[Roster]) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<10} {:>6} {:>7} {:>6} {:>9} {:>7} {:>9} {:>7} {:>6} {:>8} {:>10} {:>7}",
        "hub",
        "roster",
        "tickets",
        "remote",
        "engineers",
        "overdue",
        "reachable",
        "in_12h%",
        "visits",
        "km",
        "unassigned",
        "loaners",
    )?;
    let row = |out: &mut dyn Write, hub: &str, id: String, s: &RosterSummary, loaners: usize| {
        writeln!(
            out,
            "{:<10} {:>6} {:>7} {:>6} {:>9} {:>7} {:>9} {:>7} {:>6} {:>8.0} {:>10} {:>7}",
            hub,
            id,
            s.tickets,
            s.resolved_remotely,
            format!("{}/{}", s.engineers_used, s.engineers_available),
            s.overdue_at_now,
            s.reachable,
            percent(s.on_time_reachable, s.reachable),
            s.assigned,
            s.km,
            // Tomorrow's tentative visits are not served today either.
            s.tickets - s.assigned - s.resolved_remotely,
            loaners,
        )
    };
    let mut total = RosterSummary::default();
    let mut loaners = 0;
    for roster in rosters {
        let summary = &roster.summary;
        let id = roster.id.unwrap_or_default().to_string();
        row(
            out,
            &roster.hub.to_string(),
            id,
            summary,
            roster.loaners.len(),
        )?;
        total.tickets += summary.tickets;
        total.resolved_remotely += summary.resolved_remotely;
        total.assigned += summary.assigned;
        total.engineers_used += summary.engineers_used;
        total.engineers_available += summary.engineers_available;
        total.overdue_at_now += summary.overdue_at_now;
        total.reachable += summary.reachable;
        total.on_time_reachable += summary.on_time_reachable;
        total.km += summary.km;
        loaners += roster.loaners.len();
    }
    row(out, "all", String::new(), &total, loaners)?;
    for roster in rosters {
        writeln!(
            out,
            "{}: {}",
            roster.hub,
            super::plan::plan_report(&roster.summary)
        )?;
    }
    Ok(())
}

/// A share in percent, `-` of nothing.
fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}", 100.0 * f64::from(part) / f64::from(whole))
    }
}

fn write_files(dir: &std::path::Path, rosters: &[Roster]) -> anyhow::Result<()> {
    let mut features = Vec::new();
    for roster in rosters {
        let path = dir.join(format!("{}.json", roster.hub));
        std::fs::write(&path, super::roster_json(roster)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if let serde_json::Value::Array(more) = roster.to_geojson()["features"].take() {
            features.extend(more);
        }
    }
    let path = dir.join("routes.geojson");
    let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, serde_json::to_vec(&collection)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
