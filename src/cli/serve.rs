use anyhow::Context;

use super::plan::SearchArgs;
use crate::api::Application;
use crate::settings::{
    DEFAULT_CLOCK_SKEW_MINUTES, DEFAULT_MAX_REPORT_AGE_DAYS, DEFAULT_RATE_BURST,
    DEFAULT_RATE_LIMIT, DEFAULT_SIMULATION_MAX_TICKETS, DEFAULT_VROOM_MAX_JOBS,
    DEFAULT_VROOM_MAX_VEHICLES, RawSettings, Settings,
};

/// Where to listen, and how hard to search for the rosters the API plans.
/// Raw here: [`Settings::load`] checks them.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "RUYI_PORT", default_value_t = Settings::default().port.to_string())]
    pub port: String,
    /// Address to bind.
    #[arg(long, env = "RUYI_HOST", default_value_t = Settings::default().host)]
    pub host: String,
    #[command(flatten)]
    pub search: SearchArgs,
    /// How far in the future (minutes) an engineer's event may be dated:
    /// phone clocks run a little ahead.
    #[arg(long, env = "RUYI_CLOCK_SKEW_MINUTES", default_value_t = DEFAULT_CLOCK_SKEW_MINUTES.to_string())]
    pub clock_skew: String,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Live dispatch: each hub re-planned by itself at the next PROMPT
    /// minutes after an urgent change (a severity-1/2 or 7x24 ticket, a
    /// visit far from plan, an engineer unavailable), the next ROUTINE
    /// minutes after another ticket, and at midnight; `off` plans only
    /// when asked.
    #[arg(
        long,
        env = "RUYI_LIVE_DISPATCH",
        value_name = "PROMPT,ROUTINE|off",
        default_value = "30,120"
    )]
    pub live_dispatch: String,
}

/// What the API refuses as too much. Raw here: [`Settings::load`] checks
/// them.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Requests per second each token may send (0: no limit).
    #[arg(long, env = "RUYI_RATE_LIMIT", value_name = "N",
          default_value_t = DEFAULT_RATE_LIMIT.to_string())]
    pub rate_limit: String,
    /// Requests a token may send at once above its rate.
    #[arg(long, env = "RUYI_RATE_BURST", value_name = "N",
          default_value_t = DEFAULT_RATE_BURST.to_string())]
    pub rate_burst: String,
    /// Browser origins allowed to call the API, comma-separated
    /// (`https://dispatch.example.com`, or `*`) [default: none, CORS off].
    #[arg(long, env = "RUYI_CORS_ORIGINS", value_name = "ORIGINS")]
    pub cors_origins: Option<String>,
    /// How many days old a ticket's report may be when it is taken in.
    #[arg(long, env = "RUYI_MAX_REPORT_AGE_DAYS", value_name = "DAYS",
          default_value_t = DEFAULT_MAX_REPORT_AGE_DAYS.to_string())]
    pub max_report_age_days: String,
    /// Jobs a VROOM document may hold (a shipment counts as two).
    #[arg(long, env = "RUYI_VROOM_MAX_JOBS", value_name = "N",
          default_value_t = DEFAULT_VROOM_MAX_JOBS.to_string())]
    pub vroom_max_jobs: String,
    /// Vehicles a VROOM document may hold.
    #[arg(long, env = "RUYI_VROOM_MAX_VEHICLES", value_name = "N",
          default_value_t = DEFAULT_VROOM_MAX_VEHICLES.to_string())]
    pub vroom_max_vehicles: String,
    /// Tickets a replay simulation may generate (days x tickets per day)
    /// for a planner or admin; a coordinator gets a fifth.
    #[arg(long, env = "RUYI_SIMULATION_MAX_TICKETS", value_name = "N",
          default_value_t = DEFAULT_SIMULATION_MAX_TICKETS.to_string())]
    pub simulation_max_tickets: String,
}

impl LimitArgs {
    /// Copies the raw values into `raw`.
    pub fn fill(&self, raw: &mut RawSettings) {
        raw.rate_limit = Some(self.rate_limit.clone());
        raw.rate_burst = Some(self.rate_burst.clone());
        raw.cors_origins = self.cors_origins.clone();
        raw.max_report_age_days = Some(self.max_report_age_days.clone());
        raw.vroom_max_jobs = Some(self.vroom_max_jobs.clone());
        raw.vroom_max_vehicles = Some(self.vroom_max_vehicles.clone());
        raw.simulation_max_tickets = Some(self.simulation_max_tickets.clone());
    }
}

/// `ruyi serve`: connect, migrate, load the shipped network into an empty
/// database, then serve the API until stopped.
pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = super::open_store(&settings.database.url()).await?;
        let application = Application::with_store(settings, store)?;
        application.run_until_stopped().await?;
        anyhow::Ok(())
    })
}
