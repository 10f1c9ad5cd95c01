use anyhow::Context;

use crate::api::{Application, LiveSettings};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "RUYI_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, env = "RUYI_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// How far in the future (minutes) an engineer's event may be dated:
    /// phone clocks run a little ahead.
    #[arg(long, env = "RUYI_CLOCK_SKEW_MINUTES", default_value_t = crate::api::DEFAULT_CLOCK_SKEW_MINUTES)]
    pub clock_skew: i64,
}

/// `ruyi serve`: connect, migrate, load the shipped network into an empty
/// database, then serve the API until stopped.
pub fn run(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = super::open_store(database_url).await?;
        let live = LiveSettings {
            max_clock_skew: chrono::Duration::minutes(args.clock_skew.max(0)),
            ..LiveSettings::default()
        };
        let application = Application::with_store_live(&args.host, args.port, store, live)?;
        application.run_until_stopped().await?;
        anyhow::Ok(())
    })
}
