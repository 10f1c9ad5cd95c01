use anyhow::Context;

use super::plan::SearchArgs;
use crate::api::Application;
use crate::settings::{DEFAULT_CLOCK_SKEW_MINUTES, Settings};

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
