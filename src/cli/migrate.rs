use std::io::Write;

use anyhow::Context;

use crate::settings::Settings;
use crate::storage::Store;

/// `ruyi migrate`: creates or updates the database schema.
pub fn run(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<()> {
    let url = settings.database.url();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let backend = runtime.block_on(async {
        let store = Store::connect(url.expose())
            .await
            .with_context(|| format!("connecting to {url}"))?;
        store.migrate().await.context("applying migrations")?;
        store.close().await;
        anyhow::Ok(store.backend())
    })?;
    writeln!(out, "migrations applied ({} database)", backend.name())?;
    Ok(())
}
